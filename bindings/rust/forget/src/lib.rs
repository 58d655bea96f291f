//! Safe Rust binding of libforget, a C library for machine unlearning:
//! remove the influence of chosen training rows from a trained model
//! (SSD, closed-form analytic updates, SISA), verifiably.
//!
//! ```
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
//! The pieces, one module each:
//! - [`Library`] (init/shutdown guard, method and parameter tables),
//!   [`version_string`], [`blas_info`], [`set_threads`], [`set_limit`];
//! - [`Dataset`]: arrays, IDX and CSV files, subsets;
//! - [`Model`] / [`ModelRef`] / [`BorrowedModel`]: create, train, predict,
//!   parameters and blocks, files and buffers, evaluation;
//! - [`HostModel`]: a model computed by Rust code;
//! - [`Unlearner`]: prepare, forget, learn, save and load, progress, the
//!   deletion journal ([`read_journal`], [`verify_journal`]);
//! - [`PathLock`]: a lock for load-modify-save.
//!
//! docs/rust.md in the repository covers linking (pkg-config,
//! `FORGET_LIB_DIR`), ownership, threads and errors, with a longer example.
//!
//! Every object owns its C handle and frees it on `Drop`. Every fallible
//! call returns [`Error`], which carries the status code (as
//! [`ErrorKind`] too) and the message libforget gave for the failure; on
//! failure, objects are exactly as before the call. Callbacks (progress,
//! host models, journal reading) never let a panic cross into C.
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

mod dataset;
mod error;
mod eval;
mod ffi;
mod host;
mod journal;
mod library;
mod lock;
mod model;
mod params;
mod progress;
mod report;
mod unlearner;

pub use forget_sys as sys;

pub use dataset::{Dataset, Task};
pub use error::{Error, ErrorKind, Result};
pub use eval::{OutputDistance, ParamDistance, Scorecard};
pub use host::{FnHost, HostModel};
pub use journal::{
    read_journal, read_journal_figures, read_journal_figures_with, read_journal_with,
    verify_journal, JournalFigure, JournalFlags, JournalKind, JournalRecord, RecordType,
    VerifyError,
};
pub use library::{
    blas_info, limit, set_limit, set_threads, threads, version_number, version_string, Library,
    Limit,
};
pub use lock::{LockFlags, PathLock};
pub use model::{Block, BorrowedModel, Model, ModelRef, Predictions, DIGEST_SIZE};
pub use params::{MethodInfo, ModelKindInfo, ParamDef, ParamType};
pub use report::Report;
pub use unlearner::{Unlearner, UnlearnerModel};

/// The Rust blocks of docs/rust.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/rust.md")]
struct GuideExamples;
