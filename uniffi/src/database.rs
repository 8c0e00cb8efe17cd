//! `Database`: open and close a database file with a schema, read objects, start writes.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use syncline_core as core;

use crate::error::{Result, SynclineError};
use crate::migration::{from_handler, MigrationHandler};
use crate::observe::{forward, ChangeListener, ObserverHandle};
use crate::query::{arguments, result_objects, with_modifiers, SortDescriptor};
use crate::schema::{classes_from_schema, schema_from_classes, ClassSchema};
use crate::transaction::{WriteBlock, WriteTransaction};
use crate::value::{fields_from_document, PrimaryKey, Value};

/// An object read from the database.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DbObject {
    /// Its class.
    pub class_name: String,
    /// Its primary key (its row key for a class without a primary key).
    pub pk: PrimaryKey,
    /// Its stored properties by name.
    pub fields: HashMap<String, Value>,
}

impl From<core::Object> for DbObject {
    fn from(object: core::Object) -> Self {
        DbObject {
            class_name: object.class,
            pk: object.pk.into(),
            fields: fields_from_document(object.fields),
        }
    }
}

/// A Syncline database: one file opened with the app's schema. Safe to share between threads.
#[derive(uniffi::Object)]
pub struct Database {
    // `None` once closed; calls after `close()` fail with `SynclineError::Closed`.
    inner: RwLock<Option<core::Database>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Database {
    pub(crate) fn from_core(db: core::Database) -> Arc<Self> {
        Arc::new(Database {
            inner: RwLock::new(Some(db)),
        })
    }

    /// The open core database (a cheap handle clone), so that no lock is held while it works.
    pub(crate) fn core(&self) -> Result<core::Database> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| SynclineError::closed("database"))
    }
}

#[uniffi::export]
impl Database {
    /// Opens (or creates) the database file at `path` with a schema in its JSON form (an array
    /// of classes, e.g. `[{"name": "Task", "primaryKey": "_id", "properties": {"_id": "int"}}]`).
    /// Additive schema changes migrate the file automatically.
    #[uniffi::constructor]
    pub fn open(path: String, schema_json: String) -> Result<Arc<Self>> {
        let schema = core::Schema::from_json_str(&schema_json)?;
        Ok(Self::from_core(core::Database::open(
            path,
            core::Config::new(schema),
        )?))
    }

    /// Opens (or creates) the database file at `path` with a schema in its JSON form at
    /// `schema_version`. When the file has a lower version, `migration` (if given) runs inside
    /// the upgrading write transaction; non-additive changes need both a higher version and a
    /// migration, otherwise this fails with `Schema` listing the changes. A migration that
    /// throws rolls everything back and this fails with `Callback` carrying its message.
    #[uniffi::constructor(default(migration = None))]
    pub fn open_with_migration(
        path: String,
        schema_json: String,
        schema_version: u64,
        migration: Option<Arc<dyn MigrationHandler>>,
    ) -> Result<Arc<Self>> {
        let schema = core::Schema::from_json_str(&schema_json)?;
        let mut config = core::Config::new(schema.clone()).with_schema_version(schema_version);
        if let Some(handler) = migration {
            config = config.with_migration(from_handler(schema, handler));
        }
        Ok(Self::from_core(core::Database::open(path, config)?))
    }

    /// Opens (or creates) the database file at `path` with a schema given as class records.
    #[uniffi::constructor]
    pub fn open_with_classes(path: String, classes: Vec<ClassSchema>) -> Result<Arc<Self>> {
        let schema = schema_from_classes(classes)?;
        Ok(Self::from_core(core::Database::open(
            path,
            core::Config::new(schema),
        )?))
    }

    /// Opens a private database in a temporary file that is deleted when it is closed and no
    /// transaction uses it any more (for tests and scratch data).
    #[uniffi::constructor]
    pub fn open_temporary(schema_json: String) -> Result<Arc<Self>> {
        let schema = core::Schema::from_json_str(&schema_json)?;
        Ok(Self::from_core(core::Database::open_temporary(
            core::Config::new(schema),
        )?))
    }

