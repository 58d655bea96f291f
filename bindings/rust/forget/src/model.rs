//! Models: creation, files, parameters and blocks, training, prediction.
//!
//! Three types share the read-only operations of [`ModelRef`]:
//! [`Model`] owns its C handle; [`BorrowedModel`] is a model someone else
//! owns (an unlearner's sisa ensemble, an ensemble's constituent) and
//! lives no longer than its owner's borrow. Both dereference to
//! `ModelRef`, which cannot be held by value.
use std::fmt;
use std::marker::PhantomData;
use std::ops::{ControlFlow, Deref};
use std::path::Path;
use std::ptr;
use std::sync::Arc;

use crate::dataset::{Dataset, Task};
use crate::error::{check, invalid, Result};
use crate::ffi::{cpath, cstring, save_to_vec, text};
use crate::host::HostCell;
use crate::progress::{trampoline, ProgressCell};
use crate::report::{self, Report};
use crate::sys;

/// The size of a model digest, `FORGET_DIGEST_SIZE` (SHA-256).
pub const DIGEST_SIZE: usize = sys::FORGET_DIGEST_SIZE as usize;

/// What every model offers through a shared reference: introspection,
/// parameters (read), prediction, evaluation, digests, saving, cloning.
/// Reached through [`Model`] or [`BorrowedModel`] (both dereference to
/// it); it cannot be cloned or held by value, so it never outlives the
/// handle it came from.
// Send + Sync: every operation here only reads the model, and the C
// library lets several threads predict from (read) one model at once
// (forget.h, forget_model_predict); a host model's callbacks are
// serialised by its HostCell's lock. Mutation (train, set_params,
// set_progress) needs `&mut Model`, which excludes every reader.
pub struct ModelRef {
    pub(crate) ptr: *mut sys::forget_model,
    /// The Rust host behind a host model (or one of its clones), kept
    /// alive while a handle on the C model lives.
    pub(crate) keep: Option<Arc<HostCell>>,
}

unsafe impl Send for ModelRef {}
unsafe impl Sync for ModelRef {}

/// A named block of the flat parameter vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// "dense0.weight", "dense0.bias", ... ("host" for a host model).
    pub name: String,
    /// Where it starts in the flat vector.
    pub offset: usize,
    /// How many floats it holds.
    pub size: usize,
    /// Its shape, row-major, as PyTorch holds it: `[outputs, inputs]` for
    /// a weight matrix, `[n]` for a vector.
    pub shape: Vec<usize>,
}

/// Predictions: `rows` rows of `outputs` values (class probabilities, or
/// regression values), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    rows: usize,
    outputs: usize,
    values: Vec<f32>,
}

