//! Safe wrapper of libforget, a C library for machine unlearning.
//!
//! ```no_run
//! use forget::{Dataset, Library, Model, Unlearner};
//! # fn main() -> Result<(), forget::Error> {
//! let _lib = Library::init()?; // first, so that it is dropped last
//! let train = Dataset::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], None)?;
//! let mut model = Model::create("analytic", "inputs=2 outputs=2")?;
//! let mut unlearner = Unlearner::create("analytic", &mut model, "keep_rows=true")?;
//! unlearner.prepare(&train)?;
//! unlearner.forget_ids(&[1])?;
//! # Ok(()) }
//! ```
//!
//! Every object owns its C handle and frees it on `Drop`. Every fallible
//! call returns [`Error`], which carries the status code and the message
//! libforget gave for the failure.

use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::path::Path;
use std::ptr;

pub use forget_sys as sys;

/// A failed libforget call: `code` is a `FORGET_E_*` value, `message` is
/// `forget_strerror(code)` followed by `forget_last_error()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: i32,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The error of the call that just returned `code` on this thread.
    fn last(code: c_int) -> Error {
        // SAFETY: the message is valid until the next call on this thread.
        let detail = unsafe { text(sys::forget_last_error()) };
        Error::new(code, &detail)
    }

    /// `code`'s text, then `detail` (also for checks made on the Rust side).
    fn new(code: c_int, detail: &str) -> Error {
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

fn check(rc: c_int) -> Result<()> {
    if rc == sys::FORGET_OK {
        Ok(())
    } else {
        Err(Error::last(rc))
    }
}

/// # Safety
/// `s` must be NULL or a valid NUL-terminated string.
unsafe fn text(s: *const c_char) -> String {
    if s.is_null() {
        String::new()
    } else {
        CStr::from_ptr(s).to_string_lossy().into_owned()
    }
}

fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(sys::FORGET_E_INVALID, "string holds a NUL byte"))
}

fn cpath(path: &Path) -> Result<CString> {
    let s = path
        .to_str()
        .ok_or_else(|| Error::new(sys::FORGET_E_INVALID, "path is not UTF-8"))?;
    cstring(s)
}

/// The library's version number, MAJOR*10000 + MINOR*100 + PATCH.
pub fn version_number() -> u32 {
    unsafe { sys::forget_version_number() }
}

/// The library's version as text, e.g. "0.1.0".
pub fn version_string() -> String {
    unsafe { text(sys::forget_version_string()) }
}

/// Keeps libforget initialised: `forget_init` on creation, `forget_shutdown`
/// on drop (reference-counted, so several guards may coexist).
///
/// Drop every [`Dataset`], [`Model`] and [`Unlearner`] before the last
/// `Library`: libforget refuses the last shutdown while objects are alive
/// (it then simply stays initialised). Declaring the guard first in a scope
/// does this, since locals are dropped in reverse order.
#[derive(Debug)]
pub struct Library {
    _private: (),
}

impl Library {
    pub fn init() -> Result<Library> {
        check(unsafe { sys::forget_init() })?;
        Ok(Library { _private: () })
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        unsafe { sys::forget_shutdown() };
    }
}

/// A classification dataset (a copy of the host's arrays).
#[derive(Debug)]
pub struct Dataset {
    ptr: *mut sys::forget_dataset,
}

// libforget: datasets are read-only after creation and may be read from
// many threads.
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

impl Dataset {
    /// `labels.len()` rows of `x.len() / labels.len()` features (`x` is
    /// row-major) and their sample ids (`None`: 0..n-1).
    pub fn new(x: &[f32], labels: &[i32], ids: Option<&[u64]>) -> Result<Dataset> {
        let n = labels.len();
        let d = x.len().checked_div(n).unwrap_or(0);
        if d * n != x.len() || ids.is_some_and(|ids| ids.len() != n) {
            let detail = "x must hold a whole number of rows per label, ids one per label";
            return Err(Error::new(sys::FORGET_E_INVALID, detail));
        }
        let ids = ids.map_or(ptr::null(), <[u64]>::as_ptr);
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::forget_dataset_create(&mut out, n, d, x.as_ptr(), labels.as_ptr(), ids)
        })?;
        Ok(Dataset { ptr: out })
    }

    /// A new dataset of the rows with these ids (in this dataset's order).
    pub fn subset_ids(&self, ids: &[u64]) -> Result<Dataset> {
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::forget_dataset_subset_ids(&mut out, self.ptr, ids.as_ptr(), ids.len())
        })?;
        Ok(Dataset { ptr: out })
    }

    pub fn rows(&self) -> usize {
        unsafe { sys::forget_dataset_rows(self.ptr) }
    }

    pub fn features(&self) -> usize {
        unsafe { sys::forget_dataset_features(self.ptr) }
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        unsafe { sys::forget_dataset_free(self.ptr) }
    }
}

/// A model: kind "linear", "mlp" or "analytic".
#[derive(Debug)]
pub struct Model {
    ptr: *mut sys::forget_model,
}

