//! C entry points of schema interop: JSON text in, JSON (or code) text out.

use std::ffi::{c_char, c_int};

use serde_json::{json, Value as Json};

use super::{str_arg, text_entry};
use crate::error::SynclineError;
use crate::interop;

/// Maps a schema in its JSON form to App Services JSON Schemas. `*out_json` is
/// `{"collections": [one JSON Schema per top-level class], "notes": ["what was dropped", …]}`.
///
/// # Safety
/// `schema_json` is NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_to_json_schema(
    schema_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let schema_json = str_arg(schema_json, "schema_json")?;
            let (collections, notes) = interop::to_json_schema(schema_json)?;
            Ok(json!({"collections": collections, "notes": notes}).to_string())
        })
    }
}

/// Maps App Services JSON Schemas (a JSON array of documents, or one) to a schema.
/// `*out_json` is `{"schema": [the schema's JSON form], "notes": ["what was assumed", …]}`.
///
/// # Safety
/// `json_schema` is NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_from_json_schema(
    json_schema: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let json_schema = str_arg(json_schema, "json_schema")?;
            let (schema, notes) = interop::from_json_schema(json_schema)?;
            Ok(json!({"schema": schema, "notes": notes}).to_string())
        })
    }
}

/// Every change from the old schema to the new one (JSON forms). `*out_json` is a JSON array
/// of `{"kind": "additive" | "server-breaking" | "breaking", "class": …, "property": … or
/// null, "description": …}`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_diff(
    old_schema_json: *const c_char,
    new_schema_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let old = str_arg(old_schema_json, "old_schema_json")?;
            let new = str_arg(new_schema_json, "new_schema_json")?;
            let changes = interop::diff(old, new)?;
            Ok(interop::changes_json(&changes).to_string())
        })
    }
}

/// Development Mode's decision on a proposed schema: with `development_mode` non-zero,
/// additive changes are accepted and listed in `*out_json` (as `syncline_schema_diff` does);
/// any other change (with it zero: any change) gives `SYNCLINE_ERROR_SCHEMA` listing them.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_development_mode_decision(
    old_schema_json: *const c_char,
    new_schema_json: *const c_char,
    development_mode: bool,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let old = str_arg(old_schema_json, "old_schema_json")?;
            let new = str_arg(new_schema_json, "new_schema_json")?;
            let changes = interop::decide(old, new, development_mode)?;
            Ok(interop::changes_json(&changes).to_string())
        })
    }
}

/// Every problem of a schema and its queryable fields (a JSON array of field names) under
/// Flexible Sync's rules: `*out_json` is a JSON array of messages, empty when it complies.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_sync_rule_errors(
    schema_json: *const c_char,
    queryable_fields_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let schema = str_arg(schema_json, "schema_json")?;
            let fields = str_arg(queryable_fields_json, "queryable_fields_json")?;
            let fields: Vec<String> = serde_json::from_str(fields).map_err(|e| {
                SynclineError::invalid_argument(format!(
                    "queryable_fields_json must be a JSON array of field names: {e}"
                ))
            })?;
            let errors = interop::sync_rule_errors(schema, &fields)?;
            Ok(Json::from(errors).to_string())
        })
    }
}

/// Infers the schema of `class_name` from Extended JSON samples (one document per line, or a
/// JSON array). `*out_json` is `{"schema": [JSON form], "report": [what was ambiguous],
/// "documents": n}`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_infer(
    class_name: *const c_char,
    samples: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_json, "out_json", || {
            let class_name = str_arg(class_name, "class_name")?;
            let samples = str_arg(samples, "samples")?;
            let (schema, report, documents) = interop::infer(class_name, samples)?;
            Ok(json!({"schema": schema, "report": report, "documents": documents}).to_string())
        })
    }
}

/// Model code for a schema (JSON form) in `language` (`swift`, `kotlin`, `c`, `typescript`,
/// `python`), in `*out_code`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_code` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn syncline_schema_generate_models(
    schema_json: *const c_char,
    language: *const c_char,
    out_code: *mut *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe {
        text_entry(out_code, "out_code", || {
            let schema = str_arg(schema_json, "schema_json")?;
            let language = str_arg(language, "language")?;
            Ok(interop::generate(schema, language)?)
        })
    }
}
