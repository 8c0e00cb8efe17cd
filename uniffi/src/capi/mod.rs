//! The C ABI: `extern "C"` functions over the same core calls as the uniffi exports.
//!
//! Conventions (repeated in `bindings/c/include/syncline.h`):
//! - Every function returns a status: `SYNCLINE_OK` (0) or an error code; on error
//!   `syncline_last_error_message()` gives this thread's message until its next failing call.
//! - Handles (`SynclineDatabase*`, `SynclineTransaction*`, `SynclineObserver*`) are opaque.
//!   They are looked up in a registry before use and never dereferenced, so a NULL, freed or
//!   foreign pointer gives `SYNCLINE_ERROR_INVALID_HANDLE` instead of undefined behaviour.
//! - Strings are UTF-8 and NUL-terminated. Every `char*` handed out is freed with
//!   `syncline_string_free` (a second free is detected and reported).
//! - Values cross as canonical Extended JSON text (MongoDB's, v2): objects as JSON objects of
//!   their fields (plus `"$rowKey"` for a class without a primary key: the key to pass as its
//!   `pk_json`), primary keys and query arguments as Extended JSON values. The schema decides
//!   how each field is read (see docs/adr/0001-c-abi-values-as-extended-json.md).
//! - No panic crosses: every entry point catches unwinds and reports `SYNCLINE_ERROR_INTERNAL`.

mod database;
mod handles;
mod interop;
mod json;
mod migration;
mod observe;
mod transaction;

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::SynclineError;

pub use database::*;
pub use handles::{SynclineDatabase, SynclineMigration, SynclineObserver, SynclineTransaction};
pub use interop::*;
pub use migration::*;
pub use observe::*;
pub use transaction::*;

/// The call succeeded.
pub const SYNCLINE_OK: c_int = 0;
/// An argument was malformed: NULL, not UTF-8, bad JSON, a wrong value type, an unknown class
/// or property.
pub const SYNCLINE_ERROR_INVALID_ARGUMENT: c_int = 1;
/// The schema is invalid, or the database file needs a migration.
pub const SYNCLINE_ERROR_SCHEMA: c_int = 2;
/// The query text or its arguments are invalid.
pub const SYNCLINE_ERROR_QUERY: c_int = 3;
/// The object addressed does not exist.
pub const SYNCLINE_ERROR_NOT_FOUND: c_int = 4;
/// A duplicate primary key or a link to a missing object.
pub const SYNCLINE_ERROR_CONFLICT: c_int = 5;
/// The database or transaction is closed (or committed/cancelled).
pub const SYNCLINE_ERROR_CLOSED: c_int = 6;
/// The database file cannot be opened, read or written.
pub const SYNCLINE_ERROR_STORAGE: c_int = 7;
/// A callback of the application reported failure.
pub const SYNCLINE_ERROR_CALLBACK: c_int = 8;
/// A handle or string that is NULL, already freed, or not one Syncline handed out.
pub const SYNCLINE_ERROR_INVALID_HANDLE: c_int = 9;
/// A bug in Syncline (a caught panic); the message says where.
pub const SYNCLINE_ERROR_INTERNAL: c_int = 10;

/// The class is asymmetric (insert-only): its objects can be created, never read, queried,
/// observed, updated or deleted.
pub const SYNCLINE_ERROR_ASYMMETRIC: c_int = 11;

/// Why a C call failed: a layer error, or a problem only the C ABI has.
#[derive(Debug)]
pub(crate) enum Failure {
    Syncline(SynclineError),
    InvalidHandle(String),
}

impl From<SynclineError> for Failure {
    fn from(error: SynclineError) -> Self {
        Failure::Syncline(error)
    }
}

impl From<syncline_core::Error> for Failure {
    fn from(error: syncline_core::Error) -> Self {
        Failure::Syncline(error.into())
    }
}

impl From<syncline_core::ValueError> for Failure {
    fn from(error: syncline_core::ValueError) -> Self {
        Failure::Syncline(error.into())
    }
}

impl Failure {
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Failure::Syncline(SynclineError::invalid_argument(message))
    }

    fn code_and_message(self) -> (c_int, String) {
        match self {
            Failure::InvalidHandle(message) => (SYNCLINE_ERROR_INVALID_HANDLE, message),
            Failure::Syncline(error) => {
                let code = match &error {
                    SynclineError::InvalidArgument { .. } => SYNCLINE_ERROR_INVALID_ARGUMENT,
                    SynclineError::Schema { .. } => SYNCLINE_ERROR_SCHEMA,
                    SynclineError::Query { .. } => SYNCLINE_ERROR_QUERY,
                    SynclineError::NotFound { .. } => SYNCLINE_ERROR_NOT_FOUND,
                    SynclineError::Conflict { .. } => SYNCLINE_ERROR_CONFLICT,
                    SynclineError::Closed { .. } => SYNCLINE_ERROR_CLOSED,
                    SynclineError::Storage { .. } => SYNCLINE_ERROR_STORAGE,
                    SynclineError::Callback { .. } => SYNCLINE_ERROR_CALLBACK,
                    SynclineError::Asymmetric { .. } => SYNCLINE_ERROR_ASYMMETRIC,
                };
                (code, error.to_string())
            }
        }
    }
}

pub(crate) type CResult<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: String) {
    // An interior NUL cannot be shown by C; cut the message there.
    let message = match CString::new(message) {
        Ok(m) => m,
        Err(e) => {
            let end = e.nul_position();
            let mut bytes = e.into_vec();
            bytes.truncate(end);
            CString::new(bytes).unwrap_or_default()
        }
    };
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(message));
}

