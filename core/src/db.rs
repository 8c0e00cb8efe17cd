//! The public database API: open a file with a schema, read and write objects in transactions.
//!
//! ```no_run
//! # fn main() -> Result<(), syncline_core::Error> {
//! use syncline_core::{Config, Database, Document, PrimaryKey, Property, PropertyType, Schema};
//! use syncline_core::ObjectSchema;
//!
//! let schema = Schema::new(vec![ObjectSchema::new(
//!     "Task",
//!     vec![Property::new("_id", PropertyType::Int), Property::new("title", PropertyType::String)],
//! )
//! .with_primary_key("_id")]);
//! let db = Database::open("tasks.db", Config::new(schema))?;
//! db.write(|txn| {
//!     let mut task = Document::new();
//!     task.insert("_id", 1.into());
//!     task.insert("title", "Write docs".into());
//!     txn.create("Task", task)?;
//!     txn.set("Task", &PrimaryKey::Int(1), "title", "Write more docs".into())
//! })?;
//! let title = db.read(|txn| txn.get("Task", &PrimaryKey::Int(1)))?;
//! # let _ = title;
//! # Ok(())
//! # }
//! ```
//!
//! A [`Database`] is `Send + Sync` and cheap to clone; it holds one writer connection and a pool
//! of reader connections. A [`WriteTransaction`] owns the writer until it is committed,
//! cancelled or dropped (which rolls back); a [`ReadTransaction`] reads a consistent snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::query::{BoundQuery, ObjectSource, QueryError};
use crate::schema::{Collection, ObjectSchema, PropertyType, Schema};
use crate::storage::encode;
use crate::storage::layout::{self, storage_of, Catalog, Storage};
use crate::storage::meta::{self, FileState};
use crate::storage::objects::{pk_display, Store, Target, WriteCtx};
use crate::storage::path::{self, PathElement};
use crate::storage::recorder::Recorder;
use crate::storage::writer::WriterConn;
use crate::storage::{sql, StorageError};
use crate::sync::{Changeset, Hlc, HybridClock, Operation, PathSegment, ReplicaId, Stamp};
use crate::value::{Document, Link, PrimaryKey, Value};

/// A migration callback: runs inside the write transaction that upgrades the file.
pub type MigrationCallback = Arc<dyn Fn(&mut Migration<'_>) -> Result<()> + Send + Sync>;

/// A callback run after each commit that changed objects.
pub type CommitHook = Arc<dyn Fn(&CommitInfo) + Send + Sync>;

/// How to open a database.
#[derive(Clone)]
pub struct Config {
    /// The app's schema.
    pub schema: Schema,
    /// The app's schema version; raise it (and give a migration) for non-additive changes.
    pub schema_version: u64,
    /// Called when the file's schema version is lower than `schema_version`.
    pub migration: Option<MigrationCallback>,
    /// Whether local writes are recorded in the sync outbox (on by default; a local-only
    /// database may turn it off).
    pub outbox: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("schema", &self.schema)
            .field("schema_version", &self.schema_version)
            .field("migration", &self.migration.as_ref().map(|_| "callback"))
            .field("outbox", &self.outbox)
            .finish()
    }
}

impl Config {
    /// A configuration with `schema`, schema version 0, no migration, outbox on.
    pub fn new(schema: Schema) -> Self {
        Config {
            schema,
            schema_version: 0,
            migration: None,
            outbox: true,
        }
    }

    /// Sets the schema version.
    pub fn with_schema_version(mut self, version: u64) -> Self {
        self.schema_version = version;
        self
    }

    /// Sets the migration callback.
    pub fn with_migration(
        mut self,
        callback: impl Fn(&mut Migration<'_>) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.migration = Some(Arc::new(callback));
        self
    }

    /// Turns the sync outbox on or off.
    pub fn with_outbox(mut self, outbox: bool) -> Self {
        self.outbox = outbox;
        self
    }
}

/// An object read from the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Its class.
    pub class: String,
    /// Its primary key (its row key for a class without a primary key).
    pub pk: PrimaryKey,
    /// Its stored properties by name (links as `Value::Link`, embedded objects as
    /// `Value::Embedded`, collections as `Value::List`/`Set`/`Dictionary`).
    pub fields: Document,
}

impl Object {
    /// The value of property `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// A link to this object.
    pub fn link(&self) -> Link {
        Link {
            class: self.class.clone(),
            pk: self.pk.clone(),
        }
    }
}

/// What happened to one object in a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectChangeKind {
    /// The object was created.
    Created,
    /// Properties of the object changed (top-level property names).
    Modified(BTreeSet<String>),
    /// The object was deleted.
    Deleted,
}

/// The changes of one committed write transaction, given to commit hooks.
#[derive(Debug, Clone, Default)]
pub struct CommitInfo {
    /// Changed top-level objects by class, then by primary key (row key without one).
    pub objects: BTreeMap<String, BTreeMap<PrimaryKey, ObjectChangeKind>>,
}

