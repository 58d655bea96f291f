//! Path locks for load-modify-save, as an RAII guard.
use std::path::{Path, PathBuf};
use std::ptr;

use crate::error::{check, Result};
use crate::ffi::cpath;
use crate::sys;

/// How [`PathLock::new`] locks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockFlags {
    /// `FORGET_LOCK_SHARED`: a reader's lock (shared locks coexist and
    /// exclude an exclusive one); else exclusive.
    pub shared: bool,
    /// `FORGET_LOCK_NOWAIT`: fail at once with
    /// [`ErrorKind::State`](crate::ErrorKind::State) if held, instead of
    /// waiting.
    pub nowait: bool,
}

/// An advisory lock on a path (`flock(2)` on "PATH.lock" beside it),
/// released on drop. Take it before loading a state you will forget from
/// and save again, so that two processes cannot each lose the other's
/// deletion.
///
/// Two locks on one path in one process conflict like two processes'
/// (the lock belongs to the handle): a thread must not wait for a lock its
/// own process holds.
///
/// ```
/// # let _lib = forget::Library::init()?;
/// use forget::{LockFlags, PathLock};
/// let path = std::env::temp_dir().join(format!("doc-lock-{}", std::process::id()));
/// let held = PathLock::exclusive(&path)?;
/// let again = PathLock::new(&path, LockFlags { nowait: true, ..LockFlags::default() });
/// assert_eq!(again.unwrap_err().kind(), forget::ErrorKind::State);
/// drop(held);
/// let _ok = PathLock::try_exclusive(&path)?;
/// # drop(_ok); std::fs::remove_file(format!("{}.lock", path.display())).ok();
/// # Ok::<(), forget::Error>(())
/// ```
// Send: the library lets a lock be released from any thread. Sync: it
// has no operation but its drop.
#[derive(Debug)]
pub struct PathLock {
    ptr: *mut sys::forget_lock,
    path: PathBuf,
}

unsafe impl Send for PathLock {}
unsafe impl Sync for PathLock {}

impl PathLock {
    /// Lock `path` with `flags` (waits unless `flags.nowait`).
    pub fn new(path: impl AsRef<Path>, flags: LockFlags) -> Result<PathLock> {
        let c = cpath(path.as_ref())?;
        let mut bits = 0u32;
        if flags.shared {
            bits |= sys::FORGET_LOCK_SHARED as u32;
        }
        if flags.nowait {
            bits |= sys::FORGET_LOCK_NOWAIT as u32;
        }
        let mut out = ptr::null_mut();
        check(unsafe { sys::forget_lock_path(&mut out, c.as_ptr(), bits) })?;
        Ok(PathLock {
            ptr: out,
            path: path.as_ref().to_path_buf(),
        })
    }

    /// An exclusive lock, waiting until it is free.
    pub fn exclusive(path: impl AsRef<Path>) -> Result<PathLock> {
        PathLock::new(path, LockFlags::default())
    }

    /// An exclusive lock, or [`ErrorKind::State`](crate::ErrorKind::State)
    /// at once if it is held.
    pub fn try_exclusive(path: impl AsRef<Path>) -> Result<PathLock> {
        PathLock::new(
            path,
            LockFlags {
                shared: false,
                nowait: true,
            },
        )
    }

    /// A shared (reader's) lock, waiting until no exclusive one is held.
    pub fn shared(path: impl AsRef<Path>) -> Result<PathLock> {
        PathLock::new(
            path,
            LockFlags {
                shared: true,
                nowait: false,
            },
        )
    }

    /// The path this lock was taken for (the lock file is "PATH.lock").
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PathLock {
    fn drop(&mut self) {
        // SAFETY: ours.
        unsafe { sys::forget_lock_release(self.ptr) }
    }
}
