//! The sync merge state on SQLite: [`MergeStore`] over a write transaction's connection.
//!
//! Values live where the storage layer keeps them (class tables, element tables, field clocks,
//! tombstones). What the merge needs beyond that lives in tables of its own, keyed by class,
//! primary key and sync path (never by row id, which SQLite may reuse):
//! - `__syncline_sync_applied(clock, replica)`: remote changesets integrated (idempotence),
//! - `__syncline_sync_objects(class, pk, created_*, erased_*)`: the newest create and erase
//!   stamps of each object (storage's tombstone goes when an object is created again),
//! - `__syncline_sync_adds(class, pk, path, n, clock, replica, delta)`: integer additions,
//! - `__syncline_sync_entries(class, pk, path, key, present, clock, replica)`: set elements and
//!   dictionary keys with their stamps, removed ones included (tombstones),
//! - `__syncline_sync_elements(class, pk, path, element, v*, p*)`: list element value and position
//!   stamps, when they differ from the element's insert stamp,
//! - `__syncline_sync_clears(class, pk, path, clock, replica)`: the last clear of a collection,
//! - `__syncline_sync_ghosts(class, pk, n, clock, replica, instruction)`: changes waiting for
//!   their object or embedded object to exist,
//! - `__syncline_sync_unresolved(class, pk, path, clock, replica, tclass, tpk, instruction)`:
//!   links whose target does not exist (Realm's unresolved links), by the place holding them
//!   (a field, a list element, a dictionary key or a set element) and by target. Such a link
//!   reads as null (a dictionary value), or is left out (a list or set element); the stored
//!   instruction writes it back when an object with the target's primary key is created.
//!   `clock`/`replica` is the stamp that a clear or an erase compares: the field's or entry's
//!   write, or the list element's insert.
//!
//! A field that was never written carries [`Stamp::MIN`]: objects created by a merge get it as
//! their creation stamp (their real create stamp is in `__syncline_sync_objects`), and a field
//! reset by an erase or a replacement gets it as its field clock.
//!
//! Local writes keep this state current through [`record_local`], which the write transaction
//! calls with its changeset before writing the outbox.

use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::schema::{Collection, ObjectSchema, Property, PropertyType, Schema};
use crate::sync::codec::pk_to_bson;
use crate::sync::merge::{integrate, Entry, Ghost, ListElement, MergeStore, ObjectState, Register};
use crate::sync::{Changeset, ElementId, Instruction, Operation, PathSegment, ReplicaId, Stamp};
use crate::value::{Document, Link, PrimaryKey, Value};