impl CommitInfo {
    fn note(&mut self, class: &str, pk: PrimaryKey, kind: ObjectChangeKind) {
        let entry = self.objects.entry(class.to_owned()).or_default();
        match (entry.get_mut(&pk), kind) {
            (None, kind) => {
                entry.insert(pk, kind);
            }
            (Some(existing), ObjectChangeKind::Deleted) => *existing = ObjectChangeKind::Deleted,
            (Some(ObjectChangeKind::Modified(props)), ObjectChangeKind::Modified(more)) => {
                props.extend(more)
            }
            (Some(existing @ ObjectChangeKind::Deleted), ObjectChangeKind::Created) => {
                *existing = ObjectChangeKind::Created
            }
            (Some(_), _) => {}
        }
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// Identifies a registered commit hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookId(u64);

struct WriterSlot {
    conn: Option<WriterConn>,
    holder: Option<ThreadId>,
}

struct Inner {
    path: PathBuf,
    temporary: bool,
    catalog: Arc<Catalog>,
    replica: ReplicaId,
    outbox: bool,
    clock: Mutex<HybridClock>,
    writer: Mutex<WriterSlot>,
    writer_free: Condvar,
    readers: Mutex<Vec<Connection>>,
    hooks: Mutex<(u64, Vec<(u64, CommitHook)>)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.temporary {
            // Close every connection before the files go.
            if let Ok(mut w) = self.writer.lock() {
                w.conn = None;
            }
            if let Ok(mut r) = self.readers.lock() {
                r.clear();
            }
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                // A missing file is fine: SQLite may not have created it.
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind, still usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A Syncline database: one SQLite file opened with the app's schema.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

/// A reference to a database that does not keep it open: observers hold one, so that an
/// observer nobody cancelled does not keep the file open.
#[derive(Clone)]
pub(crate) struct WeakDatabase(std::sync::Weak<Inner>);

impl WeakDatabase {
    /// The database, unless every [`Database`] handle is gone.
    pub(crate) fn upgrade(&self) -> Option<Database> {
        self.0.upgrade().map(|inner| Database { inner })
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (or creates) the database at `path` with `config`'s schema, migrating it when the
    /// schema changed (automatically for additive changes, through the migration callback
    /// otherwise).
    pub fn open(path: impl AsRef<Path>, config: Config) -> Result<Database> {
        Self::open_at(path.as_ref().to_path_buf(), false, config)
    }

    /// Opens a new private database in a temporary file that is deleted when the last handle
    /// is dropped (for tests and scratch data).
    pub fn open_temporary(config: Config) -> Result<Database> {
        let path = std::env::temp_dir().join(format!("syncline-{}.db", uuid::Uuid::new_v4()));
        Self::open_at(path, true, config)
    }

    /// The schema and schema version stored in the Syncline file at `path` (defaults are not
    /// stored), read without preparing the file for use; `None` when there is no file yet or
    /// it is empty. A file that is not a Syncline database is an error.
    pub fn stored_schema(path: impl AsRef<Path>) -> Result<Option<(Schema, u64)>> {
        let path = path.as_ref();
        // Opening a connection creates a missing file; a tool asking about a file must not.
        if !path.exists() {
            return Ok(None);
        }
        let conn = meta::open_connection(path)?;
        match meta::inspect(&conn, path)? {
            FileState::New => Ok(None),
            FileState::Existing {
                schema_version,
                schema,
            } => Ok(Some((schema, schema_version))),
        }
    }

    /// Opens an existing Syncline file with the schema and schema version stored in it, for
    /// tools that inspect a file without the app's schema. A missing or empty file is an error.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Database> {
        let path = path.as_ref();
        let Some((schema, version)) = Self::stored_schema(path)? else {
            return Err(StorageError::Open {
                path: path.display().to_string(),
                reason: if path.exists() {
                    "the file is empty, not a Syncline database".into()
                } else {
                    "no such file".into()
                },
            }
            .into());
        };
        Self::open(path, Config::new(schema).with_schema_version(version))
    }

    fn open_at(path: PathBuf, temporary: bool, config: Config) -> Result<Database> {
        config.schema.validate(false)?;
        layout::check(&config.schema)?;
        let conn = meta::open_connection(&path)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| meta::classify(&path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Open {
                path: path.display().to_string(),
                reason: format!("cannot switch to WAL mode (journal mode is {mode})"),
            }
            .into());
        }
        // FULL: a commit is on disk when `commit` returns, even across a power loss (NORMAL
        // in WAL mode only survives application crashes).
        conn.execute_batch("PRAGMA synchronous = FULL")
            .map_err(|e| meta::classify(&path, e))?;
        let state = meta::inspect(&conn, &path)?;
        let (replica, last_clock) = match &state {
            FileState::New => (ReplicaId::random(), Hlc::ZERO),
            FileState::Existing { .. } => {
                let replica = ReplicaId::from_i64(meta::get_meta(&conn, "replica_id")?)
                    .map_err(|e| StorageError::corrupt(e.to_string()))?;
                let clock = Hlc::from_packed(meta::get_meta(&conn, "clock")?)
                    .map_err(|e| StorageError::corrupt(e.to_string()))?;
                (replica, clock)
            }
        };
        let inner = Arc::new(Inner {
            path,
            temporary,
            catalog: Arc::new(Catalog::new(config.schema.clone())),
            replica,
            outbox: config.outbox,
            clock: Mutex::new(HybridClock::with_source(
                Arc::new(crate::sync::SystemTimeSource),
                last_clock,
            )),
            writer: Mutex::new(WriterSlot {
                conn: Some(WriterConn::open(conn)),
                holder: None,
            }),
            writer_free: Condvar::new(),
            readers: Mutex::new(Vec::new()),
            hooks: Mutex::new((0, Vec::new())),
        });
        let db = Database { inner };
        db.prepare_file(&config)?;
        Ok(db)
    }

    /// Creates or migrates the file's tables to the app's schema, in one write transaction.
    fn prepare_file(&self, config: &Config) -> Result<()> {
        let mut txn = self.begin_write()?;
        txn.recording = false;
        let conn = txn.conn()?;
        let path = self.inner.path.clone();
        let state = meta::inspect(conn, &path)?;
        let live = self.inner.catalog.clone();
        match state {
            FileState::New => {
                meta::initialize(conn, self.inner.replica.to_i64())?;
                for class in &live.schema.classes {
                    layout::create_class(conn, &live, class)?;
                }
                meta::store_schema(conn, &live.schema, config.schema_version)?;
            }
            FileState::Existing {
                schema_version,
                schema: old,
            } => {
                if schema_version > config.schema_version {
                    return Err(StorageError::NewerSchemaVersion {
                        on_disk: schema_version,
                        given: config.schema_version,
                    }
                    .into());
                }
                let diff = meta::diff(&old, &live.schema);
                let bump = config.schema_version > schema_version;
                if !diff.breaking.is_empty() {
                    let mut changes = diff.breaking.clone();
                    if !bump {
                        changes.push(format!(
                            "the schema version is still {schema_version}; raise it"
                        ));
                    }
                    if config.migration.is_none() {
                        changes.push("no migration callback was given".into());
                    }
                    if !bump || config.migration.is_none() {
                        return Err(StorageError::MigrationRequired { changes }.into());
                    }
                }
                let old_catalog = if diff.breaking.is_empty() {
                    meta::apply_additive(conn, &live, &diff)?;
                    Catalog::new(old)
                } else {
                    rebuild_tables(conn, &old, &live)?
                };
                if bump {
                    if let Some(callback) = &config.migration {
                        let mut migration = Migration {
                            old_version: schema_version,
                            new_version: config.schema_version,
                            old: old_catalog.clone(),
                            txn: &mut txn,
                        };
                        callback(&mut migration)?;
                    }
                }
                let conn = txn.conn()?;
                if !diff.breaking.is_empty() {
                    for class in &old_catalog.schema.classes {
                        layout::drop_class(conn, &old_catalog, class)?;
                    }
                }
                if !diff.is_empty() || bump {
                    meta::store_schema(conn, &live.schema, config.schema_version)?;
                }
            }
        }
        txn.commit()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The schema the database was opened with.
    pub fn schema(&self) -> &Schema {
        &self.inner.catalog.schema
    }

    /// This database's replica id (random per file, kept across opens).
    pub fn replica_id(&self) -> ReplicaId {
        self.inner.replica
    }

    /// Runs `f` in a write transaction: committed if `f` returns `Ok`, rolled back entirely if
    /// it returns `Err` (or panics).
    pub fn write<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut WriteTransaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut txn = self.begin_write()?;
        let out = f(&mut txn)?;
        txn.commit()?;
        Ok(out)
    }

    /// Runs `f` on a consistent snapshot.
    pub fn read<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let txn = self.begin_read()?;
        f(&txn)
    }

    /// Starts a write transaction; waits while another thread holds one. It rolls back when
    /// dropped without [`WriteTransaction::commit`].
    pub fn begin_write(&self) -> Result<WriteTransaction> {
        let me = std::thread::current().id();
        let mut slot = lock(&self.inner.writer);
        loop {
            if slot.conn.is_some() {
                break;
            }
            if slot.holder == Some(me) {
                return Err(StorageError::NestedWrite.into());
            }
            slot = self
                .inner
                .writer_free
                .wait(slot)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let conn = slot.conn.take();
        slot.holder = Some(me);
        drop(slot);
        let mut txn = WriteTransaction {
            db: self.clone(),
            conn,
            ctx: WriteCtx::new(Stamp {
                clock: Hlc::ZERO,
                replica: self.inner.replica,
            }),
            recorder: Recorder::default(),
            info: CommitInfo::default(),
            collecting: !lock(&self.inner.hooks).1.is_empty(),
            recording: self.inner.outbox,
            ingested: Vec::new(),
        };
        txn.conn()?
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(StorageError::from)?;
        let clock = lock(&self.inner.clock).tick();
        txn.ctx.stamp.clock = clock;
        Ok(txn)
    }

    /// Starts a read transaction on a snapshot of the last commit.
    pub fn begin_read(&self) -> Result<ReadTransaction> {
        let pooled = lock(&self.inner.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => meta::open_connection(&self.inner.path)?,
        };
        let txn = ReadTransaction {
            db: self.clone(),
            conn: Some(conn),
        };
        let conn = txn.conn()?;
        conn.execute_batch("BEGIN").map_err(StorageError::from)?;
        // The snapshot starts with the first read.
        conn.query_row("SELECT count(*) FROM __syncline_meta", [], |_| Ok(()))
            .map_err(StorageError::from)?;
        Ok(txn)
    }

    /// A reference that does not keep the database open.
    pub(crate) fn downgrade(&self) -> WeakDatabase {
        WeakDatabase(Arc::downgrade(&self.inner))
    }

    /// Registers `hook` to run after every commit that changed objects.
    pub fn add_commit_hook(&self, hook: impl Fn(&CommitInfo) + Send + Sync + 'static) -> HookId {
        let mut hooks = lock(&self.inner.hooks);
        hooks.0 += 1;
        let id = hooks.0;
        hooks.1.push((id, Arc::new(hook)));
        HookId(id)
    }

    /// Removes a commit hook; returns whether it was registered.
    pub fn remove_commit_hook(&self, id: HookId) -> bool {
        let mut hooks = lock(&self.inner.hooks);
        let before = hooks.1.len();
        hooks.1.retain(|(i, _)| *i != id.0);
        hooks.1.len() != before
    }

    /// The changesets waiting in the outbox, oldest first, with their outbox ids.
    pub fn outbox(&self) -> Result<Vec<(i64, Changeset)>> {
        self.read(|txn| {
            let conn = txn.conn()?;
            let mut stmt = conn
                .prepare("SELECT id, changeset FROM __syncline_outbox ORDER BY id")
                .map_err(StorageError::from)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
                .map_err(StorageError::from)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, bytes) = row.map_err(StorageError::from)?;
                out.push((id, crate::storage::outbox::decode(&bytes)?));
            }
            Ok(out)
        })
    }

    /// Removes the outbox entries with ids up to and including `up_to` (once the server has
    /// acknowledged them); returns how many were removed.
    pub fn remove_from_outbox(&self, up_to: i64) -> Result<usize> {
        let mut txn = self.begin_write()?;
        txn.recording = false;
        let n = txn
            .conn()?
            .execute("DELETE FROM __syncline_outbox WHERE id <= ?1", [up_to])
            .map_err(StorageError::from)?;
        txn.commit()?;
        Ok(n)
    }

    /// Applies a changeset received from another replica by the merge rules of the sync
    /// contract (see [`crate::sync::merge`]), in one write transaction, without touching the
    /// outbox. Returns `false` when the changeset was applied before (nothing changes), or is
    /// one of this replica's own. The local clock moves past the changeset's. A changeset from
    /// another replica that carries an object of an asymmetric class is refused whole (a
    /// server never sends those down).
    pub fn apply_remote_changeset(&self, changeset: &Changeset) -> Result<bool> {
        asymmetric::refuse_asymmetric_remote(&self.inner.catalog, self.inner.replica, changeset)?;
        let mut txn = self.begin_write()?;
        txn.recording = false;
        let applied = crate::storage::sync_store::apply_remote(
            txn.conn()?,
            &self.inner.catalog,
            self.inner.replica,
            changeset,
        )?;
        for (class, pk, was, now, props) in applied.objects {
            let kind = match (was, now) {
                (false, true) => ObjectChangeKind::Created,
                (true, false) => ObjectChangeKind::Deleted,
                (true, true) => ObjectChangeKind::Modified(props.into_iter().collect()),
                (false, false) => continue,
            };
            txn.info.note(&class, pk, kind);
        }
        // Later local changes must be newer than everything seen; persisted by the commit.
        txn.ctx.stamp.clock = lock(&self.inner.clock).observe(changeset.clock);
        txn.commit()?;
        Ok(applied.integrated)
    }

    fn release_writer(&self, conn: WriterConn) {
        let mut slot = lock(&self.inner.writer);
        slot.conn = Some(conn);
        slot.holder = None;
        drop(slot);
        self.inner.writer_free.notify_one();
    }
}

/// Copies the data of every class into fresh tables for the new schema, keeping the old tables
/// under a prefix for the migration callback; returns the catalog of the old tables.
fn rebuild_tables(conn: &Connection, old: &Schema, live: &Catalog) -> Result<Catalog> {
    let old_cat = Catalog::with_prefix(old.clone(), "__syncline_old.");
    let plain = Catalog::new(old.clone());
    for class in &old.classes {
        let mut tables = vec![(
            plain.table_name(&class.name),
            old_cat.table_name(&class.name),
        )];
        for p in &class.properties {
            if storage_of(p) == Storage::Elements {
                tables.push((
                    plain.elements_name(&class.name, &p.name),
                    old_cat.elements_name(&class.name, &p.name),
                ));
            }
        }
        for (from, to) in tables {
            let indexes: Vec<String> = {
                let mut stmt = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL")
                    .map_err(StorageError::from)?;
                let rows = stmt
                    .query_map([&from], |r| r.get(0))
                    .map_err(StorageError::from)?;
                rows.collect::<rusqlite::Result<_>>()
                    .map_err(StorageError::from)?
            };
            for index in indexes {
                conn.execute_batch(&format!("DROP INDEX {}", layout::quote(&index)))
                    .map_err(StorageError::from)?;
            }
            conn.execute_batch(&format!(
                "ALTER TABLE {} RENAME TO {}",
                layout::quote(&from),
                layout::quote(&to)
            ))
            .map_err(StorageError::from)?;
        }
    }
    for class in &live.schema.classes {
        layout::create_class(conn, live, class)?;
        let Some(old_class) = old.class(&class.name) else {
            continue;
        };
        let same = |p: &crate::schema::Property| {
            old_class.property(&p.name).is_some_and(|o| {
                o.ty == p.ty
                    && o.collection == p.collection
                    && o.object_type == p.object_type
                    && (o.optional == p.optional || !o.optional)
            })
        };
        let mut cols = vec![
            "_row".to_owned(),
            "_clock".to_owned(),
            "_replica".to_owned(),
        ];
        let mut select = cols.clone();
        let mut args = Vec::new();
        for p in &class.properties {
            match storage_of(p) {
                Storage::Computed => {}
                Storage::Elements => {
                    if same(p) {
                        conn.execute_batch(&format!(
                            "INSERT INTO {} SELECT * FROM {}",
                            live.elements(&class.name, &p.name),
                            old_cat.elements(&class.name, &p.name)
                        ))
                        .map_err(StorageError::from)?;
                    }
                }
                Storage::Column => {
                    let mut names = vec![p.name.clone()];
                    if p.ty == PropertyType::Mixed {
                        names.push(layout::tag_column(&p.name));
                    }
                    if same(p) {
                        for n in names {
                            cols.push(layout::quote(&n));
                            select.push(layout::quote(&n));
                        }
                    } else if !p.optional
                        && p.ty != PropertyType::Object
                        && p.ty != PropertyType::Mixed
                    {
                        let value = p
                            .default
                            .clone()
                            .unwrap_or_else(|| encode::zero_value(p.ty));
                        let sql = encode::encode_scalar(p.ty, &value).map_err(|expected| {
                            StorageError::TypeMismatch {
                                class: class.name.clone(),
                                property: p.name.clone(),
                                expected: expected.into(),
                                found: value.type_name().into(),
                            }
                        })?;
                        args.push(sql);
                        cols.push(layout::quote(&p.name));
                        select.push(format!("?{}", args.len()));
                    }
                }
            }
        }
        conn.execute(
            &format!(
                "INSERT INTO {} ({}) SELECT {} FROM {}",
                live.table(&class.name),
                cols.join(", "),
                select.join(", "),
                old_cat.table(&class.name)
            ),
            rusqlite::params_from_iter(args.iter()),
        )
        .map_err(StorageError::from)?;
    }
    Ok(old_cat)
}

/// A schema migration in progress: the previous schema's objects and the transaction that
/// writes the new ones.
pub struct Migration<'t> {
    old_version: u64,
    new_version: u64,
    old: Catalog,
    txn: &'t mut WriteTransaction,
}

