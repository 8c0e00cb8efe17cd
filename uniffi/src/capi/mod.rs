//! The C ABI: `extern "C"` functions over the same core calls as the uniffi exports.
//!
//! Conventions (also in `bindings/c/include/syncline.h`): functions return a status code
//! (`SYNCLINE_OK` = 0) and leave a message for the calling thread in
//! `syncline_last_error_message()`; what they hand out is freed with the matching `*_free`.

use std::ffi::c_char;

/// The library's version as a static, NUL-terminated UTF-8 string; never freed.
#[no_mangle]
pub extern "C" fn syncline_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
