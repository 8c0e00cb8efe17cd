//! SQLite storage: table layout, transactions, migrations, objects, query execution.
//!
//! # On-disk layout
//!
//! A Syncline database is one SQLite file in WAL mode whose `application_id` pragma is
//! [`APPLICATION_ID`] (`"SYNC"`), so a foreign SQLite file or a non-SQLite file is recognised
//! and refused with a clear error.
//!
//! Internal tables all start with `__syncline_`:
//! - `__syncline_meta(key, value)`: `format_version` ([`FORMAT_VERSION`]), `schema_version`,
//!   `replica_id`, `clock` (the last hybrid logical clock handed out, so clocks never go back
//!   across restarts).
//! - `__syncline_classes` / `__syncline_properties`: the schema the file was written with, one
//!   row per class and per property (`type`, `collection`, `optional`, `indexed`,
//!   `object_type`, `origin_property`), compared with the app's schema on open to find
//!   additive changes and migrations.
//! - `__syncline_field_clocks(tbl, row, prop, clock, replica)`: the clock of the last write of
//!   each field changed after its object's creation. A field without a row here carries its
//!   object's creation stamp (`_clock`, `_replica` columns), which keeps inserts cheap.
//! - `__syncline_tombstones(class, pk, clock, replica)`: deleted objects of classes with a
//!   primary key, so that a merge can let deletes win over concurrent updates.
//! - `__syncline_outbox(id, changeset)`: one row per committed local write transaction, written
//!   in that same SQLite transaction, in the compact encoding of [`outbox`].
//!
//! Each class `C` has a table named `C` with:
//! - `_row INTEGER PRIMARY KEY`: the internal row key (what links store; the "primary key" of a
//!   class without a declared one),
//! - `_clock`, `_replica`: the creation stamp,
//! - one typed column per single-valued property: `INTEGER` for bool/int, `REAL` for
//!   float/double, `TEXT` for string, `BLOB` for binary/objectId (12 bytes)/uuid (16 bytes)/
//!   decimal128 (16 bytes, BSON order), dates as a 12-byte order-preserving `BLOB` (big-endian
//!   seconds with the sign bit flipped, then nanoseconds) so SQL comparisons keep their meaning;
//!   links and embedded objects as the `_row` of the target (embedded classes have tables of
//!   their own; an embedded row belongs to exactly one parent slot); a NaN float/double is
//!   stored as the text `'NaN'` (SQLite would turn it into NULL), which the query compiler
//!   keeps out of numeric comparisons and sorts before the numbers, as the evaluator does,
//! - for a `mixed` property, an untyped column `p` plus an `INTEGER` tag column `p@type`
//!   (`encode::MixedTag`); numbers stay SQLite numbers so numeric comparisons work.
//!
//! Each collection property `C.p` has an element table `C.p` with `owner` (the `_row` of the
//! object), `value` (encoded as above, plus `value@type` for mixed) and an index on
//! `(value, owner)` so that `ANY p == x` and `x IN p` are index lookups:
//! - lists add `pos BLOB` (an ordering key from [`order_key`], independent of integer
//!   positions) and a stable element id `(eclock, ereplica, eseq)`; elements are ordered by
//!   `(pos, eclock, ereplica, eseq)`, so concurrent inserts at the same place merge
//!   deterministically,
//! - sets have a unique `(owner, value)` index,
//! - dictionaries add `key TEXT` with a unique `(owner, key)` index.
//!
//! Indexed properties and primary keys get SQLite indexes (`C.p.idx`, unique for the primary
//! key); link columns are indexed too, since deleting a target nulls them, and so are the link
//! values of a `mixed` column (a partial index `C.p.links`). Rows whose mixed value holds a
//! nested list or dictionary have a partial index too (`C.p.nested` on a column, `C.p.nested`
//! on a mixed collection's element table), so the links inside them are looked for only there.
//! `reverse` finds what links to an object, or holds an embedded one, through those indexes.
//!
//! # Connections and transactions
//!
//! One writer connection (`synchronous = FULL`: a returned commit survives a power loss) and
//! a pool of reader connections, each with the SQL functions `sl_fold(text)` (the `[c]` case
//! folding), `sl_mixed_link(class, row)` (a link as a mixed column stores it) and
//! `sl_nested_links(collection, class, pk)` (the links to one object inside a nested
//! collection of a mixed value), for backlink counts in SQL. The public API over them is [`crate::db`]; queries are compiled by `sql` (bound
//! parameters only; what SQL cannot answer exactly is evaluated in memory through the
//! `ObjectSource` of `source`). The sync merge (`sync_store`) applies remote changesets
//! through the same object primitives (`objects::Store`).

pub(crate) mod encode;
pub(crate) mod layout;
pub(crate) mod meta;
pub(crate) mod objects;
pub mod order_key;
pub mod outbox;
pub mod path;
pub(crate) mod recorder;
pub(crate) mod reverse;
pub(crate) mod source;
pub(crate) mod sql;
pub(crate) mod sync_store;
pub(crate) mod writer;

pub use path::PathElement;

/// The value of SQLite's `application_id` pragma in every Syncline file: ASCII `"SYNC"`.
pub const APPLICATION_ID: i32 = 0x5359_4E43;

/// The version of the on-disk layout this build writes and reads.
pub const FORMAT_VERSION: i64 = 1;