impl Migration<'_> {
    /// The schema version the file had.
    pub fn old_schema_version(&self) -> u64 {
        self.old_version
    }

    /// The schema version being migrated to.
    pub fn new_schema_version(&self) -> u64 {
        self.new_version
    }

    /// The schema the file had.
    pub fn old_schema(&self) -> &Schema {
        &self.old.schema
    }

    /// Every object of `class` as it was under the old schema, in insertion order.
    pub fn old_objects(&self, class: &str) -> Result<Vec<Object>> {
        let conn = self.txn.conn()?;
        let store = Store {
            conn,
            cat: &self.old,
        };
        let schema = self.old.class(class)?;
        let mut out = Vec::new();
        for row in store.all_rows(schema)? {
            out.push(Object {
                class: class.to_owned(),
                pk: store.pk_of(schema, row)?,
                fields: store.read_object(schema, row)?,
            });
        }
        Ok(out)
    }

    /// The transaction that reads and writes objects under the new schema.
    pub fn transaction(&mut self) -> &mut WriteTransaction {
        self.txn
    }
}

/// The objects a query matched, in result order.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The class queried.
    pub class: String,
    /// The matching objects' primary keys (row keys for a class without a primary key).
    pub keys: Vec<PrimaryKey>,
    ran_in_sql: bool,
}

