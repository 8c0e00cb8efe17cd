//! `WriteTransaction`: create, upsert, update and delete objects; commit or cancel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use syncline_core as core;

use crate::database::DbObject;
use crate::error::{CallbackError, Result, SynclineError};
use crate::migration::MigrationScope;
use crate::query::{arguments, result_objects};
use crate::value::{document_from_fields, PrimaryKey, Value};

/// Application code run inside a write transaction (`Database.write`).
#[uniffi::export(with_foreign)]
pub trait WriteBlock: Send + Sync {
    /// Does the transaction's work. Throwing rolls every change back.
    fn run(&self, transaction: Arc<WriteTransaction>) -> Result<(), CallbackError>;
}

/// A write transaction: its changes become visible together at `commit()`, or not at all
/// (`cancel()`, an error in `Database.write`, or the object being dropped while open).
#[derive(uniffi::Object)]
pub struct WriteTransaction {
    // `None` once committed or cancelled (always `None` for a migration's transaction).
    inner: Mutex<Option<core::WriteTransaction>>,
    // Where the schema and, for a migration, the transaction come from.
    source: Source,
}

/// What a transaction belongs to.
enum Source {
    /// An open database; the transaction is `inner`.
    Database(core::Database),
    /// A migration: the core's transaction is lent by the migration callback.
    Migration(Arc<MigrationScope>, core::Schema),
}

impl std::fmt::Debug for WriteTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTransaction").finish_non_exhaustive()
    }
}

impl WriteTransaction {
    pub(crate) fn begin(db: &core::Database) -> Result<Arc<Self>> {
        Ok(Arc::new(WriteTransaction {
            inner: Mutex::new(Some(db.begin_write()?)),
            source: Source::Database(db.clone()),
        }))
    }

    /// The transaction of a migration in progress (the new `schema`'s).
    pub(crate) fn for_migration(scope: Arc<MigrationScope>, schema: core::Schema) -> Arc<Self> {
        Arc::new(WriteTransaction {
            inner: Mutex::new(None),
            source: Source::Migration(scope, schema),
        })
    }

    /// The schema of the database written to.
    pub(crate) fn schema(&self) -> &core::Schema {
        match &self.source {
            Source::Database(db) => db.schema(),
            Source::Migration(_, schema) => schema,
        }
    }

    /// Runs `f` on the open core transaction.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut core::WriteTransaction) -> Result<T>,
    ) -> Result<T> {
        if let Source::Migration(scope, _) = &self.source {
            return scope.with(|migration| f(migration.transaction()));
        }
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let txn = guard
            .as_mut()
            .ok_or_else(|| SynclineError::closed("write transaction"))?;
        f(txn)
    }

    fn take(&self) -> Result<core::WriteTransaction> {
        if let Source::Migration(..) = &self.source {
            return Err(SynclineError::invalid_argument(
                "a migration's transaction commits when the migration returns; \
                 it cannot be committed or cancelled on its own",
            ));
        }
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| SynclineError::closed("write transaction"))
    }
}

#[uniffi::export]
impl WriteTransaction {
    /// Creates an object of `class_name` (defaults fill properties not given); returns its
    /// primary key. Fails with `Conflict` when the primary key exists already.
    pub fn create(&self, class_name: String, fields: HashMap<String, Value>) -> Result<PrimaryKey> {
        let doc = document_from_fields(fields)?;
        self.with(|txn| Ok(txn.create(&class_name, doc)?.into()))
    }

    /// Creates many objects of `class_name` in one call; returns their primary keys in order.
    pub fn create_many(
        &self,
        class_name: String,
        objects: Vec<HashMap<String, Value>>,
    ) -> Result<Vec<PrimaryKey>> {
        let docs = objects
            .into_iter()
            .map(document_from_fields)
            .collect::<Result<Vec<_>>>()?;
        self.with(|txn| {
            docs.into_iter()
                .map(|doc| Ok(txn.create(&class_name, doc)?.into()))
                .collect()
        })
    }

    /// Creates the object, or sets the given properties on the existing object with the same
    /// primary key. Returns the primary key.
    pub fn upsert(&self, class_name: String, fields: HashMap<String, Value>) -> Result<PrimaryKey> {
        let doc = document_from_fields(fields)?;
        self.with(|txn| Ok(txn.upsert(&class_name, doc)?.into()))
    }

    /// Sets the given properties of an existing object (others keep their values).
    /// Fails with `NotFound` when there is no such object.
    pub fn update(
        &self,
        class_name: String,
        pk: PrimaryKey,
        fields: HashMap<String, Value>,
    ) -> Result<()> {
        let pk = pk.try_into()?;
        let doc = document_from_fields(fields)?;
        self.with(|txn| Ok(txn.update(&class_name, &pk, doc)?))
    }

    /// Sets the value at `path` of an object: a property (`title`), a property of an embedded
    /// object (`address.street`), a list element (`tags[0]`) or a dictionary entry
    /// (`scores['ann']`).
    pub fn set(
        &self,
        class_name: String,
        pk: PrimaryKey,
        path: String,
        value: Value,
    ) -> Result<()> {
        let pk = pk.try_into()?;
        let value = value.try_into()?;
        self.with(|txn| Ok(txn.set(&class_name, &pk, &path, value)?))
    }

    /// Deletes an object; returns whether it existed.
    pub fn delete(&self, class_name: String, pk: PrimaryKey) -> Result<bool> {
        let pk = pk.try_into()?;
        self.with(|txn| Ok(txn.delete(&class_name, &pk)?))
    }

    /// The object of `class_name` with primary key `pk` as this transaction sees it.
    pub fn get(&self, class_name: String, pk: PrimaryKey) -> Result<Option<DbObject>> {
        let pk = pk.try_into()?;
        self.with(|txn| Ok(txn.get(&class_name, &pk)?.map(DbObject::from)))
    }

    /// The objects of `class_name` matching `rql` with `args`, as this transaction sees them
    /// (its own writes included); `rql` may end in `SORT`, `DISTINCT` and `LIMIT` clauses.
    pub fn query(
        &self,
        class_name: String,
        rql: String,
        args: Vec<Value>,
    ) -> Result<Vec<DbObject>> {
        let args = arguments(args)?;
        self.with(|txn| {
            let results = txn.query(&class_name, &rql, &args)?;
            let objects = result_objects(&results, |pk| txn.get(&class_name, pk))?;
            Ok(objects.into_iter().map(DbObject::from).collect())
        })
    }

    /// How many objects of `class_name` match `rql` with `args`, as this transaction sees them.
    pub fn count(&self, class_name: String, rql: String, args: Vec<Value>) -> Result<u64> {
        let args = arguments(args)?;
        self.with(|txn| Ok(txn.count(&class_name, &rql, &args)? as u64))
    }

    /// Makes the changes durable and visible. The transaction is closed afterwards.
    pub fn commit(&self) -> Result<()> {
        Ok(self.take()?.commit()?)
    }

    /// Rolls every change back. The transaction is closed afterwards.
    pub fn cancel(&self) -> Result<()> {
        Ok(self.take()?.cancel()?)
    }

    /// Whether the transaction is still open (neither committed nor cancelled).
    pub fn is_open(&self) -> bool {
        if let Source::Migration(scope, _) = &self.source {
            return scope.with(|_| Ok(())).is_ok();
        }
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}
