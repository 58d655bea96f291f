//! Helpers at the C boundary: strings in and out, buffers, panics.
use std::any::Any;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;

use crate::error::{invalid, Error, Result};
use crate::sys;

/// A copy of a C string (lossy UTF-8); "" for NULL.
///
/// # Safety
/// `s` must be NULL or a valid NUL-terminated string.
pub(crate) unsafe fn text(s: *const c_char) -> String {
    if s.is_null() {
        String::new()
    } else {
        CStr::from_ptr(s).to_string_lossy().into_owned()
    }
}

/// `text`, but `None` for NULL.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn opt_text(s: *const c_char) -> Option<String> {
    if s.is_null() {
        None
    } else {
        Some(text(s))
    }
}

pub(crate) fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| invalid("a string holds a NUL byte"))
}

/// A path as the C library's `const char *` (its bytes on Unix).
pub(crate) fn cpath(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes()).map_err(|_| invalid("a path holds a NUL byte"))
    }
    #[cfg(not(unix))]
    {
        let s = path
            .to_str()
            .ok_or_else(|| invalid("a path is not UTF-8"))?;
        cstring(s)
    }
}

/// The `*_save_buffer` protocol: ask the size (NULL buffer), then fill.
pub(crate) fn save_to_vec(
    mut save: impl FnMut(*mut c_void, usize, &mut usize) -> c_int,
) -> Result<Vec<u8>> {
    let mut size = 0usize;
    crate::error::check(save(std::ptr::null_mut(), 0, &mut size))?;
    let mut buf = vec![0u8; size];
    let mut written = 0usize;
    crate::error::check(save(buf.as_mut_ptr().cast(), buf.len(), &mut written))?;
    buf.truncate(written);
    Ok(buf)
}

/// The text of a panic's payload (what `panic!` was given).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Hand an error to the C library from a callback: sets the thread's
/// message (kept by the library) and returns the code to return.
pub(crate) fn report_to_c(err: &Error) -> c_int {
    let code = if err.code < sys::FORGET_E_INTERNAL || err.code >= 0 {
        sys::FORGET_E_INTERNAL
    } else {
        err.code
    };
    // The detail only: the library puts the code's text before it again.
    // SAFETY: forget_strerror returns a static string for any code.
    let what = unsafe { text(sys::forget_strerror(err.code)) };
    let detail = err
        .message
        .strip_prefix(what.as_str())
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&err.message);
    let message = CString::new(detail.replace('\0', " ")).unwrap_or_default();
    // SAFETY: message is a valid string; the library copies it.
    unsafe { sys::forget_set_error(code, message.as_ptr()) }
}