impl Results {
    /// The number of matches.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing matched.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether SQL answered the whole query (no part was evaluated in memory).
    pub fn ran_in_sql(&self) -> bool {
        self.ran_in_sql
    }
}

/// Runs a bound query: SQL for what compiles exactly, the evaluator for the rest.
fn run_query(store: &Store<'_>, query: &BoundQuery) -> Result<Results> {
    let schema = store.cat.class(&query.class)?;
    let pk_type = schema.primary_key_property().map(|p| p.ty);
    let compiled = sql::compile(query, store.cat);
    let mut stmt = store
        .conn
        .prepare_cached(&compiled.sql)
        .map_err(StorageError::from)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(compiled.params.iter()))
        .map_err(StorageError::from)?;
    let mut keys = Vec::new();
    while let Some(row) = rows.next().map_err(StorageError::from)? {
        let raw: rusqlite::types::Value = row.get(1).map_err(StorageError::from)?;
        keys.push(crate::storage::source::decode_pk_as(pk_type, raw)?);
    }
    if compiled.residual.is_none() && compiled.modifiers.is_empty() {
        return Ok(Results {
            class: query.class.clone(),
            keys,
            ran_in_sql: true,
        });
    }
    let mut links: Vec<Link> = keys
        .into_iter()
        .map(|pk| Link {
            class: query.class.clone(),
            pk,
        })
        .collect();
    if let Some(residual) = &compiled.residual {
        let filter = BoundQuery {
            class: query.class.clone(),
            predicate: residual.clone(),
            modifiers: Vec::new(),
        };
        let mut kept = Vec::with_capacity(links.len());
        for link in links {
            if crate::query::matches(&filter, store, &link)? {
                kept.push(link);
            }
        }
        links = kept;
    }
    if !compiled.modifiers.is_empty() {
        links = crate::query::apply_modifiers(&compiled.modifiers, store, links)?;
    }
    Ok(Results {
        class: query.class.clone(),
        keys: links.into_iter().map(|l| l.pk).collect(),
        ran_in_sql: compiled.fully_sql(),
    })
}

/// Counts a bound query's matches, in SQL alone when it compiles exactly.
fn count_query(store: &Store<'_>, query: &BoundQuery) -> Result<usize> {
    store.cat.class(&query.class)?;
    let compiled = sql::compile(query, store.cat);
    if !compiled.fully_sql() {
        return Ok(run_query(store, query)?.len());
    }
    let sql = compiled
        .count_sql
        .clone()
        .unwrap_or_else(|| format!("SELECT count(*) FROM ({})", compiled.sql));
    let n: i64 = store
        .conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(rusqlite::params_from_iter(compiled.params.iter()), |r| {
                r.get(0)
            })
        })
        .map_err(StorageError::from)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Reads shared by read and write transactions.
macro_rules! read_methods {
    () => {
        /// Runs a Realm Query Language query on the objects of `class` with the `$0…$n`
        /// arguments `args`, e.g. `query("Task", "priority > $0 SORT(title ASC)", &[3.into()])`.
        pub fn query(&self, class: &str, rql: &str, args: &[Value]) -> Result<Results> {
            let bound = BoundQuery::new(rql, &self.db.inner.catalog.schema, class, args)?;
            self.query_bound(&bound)
        }

        /// Counts the objects of `class` matching a Realm Query Language query.
        pub fn count(&self, class: &str, rql: &str, args: &[Value]) -> Result<usize> {
            let bound = BoundQuery::new(rql, &self.db.inner.catalog.schema, class, args)?;
            self.count_bound(&bound)
        }

        /// Runs a bound query (see [`crate::query`]) and returns the matches in order.
        pub fn query_bound(&self, query: &BoundQuery) -> Result<Results> {
            refuse_asymmetric(
                &self.db.inner.catalog,
                &query.class,
                "its objects cannot be queried",
            )?;
            run_query(&self.store()?, query)
        }

        /// Counts a bound query's matches.
        pub fn count_bound(&self, query: &BoundQuery) -> Result<usize> {
            refuse_asymmetric(
                &self.db.inner.catalog,
                &query.class,
                "its objects cannot be queried",
            )?;
            count_query(&self.store()?, query)
        }

        /// The object of `class` with primary key `pk` (its row key for a class without a
        /// primary key), if it exists.
        pub fn get(&self, class: &str, pk: &PrimaryKey) -> Result<Option<Object>> {
            refuse_asymmetric(&self.db.inner.catalog, class, "its objects cannot be read")?;
            let store = self.store()?;
            let schema = store.cat.class(class)?;
            if schema.embedded {
                return Err(embedded_class(class));
            }
            let Some(row) = store.row_of(schema, pk)? else {
                return Ok(None);
            };
            Ok(Some(Object {
                class: class.to_owned(),
                pk: pk.clone(),
                fields: store.read_object(schema, row)?,
            }))
        }

        /// Every object of `class`, in insertion order.
        pub fn objects(&self, class: &str) -> Result<Vec<Object>> {
            refuse_asymmetric(&self.db.inner.catalog, class, "its objects cannot be read")?;
            let store = self.store()?;
            let schema = store.cat.class(class)?;
            if schema.embedded {
                return Err(embedded_class(class));
            }
            let mut out = Vec::new();
            for row in store.all_rows(schema)? {
                out.push(Object {
                    class: class.to_owned(),
                    pk: store.pk_of(schema, row)?,
                    fields: store.read_object(schema, row)?,
                });
            }
            Ok(out)
        }

        /// The value at `path` (e.g. `address.street`, `items[2].name`) of an object.
        pub fn get_value(&self, class: &str, pk: &PrimaryKey, path: &str) -> Result<Value> {
            refuse_asymmetric(&self.db.inner.catalog, class, "its objects cannot be read")?;
            let store = self.store()?;
            let (schema, row) = top_level(&store, class, pk)?;
            let steps = path::parse(class, path)?;
            let target = store.resolve(schema, row, &steps)?;
            let whole = store.read_property(target.class, target.prop, target.row)?;
            Ok(match (&target.element, whole) {
                (None, v) => v,
                (Some(PathElement::Index(i)), Value::List(items)) => {
                    let len = items.len();
                    items
                        .into_iter()
                        .nth(*i)
                        .ok_or_else(|| StorageError::IndexOutOfBounds {
                            class: target.class.name.clone(),
                            property: target.prop.name.clone(),
                            index: *i,
                            len,
                        })?
                }
                (Some(PathElement::Key(k)), Value::Dictionary(mut map)) => {
                    map.remove(k).unwrap_or(Value::Null)
                }
                (Some(_), _) => Value::Null,
            })
        }
    };
}