    /// Closes the database. Later calls fail with `Closed`; closing twice does nothing.
    /// Transactions still open keep the file open until they end.
    pub fn close(&self) {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// Whether `close()` was called.
    pub fn is_closed(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// The path of the database file.
    pub fn path(&self) -> Result<String> {
        Ok(self.core()?.path().to_string_lossy().into_owned())
    }

    /// The database's schema as class records.
    pub fn schema(&self) -> Result<Vec<ClassSchema>> {
        Ok(classes_from_schema(self.core()?.schema()))
    }

    /// The database's schema in its JSON form.
    pub fn schema_json(&self) -> Result<String> {
        Ok(self.core()?.schema().to_json().to_string())
    }

    /// The object of `class_name` with primary key `pk`, or nothing when there is none.
    pub fn get(&self, class_name: String, pk: PrimaryKey) -> Result<Option<DbObject>> {
        let pk = pk.try_into()?;
        let object = self
            .core()?
            .read(|txn| txn.get(&class_name, &pk))?
            .map(DbObject::from);
        Ok(object)
    }

    /// The objects of `class_name` with these primary keys, in the same order, each or nothing
    /// (one call and one snapshot for many objects).
    pub fn get_many(
        &self,
        class_name: String,
        pks: Vec<PrimaryKey>,
    ) -> Result<Vec<Option<DbObject>>> {
        let pks = pks
            .into_iter()
            .map(core::PrimaryKey::try_from)
            .collect::<Result<Vec<_>>>()?;
        self.core()?.read(|txn| {
            pks.iter()
                .map(|pk| Ok(txn.get(&class_name, pk)?.map(DbObject::from)))
                .collect()
        })
    }

    /// Every object of `class_name`, in insertion order.
    pub fn objects(&self, class_name: String) -> Result<Vec<DbObject>> {
        let objects = self.core()?.read(|txn| txn.objects(&class_name))?;
        Ok(objects.into_iter().map(DbObject::from).collect())
    }

    /// Runs `block` in a write transaction: committed when it returns normally, rolled back
    /// entirely when it throws (as `SynclineError.Callback` with its message; the Kotlin and
    /// Swift `write { }` helpers rethrow the original exception instead).
    pub fn write(&self, block: Arc<dyn WriteBlock>) -> Result<()> {
        let txn = WriteTransaction::begin(&self.core()?)?;
        match block.run(txn.clone()) {
            // The block may have committed or cancelled on its own; that decision stands.
            Ok(()) if !txn.is_open() => Ok(()),
            Ok(()) => txn.commit(),
            Err(error) => {
                // Rolling back cannot lose anything; the block's error is what the caller
                // needs to see, so a failed rollback does not replace it.
                let _ = txn.cancel();
                Err(error.into())
            }
        }
    }

    /// Starts a write transaction; waits while another thread holds one. End it with
    /// `commit()` or `cancel()`; one that is dropped (garbage-collected) open rolls back.
    pub fn begin_write(&self) -> Result<Arc<WriteTransaction>> {
        WriteTransaction::begin(&self.core()?)
    }

    /// The objects of `class_name` matching the Realm Query Language filter `rql` (e.g.
    /// `done == false AND title CONTAINS $0`) with arguments `args`, sorted by `sort` and at
    /// most `limit` of them. `rql` may also carry its own `SORT`, `DISTINCT` and `LIMIT`.
    #[uniffi::method(default(args = [], sort = [], limit = None))]
    pub fn query(
        &self,
        class_name: String,
        rql: String,
        args: Vec<Value>,
        sort: Vec<SortDescriptor>,
        limit: Option<u64>,
    ) -> Result<Vec<DbObject>> {
        let text = with_modifiers(&rql, &sort, limit)?;
        let args = arguments(args)?;
        self.core()?.read(|txn| {
            let results = txn.query(&class_name, &text, &args)?;
            let objects = result_objects(&results, |pk| txn.get(&class_name, pk))?;
            Ok(objects.into_iter().map(DbObject::from).collect())
        })
    }

    /// How many objects of `class_name` match `rql` with `args`.
    #[uniffi::method(default(args = []))]
    pub fn count(&self, class_name: String, rql: String, args: Vec<Value>) -> Result<u64> {
        let args = arguments(args)?;
        let count = self
            .core()?
            .read(|txn| txn.count(&class_name, &rql, &args))?;
        Ok(count as u64)
    }

    /// Observes the results of a query (`SORT`/`LIMIT` included in `rql`): `listener` gets
    /// `ResultsInitial` before this returns, then `ResultsChanged` after each commit that
    /// changed the results. Notifications stop on `cancel()` or when the handle is dropped.
    pub fn observe_query(
        &self,
        class_name: String,
        rql: String,
        args: Vec<Value>,
        listener: Arc<dyn ChangeListener>,
    ) -> Result<Arc<ObserverHandle>> {
        let args = arguments(args)?;
        let handle = self
            .core()?
            .observe_query(&class_name, &rql, &args, forward(listener))?;
        Ok(ObserverHandle::new(handle))
    }

    /// Observes one object: `listener` gets `ObjectInitial` before this returns, then
    /// `ObjectChanged` with the changed property names, and `ObjectDeleted` at the end.
    pub fn observe_object(
        &self,
        class_name: String,
        pk: PrimaryKey,
        listener: Arc<dyn ChangeListener>,
    ) -> Result<Arc<ObserverHandle>> {
        let pk = pk.try_into()?;
        let handle = self
            .core()?
            .observe_object(&class_name, &pk, forward(listener))?;
        Ok(ObserverHandle::new(handle))
    }
}
