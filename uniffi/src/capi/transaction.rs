//! C entry points of a write transaction: create, upsert, update, delete, get, commit, cancel.

use std::ffi::{c_char, c_int};
use std::sync::Arc;

use syncline_core::{self as core, Document, PrimaryKey};

use super::database::object_or_null;
use super::handles::{self, SynclineTransaction};
use super::{entry, json, out_entry, str_arg, write_optional_out, write_out, CResult};
use crate::transaction::WriteTransaction;

/// The transaction and its class argument.
fn context(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
) -> CResult<(Arc<WriteTransaction>, String)> {
    let txn = handles::transaction(txn)?;
    // SAFETY: the caller passes a NUL-terminated string or NULL (checked).
    let class_name = unsafe { str_arg(class_name, "class_name") }?.to_owned();
    Ok((txn, class_name))
}

/// Creates or upserts (`write`) one object from `object_json` and hands its primary key to
/// `out_pk_json` when not NULL.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_pk_json` is NULL or writable.
unsafe fn write_object(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    object_json: *const c_char,
    out_pk_json: *mut *mut c_char,
    write: fn(&mut core::WriteTransaction, &str, Document) -> core::Result<PrimaryKey>,
) -> c_int {
    entry(|| {
        let (txn, class_name) = context(txn, class_name)?;
        let schema = txn.schema();
        // SAFETY: per this function's contract.
        let text = unsafe { str_arg(object_json, "object_json") }?;
        let doc = json::document(schema, &class_name, text)?;
        let pk = txn.with(|t| Ok(write(t, &class_name, doc)?))?;
        if out_pk_json.is_null() {
            return Ok(());
        }
        let text = handles::new_string(json::primary_key_text(pk))?;
        // SAFETY: non-NULL and writable per this function's contract.
        unsafe { write_out(out_pk_json, text, "out_pk_json") }
    })
}

/// Creates an object of `class_name` from `object_json` (a JSON object of its fields; the
/// defaults fill the rest). If `out_pk_json` is not NULL it receives the primary key as
/// Extended JSON (free with `syncline_string_free`).
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_pk_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_create(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    object_json: *const c_char,
    out_pk_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        write_object(
            txn,
            class_name,
            object_json,
            out_pk_json,
            core::WriteTransaction::create,
        )
    }
}

/// Creates many objects of `class_name` from `objects_json` (a JSON array of objects) in one
/// call. If `out_count` is not NULL it receives how many were created.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_count` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_create_many(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    objects_json: *const c_char,
    out_count: *mut usize,
) -> c_int {
    entry(|| {
        let (txn, class_name) = context(txn, class_name)?;
        let schema = txn.schema();
        // SAFETY: per this function's contract.
        let text = unsafe { str_arg(objects_json, "objects_json") }?;
        let docs = json::documents(schema, &class_name, text)?;
        let count = docs.len();
        txn.with(|t| {
            for doc in docs {
                t.create(&class_name, doc)?;
            }
            Ok(())
        })?;
        // SAFETY: per this function's contract.
        unsafe { write_optional_out(out_count, count, "out_count") }
    })
}

/// Creates the object, or sets the given fields on the existing object with the same primary
/// key. `out_pk_json` as in `syncline_transaction_create`.
///
/// # Safety
/// As `syncline_transaction_create`.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_upsert(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    object_json: *const c_char,
    out_pk_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        write_object(
            txn,
            class_name,
            object_json,
            out_pk_json,
            core::WriteTransaction::upsert,
        )
    }
}