fn embedded_class(class: &str) -> Error {
    StorageError::UnsupportedOperation {
        class: class.to_owned(),
        property: String::new(),
        operation: "top-level access",
        reason: "the class is embedded: its objects live inside a parent object".into(),
    }
    .into()
}

fn top_level<'s>(
    store: &'s Store<'_>,
    class: &str,
    pk: &PrimaryKey,
) -> Result<(&'s ObjectSchema, i64)> {
    let schema = store.cat.class(class)?;
    if schema.embedded {
        return Err(embedded_class(class));
    }
    Ok((schema, store.require_row(schema, pk)?))
}

/// A read-only snapshot of the database.
pub struct ReadTransaction {
    db: Database,
    conn: Option<Connection>,
}

impl std::fmt::Debug for ReadTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadTransaction").finish_non_exhaustive()
    }
}

/// Both transactions are [`ObjectSource`]s, so the in-memory evaluator can run on stored
/// objects (e.g. `query::matches` for one object).
macro_rules! object_source {
    ($t:ty) => {
        impl ObjectSource for $t {
            fn object_keys(&self, class: &str) -> std::result::Result<Vec<PrimaryKey>, QueryError> {
                self.store()
                    .map_err(|e| QueryError::Source(e.to_string()))?
                    .object_keys(class)
            }

            fn contains(&self, object: &Link) -> std::result::Result<bool, QueryError> {
                self.store()
                    .map_err(|e| QueryError::Source(e.to_string()))?
                    .contains(object)
            }

            fn property_value(
                &self,
                object: &Link,
                property: &str,
            ) -> std::result::Result<Value, QueryError> {
                self.store()
                    .map_err(|e| QueryError::Source(e.to_string()))?
                    .property_value(object, property)
            }

            fn backlinks(
                &self,
                target: &Link,
                origin_class: &str,
                origin_property: &str,
            ) -> std::result::Result<Vec<PrimaryKey>, QueryError> {
                self.store()
                    .map_err(|e| QueryError::Source(e.to_string()))?
                    .backlinks(target, origin_class, origin_property)
            }

            fn embedded_backlink_owners(
                &self,
                target: &Link,
                origin_class: &str,
                origin_property: &str,
            ) -> std::result::Result<Option<Vec<Link>>, QueryError> {
                self.store()
                    .map_err(|e| QueryError::Source(e.to_string()))?
                    .embedded_backlink_owners(target, origin_class, origin_property)
            }
        }
    };
}

object_source!(ReadTransaction);
object_source!(WriteTransaction);

impl ReadTransaction {
    fn conn(&self) -> Result<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| StorageError::corrupt("the transaction is closed").into())
    }

    /// The snapshot as an object source (the change notifier follows backlinks through it).
    pub(crate) fn store(&self) -> Result<Store<'_>> {
        Ok(Store {
            conn: self.conn()?,
            cat: &self.db.inner.catalog,
        })
    }

    read_methods!();
}

impl Drop for ReadTransaction {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Ending a read-only transaction cannot lose data; a failure means the connection
            // is unusable, so it is not returned to the pool.
            if conn.execute_batch("COMMIT").is_ok() {
                lock(&self.db.inner.readers).push(conn);
            }
        }
    }
}

/// A write transaction: all its changes become visible at [`WriteTransaction::commit`], or
/// none (cancel, drop, or an error in [`Database::write`]).
pub struct WriteTransaction {
    db: Database,
    conn: Option<WriterConn>,
    ctx: WriteCtx,
    /// The changes for the outbox, encoded as they are made.
    recorder: Recorder,
    info: CommitInfo,
    /// Whether commit hooks are registered (otherwise no CommitInfo is collected).
    collecting: bool,
    recording: bool,
    /// Objects of asymmetric classes created in this transaction: (class, row), removed at
    /// commit once their changeset is recorded (see `asymmetric`).
    ingested: Vec<(String, i64)>,
}

impl std::fmt::Debug for WriteTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTransaction")
            .field("stamp", &self.ctx.stamp)
            .finish_non_exhaustive()
    }
}

impl Drop for WriteTransaction {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !conn.conn().is_autocommit() {
                // Rolling back can only fail if SQLite already rolled back.
                let _ = conn.conn().execute_batch("ROLLBACK");
            }
            self.db.release_writer(conn);
        }
    }
}

impl WriteTransaction {
    fn conn(&self) -> Result<&Connection> {
        Ok(self.writer()?.conn())
    }

    fn writer(&self) -> Result<&WriterConn> {
        self.conn
            .as_ref()
            .ok_or_else(|| StorageError::corrupt("the transaction is closed").into())
    }

