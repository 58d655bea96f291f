//! The library's lifetime (init/shutdown), version, BLAS, threads, limits.
use crate::error::{check, Result};
use crate::ffi::text;
use crate::sys;

/// The library's version number, MAJOR*10000 + MINOR*100 + PATCH.
///
/// ```
/// assert_eq!(forget::version_number(), forget::sys::FORGET_VERSION_NUMBER as u32);
/// ```
pub fn version_number() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { sys::forget_version_number() }
}

/// The library's version as text, e.g. "0.1.0".
///
/// ```
/// assert!(forget::version_string().starts_with(&format!("{}.", forget::sys::FORGET_VERSION_MAJOR)));
/// ```
pub fn version_string() -> String {
    // SAFETY: a static string.
    unsafe { text(sys::forget_version_string()) }
}

/// Which BLAS the library runs on, one line for people ("OpenBLAS (...)",
/// "reference BLAS (...; slow: ...)"). Needs no [`Library`].
///
/// ```
/// assert!(!forget::blas_info().is_empty());
/// ```
pub fn blas_info() -> String {
    // SAFETY: a per-thread buffer, copied before any other call.
    unsafe { text(sys::forget_blas_info()) }
}

/// Threads libforget may use for its own parallel work (sisa shards,
/// batch lanes): 0 = one per online processor (the default), at most 1024
/// (else [`ErrorKind::Invalid`](crate::ErrorKind::Invalid)). Process-wide;
/// never changes the BLAS library's own threads.
///
/// ```
/// forget::set_threads(2)?;
/// assert_eq!(forget::threads(), 2);
/// forget::set_threads(0)?; // back to one per processor
/// assert!(forget::set_threads(5000).is_err());
/// # Ok::<(), forget::Error>(())
/// ```
pub fn set_threads(threads: u32) -> Result<()> {
    let threads = i32::try_from(threads).unwrap_or(i32::MAX);
    // SAFETY: a plain setter (atomic in the library).
    check(unsafe { sys::forget_set_threads(threads) })
}

/// The effective thread count (0 resolved to the processor count).
pub fn threads() -> u32 {
    // SAFETY: a plain getter.
    let n = unsafe { sys::forget_get_threads() };
    u32::try_from(n).unwrap_or(0)
}

/// A process-wide limit on what loaders accept from a file (so that a
/// small hostile input is refused before memory is allocated for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// `FORGET_LIMIT_MAX_BYTES`: the largest file, decompressed input or
    /// array a loader allocates (default 2 GiB).
    MaxBytes,
    /// `FORGET_LIMIT_MAX_ROWS`: rows of a loaded dataset (default 2^31).
    MaxRows,
    /// `FORGET_LIMIT_MAX_FEATURES`: features of a loaded dataset
    /// (default 2^24).
    MaxFeatures,
}

impl Limit {
    fn which(self) -> i32 {
        match self {
            Limit::MaxBytes => sys::FORGET_LIMIT_MAX_BYTES,
            Limit::MaxRows => sys::FORGET_LIMIT_MAX_ROWS,
            Limit::MaxFeatures => sys::FORGET_LIMIT_MAX_FEATURES,
        }
    }
}

/// Set a loader limit; 0 restores its default. Applies to loads that start
/// afterwards, on every thread. A load beyond it fails with
/// [`ErrorKind::NoMem`](crate::ErrorKind::NoMem) naming the limit.
///
/// ```
/// use forget::Limit;
/// let default = forget::limit(Limit::MaxRows)?;
/// forget::set_limit(Limit::MaxRows, 1000)?;
/// assert_eq!(forget::limit(Limit::MaxRows)?, 1000);
/// forget::set_limit(Limit::MaxRows, 0)?;
/// assert_eq!(forget::limit(Limit::MaxRows)?, default);
/// # Ok::<(), forget::Error>(())
/// ```
pub fn set_limit(limit: Limit, value: u64) -> Result<()> {
    // SAFETY: a plain setter (atomic in the library).
    check(unsafe { sys::forget_set_limit(limit.which(), value) })
}

/// The effective value of a loader limit.
pub fn limit(limit: Limit) -> Result<u64> {
    let mut value = 0u64;
    // SAFETY: value is a valid output.
    check(unsafe { sys::forget_get_limit(limit.which(), &mut value) })?;
    Ok(value)
}

/// Keeps libforget initialised: `forget_init` on creation,
/// `forget_shutdown` on drop (reference-counted, so several guards may
/// coexist, on any threads). Objects are created only while one lives
/// (else [`ErrorKind::State`](crate::ErrorKind::State)); the method and
/// model-kind tables are read through it ([`Library::methods`]), which
/// keeps the registry alive while they are read.
///
/// Drop every [`Dataset`](crate::Dataset), [`Model`](crate::Model),
/// [`Unlearner`](crate::Unlearner) and [`PathLock`](crate::PathLock)
/// before the last `Library`: libforget refuses the last shutdown while
/// objects are alive (it then simply stays initialised; nothing breaks).
/// Declaring the guard first in a scope does this, since locals are
/// dropped in reverse order.
///
/// ```
/// let lib = forget::Library::init()?;
/// assert!(lib.methods()?.iter().any(|m| m.name == "sisa"));
/// # Ok::<(), forget::Error>(())
/// ```
// Send + Sync: it holds no data; forget_init and forget_shutdown are
// serialised by the library.
#[derive(Debug)]
pub struct Library {
    _private: (),
}

impl Library {
    /// Take one reference on the library (the first registers the built-in
    /// methods).
    pub fn init() -> Result<Library> {
        // SAFETY: thread-safe, reference-counted.
        check(unsafe { sys::forget_init() })?;
        Ok(Library { _private: () })
    }
}

impl Clone for Library {
    /// Another reference (`forget_init` again).
    fn clone(&self) -> Library {
        // SAFETY: as in init; with one reference held it cannot fail (the
        // library is initialised already and only counts).
        unsafe { sys::forget_init() };
        Library { _private: () }
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        // SAFETY: balances the init of this guard. A refusal (objects
        // alive) leaves the library initialised, which is safe.
        unsafe { sys::forget_shutdown() };
    }
}