/// Runs one entry point: catches panics, turns failures into a status code and message.
pub(crate) fn entry(f: impl FnOnce() -> CResult) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SYNCLINE_OK,
        Ok(Err(failure)) => {
            let (code, message) = failure.code_and_message();
            set_last_error(message);
            code
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            set_last_error(format!("internal error in Syncline: {what}"));
            SYNCLINE_ERROR_INTERNAL
        }
    }
}

/// Reads a UTF-8 string argument; `name` is the parameter's name for the error message.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> CResult<&'a str> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|e| {
        Failure::invalid_argument(format!(
            "argument `{name}` is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Stores `value` through an out-pointer.
///
/// # Safety
/// `out` is NULL or valid for writing one `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T, name: &str) -> CResult {
    check_out(out, name)?;
    // SAFETY: non-NULL and writable per this function's contract.
    unsafe { out.write(value) };
    Ok(())
}

/// Checks an out-pointer before any work is done, so that a NULL one changes nothing.
pub(crate) fn check_out<T>(out: *mut T, name: &str) -> CResult {
    if out.is_null() {
        return Err(null_argument(name));
    }
    Ok(())
}

/// The failure for a NULL argument (`name` is the parameter's name).
pub(crate) fn null_argument(name: &str) -> Failure {
    Failure::invalid_argument(format!("argument `{name}` is NULL"))
}

/// Runs an entry point whose result goes to `*out`: checks `out` before any work, then stores
/// what `f` returns.
///
/// # Safety
/// `out` is NULL or valid for writing one `T`.
pub(crate) unsafe fn out_entry<T>(
    out: *mut T,
    name: &str,
    f: impl FnOnce() -> CResult<T>,
) -> c_int {
    entry(|| {
        check_out(out, name)?;
        let value = f()?;
        // SAFETY: checked non-NULL; writable per this function's contract.
        unsafe { write_out(out, value, name) }
    })
}

/// Runs an entry point whose result is text for `*out` (free with `syncline_string_free`).
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn text_entry(
    out: *mut *mut c_char,
    name: &str,
    f: impl FnOnce() -> CResult<String>,
) -> c_int {
    // SAFETY: per this function's contract.
    unsafe { out_entry(out, name, || handles::new_string(f()?)) }
}

/// Stores `value` through an out-pointer the caller may leave NULL (result not wanted).
///
/// # Safety
/// `out` is NULL or valid for writing one `T`.
pub(crate) unsafe fn write_optional_out<T>(out: *mut T, value: T, name: &str) -> CResult {
    if out.is_null() {
        return Ok(());
    }
    // SAFETY: non-NULL and writable per this function's contract.
    unsafe { write_out(out, value, name) }
}

/// This thread's message for its last failed call, or NULL if none failed yet. The text is
/// owned by Syncline and valid until this thread's next failing call; do not free it.
#[no_mangle]
pub extern "C" fn syncline_last_error_message() -> *const c_char {
    LAST_ERROR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map_or(std::ptr::null(), |message| message.as_ptr())
    })
}

/// The library's version as a static, NUL-terminated UTF-8 string; never freed.
#[no_mangle]
pub extern "C" fn syncline_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Frees a string returned by Syncline. NULL is ignored; a string freed twice (or not from
/// Syncline) gives `SYNCLINE_ERROR_INVALID_HANDLE` and is left alone.
///
/// # Safety
/// `text` is NULL or a pointer Syncline handed out.
#[no_mangle]
pub unsafe extern "C" fn syncline_string_free(text: *mut c_char) -> c_int {
    entry(|| {
        if text.is_null() {
            return Ok(());
        }
        handles::free_string(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_message() -> String {
        let ptr = syncline_last_error_message();
        assert!(!ptr.is_null());
        // SAFETY: a non-NULL message is a NUL-terminated string owned by this thread's slot.
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let status = entry(|| panic!("boom at the boundary"));
        assert_eq!(status, SYNCLINE_ERROR_INTERNAL);
        assert!(last_message().contains("boom at the boundary"));
    }

    #[test]
    fn failures_map_to_their_status_codes() {
        let status = entry(|| Err(SynclineError::closed("database").into()));
        assert_eq!(status, SYNCLINE_ERROR_CLOSED);
        assert_eq!(last_message(), "the database is closed");
        let status = entry(|| Err(Failure::InvalidHandle("gone".into())));
        assert_eq!(status, SYNCLINE_ERROR_INVALID_HANDLE);
        assert_eq!(entry(|| Ok(())), SYNCLINE_OK);
    }

    #[test]
    fn string_arguments_are_checked_for_null_and_utf8() {
        // SAFETY: NULL and a NUL-terminated literal are what `str_arg` accepts.
        unsafe {
            let err = str_arg(std::ptr::null(), "path").expect_err("NULL");
            assert!(format!("{err:?}").contains("`path` is NULL"));
            let bad = [0x66u8, 0xff, 0];
            let err = str_arg(bad.as_ptr().cast(), "name").expect_err("not UTF-8");
            assert!(format!("{err:?}").contains("not valid UTF-8 (at byte 1)"));
            assert_eq!(str_arg(c"ok".as_ptr(), "x").expect("valid"), "ok");
        }
    }

    #[test]
    fn a_message_with_a_nul_is_cut_there() {
        set_last_error("before\0after".into());
        assert_eq!(last_message(), "before");
    }
}