    fn store(&self) -> Result<Store<'_>> {
        Ok(Store {
            conn: self.conn()?,
            cat: &self.db.inner.catalog,
        })
    }

    read_methods!();

    /// The stamp (clock and replica) of this transaction's changes.
    pub fn stamp(&self) -> Stamp {
        self.ctx.stamp
    }

    fn record(
        &mut self,
        class: &ObjectSchema,
        pk: &PrimaryKey,
        path: Vec<PathSegment>,
        op: Operation,
    ) {
        // Objects without a primary key are local-only: they cannot be matched across replicas.
        if self.recording && class.primary_key.is_some() {
            self.recorder.record(&class.name, pk, &path, &op);
        }
    }

    fn note(&mut self, class: &str, pk: PrimaryKey, kind: ObjectChangeKind) {
        if self.collecting {
            self.info.note(class, pk, kind);
        }
    }

    fn note_modified(&mut self, class: &str, pk: &PrimaryKey, prop: &str) {
        self.note(
            class,
            pk.clone(),
            ObjectChangeKind::Modified(BTreeSet::from([prop.to_owned()])),
        );
    }

    /// Creates an object of `class` from `doc` (defaults fill missing properties); returns its
    /// primary key (its row key for a class without a primary key).
    pub fn create(&mut self, class: &str, doc: Document) -> Result<PrimaryKey> {
        let cat = Arc::clone(&self.db.inner.catalog);
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        let schema = cat.class(class)?;
        if schema.embedded {
            return Err(embedded_class(class));
        }
        if schema.asymmetric {
            return self.create_asymmetric(class, doc);
        }
        let given = store.resolve_document(schema, &doc)?;
        let writer = self.writer()?;
        let row = writer.with_insert(
            class,
            || cat.insert_sql(class),
            |stmt| store.insert_resolved_into(&self.ctx, schema, &given, stmt),
        )?;
        let pk = new_object_pk(schema, row, &given)?;
        store.clear_tombstone(&self.ctx, schema, &pk)?;
        self.record_create(schema, row, &pk, &given)?;
        self.note(class, pk.clone(), ObjectChangeKind::Created);
        Ok(pk)
    }

    fn record_create(
        &mut self,
        schema: &ObjectSchema,
        row: i64,
        pk: &PrimaryKey,
        given: &[Option<&Value>],
    ) -> Result<()> {
        if !self.recording || schema.primary_key.is_none() {
            return Ok(());
        }
        let class = schema.name.as_str();
        let pk_position = schema.primary_key_position();
        // The values of the column properties go with the create, in one record.
        self.recorder.record_create(schema, row, pk, given);
        for (i, (prop, given)) in schema.properties.iter().zip(given).enumerate() {
            if Some(i) == pk_position || storage_of(prop) != Storage::Elements {
                continue;
            }
            let Some(value) = given.or(prop.default.as_ref()) else {
                continue;
            };
            // The storage took only values of the property's collection kind, so these are
            // all its elements.
            let target = Target {
                class: schema,
                row,
                prop,
                element: None,
            };
            let ops = self.collection_ops(&self.store()?, &target, value)?;
            let at = [PathSegment::Property(prop.name.clone())];
            for op in ops {
                self.recorder.record(class, pk, &at, &op);
            }
        }
        Ok(())
    }

    /// Creates the object, or, when an object with the same primary key exists, sets the
    /// properties given in `doc` on it (others keep their values). Returns the primary key.
    pub fn upsert(&mut self, class: &str, doc: Document) -> Result<PrimaryKey> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be upserted (each create is a new object; use create)",
        )?;
        let cat = Arc::clone(&self.db.inner.catalog);
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        let schema = store.cat.class(class)?;
        let Some(pk_name) = schema.primary_key.clone() else {
            return self.create(class, doc);
        };
        let pk_value = doc.get(&pk_name).cloned().unwrap_or(Value::Null);
        let pk =
            PrimaryKey::try_from(pk_value.clone()).map_err(|_| StorageError::TypeMismatch {
                class: class.to_owned(),
                property: pk_name.clone(),
                expected: "a primary key value".into(),
                found: pk_value.type_name().into(),
            })?;
        if store.row_of(schema, &pk)?.is_none() {
            return self.create(class, doc);
        }
        for (name, value) in doc {
            if name != pk_name {
                self.set_path(class, &pk, &[PathElement::Property(name)], value)?;
            }
        }
        Ok(pk)
    }

    /// Sets the properties given in `doc` on the existing object `class`/`pk` (the others keep
    /// their values). An `ObjectNotFound` error when there is no such object, even when `doc`
    /// is empty; the names in `doc` are property names, not paths.
    pub fn update(&mut self, class: &str, pk: &PrimaryKey, doc: Document) -> Result<()> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be updated",
        )?;
        let cat = Arc::clone(&self.db.inner.catalog);
        let schema = cat.class(class)?;
        if schema.embedded {
            return Err(embedded_class(class));
        }
        if self.store()?.row_of(schema, pk)?.is_none() {
            return Err(StorageError::ObjectNotFound {
                class: class.to_owned(),
                pk: pk_display(pk),
            }
            .into());
        }
        for (name, value) in doc {
            // A name is one property: check it before it is read as a path.
            cat.property(schema, &name)?;
            self.set_path(class, pk, &[PathElement::Property(name)], value)?;
        }
        Ok(())
    }

    /// Sets the value at `path`: a property (`title`), a property of an embedded object
    /// (`address.street`, `items[2].name`), a list element (`tags[0]`) or a dictionary entry
    /// (`scores['ann']`). A whole collection or embedded object is replaced by the value given.
    pub fn set(&mut self, class: &str, pk: &PrimaryKey, path: &str, value: Value) -> Result<()> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be updated",
        )?;
        let steps = path::parse(class, path)?;
        self.set_path(class, pk, &steps, value)
    }

    /// [`WriteTransaction::set`] with a parsed path.
    pub fn set_path(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        steps: &[PathElement],
        value: Value,
    ) -> Result<()> {
        let cat = Arc::clone(&self.db.inner.catalog);
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        refuse_asymmetric(&cat, class, "its objects cannot be updated")?;
        // The common case, one scalar/link column of a top-level object: one UPDATE finds and
        // changes the row.
        if let [PathElement::Property(name)] = steps {
            let schema = cat.class(class)?;
            let prop = cat.property(schema, name)?;
            if !schema.embedded
                && storage_of(prop) == Storage::Column
                && !cat.is_embedded_link(prop)
                && schema.primary_key.as_deref() != Some(name.as_str())
            {
                store.update_column_by_pk(
                    &self.ctx,
                    schema,
                    prop,
                    pk,
                    &value,
                    Some(self.writer()?),
                )?;
                self.record(
                    schema,
                    pk,
                    vec![PathSegment::Property(name.clone())],
                    Operation::Set { value },
                );
                self.note_modified(class, pk, name);
                return Ok(());
            }
        }
        let (schema, row) = top_level(&store, class, pk)?;
        let target = store.resolve(schema, row, steps)?;
        let (sync_path, element) = self.sync_path(&store, schema, row, steps)?;
        let op = match &target.element {
            None => {
                store.set_property(&self.ctx, target.class, target.prop, target.row, &value)?;
                match (storage_of(target.prop), &value) {
                    (Storage::Elements, _) => {
                        // A whole collection replaced: clear, then add each element.
                        let mut ops = vec![Operation::Clear];
                        ops.extend(self.collection_ops(&store, &target, &value)?);
                        ops
                    }
                    _ => vec![Operation::Set {
                        value: value.clone(),
                    }],
                }
            }
            Some(PathElement::Index(i)) => {
                let id =
                    store.list_set(&self.ctx, target.class, target.prop, target.row, *i, &value)?;
                vec![Operation::ListSet {
                    element: id,
                    value: value.clone(),
                }]
            }
            Some(PathElement::Key(k)) => {
                store.dict_set(&self.ctx, target.class, target.prop, target.row, k, &value)?;
                vec![Operation::DictionarySet {
                    key: k.clone(),
                    value: value.clone(),
                }]
            }
            Some(PathElement::Property(_)) => Vec::new(),
        };
        let _ = element;
        for op in op {
            self.record(cat.class(class)?, pk, sync_path.clone(), op);
        }
        let first = first_property(steps);
        self.note_modified(class, pk, &first);
        Ok(())
    }

    fn collection_ops(
        &self,
        store: &Store<'_>,
        target: &Target<'_>,
        value: &Value,
    ) -> Result<Vec<Operation>> {
        Ok(match (target.prop.collection, value) {
            (Collection::List, Value::List(items)) => store
                .list_entries(target.class, target.prop, target.row)?
                .into_iter()
                .zip(items)
                .map(|(e, v)| Operation::ListInsert {
                    element: e.id,
                    position: e.pos,
                    value: v.clone(),
                })
                .collect(),
            (Collection::Set, Value::Set(items) | Value::List(items)) => items
                .iter()
                .map(|v| Operation::SetAdd { value: v.clone() })
                .collect(),
            (Collection::Dictionary, Value::Dictionary(map)) => map
                .iter()
                .map(|(k, v)| Operation::DictionarySet {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            (Collection::Dictionary, Value::Embedded(map)) => map
                .iter()
                .map(|(k, v)| Operation::DictionarySet {
                    key: k.to_owned(),
                    value: v.clone(),
                })
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The sync form of a path (list positions become element ids), without a trailing list
    /// position or dictionary key, which the operation carries.
    fn sync_path(
        &self,
        store: &Store<'_>,
        schema: &ObjectSchema,
        row: i64,
        steps: &[PathElement],
    ) -> Result<(Vec<PathSegment>, Option<PathElement>)> {
        // Only recorded instructions need the path.
        if !self.recording || schema.primary_key.is_none() {
            return Ok((Vec::new(), None));
        }
        let mut out = Vec::new();
        let mut last = None;
        for (i, step) in steps.iter().enumerate() {
            let is_last = i + 1 == steps.len();
            match step {
                PathElement::Property(p) => out.push(PathSegment::Property(p.clone())),
                PathElement::Key(k) if !is_last => out.push(PathSegment::Key(k.clone())),
                PathElement::Index(n) if !is_last => {
                    let target = store.resolve(schema, row, &steps[..=i])?;
                    let (entry, _) = store.list_entry(target.class, target.prop, target.row, *n)?;
                    out.push(PathSegment::Element(entry.id));
                }
                other => last = Some(other.clone()),
            }
        }
        Ok((out, last))
    }

    /// Adds `delta` to the integer at `path` (wrapping on overflow); with sync, concurrent
    /// additions from several devices add up.
    pub fn add_integer(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        delta: i64,
    ) -> Result<i64> {
        self.edit_at(
            class,
            pk,
            path,
            EditTarget::Int,
            "add_integer",
            |store, ctx, t| {
                let Value::Int(n) = store.read_property(t.class, t.prop, t.row)? else {
                    return Err(StorageError::UnsupportedOperation {
                        class: t.class.name.clone(),
                        property: t.prop.name.clone(),
                        operation: "add_integer",
                        reason: "the value is null".into(),
                    }
                    .into());
                };
                let new = n.wrapping_add(delta);
                // An addition is not a write of the field: its clock stays that of the last
                // set, so a concurrent remote set is judged against that set, and the addition
                // counts on top (the sync merge rule; `sync_store` remembers the addition itself).
                let written = store.field_clock(&t.class.name, t.row, &t.prop.name)?;
                store.set_property(ctx, t.class, t.prop, t.row, &Value::Int(new))?;
                store.record_field_clock(
                    &WriteCtx::new(written),
                    &t.class.name,
                    t.row,
                    &t.prop.name,
                )?;
                Ok(PathEdit::changed(new, Operation::AddInteger { delta }))
            },
        )
    }

    /// Runs one edit of the property at `path`, which must be what `expected` says: the integer
    /// addition and every list, set and dictionary operation refuse asymmetric classes, resolve
    /// their path, record their sync operation and note the change the same way, so they share
    /// this.
    fn edit_at<T>(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        expected: EditTarget,
        operation: &'static str,
        edit: impl FnOnce(&Store<'_>, &WriteCtx, &Target<'_>) -> Result<PathEdit<T>>,
    ) -> Result<T> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be updated",
        )?;
        let steps = path::parse(class, path)?;
        let cat = Arc::clone(&self.db.inner.catalog);
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        let (schema, row) = top_level(&store, class, pk)?;
        let target = store.resolve(schema, row, &steps)?;
        if let Some(reason) = expected.mismatch(&target) {
            return Err(StorageError::UnsupportedOperation {
                class: target.class.name.clone(),
                property: target.prop.name.clone(),
                operation,
                reason,
            }
            .into());
        }
        let done = edit(&store, &self.ctx, &target)?;
        // The sync path only walks the lists above the edited property, which the edit leaves
        // alone, so it reads the same after the edit as before.
        let (sync_path, _) = self.sync_path(&store, schema, row, &steps)?;
        if let Some(op) = done.operation {
            self.record(cat.class(class)?, pk, sync_path, op);
        }
        if done.modified {
            self.note_modified(class, pk, &first_property(&steps));
        }
        Ok(done.answer)
    }

    /// Inserts `value` at position `index` of the list at `path` (`index` = length appends).
    pub fn list_insert(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        index: usize,
        value: Value,
    ) -> Result<()> {
        let list = EditTarget::Collection(Collection::List);
        self.edit_at(class, pk, path, list, "list_insert", |store, ctx, t| {
            let (element, position) =
                store.list_insert(ctx, t.class, t.prop, t.row, index, &value)?;
            let op = Operation::ListInsert {
                element,
                position,
                value,
            };
            Ok(PathEdit::changed((), op))
        })
    }

    /// Appends `value` to the list at `path`.
    pub fn list_push(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        value: Value,
    ) -> Result<()> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be updated",
        )?;
        let len = match self.get_value(class, pk, path)? {
            Value::List(items) => items.len(),
            _ => 0,
        };
        self.list_insert(class, pk, path, len, value)
    }

    /// Removes the element at `index` of the list at `path`.
    pub fn list_remove(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        index: usize,
    ) -> Result<()> {
        let list = EditTarget::Collection(Collection::List);
        self.edit_at(class, pk, path, list, "list_remove", |store, ctx, t| {
            let element = store.list_remove(ctx, t.class, t.prop, t.row, index)?;
            Ok(PathEdit::changed((), Operation::ListErase { element }))
        })
    }

    /// Moves the element at `from` of the list at `path` to position `to`.
    pub fn list_move(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        from: usize,
        to: usize,
    ) -> Result<()> {
        let list = EditTarget::Collection(Collection::List);
        self.edit_at(class, pk, path, list, "list_move", |store, _, t| {
            // The move still runs when `from == to`: it checks the positions.
            let (element, position) = store.list_move(t.class, t.prop, t.row, from, to)?;
            let op = Operation::ListMove { element, position };
            Ok(PathEdit::changed_if(from != to, (), op))
        })
    }

    /// Adds `value` to the set at `path`; returns whether it was new.
    pub fn set_add(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        value: Value,
    ) -> Result<bool> {
        let set = EditTarget::Collection(Collection::Set);
        self.edit_at(class, pk, path, set, "set_add", |store, ctx, t| {
            let added = store.set_add(ctx, t.class, t.prop, t.row, &value)?;
            // Recorded even when already present: the other replicas may not have it.
            Ok(PathEdit {
                answer: added,
                operation: Some(Operation::SetAdd { value }),
                modified: added,
            })
        })
    }

    /// Removes `value` from the set at `path`; returns whether it was there.
    pub fn set_remove(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        value: Value,
    ) -> Result<bool> {
        let set = EditTarget::Collection(Collection::Set);
        self.edit_at(class, pk, path, set, "set_remove", |store, _, t| {
            let removed = store.set_remove(t.class, t.prop, t.row, &value)?;
            // Recorded even when absent here: the other replicas may still have it.
            Ok(PathEdit {
                answer: removed,
                operation: Some(Operation::SetRemove { value }),
                modified: removed,
            })
        })
    }

    /// Sets entry `key` of the dictionary at `path`.
    pub fn dict_set(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        key: &str,
        value: Value,
    ) -> Result<()> {
        let dict = EditTarget::Collection(Collection::Dictionary);
        self.edit_at(class, pk, path, dict, "dict_set", |store, ctx, t| {
            store.dict_set(ctx, t.class, t.prop, t.row, key, &value)?;
            let op = Operation::DictionarySet {
                key: key.to_owned(),
                value,
            };
            Ok(PathEdit::changed((), op))
        })
    }

    /// Removes entry `key` of the dictionary at `path`; returns whether it was there.
    pub fn dict_remove(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &str,
        key: &str,
    ) -> Result<bool> {
        let dict = EditTarget::Collection(Collection::Dictionary);
        self.edit_at(class, pk, path, dict, "dict_remove", |store, ctx, t| {
            let removed = store.dict_remove(ctx, t.class, t.prop, t.row, key)?;
            let op = Operation::DictionaryErase {
                key: key.to_owned(),
            };
            Ok(PathEdit::changed_if(removed, removed, op))
        })
    }

    /// Removes every element of the list, set or dictionary at `path`.
    pub fn clear(&mut self, class: &str, pk: &PrimaryKey, path: &str) -> Result<()> {
        self.edit_at(
            class,
            pk,
            path,
            EditTarget::AnyCollection,
            "clear",
            |store, ctx, t| {
                store.clear_collection(ctx, t.class, t.prop, t.row)?;
                Ok(PathEdit::changed((), Operation::Clear))
            },
        )
    }

    /// Deletes the object (its embedded objects go with it; links to it become null or are
    /// removed from lists and sets). Returns whether it existed.
    pub fn delete(&mut self, class: &str, pk: &PrimaryKey) -> Result<bool> {
        refuse_asymmetric(
            &self.db.inner.catalog,
            class,
            "its objects cannot be deleted",
        )?;
        let cat = Arc::clone(&self.db.inner.catalog);
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        let schema = store.cat.class(class)?;
        if schema.embedded {
            return Err(embedded_class(class));
        }
        let Some(row) = store.row_of(schema, pk)? else {
            return Ok(false);
        };
        // Links to it stay remembered (unresolved) for merges: see `sync_store`.
        crate::storage::sync_store::unresolve_links_to(store.conn, store.cat, schema, row)?;
        store.delete_row(&self.ctx, schema, row)?;
        store.write_tombstone(&self.ctx, schema, pk)?;
        self.record(cat.class(class)?, pk, Vec::new(), Operation::EraseObject);
        self.note(class, pk.clone(), ObjectChangeKind::Deleted);
        Ok(true)
    }

    /// Commits: the changes and their outbox entry become durable and visible together.
    pub fn commit(mut self) -> Result<()> {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| StorageError::corrupt("the transaction is closed"))?;
        let result = self.finish(conn.conn());
        let committed = result.is_ok();
        if !committed && !conn.conn().is_autocommit() {
            // The commit failed before COMMIT took effect: undo everything.
            let _ = conn.conn().execute_batch("ROLLBACK");
        }
        self.db.release_writer(conn);
        let info = result?;
        if !info.is_empty() {
            let hooks: Vec<CommitHook> = lock(&self.db.inner.hooks)
                .1
                .iter()
                .map(|(_, h)| h.clone())
                .collect();
            for hook in hooks {
                hook(&info);
            }
        }
        Ok(())
    }

    fn finish(&mut self, conn: &Connection) -> Result<CommitInfo> {
        let touched = std::mem::take(&mut *self.ctx.touched.borrow_mut());
        let mut info = std::mem::take(&mut self.info);
        {
            let store = Store {
                conn,
                cat: &self.db.inner.catalog,
            };
            for (class, row) in touched {
                // A link nulled inside an embedded object changes the object holding it.
                let Some((schema, row)) = store.top_level_of(store.cat.class(&class)?, row)? else {
                    continue;
                };
                // Rows deleted later in the same transaction are reported as deleted already.
                if let Ok(pk) = store.pk_of(schema, row) {
                    info.note(
                        &schema.name,
                        pk,
                        ObjectChangeKind::Modified(BTreeSet::new()),
                    );
                }
            }
        }
        let recorded = !self.recorder.is_empty();
        if recorded {
            // The merge state (erase stamps, integer additions, element stamps) moves with the
            // data, in the same transaction.
            let (bytes, touched) = std::mem::take(&mut self.recorder).finish(
                conn,
                &self.db.inner.catalog,
                self.db.inner.replica,
                self.ctx.stamp.clock,
            )?;
            conn.prepare_cached("INSERT INTO __syncline_outbox (changeset) VALUES (?1)")
                .and_then(|mut s| s.execute([bytes]))
                .map_err(StorageError::from)?;
            // Links a create brought back change the objects holding them.
            if self.collecting {
                for (holder, property) in touched {
                    info.note(
                        &holder.class,
                        holder.pk,
                        ObjectChangeKind::Modified(BTreeSet::from([property])),
                    );
                }
            }
        }
        self.discard_ingested(conn)?;
        if !info.is_empty() || recorded {
            meta::set_meta(conn, "clock", self.ctx.stamp.clock.to_packed())?;
        }
        conn.execute_batch("COMMIT").map_err(StorageError::from)?;
        Ok(info)
    }

    /// Rolls back every change of this transaction.
    pub fn cancel(mut self) -> Result<()> {
        if let Some(conn) = self.conn.take() {
            let result = conn.conn().execute_batch("ROLLBACK");
            self.db.release_writer(conn);
            result.map_err(StorageError::from)?;
        }
        Ok(())
    }
}

