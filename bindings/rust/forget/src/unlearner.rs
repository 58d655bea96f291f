//! Unlearners: one method bound to one model, turning deletion requests
//! into a changed model; their state saved and loaded again.
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::path::Path;
use std::ptr;
use std::sync::Arc;

use crate::dataset::Dataset;
use crate::error::{check, Error, ErrorKind, Result};
use crate::ffi::{cpath, cstring, save_to_vec, text};
use crate::host::HostCell;
use crate::model::{BorrowedModel, Model, DIGEST_SIZE};
use crate::progress::{trampoline, ProgressCell};
use crate::report::{self, Report};
use crate::sys;

/// How an [`Unlearner`] holds its model: borrowed (`&'m mut Model`) or
/// owned (`Model`, moved in; then the unlearner is `Unlearner<'static>` and
/// can live in a struct, and [`Unlearner::into_model`] gives it back).
/// Made by `From`, so pass either where `impl Into<UnlearnerModel>` is
/// asked for. A call that fails drops a model that was moved in: pass
/// `&mut model` to keep it whatever happens.
pub struct UnlearnerModel<'m> {
    ptr: *mut sys::forget_model,
    keep: Option<Arc<HostCell>>,
    owned: Option<Model>,
    _borrow: PhantomData<&'m mut Model>,
}

impl<'m> From<&'m mut Model> for UnlearnerModel<'m> {
    fn from(model: &'m mut Model) -> Self {
        UnlearnerModel {
            ptr: model.ptr,
            keep: model.keep.clone(),
            owned: None,
            _borrow: PhantomData,
        }
    }
}

impl<'m> From<Model> for UnlearnerModel<'m> {
    fn from(model: Model) -> Self {
        UnlearnerModel {
            ptr: model.ptr,
            keep: model.keep.clone(),
            owned: Some(model),
            _borrow: PhantomData,
        }
    }
}

/// One unlearning method bound to one model; its forget calls change the
/// model.
///
/// **Ownership.** The C library lets an unlearner outlive the handle of
/// its model (it holds a reference; `forget_model_free` only defers), but
/// the unlearner *writes* the model on every request, so nothing else may
/// read it meanwhile: a shared borrow would let another thread predict
/// while a forget rewrites the weights. So the unlearner takes the model
/// exclusively - borrowed as `&'m mut Model` (the model is usable again
/// when the unlearner is dropped) or moved in (`Unlearner<'static>`, for a
/// service that keeps both in one struct). Either way the model cannot be
/// used or dropped behind its back:
///
/// ```compile_fail
/// # use forget::{Model, Unlearner};
/// let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
/// let unlearner = Unlearner::create("analytic", &mut model, "").unwrap();
/// drop(model);
/// drop(unlearner);
/// ```
///
/// Read the current model through [`Unlearner::model`] (for sisa: the
/// ensemble it trained and owns).
///
/// **Threads.** `Send`, not `Sync`: the C library lets one thread at a
/// time use an unlearner (forget.h), so it may move between threads but
/// `&Unlearner` is not shared. A progress closure must be `Send`.
///
/// ```compile_fail
/// fn shared<T: Sync>(_: &T) {}
/// # let mut model = forget::Model::create("analytic", "inputs=2 outputs=2").unwrap();
/// let u = forget::Unlearner::create("analytic", &mut model, "").unwrap();
/// shared(&u); // Unlearner is not Sync
/// ```
///
/// ```
/// # fn main() -> Result<(), forget::Error> {
/// use forget::{Dataset, Library, Model, Unlearner};
/// let _lib = Library::init()?;
/// let x: Vec<f32> = (0..40).map(|i| (i % 7) as f32 - 3.0).collect();
/// let labels: Vec<i32> = (0..20).map(|i| i % 2).collect();
/// let train = Dataset::new(&x, &labels, None)?;
/// let model = Model::create("analytic", "inputs=2 outputs=2")?;
/// let mut u = Unlearner::create("analytic", model, "keep_rows=true")?; // owns it
/// u.prepare(&train)?;
/// u.forget_ids(&[3, 4])?;
/// assert_eq!(u.last_report().unwrap()["rows"], 2.0);
/// let state = u.save_buffer()?;
/// let model = u.into_model().unwrap();
/// let mut again = Unlearner::load_buffer(model, &state)?;
/// again.forget_ids(&[5])?;
/// # Ok(()) }
/// ```
pub struct Unlearner<'m> {
    ptr: *mut sys::forget_unlearner,
    model: UnlearnerModel<'m>,
    progress: Option<Box<ProgressCell>>,
}

