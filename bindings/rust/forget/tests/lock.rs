//! Path locks: exclusion, sharing, release on drop and on another thread,
//! waiting.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TempPath;
use forget::{ErrorKind, Library, LockFlags, PathLock};

const NOWAIT_SHARED: LockFlags = LockFlags {
    shared: true,
    nowait: true,
};

#[test]
fn exclusive_and_shared() {
    let _lib = Library::init().unwrap();
    let path = TempPath::new("state");
    let held = PathLock::exclusive(&path.0).unwrap();
    assert_eq!(held.path(), path.0.as_path());
    let err = PathLock::try_exclusive(&path.0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::State);
    assert!(err.message.contains(".lock"), "{err}");
    assert_eq!(
        PathLock::new(&path.0, NOWAIT_SHARED).unwrap_err().kind(),
        ErrorKind::State
    );
    drop(held);

    let readers: Vec<PathLock> = (0..3)
        .map(|_| PathLock::new(&path.0, NOWAIT_SHARED).unwrap())
        .collect();
    assert_eq!(
        PathLock::try_exclusive(&path.0).unwrap_err().kind(),
        ErrorKind::State
    );
    drop(readers);
    let _again = PathLock::try_exclusive(&path.0).unwrap();

    // another path is another lock
    let other = TempPath::new("other");
    let _free = PathLock::try_exclusive(&other.0).unwrap();
}

#[test]
fn bad_paths() {
    let _lib = Library::init().unwrap();
    assert_eq!(
        PathLock::exclusive("").unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let err = PathLock::exclusive("/nonexistent-folder-of-forget/state").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}

/// A lock released on another thread frees the path; a waiter gets it only
/// after the release.
#[test]
fn release_on_another_thread_and_waiting() {
    let _lib = Library::init().unwrap();
    let path = TempPath::new("waited");
    let held = PathLock::exclusive(&path.0).unwrap();
    std::thread::spawn(move || drop(held)).join().unwrap();
    let held = PathLock::try_exclusive(&path.0).unwrap();

    let released = Arc::new(AtomicBool::new(false));
    let flag = released.clone();
    let p = path.0.clone();
    let waiter = std::thread::spawn(move || {
        let lock = PathLock::shared(&p).unwrap(); // waits for the release
        assert!(
            flag.load(Ordering::SeqCst),
            "got the lock before its release"
        );
        drop(lock);
    });
    std::thread::sleep(Duration::from_millis(150));
    released.store(true, Ordering::SeqCst);
    drop(held);
    waiter.join().unwrap();
}
