//! Progress callbacks from Rust closures, with cancel, and panics kept
//! from crossing into C.
use std::ffi::CStr;
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use crate::error::{check, Error, ErrorKind, Result};
use crate::ffi::panic_message;

/// A progress closure: called with the fraction done in [0, 1] of
/// the current call and a short stage word ("train", "prepare",
/// "forget", ...); [`ControlFlow::Break`] cancels the call, which then fails
/// with [`ErrorKind::Canceled`] and changes nothing.
pub(crate) type ProgressFn = dyn FnMut(f64, &str) -> ControlFlow<()> + Send;

/// A boxed closure and the panic it may have raised, at a stable address
/// (the C library keeps a pointer to it as user_data).
pub(crate) struct ProgressCell {
    // A Mutex, although the library calls it from one thread at a time:
    // it makes the owner Sync without asking the closure to be.
    f: Mutex<Box<ProgressFn>>,
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

impl ProgressCell {
    pub(crate) fn new(f: Box<ProgressFn>) -> Box<ProgressCell> {
        Box::new(ProgressCell {
            f: Mutex::new(f),
            panic: Mutex::new(None),
        })
    }

    pub(crate) fn user_data(&self) -> *mut c_void {
        self as *const ProgressCell as *mut c_void
    }

    /// Forget a panic left by a call that did not report it (the closure
    /// of a model run by an unlearner's call); before each call.
    pub(crate) fn start(cell: Option<&ProgressCell>) {
        if let Some(c) = cell {
            lock(&c.panic).take();
        }
    }

    /// The result of a call that may have run the closure: a panic in it
    /// canceled the call and becomes an [`ErrorKind::Internal`] error; a
    /// panic at the last report (too late to cancel: the call took effect)
    /// resumes here, outside C.
    pub(crate) fn finish(cell: Option<&ProgressCell>, rc: c_int) -> Result<()> {
        let result = check(rc);
        let payload = cell.and_then(|c| lock(&c.panic).take());
        match (payload, result) {
            (None, r) => r,
            (Some(p), Err(_)) => Err(Error::new(
                ErrorKind::Internal,
                &format!(
                    "the progress callback panicked ({}); the call was canceled and changed nothing",
                    panic_message(&*p)
                ),
            )),
            (Some(p), Ok(())) => resume_unwind(p),
        }
    }
}

/// A lock that ignores poisoning: the closures run inside catch_unwind, so
/// a poisoned lock only means a panic that was caught and reported.
fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `forget_progress_fn` handed to C.
pub(crate) unsafe extern "C" fn trampoline(
    fraction: f64,
    stage: *const c_char,
    user: *mut c_void,
) -> c_int {
    // SAFETY: user is the ProgressCell registered with this trampoline,
    // alive while registered (its owner outlives every call that uses it).
    let cell = &*(user as *const ProgressCell);
    let stage = if stage.is_null() {
        ""
    } else {
        CStr::from_ptr(stage).to_str().unwrap_or("")
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| (lock(&cell.f))(fraction, stage)));
    match outcome {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            *lock(&cell.panic) = Some(payload);
            1
        }
    }
}