use super::encode::decode_scalar;
use super::layout::{storage_of, Catalog, Storage};
use super::objects::{
    column_link_condition, element_link_condition, link_holders, Store, WriteCtx,
};
use super::StorageError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS __syncline_sync_applied (clock INTEGER NOT NULL,
    replica INTEGER NOT NULL, PRIMARY KEY (clock, replica)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_objects (class TEXT NOT NULL, pk BLOB NOT NULL,
    created_clock INTEGER, created_replica INTEGER, erased_clock INTEGER,
    erased_replica INTEGER, PRIMARY KEY (class, pk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_adds (class TEXT NOT NULL, pk BLOB NOT NULL,
    path BLOB NOT NULL, n INTEGER NOT NULL, clock INTEGER NOT NULL, replica INTEGER NOT NULL,
    delta INTEGER NOT NULL, PRIMARY KEY (class, pk, path, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_entries (class TEXT NOT NULL, pk BLOB NOT NULL,
    path BLOB NOT NULL, key BLOB NOT NULL, present INTEGER NOT NULL, clock INTEGER NOT NULL,
    replica INTEGER NOT NULL, PRIMARY KEY (class, pk, path, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_elements (class TEXT NOT NULL, pk BLOB NOT NULL,
    path BLOB NOT NULL, element BLOB NOT NULL, vclock INTEGER NOT NULL,
    vreplica INTEGER NOT NULL, pclock INTEGER NOT NULL, preplica INTEGER NOT NULL,
    PRIMARY KEY (class, pk, path, element)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_clears (class TEXT NOT NULL, pk BLOB NOT NULL,
    path BLOB NOT NULL, clock INTEGER NOT NULL, replica INTEGER NOT NULL,
    PRIMARY KEY (class, pk, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_ghosts (class TEXT NOT NULL, pk BLOB NOT NULL,
    n INTEGER NOT NULL, clock INTEGER NOT NULL, replica INTEGER NOT NULL,
    instruction BLOB NOT NULL, PRIMARY KEY (class, pk, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS __syncline_sync_unresolved (class TEXT NOT NULL, pk BLOB NOT NULL,
    path BLOB NOT NULL, clock INTEGER NOT NULL, replica INTEGER NOT NULL, tclass TEXT NOT NULL,
    tpk BLOB NOT NULL, instruction BLOB NOT NULL, PRIMARY KEY (class, pk, path)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS __syncline_sync_unresolved_target
    ON __syncline_sync_unresolved (tclass, tpk);
";

/// The metadata tables keyed by a sync path, for cleaning up below a path.
const PATH_TABLES: [&str; 5] = [
    "__syncline_sync_adds",
    "__syncline_sync_entries",
    "__syncline_sync_elements",
    "__syncline_sync_clears",
    "__syncline_sync_unresolved",
];

/// Whether a table exists.
fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?1)")
        .and_then(|mut s| s.query_row([name], |r| r.get(0)))
        .map_err(|e| StorageError::from(e).into())
}

fn ensure_tables(conn: &Connection) -> Result<()> {
    // The tables are made on first use, in the transaction that first needs them (the last
    // one made is looked for, so that a database made before it gets it too).
    if !table_exists(conn, "__syncline_sync_unresolved")? {
        conn.execute_batch(SCHEMA).map_err(StorageError::from)?;
    }
    Ok(())
}

fn sql_err(e: rusqlite::Error) -> Error {
    StorageError::from(e).into()
}

fn stored(clock: i64, replica: i64) -> Result<Stamp> {
    Stamp::from_stored(clock, replica).map_err(|e| StorageError::corrupt(e.to_string()).into())
}

/// The key bytes of a primary key in the metadata tables.
fn pk_key(pk: &PrimaryKey) -> Vec<u8> {
    let mut doc = bson::Document::new();
    doc.insert("k", pk_to_bson(pk));
    doc.to_vec().unwrap_or_default()
}

/// The key bytes of a sync path: each step as a tag byte and its length-prefixed content, so
/// that a path's key is a prefix of the keys of the paths inside it.
fn path_key(path: &[PathSegment]) -> Vec<u8> {
    let mut out = Vec::new();
    for step in path {
        let (tag, bytes): (u8, Vec<u8>) = match step {
            PathSegment::Property(p) => (1, p.as_bytes().to_vec()),
            PathSegment::Key(k) => (2, k.as_bytes().to_vec()),
            PathSegment::Element(e) => (3, e.to_bytes().to_vec()),
        };
        out.push(tag);
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// The key of a set element's place: the set's path key, then the element's identity as one
/// more step (tag 4), so that it lies inside the set's path.
fn set_element_key(path: &[PathSegment], value: &Value) -> Vec<u8> {
    let mut out = path_key(path);
    let element = crate::sync::memory::element_key(value);
    out.push(4);
    out.extend_from_slice(
        &u32::try_from(element.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(&element);
    out
}

/// The place key of what `instruction` writes, when it writes a link (see
/// `__syncline_sync_unresolved`), and the stamp a clear or an erase compares with.
fn link_place(instruction: &Instruction, stamp: Stamp) -> Option<(Vec<u8>, Stamp)> {
    let path = instruction.path.as_slice();
    match &instruction.op {
        Operation::Set { .. } => Some((path_key(path), stamp)),
        Operation::ListInsert { element, .. } => Some((
            path_key(&with(path, PathSegment::Element(*element))),
            element.stamp(),
        )),
        Operation::DictionarySet { key, .. } => {
            Some((path_key(&with(path, PathSegment::Key(key.clone()))), stamp))
        }
        Operation::SetAdd { value } => Some((set_element_key(path, value), stamp)),
        _ => None,
    }
}

fn with(path: &[PathSegment], step: PathSegment) -> Vec<PathSegment> {
    let mut out = path.to_vec();
    out.push(step);
    out
}

/// The value a property holds when nothing was written to it: null, or the zero of its type
/// for a required property (deterministic on every replica, unlike the time of a merge).
fn blank_value(prop: &Property) -> Value {
    if prop.optional || matches!(prop.ty, PropertyType::Object | PropertyType::Mixed) {
        return Value::Null;
    }
    super::encode::zero_value(prop.ty)
}

/// An object with every stored property blank (collections empty).
fn blank_document(class: &ObjectSchema) -> Document {
    let mut doc = Document::new();
    for prop in &class.properties {
        let value = match (storage_of(prop), prop.collection) {
            (Storage::Computed, _) => continue,
            (Storage::Column, _) => blank_value(prop),
            (Storage::Elements, Collection::List) => Value::List(Vec::new()),
            (Storage::Elements, Collection::Set) => Value::Set(Vec::new()),
            (Storage::Elements, _) => Value::Dictionary(Default::default()),
        };
        doc.insert(prop.name.clone(), value);
    }
    doc
}

/// A stored list element: element row, position, value and mixed tag.
type ListRow = (i64, Vec<u8>, Sql, Option<i64>);

/// Where a sync path leads in the tables.
enum Node<'c> {
    /// A property of the object (top-level or embedded) at `row` of `class`.
    Slot {
        class: &'c ObjectSchema,
        row: i64,
        prop: &'c Property,
    },
    /// The object (embedded, reached through a list element or dictionary key) at `row`.
    Holder { class: &'c ObjectSchema, row: i64 },
}

/// What a remote changeset did, for commit notifications.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Whether the changeset was new (not integrated before).
    pub integrated: bool,
    /// Objects touched: (class, primary key, alive before, alive after, top-level properties).
    pub objects: Vec<(String, PrimaryKey, bool, bool, Vec<String>)>,
}

/// Integrates a remote changeset into the database through `conn` (inside a write transaction).
pub(crate) fn apply_remote(
    conn: &Connection,
    cat: &Catalog,
    local: ReplicaId,
    changeset: &Changeset,
) -> Result<Applied> {
    ensure_tables(conn)?;
    let mut store = SqliteMergeStore {
        store: Store { conn, cat },
        local,
        touched: Vec::new(),
    };
    let mut before = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for instruction in &changeset.instructions {
        if seen.insert(instruction.object.clone()) {
            let alive = store.object_state(&instruction.object)?.alive;
            before.push((instruction.object.clone(), alive));
        }
    }
    let integrated = integrate(&mut store, changeset)?;
    let mut applied = Applied {
        integrated,
        objects: Vec::new(),
    };
    if integrated {
        for (object, was) in before {
            let now = store.object_state(&object)?.alive;
            let props: Vec<String> = changeset
                .instructions
                .iter()
                .filter(|i| i.object == object)
                .filter_map(|i| match i.path.first() {
                    Some(PathSegment::Property(p)) => Some(p.clone()),
                    _ => None,
                })
                .collect();
            applied
                .objects
                .push((object.class, object.pk, was, now, props));
        }
        for (object, property) in std::mem::take(&mut store.touched) {
            if store.object_state(&object)?.alive {
                applied
                    .objects
                    .push((object.class, object.pk, true, true, vec![property]));
            }
        }
    }
    Ok(applied)
}

/// Keeps the merge state current for a local write transaction's changeset: erase stamps,
/// integer additions, set and dictionary stamps, clears, list element stamps. Values and field
/// clocks are written by the storage layer itself.
///
/// `awaited` are the objects the changeset creates that links wait for ([`awaited`]); their
/// links are resolved. Returns the objects whose stored values it changed besides the
/// changeset's own writes (links a create brought back, changes kept aside that it let
/// through): holder and top-level property, for the commit's change notifications.
pub(crate) fn record_local(
    conn: &Connection,
    cat: &Catalog,
    changeset: &mut Changeset,
    awaited: Awaited,
) -> Result<Touched> {
    let nested = changeset
        .instructions
        .iter()
        .any(|i| instruction_value(i).is_some_and(has_nested_collection));
    let needs_state = changeset
        .instructions
        .iter()
        .any(|i| needs_merge_state(&i.op));
    let unset = unset_after_create(cat, &changeset.instructions)?;
    if !unset.is_empty() {
        let store = Store { conn, cat };
        for (index, props) in unset {
            let object = &changeset.instructions[index].object;
            let class = cat.class(&object.class)?;
            if let Some(row) = store.row_of(class, &object.pk)? {
                for prop in props {
                    store.record_unwritten_field(&class.name, row, prop)?;
                }
            }
        }
    }
    let mut touched = replay_ghosts(conn, cat, changeset)?;
    touched.extend(resolve_created(conn, cat, changeset, awaited)?);
    if !nested && !needs_state {
        return Ok(touched);
    }
    ensure_tables(conn)?;
    let mut store = SqliteMergeStore {
        store: Store { conn, cat },
        local: changeset.replica,
        touched: Vec::new(),
    };
    if nested {
        let mut expanded = Vec::with_capacity(changeset.instructions.len());
        for instruction in std::mem::take(&mut changeset.instructions) {
            store.expand(instruction, &mut expanded)?;
        }
        changeset.instructions = expanded;
    }
    // Objects created by this changeset have no merge state to forget yet.
    let created: std::collections::HashSet<Link> = changeset
        .instructions
        .iter()
        .filter(|i| matches!(i.op, Operation::CreateObject))
        .map(|i| i.object.clone())
        .collect();
    let stamp = changeset.stamp();
    for instruction in &changeset.instructions {
        store.record_local_instruction(
            stamp,
            instruction,
            created.contains(&instruction.object),
        )?;
    }
    Ok(touched)
}

/// Objects changed as a side effect: the holder and its top-level property.
pub(crate) type Touched = Vec<(Link, String)>;

/// Objects links wait for: class and primary key key bytes (see [`awaited`]).
pub(crate) type Awaited = std::collections::HashSet<(String, Vec<u8>)>;

/// Whether recording `op` locally needs [`record_local`]'s bookkeeping beyond the outbox
/// entry: merge state to write or forget, or nested collections to expand.
pub(crate) fn needs_merge_state(op: &Operation) -> bool {
    match op {
        Operation::CreateObject => false,
        Operation::ListInsert { value, .. } => has_nested_collection(value),
        Operation::Set { value } => {
            matches!(value, Value::Embedded(_) | Value::Null) || has_nested_collection(value)
        }
        _ => true,
    }
}

/// Whether merges kept changes aside (for objects that did not exist then) that a local create
/// may bring back.
pub(crate) fn ghosts_waiting(conn: &Connection) -> Result<bool> {
    any_rows(conn, "__syncline_sync_ghosts")
}

/// Whether the merge state table `table` exists and holds rows.
fn any_rows(conn: &Connection, table: &str) -> Result<bool> {
    if !table_exists(conn, table)? {
        return Ok(false);
    }
    conn.prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM {table})"))
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(|e| StorageError::from(e).into())
}

/// Remembers the links to the top-level object at `row` of `class`, which is about to be
/// deleted (by a local delete; a merge's erase does the same itself): they become unresolved
/// links, by the target's primary key, and come back if an object with that key is created
/// again (locally or by a merge), as they do on every replica that integrates the erase.
/// The delete itself still nulls them, or removes them from lists and sets.
pub(crate) fn unresolve_links_to(
    conn: &Connection,
    cat: &Catalog,
    class: &ObjectSchema,
    row: i64,
) -> Result<()> {
    let mut store = SqliteMergeStore {
        store: Store { conn, cat },
        // The local replica only matters when integrating a changeset, which this is not.
        local: ReplicaId::MIN,
        touched: Vec::new(),
    };
    store.unresolve_links_to(class, row)
}

/// Retries the changes kept aside for objects this local changeset touched: creating an object
/// (or an embedded object) locally can bring back what a merge kept for it.
fn replay_ghosts(conn: &Connection, cat: &Catalog, changeset: &Changeset) -> Result<Touched> {
    if !ghosts_waiting(conn)? {
        return Ok(Vec::new());
    }
    let mut store = SqliteMergeStore {
        store: Store { conn, cat },
        local: changeset.replica,
        touched: Vec::new(),
    };
    let mut done = std::collections::HashSet::new();
    for instruction in &changeset.instructions {
        let object = &instruction.object;
        if done.insert(object.clone()) && !store.ghosts(object)?.is_empty() {
            crate::sync::merge::apply_ghosts(&mut store, object)?;
        }
    }
    Ok(store.touched)
}

/// Which of the objects `created` (class, primary key) links wait for, by class and primary key
/// key bytes; empty when no link waits at all.
pub(crate) fn awaited<'o>(
    conn: &Connection,
    created: impl ExactSizeIterator<Item = (&'o str, &'o PrimaryKey)>,
) -> Result<Awaited> {
    let mut targets = Awaited::new();
    if created.len() == 0 || !any_rows(conn, "__syncline_sync_unresolved")? {
        return Ok(targets);
    }
    if created.len() > 64 {
        // A bulk create: the targets waited for, read once, instead of a query per object.
        let mut waiting = std::collections::HashSet::new();
        let mut stmt = conn
            .prepare_cached("SELECT DISTINCT tclass, tpk FROM __syncline_sync_unresolved")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(sql_err)?;
        for row in rows {
            waiting.insert(row.map_err(sql_err)?);
        }
        for (class, pk) in created {
            let key = (class.to_owned(), pk_key(pk));
            if waiting.contains(&key) {
                targets.insert(key);
            }
        }
    } else {
        let mut stmt = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM __syncline_sync_unresolved WHERE tclass = ?1 AND tpk = ?2)")
            .map_err(sql_err)?;
        for (class, pk) in created {
            let key = (class.to_owned(), pk_key(pk));
            let waited: bool = stmt
                .query_row(params![key.0, key.1], |r| r.get(0))
                .map_err(sql_err)?;
            if waited {
                targets.insert(key);
            }
        }
    }
    Ok(targets)
}

/// Resolves the links waiting for the objects this local changeset creates (`targets`, from
/// [`awaited`]); returns the objects holding them (and the top-level property).
fn resolve_created(
    conn: &Connection,
    cat: &Catalog,
    changeset: &Changeset,
    mut targets: Awaited,
) -> Result<Touched> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let mut store = SqliteMergeStore {
        store: Store { conn, cat },
        local: changeset.replica,
        touched: Vec::new(),
    };
    for instruction in &changeset.instructions {
        let object = &instruction.object;
        if matches!(instruction.op, Operation::CreateObject)
            && targets.remove(&(object.class.clone(), pk_key(&object.pk)))
        {
            store.resolve_links_to(object)?;
        }
    }
    Ok(store.touched)
}

/// For each local create, the properties it did not write (by the index of its `CreateObject`).
///
/// A created row carries its creation stamp as the implicit clock of every field, but a field
/// the create left unset was not written: it must not beat a concurrent write made elsewhere
/// before the create (the same object created on two replicas merges field by field).
fn unset_after_create<'c>(
    cat: &'c Catalog,
    instructions: &[Instruction],
) -> Result<Vec<(usize, Vec<&'c str>)>> {
    let mut out = Vec::new();
    for (index, instruction) in instructions.iter().enumerate() {
        if !matches!(instruction.op, Operation::CreateObject) {
            continue;
        }
        let class = cat.class(&instruction.object.class)?;
        // The create's own sets follow it directly.
        let run = instructions[index + 1..]
            .iter()
            .take_while(|i| {
                i.object == instruction.object
                    && i.path.len() == 1
                    && matches!(i.op, Operation::Set { .. })
            })
            .count();
        let written = &instructions[index + 1..index + 1 + run];
        let is_written = |name: &str| {
            written
                .iter()
                .any(|i| matches!(i.path.first(), Some(PathSegment::Property(p)) if p == name))
        };
        // Allocates only when some property is unset (creates usually set them all).
        let unset: Vec<&str> = class
            .properties
            .iter()
            .filter(|p| storage_of(p) == Storage::Column)
            .filter(|p| class.primary_key.as_deref() != Some(p.name.as_str()))
            .map(|p| p.name.as_str())
            .filter(|name| !is_written(name))
            .collect();
        if !unset.is_empty() {
            out.push((index, unset));
        }
    }
    Ok(out)
}

/// The value an instruction writes into a place that may hold an embedded object.
fn instruction_value(instruction: &Instruction) -> Option<&Value> {
    match &instruction.op {
        Operation::Set { value }
        | Operation::ListInsert { value, .. }
        | Operation::ListSet { value, .. }
        | Operation::DictionarySet { value, .. } => Some(value),
        _ => None,
    }
}

/// Whether an embedded object value holds a collection (at any depth).
pub(crate) fn has_nested_collection(value: &Value) -> bool {
    match value {
        Value::Embedded(doc) => doc.values().any(|v| {
            matches!(v, Value::List(_) | Value::Set(_) | Value::Dictionary(_))
                || has_nested_collection(v)
        }),
        _ => false,
    }
}

/// An embedded object value (of class `class`, when known) without its collection
/// properties, and the relative paths of those collections (they travel as element
/// instructions). A list or dictionary held by a single `mixed` property is a value, kept.
fn strip_collections(
    schema: &Schema,
    class: Option<&ObjectSchema>,
    value: Value,
    at: &[PathSegment],
    found: &mut Vec<Vec<PathSegment>>,
) -> Value {
    let Value::Embedded(doc) = value else {
        return value;
    };
    let mut kept = Document::new();
    for (name, v) in doc {
        let here = with(at, PathSegment::Property(name.clone()));
        let prop = class.and_then(|c| c.property(&name));
        let single = prop.is_some_and(|p| p.collection == Collection::Single);
        match v {
            Value::List(_) | Value::Set(_) | Value::Dictionary(_) if !single => found.push(here),
            Value::Embedded(_) => {
                let inner = prop
                    .and_then(|p| p.object_type.as_deref())
                    .and_then(|t| schema.class(t));
                kept.insert(name, strip_collections(schema, inner, v, &here, found));
            }
            other => {
                kept.insert(name, other);
            }
        }
    }
    Value::Embedded(kept)
}

/// [`MergeStore`] on a write transaction's connection.
pub(crate) struct SqliteMergeStore<'a> {
    store: Store<'a>,
    /// This database's replica: its own changesets are applied already.
    local: ReplicaId,
    /// Objects whose links changed as a side effect (a target erased or created again), with
    /// the top-level property holding the link: for change notifications.
    touched: Vec<(Link, String)>,
}

impl<'a> SqliteMergeStore<'a> {
    fn conn(&self) -> &'a Connection {
        self.store.conn
    }

    fn invalid_path(class: &str, path: &[PathSegment], reason: impl Into<String>) -> Error {
        StorageError::InvalidPath {
            class: class.to_owned(),
            path: crate::sync::display_path(path),
            reason: reason.into(),
        }
        .into()
    }

    /// The class of a synced top-level object.
    fn top_class(&self, object: &Link) -> Result<&'a ObjectSchema> {
        let cat: &'a Catalog = self.store.cat;
        let class = cat.class(&object.class)?;
        if class.embedded || class.primary_key.is_none() {
            return Err(StorageError::UnsupportedOperation {
                class: object.class.clone(),
                property: String::new(),
                operation: "sync",
                reason: "only top-level classes with a primary key are synced".into(),
            }
            .into());
        }
        Ok(class)
    }

    fn top_row(&self, object: &Link) -> Result<Option<(&'a ObjectSchema, i64)>> {
        let class = self.top_class(object)?;
        Ok(self
            .store
            .row_of(class, &object.pk)?
            .map(|row| (class, row)))
    }

    /// The embedded object's row held by `prop` of `row` at list element / dictionary key
    /// `step` (or by the column itself when `step` is `None`).
    fn child_row(
        &self,
        class: &ObjectSchema,
        row: i64,
        prop: &Property,
        step: Option<&PathSegment>,
    ) -> Result<Option<i64>> {
        let table = self.store.cat.elements(&class.name, &prop.name);
        let value: Option<Sql> = match step {
            None => Some(self.store.raw_column(class, prop, row)?.0),
            Some(PathSegment::Element(id)) => self
                .conn()
                .prepare_cached(&format!(
                    "SELECT value FROM {table} WHERE owner = ?1 AND eclock = ?2 AND ereplica = ?3 AND eseq = ?4"
                ))
                .map_err(sql_err)?
                .query_row(
                    params![row, id.clock.to_packed(), id.replica.to_i64(), i64::from(id.seq)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_err)?,
            Some(PathSegment::Key(key)) => self
                .conn()
                .prepare_cached(&format!("SELECT value FROM {table} WHERE owner = ?1 AND key = ?2"))
                .map_err(sql_err)?
                .query_row(params![row, key], |r| r.get(0))
                .optional()
                .map_err(sql_err)?,
            Some(PathSegment::Property(_)) => None,
        };
        Ok(match value {
            Some(Sql::Integer(child)) => Some(child),
            _ => None,
        })
    }

    /// Follows a sync path; `None` when an object or embedded object on the way is absent.
    fn walk(&self, object: &Link, path: &[PathSegment]) -> Result<Option<Node<'a>>> {
        let cat: &'a Catalog = self.store.cat;
        let Some((mut class, mut row)) = self.top_row(object)? else {
            return Ok(None);
        };
        let mut i = 0;
        while i < path.len() {
            let PathSegment::Property(name) = &path[i] else {
                return Err(Self::invalid_path(
                    &object.class,
                    path,
                    "expected a property name",
                ));
            };
            let prop = cat.property(class, name)?;
            let Some(next) = path.get(i + 1) else {
                return Ok(Some(Node::Slot { class, row, prop }));
            };
            if !cat.is_embedded_link(prop) {
                return Err(Self::invalid_path(
                    &object.class,
                    path,
                    format!(
                        "'{}.{}' does not hold embedded objects",
                        class.name, prop.name
                    ),
                ));
            }
            let expected = match next {
                PathSegment::Property(_) => storage_of(prop) == Storage::Column,
                PathSegment::Element(_) => prop.collection == Collection::List,
                PathSegment::Key(_) => prop.collection == Collection::Dictionary,
            };
            if !expected {
                return Err(Self::invalid_path(
                    &object.class,
                    path,
                    format!(
                        "'{}.{}' cannot be followed by {next}",
                        class.name, prop.name
                    ),
                ));
            }
            let step = match next {
                PathSegment::Property(_) => None,
                other => Some(other),
            };
            let Some(child) = self.child_row(class, row, prop, step)? else {
                return Ok(None);
            };
            class = cat.class(prop.object_type.as_deref().unwrap_or_default())?;
            row = child;
            i += if step.is_some() { 2 } else { 1 };
        }
        Ok(Some(Node::Holder { class, row }))
    }

    fn slot(
        &self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Option<(&'a ObjectSchema, i64, &'a Property)>> {
        match self.walk(object, path)? {
            None => Ok(None),
            Some(Node::Slot { class, row, prop }) => Ok(Some((class, row, prop))),
            Some(Node::Holder { .. }) => Err(Self::invalid_path(
                &object.class,
                path,
                "the path ends at an embedded object, not a property",
            )),
        }
    }

    fn collection_slot(
        &self,
        object: &Link,
        path: &[PathSegment],
        kind: Collection,
    ) -> Result<Option<(&'a ObjectSchema, i64, &'a Property)>> {
        let found = self.slot(object, path)?;
        if let Some((class, _, prop)) = found {
            if prop.collection != kind || storage_of(prop) != Storage::Elements {
                return Err(StorageError::UnsupportedOperation {
                    class: class.name.clone(),
                    property: prop.name.clone(),
                    operation: match kind {
                        Collection::List => "list operations",
                        Collection::Set => "set operations",
                        _ => "dictionary operations",
                    },
                    reason: "the property is another kind of collection or not one".into(),
                }
                .into());
            }
        }
        Ok(found)
    }

    /// Whether a link value points at an object that exists (links to missing objects are
    /// stored as null or left out, as a delete of the target would have done).
    fn link_resolves(&self, value: &Value) -> Result<bool> {
        let Value::Link(link) = value else {
            return Ok(true);
        };
        let Ok(class) = self.store.cat.class(&link.class) else {
            return Ok(false);
        };
        Ok(self.store.row_of(class, &link.pk)?.is_some())
    }

    fn decode_element(&self, prop: &Property, sql: Sql, tag: Option<i64>) -> Result<Value> {
        Ok(match prop.ty {
            PropertyType::Object if self.store.cat.is_embedded_link(prop) => match sql {
                Sql::Integer(_) => Value::Embedded(Document::new()),
                _ => Value::Null,
            },
            PropertyType::Object => match sql {
                Sql::Integer(row) => Value::Link(
                    self.store
                        .link_of(prop.object_type.as_deref().unwrap_or_default(), row)?,
                ),
                _ => Value::Null,
            },
            PropertyType::Mixed => self.store.decode_mixed(sql, tag)?,
            ty => decode_scalar(ty, sql)?,
        })
    }

    // ---------- metadata ----------

    fn object_meta(&self, object: &Link) -> Result<(Option<Stamp>, Option<Stamp>)> {
        type Row = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let found: Option<Row> = self
            .conn()
            .prepare_cached("SELECT created_clock, created_replica, erased_clock, erased_replica FROM __syncline_sync_objects WHERE class = ?1 AND pk = ?2")
            .map_err(sql_err)?
            .query_row(params![object.class, pk_key(&object.pk)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(sql_err)?;
        let Some((cc, cr, ec, er)) = found else {
            return Ok((None, None));
        };
        let created = match (cc, cr) {
            (Some(c), Some(r)) => Some(stored(c, r)?),
            _ => None,
        };
        let erased = match (ec, er) {
            (Some(c), Some(r)) => Some(stored(c, r)?),
            _ => None,
        };
        Ok((created, erased))
    }

    fn put_object_meta(
        &self,
        object: &Link,
        created: Option<Stamp>,
        erased: Option<Stamp>,
    ) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO __syncline_sync_objects (class, pk, created_clock, created_replica, erased_clock, erased_replica) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                created.map(|s| s.clock.to_packed()),
                created.map(|s| s.replica.to_i64()),
                erased.map(|s| s.clock.to_packed()),
                erased.map(|s| s.replica.to_i64()),
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    fn tombstone(&self, class: &ObjectSchema, pk: &PrimaryKey) -> Result<Option<Stamp>> {
        let Some(pk_prop) = class.primary_key_property() else {
            return Ok(None);
        };
        let pk_sql = super::objects::stored_pk(class, pk_prop, pk)?;
        let found: Option<(i64, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT clock, replica FROM __syncline_tombstones WHERE class = ?1 AND pk IS ?2",
            )
            .map_err(sql_err)?
            .query_row(params![class.name, pk_sql], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql_err)?;
        found.map(|(c, r)| stored(c, r)).transpose()
    }

    fn element_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<Option<(Stamp, Stamp)>> {
        let found: Option<(i64, i64, i64, i64)> = self
            .conn()
            .prepare_cached("SELECT vclock, vreplica, pclock, preplica FROM __syncline_sync_elements WHERE class = ?1 AND pk = ?2 AND path = ?3 AND element = ?4")
            .map_err(sql_err)?
            .query_row(
                params![object.class, pk_key(&object.pk), path_key(path), id.to_bytes().to_vec()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(sql_err)?;
        found
            .map(|(vc, vr, pc, pr)| Ok((stored(vc, vr)?, stored(pc, pr)?)))
            .transpose()
    }

    fn put_element_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
        value_stamp: Stamp,
        position_stamp: Stamp,
    ) -> Result<()> {
        let key = params![
            object.class,
            pk_key(&object.pk),
            path_key(path),
            id.to_bytes().to_vec()
        ];
        if value_stamp == id.stamp() && position_stamp == id.stamp() {
            self.conn()
                .prepare_cached("DELETE FROM __syncline_sync_elements WHERE class = ?1 AND pk = ?2 AND path = ?3 AND element = ?4")
                .map_err(sql_err)?
                .execute(key)
                .map_err(sql_err)?;
            return Ok(());
        }
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO __syncline_sync_elements (class, pk, path, element, vclock, vreplica, pclock, preplica) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                path_key(path),
                id.to_bytes().to_vec(),
                value_stamp.clock.to_packed(),
                value_stamp.replica.to_i64(),
                position_stamp.clock.to_packed(),
                position_stamp.replica.to_i64(),
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    fn entry_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
        key: &[u8],
    ) -> Result<Option<(bool, Stamp)>> {
        let found: Option<(bool, i64, i64)> = self
            .conn()
            .prepare_cached("SELECT present, clock, replica FROM __syncline_sync_entries WHERE class = ?1 AND pk = ?2 AND path = ?3 AND key = ?4")
            .map_err(sql_err)?
            .query_row(params![object.class, pk_key(&object.pk), path_key(path), key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(sql_err)?;
        found.map(|(p, c, r)| Ok((p, stored(c, r)?))).transpose()
    }

    fn put_entry_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
        key: &[u8],
        present: bool,
        stamp: Stamp,
    ) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO __syncline_sync_entries (class, pk, path, key, present, clock, replica) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                path_key(path),
                key,
                present,
                stamp.clock.to_packed(),
                stamp.replica.to_i64(),
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    /// Forgets the metadata strictly inside `path` (everything of the object when empty) that
    /// is stamped at or before `up_to` (all of it when `None`).
    fn forget_inside(
        &self,
        object: &Link,
        path: &[PathSegment],
        up_to: Option<Stamp>,
    ) -> Result<()> {
        let prefix = path_key(path);
        let bound = up_to.map_or(i64::MAX, |s| s.clock.to_packed());
        let replica = up_to.map_or(i64::MAX, |s| s.replica.to_i64());
        for table in PATH_TABLES {
            let (c, r) = if table == "__syncline_sync_elements" {
                // An element's metadata goes with the element (see `remove_list_element`).
                if up_to.is_some() {
                    continue;
                }
                ("vclock", "vreplica")
            } else {
                ("clock", "replica")
            };
            self.conn()
                .prepare_cached(&format!(
                    "DELETE FROM {table} WHERE class = ?1 AND pk = ?2 AND length(path) > ?3 \
                     AND substr(path, 1, ?3) = ?4 AND ({c} < ?5 OR ({c} = ?5 AND {r} <= ?6))"
                ))
                .map_err(sql_err)?
                .execute(params![
                    object.class,
                    pk_key(&object.pk),
                    i64::try_from(prefix.len()).unwrap_or(i64::MAX),
                    prefix,
                    bound,
                    replica
                ])
                .map_err(sql_err)?;
        }
        Ok(())
    }

    fn clear_meta(&self, object: &Link, path: &[PathSegment]) -> Result<Option<Stamp>> {
        let found: Option<(i64, i64)> = self
            .conn()
            .prepare_cached("SELECT clock, replica FROM __syncline_sync_clears WHERE class = ?1 AND pk = ?2 AND path = ?3")
            .map_err(sql_err)?
            .query_row(params![object.class, pk_key(&object.pk), path_key(path)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(sql_err)?;
        found.map(|(c, r)| stored(c, r)).transpose()
    }

    fn put_clear_meta(&self, object: &Link, path: &[PathSegment], stamp: Stamp) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO __syncline_sync_clears (class, pk, path, clock, replica) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                path_key(path),
                stamp.clock.to_packed(),
                stamp.replica.to_i64()
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    // ---------- collections ----------

    fn list_row(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        id: ElementId,
    ) -> Result<Option<ListRow>> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT _row, pos, {} FROM {} WHERE owner = ?1 AND eclock = ?2 AND ereplica = ?3 AND eseq = ?4",
                Store::element_columns(prop),
                self.store.cat.elements(&class.name, &prop.name)
            ))
            .map_err(sql_err)?
            .query_row(
                params![owner, id.clock.to_packed(), id.replica.to_i64(), i64::from(id.seq)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(sql_err)
    }

    fn delete_child(&self, prop: &Property, child: Sql) -> Result<()> {
        if let Sql::Integer(child) = child {
            let child_class = self
                .store
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            self.store
                .delete_row(&WriteCtx::new(Stamp::MIN), child_class, child)?;
        }
        Ok(())
    }

    fn dictionary_row(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        key: &str,
    ) -> Result<Option<(Sql, Option<i64>)>> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE owner = ?1 AND key = ?2",
                Store::element_columns(prop),
                self.store.cat.elements(&class.name, &prop.name)
            ))
            .map_err(sql_err)?
            .query_row(params![owner, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql_err)
    }

    fn set_items(&self, class: &ObjectSchema, prop: &Property, owner: i64) -> Result<Vec<Value>> {
        match self.store.read_collection(class, prop, owner)? {
            Value::Set(items) | Value::List(items) => Ok(items),
            _ => Ok(Vec::new()),
        }
    }

    /// Masks (as `mask_row` does) the embedded object that `prop` of `row` holds — at `step`
    /// inside a list or dictionary, or the property itself when `step` is `None` — if any.
    #[allow(clippy::too_many_arguments)]
    fn mask_embedded_child(
        &mut self,
        object: &Link,
        class: &ObjectSchema,
        row: i64,
        prop: &Property,
        at: &[PathSegment],
        step: Option<PathSegment>,
        up_to: Stamp,
    ) -> Result<()> {
        let Some(child) = self.child_row(class, row, prop, step.as_ref())? else {
            return Ok(());
        };
        let child_class = self
            .store
            .cat
            .class(prop.object_type.as_deref().unwrap_or_default())?;
        let child_path = match step {
            Some(step) => with(at, step),
            None => at.to_vec(),
        };
        self.mask_row(object, child_class, child, &child_path, up_to)
    }

    /// Resets what is inside the object at `row` (reached by `prefix`) and stamped at or
    /// before `up_to`.
    fn mask_row(
        &mut self,
        object: &Link,
        class: &ObjectSchema,
        row: i64,
        prefix: &[PathSegment],
        up_to: Stamp,
    ) -> Result<()> {
        let never = WriteCtx::new(Stamp::MIN);
        for prop in &class.properties {
            let at = with(prefix, PathSegment::Property(prop.name.clone()));
            match storage_of(prop) {
                Storage::Computed => {}
                Storage::Column => {
                    if class.primary_key.as_deref() == Some(prop.name.as_str()) {
                        continue;
                    }
                    let written = self.store.field_clock(&class.name, row, &prop.name)?;
                    if self.store.cat.is_embedded_link(prop) {
                        if written <= up_to {
                            if let Some(child) = self.child_row(class, row, prop, None)? {
                                let child_class = self
                                    .store
                                    .cat
                                    .class(prop.object_type.as_deref().unwrap_or_default())?;
                                let survivors =
                                    self.displace_row(object, child_class, child, &at, up_to)?;
                                self.keep_ghosts(object, survivors)?;
                                self.store
                                    .set_property(&never, class, prop, row, &Value::Null)?;
                            } else if written != Stamp::MIN {
                                self.store
                                    .set_property(&never, class, prop, row, &Value::Null)?;
                            }
                        } else {
                            self.mask_embedded_child(object, class, row, prop, &at, None, up_to)?;
                        }
                    } else if written <= up_to && written != Stamp::MIN {
                        self.store
                            .set_property(&never, class, prop, row, &blank_value(prop))?;
                    }
                }
                Storage::Elements => match prop.collection {
                    Collection::List => {
                        for entry in self.store.list_entries(class, prop, row)? {
                            if entry.id.stamp() <= up_to {
                                self.drop_element(object, &at, entry.id)?;
                            } else if self.store.cat.is_embedded_link(prop) {
                                let step = PathSegment::Element(entry.id);
                                self.mask_embedded_child(
                                    object,
                                    class,
                                    row,
                                    prop,
                                    &at,
                                    Some(step),
                                    up_to,
                                )?;
                            }
                        }
                    }
                    Collection::Set => {
                        for item in self.set_items(class, prop, row)? {
                            let key = crate::sync::memory::element_key(&item);
                            let stamp = self
                                .entry_meta(object, &at, &key)?
                                .map_or(Stamp::MIN, |(_, s)| s);
                            if stamp <= up_to {
                                self.store.set_remove(class, prop, row, &item)?;
                            }
                        }
                    }
                    Collection::Dictionary => {
                        let keys: Vec<String> =
                            match self.store.read_collection(class, prop, row)? {
                                Value::Dictionary(map) => map.into_keys().collect(),
                                _ => Vec::new(),
                            };
                        for key in keys {
                            let stamp = self
                                .entry_meta(object, &at, key.as_bytes())?
                                .map_or(Stamp::MIN, |(_, s)| s);
                            if stamp <= up_to {
                                self.displace_entry(object, class, row, prop, &at, &key, up_to)?;
                                self.store.dict_remove(&never, class, prop, row, &key)?;
                            } else if self.store.cat.is_embedded_link(prop) {
                                let step = PathSegment::Key(key.clone());
                                self.mask_embedded_child(
                                    object,
                                    class,
                                    row,
                                    prop,
                                    &at,
                                    Some(step),
                                    up_to,
                                )?;
                            }
                        }
                    }
                    Collection::Single => {}
                },
            }
        }
        Ok(())
    }

    /// What is inside the object at `row` (reached by `prefix`) and newer than `after`, as
    /// instructions with their own stamps: the state a merge keeps when that object goes away
    /// (erased, or an embedded object replaced by null), so that it comes back with the object.
    fn displace_row(
        &mut self,
        object: &Link,
        class: &ObjectSchema,
        row: i64,
        prefix: &[PathSegment],
        after: Stamp,
    ) -> Result<Vec<Ghost>> {
        let mut out = Vec::new();
        let ghost = |stamp: Stamp, path: Vec<PathSegment>, op: Operation| Ghost {
            stamp,
            instruction: Instruction {
                object: object.clone(),
                path,
                op,
            },
        };
        for prop in &class.properties {
            let at = with(prefix, PathSegment::Property(prop.name.clone()));
            let child_class = || -> Result<&ObjectSchema> {
                Ok(self
                    .store
                    .cat
                    .class(prop.object_type.as_deref().unwrap_or_default())?)
            };
            match storage_of(prop) {
                Storage::Computed => {}
                Storage::Column => {
                    if class.primary_key.as_deref() == Some(prop.name.as_str()) {
                        continue;
                    }
                    let written = self.store.field_clock(&class.name, row, &prop.name)?;
                    let adds = self.integer_adds(object, &at)?;
                    if self.store.cat.is_embedded_link(prop) {
                        let child = self.child_row(class, row, prop, None)?;
                        if written > after {
                            let value = match child {
                                Some(_) => Value::Embedded(Document::new()),
                                None => Value::Null,
                            };
                            out.push(ghost(written, at.clone(), Operation::Set { value }));
                        }
                        if let Some(child) = child {
                            let inner =
                                self.displace_row(object, child_class()?, child, &at, after)?;
                            out.extend(inner);
                        }
                    } else if written > after {
                        let mut value = self.store.read_property(class, prop, row)?;
                        if value == Value::Null {
                            if let Some(link) =
                                self.remembered_link(object, &path_key(&at), written)?
                            {
                                value = link;
                            }
                        }
                        if let Value::Int(v) = value {
                            // The additions are replayed on their own.
                            let applied = adds
                                .iter()
                                .filter(|(a, _)| *a >= written)
                                .fold(0i64, |acc, (_, d)| acc.wrapping_add(*d));
                            value = Value::Int(v.wrapping_sub(applied));
                        }
                        out.push(ghost(written, at.clone(), Operation::Set { value }));
                    }
                    for (stamp, delta) in adds {
                        if stamp > after {
                            out.push(ghost(stamp, at.clone(), Operation::AddInteger { delta }));
                        }
                    }
                }
                Storage::Elements => {
                    if let Some(cleared) = self.clear_meta(object, &at)? {
                        if cleared > after {
                            out.push(ghost(cleared, at.clone(), Operation::Clear));
                        }
                    }
                    match prop.collection {
                        Collection::List => {
                            let mut ids: Vec<ElementId> = self
                                .store
                                .list_entries(class, prop, row)?
                                .into_iter()
                                .map(|entry| entry.id)
                                .collect();
                            ids.extend(self.hidden_elements(object, &at)?);
                            for id in ids {
                                if id.stamp() <= after {
                                    continue;
                                }
                                let Some(element) = self.list_element(object, &at, id)? else {
                                    continue;
                                };
                                out.push(ghost(
                                    id.stamp(),
                                    at.clone(),
                                    Operation::ListInsert {
                                        element: id,
                                        position: element.position.clone(),
                                        value: element.value.clone(),
                                    },
                                ));
                                if element.value_stamp != id.stamp() {
                                    out.push(ghost(
                                        element.value_stamp,
                                        at.clone(),
                                        Operation::ListSet {
                                            element: id,
                                            value: element.value.clone(),
                                        },
                                    ));
                                }
                                if element.position_stamp != id.stamp() {
                                    out.push(ghost(
                                        element.position_stamp,
                                        at.clone(),
                                        Operation::ListMove {
                                            element: id,
                                            position: element.position.clone(),
                                        },
                                    ));
                                }
                                let step = PathSegment::Element(id);
                                if let Some(child) =
                                    self.child_row(class, row, prop, Some(&step))?
                                {
                                    if self.store.cat.is_embedded_link(prop) {
                                        let inner = self.displace_row(
                                            object,
                                            child_class()?,
                                            child,
                                            &with(&at, step),
                                            after,
                                        )?;
                                        out.extend(inner);
                                    }
                                }
                            }
                        }
                        Collection::Set => {
                            for (value, present, stamp) in self.set_entries_meta(object, &at)? {
                                if stamp > after {
                                    let op = if present {
                                        Operation::SetAdd { value }
                                    } else {
                                        Operation::SetRemove { value }
                                    };
                                    out.push(ghost(stamp, at.clone(), op));
                                }
                            }
                        }
                        Collection::Dictionary => {
                            for (key, present, stamp) in
                                self.dictionary_entries_meta(object, &at)?
                            {
                                let step = PathSegment::Key(key.clone());
                                let child = if self.store.cat.is_embedded_link(prop) {
                                    self.child_row(class, row, prop, Some(&step))?
                                } else {
                                    None
                                };
                                if stamp > after {
                                    let op = if present {
                                        let value = match (
                                            child,
                                            self.dictionary_row(class, prop, row, &key)?,
                                        ) {
                                            (Some(_), _) => Value::Embedded(Document::new()),
                                            (None, Some((sql, tag))) => {
                                                let value = self.decode_element(prop, sql, tag)?;
                                                let place = path_key(&with(&at, step.clone()));
                                                match value {
                                                    Value::Null => self
                                                        .remembered_link(object, &place, stamp)?
                                                        .unwrap_or(Value::Null),
                                                    value => value,
                                                }
                                            }
                                            (None, None) => Value::Null,
                                        };
                                        Operation::DictionarySet {
                                            key: key.clone(),
                                            value,
                                        }
                                    } else {
                                        Operation::DictionaryErase { key: key.clone() }
                                    };
                                    out.push(ghost(stamp, at.clone(), op));
                                }
                                if let Some(child) = child {
                                    let inner = self.displace_row(
                                        object,
                                        child_class()?,
                                        child,
                                        &with(&at, step),
                                        after,
                                    )?;
                                    out.extend(inner);
                                }
                            }
                        }
                        Collection::Single => {}
                    }
                }
            }
        }
        if !prefix.is_empty() {
            // The embedded object goes away: what waited inside it travels with the ghosts.
            self.drop_unresolved_inside(object, prefix)?;
        }
        Ok(out)
    }

    /// Keeps aside what is newer than `after` inside the embedded object held by dictionary
    /// entry `key`, before the entry goes or changes.
    #[allow(clippy::too_many_arguments)]
    fn displace_entry(
        &mut self,
        object: &Link,
        class: &ObjectSchema,
        row: i64,
        prop: &Property,
        path: &[PathSegment],
        key: &str,
        after: Stamp,
    ) -> Result<()> {
        if !self.store.cat.is_embedded_link(prop) {
            return Ok(());
        }
        let step = PathSegment::Key(key.to_owned());
        if let Some(child) = self.child_row(class, row, prop, Some(&step))? {
            let child_class = self
                .store
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            let survivors =
                self.displace_row(object, child_class, child, &with(path, step), after)?;
            self.keep_ghosts(object, survivors)?;
        }
        Ok(())
    }

    /// Keeps `ghosts` aside for the object, after those it has.
    fn keep_ghosts(&mut self, object: &Link, ghosts: Vec<Ghost>) -> Result<()> {
        if ghosts.is_empty() {
            return Ok(());
        }
        let mut all = self.ghosts(object)?;
        all.extend(ghosts);
        self.put_ghosts(object, all)
    }

    /// The set elements with merge metadata at `path`: (value, present, stamp). The value is
    /// decoded from the metadata key, which is its lossless encoding.
    fn set_entries_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Vec<(Value, bool, Stamp)>> {
        let mut out = Vec::new();
        for (key, present, stamp) in self.entries_meta(object, path)? {
            let doc = bson::Document::from_reader(key.as_slice())
                .map_err(|e| StorageError::corrupt(format!("a sync set element key: {e}")))?;
            let value = match doc.get("v") {
                Some(b) => crate::sync::codec::value_from_bson(b)?,
                None => {
                    return Err(StorageError::corrupt("a sync set element key has no value").into())
                }
            };
            out.push((value, present, stamp));
        }
        Ok(out)
    }

    fn dictionary_entries_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Vec<(String, bool, Stamp)>> {
        self.entries_meta(object, path)?
            .into_iter()
            .map(|(key, present, stamp)| {
                let key = String::from_utf8(key)
                    .map_err(|_| StorageError::corrupt("a sync dictionary key is not UTF-8"))?;
                Ok((key, present, stamp))
            })
            .collect()
    }

    fn entries_meta(
        &self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Vec<(Vec<u8>, bool, Stamp)>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT key, present, clock, replica FROM __syncline_sync_entries WHERE class = ?1 AND pk = ?2 AND path = ?3 ORDER BY key")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![object.class, pk_key(&object.pk), path_key(path)],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .map_err(sql_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, present, c, r) = row.map_err(sql_err)?;
            out.push((key, present, stored(c, r)?));
        }
        Ok(out)
    }

    /// Rewrites an instruction whose embedded object value holds collections into the
    /// instruction without them plus element instructions carrying the stored element ids, so
    /// that later changes to those elements name ids every replica knows.
    fn expand(&self, instruction: Instruction, out: &mut Vec<Instruction>) -> Result<()> {
        if !instruction_value(&instruction).is_some_and(has_nested_collection) {
            out.push(instruction);
            return Ok(());
        }
        let Instruction { object, path, op } = instruction;
        // The embedded class of the value: the path names the property holding it.
        let schema = &self.store.cat.schema;
        let class = self
            .slot(&object, &path)?
            .and_then(|(_, _, prop)| prop.object_type.as_deref())
            .and_then(|t| schema.class(t));
        let strip = |value, found: &mut Vec<_>| strip_collections(schema, class, value, &[], found);
        let (place, op, collections) = match op {
            Operation::Set { value } => {
                let mut found = Vec::new();
                let value = strip(value, &mut found);
                (path.clone(), Operation::Set { value }, found)
            }
            Operation::ListInsert {
                element,
                position,
                value,
            } => {
                let mut found = Vec::new();
                let value = strip(value, &mut found);
                let place = with(&path, PathSegment::Element(element));
                (
                    place,
                    Operation::ListInsert {
                        element,
                        position,
                        value,
                    },
                    found,
                )
            }
            Operation::ListSet { element, value } => {
                let mut found = Vec::new();
                let value = strip(value, &mut found);
                let place = with(&path, PathSegment::Element(element));
                (place, Operation::ListSet { element, value }, found)
            }
            Operation::DictionarySet { key, value } => {
                let mut found = Vec::new();
                let value = strip(value, &mut found);
                let place = with(&path, PathSegment::Key(key.clone()));
                (place, Operation::DictionarySet { key, value }, found)
            }
            op => (Vec::new(), op, Vec::new()),
        };
        out.push(Instruction {
            object: object.clone(),
            path,
            op,
        });
        for relative in collections {
            let mut at = place.clone();
            at.extend(relative);
            self.expand_collection(&object, &at, out)?;
        }
        Ok(())
    }

    /// Element instructions for the stored contents of the collection at `at`.
    fn expand_collection(
        &self,
        object: &Link,
        at: &[PathSegment],
        out: &mut Vec<Instruction>,
    ) -> Result<()> {
        let Some((class, row, prop)) = self.slot(object, at)? else {
            return Ok(());
        };
        let instruction = |op| Instruction {
            object: object.clone(),
            path: at.to_vec(),
            op,
        };
        match (
            prop.collection,
            self.store.read_collection(class, prop, row)?,
        ) {
            (Collection::List, Value::List(items)) => {
                let entries = self.store.list_entries(class, prop, row)?;
                for (entry, value) in entries.into_iter().zip(items) {
                    self.expand(
                        instruction(Operation::ListInsert {
                            element: entry.id,
                            position: entry.pos,
                            value,
                        }),
                        out,
                    )?;
                }
            }
            (Collection::Set, Value::Set(items) | Value::List(items)) => {
                for value in items {
                    out.push(instruction(Operation::SetAdd { value }));
                }
            }
            (Collection::Dictionary, Value::Dictionary(map)) => {
                for (key, value) in map {
                    self.expand(instruction(Operation::DictionarySet { key, value }), out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn record_local_instruction(
        &mut self,
        stamp: Stamp,
        instruction: &Instruction,
        fresh: bool,
    ) -> Result<()> {
        let object = &instruction.object;
        let path = instruction.path.as_slice();
        match &instruction.op {
            Operation::CreateObject | Operation::ListInsert { .. } => {}
            Operation::EraseObject => {
                let (created, erased) = self.object_meta(object)?;
                let erased = Some(erased.map_or(stamp, |e| e.max(stamp)));
                self.put_object_meta(object, created, erased)?;
                self.forget_inside(object, &[], None)?;
            }
            Operation::Set { value } => {
                if matches!(value, Value::Embedded(_) | Value::Null) {
                    // The embedded object there was replaced: what was inside is gone.
                    if !fresh {
                        self.forget_inside(object, path, Some(stamp))?;
                    }
                }
            }
            Operation::AddInteger { delta } => {
                let mut adds = self.integer_adds(object, path)?;
                adds.push((stamp, *delta));
                self.put_integer_adds(object, path, adds)?;
            }
            Operation::ListSet { element, value } => {
                let position = self
                    .element_meta(object, path, *element)?
                    .map_or(element.stamp(), |m| m.1);
                self.put_element_meta(object, path, *element, stamp, position)?;
                if matches!(value, Value::Embedded(_)) {
                    self.forget_inside(
                        object,
                        &with(path, PathSegment::Element(*element)),
                        Some(stamp),
                    )?;
                }
            }
            Operation::ListMove { element, .. } => {
                let value = self
                    .element_meta(object, path, *element)?
                    .map_or(element.stamp(), |m| m.0);
                self.put_element_meta(object, path, *element, value, stamp)?;
            }
            Operation::ListErase { element } => {
                self.put_element_meta(object, path, *element, element.stamp(), element.stamp())?;
                self.forget_inside(object, &with(path, PathSegment::Element(*element)), None)?;
            }
            Operation::SetAdd { value } | Operation::SetRemove { value } => {
                let present = matches!(instruction.op, Operation::SetAdd { .. });
                self.put_entry_meta(
                    object,
                    path,
                    &crate::sync::memory::element_key(value),
                    present,
                    stamp,
                )?;
            }
            Operation::DictionarySet { key, .. } | Operation::DictionaryErase { key } => {
                let present = matches!(instruction.op, Operation::DictionarySet { .. });
                self.put_entry_meta(object, path, key.as_bytes(), present, stamp)?;
                if !fresh {
                    self.forget_inside(
                        object,
                        &with(path, PathSegment::Key(key.clone())),
                        Some(stamp),
                    )?;
                }
            }
            Operation::Clear => {
                self.put_clear_meta(object, path, stamp)?;
                if !fresh {
                    self.forget_inside(object, path, Some(stamp))?;
                }
            }
        }
        Ok(())
    }
}

impl MergeStore for SqliteMergeStore<'_> {
    type Error = Error;

    fn is_applied(&mut self, changeset: Stamp) -> Result<bool> {
        if changeset.replica == self.local {
            // This replica's own changes were applied when they were made.
            return Ok(true);
        }
        let found: Option<i64> = self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM __syncline_sync_applied WHERE clock = ?1 AND replica = ?2",
            )
            .map_err(sql_err)?
            .query_row(
                params![changeset.clock.to_packed(), changeset.replica.to_i64()],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)?;
        Ok(found.is_some())
    }

    fn mark_applied(&mut self, changeset: Stamp) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO __syncline_sync_applied (clock, replica) VALUES (?1, ?2)",
            )
            .map_err(sql_err)?
            .execute(params![
                changeset.clock.to_packed(),
                changeset.replica.to_i64()
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    fn object_state(&mut self, object: &Link) -> Result<ObjectState> {
        let class = self.top_class(object)?;
        let (mut created, mut erased) = self.object_meta(object)?;
        let row = self.store.row_of(class, &object.pk)?;
        if let Some(row) = row {
            let (c, r): (i64, i64) = self
                .conn()
                .prepare_cached(&format!(
                    "SELECT _clock, _replica FROM {} WHERE _row = ?1",
                    self.store.cat.table(&class.name)
                ))
                .map_err(sql_err)?
                .query_row([row], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql_err)?;
            let born = stored(c, r)?;
            if born != Stamp::MIN {
                created = Some(created.map_or(born, |c| c.max(born)));
            }
        }
        if let Some(t) = self.tombstone(class, &object.pk)? {
            erased = Some(erased.map_or(t, |e| e.max(t)));
        }
        Ok(ObjectState {
            alive: row.is_some(),
            created,
            erased,
        })
    }

    fn set_object_state(&mut self, object: &Link, state: ObjectState) -> Result<Vec<Ghost>> {
        let class = self.top_class(object)?;
        let before = self.object_state(object)?;
        let row = self.store.row_of(class, &object.pk)?;
        let mut displaced = Vec::new();
        match (row, state.alive) {
            (None, true) => {
                let mut doc = blank_document(class);
                if let Some(pk) = &class.primary_key {
                    doc.insert(pk.clone(), Value::from(object.pk.clone()));
                }
                self.store
                    .insert_row(&WriteCtx::new(Stamp::MIN), class, &doc)?;
                self.store
                    .clear_tombstone(&WriteCtx::new(Stamp::MIN), class, &object.pk)?;
                self.resolve_links_to(object)?;
            }
            (Some(row), false) => {
                let erased = state.erased.unwrap_or(Stamp::MIN);
                displaced = self.displace_row(object, class, row, &[], erased)?;
                self.unresolve_links_to(class, row)?;
                let ctx = WriteCtx::new(erased);
                self.store.delete_row(&ctx, class, row)?;
                if let Some(erased) = state.erased {
                    self.store
                        .write_tombstone(&WriteCtx::new(erased), class, &object.pk)?;
                }
                self.forget_inside(object, &[], None)?;
            }
            (Some(row), true) => {
                if let Some(erased) = state.erased {
                    if before.erased.is_none_or(|b| erased > b) {
                        self.mask_row(object, class, row, &[], erased)?;
                        self.forget_inside(object, &[], Some(erased))?;
                    }
                }
            }
            (None, false) => {}
        }
        self.put_object_meta(object, state.created, state.erased)?;
        Ok(displaced)
    }

    fn mask(&mut self, object: &Link, path: &[PathSegment], up_to: Stamp) -> Result<Vec<Ghost>> {
        // The object, or the embedded object the path leads to (held by a property, a list
        // element or a dictionary entry).
        let holder = match self.walk(object, path)? {
            Some(Node::Holder { class, row }) => Some((class, row)),
            Some(Node::Slot { class, row, prop })
                if self.store.cat.is_embedded_link(prop) && storage_of(prop) == Storage::Column =>
            {
                let child_class = self
                    .store
                    .cat
                    .class(prop.object_type.as_deref().unwrap_or_default())?;
                self.child_row(class, row, prop, None)?
                    .map(|child| (child_class, child))
            }
            _ => None,
        };
        if let Some((class, row)) = holder {
            self.mask_row(object, class, row, path, up_to)?;
        }
        self.forget_inside(object, path, Some(up_to))?;
        Ok(Vec::new())
    }

    fn field(&mut self, object: &Link, path: &[PathSegment]) -> Result<Option<Register>> {
        let Some((class, row, prop)) = self.slot(object, path)? else {
            return Ok(None);
        };
        if storage_of(prop) != Storage::Column {
            return Err(StorageError::UnsupportedOperation {
                class: class.name.clone(),
                property: prop.name.clone(),
                operation: "set",
                reason: "a collection is changed with element instructions".into(),
            }
            .into());
        }
        let value = if self.store.cat.is_embedded_link(prop) {
            match self.store.raw_column(class, prop, row)?.0 {
                Sql::Integer(_) => Value::Embedded(Document::new()),
                _ => Value::Null,
            }
        } else {
            self.store.read_property(class, prop, row)?
        };
        let stamp = self.store.field_clock(&class.name, row, &prop.name)?;
        Ok(Some(Register { value, stamp }))
    }

    fn put_field(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        register: Register,
    ) -> Result<bool> {
        let Some((class, row, prop)) = self.slot(object, path)? else {
            return Ok(false);
        };
        let ctx = WriteCtx::new(register.stamp);
        if class.primary_key.as_deref() == Some(prop.name.as_str()) {
            if register.value == Value::from(object.pk.clone()) {
                return Ok(true);
            }
            return Err(StorageError::UnsupportedOperation {
                class: class.name.clone(),
                property: prop.name.clone(),
                operation: "changing",
                reason: "a primary key cannot change after creation".into(),
            }
            .into());
        }
        if self.store.cat.is_embedded_link(prop) {
            if let Value::Embedded(_) = register.value {
                if self.child_row(class, row, prop, None)?.is_some() {
                    self.store
                        .record_field_clock(&ctx, &class.name, row, &prop.name)?;
                    return Ok(true);
                }
                let child_class = self
                    .store
                    .cat
                    .class(prop.object_type.as_deref().unwrap_or_default())?;
                let blank = Value::Embedded(blank_document(child_class));
                self.store.set_property(&ctx, class, prop, row, &blank)?;
                return Ok(true);
            }
        }
        if self.store.cat.is_embedded_link(prop) {
            if let Some(child) = self.child_row(class, row, prop, None)? {
                let child_class = self
                    .store
                    .cat
                    .class(prop.object_type.as_deref().unwrap_or_default())?;
                let survivors =
                    self.displace_row(object, child_class, child, path, register.stamp)?;
                self.keep_ghosts(object, survivors)?;
            }
        }
        let place = path_key(path);
        let value = if self.link_resolves(&register.value)? {
            self.drop_unresolved(object, &place)?;
            register.value
        } else {
            let waiting = Instruction {
                object: object.clone(),
                path: path.to_vec(),
                op: Operation::Set {
                    value: register.value.clone(),
                },
            };
            if let Value::Link(target) = &register.value {
                self.put_unresolved(register.stamp, waiting, target)?;
            }
            Value::Null
        };
        self.store.set_property(&ctx, class, prop, row, &value)?;
        Ok(true)
    }

    fn integer_adds(&mut self, object: &Link, path: &[PathSegment]) -> Result<Vec<(Stamp, i64)>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT clock, replica, delta FROM __syncline_sync_adds WHERE class = ?1 AND pk = ?2 AND path = ?3 ORDER BY n")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![object.class, pk_key(&object.pk), path_key(path)],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(sql_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (c, r, d) = row.map_err(sql_err)?;
            out.push((stored(c, r)?, d));
        }
        Ok(out)
    }

    fn put_integer_adds(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        adds: Vec<(Stamp, i64)>,
    ) -> Result<()> {
        let (pk, p) = (pk_key(&object.pk), path_key(path));
        self.conn()
            .prepare_cached(
                "DELETE FROM __syncline_sync_adds WHERE class = ?1 AND pk = ?2 AND path = ?3",
            )
            .map_err(sql_err)?
            .execute(params![object.class, pk, p])
            .map_err(sql_err)?;
        let mut insert = self
            .conn()
            .prepare_cached("INSERT INTO __syncline_sync_adds (class, pk, path, n, clock, replica, delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(sql_err)?;
        for (n, (stamp, delta)) in adds.into_iter().enumerate() {
            insert
                .execute(params![
                    object.class,
                    pk,
                    p,
                    i64::try_from(n).unwrap_or(i64::MAX),
                    stamp.clock.to_packed(),
                    stamp.replica.to_i64(),
                    delta
                ])
                .map_err(sql_err)?;
        }
        Ok(())
    }

    fn list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<Option<ListElement>> {
        let Some((class, row, prop)) = self.collection_slot(object, path, Collection::List)? else {
            return Ok(None);
        };
        let (position, value) = match self.list_row(class, prop, row, id)? {
            Some((_, position, sql, tag)) => (position, self.decode_element(prop, sql, tag)?),
            None => {
                // A hidden element: its link waits for the target.
                let place = path_key(&with(path, PathSegment::Element(id)));
                match self.unresolved(object, &place)? {
                    Some((
                        _,
                        Instruction {
                            op:
                                Operation::ListInsert {
                                    position, value, ..
                                },
                            ..
                        },
                    )) => (position, value),
                    _ => return Ok(None),
                }
            }
        };
        let (value_stamp, position_stamp) = self
            .element_meta(object, path, id)?
            .unwrap_or((id.stamp(), id.stamp()));
        Ok(Some(ListElement {
            position,
            position_stamp,
            value,
            value_stamp,
        }))
    }

    fn put_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
        element: ListElement,
    ) -> Result<bool> {
        let Some((class, row, prop)) = self.collection_slot(object, path, Collection::List)? else {
            return Ok(false);
        };
        let ctx = WriteCtx::new(element.value_stamp);
        let table = self.store.cat.elements(&class.name, &prop.name);
        let embedded = self.store.cat.is_embedded_link(prop);
        let blank = |store: &Self| -> Result<Value> {
            let child_class = store
                .store
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            Ok(Value::Embedded(blank_document(child_class)))
        };
        match self.list_row(class, prop, row, id)? {
            Some((erow, position, old, _)) => {
                if position != element.position {
                    self.conn()
                        .prepare_cached(&format!("UPDATE {table} SET pos = ?1 WHERE _row = ?2"))
                        .map_err(sql_err)?
                        .execute(params![element.position, erow])
                        .map_err(sql_err)?;
                }
                let keep = embedded
                    && matches!(element.value, Value::Embedded(_))
                    && matches!(old, Sql::Integer(_));
                if !keep {
                    if !self.link_resolves(&element.value)? {
                        // The element stays, hidden, until its target exists.
                        self.conn()
                            .prepare_cached(&format!("DELETE FROM {table} WHERE _row = ?1"))
                            .map_err(sql_err)?
                            .execute([erow])
                            .map_err(sql_err)?;
                        self.hide_element(object, path, id, &element)?;
                        self.put_element_meta(
                            object,
                            path,
                            id,
                            element.value_stamp,
                            element.position_stamp,
                        )?;
                        return Ok(true);
                    }
                    let value = if embedded && matches!(element.value, Value::Embedded(_)) {
                        blank(self)?
                    } else {
                        element.value.clone()
                    };
                    if embedded {
                        self.delete_child(prop, old)?;
                    }
                    let (sql, tag) = self.store.encode_value(&ctx, class, prop, &value)?;
                    let update = if prop.ty == PropertyType::Mixed {
                        format!(
                            "UPDATE {table} SET value = ?1, \"value@type\" = ?3 WHERE _row = ?2"
                        )
                    } else {
                        format!("UPDATE {table} SET value = ?1 WHERE _row = ?2")
                    };
                    let mut stmt = self.conn().prepare_cached(&update).map_err(sql_err)?;
                    if prop.ty == PropertyType::Mixed {
                        stmt.execute(params![sql, erow, tag]).map_err(sql_err)?;
                    } else {
                        stmt.execute(params![sql, erow]).map_err(sql_err)?;
                    }
                }
            }
            None => {
                if !self.link_resolves(&element.value)? {
                    self.hide_element(object, path, id, &element)?;
                    self.put_element_meta(
                        object,
                        path,
                        id,
                        element.value_stamp,
                        element.position_stamp,
                    )?;
                    return Ok(true);
                }
                self.drop_unresolved(object, &path_key(&with(path, PathSegment::Element(id))))?;
                let value = if embedded && matches!(element.value, Value::Embedded(_)) {
                    blank(self)?
                } else {
                    element.value.clone()
                };
                self.store.insert_list_element(
                    &ctx,
                    class,
                    prop,
                    row,
                    &element.position,
                    id,
                    &value,
                )?;
            }
        }
        self.put_element_meta(
            object,
            path,
            id,
            element.value_stamp,
            element.position_stamp,
        )?;
        Ok(true)
    }

    fn remove_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<()> {
        self.drop_element(object, path, id)
    }

    fn set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
    ) -> Result<Option<Entry>> {
        let key = crate::sync::memory::element_key(value);
        if let Some((present, stamp)) = self.entry_meta(object, path, &key)? {
            return Ok(Some(Entry {
                value: present.then(|| value.clone()),
                stamp,
            }));
        }
        let Some((class, row, prop)) = self.collection_slot(object, path, Collection::Set)? else {
            return Ok(None);
        };
        let there = self
            .set_items(class, prop, row)?
            .iter()
            .any(|item| crate::sync::memory::element_key(item) == key);
        Ok(there.then(|| Entry {
            value: Some(value.clone()),
            stamp: Stamp::MIN,
        }))
    }

    fn put_set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
        entry: Entry,
    ) -> Result<bool> {
        let Some((class, row, prop)) = self.collection_slot(object, path, Collection::Set)? else {
            return Ok(false);
        };
        let ctx = WriteCtx::new(entry.stamp);
        let present = entry.value.is_some();
        let place = set_element_key(path, value);
        match value {
            Value::Link(target) if present && !self.link_resolves(value)? => {
                let waiting = Instruction {
                    object: object.clone(),
                    path: path.to_vec(),
                    op: Operation::SetAdd {
                        value: value.clone(),
                    },
                };
                self.put_unresolved(entry.stamp, waiting, target)?;
            }
            _ if present => {
                self.drop_unresolved(object, &place)?;
                self.store.set_add(&ctx, class, prop, row, value)?;
            }
            _ => {
                self.drop_unresolved(object, &place)?;
                // A link to a missing object is not stored (and cannot be looked up by row).
                if self.link_resolves(value)? {
                    self.store.set_remove(class, prop, row, value)?;
                }
            }
        }
        self.put_entry_meta(
            object,
            path,
            &crate::sync::memory::element_key(value),
            present,
            entry.stamp,
        )?;
        Ok(true)
    }

    fn dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
    ) -> Result<Option<Entry>> {
        let meta = self.entry_meta(object, path, key.as_bytes())?;
        let Some((class, row, prop)) =
            self.collection_slot(object, path, Collection::Dictionary)?
        else {
            return Ok(meta.map(|(present, stamp)| Entry {
                value: present.then_some(Value::Null),
                stamp,
            }));
        };
        let stored_value = match self.dictionary_row(class, prop, row, key)? {
            Some((sql, tag)) => Some(self.decode_element(prop, sql, tag)?),
            None => None,
        };
        Ok(match (meta, stored_value) {
            (Some((true, stamp)), value) => Some(Entry {
                value: Some(value.unwrap_or(Value::Null)),
                stamp,
            }),
            (Some((false, stamp)), _) => Some(Entry { value: None, stamp }),
            (None, Some(value)) => Some(Entry {
                value: Some(value),
                stamp: Stamp::MIN,
            }),
            (None, None) => None,
        })
    }

    fn put_dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
        entry: Entry,
    ) -> Result<bool> {
        let Some((class, row, prop)) =
            self.collection_slot(object, path, Collection::Dictionary)?
        else {
            return Ok(false);
        };
        let ctx = WriteCtx::new(entry.stamp);
        let embedded = self.store.cat.is_embedded_link(prop);
        match &entry.value {
            Some(Value::Embedded(_)) if embedded => {
                let existing = self.dictionary_row(class, prop, row, key)?;
                if !matches!(existing, Some((Sql::Integer(_), _))) {
                    let child_class = self
                        .store
                        .cat
                        .class(prop.object_type.as_deref().unwrap_or_default())?;
                    let blank = Value::Embedded(blank_document(child_class));
                    self.store.dict_set(&ctx, class, prop, row, key, &blank)?;
                }
            }
            Some(value) => {
                let place = path_key(&with(path, PathSegment::Key(key.to_owned())));
                let value = if self.link_resolves(value)? {
                    self.drop_unresolved(object, &place)?;
                    value.clone()
                } else {
                    if let Value::Link(target) = value {
                        let waiting = Instruction {
                            object: object.clone(),
                            path: path.to_vec(),
                            op: Operation::DictionarySet {
                                key: key.to_owned(),
                                value: value.clone(),
                            },
                        };
                        self.put_unresolved(entry.stamp, waiting, target)?;
                    }
                    Value::Null
                };
                self.displace_entry(object, class, row, prop, path, key, entry.stamp)?;
                self.store.dict_set(&ctx, class, prop, row, key, &value)?;
            }
            None => {
                self.drop_unresolved(
                    object,
                    &path_key(&with(path, PathSegment::Key(key.to_owned()))),
                )?;
                self.displace_entry(object, class, row, prop, path, key, entry.stamp)?;
                self.store.dict_remove(&ctx, class, prop, row, key)?;
            }
        }
        self.put_entry_meta(
            object,
            path,
            key.as_bytes(),
            entry.value.is_some(),
            entry.stamp,
        )?;
        Ok(true)
    }

    fn clear_stamp(&mut self, object: &Link, path: &[PathSegment]) -> Result<Option<Stamp>> {
        self.clear_meta(object, path)
    }

    fn clear_collection(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        stamp: Stamp,
    ) -> Result<bool> {
        let Some((class, row, prop)) = self.slot(object, path)? else {
            return Ok(false);
        };
        let ctx = WriteCtx::new(stamp);
        match (storage_of(prop), prop.collection) {
            (Storage::Elements, Collection::List) => {
                for entry in self.store.list_entries(class, prop, row)? {
                    if entry.id.stamp() <= stamp {
                        self.drop_element(object, path, entry.id)?;
                    }
                }
            }
            (Storage::Elements, Collection::Set) => {
                for item in self.set_items(class, prop, row)? {
                    let key = crate::sync::memory::element_key(&item);
                    let written = self
                        .entry_meta(object, path, &key)?
                        .map_or(Stamp::MIN, |(_, s)| s);
                    if written <= stamp {
                        self.store.set_remove(class, prop, row, &item)?;
                    }
                }
            }
            (Storage::Elements, Collection::Dictionary) => {
                let keys: Vec<String> = match self.store.read_collection(class, prop, row)? {
                    Value::Dictionary(map) => map.into_keys().collect(),
                    _ => Vec::new(),
                };
                for key in keys {
                    let written = self
                        .entry_meta(object, path, key.as_bytes())?
                        .map_or(Stamp::MIN, |(_, s)| s);
                    if written <= stamp {
                        self.displace_entry(object, class, row, prop, path, &key, stamp)?;
                        self.store.dict_remove(&ctx, class, prop, row, &key)?;
                    }
                }
            }
            _ => {
                return Err(StorageError::UnsupportedOperation {
                    class: class.name.clone(),
                    property: prop.name.clone(),
                    operation: "clear",
                    reason: "the property is not a collection".into(),
                }
                .into())
            }
        }
        // Entries written at or before the clear are gone, removed ones included.
        self.conn()
            .prepare_cached("DELETE FROM __syncline_sync_entries WHERE class = ?1 AND pk = ?2 AND path = ?3 AND (clock < ?4 OR (clock = ?4 AND replica <= ?5))")
            .map_err(sql_err)?
            .execute(params![object.class, pk_key(&object.pk), path_key(path), stamp.clock.to_packed(), stamp.replica.to_i64()])
            .map_err(sql_err)?;
        self.forget_inside(object, path, Some(stamp))?;
        self.put_clear_meta(object, path, stamp)?;
        Ok(true)
    }

    fn ghosts(&mut self, object: &Link) -> Result<Vec<Ghost>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT clock, replica, instruction FROM __syncline_sync_ghosts WHERE class = ?1 AND pk = ?2 ORDER BY n")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![object.class, pk_key(&object.pk)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(sql_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (c, r, bytes) = row.map_err(sql_err)?;
            let stamp = stored(c, r)?;
            let mut changeset = Changeset::from_bytes(&bytes)?;
            let Some(instruction) = changeset.instructions.pop() else {
                return Err(StorageError::corrupt("a waiting sync change is empty").into());
            };
            out.push(Ghost { stamp, instruction });
        }
        Ok(out)
    }

    fn put_ghosts(&mut self, object: &Link, ghosts: Vec<Ghost>) -> Result<()> {
        let pk = pk_key(&object.pk);
        self.conn()
            .prepare_cached("DELETE FROM __syncline_sync_ghosts WHERE class = ?1 AND pk = ?2")
            .map_err(sql_err)?
            .execute(params![object.class, pk])
            .map_err(sql_err)?;
        for (n, ghost) in ghosts.into_iter().enumerate() {
            let changeset = Changeset {
                replica: ghost.stamp.replica,
                clock: ghost.stamp.clock,
                instructions: vec![ghost.instruction],
            };
            self.conn()
                .prepare_cached("INSERT INTO __syncline_sync_ghosts (class, pk, n, clock, replica, instruction) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(sql_err)?
                .execute(params![
                    object.class,
                    pk,
                    i64::try_from(n).unwrap_or(i64::MAX),
                    ghost.stamp.clock.to_packed(),
                    ghost.stamp.replica.to_i64(),
                    changeset.to_bytes()?
                ])
                .map_err(sql_err)?;
        }
        Ok(())
    }
}

/// Where a link to a deleted object was, found before the delete removes it.
enum LinkSlot {
    Field,
    Element(ElementId, Vec<u8>),
    Key(String),
    SetElement,
}

impl SqliteMergeStore<'_> {
    // ---------- unresolved links ----------

    /// Remembers that `instruction` (a write of a link to `target`, which does not exist)
    /// waits for its target; replaces what was remembered for the same place.
    fn put_unresolved(&self, stamp: Stamp, instruction: Instruction, target: &Link) -> Result<()> {
        let Some((place, compared)) = link_place(&instruction, stamp) else {
            return Ok(());
        };
        let object = instruction.object.clone();
        let changeset = Changeset {
            replica: stamp.replica,
            clock: stamp.clock,
            instructions: vec![instruction],
        };
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO __syncline_sync_unresolved (class, pk, path, clock, replica, tclass, tpk, instruction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                place,
                compared.clock.to_packed(),
                compared.replica.to_i64(),
                target.class,
                pk_key(&target.pk),
                changeset.to_bytes()?
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    /// Keeps the list element `id`, whose value is a link to a missing object, hidden.
    fn hide_element(
        &self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
        element: &ListElement,
    ) -> Result<()> {
        let Value::Link(target) = &element.value else {
            return Ok(());
        };
        let waiting = Instruction {
            object: object.clone(),
            path: path.to_vec(),
            op: Operation::ListInsert {
                element: id,
                position: element.position.clone(),
                value: element.value.clone(),
            },
        };
        self.put_unresolved(element.value_stamp, waiting, target)
    }

    /// The unresolved link remembered at a place: the stamp of its write and its instruction.
    fn unresolved(&self, object: &Link, place: &[u8]) -> Result<Option<(Stamp, Instruction)>> {
        let found: Option<Vec<u8>> = self
            .conn()
            .prepare_cached("SELECT instruction FROM __syncline_sync_unresolved WHERE class = ?1 AND pk = ?2 AND path = ?3")
            .map_err(sql_err)?
            .query_row(params![object.class, pk_key(&object.pk), place], |r| r.get(0))
            .optional()
            .map_err(sql_err)?;
        found.map(|bytes| decode_unresolved(&bytes)).transpose()
    }

    fn drop_unresolved(&self, object: &Link, place: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached(
                "DELETE FROM __syncline_sync_unresolved WHERE class = ?1 AND pk = ?2 AND path = ?3",
            )
            .map_err(sql_err)?
            .execute(params![object.class, pk_key(&object.pk), place])
            .map_err(sql_err)?;
        Ok(())
    }

    /// Forgets the unresolved links strictly inside `path` (an embedded object going away).
    fn drop_unresolved_inside(&self, object: &Link, path: &[PathSegment]) -> Result<()> {
        let prefix = path_key(path);
        self.conn()
            .prepare_cached("DELETE FROM __syncline_sync_unresolved WHERE class = ?1 AND pk = ?2 AND length(path) > ?3 AND substr(path, 1, ?3) = ?4")
            .map_err(sql_err)?
            .execute(params![
                object.class,
                pk_key(&object.pk),
                i64::try_from(prefix.len()).unwrap_or(i64::MAX),
                prefix
            ])
            .map_err(sql_err)?;
        Ok(())
    }

    /// The hidden elements of the list at `path`: elements whose link waits for its target.
    fn hidden_elements(&self, object: &Link, path: &[PathSegment]) -> Result<Vec<ElementId>> {
        let prefix = path_key(path);
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT instruction FROM __syncline_sync_unresolved WHERE class = ?1 AND pk = ?2 AND length(path) > ?3 AND substr(path, 1, ?3) = ?4")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(
                params![
                    object.class,
                    pk_key(&object.pk),
                    i64::try_from(prefix.len()).unwrap_or(i64::MAX),
                    prefix
                ],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .map_err(sql_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (_, instruction) = decode_unresolved(&row.map_err(sql_err)?)?;
            if let Operation::ListInsert { element, .. } = instruction.op {
                if instruction.path == path {
                    out.push(element);
                }
            }
        }
        Ok(out)
    }

    /// The link value remembered at `place`, if the place still holds what was remembered
    /// (written at `stamp`).
    fn remembered_link(&self, object: &Link, place: &[u8], stamp: Stamp) -> Result<Option<Value>> {
        Ok(match self.unresolved(object, place)? {
            Some((written, instruction)) if written == stamp => instruction_link(&instruction),
            _ => None,
        })
    }

    /// Writes back the links that wait for `target`, which now exists, where they still hold
    /// (a later write to the place, or its removal, makes a remembered link stale).
    fn resolve_links_to(&mut self, target: &Link) -> Result<()> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT instruction FROM __syncline_sync_unresolved WHERE tclass = ?1 AND tpk = ?2",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map(params![target.class, pk_key(&target.pk)], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .map_err(sql_err)?;
        let mut waiting = Vec::new();
        for row in rows {
            waiting.push(decode_unresolved(&row.map_err(sql_err)?)?);
        }
        for (stamp, instruction) in waiting {
            let object = &instruction.object;
            let path = instruction.path.as_slice();
            let Some((place, _)) = link_place(&instruction, stamp) else {
                continue;
            };
            self.drop_unresolved(object, &place)?;
            if !self.object_state(object)?.alive {
                continue;
            }
            let link = match instruction_link(&instruction) {
                Some(link) => link,
                None => continue,
            };
            let ctx = WriteCtx::new(stamp);
            let wrote = match &instruction.op {
                Operation::Set { .. } => match self.slot(object, path)? {
                    Some((class, row, prop))
                        if matches!(self.store.raw_column(class, prop, row)?.0, Sql::Null)
                            && self.store.field_clock(&class.name, row, &prop.name)? == stamp =>
                    {
                        self.store.set_property(&ctx, class, prop, row, &link)?;
                        true
                    }
                    _ => false,
                },
                Operation::ListInsert {
                    element, position, ..
                } => match self.collection_slot(object, path, Collection::List)? {
                    Some((class, row, prop))
                        if self.list_row(class, prop, row, *element)?.is_none() =>
                    {
                        self.store.insert_list_element(
                            &ctx, class, prop, row, position, *element, &link,
                        )?;
                        true
                    }
                    _ => false,
                },
                Operation::DictionarySet { key, .. } => {
                    let written = self
                        .entry_meta(object, path, key.as_bytes())?
                        .map_or(Stamp::MIN, |(_, s)| s);
                    match self.collection_slot(object, path, Collection::Dictionary)? {
                        Some((class, row, prop))
                            if written == stamp
                                && matches!(
                                    self.dictionary_row(class, prop, row, key)?,
                                    Some((Sql::Null, _))
                                ) =>
                        {
                            self.store.dict_set(&ctx, class, prop, row, key, &link)?;
                            true
                        }
                        _ => false,
                    }
                }
                Operation::SetAdd { value } => {
                    let key = crate::sync::memory::element_key(value);
                    match self.collection_slot(object, path, Collection::Set)? {
                        Some((class, row, prop))
                            if self.entry_meta(object, path, &key)? == Some((true, stamp)) =>
                        {
                            self.store.set_add(&ctx, class, prop, row, &link)?;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if let (true, Some(PathSegment::Property(top))) = (wrote, path.first()) {
                self.touched.push((object.clone(), top.clone()));
            }
        }
        Ok(())
    }

    /// Remembers every link to the top-level object at `row` of `class` (about to be deleted)
    /// as an unresolved link: fields, list, set and dictionary elements, in top-level and
    /// embedded objects of synced classes. Links inside lists and dictionaries nested in
    /// `mixed` values hold the primary key already, and stay as they are.
    fn unresolve_links_to(&mut self, class: &ObjectSchema, row: i64) -> Result<()> {
        if class.embedded || class.primary_key.is_none() {
            return Ok(());
        }
        let cat: &Catalog = self.store.cat;
        let target = self.store.link_of(&class.name, row)?;
        let mut found: Vec<(&ObjectSchema, i64, &Property, LinkSlot)> = Vec::new();
        for holder in link_holders(cat, class, row) {
            let (other, prop) = (holder.class, holder.prop);
            match storage_of(prop) {
                Storage::Computed => {}
                Storage::Column => {
                    let cond = column_link_condition(prop, holder.direct);
                    let mut stmt = self
                        .conn()
                        .prepare_cached(&format!(
                            "SELECT _row FROM {} WHERE {cond}",
                            cat.table(&other.name)
                        ))
                        .map_err(sql_err)?;
                    let owners = stmt
                        .query_map([&holder.arg], |r| r.get::<_, i64>(0))
                        .map_err(sql_err)?;
                    for owner in owners {
                        found.push((other, owner.map_err(sql_err)?, prop, LinkSlot::Field));
                    }
                }
                Storage::Elements => {
                    let table = cat.elements(&other.name, &prop.name);
                    let cond = element_link_condition(holder.direct);
                    let columns = match prop.collection {
                        Collection::List => "owner, eclock, ereplica, eseq, pos, NULL",
                        Collection::Dictionary => "owner, 0, 0, 0, NULL, key",
                        _ => "owner, 0, 0, 0, NULL, NULL",
                    };
                    type Hit = (i64, i64, i64, i64, Option<Vec<u8>>, Option<String>);
                    let mut stmt = self
                        .conn()
                        .prepare_cached(&format!("SELECT {columns} FROM {table} WHERE {cond}"))
                        .map_err(sql_err)?;
                    let hits = stmt
                        .query_map([&holder.arg], |r| {
                            Ok((
                                r.get(0)?,
                                r.get(1)?,
                                r.get(2)?,
                                r.get(3)?,
                                r.get(4)?,
                                r.get(5)?,
                            ))
                        })
                        .map_err(sql_err)?;
                    for hit in hits {
                        let (owner, c, r, seq, pos, key): Hit = hit.map_err(sql_err)?;
                        let slot = match prop.collection {
                            Collection::List => LinkSlot::Element(
                                super::objects::element_id(c, r, seq)?,
                                pos.unwrap_or_default(),
                            ),
                            Collection::Dictionary => LinkSlot::Key(key.unwrap_or_default()),
                            _ => LinkSlot::SetElement,
                        };
                        found.push((other, owner, prop, slot));
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        ensure_tables(self.conn())?;
        let link = Value::Link(target.clone());
        for (owner_class, owner, prop, slot) in found {
            let Some((object, prefix)) = self.place_of(owner_class, owner)? else {
                continue;
            };
            if object == target {
                // The deleted object's own links go with it.
                continue;
            }
            let path = with(&prefix, PathSegment::Property(prop.name.clone()));
            if let Some(PathSegment::Property(top)) = path.first() {
                self.touched.push((object.clone(), top.clone()));
            }
            let (stamp, op) = match slot {
                LinkSlot::Field => (
                    self.store
                        .field_clock(&owner_class.name, owner, &prop.name)?,
                    Operation::Set {
                        value: link.clone(),
                    },
                ),
                LinkSlot::Element(element, position) => (
                    element.stamp(),
                    Operation::ListInsert {
                        element,
                        position,
                        value: link.clone(),
                    },
                ),
                LinkSlot::Key(key) => (
                    self.entry_meta(&object, &path, key.as_bytes())?
                        .map_or(Stamp::MIN, |(_, s)| s),
                    Operation::DictionarySet {
                        key,
                        value: link.clone(),
                    },
                ),
                LinkSlot::SetElement => {
                    let key = crate::sync::memory::element_key(&link);
                    let stamp = match self.entry_meta(&object, &path, &key)? {
                        Some((_, stamp)) => stamp,
                        None => {
                            // Present without merge state: keep it present once it is gone.
                            self.put_entry_meta(&object, &path, &key, true, Stamp::MIN)?;
                            Stamp::MIN
                        }
                    };
                    (
                        stamp,
                        Operation::SetAdd {
                            value: link.clone(),
                        },
                    )
                }
            };
            let instruction = Instruction { object, path, op };
            self.put_unresolved(stamp, instruction, &target)?;
        }
        Ok(())
    }

    /// The synced top-level object holding the (possibly embedded) object at `row` of `class`,
    /// and the sync path to it; `None` for objects that are not synced.
    fn place_of(&self, class: &ObjectSchema, row: i64) -> Result<Option<(Link, Vec<PathSegment>)>> {
        let cat: &Catalog = self.store.cat;
        let (mut class, mut row) = (class, row);
        let mut steps: Vec<Vec<PathSegment>> = Vec::new();
        // A guard against embedded rows that point at each other in a corrupted file.
        for _ in 0..100 {
            if !class.embedded {
                if class.primary_key.is_none() {
                    return Ok(None);
                }
                let link = self.store.link_of(&class.name, row)?;
                let path = steps.into_iter().rev().flatten().collect();
                return Ok(Some((link, path)));
            }
            let mut parent = None;
            for (pclass, pprop) in super::reverse::embedded_slots(&cat.schema, &class.name) {
                let schema = cat.class(&pclass)?;
                let prop = cat.property(schema, &pprop)?;
                let name = PathSegment::Property(prop.name.clone());
                match (storage_of(prop), prop.collection) {
                    (Storage::Column, _) => {
                        let hit: Option<i64> = self
                            .conn()
                            .prepare_cached(&format!(
                                "SELECT _row FROM {} WHERE {} = ?1 LIMIT 1",
                                cat.table(&pclass),
                                super::layout::quote(&pprop)
                            ))
                            .map_err(sql_err)?
                            .query_row([row], |r| r.get(0))
                            .optional()
                            .map_err(sql_err)?;
                        parent = hit.map(|p| (schema, p, vec![name]));
                    }
                    (Storage::Elements, Collection::List) => {
                        let hit: Option<(i64, i64, i64, i64)> = self
                            .conn()
                            .prepare_cached(&format!(
                                "SELECT owner, eclock, ereplica, eseq FROM {} WHERE value = ?1 LIMIT 1",
                                cat.elements(&pclass, &pprop)
                            ))
                            .map_err(sql_err)?
                            .query_row([row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                            .optional()
                            .map_err(sql_err)?;
                        if let Some((p, c, r, seq)) = hit {
                            let id = super::objects::element_id(c, r, seq)?;
                            parent = Some((schema, p, vec![name, PathSegment::Element(id)]));
                        }
                    }
                    (Storage::Elements, _) => {
                        let hit: Option<(i64, String)> = self
                            .conn()
                            .prepare_cached(&format!(
                                "SELECT owner, key FROM {} WHERE value = ?1 LIMIT 1",
                                cat.elements(&pclass, &pprop)
                            ))
                            .map_err(sql_err)?
                            .query_row([row], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                            .map_err(sql_err)?;
                        parent = hit.map(|(p, key)| (schema, p, vec![name, PathSegment::Key(key)]));
                    }
                    (Storage::Computed, _) => {}
                }
                if parent.is_some() {
                    break;
                }
            }
            let Some((pclass, prow, step)) = parent else {
                return Ok(None);
            };
            steps.push(step);
            class = pclass;
            row = prow;
        }
        Ok(None)
    }

    /// Removes a list element, the embedded object it holds and its merge metadata.
    fn drop_element(&self, object: &Link, path: &[PathSegment], id: ElementId) -> Result<()> {
        self.drop_unresolved(object, &path_key(&with(path, PathSegment::Element(id))))?;
        if let Some((class, row, prop)) = self.collection_slot(object, path, Collection::List)? {
            if let Some((erow, _, value, _)) = self.list_row(class, prop, row, id)? {
                if self.store.cat.is_embedded_link(prop) {
                    self.delete_child(prop, value)?;
                }
                self.conn()
                    .prepare_cached(&format!(
                        "DELETE FROM {} WHERE _row = ?1",
                        self.store.cat.elements(&class.name, &prop.name)
                    ))
                    .map_err(sql_err)?
                    .execute([erow])
                    .map_err(sql_err)?;
            }
        }
        self.put_element_meta(object, path, id, id.stamp(), id.stamp())?;
        self.forget_inside(object, &with(path, PathSegment::Element(id)), None)
    }
}

/// An unresolved link's stamp and instruction from its stored form.
fn decode_unresolved(bytes: &[u8]) -> Result<(Stamp, Instruction)> {
    let mut changeset = Changeset::from_bytes(bytes)?;
    let stamp = changeset.stamp();
    let instruction = changeset
        .instructions
        .pop()
        .ok_or_else(|| StorageError::corrupt("an unresolved link is empty"))?;
    Ok((stamp, instruction))
}

/// The link an unresolved link's instruction writes.
fn instruction_link(instruction: &Instruction) -> Option<Value> {
    match &instruction.op {
        Operation::Set { value }
        | Operation::ListInsert { value, .. }
        | Operation::DictionarySet { value, .. }
        | Operation::SetAdd { value } => matches!(value, Value::Link(_)).then(|| value.clone()),
        _ => None,
    }
}

/// Forgets every piece of merge state kept for `objects` (objects that are not kept locally:
/// asymmetric objects, removed at the end of the transaction that created them).
pub(crate) fn forget_objects(conn: &Connection, objects: &[Link]) -> Result<()> {
    let exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '__syncline_sync_ghosts')",
        )
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(StorageError::from)?;
    if !exists || objects.is_empty() {
        return Ok(());
    }
    let tables = PATH_TABLES
        .iter()
        .chain(&["__syncline_sync_objects", "__syncline_sync_ghosts"]);
    for table in tables {
        let mut stmt = conn
            .prepare_cached(&format!("DELETE FROM {table} WHERE class = ?1 AND pk = ?2"))
            .map_err(sql_err)?;
        for object in objects {
            stmt.execute(params![object.class, pk_key(&object.pk)])
                .map_err(sql_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use crate::sync::merge::tests::{random_delivery, random_history};
    use crate::sync::{Hlc, InMemoryStore, Instruction, Operation, PathSegment, ReplicaId};
    use crate::{Config, Database, Document, ObjectSchema, PrimaryKey, Property, PropertyType};
    use crate::{Schema, Value};

    use super::*;

    fn schema() -> Schema {
        Schema::new(vec![
            ObjectSchema::new(
                "Task",
                vec![
                    Property::new("_id", PropertyType::Int),
                    Property::new("a", PropertyType::Mixed),
                    Property::new("b", PropertyType::Mixed),
                    Property::new("n", PropertyType::Int).optional(),
                    Property::new("l", PropertyType::Mixed).list(),
                    Property::link("items", "Item").list(),
                    Property::new("s", PropertyType::Mixed).set(),
                    Property::new("d", PropertyType::Mixed).dictionary(),
                    Property::link("de", "Entry").dictionary(),
                    Property::link("emb", "Emb"),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new("Item", vec![Property::new("n", PropertyType::Int)]).into_embedded(),
            ObjectSchema::new("Entry", vec![Property::new("v", PropertyType::Mixed)])
                .into_embedded(),
            ObjectSchema::new(
                "Emb",
                vec![
                    Property::new("x", PropertyType::Mixed),
                    Property::new("n", PropertyType::Int).optional(),
                ],
            )
            .into_embedded(),
        ])
    }

    fn open() -> Database {
        Database::open_temporary(Config::new(schema())).unwrap()
    }

    /// Every task, with set elements in a canonical order (sets have none of their own).
    fn snapshot(db: &Database) -> BTreeMap<PrimaryKey, Document> {
        db.read(|t| t.objects("Task"))
            .unwrap()
            .into_iter()
            .map(|o| {
                let fields = o
                    .fields
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::Set(mut items) => {
                            items.sort_by_key(crate::sync::memory::element_key);
                            (k, Value::Set(items))
                        }
                        v => (k, v),
                    })
                    .collect();
                (o.pk, fields)
            })
            .collect()
    }

    fn remote(replica: u64, ms: u64, instructions: Vec<Instruction>) -> Changeset {
        Changeset {
            replica: ReplicaId::new(replica).unwrap(),
            clock: Hlc::new(ms, 0).unwrap(),
            instructions,
        }
    }

    fn at(pk: i64, field: &str, op: Operation) -> Instruction {
        Instruction::at(
            "Task",
            PrimaryKey::Int(pk),
            vec![PathSegment::Property(field.into())],
            op,
        )
    }

    fn create_local(db: &Database, pk: i64) {
        db.write(|t| {
            let mut doc = Document::new();
            doc.insert("_id", pk.into());
            doc.insert("n", 10.into());
            t.create("Task", doc).map(|_| ())
        })
        .unwrap();
    }

    /// A clock far after any local one (so "newer than local") and one long before.
    const FUTURE: u64 = Hlc::MAX_PHYSICAL_MS - 10;
    const PAST: u64 = 1_000;

    #[test]
    fn a_remote_changeset_applies_once_and_leaves_the_outbox_alone() {
        let db = open();
        let changeset = remote(
            7,
            PAST,
            vec![
                Instruction::create("Task", PrimaryKey::Int(1)),
                at(1, "n", Operation::Set { value: 5.into() }),
                at(1, "n", Operation::AddInteger { delta: 2 }),
            ],
        );
        assert!(db.apply_remote_changeset(&changeset).unwrap());
        assert!(!db.apply_remote_changeset(&changeset).unwrap());
        let state = snapshot(&db);
        assert_eq!(state[&PrimaryKey::Int(1)]["n"], 7.into());
        assert!(db.outbox().unwrap().is_empty());
    }

    #[test]
    fn field_writes_are_last_writer_wins_against_local_ones() {
        let db = open();
        create_local(&db, 1);
        db.write(|t| t.set("Task", &PrimaryKey::Int(1), "a", "local".into()))
            .unwrap();
        db.apply_remote_changeset(&remote(
            7,
            PAST,
            vec![at(
                1,
                "a",
                Operation::Set {
                    value: "old".into(),
                },
            )],
        ))
        .unwrap();
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], "local".into());
        db.apply_remote_changeset(&remote(
            7,
            FUTURE,
            vec![at(
                1,
                "a",
                Operation::Set {
                    value: "new".into(),
                },
            )],
        ))
        .unwrap();
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], "new".into());
        // The local clock moved past the remote one: the next local write wins again.
        db.write(|t| t.set("Task", &PrimaryKey::Int(1), "a", "later".into()))
            .unwrap();
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], "later".into());
    }

    #[test]
    fn a_local_delete_wins_over_a_concurrent_remote_update() {
        let db = open();
        create_local(&db, 1);
        db.write(|t| t.delete("Task", &PrimaryKey::Int(1)).map(|_| ()))
            .unwrap();
        // Made concurrently, with a later clock, by a replica that had not seen the delete.
        db.apply_remote_changeset(&remote(
            7,
            FUTURE,
            vec![at(1, "a", Operation::Set { value: 1.into() })],
        ))
        .unwrap();
        assert!(snapshot(&db).is_empty());
    }

    #[test]
    fn changes_newer_than_an_erase_return_with_a_later_create() {
        let db = open();
        create_local(&db, 1);
        db.write(|t| t.delete("Task", &PrimaryKey::Int(1)).map(|_| ()))
            .unwrap();
        // Concurrent with the delete and newer: kept aside while the object is gone...
        db.apply_remote_changeset(&remote(
            7,
            FUTURE,
            vec![at(
                1,
                "a",
                Operation::Set {
                    value: "kept".into(),
                },
            )],
        ))
        .unwrap();
        assert!(snapshot(&db).is_empty());
        // ...and back when the object is created again (here by a local create).
        create_local(&db, 1);
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], "kept".into());
    }

    #[test]
    fn creates_of_one_primary_key_on_two_replicas_merge_field_by_field() {
        let db = open();
        // Created here without `a`; elsewhere earlier with `a` set.
        create_local(&db, 1);
        db.apply_remote_changeset(&remote(
            7,
            PAST,
            vec![
                Instruction::create("Task", PrimaryKey::Int(1)),
                at(
                    1,
                    "a",
                    Operation::Set {
                        value: "theirs".into(),
                    },
                ),
                at(1, "n", Operation::Set { value: 99.into() }),
            ],
        ))
        .unwrap();
        let task = &snapshot(&db)[&PrimaryKey::Int(1)];
        // `a` was never written here, so theirs counts; `n` was written here later, so ours does.
        assert_eq!(task["a"], "theirs".into());
        assert_eq!(task["n"], 10.into());
    }

    #[test]
    fn a_field_set_after_its_create_in_one_transaction_counts_as_written() {
        let db = open();
        // Created without `a`, then `a` set, in one transaction (the second time with a change
        // that takes the full bookkeeping path at commit).
        for (pk, null_first) in [(1, false), (2, true)] {
            db.write(|t| {
                let mut doc = Document::new();
                doc.insert("_id", pk.into());
                t.create("Task", doc)?;
                if null_first {
                    t.set("Task", &PrimaryKey::Int(pk), "a", Value::Null)?;
                }
                t.set("Task", &PrimaryKey::Int(pk), "a", "ours".into())?;
                Ok::<_, crate::Error>(())
            })
            .unwrap();
        }
        for pk in [1, 2] {
            db.apply_remote_changeset(&remote(
                7,
                PAST,
                vec![at(
                    pk,
                    "a",
                    Operation::Set {
                        value: "theirs".into(),
                    },
                )],
            ))
            .unwrap();
            // The local write is newer than the remote one: it stays.
            assert_eq!(
                snapshot(&db)[&PrimaryKey::Int(pk)]["a"],
                "ours".into(),
                "{pk}"
            );
        }
    }

    #[test]
    fn a_create_that_sets_collections_and_fields_wrote_every_field_it_set() {
        let db = open();
        db.write(|t| {
            let mut emb = Document::new();
            emb.insert("x", "ours".into());
            let mut doc = Document::new();
            doc.insert("_id", 1.into());
            // In schema order the list comes before the embedded-object field.
            doc.insert("l", Value::List(vec![1.into()]));
            doc.insert("emb", Value::Embedded(emb));
            t.create("Task", doc).map(|_| ())
        })
        .unwrap();
        let mut theirs = Document::new();
        theirs.insert("x", "theirs".into());
        db.apply_remote_changeset(&remote(
            7,
            PAST,
            vec![at(
                1,
                "emb",
                Operation::Set {
                    value: Value::Embedded(theirs),
                },
            )],
        ))
        .unwrap();
        // The create wrote `emb` after an older remote write: the create's value stays.
        let Value::Embedded(emb) = &snapshot(&db)[&PrimaryKey::Int(1)]["emb"] else {
            panic!("emb is not an embedded object");
        };
        assert_eq!(emb["x"], "ours".into());
    }

    #[test]
    fn local_additions_count_on_top_of_an_older_remote_set() {
        let db = open();
        create_local(&db, 1);
        db.write(|t| {
            t.add_integer("Task", &PrimaryKey::Int(1), "n", 3)
                .map(|_| ())
        })
        .unwrap();
        // A set made before the local addition (older clock) but received after it.
        db.apply_remote_changeset(&remote(
            7,
            PAST,
            vec![at(1, "n", Operation::Set { value: 100.into() })],
        ))
        .unwrap();
        // The remote set is older than the local create's write of n, so it loses; the sum stays.
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["n"], 13.into());
        db.apply_remote_changeset(&remote(
            8,
            FUTURE,
            vec![at(1, "n", Operation::AddInteger { delta: 4 })],
        ))
        .unwrap();
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["n"], 17.into());
    }

    #[test]
    fn a_bad_remote_changeset_is_an_error_and_changes_nothing() {
        let db = open();
        let changeset = remote(
            7,
            PAST,
            vec![
                Instruction::create("Task", PrimaryKey::Int(1)),
                at(1, "nope", Operation::Set { value: 1.into() }),
            ],
        );
        let err = db
            .apply_remote_changeset(&changeset)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope"), "{err}");
        assert!(snapshot(&db).is_empty());
        let changeset = remote(
            7,
            PAST,
            vec![Instruction::create("Ghost", PrimaryKey::Int(1))],
        );
        assert!(db.apply_remote_changeset(&changeset).is_err());
        // A type mismatch is refused too.
        let changeset = remote(
            7,
            PAST + 1,
            vec![
                Instruction::create("Task", PrimaryKey::Int(2)),
                at(
                    2,
                    "n",
                    Operation::Set {
                        value: "ten".into(),
                    },
                ),
            ],
        );
        assert!(db.apply_remote_changeset(&changeset).is_err());
        assert!(snapshot(&db).is_empty());
    }

    #[test]
    fn the_outbox_lists_local_changesets_in_order_and_forgets_uploaded_ones() {
        let db = open();
        create_local(&db, 1);
        create_local(&db, 2);
        create_local(&db, 3);
        let pending = db.outbox().unwrap();
        assert_eq!(pending.len(), 3);
        assert!(pending
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1.clock < w[1].1.clock));
        assert_eq!(db.remove_from_outbox(pending[1].0).unwrap(), 2);
        let rest = db.outbox().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].0, pending[2].0);
    }

    #[test]
    fn local_changesets_integrate_elsewhere_to_the_same_state() {
        let source = open();
        source
            .write(|t| {
                let mut doc = Document::new();
                doc.insert("_id", 1.into());
                doc.insert("a", "x".into());
                doc.insert("l", Value::List(vec![1.into(), 2.into()]));
                doc.insert("s", Value::Set(vec![3.into()]));
                t.create("Task", doc)?;
                t.list_insert("Task", &PrimaryKey::Int(1), "l", 1, 9.into())?;
                t.add_integer("Task", &PrimaryKey::Int(1), "n", 0).ok();
                t.set_add("Task", &PrimaryKey::Int(1), "s", 4.into())?;
                t.dict_set("Task", &PrimaryKey::Int(1), "d", "k", "v".into())
            })
            .unwrap();
        let copy = open();
        for (_, changeset) in source.outbox().unwrap() {
            assert!(copy.apply_remote_changeset(&changeset).unwrap());
        }
        assert_eq!(snapshot(&copy), snapshot(&source));
    }

    #[test]
    fn local_embedded_objects_integrate_elsewhere_to_the_same_state() {
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "Owner",
                vec![
                    Property::new("_id", PropertyType::String),
                    Property::link("home", "Address"),
                    Property::link("past", "Address").list(),
                    Property::link("byName", "Address").dictionary(),
                    Property::new("age", PropertyType::Int),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new(
                "Address",
                vec![
                    Property::new("street", PropertyType::String),
                    Property::new("tags", PropertyType::String).list(),
                ],
            )
            .into_embedded(),
        ]);
        let source = Database::open_temporary(Config::new(schema.clone())).unwrap();
        let copy = Database::open_temporary(Config::new(schema)).unwrap();
        let address = |street: &str, tags: &[&str]| {
            let mut doc = Document::new();
            doc.insert("street", street.into());
            doc.insert(
                "tags",
                Value::List(tags.iter().map(|t| (*t).into()).collect()),
            );
            Value::Embedded(doc)
        };
        let pk = PrimaryKey::String("ann".into());
        source
            .write(|t| {
                let mut doc = Document::new();
                doc.insert("_id", "ann".into());
                doc.insert("home", address("Main", &["a", "b"]));
                doc.insert("past", Value::List(vec![address("Old", &["c"])]));
                doc.insert(
                    "byName",
                    Value::Dictionary([("work".to_owned(), address("Mill", &[]))].into()),
                );
                doc.insert("age", 30.into());
                t.create("Owner", doc).map(|_| ())
            })
            .unwrap();
        source
            .write(|t| {
                t.set("Owner", &pk, "home.street", "High".into())?;
                t.list_push("Owner", &pk, "home.tags", "z".into())?;
                t.set("Owner", &pk, "past[0].street", "Older".into())?;
                t.add_integer("Owner", &pk, "age", 1).map(|_| ())
            })
            .unwrap();
        for (_, changeset) in source.outbox().unwrap() {
            copy.apply_remote_changeset(&changeset).unwrap();
        }
        let read = |db: &Database| db.read(|t| t.get("Owner", &pk)).unwrap().unwrap().fields;
        assert_eq!(read(&copy), read(&source));
    }

    /// A `mixed` property of an embedded object holding a nested list or dictionary is one
    /// value, not a collection property: it is recorded whole (the commit used to read it as
    /// a collection and fail) and reaches another replica as it was written.
    #[test]
    fn nested_collections_in_mixed_inside_embedded_objects_are_recorded_whole() {
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "Owner",
                vec![
                    Property::new("_id", PropertyType::Int),
                    Property::link("home", "Address"),
                    Property::link("past", "Address").list(),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new(
                "Address",
                vec![
                    Property::new("extra", PropertyType::Mixed).optional(),
                    Property::new("tags", PropertyType::String).list(),
                ],
            )
            .into_embedded(),
        ]);
        let source = Database::open_temporary(Config::new(schema.clone())).unwrap();
        let copy = Database::open_temporary(Config::new(schema)).unwrap();
        let address = |extra: Value| {
            let mut doc = Document::new();
            doc.insert("extra", extra);
            doc.insert("tags", Value::List(vec!["t".into()]));
            Value::Embedded(doc)
        };
        let nested_list = Value::List(vec![1.into(), Value::List(vec!["x".into()])]);
        let nested_dict = Value::Dictionary([("k".to_owned(), 2.into())].into());
        source
            .write(|t| {
                let mut doc = Document::new();
                doc.insert("_id", 1.into());
                doc.insert("home", address(nested_list.clone()));
                doc.insert("past", Value::List(vec![address(nested_dict.clone())]));
                t.create("Owner", doc).map(|_| ())
            })
            .unwrap();
        let pk = PrimaryKey::Int(1);
        source
            .write(|t| t.list_push("Owner", &pk, "past", address(nested_list.clone())))
            .unwrap();
        let read = |db: &Database| db.read(|t| t.get("Owner", &pk)).unwrap().unwrap().fields;
        let stored = read(&source);
        assert_eq!(stored.get("home"), Some(&address(nested_list.clone())));
        assert_eq!(
            stored.get("past"),
            Some(&Value::List(vec![
                address(nested_dict),
                address(nested_list)
            ]))
        );
        for (_, changeset) in source.outbox().unwrap() {
            copy.apply_remote_changeset(&changeset).unwrap();
        }
        assert_eq!(read(&copy), stored);
    }

    /// A link to a target erased concurrently, where the target is created again later: the
    /// link is unresolved while the target is absent and resolves when it comes back, in
    /// whatever order the link and the re-create arrive (and like the in-memory reference).
    #[test]
    fn links_to_an_erased_target_resolve_when_it_is_created_again() {
        let link = Value::Link(Link {
            class: "Task".into(),
            pk: PrimaryKey::Int(2),
        });
        let eid = |ms: u64, seq: u32| ElementId {
            clock: Hlc::new(ms, 0).unwrap(),
            replica: ReplicaId::new(3).unwrap(),
            seq,
        };
        let base = remote(
            1,
            PAST,
            vec![
                Instruction::create("Task", PrimaryKey::Int(1)),
                Instruction::create("Task", PrimaryKey::Int(2)),
            ],
        );
        let erase = remote(
            2,
            PAST + 5,
            vec![Instruction::erase("Task", PrimaryKey::Int(2))],
        );
        // Made by a replica that had seen only the base: the target existed there.
        let links = remote(
            3,
            PAST + 6,
            vec![
                at(
                    1,
                    "a",
                    Operation::Set {
                        value: link.clone(),
                    },
                ),
                at(
                    1,
                    "l",
                    Operation::ListInsert {
                        element: eid(PAST + 6, 0),
                        position: vec![80],
                        value: link.clone(),
                    },
                ),
                at(
                    1,
                    "s",
                    Operation::SetAdd {
                        value: link.clone(),
                    },
                ),
                at(
                    1,
                    "d",
                    Operation::DictionarySet {
                        key: "k".into(),
                        value: link.clone(),
                    },
                ),
                at(
                    1,
                    "emb",
                    Operation::Set {
                        value: Value::Embedded(Document::from_iter([(
                            "x".to_owned(),
                            link.clone(),
                        )])),
                    },
                ),
                at(
                    1,
                    "de",
                    Operation::DictionarySet {
                        key: "e".into(),
                        value: Value::Embedded(Document::from_iter([(
                            "v".to_owned(),
                            link.clone(),
                        )])),
                    },
                ),
            ],
        );
        let recreate = remote(
            2,
            PAST + 7,
            vec![Instruction::create("Task", PrimaryKey::Int(2))],
        );
        let all = [base, erase, links, recreate];
        let mut reference = InMemoryStore::new();
        for changeset in &all {
            integrate(&mut reference, changeset).unwrap();
        }
        let expected = reference
            .object(&Link {
                class: "Task".into(),
                pk: PrimaryKey::Int(1),
            })
            .unwrap();
        assert_eq!(expected["a"], link);
        let mut states = Vec::new();
        for order in [[0, 1, 2, 3], [0, 1, 3, 2], [0, 2, 1, 3]] {
            let state = final_state(&all, &order);
            let task = &state[&PrimaryKey::Int(1)];
            for name in ["a", "l", "s", "d"] {
                assert_eq!(
                    Some(&task[name]),
                    expected.get(name),
                    "{name} after {order:?}"
                );
            }
            let inner = |v: &Value, field: &str| match v {
                Value::Embedded(doc) => doc.get(field).cloned(),
                Value::Dictionary(map) => match map.get("e") {
                    Some(Value::Embedded(doc)) => doc.get(field).cloned(),
                    _ => None,
                },
                _ => None,
            };
            assert_eq!(inner(&task["emb"], "x"), Some(link.clone()), "{order:?}");
            assert_eq!(inner(&task["de"], "v"), Some(link.clone()), "{order:?}");
            states.push(state);
        }
        assert!(states.windows(2).all(|w| w[0] == w[1]));
        // While the target is absent, the links read as null or are left out.
        let state = final_state(&all, &[0, 2, 1]);
        let task = &state[&PrimaryKey::Int(1)];
        assert_eq!(task["a"], Value::Null);
        assert_eq!(task["l"], Value::List(Vec::new()));
        assert_eq!(task["s"], Value::Set(Vec::new()));
        assert_eq!(
            task["d"],
            Value::Dictionary([("k".to_owned(), Value::Null)].into())
        );
    }

    fn final_state(changesets: &[Changeset], order: &[usize]) -> BTreeMap<PrimaryKey, Document> {
        let db = open();
        for &i in order {
            db.apply_remote_changeset(&changesets[i]).unwrap();
        }
        snapshot(&db)
    }

    fn task_link(pk: i64) -> Value {
        Value::Link(Link {
            class: "Task".into(),
            pk: PrimaryKey::Int(pk),
        })
    }

    /// Task 1 links to task 2 in a field, a list, a set and a dictionary (local writes).
    fn link_locally(db: &Database) {
        create_local(db, 1);
        create_local(db, 2);
        db.write(|t| {
            let one = PrimaryKey::Int(1);
            t.set("Task", &one, "a", task_link(2))?;
            t.list_push("Task", &one, "l", task_link(2))?;
            t.list_push("Task", &one, "l", 5.into())?;
            t.set_add("Task", &one, "s", task_link(2))?;
            t.dict_set("Task", &one, "d", "k", task_link(2))
        })
        .unwrap();
    }

    #[test]
    fn a_local_delete_keeps_links_unresolved_until_a_create_brings_them_back() {
        let db = open();
        link_locally(&db);
        let copy = open();
        db.write(|t| t.delete("Task", &PrimaryKey::Int(2)).map(|_| ()))
            .unwrap();
        // Locally, as before: the link is null and gone from the list and the set.
        let task = &snapshot(&db)[&PrimaryKey::Int(1)];
        assert_eq!(task["a"], Value::Null);
        assert_eq!(task["l"], Value::List(vec![5.into()]));
        assert_eq!(task["s"], Value::Set(Vec::new()));
        assert_eq!(
            task["d"],
            Value::Dictionary([("k".to_owned(), Value::Null)].into())
        );
        for (_, changeset) in db.outbox().unwrap() {
            copy.apply_remote_changeset(&changeset).unwrap();
        }
        assert_eq!(snapshot(&copy), snapshot(&db));
        // Created again by another replica: the links resolve on both.
        let recreate = remote(
            7,
            FUTURE,
            vec![Instruction::create("Task", PrimaryKey::Int(2))],
        );
        db.apply_remote_changeset(&recreate).unwrap();
        copy.apply_remote_changeset(&recreate).unwrap();
        let task = &snapshot(&db)[&PrimaryKey::Int(1)];
        assert_eq!(task["a"], task_link(2));
        assert_eq!(task["l"], Value::List(vec![task_link(2), 5.into()]));
        assert_eq!(task["s"], Value::Set(vec![task_link(2)]));
        assert_eq!(
            task["d"],
            Value::Dictionary([("k".to_owned(), task_link(2))].into())
        );
        assert_eq!(snapshot(&copy), snapshot(&db));
    }

    #[test]
    fn a_local_create_resolves_links_and_later_writes_are_not_undone() {
        let db = open();
        link_locally(&db);
        db.write(|t| t.delete("Task", &PrimaryKey::Int(2)).map(|_| ()))
            .unwrap();
        // Written over while the target is gone: that write stays.
        db.write(|t| {
            let one = PrimaryKey::Int(1);
            t.set("Task", &one, "a", 9.into())?;
            t.dict_set("Task", &one, "d", "k", "v".into())
        })
        .unwrap();
        create_local(&db, 2);
        let task = &snapshot(&db)[&PrimaryKey::Int(1)];
        assert_eq!(task["a"], 9.into());
        assert_eq!(
            task["d"],
            Value::Dictionary([("k".to_owned(), "v".into())].into())
        );
        // Untouched places get their link back.
        assert_eq!(task["l"], Value::List(vec![task_link(2), 5.into()]));
        assert_eq!(task["s"], Value::Set(vec![task_link(2)]));
        // Cleared while the target was gone: the link does not come back.
        db.write(|t| t.delete("Task", &PrimaryKey::Int(2)).map(|_| ()))
            .unwrap();
        db.write(|t| t.clear("Task", &PrimaryKey::Int(1), "l"))
            .unwrap();
        create_local(&db, 2);
        assert_eq!(
            snapshot(&db)[&PrimaryKey::Int(1)]["l"],
            Value::List(Vec::new())
        );
    }

    /// What an observer of task 1 hears: the changed property names of each change.
    type Heard = std::sync::Arc<std::sync::Mutex<Vec<Vec<String>>>>;

    /// Observes task 1; the handle keeps the observer registered.
    fn observe_task_1(db: &Database) -> (Heard, crate::ObserverHandle) {
        let heard = Heard::default();
        let sink = std::sync::Arc::clone(&heard);
        let handle = db
            .observe_object("Task", &PrimaryKey::Int(1), move |event| {
                if let crate::ChangeEvent::ObjectChanged { properties, .. } = event {
                    sink.lock().unwrap().push(properties.clone());
                }
            })
            .unwrap();
        (heard, handle)
    }

    #[test]
    fn observers_hear_of_links_a_local_create_brings_back() {
        let db = open();
        link_locally(&db);
        let (heard, _handle) = observe_task_1(&db);
        db.write(|t| t.delete("Task", &PrimaryKey::Int(2)).map(|_| ()))
            .unwrap();
        create_local(&db, 2);
        let heard = heard.lock().unwrap().clone();
        // The delete nulled the links, the create brought them back: both are changes.
        assert_eq!(heard.len(), 2, "{heard:?}");
        assert!(heard[1].iter().any(|p| p == "a"), "{heard:?}");
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], task_link(2));
    }

    #[test]
    fn observers_hear_of_links_a_merge_unresolves_and_resolves() {
        let db = open();
        link_locally(&db);
        let (heard, _handle) = observe_task_1(&db);
        db.apply_remote_changeset(&remote(
            7,
            FUTURE,
            vec![Instruction::erase("Task", PrimaryKey::Int(2))],
        ))
        .unwrap();
        db.apply_remote_changeset(&remote(
            7,
            FUTURE + 1,
            vec![Instruction::create("Task", PrimaryKey::Int(2))],
        ))
        .unwrap();
        let heard = heard.lock().unwrap().clone();
        assert_eq!(heard.len(), 2, "{heard:?}");
        for properties in &heard {
            for name in ["a", "l", "s", "d"] {
                assert!(properties.iter().any(|p| p == name), "{name}: {heard:?}");
            }
        }
        assert_eq!(snapshot(&db)[&PrimaryKey::Int(1)]["a"], task_link(2));
    }

    #[test]
    fn remote_changes_to_a_hidden_list_element_apply_to_it() {
        let db = open();
        let element = ElementId {
            clock: Hlc::new(PAST + 2, 0).unwrap(),
            replica: ReplicaId::new(7).unwrap(),
            seq: 0,
        };
        let base = remote(
            7,
            PAST + 2,
            vec![
                Instruction::create("Task", PrimaryKey::Int(1)),
                at(
                    1,
                    "l",
                    Operation::ListInsert {
                        element,
                        position: vec![80],
                        value: task_link(2),
                    },
                ),
            ],
        );
        db.apply_remote_changeset(&base).unwrap();
        // Task 2 never existed here: the element is hidden...
        assert_eq!(
            snapshot(&db)[&PrimaryKey::Int(1)]["l"],
            Value::List(Vec::new())
        );
        // ...but a later write to it applies, and shows it.
        db.apply_remote_changeset(&remote(
            8,
            PAST + 3,
            vec![at(
                1,
                "l",
                Operation::ListSet {
                    element,
                    value: "now".into(),
                },
            )],
        ))
        .unwrap();
        assert_eq!(
            snapshot(&db)[&PrimaryKey::Int(1)]["l"],
            Value::List(vec!["now".into()])
        );
    }

    /// A value as the in-memory reference shows it: fields never written, null fields and
    /// empty collections left out (SQLite keeps every property, blank when unset).
    fn as_reference(value: Value) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::List(items) if items.is_empty() => None,
            Value::Set(items) if items.is_empty() => None,
            Value::Dictionary(map) if map.is_empty() => None,
            Value::Embedded(doc) => Some(Value::Embedded(
                doc.into_iter()
                    .filter_map(|(k, v)| as_reference(v).map(|v| (k, v)))
                    .collect(),
            )),
            Value::List(items) => Some(Value::List(
                items
                    .into_iter()
                    .map(|v| as_reference(v.clone()).unwrap_or(v))
                    .collect(),
            )),
            Value::Dictionary(map) => Some(Value::Dictionary(
                map.into_iter()
                    .map(|(k, v)| (k, as_reference(v.clone()).unwrap_or(v)))
                    .collect(),
            )),
            other => Some(other),
        }
    }

    fn normalized(
        state: BTreeMap<PrimaryKey, Document>,
    ) -> BTreeMap<PrimaryKey, BTreeMap<String, Value>> {
        state
            .into_iter()
            .map(|(pk, doc)| {
                let fields = doc
                    .into_iter()
                    .filter(|(k, _)| k != "_id")
                    .filter_map(|(k, v)| as_reference(v).map(|v| (k, v)))
                    .collect();
                (pk, fields)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The SQLite store ends where the in-memory reference does, links to erased and
        /// re-created objects included.
        #[test]
        fn the_sqlite_store_agrees_with_the_in_memory_reference(
            seed in any::<u64>(),
            replicas in 2u64..5,
            steps in 1usize..16,
        ) {
            let history = random_history(seed, replicas, steps, true);
            let order = random_delivery(&history, seed);
            let sqlite = normalized(final_state(&history.changesets, &order));
            let reference: BTreeMap<PrimaryKey, BTreeMap<String, Value>> =
                crate::sync::merge::tests::final_state(&history.changesets, &order)
                    .into_iter()
                    .map(|(link, doc)| {
                        let fields = doc
                            .into_iter()
                            .filter_map(|(k, v)| as_reference(v).map(|v| (k, v)))
                            .collect();
                        (link.pk, fields)
                    })
                    .collect();
            prop_assert_eq!(sqlite, reference, "delivery order {:?}", order);
        }

        #[test]
        fn remote_changesets_converge_on_sqlite_in_every_causal_order(
            seed in any::<u64>(),
            replicas in 2u64..5,
            steps in 1usize..16,
        ) {
            let history = random_history(seed, replicas, steps, true);
            let reference_order: Vec<usize> = (0..history.changesets.len()).collect();
            let reference = final_state(&history.changesets, &reference_order);
            for k in 0..2u64 {
                let order = random_delivery(&history, seed.wrapping_add(k));
                let state = final_state(&history.changesets, &order);
                prop_assert_eq!(&state, &reference, "delivery order {:?}", order);
            }
        }
    }
}