/// What the path of an edit must lead to, for [`WriteTransaction::edit_at`].
#[derive(Debug, Clone, Copy)]
enum EditTarget {
    /// A whole list, set or dictionary of this kind.
    Collection(Collection),
    /// A whole list, set or dictionary.
    AnyCollection,
    /// A single `int` property.
    Int,
}

impl EditTarget {
    /// Why `target` is not what the edit needs, or `None` when it is.
    fn mismatch(self, target: &Target<'_>) -> Option<String> {
        let prop = target.prop;
        let fits = target.element.is_none()
            && match self {
                EditTarget::Collection(kind) => prop.collection == kind,
                EditTarget::AnyCollection => prop.collection != Collection::Single,
                EditTarget::Int => {
                    prop.ty == PropertyType::Int && prop.collection == Collection::Single
                }
            };
        if fits {
            return None;
        }
        Some(match self {
            EditTarget::Collection(kind) => format!(
                "the path does not lead to a {}",
                kind.name().unwrap_or("collection")
            ),
            EditTarget::AnyCollection => "the path does not lead to a collection".into(),
            EditTarget::Int => "the property is not a single int".into(),
        })
    }
}

/// What one edit did, for [`WriteTransaction::edit_at`].
struct PathEdit<T> {
    /// What the public method returns.
    answer: T,
    /// What other replicas replay; `None` sends nothing.
    operation: Option<Operation>,
    /// Whether observers hear that the object changed.
    modified: bool,
}

