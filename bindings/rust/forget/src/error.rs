//! Errors: every fallible call returns [`Result`], whose [`Error`] carries
//! the `FORGET_E_*` code, its [`ErrorKind`] and libforget's message.
use std::fmt;
use std::os::raw::c_int;

use crate::ffi::text;
use crate::sys;

/// What went wrong, one variant per `FORGET_E_*` code (the numbers are
/// fixed forever in the C library; a code this crate does not know yet is
/// [`ErrorKind::Other`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `FORGET_E_INVALID`: a bad argument (size, NaN, duplicate id, range).
    Invalid,
    /// `FORGET_E_NOMEM`: an allocation failed, or a load limit was hit.
    NoMem,
    /// `FORGET_E_IO`: a file could not be opened, read or written.
    Io,
    /// `FORGET_E_FORMAT`: a file or buffer is malformed.
    Format,
    /// `FORGET_E_NOT_FOUND`: a named thing (id, method, key) is absent.
    NotFound,
    /// `FORGET_E_EXISTS`: a name is registered already.
    Exists,
    /// `FORGET_E_VERSION`: an ABI or file version that is not supported.
    Version,
    /// `FORGET_E_NUMERIC`: a numerical failure (not positive definite,
    /// a diverging loss).
    Numeric,
    /// `FORGET_E_CANCELED`: a progress callback asked to stop; nothing
    /// changed.
    Canceled,
    /// `FORGET_E_UNSUPPORTED`: this method or model does not offer it.
    Unsupported,
    /// `FORGET_E_STATE`: the wrong moment (not initialised, not prepared,
    /// a journal pending, a lock held).
    State,
    /// `FORGET_E_PARAM`: a parameter string is wrong (the message names
    /// the key).
    Param,
    /// `FORGET_E_INTERNAL`: a bug, in libforget, a backend or a callback
    /// (a Rust callback that panicked reports this kind).
    Internal,
    /// A code this version of the crate does not know.
    Other(i32),
}

impl ErrorKind {
    /// The kind of a `FORGET_E_*` code.
    ///
    /// ```
    /// use forget::{sys, ErrorKind};
    /// assert_eq!(ErrorKind::from_code(sys::FORGET_E_PARAM), ErrorKind::Param);
    /// assert_eq!(ErrorKind::from_code(-99), ErrorKind::Other(-99));
    /// ```
    pub fn from_code(code: i32) -> ErrorKind {
        match code {
            sys::FORGET_E_INVALID => ErrorKind::Invalid,
            sys::FORGET_E_NOMEM => ErrorKind::NoMem,
            sys::FORGET_E_IO => ErrorKind::Io,
            sys::FORGET_E_FORMAT => ErrorKind::Format,
            sys::FORGET_E_NOT_FOUND => ErrorKind::NotFound,
            sys::FORGET_E_EXISTS => ErrorKind::Exists,
            sys::FORGET_E_VERSION => ErrorKind::Version,
            sys::FORGET_E_NUMERIC => ErrorKind::Numeric,
            sys::FORGET_E_CANCELED => ErrorKind::Canceled,
            sys::FORGET_E_UNSUPPORTED => ErrorKind::Unsupported,
            sys::FORGET_E_STATE => ErrorKind::State,
            sys::FORGET_E_PARAM => ErrorKind::Param,
            sys::FORGET_E_INTERNAL => ErrorKind::Internal,
            other => ErrorKind::Other(other),
        }
    }

    /// The `FORGET_E_*` code of this kind.
    ///
    /// ```
    /// use forget::{sys, ErrorKind};
    /// assert_eq!(ErrorKind::NotFound.code(), sys::FORGET_E_NOT_FOUND);
    /// ```
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::Invalid => sys::FORGET_E_INVALID,
            ErrorKind::NoMem => sys::FORGET_E_NOMEM,
            ErrorKind::Io => sys::FORGET_E_IO,
            ErrorKind::Format => sys::FORGET_E_FORMAT,
            ErrorKind::NotFound => sys::FORGET_E_NOT_FOUND,
            ErrorKind::Exists => sys::FORGET_E_EXISTS,
            ErrorKind::Version => sys::FORGET_E_VERSION,
            ErrorKind::Numeric => sys::FORGET_E_NUMERIC,
            ErrorKind::Canceled => sys::FORGET_E_CANCELED,
            ErrorKind::Unsupported => sys::FORGET_E_UNSUPPORTED,
            ErrorKind::State => sys::FORGET_E_STATE,
            ErrorKind::Param => sys::FORGET_E_PARAM,
            ErrorKind::Internal => sys::FORGET_E_INTERNAL,
            ErrorKind::Other(code) => code,
        }
    }
}

/// A failed call: `code` is the `FORGET_E_*` value (see [`Error::kind`]),
/// `message` is `forget_strerror(code)` followed by the detail libforget
/// (or this crate) gave, e.g. "parameter is wrong: parameter 'alpah' is
/// unknown for method 'ssd'; known: alpha, ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The `FORGET_E_*` code (negative).
    pub code: i32,
    /// The code's text, then the detail.
    pub message: String,
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with `detail` after the kind's text: what a
    /// [`HostModel`](crate::HostModel) callback returns to fail.
    ///
    /// ```
    /// use forget::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::Invalid, "row 3 is empty");
    /// assert_eq!(e.kind(), ErrorKind::Invalid);
    /// assert!(e.message.ends_with("row 3 is empty"));
    /// ```
    pub fn new(kind: ErrorKind, detail: &str) -> Error {
        Error::with_code(kind.code(), detail)
    }

    /// The kind of [`Error::code`].
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }

    /// The error of the call that just returned `code` on this thread.
    pub(crate) fn last(code: c_int) -> Error {
        // SAFETY: the message is valid until the next call on this thread.
        let detail = unsafe { text(sys::forget_last_error()) };
        Error::with_code(code, &detail)
    }

    pub(crate) fn with_code(code: c_int, detail: &str) -> Error {
        // SAFETY: forget_strerror returns a static string for any code.
        let what = unsafe { text(sys::forget_strerror(code)) };
        let message = if detail.is_empty() {
            what
        } else {
            format!("{what}: {detail}")
        };
        Error { code, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (libforget error {})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

/// `Ok` for `FORGET_OK`, else the thread's last error.
pub(crate) fn check(rc: c_int) -> Result<()> {
    if rc == sys::FORGET_OK {
        Ok(())
    } else {
        Err(Error::last(rc))
    }
}

/// An `Invalid` error made on the Rust side (sizes checked before a call).
pub(crate) fn invalid(detail: &str) -> Error {
    Error::new(ErrorKind::Invalid, detail)
}
