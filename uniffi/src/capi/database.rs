//! C entry points of a database: open, close, free, schema, reads, writes.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use serde_json::Value as Json;
use syncline_core::{Config, Object, Schema};

use super::handles::{self, SynclineDatabase, SynclineTransaction};
use super::{
    check_out, entry, json, null_argument, out_entry, str_arg, text_entry, write_out, CResult,
};
use crate::database::Database;
use crate::error::SynclineError;
use crate::transaction::WriteTransaction;

/// A write callback: does the transaction's work and returns 0 to commit, anything else to
/// roll back. `txn` is valid only during the call; do not free it.
pub type SynclineWriteCallback =
    Option<unsafe extern "C" fn(txn: *mut SynclineTransaction, user_data: *mut c_void) -> c_int>;

/// An object's fields as a JSON object for C, or NULL when there is no object.
pub(crate) fn object_or_null(schema: &Schema, object: Option<&Object>) -> CResult<*mut c_char> {
    match object {
        Some(object) => handles::new_string(json::object_json(schema, object).to_string()),
        None => Ok(std::ptr::null_mut()),
    }
}

/// Opens a database with the schema read from `schema_json` and hands it to `*out_db`.
pub(crate) fn open_with(
    schema_json: *const c_char,
    out_db: *mut *mut SynclineDatabase,
    open: impl FnOnce(Schema) -> syncline_core::Result<syncline_core::Database>,
) -> CResult {
    check_out(out_db, "out_db")?;
    // SAFETY: the caller passes a NUL-terminated string or NULL (checked).
    let schema_json = unsafe { str_arg(schema_json, "schema_json") }?;
    let schema = Schema::from_json_str(schema_json).map_err(SynclineError::from)?;
    let db = Database::from_core(open(schema)?);
    // SAFETY: checked non-NULL above; the caller passes a writable pointer.
    unsafe { write_out(out_db, handles::new_database(db), "out_db") }
}

/// Opens (or creates) the database file at `path` with a schema in its JSON form (an array of
/// classes). On success `*out_db` is a handle to free with `syncline_database_free`.
///
/// # Safety
/// `path` and `schema_json` are NULL or NUL-terminated strings; `out_db` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_open(
    path: *const c_char,
    schema_json: *const c_char,
    out_db: *mut *mut SynclineDatabase,
) -> c_int {
    entry(|| {
        // SAFETY: per this function's contract.
        let path = unsafe { str_arg(path, "path") }?;
        open_with(schema_json, out_db, |schema| {
            syncline_core::Database::open(path, Config::new(schema))
        })
    })
}

/// Opens a private database in a temporary file, deleted when the database is freed.
///
/// # Safety
/// As `syncline_database_open`.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_open_temporary(
    schema_json: *const c_char,
    out_db: *mut *mut SynclineDatabase,
) -> c_int {
    entry(|| {
        open_with(schema_json, out_db, |schema| {
            syncline_core::Database::open_temporary(Config::new(schema))
        })
    })
}

/// Closes the database: later calls on it fail with `SYNCLINE_ERROR_CLOSED`. The handle
/// itself must still be freed.
#[no_mangle]
pub extern "C" fn syncline_database_close(db: *mut SynclineDatabase) -> c_int {
    entry(|| {
        handles::database(db)?.close();
        Ok(())
    })
}

/// Frees a database handle (closing the database when nothing else uses it). A handle freed
/// twice gives `SYNCLINE_ERROR_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn syncline_database_free(db: *mut SynclineDatabase) -> c_int {
    entry(|| {
        handles::free_database(db)?;
        Ok(())
    })
}

/// The path of the database file, in `*out_path` (free with `syncline_string_free`).
///
/// # Safety
/// `out_path` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_path(
    db: *mut SynclineDatabase,
    out_path: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe { text_entry(out_path, "out_path", || Ok(handles::database(db)?.path()?)) }
}

/// The database's schema in its JSON form, in `*out_json` (free with `syncline_string_free`).
///
/// # Safety
/// `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_schema_json(
    db: *mut SynclineDatabase,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            Ok(handles::database(db)?.schema_json()?)
        })
    }
}

