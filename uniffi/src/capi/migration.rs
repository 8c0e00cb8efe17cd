//! C entry points of schema migrations: open with a schema version and a migration callback,
//! and what the callback can read (the old version, schema and objects).

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use syncline_core::Config;

use super::database::open_with;
use super::handles::{self, SynclineDatabase, SynclineMigration, SynclineTransaction};
use super::{check_out, entry, json, out_entry, str_arg, text_entry};
use crate::migration::{core_callback, Migration};

/// A migration callback: moves the data of `migration`'s old schema into the new one through
/// `txn` (with the `syncline_transaction_*` functions) and returns 0; anything else rolls the
/// whole open back. Both handles are valid only during the call; do not free them.
pub type SynclineMigrationCallback = Option<
    unsafe extern "C" fn(
        migration: *mut SynclineMigration,
        txn: *mut SynclineTransaction,
        user_data: *mut c_void,
    ) -> c_int,
>;

/// Carries the C callback's `user_data` to the thread that opens the database.
struct UserData(*mut c_void);

impl UserData {
    // A method, so that closures capture the whole (`Send`) wrapper, not its field.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

// SAFETY: the callback is only called during `syncline_database_open_with_migration`, on the
// caller's thread, which handed over this pointer for exactly that.
unsafe impl Send for UserData {}
// SAFETY: as above; the pointer is only passed back to the caller's own callback.
unsafe impl Sync for UserData {}

/// Calls the application's migration callback with handles valid for the call only.
///
/// # Safety
/// `callback` is a valid function taking these arguments.
unsafe fn run_callback(
    callback: unsafe extern "C" fn(
        *mut SynclineMigration,
        *mut SynclineTransaction,
        *mut c_void,
    ) -> c_int,
    user_data: *mut c_void,
    migration: Arc<Migration>,
) -> syncline_core::Result<()> {
    let txn = handles::new_transaction(migration.transaction());
    let handle = handles::new_migration(migration);
    // SAFETY: per this function's contract.
    let status = unsafe { callback(handle, txn, user_data) };
    let _ = handles::free_migration(handle);
    let _ = handles::free_transaction(txn);
    if status == 0 {
        Ok(())
    } else {
        Err(syncline_core::Error::callback(format!(
            "the migration callback returned {status}; the file was left as it was"
        )))
    }
}

/// Opens (or creates) the database file at `path` with a schema in its JSON form at
/// `schema_version`. When the file has a lower version, `callback(migration, txn, user_data)`
/// (if not NULL) runs inside the upgrading write transaction. Non-additive changes need both a
/// higher version and a callback, otherwise this fails with `SYNCLINE_ERROR_SCHEMA` listing
/// the changes; a callback returning non-zero gives `SYNCLINE_ERROR_CALLBACK` and leaves the
/// file as it was.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_db` is NULL or writable; `callback` is NULL or a
/// valid function, called on this thread before this returns.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_open_with_migration(
    path: *const c_char,
    schema_json: *const c_char,
    schema_version: u64,
    callback: SynclineMigrationCallback,
    user_data: *mut c_void,
    out_db: *mut *mut SynclineDatabase,
) -> c_int {
    entry(|| {
        check_out(out_db, "out_db")?;
        // SAFETY: per this function's contract.
        let path = unsafe { str_arg(path, "path") }?;
        open_with(schema_json, out_db, |schema| {
            let mut config = Config::new(schema.clone()).with_schema_version(schema_version);
            if let Some(callback) = callback {
                let user_data = UserData(user_data);
                config = config.with_migration(core_callback(schema, move |migration| {
                    // SAFETY: the caller guarantees `callback` is a valid function taking these
                    // arguments; `user_data` is theirs.
                    unsafe { run_callback(callback, user_data.get(), migration) }
                }));
            }
            syncline_core::Database::open(path, config)
        })
    })
}

/// The schema version the file had, in `*out_version`.
///
/// # Safety
/// `out_version` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_migration_old_schema_version(
    migration: *mut SynclineMigration,
    out_version: *mut u64,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_version, "out_version", || {
            Ok(handles::migration(migration)?.old_schema_version()?)
        })
    }
}

/// The schema the file had, in its JSON form, in `*out_json` (free with
/// `syncline_string_free`).
///
/// # Safety
/// `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_migration_old_schema_json(
    migration: *mut SynclineMigration,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            Ok(handles::migration(migration)?.old_schema_json()?)
        })
    }
}

/// Every object of `class_name` as it was under the old schema, in insertion order, as a JSON
/// array of their fields in `*out_json` (free with `syncline_string_free`).
///
/// # Safety
/// `class_name` is NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_migration_old_objects(
    migration: *mut SynclineMigration,
    class_name: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let migration = handles::migration(migration)?;
            let class_name = str_arg(class_name, "class_name")?;
            let objects = migration.old_core_objects(class_name)?;
            Ok(json::objects_text(&migration.old_core_schema()?, &objects))
        })
    }
}
