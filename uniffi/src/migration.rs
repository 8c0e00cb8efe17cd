//! Schema migrations from foreign code: `Database.openWithMigration` calls the app's
//! `MigrationHandler` with a `Migration` that reads the old objects and writes the new ones.
//!
//! The core lends its migration (and its write transaction) to the callback by `&mut` for the
//! duration of one call only. Foreign objects outlive calls, so the lent borrow is kept in a
//! [`MigrationScope`] that is emptied when the callback returns: every later use reports that
//! the migration ended instead of touching a finished transaction.

use std::sync::{Arc, Mutex, PoisonError};

use syncline_core as core;

use crate::database::DbObject;
use crate::error::{CallbackError, Result, SynclineError};
use crate::schema::{classes_from_schema, ClassSchema};
use crate::transaction::WriteTransaction;

/// Application code that migrates a database file to a new schema version.
#[uniffi::export(with_foreign)]
pub trait MigrationHandler: Send + Sync {
    /// Moves the data from the old schema to the new one. Throwing rolls the whole open back;
    /// the open then fails with `SynclineError.Callback` carrying the message.
    fn migrate(&self, migration: Arc<Migration>) -> Result<(), CallbackError>;
}

/// A core migration lent for one callback, with its lifetime erased.
struct Lent(*mut core::Migration<'static>);

// SAFETY: the pointer is only dereferenced under the scope's mutex, while the core is blocked
// in the callback that lent it (so the borrow is alive and used by no one else), and
// `core::Migration` itself may move between threads (checked below).
unsafe impl Send for Lent {}

const _: () = {
    const fn send<T: Send>() {}
    send::<core::Migration<'static>>();
};

/// The lent migration of one callback; empty before and after it.
#[derive(Default)]
pub(crate) struct MigrationScope {
    lent: Mutex<Option<Lent>>,
}

impl MigrationScope {
    /// Runs `body` with `migration` lent to this scope; the scope is empty again afterwards,
    /// also when `body` panics.
    fn lend<T>(&self, migration: &mut core::Migration<'_>, body: impl FnOnce() -> T) -> T {
        struct Clear<'a>(&'a MigrationScope);
        impl Drop for Clear<'_> {
            fn drop(&mut self) {
                self.0
                    .lent
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
            }
        }
        let ptr: *mut core::Migration<'_> = migration;
        *self.lent.lock().unwrap_or_else(PoisonError::into_inner) = Some(Lent(ptr.cast()));
        let _clear = Clear(self);
        body()
    }

    /// Runs `f` on the lent migration, or fails when the callback has returned.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut core::Migration<'_>) -> Result<T>,
    ) -> Result<T> {
        let guard = self.lent.lock().unwrap_or_else(PoisonError::into_inner);
        let lent = guard.as_ref().ok_or_else(|| SynclineError::Closed {
            message: "the migration has ended (it is usable only inside the migration callback)"
                .to_owned(),
        })?;
        // SAFETY: see `Lent`: the borrow is alive while it is in the scope, and the mutex
        // guard makes this the only use of it.
        let migration = unsafe { &mut *lent.0 };
        f(migration)
    }
}

/// A migration in progress, given to `MigrationHandler.migrate`; usable only during that call.
#[derive(uniffi::Object)]
pub struct Migration {
    scope: Arc<MigrationScope>,
    transaction: Arc<WriteTransaction>,
}

impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration").finish_non_exhaustive()
    }
}