// Send: the C contract lets an unlearner move between threads (one at a
// time); what it holds - the model (Send), a Send progress closure - may
// move too. Not Sync (see the type's docs).
unsafe impl Send for Unlearner<'_> {}

impl<'m> Unlearner<'m> {
    fn wrap(
        model: impl Into<UnlearnerModel<'m>>,
        make: impl FnOnce(&mut *mut sys::forget_unlearner, *mut sys::forget_model) -> i32,
    ) -> Result<Unlearner<'m>> {
        let model = model.into();
        let mut out = ptr::null_mut();
        check(make(&mut out, model.ptr))?;
        Ok(Unlearner {
            ptr: out,
            model,
            progress: None,
        })
    }

    /// An unlearner of `method` ("ssd", "analytic", "sisa", or a registered
    /// one; [`Library::methods`](crate::Library::methods) lists them and
    /// their parameters) for `model` (for sisa: the template of its
    /// shards), borrowed or moved in.
    pub fn create(
        method: &str,
        model: impl Into<UnlearnerModel<'m>>,
        params: &str,
    ) -> Result<Unlearner<'m>> {
        let (method, params) = (cstring(method)?, cstring(params)?);
        Unlearner::wrap(model, |out, m| unsafe {
            sys::forget_unlearner_create(out, method.as_ptr(), m, params.as_ptr())
        })
    }

    /// Rebuild an unlearner from a state file for `model`: the model the
    /// state was saved with (for sisa its template), as saved at the same
    /// time - another is [`ErrorKind::State`] naming both digests.
    pub fn load(
        model: impl Into<UnlearnerModel<'m>>,
        path: impl AsRef<Path>,
    ) -> Result<Unlearner<'m>> {
        Unlearner::load_with_params(model, path, "")
    }

    /// [`Unlearner::load`] from the bytes of [`Unlearner::save_buffer`].
    pub fn load_buffer(
        model: impl Into<UnlearnerModel<'m>>,
        bytes: &[u8],
    ) -> Result<Unlearner<'m>> {
        Unlearner::load_buffer_with_params(model, bytes, "")
    }

    /// [`Unlearner::load`] with parameters that replace saved ones: only
    /// those the method allows at load (sisa: `store`, the checkpoint
    /// folder - set it to a folder of your own for a state from an
    /// untrusted source); others are [`ErrorKind::Param`].
    pub fn load_with_params(
        model: impl Into<UnlearnerModel<'m>>,
        path: impl AsRef<Path>,
        params: &str,
    ) -> Result<Unlearner<'m>> {
        let (path, params) = (cpath(path.as_ref())?, cstring(params)?);
        Unlearner::wrap(model, |out, m| unsafe {
            sys::forget_unlearner_load_params(out, m, path.as_ptr(), params.as_ptr())
        })
    }

    /// [`Unlearner::load_buffer`] with parameters, as
    /// [`Unlearner::load_with_params`].
    pub fn load_buffer_with_params(
        model: impl Into<UnlearnerModel<'m>>,
        bytes: &[u8],
        params: &str,
    ) -> Result<Unlearner<'m>> {
        let params = cstring(params)?;
        Unlearner::wrap(model, |out, m| unsafe {
            sys::forget_unlearner_load_buffer_params(
                out,
                m,
                bytes.as_ptr().cast(),
                bytes.len(),
                params.as_ptr(),
            )
        })
    }

    fn run(&mut self, call: impl FnOnce(*mut sys::forget_unlearner) -> i32) -> Result<()> {
        ProgressCell::start(self.progress.as_deref());
        let rc = call(self.ptr);
        ProgressCell::finish(self.progress.as_deref(), rc)
    }

    /// Precompute what the method needs from the training data (sisa:
    /// train its shards).
    pub fn prepare(&mut self, train: &Dataset) -> Result<()> {
        self.run(|u| unsafe { sys::forget_unlearner_prepare(u, train.ptr) })
    }

    /// Remove the influence of these rows. On failure the model and the
    /// unlearner are exactly as before.
    pub fn forget(&mut self, rows: &Dataset) -> Result<()> {
        self.run(|u| unsafe { sys::forget_unlearner_forget(u, rows.ptr) })
    }

    /// Rows never trained on, for a method's `target=heldout` or
    /// `heldout_loss` (forget until the forgotten rows look like these).
    /// Copied (`None` removes them); not saved with the state: give them
    /// again after a load, and before opening a journal.
    pub fn set_heldout(&mut self, rows: Option<&Dataset>) -> Result<()> {
        let d = rows.map_or(ptr::null_mut(), |r| r.ptr);
        check(unsafe { sys::forget_unlearner_set_heldout(self.ptr, d) })
    }

    /// Remove rows named by sample id, for methods that keep what they
    /// need (sisa; analytic with `keep_rows=true`; others are
    /// [`ErrorKind::Unsupported`]). An id never learned is
    /// [`ErrorKind::NotFound`] and changes nothing.
    pub fn forget_ids(&mut self, ids: &[u64]) -> Result<()> {
        self.run(|u| unsafe { sys::forget_unlearner_forget_ids(u, ids.as_ptr(), ids.len()) })
    }

    /// Add rows to what the model has learned (analytic: exactly);
    /// [`ErrorKind::Unsupported`] for other methods.
    pub fn learn(&mut self, rows: &Dataset) -> Result<()> {
        self.run(|u| unsafe { sys::forget_unlearner_learn(u, rows.ptr) })
    }

    /// Call `f(fraction, stage)` during prepare, forget and learn, on the
    /// calling thread; [`ControlFlow::Break`] cancels the call
    /// ([`ErrorKind::Canceled`]; nothing changes). A panic in `f` cancels
    /// too and is returned as an [`ErrorKind::Internal`] error (one at the
    /// last report, 1.0, when the call has taken effect, resumes after it).
    ///
    /// ```
    /// # fn main() -> Result<(), forget::Error> {
    /// # use forget::{Dataset, ErrorKind, Library, Model, Unlearner};
    /// # let _lib = Library::init()?;
    /// # let train = Dataset::new(&[0., 1., 1., 0., 2., 2.], &[0, 1, 0], None)?;
    /// # let mut model = Model::create("linear", "inputs=2 outputs=2")?;
    /// use std::ops::ControlFlow;
    /// let mut u = Unlearner::create("sisa", &mut model, "shards=1 slices=1")?;
    /// u.set_progress(|_fraction, _stage| ControlFlow::Break(()))?;
    /// assert_eq!(u.prepare(&train).unwrap_err().kind(), ErrorKind::Canceled);
    /// u.clear_progress();
    /// u.prepare(&train)?;
    /// # Ok(()) }
    /// ```
    pub fn set_progress(
        &mut self,
        f: impl FnMut(f64, &str) -> ControlFlow<()> + Send + 'static,
    ) -> Result<()> {
        let cell = ProgressCell::new(Box::new(f));
        check(unsafe {
            sys::forget_unlearner_set_progress(self.ptr, Some(trampoline), cell.user_data())
        })?;
        self.progress = Some(cell);
        Ok(())
    }

    /// Remove the progress closure.
    pub fn clear_progress(&mut self) {
        unsafe { sys::forget_unlearner_set_progress(self.ptr, None, ptr::null_mut()) };
        self.progress = None;
    }

    /// The method's name.
    pub fn method(&self) -> String {
        unsafe { text(sys::forget_unlearner_method(self.ptr)) }
    }

    /// Whether prepare (or a load) succeeded.
    pub fn is_prepared(&self) -> bool {
        unsafe { sys::forget_unlearner_is_prepared(self.ptr) != 0 }
    }

    /// The model the unlearner changes: its own model, or (sisa) the
    /// ensemble it trained (`None` before prepare), borrowed from the
    /// unlearner.
    pub fn model(&self) -> Option<BorrowedModel<'_>> {
        let m = unsafe { sys::forget_unlearner_model(self.ptr) };
        (!m.is_null()).then(|| BorrowedModel::new(m, self.model.keep.clone()))
    }

    fn current_model(&self) -> Result<BorrowedModel<'_>> {
        self.model().ok_or_else(|| {
            Error::new(
                ErrorKind::State,
                "the unlearner has no model before prepare",
            )
        })
    }

    /// Save the state (method, parameters, what prepare kept) to a file,
    /// crash-safe. The model is saved separately (save both after the
    /// same request). Methods that cannot save: [`ErrorKind::Unsupported`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = cpath(path.as_ref())?;
        check(unsafe { sys::forget_unlearner_save(self.ptr, path.as_ptr()) })
    }

    /// The bytes [`Unlearner::save`] would write.
    pub fn save_buffer(&self) -> Result<Vec<u8>> {
        save_to_vec(|buf, cap, size| unsafe {
            sys::forget_unlearner_save_buffer(self.ptr, buf, cap, size)
        })
    }

    /// A figure ("seconds", "already_forgotten", ...) of the report of the
    /// last successful prepare or forget.
    pub fn report(&self, key: &str) -> Result<f64> {
        let key = cstring(key)?;
        let r = unsafe { sys::forget_unlearner_report(self.ptr) };
        if r.is_null() {
            return Err(Error::new(
                ErrorKind::State,
                "no report before the first prepare",
            ));
        }
        let mut value = 0.0;
        check(unsafe { sys::forget_report_get(r, key.as_ptr(), &mut value) })?;
        Ok(value)
    }

    /// Every figure of the last successful call's report; `None` before
    /// the first.
    pub fn last_report(&self) -> Option<Report> {
        unsafe { report::read(sys::forget_unlearner_report(self.ptr)) }
    }

    /// The accuracy of [`Unlearner::model`] (sisa: its ensemble).
    pub fn accuracy(&self, data: &Dataset) -> Result<f64> {
        self.current_model()?.accuracy(data)
    }

    /// The digest of [`Unlearner::model`] (sisa: its ensemble).
    pub fn digest(&self) -> Result<[u8; DIGEST_SIZE]> {
        self.current_model()?.digest()
    }

    /// Free the unlearner and give back the model it owned (`None` if it
    /// borrowed one). For sisa this is the template; keep the ensemble
    /// first with `u.model().unwrap().try_clone()`.
    pub fn into_model(mut self) -> Option<Model> {
        self.model.owned.take()
    }

    pub(crate) fn raw(&self) -> *mut sys::forget_unlearner {
        self.ptr
    }
}

impl std::fmt::Debug for Unlearner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlearner")
            .field("method", &self.method())
            .field("prepared", &self.is_prepared())
            .finish()
    }
}

impl Drop for Unlearner<'_> {
    fn drop(&mut self) {
        // SAFETY: ours; the model it holds (borrowed or owned, dropped
        // after this) is still alive.
        unsafe { sys::forget_unlearner_free(self.ptr) }
    }
}