/// Errors of the storage layer: opening files, schema mismatches, object writes and reads.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An error reported by SQLite that has no more specific meaning here.
    #[error("SQLite error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is not an SQLite database at all.
    #[error("{path} is not a Syncline database: the file is not an SQLite database")]
    NotADatabase {
        /// The file that was opened.
        path: String,
    },
    /// The file is an SQLite database made by another application.
    #[error("{path} is not a Syncline database: it is an SQLite database of another application (application_id {application_id:#x})")]
    ForeignDatabase {
        /// The file that was opened.
        path: String,
        /// The file's `application_id` pragma.
        application_id: i32,
    },
    /// The file is damaged.
    #[error("the database is corrupted: {detail}")]
    Corrupt {
        /// What was found wrong.
        detail: String,
    },
    /// The file was written by a newer Syncline with a layout this build cannot read.
    #[error("the database has format version {found}, newer than the supported {supported}; upgrade Syncline to open it")]
    NewerFormat {
        /// The file's format version.
        found: i64,
        /// The newest format this build supports.
        supported: i64,
    },
    /// The file was written with a higher schema version than the app's schema.
    #[error(
        "the database has schema version {on_disk}, newer than the app's schema version {given}"
    )]
    NewerSchemaVersion {
        /// The schema version stored in the file.
        on_disk: u64,
        /// The schema version the app opened it with.
        given: u64,
    },
    /// The app's schema differs from the file's in ways that need a migration.
    #[error("the schema changed and needs a migration (a higher schema_version and a migration callback): {}", changes.join("; "))]
    MigrationRequired {
        /// Each change that is not additive, e.g. `property 'Dog.age' changed type from int to string`.
        changes: Vec<String>,
    },
    /// The schema cannot be stored (e.g. a name that collides with an internal table).
    #[error("invalid schema for storage: class '{class}': {reason}")]
    InvalidSchema {
        /// The class concerned.
        class: String,
        /// What is wrong.
        reason: String,
    },
    /// A class name that the schema does not have.
    #[error("unknown class '{class}'")]
    UnknownClass {
        /// The class named.
        class: String,
    },
    /// A property name that the class does not have.
    #[error("unknown property '{class}.{property}'")]
    UnknownProperty {
        /// The class.
        class: String,
        /// The property named.
        property: String,
    },
    /// A value of the wrong type for a property.
    #[error("property '{class}.{property}' expects {expected}, got {found}")]
    TypeMismatch {
        /// The class.
        class: String,
        /// The property.
        property: String,
        /// The type the schema requires.
        expected: String,
        /// The type of the value given.
        found: String,
    },
    /// A required property was not given, or given as null.
    #[error("property '{class}.{property}' is required and cannot be null or missing")]
    MissingRequired {
        /// The class.
        class: String,
        /// The property.
        property: String,
    },
    /// An object with the same primary key exists already.
    #[error("an object of class '{class}' with primary key {pk} already exists")]
    DuplicatePrimaryKey {
        /// The class.
        class: String,
        /// The primary key, printed.
        pk: String,
    },
    /// No object with the given primary key.
    #[error("no object of class '{class}' with primary key {pk}")]
    ObjectNotFound {
        /// The class.
        class: String,
        /// The primary key, printed.
        pk: String,
    },
    /// A link names an object that does not exist (or a class it may not point to).
    #[error("property '{class}.{property}' links to {target}, which does not exist")]
    DanglingLink {
        /// The class holding the link.
        class: String,
        /// The link property.
        property: String,
        /// The target, printed as `Class(pk)`.
        target: String,
    },
    /// A property path that cannot be followed.
    #[error("invalid property path '{path}' on class '{class}': {reason}")]
    InvalidPath {
        /// The class the path starts at.
        class: String,
        /// The path as given.
        path: String,
        /// Why it cannot be followed.
        reason: String,
    },
    /// A list index beyond the end of the list.
    #[error("index {index} is out of bounds for '{class}.{property}' of length {len}")]
    IndexOutOfBounds {
        /// The class owning the list.
        class: String,
        /// The list property.
        property: String,
        /// The index given.
        index: usize,
        /// The list's length.
        len: usize,
    },
    /// An operation that the property's kind does not support (e.g. `set_add` on a list).
    #[error("'{class}.{property}' does not support {operation}: {reason}")]
    UnsupportedOperation {
        /// The class.
        class: String,
        /// The property.
        property: String,
        /// The operation attempted.
        operation: &'static str,
        /// Why not.
        reason: String,
    },
    /// An operation that an asymmetric (insert-only) class does not support: its objects are
    /// created, uploaded through the sync outbox and not kept locally, so they cannot be read,
    /// queried, observed, updated, upserted or deleted.
    #[error("class '{class}' is asymmetric (insert-only: its objects go to the sync outbox and are not kept locally): {reason}")]
    AsymmetricClass {
        /// The asymmetric class.
        class: String,
        /// What was attempted and why it cannot be done.
        reason: String,
    },
    /// A write transaction is already open on this thread (nested writes would deadlock).
    #[error("a write transaction is already open on this thread; use that transaction")]
    NestedWrite,
    /// The database could not be opened or prepared at the given path.
    #[error("cannot open database {path}: {reason}")]
    Open {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
}

impl StorageError {
    pub(crate) fn corrupt(detail: impl Into<String>) -> Self {
        StorageError::Corrupt {
            detail: detail.into(),
        }
    }
}

/// Result of storage operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
