//! What a local write transaction records for the outbox.
//!
//! Instructions are encoded as they are made (see [`super::outbox`]): a create with many
//! fields costs a few bytes per field and no instruction objects. At commit the entry is
//! finished; only when some instruction needs merge state (anything but creates, list inserts
//! and field sets on existing fields) or nested collections to expand, or when merges left
//! changes aside or links wait for an object this transaction creates, is the entry decoded
//! and run through [`record_local`](super::sync_store::record_local), the full bookkeeping
//! path.

use rusqlite::Connection;

use crate::sync::{Hlc, Operation, PathSegment, ReplicaId};
use crate::value::{PrimaryKey, Value};

use crate::schema::ObjectSchema;

use super::layout::{storage_of, Catalog, Storage};
use super::objects::Store;
use super::outbox::{self, Writer};
use super::sync_store;
use crate::error::Result;

/// The changes of one local write transaction, on their way to the outbox.
#[derive(Debug, Default)]
pub struct Recorder {
    writer: Writer,
    /// Whether some instruction needs the full bookkeeping of `record_local` at commit.
    stateful: bool,
    /// The column properties creates left unset: class, row, property names.
    unset: Vec<(String, i64, Vec<String>)>,
    /// The objects created: index in `shapes`, primary key (links may wait for them).
    created: Vec<(usize, PrimaryKey)>,
    /// The classes objects were created in, with their names' places in the entry.
    shapes: Vec<Shape>,
}

/// How the creates of one class are recorded: its name and its properties' names by their
/// index in the entry's string table, looked up once per transaction.
#[derive(Debug)]
struct Shape {
    class: String,
    class_index: usize,
    /// By property position: the name's index for the properties a create record carries
    /// (column properties but the primary key), `None` for the others.
    names: Vec<Option<usize>>,
    /// The entry's create shape for this class (its index, and its fields' name indexes and
    /// kinds), made from the first create whose values are all scalars. Creates with the
    /// same fields of the same kinds use it; others name their fields.
    create: Option<(usize, Vec<(usize, u8)>)>,
}

impl Recorder {
    /// Records `op` at `path` in the object `class`/`pk`.
    pub fn record(&mut self, class: &str, pk: &PrimaryKey, path: &[PathSegment], op: &Operation) {
        self.stateful |= sync_store::needs_merge_state(op);
        self.writer.push_parts(class, pk, path, op);
    }

    /// Records the creation of the object `pk` at row `row` of `class`, with the first values
    /// of its column properties (`given` by property position, as
    /// [`Store::resolve_document`] returns them, defaults filling the gaps); its collections
    /// follow with [`Recorder::record`].
    pub fn record_create(
        &mut self,
        class: &ObjectSchema,
        row: i64,
        pk: &PrimaryKey,
        given: &[Option<&Value>],
    ) {
        let shape = self.shape(class);
        let names = &self.shapes[shape].names;
        let mut fields = smallvec::SmallVec::<[(usize, &Value); 16]>::new();
        let mut unset = Vec::new();
        for (name, (prop, given)) in names.iter().zip(class.properties.iter().zip(given)) {
            let Some(name) = *name else { continue };
            match given.or(prop.default.as_ref()) {
                Some(value) => {
                    // A new object has no merge state to forget; only nested collections need
                    // expanding.
                    self.stateful |= sync_store::has_nested_collection(value);
                    fields.push((name, value));
                }
                None => unset.push(prop.name.clone()),
            }
        }
        let Shape {
            class_index,
            create,
            ..
        } = &mut self.shapes[shape];
        if create.is_none() {
            let kinds: Option<Vec<_>> = fields
                .iter()
                .map(|(name, value)| Some((*name, outbox::shape_kind(value)?)))
                .collect();
            if let Some(kinds) = kinds {
                *create = Some((self.writer.add_shape(kinds.clone()), kinds));
            }
        }
        let shaped = create.as_ref().and_then(|(index, kinds)| {
            let same = kinds.len() == fields.len()
                && kinds.iter().zip(&fields).all(|((n, k), (name, value))| {
                    n == name && outbox::shape_kind(value) == Some(*k)
                });
            same.then_some(*index)
        });
        match shaped {
            Some(index) => self.writer.push_create_shaped(
                *class_index,
                pk,
                index,
                fields.iter().map(|(_, value)| *value),
            ),
            None => self
                .writer
                .push_create_at(*class_index, pk, fields.into_iter()),
        }
        self.record_unset(&class.name, row, unset);
        self.created.push((shape, pk.clone()));
    }

    /// The place in `shapes` of `class`'s, made on its first create in this transaction.
    fn shape(&mut self, class: &ObjectSchema) -> usize {
        if let Some(i) = self.shapes.iter().rposition(|s| s.class == class.name) {
            return i;
        }
        let class_index = self.writer.name_index(&class.name);
        let pk_position = class.primary_key_position();
        let names = class
            .properties
            .iter()
            .enumerate()
            .map(|(i, prop)| {
                (Some(i) != pk_position && storage_of(prop) == Storage::Column)
                    .then(|| self.writer.name_index(&prop.name))
            })
            .collect();
        self.shapes.push(Shape {
            class: class.name.clone(),
            class_index,
            names,
            create: None,
        });
        self.shapes.len() - 1
    }

    /// Notes the column properties the create of row `row` of `class` left unset.
    pub fn record_unset(&mut self, class: &str, row: i64, properties: Vec<String>) {
        if !properties.is_empty() {
            self.unset.push((class.to_owned(), row, properties));
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.writer.is_empty()
    }

    /// Records the merge state of the changes in `conn` (inside the committing transaction)
    /// and returns the outbox entry, stamped `replica`/`clock`, with the objects whose values
    /// that bookkeeping changed besides the recorded writes (holder, top-level property: links
    /// a create brought back).
    pub fn finish(
        self,
        conn: &Connection,
        cat: &Catalog,
        replica: ReplicaId,
        clock: Hlc,
    ) -> Result<(Vec<u8>, sync_store::Touched)> {
        let entry = self.writer.finish(replica, clock);
        let created = self
            .created
            .iter()
            .map(|(shape, pk)| (self.shapes[*shape].class.as_str(), pk));
        let awaited = sync_store::awaited(conn, created)?;
        if self.stateful || !awaited.is_empty() || sync_store::ghosts_waiting(conn)? {
            let mut changeset = outbox::decode(&entry)?;
            let touched = sync_store::record_local(conn, cat, &mut changeset, awaited)?;
            return Ok((outbox::encode(&changeset), touched));
        }
        // What `record_local` does for creates alone: an unset field was never written.
        let store = Store { conn, cat };
        for (class, row, properties) in &self.unset {
            for property in properties {
                store.record_unwritten_field(class, *row, property)?;
            }
        }
        Ok((entry, Vec::new()))
    }
}