impl Predictions {
    /// Rows predicted.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Values per row.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Every value, row-major.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Row `i`'s values (panics past the end, as slice indexing does).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.outputs..(i + 1) * self.outputs]
    }

    /// Each row's most probable class (the first of equal ones).
    pub fn argmax(&self) -> Vec<usize> {
        (0..self.rows)
            .map(|i| {
                let row = self.row(i);
                let mut best = 0;
                for (j, v) in row.iter().enumerate() {
                    if *v > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }

    /// The values, row-major.
    pub fn into_vec(self) -> Vec<f32> {
        self.values
    }
}

impl ModelRef {
    pub(crate) fn raw(&self) -> *const sys::forget_model {
        self.ptr
    }

    /// A handle on a model owned elsewhere, carrying this one's host.
    pub(crate) fn borrowed<'a>(&'a self, ptr: *const sys::forget_model) -> BorrowedModel<'a> {
        BorrowedModel::new(ptr, self.keep.clone())
    }

    /// The kind: "linear", "mlp", "analytic", "host", or an ensemble's.
    pub fn kind(&self) -> String {
        unsafe { text(sys::forget_model_kind(self.raw())) }
    }

    /// The canonical creation parameters, every key included (defaults
    /// too), e.g. "inputs=2 outputs=3 task=classification seed=1".
    pub fn params_string(&self) -> String {
        unsafe { text(sys::forget_model_params(self.raw())) }
    }

    /// Classification or regression.
    pub fn task(&self) -> Option<Task> {
        Task::from_c(unsafe { sys::forget_model_task(self.raw()) })
    }

    /// Features per input row.
    pub fn inputs(&self) -> usize {
        unsafe { sys::forget_model_inputs(self.raw()) }
    }

    /// Values per output row (classes, or regression values).
    pub fn outputs(&self) -> usize {
        unsafe { sys::forget_model_outputs(self.raw()) }
    }

    /// Floats in the flat parameter vector.
    pub fn param_count(&self) -> usize {
        unsafe { sys::forget_model_param_count(self.raw()) }
    }

    /// A copy of the flat parameter vector (its layout: [`ModelRef::blocks`]).
    pub fn get_params(&self) -> Result<Vec<f32>> {
        let n = self.param_count();
        let mut out = vec![0f32; n];
        check(unsafe { sys::forget_model_get_params(self.raw(), out.as_mut_ptr(), n) })?;
        Ok(out)
    }

    /// The named blocks of the parameter vector, with their shapes.
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let m = forget::Model::create("mlp", "layers=4-3-2")?;
    /// let blocks = m.blocks()?;
    /// assert_eq!(blocks[0].name, "dense0.weight");
    /// assert_eq!(blocks[0].shape, vec![3, 4]);
    /// assert_eq!(blocks.iter().map(|b| b.size).sum::<usize>(), m.param_count());
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn blocks(&self) -> Result<Vec<Block>> {
        let count = unsafe { sys::forget_model_block_count(self.raw()) };
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let (mut name, mut offset, mut size) = (ptr::null(), 0usize, 0usize);
            check(unsafe {
                sys::forget_model_block(self.raw(), i, &mut name, &mut offset, &mut size)
            })?;
            let mut dims = [0usize; sys::FORGET_MAX_DIMS as usize];
            let mut ndim = 0usize;
            check(unsafe {
                sys::forget_model_block_shape(self.raw(), i, dims.as_mut_ptr(), &mut ndim)
            })?;
            let ndim = ndim.min(dims.len());
            out.push(Block {
                name: unsafe { text(name) },
                offset,
                size,
                shape: dims[..ndim].to_vec(),
            });
        }
        Ok(out)
    }

    /// An ensemble's constituents (sisa presents one); 0 for other kinds.
    pub fn part_count(&self) -> usize {
        unsafe { sys::forget_model_part_count(self.raw()) }
    }

    /// Constituent `index`, borrowed from this model (`None` past the
    /// end). [`ModelRef::try_clone`] or save it to keep it.
    pub fn part(&self, index: usize) -> Option<BorrowedModel<'_>> {
        let p = unsafe { sys::forget_model_part(self.raw(), index) };
        (!p.is_null()).then(|| self.borrowed(p))
    }

    /// Class probabilities (classification) or values (regression) of
    /// every row of `data`. Callable from several threads at once.
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let m = forget::Model::create("linear", "inputs=2 outputs=3")?;
    /// let d = forget::Dataset::unlabeled(2, &[1.0, 2.0, 3.0, 4.0], None)?;
    /// let p = m.predict(&d)?;
    /// assert_eq!((p.rows(), p.outputs()), (2, 3));
    /// assert!((p.row(0).iter().sum::<f32>() - 1.0).abs() < 1e-5);
    /// assert_eq!(p, m.predict_raw(&[1.0, 2.0, 3.0, 4.0])?);
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn predict(&self, data: &Dataset) -> Result<Predictions> {
        let (rows, outputs) = (data.rows(), self.outputs());
        let mut values = vec![0f32; rows * outputs];
        self.predict_into(data, &mut values)?;
        Ok(Predictions {
            rows,
            outputs,
            values,
        })
    }

    /// [`ModelRef::predict`] into the caller's `rows * outputs` floats.
    pub fn predict_into(&self, data: &Dataset, out: &mut [f32]) -> Result<()> {
        check(unsafe {
            sys::forget_model_predict(self.raw(), data.ptr, out.as_mut_ptr(), out.len())
        })
    }

    /// The same for rows given as a row-major array of `inputs` features
    /// each.
    pub fn predict_raw(&self, x: &[f32]) -> Result<Predictions> {
        let inputs = self.inputs();
        if inputs == 0 || x.len() % inputs != 0 {
            return Err(invalid(&format!(
                "x holds {} floats, not whole rows of {inputs} inputs",
                x.len()
            )));
        }
        let (rows, outputs) = (x.len() / inputs, self.outputs());
        let mut values = vec![0f32; rows * outputs];
        check(unsafe {
            sys::forget_model_predict_raw(
                self.raw(),
                x.as_ptr(),
                rows,
                values.as_mut_ptr(),
                values.len(),
            )
        })?;
        Ok(Predictions {
            rows,
            outputs,
            values,
        })
    }

    /// SHA-256 of everything the predictions depend on (kind, parameters,
    /// shape, weights): equal models give equal digests on every host.
    pub fn digest(&self) -> Result<[u8; DIGEST_SIZE]> {
        let mut out = [0u8; DIGEST_SIZE];
        check(unsafe { sys::forget_model_digest(self.raw(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// Save to a file, crash-safe (a temporary file renamed over `path`).
    /// Host models cannot be saved.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = cpath(path.as_ref())?;
        check(unsafe { sys::forget_model_save(self.raw(), path.as_ptr()) })
    }

    /// The bytes [`ModelRef::save`] would write.
    pub fn save_buffer(&self) -> Result<Vec<u8>> {
        save_to_vec(|buf, cap, size| unsafe {
            sys::forget_model_save_buffer(self.raw(), buf, cap, size)
        })
    }

    /// A `linear` or `mlp` model as a safetensors file of float32 tensors
    /// (PyTorch's named-tensor format), replaced as [`ModelRef::save`]
    /// replaces a file. `params`: `names=libforget` (`dense0.weight`, ...)
    /// or `names=torch` (an `nn.Sequential`'s `0.weight`, `2.weight`, ...).
    /// Importing the file gives an equal model (same digest). Other kinds
    /// are [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
    pub fn export_safetensors(&self, path: impl AsRef<Path>, params: &str) -> Result<()> {
        let path = cpath(path.as_ref())?;
        let params = cstring(params)?;
        check(unsafe { sys::forget_model_export(self.raw(), path.as_ptr(), params.as_ptr()) })
    }

    /// The bytes [`ModelRef::export_safetensors`] would write.
    pub fn export_safetensors_buffer(&self, params: &str) -> Result<Vec<u8>> {
        let params = cstring(params)?;
        save_to_vec(|buf, cap, size| unsafe {
            sys::forget_model_export_buffer(self.raw(), buf, cap, size, params.as_ptr())
        })
    }

    /// A deep copy (a host model's copy shares its Rust host).
    pub fn try_clone(&self) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::forget_model_clone(&mut out, self.raw()) })?;
        Ok(Model::from_raw(out, self.keep.clone()))
    }

    /// The figures of the last successful training ("seconds", "steps",
    /// "final_loss", ...); `None` before.
    pub fn train_report(&self) -> Option<Report> {
        unsafe { report::read(sys::forget_model_train_report(self.raw())) }
    }
}