/// Sets the fields in `fields_json` (a JSON object) on the existing object whose primary key
/// is `pk_json`; `SYNCLINE_ERROR_NOT_FOUND` when there is none.
///
/// # Safety
/// Strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_update(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    pk_json: *const c_char,
    fields_json: *const c_char,
) -> c_int {
    entry(|| {
        let (txn, class_name) = context(txn, class_name)?;
        let schema = txn.schema();
        // SAFETY: per this function's contract.
        let pk_text = unsafe { str_arg(pk_json, "pk_json") }?;
        // SAFETY: per this function's contract.
        let fields_text = unsafe { str_arg(fields_json, "fields_json") }?;
        let pk = json::parse_primary_key(schema, &class_name, pk_text)?;
        let doc = json::document(schema, &class_name, fields_text)?;
        txn.with(|t| Ok(t.update(&class_name, &pk, doc)?))?;
        Ok(())
    })
}

/// Sets the value at `path` of the object whose primary key is `pk_json`: a property
/// (`title`), a property of an embedded object (`address.street`), a list element (`tags[0]`)
/// or a dictionary entry (`scores['ann']`). `value_json` is Extended JSON read as the type the
/// schema gives that place.
///
/// # Safety
/// Strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_set(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    pk_json: *const c_char,
    path: *const c_char,
    value_json: *const c_char,
) -> c_int {
    entry(|| {
        let (txn, class_name) = context(txn, class_name)?;
        let schema = txn.schema();
        // SAFETY: per this function's contract.
        let pk_text = unsafe { str_arg(pk_json, "pk_json") }?;
        // SAFETY: per this function's contract.
        let path = unsafe { str_arg(path, "path") }?;
        // SAFETY: per this function's contract.
        let value_text = unsafe { str_arg(value_json, "value_json") }?;
        let pk = json::parse_primary_key(schema, &class_name, pk_text)?;
        let value = json::value_at_path(
            schema,
            &class_name,
            path,
            &json::parse(value_text, "value_json")?,
        )?;
        txn.with(|t| Ok(t.set(&class_name, &pk, path, value)?))?;
        Ok(())
    })
}

/// Deletes the object whose primary key is `pk_json`. If `out_deleted` is not NULL it
/// receives whether the object existed.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_deleted` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_delete(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    pk_json: *const c_char,
    out_deleted: *mut bool,
) -> c_int {
    entry(|| {
        let (txn, class_name) = context(txn, class_name)?;
        // SAFETY: per this function's contract.
        let pk = unsafe { json::primary_key_arg(txn.schema(), &class_name, pk_json) }?;
        let existed = txn.with(|t| Ok(t.delete(&class_name, &pk)?))?;
        // SAFETY: per this function's contract.
        unsafe { write_optional_out(out_deleted, existed, "out_deleted") }
    })
}

/// The object whose primary key is `pk_json` as this transaction sees it: `*out_json` is its
/// fields as a JSON object, or NULL when there is none.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_transaction_get(
    txn: *mut SynclineTransaction,
    class_name: *const c_char,
    pk_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_json, "out_json", || {
            let (txn, class_name) = context(txn, class_name)?;
            let schema = txn.schema();
            let pk = json::primary_key_arg(schema, &class_name, pk_json)?;
            let found = txn.with(|t| Ok(t.get(&class_name, &pk)?))?;
            object_or_null(schema, found.as_ref())
        })
    }
}

/// Commits: the changes become durable and visible. The handle must still be freed.
#[no_mangle]
pub extern "C" fn syncline_transaction_commit(txn: *mut SynclineTransaction) -> c_int {
    entry(|| Ok(handles::transaction(txn)?.commit()?))
}

/// Rolls every change back. The handle must still be freed.
#[no_mangle]
pub extern "C" fn syncline_transaction_cancel(txn: *mut SynclineTransaction) -> c_int {
    entry(|| Ok(handles::transaction(txn)?.cancel()?))
}

/// Frees a transaction handle; a transaction neither committed nor cancelled rolls back.
#[no_mangle]
pub extern "C" fn syncline_transaction_free(txn: *mut SynclineTransaction) -> c_int {
    entry(|| {
        let txn = handles::free_transaction(txn)?;
        if txn.is_open() {
            // Only the C handle held it open; rolling back now releases the writer at once
            // instead of whenever the last reference goes.
            let _ = txn.cancel();
        }
        Ok(())
    })
}
