//! C entry points for queries, counts and change notifications.

use std::ffi::{c_char, c_int, c_void, CString};

use serde_json::{json, Value as Json};
use syncline_core::changes::ChangeEvent;
use syncline_core::value::document_to_extended_json;
use syncline_core::{PrimaryKey, Value};

use super::handles::{self, SynclineDatabase, SynclineObserver};
use super::{
    entry, json as ejson, null_argument, out_entry, str_arg, text_entry, CResult, Failure,
};
use crate::observe::ObserverHandle;
use crate::query::result_objects;

/// A change callback: receives one event as a JSON object (valid during the call only) and
/// the `user_data` given when observing. It runs on the thread that committed.
///
/// Events: `{"type": "results_initial", "keys": [pk…]}`,
/// `{"type": "results_changed", "keys": [pk…], "deletions": [i…], "insertions": [i…],
/// "modifications": [i…]}`, `{"type": "object_initial", "object": {…}}`,
/// `{"type": "object_changed", "object": {…}, "properties": ["name"…]}`,
/// `{"type": "object_deleted"}`, `{"type": "error", "message": "…"}`.
pub type SynclineChangeCallback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

/// The application's callback and context, called from whichever thread commits.
struct CCallback {
    callback: unsafe extern "C" fn(*const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the header documents that callbacks run on committing threads; the application
// makes `user_data` safe to use from them, as with any C callback API.
unsafe impl Send for CCallback {}
// SAFETY: as above.
unsafe impl Sync for CCallback {}

impl CCallback {
    fn deliver(&self, event: &ChangeEvent) {
        let text = event_json(event).to_string();
        // Event JSON has no interior NUL: serde_json escapes control characters.
        if let Ok(text) = CString::new(text) {
            // SAFETY: the application gave a valid callback for this user_data.
            unsafe { (self.callback)(text.as_ptr(), self.user_data) };
        }
    }
}

fn keys_json(keys: &[PrimaryKey]) -> Json {
    Json::Array(
        keys.iter()
            .map(|pk| Value::from(pk.clone()).to_extended_json())
            .collect(),
    )
}

fn event_json(event: &ChangeEvent) -> Json {
    match event {
        ChangeEvent::ResultsInitial { keys } => {
            json!({"type": "results_initial", "keys": keys_json(keys)})
        }
        ChangeEvent::ResultsChanged { keys, changes } => json!({
            "type": "results_changed",
            "keys": keys_json(keys),
            "deletions": changes.deletions,
            "insertions": changes.insertions,
            "modifications": changes.modifications,
        }),
        ChangeEvent::ObjectInitial { object } => json!({
            "type": "object_initial",
            "object": document_to_extended_json(&object.fields),
        }),
        ChangeEvent::ObjectChanged { object, properties } => json!({
            "type": "object_changed",
            "object": document_to_extended_json(&object.fields),
            "properties": properties,
        }),
        ChangeEvent::ObjectDeleted => json!({"type": "object_deleted"}),
        ChangeEvent::Error { message } => json!({"type": "error", "message": message}),
    }
}

/// Query arguments from an optional JSON array (NULL means none).
///
/// # Safety
/// `args_json` is NULL or a NUL-terminated string.
unsafe fn query_args(args_json: *const c_char) -> CResult<Vec<Value>> {
    if args_json.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: per this function's contract.
    let text = unsafe { str_arg(args_json, "args_json") }?;
    let Json::Array(items) = ejson::parse(text, "args_json")? else {
        return Err(Failure::invalid_argument("args_json must be a JSON array"));
    };
    items
        .iter()
        .map(|item| {
            Ok(Value::from_extended_json(
                item,
                syncline_core::value::ValueHint::Any,
            )?)
        })
        .collect()
}

/// What a query names: the open database, the class, the query text and its arguments.
struct QueryInput<'a> {
    core: syncline_core::Database,
    class_name: &'a str,
    rql: &'a str,
    args: Vec<Value>,
}

/// Reads the arguments of a query (`syncline_database_query` and its kin).
///
/// # Safety
/// Strings are NULL or NUL-terminated and outlive the call.
unsafe fn query_input<'a>(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    rql: *const c_char,
    args_json: *const c_char,
) -> CResult<QueryInput<'a>> {
    let core = handles::database(db)?.core()?;
    // SAFETY: per this function's contract.
    unsafe {
        Ok(QueryInput {
            core,
            class_name: str_arg(class_name, "class_name")?,
            rql: str_arg(rql, "rql")?,
            args: query_args(args_json)?,
        })
    }
}