impl fmt::Debug for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("kind", &self.kind())
            .field("inputs", &self.inputs())
            .field("outputs", &self.outputs())
            .finish()
    }
}

/// A model: kind "linear", "mlp", "analytic", or a host model
/// ([`Model::create_host`]). Owns its C handle (freed on drop). The
/// read-only operations are [`ModelRef`]'s (it dereferences to one).
///
/// ```
/// # let _lib = forget::Library::init()?;
/// use forget::{Dataset, Model};
/// let x = [0.0, 0.0, 1.0, 1.0, 0.1, 0.0, 0.9, 1.0];
/// let train = Dataset::new(&x, &[0, 1, 0, 1], None)?;
/// let mut m = Model::create("linear", "inputs=2 outputs=2 seed=3")?;
/// m.train(&train, "epochs=50 lr=0.5 batch=4")?;
/// assert_eq!(m.accuracy(&train)?, 1.0);
/// let copy = Model::load_buffer(&m.save_buffer()?)?;
/// assert_eq!(copy.digest()?, m.digest()?);
/// # Ok::<(), forget::Error>(())
/// ```
// Send + Sync as ModelRef; the progress closure is Send and sits behind a
// Mutex.
pub struct Model {
    inner: ModelRef,
    progress: Option<Box<ProgressCell>>,
}