impl<T> PathEdit<T> {
    /// An edit that changed the property and is sent as `operation`.
    fn changed(answer: T, operation: Operation) -> Self {
        Self::changed_if(true, answer, operation)
    }

    /// An edit that, if `changed`, is sent as `operation` and heard by observers; else neither.
    fn changed_if(changed: bool, answer: T, operation: Operation) -> Self {
        PathEdit {
            answer,
            operation: changed.then_some(operation),
            modified: changed,
        }
    }
}

fn first_property(steps: &[PathElement]) -> String {
    match steps.first() {
        Some(PathElement::Property(p)) => p.clone(),
        _ => String::new(),
    }
}

/// The primary key of an object just inserted at `row` from the values `given` (by property
/// position, see `Store::resolve_document`): its primary key value or default, or the row key
/// for a class without a primary key.
fn new_object_pk(schema: &ObjectSchema, row: i64, given: &[Option<&Value>]) -> Result<PrimaryKey> {
    let Some(i) = schema.primary_key_position() else {
        return Ok(PrimaryKey::Int(row));
    };
    let value = given
        .get(i)
        .copied()
        .flatten()
        .or(schema.properties[i].default.as_ref())
        .cloned()
        .unwrap_or_default();
    PrimaryKey::try_from(value).map_err(|e| StorageError::corrupt(e.to_string()).into())
}

/// Prints a primary key the way error messages do.
pub fn describe_pk(pk: &PrimaryKey) -> String {
    pk_display(pk)
}

mod asymmetric;
use asymmetric::refuse_asymmetric;

#[cfg(test)]
mod query_tests;