/// The objects of `class_name` matching the Realm Query Language text `rql` (which may end in
/// `SORT(…)`, `DISTINCT(…)`, `LIMIT(…)`), with `$0…$n` taken from `args_json` (a JSON array,
/// or NULL for none): `*out_json` is a JSON array of the objects' fields.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_query(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    rql: *const c_char,
    args_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let q = query_input(db, class_name, rql, args_json)?;
            let objects = q.core.read(|txn| {
                let results = txn.query(q.class_name, q.rql, &q.args)?;
                result_objects(&results, |pk| txn.get(q.class_name, pk))
            })?;
            Ok(ejson::objects_text(q.core.schema(), &objects))
        })
    }
}

/// How many objects of `class_name` match `rql` with `args_json` (as in
/// `syncline_database_query`), in `*out_count`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_count` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_count(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    rql: *const c_char,
    args_json: *const c_char,
    out_count: *mut u64,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_count, "out_count", || {
            let q = query_input(db, class_name, rql, args_json)?;
            let count = q.core.read(|txn| txn.count(q.class_name, q.rql, &q.args))?;
            Ok(count as u64)
        })
    }
}

fn callback_of(callback: SynclineChangeCallback, user_data: *mut c_void) -> CResult<CCallback> {
    let callback = callback.ok_or_else(|| null_argument("callback"))?;
    Ok(CCallback {
        callback,
        user_data,
    })
}

/// Observes the results of a query (arguments as in `syncline_database_query`): `callback`
/// gets `results_initial` before this returns, then `results_changed` after each commit that
/// changed the results. `*out_observer` stops it when cancelled or freed.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_observer` is NULL or writable; `callback` is
/// valid, and `user_data` usable from any thread, until the observer is freed.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_observe_query(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    rql: *const c_char,
    args_json: *const c_char,
    callback: SynclineChangeCallback,
    user_data: *mut c_void,
    out_observer: *mut *mut SynclineObserver,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_observer, "out_observer", || {
            let q = query_input(db, class_name, rql, args_json)?;
            let target = callback_of(callback, user_data)?;
            let handle = q
                .core
                .observe_query(q.class_name, q.rql, &q.args, move |e| target.deliver(e))?;
            Ok(handles::new_observer(ObserverHandle::new(handle)))
        })
    }
}

/// Observes one object by primary key (Extended JSON): `callback` gets `object_initial` before
/// this returns, then `object_changed` with the changed properties, and `object_deleted`.
///
/// # Safety
/// As `syncline_database_observe_query`.
#[no_mangle]
pub unsafe extern "C" fn syncline_database_observe_object(
    db: *mut SynclineDatabase,
    class_name: *const c_char,
    pk_json: *const c_char,
    callback: SynclineChangeCallback,
    user_data: *mut c_void,
    out_observer: *mut *mut SynclineObserver,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        out_entry(out_observer, "out_observer", || {
            let core = handles::database(db)?.core()?;
            let class_name = str_arg(class_name, "class_name")?;
            let pk = ejson::primary_key_arg(core.schema(), class_name, pk_json)?;
            let target = callback_of(callback, user_data)?;
            let handle = core.observe_object(class_name, &pk, move |e| target.deliver(e))?;
            Ok(handles::new_observer(ObserverHandle::new(handle)))
        })
    }
}

/// Stops an observation: no callback starts after this returns. The handle must still be
/// freed.
#[no_mangle]
pub extern "C" fn syncline_observer_cancel(observer: *mut SynclineObserver) -> c_int {
    entry(|| {
        handles::observer(observer)?.cancel();
        Ok(())
    })
}

/// Frees an observer handle, stopping the observation.
#[no_mangle]
pub extern "C" fn syncline_observer_free(observer: *mut SynclineObserver) -> c_int {
    entry(|| {
        handles::free_observer(observer)?.cancel();
        Ok(())
    })
}