impl Model {
    pub(crate) fn from_raw(ptr: *mut sys::forget_model, keep: Option<Arc<HostCell>>) -> Model {
        Model {
            inner: ModelRef { ptr, keep },
            progress: None,
        }
    }

    fn wrap(make: impl FnOnce(&mut *mut sys::forget_model) -> i32) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(make(&mut out))?;
        Ok(Model::from_raw(out, None))
    }

    /// A new model of `kind` with its parameters, e.g.
    /// `Model::create("mlp", "layers=784-256-10 act=relu seed=7")`.
    /// [`Library::model_kinds`](crate::Library::model_kinds) lists them.
    pub fn create(kind: &str, params: &str) -> Result<Model> {
        let (kind, params) = (cstring(kind)?, cstring(params)?);
        Model::wrap(|out| unsafe { sys::forget_model_create(out, kind.as_ptr(), params.as_ptr()) })
    }

    /// An "analytic" model whose feature map is a trained mlp's hidden
    /// layers (copied, frozen). `params`: "outputs=0" (0 = the mlp's),
    /// "gamma=1", "task=", "bias=true".
    pub fn create_trunk(mlp: &ModelRef, params: &str) -> Result<Model> {
        let params = cstring(params)?;
        Model::wrap(|out| unsafe {
            sys::forget_model_create_trunk(out, mlp.raw(), params.as_ptr())
        })
    }

    /// Load a model file (docs/FORMAT.md).
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = cpath(path.as_ref())?;
        Model::wrap(|out| unsafe { sys::forget_model_load(out, path.as_ptr()) })
    }

    /// A `linear` or `mlp` model from a safetensors file (a model trained
    /// in PyTorch): `PREFIX.weight` (outputs x inputs) and `PREFIX.bias`
    /// per layer, layers in the natural order of the prefixes; F32, F64,
    /// F16 and BF16 read as float32. `params`: `kind=auto|linear|mlp`,
    /// `act=relu|tanh`, `task=classification|regression` (not given: the
    /// file's libforget metadata, else relu and classification). A file
    /// that does not fit is [`ErrorKind::Format`](crate::ErrorKind::Format)
    /// naming the tensor.
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// use forget::Model;
    /// let m = Model::create("mlp", "layers=4-6-3 act=tanh")?;
    /// let file = m.export_safetensors_buffer("names=torch")?;
    /// let back = Model::import_safetensors_buffer(&file, "")?;
    /// assert_eq!(back.digest()?, m.digest()?);
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn import_safetensors(path: impl AsRef<Path>, params: &str) -> Result<Model> {
        let path = cpath(path.as_ref())?;
        let params = cstring(params)?;
        Model::wrap(|out| unsafe { sys::forget_model_import(out, path.as_ptr(), params.as_ptr()) })
    }

    /// [`Model::import_safetensors`] from the file's bytes.
    pub fn import_safetensors_buffer(bytes: &[u8], params: &str) -> Result<Model> {
        let params = cstring(params)?;
        Model::wrap(|out| unsafe {
            sys::forget_model_import_buffer(out, bytes.as_ptr().cast(), bytes.len(), params.as_ptr())
        })
    }

    /// Load the bytes of [`ModelRef::save_buffer`].
    pub fn load_buffer(bytes: &[u8]) -> Result<Model> {
        Model::wrap(|out| unsafe {
            sys::forget_model_load_buffer(out, bytes.as_ptr().cast(), bytes.len())
        })
    }

    /// Train with mini-batch SGD or Adam: "optimizer=sgd lr=0.05
    /// momentum=0.9 epochs=5 batch=128 seed=1 ..." (""
    /// for an analytic model: its closed-form fit). Deterministic; on any
    /// failure (a cancel from the progress closure included) the model is
    /// exactly as before.
    pub fn train(&mut self, data: &Dataset, params: &str) -> Result<()> {
        let params = cstring(params)?;
        ProgressCell::start(self.progress.as_deref());
        let rc = unsafe { sys::forget_model_train(self.inner.ptr, data.ptr, params.as_ptr()) };
        ProgressCell::finish(self.progress.as_deref(), rc)
    }

    /// Replace the flat parameter vector; a wrong count or a non-finite
    /// value is refused and changes nothing.
    pub fn set_params(&mut self, params: &[f32]) -> Result<()> {
        check(unsafe {
            sys::forget_model_set_params(self.inner.ptr, params.as_ptr(), params.len())
        })
    }

    /// Call `f(fraction, stage)` during training; [`ControlFlow::Break`]
    /// cancels it ([`ErrorKind::Canceled`](crate::ErrorKind), nothing
    /// changed). A panic in `f` cancels too and is returned as an
    /// [`ErrorKind::Internal`](crate::ErrorKind) error.
    pub fn set_progress(
        &mut self,
        f: impl FnMut(f64, &str) -> ControlFlow<()> + Send + 'static,
    ) -> Result<()> {
        let cell = ProgressCell::new(Box::new(f));
        check(unsafe {
            sys::forget_model_set_progress(self.inner.ptr, Some(trampoline), cell.user_data())
        })?;
        self.progress = Some(cell);
        Ok(())
    }

    /// Remove the progress closure.
    pub fn clear_progress(&mut self) {
        unsafe { sys::forget_model_set_progress(self.inner.ptr, None, ptr::null_mut()) };
        self.progress = None;
    }
}

