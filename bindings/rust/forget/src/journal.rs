//! The deletion journal: attach one to an unlearner, ask what is pending
//! or forgotten, read and verify a journal file.
use std::fmt;
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr;

use crate::error::{check, Error, ErrorKind, Result};
use crate::ffi::{cpath, text};
use crate::model::DIGEST_SIZE;
use crate::sys;
use crate::unlearner::Unlearner;

/// The kind of a request in a deletion journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalKind {
    /// A forget or forget_ids request.
    Forget,
    /// A learn request.
    Learn,
}

impl JournalKind {
    fn from_c(kind: c_int) -> Option<JournalKind> {
        match kind {
            sys::FORGET_JOURNAL_FORGET => Some(JournalKind::Forget),
            sys::FORGET_JOURNAL_LEARN => Some(JournalKind::Learn),
            _ => None,
        }
    }
}

/// The type of a journal record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordType {
    /// The journal's start (`FORGET_JOURNAL_RECORD_OPEN`).
    Open,
    /// A request, logged before it runs.
    Request,
    /// A request's end: it took effect.
    Done,
    /// A request that failed and changed nothing.
    Abort,
    /// A type this crate does not know.
    Other(i32),
}

/// One record of a deletion journal, as [`read_journal`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    /// `sys::FORGET_JOURNAL_RECORD_OPEN`, `_REQUEST`, `_DONE` or `_ABORT`
    /// (see [`JournalRecord::record`]).
    pub record_type: i32,
    /// The request's number (0 for the journal's start).
    pub seq: u64,
    /// Nanoseconds since 1970 (UTC).
    pub time_ns: i64,
    /// The journal's method.
    pub method: String,
    /// Requests only: forget or learn.
    pub kind: Option<JournalKind>,
    /// Requests: their sample ids.
    pub ids: Vec<u64>,
    /// The model's digest (at the start, before a request, after it);
    /// `None` for aborts.
    pub digest: Option<[u8; DIGEST_SIZE]>,
    /// Aborts: the failed call's `FORGET_E_*` code.
    pub status: i32,
}

impl JournalRecord {
    /// [`JournalRecord::record_type`] as an enum.
    pub fn record(&self) -> RecordType {
        match self.record_type {
            sys::FORGET_JOURNAL_RECORD_OPEN => RecordType::Open,
            sys::FORGET_JOURNAL_RECORD_REQUEST => RecordType::Request,
            sys::FORGET_JOURNAL_RECORD_DONE => RecordType::Done,
            sys::FORGET_JOURNAL_RECORD_ABORT => RecordType::Abort,
            other => RecordType::Other(other),
        }
    }
}

struct Visit<'a> {
    f: &'a mut (dyn FnMut(JournalRecord) -> ControlFlow<()> + 'a),
    panic: Option<Box<dyn std::any::Any + Send>>,
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn visit(
    user: *mut c_void,
    record_type: c_int,
    seq: u64,
    time_ns: i64,
    method: *const c_char,
    kind: c_int,
    ids: *const u64,
    n_ids: usize,
    digest: *const u8,
    status: c_int,
) -> c_int {
    // SAFETY: user is the Visit of read_journal_with, alive during the
    // read; the pointers are valid during this call.
    let v = &mut *(user as *mut Visit<'_>);
    let digest = if digest.is_null() {
        None
    } else {
        let mut d = [0u8; DIGEST_SIZE];
        d.copy_from_slice(std::slice::from_raw_parts(digest, DIGEST_SIZE));
        Some(d)
    };
    let record = JournalRecord {
        record_type,
        seq,
        time_ns,
        method: text(method),
        kind: if record_type == sys::FORGET_JOURNAL_RECORD_REQUEST {
            JournalKind::from_c(kind)
        } else {
            None
        },
        ids: if n_ids == 0 || ids.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(ids, n_ids).to_vec()
        },
        digest,
        status,
    };
    match catch_unwind(AssertUnwindSafe(|| (v.f)(record))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            v.panic = Some(payload);
            1
        }
    }
}