/// Reads inputs common to reads: the database, the class name, and the schema.
fn read_context(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
) -> CResult<(syncline_core::Database, String)> {
    let core = handles::database(db)?.core()?;
    // SAFETY: the caller passes a NUL-terminated string or NULL (checked).
    let class_name = unsafe { str_arg(class_name, "class_name") }?.to_owned();
    Ok((core, class_name))
}

/// The object of `class_name` whose primary key is `pk_json` (Extended JSON, e.g. `1`,
/// `"abc"`, `{"$oid": "…"}`): `*out_json` is its fields as a JSON object, or NULL when there is
/// no such object. Free it with `syncline_string_free`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_get(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    pk_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_json, "out_json", || {
            let (core, class_name) = read_context(db, class_name)?;
            let pk = json::primary_key_arg(core.schema(), &class_name, pk_json)?;
            let found = core.read(|txn| txn.get(&class_name, &pk))?;
            object_or_null(core.schema(), found.as_ref())
        })
    }
}

/// The objects of `class_name` with the primary keys in `pks_json` (a JSON array), read in one
/// snapshot: `*out_json` is a JSON array with each object's fields, or `null` where none exists.
///
/// # Safety
/// As `syncline_database_get`.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_get_many(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    pks_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let (core, class_name) = read_context(db, class_name)?;
            let pks_text = str_arg(pks_json, "pks_json")?;
            let pks = json::primary_keys(core.schema(), &class_name, pks_text)?;
            let found = core.read(|txn| {
                pks.iter()
                    .map(|pk| {
                        Ok(match txn.get(&class_name, pk)? {
                            Some(object) => json::object_json(core.schema(), &object),
                            None => Json::Null,
                        })
                    })
                    .collect::<syncline_core::Result<Vec<_>>>()
            })?;
            Ok(Json::Array(found).to_string())
        })
    }
}

/// Every object of `class_name` in insertion order, as a JSON array of their fields.
///
/// # Safety
/// As `syncline_database_get`.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_objects(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let (core, class_name) = read_context(db, class_name)?;
            let objects = core.read(|txn| txn.objects(&class_name))?;
            Ok(json::objects_text(core.schema(), &objects))
        })
    }
}

/// Starts a write transaction (waits while another thread holds one). `*out_txn` is freed
/// with `syncline_transaction_free`, which rolls back a transaction not yet committed.
///
/// # Safety
/// `out_txn` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_begin_write(
    db: *mut SynclineDatabase,
    out_txn: *mut *mut SynclineTransaction,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_txn, "out_txn", || {
            Ok(handles::new_transaction(
                handles::database(db)?.begin_write()?,
            ))
        })
    }
}

/// Runs `callback(txn, user_data)` in a write transaction: committed when it returns 0,
/// rolled back when it returns anything else (then this returns `SYNCLINE_ERROR_CALLBACK`).
///
/// # Safety
/// `callback` is a valid function; it is called on this thread before this returns.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_write(
    db: *mut SynclineDatabase,
    callback: SynclineWriteCallback,
    user_data: *mut c_void,
) -> c_int {
    entry(|| {
        let callback = callback.ok_or_else(|| null_argument("callback"))?;
        let txn: Arc<WriteTransaction> = handles::database(db)?.begin_write()?;
        let handle = handles::new_transaction(txn.clone());
        // SAFETY: the caller guarantees `callback` is a valid function taking these arguments.
        let status = unsafe { callback(handle, user_data) };
        // The handle was valid for the call only; the callback may have freed it already.
        let _ = handles::free_transaction(handle);
        if status != 0 {
            // The callback's failure is what the caller needs to hear about.
            let _ = txn.cancel();
            return Err(SynclineError::Callback {
                message: format!(
                    "the write callback returned {status}; the transaction was rolled back"
                ),
            }
            .into());
        }
        // The callback may have committed or cancelled on its own; that decision stands.
        if txn.is_open() {
            txn.commit()?;
        }
        Ok(())
    })
}