// libforget: a handle may move between threads (one at a time).
unsafe impl Send for Model {}

impl Model {
    /// E.g. `Model::create("mlp", "layers=784-256-10 act=relu")`.
    pub fn create(kind: &str, params: &str) -> Result<Model> {
        let (kind, params) = (cstring(kind)?, cstring(params)?);
        let mut out = ptr::null_mut();
        check(unsafe { sys::forget_model_create(&mut out, kind.as_ptr(), params.as_ptr()) })?;
        Ok(Model { ptr: out })
    }

    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::forget_model_load(&mut out, path.as_ptr()) })?;
        Ok(Model { ptr: out })
    }

    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = cpath(path.as_ref())?;
        check(unsafe { sys::forget_model_save(self.ptr, path.as_ptr()) })
    }

    /// Training parameters, e.g. "epochs=5 lr=0.05" ("" for analytic models:
    /// the closed-form fit).
    pub fn train(&mut self, data: &Dataset, params: &str) -> Result<()> {
        let params = cstring(params)?;
        check(unsafe { sys::forget_model_train(self.ptr, data.ptr, params.as_ptr()) })
    }

    /// Fraction of rows whose most probable class is the label.
    pub fn accuracy(&self, data: &Dataset) -> Result<f64> {
        accuracy(self.ptr, data)
    }

    pub fn kind(&self) -> String {
        unsafe { text(sys::forget_model_kind(self.ptr)) }
    }

    /// SHA-256 of everything the model's predictions depend on (equal
    /// models give equal digests on every host).
    pub fn digest(&self) -> Result<[u8; DIGEST_SIZE]> {
        digest(self.ptr)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { sys::forget_model_free(self.ptr) }
    }
}

fn accuracy(model: *const sys::forget_model, data: &Dataset) -> Result<f64> {
    let mut acc = 0.0;
    check(unsafe { sys::forget_eval_accuracy(model, data.ptr, &mut acc) })?;
    Ok(acc)
}

/// The size of a model digest, `FORGET_DIGEST_SIZE`.
pub const DIGEST_SIZE: usize = sys::FORGET_DIGEST_SIZE as usize;

fn digest(model: *const sys::forget_model) -> Result<[u8; DIGEST_SIZE]> {
    let mut out = [0u8; DIGEST_SIZE];
    check(unsafe { sys::forget_model_digest(model, out.as_mut_ptr()) })?;
    Ok(out)
}

/// The kind of a request in an unlearner's deletion journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalKind {
    Forget,
    Learn,
}

/// One record of a deletion journal, as `read_journal` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    /// `sys::FORGET_JOURNAL_RECORD_OPEN`, `_REQUEST`, `_DONE` or `_ABORT`.
    pub record_type: i32,
    /// The request's number (0 for the journal's start).
    pub seq: u64,
    /// Nanoseconds since 1970 (UTC).
    pub time_ns: i64,
    pub method: String,
    /// Requests only.
    pub kind: Option<JournalKind>,
    pub ids: Vec<u64>,
    /// The model's digest (start, before a request, after it); None for aborts.
    pub digest: Option<[u8; DIGEST_SIZE]>,
    /// Aborts: the failed call's `FORGET_E_*` code.
    pub status: i32,
}

unsafe extern "C" fn journal_visit(
    user: *mut std::os::raw::c_void,
    record_type: c_int,
    seq: u64,
    time_ns: i64,
    method: *const std::os::raw::c_char,
    kind: c_int,
    ids: *const u64,
    n_ids: usize,
    digest: *const u8,
    status: c_int,
) -> c_int {
    let out = &mut *(user as *mut Vec<JournalRecord>);
    let digest = if digest.is_null() {
        None
    } else {
        let mut d = [0u8; DIGEST_SIZE];
        d.copy_from_slice(std::slice::from_raw_parts(digest, DIGEST_SIZE));
        Some(d)
    };
    out.push(JournalRecord {
        record_type,
        seq,
        time_ns,
        method: CStr::from_ptr(method).to_string_lossy().into_owned(),
        kind: match (record_type, kind) {
            (2, 1) => Some(JournalKind::Forget),
            (2, 2) => Some(JournalKind::Learn),
            _ => None,
        },
        ids: if n_ids == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(ids, n_ids).to_vec()
        },
        digest,
        status,
    });
    0
}

/// Every record of the deletion journal at `path`, in order (an audit; no
/// lock is taken). A damaged journal is an error (`FORGET_E_FORMAT`).
pub fn read_journal(path: impl AsRef<Path>) -> Result<Vec<JournalRecord>> {
    let c = cpath(path.as_ref())?;
    let mut out: Vec<JournalRecord> = Vec::new();
    check(unsafe {
        sys::forget_journal_read(
            c.as_ptr(),
            Some(journal_visit),
            &mut out as *mut Vec<JournalRecord> as *mut std::os::raw::c_void,
        )
    })?;
    Ok(out)
}