/// Wraps a foreign handler as the core's migration callback.
pub(crate) fn core_callback(
    schema: core::Schema,
    run: impl Fn(Arc<Migration>) -> core::Result<()> + Send + Sync + 'static,
) -> impl Fn(&mut core::Migration<'_>) -> core::Result<()> + Send + Sync + 'static {
    move |migration| {
        let scope = Arc::new(MigrationScope::default());
        let handle = Arc::new(Migration {
            scope: scope.clone(),
            transaction: WriteTransaction::for_migration(scope.clone(), schema.clone()),
        });
        scope.lend(migration, || run(handle))
    }
}

/// The core callback for a uniffi `MigrationHandler`.
pub(crate) fn from_handler(
    schema: core::Schema,
    handler: Arc<dyn MigrationHandler>,
) -> impl Fn(&mut core::Migration<'_>) -> core::Result<()> + Send + Sync + 'static {
    core_callback(schema, move |migration| {
        handler
            .migrate(migration)
            .map_err(|error| core::Error::callback(error.to_string()))
    })
}

impl Migration {
    /// The old objects of `class_name` as the core reads them.
    pub(crate) fn old_core_objects(&self, class_name: &str) -> Result<Vec<core::Object>> {
        self.scope.with(|m| Ok(m.old_objects(class_name)?))
    }

    /// The schema the file had.
    pub(crate) fn old_core_schema(&self) -> Result<core::Schema> {
        self.scope.with(|m| Ok(m.old_schema().clone()))
    }
}

#[uniffi::export]
impl Migration {
    /// The schema version the file had.
    pub fn old_schema_version(&self) -> Result<u64> {
        self.scope.with(|m| Ok(m.old_schema_version()))
    }

    /// The schema version being migrated to.
    pub fn new_schema_version(&self) -> Result<u64> {
        self.scope.with(|m| Ok(m.new_schema_version()))
    }

    /// The schema the file had, as class records.
    pub fn old_schema(&self) -> Result<Vec<ClassSchema>> {
        Ok(classes_from_schema(&self.old_core_schema()?))
    }

    /// The schema the file had, in its JSON form.
    pub fn old_schema_json(&self) -> Result<String> {
        Ok(self.old_core_schema()?.to_json().to_string())
    }

    /// Every object of `class_name` as it was under the old schema, in insertion order.
    pub fn old_objects(&self, class_name: String) -> Result<Vec<DbObject>> {
        Ok(self
            .old_core_objects(&class_name)?
            .into_iter()
            .map(DbObject::from)
            .collect())
    }

    /// The transaction that writes the objects under the new schema. It commits when the
    /// migration returns; `commit()` and `cancel()` on it fail.
    pub fn transaction(&self) -> Arc<WriteTransaction> {
        self.transaction.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::database::Database;
    use crate::value::{PrimaryKey, Value};

    const V0: &str = r#"[{"name": "Person", "primaryKey": "_id",
        "properties": {"_id": "int", "name": "string"}}]"#;
    const V1: &str = r#"[{"name": "Person", "primaryKey": "_id",
        "properties": {"_id": "int", "fullName": "string?"}}]"#;

    /// Renames `name` to `fullName` and keeps the migration to try it afterwards.
    #[derive(Default)]
    struct Rename {
        kept: Mutex<Option<Arc<Migration>>>,
    }

    impl MigrationHandler for Rename {
        fn migrate(&self, migration: Arc<Migration>) -> Result<(), CallbackError> {
            let failed = |e: SynclineError| CallbackError::Failed {
                reason: e.to_string(),
            };
            let txn = migration.transaction();
            for person in migration.old_objects("Person".into()).map_err(failed)? {
                let name = match person.fields.get("name") {
                    Some(Value::String { value }) => value.to_uppercase(),
                    other => {
                        return Err(CallbackError::Failed {
                            reason: format!("no name: {other:?}"),
                        })
                    }
                };
                txn.set(
                    "Person".into(),
                    person.pk,
                    "fullName".into(),
                    Value::String { value: name },
                )
                .map_err(failed)?;
            }
            assert!(
                txn.commit().is_err(),
                "a migration's transaction commits by itself"
            );
            *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(migration);
            Ok(())
        }
    }

    #[test]
    fn a_migration_renames_a_field_and_ends_with_its_callback() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("people.db").to_string_lossy().into_owned();
        let db = Database::open_with_migration(path.clone(), V0.into(), 0, None).expect("v0");
        let txn = db.begin_write().expect("write");
        let mut fields = std::collections::HashMap::new();
        fields.insert("_id".to_owned(), Value::Int { value: 1 });
        fields.insert(
            "name".to_owned(),
            Value::String {
                value: "ada".into(),
            },
        );
        txn.create("Person".into(), fields).expect("create");
        txn.commit().expect("commit");
        db.close();

        let err = Database::open_with_migration(path.clone(), V1.into(), 0, None)
            .expect_err("breaking change without migration");
        assert!(matches!(err, SynclineError::Schema { .. }), "{err:?}");

        let handler = Arc::new(Rename::default());
        let db =
            Database::open_with_migration(path, V1.into(), 1, Some(handler.clone())).expect("v1");
        let person = db
            .get("Person".into(), PrimaryKey::Int { value: 1 })
            .expect("get");
        let person = person.expect("migrated person");
        assert_eq!(
            person.fields.get("fullName"),
            Some(&Value::String {
                value: "ADA".into()
            })
        );
        let kept = handler
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let kept = kept.expect("kept migration");
        assert!(matches!(
            kept.old_schema_version(),
            Err(SynclineError::Closed { .. })
        ));
        assert!(!kept.transaction().is_open());
    }
}