/// Call `f` with each record of the journal at `path`, in order (an
/// audit: no lock is taken). [`ControlFlow::Break`] stops the reading with
/// [`ErrorKind::Canceled`]. Records up to a damaged one are delivered,
/// then [`ErrorKind::Format`] names it. A panic in `f` stops the reading
/// and resumes once out of the C library.
pub fn read_journal_with(
    path: impl AsRef<Path>,
    mut f: impl FnMut(JournalRecord) -> ControlFlow<()>,
) -> Result<()> {
    let c = cpath(path.as_ref())?;
    let mut v = Visit {
        f: &mut f,
        panic: None,
    };
    let rc = unsafe {
        sys::forget_journal_read(
            c.as_ptr(),
            Some(visit),
            &mut v as *mut Visit<'_> as *mut c_void,
        )
    };
    if let Some(p) = v.panic.take() {
        std::panic::resume_unwind(p);
    }
    check(rc)
}

/// Every record of the deletion journal at `path`, in order. A damaged
/// journal is [`ErrorKind::Format`].
pub fn read_journal(path: impl AsRef<Path>) -> Result<Vec<JournalRecord>> {
    let mut out = Vec::new();
    read_journal_with(path, |r| {
        out.push(r);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// One figure of a request's report, as the journal's DONE record holds it
/// (version-3 journals): the key and value [`Unlearner::last_report`] gave.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalFigure {
    /// The request's number.
    pub seq: u64,
    /// The figure's name (`rows`, newton's `cert_spent`, ...).
    pub key: String,
    /// Its value.
    pub value: f64,
}

struct FigureVisit<'a> {
    f: &'a mut (dyn FnMut(JournalFigure) -> ControlFlow<()> + 'a),
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn visit_figure(
    user: *mut c_void,
    seq: u64,
    key: *const c_char,
    value: f64,
) -> c_int {
    // SAFETY: user is the FigureVisit of read_journal_figures_with, alive
    // during the read; key is valid during this call.
    let v = &mut *(user as *mut FigureVisit<'_>);
    let figure = JournalFigure {
        seq,
        key: text(key),
        value,
    };
    match catch_unwind(AssertUnwindSafe(|| (v.f)(figure))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            v.panic = Some(payload);
            1
        }
    }
}

/// Call `f` with each figure the journal at `path` recorded, in order
/// (none for journals of versions 1 and 2). [`ControlFlow::Break`] stops
/// the reading with [`ErrorKind::Canceled`]; damage is
/// [`ErrorKind::Format`], as for [`read_journal_with`]. A panic in `f`
/// stops the reading and resumes once out of the C library.
pub fn read_journal_figures_with(
    path: impl AsRef<Path>,
    mut f: impl FnMut(JournalFigure) -> ControlFlow<()>,
) -> Result<()> {
    let c = cpath(path.as_ref())?;
    let mut v = FigureVisit {
        f: &mut f,
        panic: None,
    };
    let rc = unsafe {
        sys::forget_journal_read_figures(
            c.as_ptr(),
            Some(visit_figure),
            &mut v as *mut FigureVisit<'_> as *mut c_void,
        )
    };
    if let Some(p) = v.panic.take() {
        std::panic::resume_unwind(p);
    }
    check(rc)
}

/// Every figure the journal at `path` recorded, in order.
pub fn read_journal_figures(path: impl AsRef<Path>) -> Result<Vec<JournalFigure>> {
    let mut out = Vec::new();
    read_journal_figures_with(path, |f| {
        out.push(f);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Why [`verify_journal`] failed: the error, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// What failed: [`ErrorKind::Format`] (a damaged or changed record, or
    /// a journal without the key given), [`ErrorKind::State`] (a keyed
    /// journal without its key), [`ErrorKind::Unsupported`] (a version-1
    /// journal: no chain to verify), [`ErrorKind::Io`], ...
    pub error: Error,
    /// The number of the first record that fails (0 = the OPEN record);
    /// also how many intact records precede it.
    pub record: u64,
    /// Its byte offset in the file.
    pub offset: u64,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (record {}, offset {})",
            self.error, self.record, self.offset
        )
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Error {
        e.error
    }
}

/// Check a journal's hash chain without attaching it (no lock taken).
/// `key`: the journal's HMAC key, or `None` for a journal without one.
/// `Ok` gives the number of records, all intact and linked.
pub fn verify_journal(
    path: impl AsRef<Path>,
    key: Option<&[u8]>,
) -> std::result::Result<u64, VerifyError> {
    let fail = |error| VerifyError {
        error,
        record: 0,
        offset: 0,
    };
    let c = cpath(path.as_ref()).map_err(fail)?;
    let (kp, kn) = key.map_or((ptr::null(), 0), |k| (k.as_ptr().cast(), k.len()));
    let (mut records, mut offset) = (0u64, 0u64);
    let rc = unsafe { sys::forget_journal_verify(c.as_ptr(), kp, kn, &mut records, &mut offset) };
    match check(rc) {
        Ok(()) => Ok(records),
        Err(error) => Err(VerifyError {
            error,
            record: records,
            offset,
        }),
    }
}

/// How [`Unlearner::open_journal_with`] opens a journal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JournalFlags {
    /// `FORGET_JOURNAL_REPAIR`: drop a last append cut short by a crash
    /// (never acknowledged).
    pub repair: bool,
    /// `FORGET_JOURNAL_NEW`: start a new journal on purpose, where the
    /// state names another one (an absent or empty path only).
    pub new: bool,
}

impl Unlearner<'_> {
    /// Attach a deletion journal to the prepared unlearner; an existing one
    /// is recovered from (the report's "journal_redone", "journal_pending",
    /// ...). `repair` drops a last append cut short by a crash.
    pub fn open_journal(&mut self, path: impl AsRef<Path>, repair: bool) -> Result<()> {
        let flags = JournalFlags { repair, new: false };
        self.open_journal_with(path, flags)
    }

    /// [`Unlearner::open_journal`] with every flag.
    pub fn open_journal_with(&mut self, path: impl AsRef<Path>, flags: JournalFlags) -> Result<()> {
        let path = cpath(path.as_ref())?;
        let mut bits = 0u32;
        if flags.repair {
            bits |= sys::FORGET_JOURNAL_REPAIR as u32;
        }
        if flags.new {
            bits |= sys::FORGET_JOURNAL_NEW as u32;
        }
        check(unsafe { sys::forget_unlearner_open_journal(self.raw(), path.as_ptr(), bits) })
    }

    /// The HMAC key of the journal opened next (copied, wiped when
    /// replaced or freed): 16 to 1024 bytes, `None` to clear it.
    /// [`ErrorKind::State`] while a journal is attached.
    pub fn set_journal_key(&mut self, key: Option<&[u8]>) -> Result<()> {
        let (kp, kn) = key.map_or((ptr::null(), 0), |k| (k.as_ptr().cast(), k.len()));
        check(unsafe { sys::forget_unlearner_set_journal_key(self.raw(), kp, kn) })
    }

    /// Whether `id` is forgotten (by this journal's requests or before);
    /// [`ErrorKind::State`] without a journal.
    pub fn is_forgotten(&self, id: u64) -> Result<bool> {
        let mut forgotten = 0;
        check(unsafe { sys::forget_unlearner_is_forgotten(self.raw(), id, &mut forgotten) })?;
        Ok(forgotten != 0)
    }

    /// The oldest journaled request the host must finish (with its rows)
    /// before any other call, or `None`; [`ErrorKind::State`] without a
    /// journal.
    pub fn journal_pending(&self) -> Result<Option<(JournalKind, Vec<u64>)>> {
        let (mut kind, mut ids, mut count) = (0, ptr::null(), 0);
        check(unsafe {
            sys::forget_unlearner_journal_pending(self.raw(), &mut kind, &mut ids, &mut count)
        })?;
        if count == 0 {
            return Ok(None);
        }
        let kind = JournalKind::from_c(kind).ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                &format!("unknown journal request kind {kind}"),
            )
        })?;
        // SAFETY: count ids, valid until the next call on the unlearner.
        let ids = unsafe { std::slice::from_raw_parts(ids, count) }.to_vec();
        Ok(Some((kind, ids)))
    }
}
