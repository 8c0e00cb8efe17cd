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

use super::layout::Catalog;
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
    /// The objects created: index in `classes`, primary key (links may wait for them).
    created: Vec<(usize, PrimaryKey)>,
    /// The classes of `created`.
    classes: Vec<String>,
}

impl Recorder {
    /// Records `op` at `path` in the object `class`/`pk`.
    pub fn record(&mut self, class: &str, pk: &PrimaryKey, path: &[PathSegment], op: &Operation) {
        self.stateful |= sync_store::needs_merge_state(op);
        self.writer.push_parts(class, pk, path, op);
    }

    /// Records the creation of the object `class`/`pk` with the first values of its column
    /// properties; its collections follow with [`Recorder::record`].
    pub fn record_create(&mut self, class: &str, pk: &PrimaryKey, fields: &[(&str, &Value)]) {
        // A new object has no merge state to forget; only nested collections need expanding.
        self.stateful |= fields
            .iter()
            .any(|(_, v)| sync_store::has_nested_collection(v));
        self.writer.push_create(class, pk, fields);
        let index = match self.classes.iter().rposition(|c| c == class) {
            Some(i) => i,
            None => {
                self.classes.push(class.to_owned());
                self.classes.len() - 1
            }
        };
        self.created.push((index, pk.clone()));
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
            .map(|(class, pk)| (self.classes[*class].as_str(), pk));
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