/// One unlearning method bound to one model, which it borrows mutably for
/// its whole life (its forget calls change the model), so the model can be
/// neither used nor dropped while the unlearner lives:
///
/// ```compile_fail
/// # use forget::{Model, Unlearner};
/// let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
/// let unlearner = Unlearner::create("analytic", &mut model, "").unwrap();
/// drop(model);
/// drop(unlearner);
/// ```
#[derive(Debug)]
pub struct Unlearner<'m> {
    ptr: *mut sys::forget_unlearner,
    _model: PhantomData<&'m mut Model>,
}

unsafe impl Send for Unlearner<'_> {}

impl<'m> Unlearner<'m> {
    /// `method` is "ssd", "analytic", "sisa" or a registered one; `model` is
    /// the model to change (for sisa: the template of its shards).
    pub fn create(method: &str, model: &'m mut Model, params: &str) -> Result<Unlearner<'m>> {
        let (method, params) = (cstring(method)?, cstring(params)?);
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::forget_unlearner_create(&mut out, method.as_ptr(), model.ptr, params.as_ptr())
        })?;
        Ok(Unlearner {
            ptr: out,
            _model: PhantomData,
        })
    }

    /// Precompute what the method needs from the training data.
    pub fn prepare(&mut self, train: &Dataset) -> Result<()> {
        check(unsafe { sys::forget_unlearner_prepare(self.ptr, train.ptr) })
    }

    /// Remove the influence of these rows.
    pub fn forget(&mut self, rows: &Dataset) -> Result<()> {
        check(unsafe { sys::forget_unlearner_forget(self.ptr, rows.ptr) })
    }

    /// Remove rows named by sample id (sisa; analytic with keep_rows=true).
    pub fn forget_ids(&mut self, ids: &[u64]) -> Result<()> {
        check(unsafe { sys::forget_unlearner_forget_ids(self.ptr, ids.as_ptr(), ids.len()) })
    }

    /// A figure ("seconds", "already_forgotten", ...) of the report of the
    /// last successful prepare or forget.
    pub fn report(&self, key: &str) -> Result<f64> {
        let key = cstring(key)?;
        let report = unsafe { sys::forget_unlearner_report(self.ptr) };
        if report.is_null() {
            return Err(Error::new(
                sys::FORGET_E_STATE,
                "no report before the first prepare",
            ));
        }
        let mut value = 0.0;
        check(unsafe { sys::forget_report_get(report, key.as_ptr(), &mut value) })?;
        Ok(value)
    }

    /// The accuracy of the model the unlearner presents (sisa: its ensemble).
    pub fn accuracy(&self, data: &Dataset) -> Result<f64> {
        accuracy(unsafe { sys::forget_unlearner_model(self.ptr) }, data)
    }

    /// The digest of the model the unlearner presents (sisa: its ensemble).
    pub fn digest(&self) -> Result<[u8; DIGEST_SIZE]> {
        digest(unsafe { sys::forget_unlearner_model(self.ptr) })
    }

    /// Attach a deletion journal to the prepared unlearner; an existing one
    /// is recovered from (the report's "journal_redone", "journal_pending",
    /// ...). `repair` drops a last append cut short by a crash.
    pub fn open_journal(&mut self, path: impl AsRef<Path>, repair: bool) -> Result<()> {
        let path = cpath(path.as_ref())?;
        let flags = if repair {
            sys::FORGET_JOURNAL_REPAIR as u32
        } else {
            0
        };
        check(unsafe { sys::forget_unlearner_open_journal(self.ptr, path.as_ptr(), flags) })
    }

    /// Whether a journaled request forgot `id` (and no later learn brought
    /// it back).
    pub fn is_forgotten(&self, id: u64) -> Result<bool> {
        let mut forgotten = 0;
        check(unsafe { sys::forget_unlearner_is_forgotten(self.ptr, id, &mut forgotten) })?;
        Ok(forgotten != 0)
    }

    /// The oldest journaled request the host must finish (with its rows)
    /// before any other call, or `None`.
    pub fn journal_pending(&self) -> Result<Option<(JournalKind, Vec<u64>)>> {
        let (mut kind, mut ids, mut count) = (0, ptr::null(), 0);
        check(unsafe {
            sys::forget_unlearner_journal_pending(self.ptr, &mut kind, &mut ids, &mut count)
        })?;
        if count == 0 {
            return Ok(None);
        }
        let kind = match kind {
            sys::FORGET_JOURNAL_FORGET => JournalKind::Forget,
            sys::FORGET_JOURNAL_LEARN => JournalKind::Learn,
            other => {
                let detail = format!("unknown journal request kind {other}");
                return Err(Error::new(sys::FORGET_E_INTERNAL, &detail));
            }
        };
        // SAFETY: count ids, valid until the next call on the unlearner.
        let ids = unsafe { std::slice::from_raw_parts(ids, count) }.to_vec();
        Ok(Some((kind, ids)))
    }
}

impl Drop for Unlearner<'_> {
    fn drop(&mut self) {
        unsafe { sys::forget_unlearner_free(self.ptr) }
    }
}