impl Deref for Model {
    type Target = ModelRef;
    fn deref(&self) -> &ModelRef {
        &self.inner
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: ours. A C unlearner still borrowing it (possible only
        // through raw sys calls) defers the free; the progress closure is
        // unregistered first so that no later call reaches freed memory.
        unsafe {
            sys::forget_model_set_progress(self.inner.ptr, None, ptr::null_mut());
            sys::forget_model_free(self.inner.ptr);
        }
    }
}

/// A model owned by someone else - an unlearner's model or sisa ensemble
/// ([`Unlearner::model`](crate::Unlearner::model)), an ensemble's
/// constituent ([`ModelRef::part`]) - usable while its owner is borrowed.
/// Read-only: it dereferences to [`ModelRef`]. It cannot outlive the
/// borrow of its owner:
///
/// ```compile_fail
/// # let mut model = forget::Model::create("analytic", "inputs=2 outputs=2").unwrap();
/// let view = {
///     let u = forget::Unlearner::create("analytic", &mut model, "").unwrap();
///     u.model().unwrap()
/// }; // u dropped here while view borrows it
/// view.kind();
/// ```
// Send + Sync as ModelRef: it only reads, and the borrow of the owner
// keeps every writer away.
pub struct BorrowedModel<'a> {
    inner: ModelRef,
    _owner: PhantomData<&'a ()>,
}

impl<'a> BorrowedModel<'a> {
    pub(crate) fn new(ptr: *const sys::forget_model, keep: Option<Arc<HostCell>>) -> Self {
        BorrowedModel {
            inner: ModelRef {
                ptr: ptr as *mut sys::forget_model,
                keep,
            },
            _owner: PhantomData,
        }
    }
}

impl Deref for BorrowedModel<'_> {
    type Target = ModelRef;
    fn deref(&self) -> &ModelRef {
        &self.inner
    }
}

impl fmt::Debug for BorrowedModel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
