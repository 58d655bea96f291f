//! Host models: a model computed by Rust code (a trait or two closures);
//! libforget trains, evaluates and unlearns it through two callbacks.
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex};

use crate::dataset::Task;
use crate::error::{check, invalid, Error, ErrorKind, Result};
use crate::ffi::{panic_message, report_to_c};
use crate::model::Model;
use crate::sys;

/// A model the host computes. libforget keeps the parameter vector (its
/// initial value is given to [`Model::create_host`]) and passes it to
/// both calls; calls carry at most 256 rows.
///
/// Slices: `params` has the model's parameter count, `x` is `n * inputs`
/// row-major, `out` and `dout` are `n * outputs`, `grads` is
/// `n * params.len()`.
///
/// Return `Err` to fail the library call that needed the outputs (its
/// message is kept); a panic is caught at the boundary and fails that call
/// with [`ErrorKind::Internal`] - after it, the model refuses further calls
/// ([`ErrorKind::State`]), as a poisoned `Mutex` would, since its state may
/// be half-changed. Calls are serialised per model (and its clones): the
/// library may ask from several threads (concurrent predictions, sisa's
/// shards), so the callbacks run one at a time under a lock. Do not call
/// back into the same model from a callback (it would wait for itself).
pub trait HostModel: Send + 'static {
    /// `out` = the outputs of the `n` rows `x`: logits for classification
    /// (the library applies softmax), values for regression.
    fn forward(&mut self, params: &[f32], x: &[f32], n: usize, out: &mut [f32]) -> Result<()>;

    /// Row i of `grads` = the gradient with respect to the parameters of
    /// `sum_j dout[i][j] * out[i][j]` (a per-row vector-Jacobian product).
    fn backward(
        &mut self,
        params: &[f32],
        x: &[f32],
        dout: &[f32],
        n: usize,
        grads: &mut [f32],
    ) -> Result<()>;
}

/// A [`HostModel`] made of two closures (`forward`, `backward`) with the
/// trait's arguments.
///
/// ```
/// # let _lib = forget::Library::init()?;
/// use forget::{FnHost, Model, Task};
/// // y = w * x (one input, one output, one parameter)
/// let host = FnHost::new(
///     |p: &[f32], x: &[f32], _n: usize, out: &mut [f32]| {
///         for (o, xi) in out.iter_mut().zip(x) { *o = p[0] * xi; }
///         Ok(())
///     },
///     |_p: &[f32], x: &[f32], dout: &[f32], _n: usize, g: &mut [f32]| {
///         for i in 0..x.len() { g[i] = dout[i] * x[i]; }
///         Ok(())
///     },
/// );
/// let m = Model::create_host(Task::Regression, 1, 1, &[2.0], host)?;
/// assert_eq!(m.predict_raw(&[3.0])?.values(), &[6.0]);
/// # Ok::<(), forget::Error>(())
/// ```
pub struct FnHost<F, B> {
    forward: F,
    backward: B,
}

impl<F, B> FnHost<F, B>
where
    F: FnMut(&[f32], &[f32], usize, &mut [f32]) -> Result<()> + Send + 'static,
    B: FnMut(&[f32], &[f32], &[f32], usize, &mut [f32]) -> Result<()> + Send + 'static,
{
    /// The two closures.
    pub fn new(forward: F, backward: B) -> FnHost<F, B> {
        FnHost { forward, backward }
    }
}

impl<F, B> HostModel for FnHost<F, B>
where
    F: FnMut(&[f32], &[f32], usize, &mut [f32]) -> Result<()> + Send + 'static,
    B: FnMut(&[f32], &[f32], &[f32], usize, &mut [f32]) -> Result<()> + Send + 'static,
{
    fn forward(&mut self, params: &[f32], x: &[f32], n: usize, out: &mut [f32]) -> Result<()> {
        (self.forward)(params, x, n, out)
    }

    fn backward(
        &mut self,
        params: &[f32],
        x: &[f32],
        dout: &[f32],
        n: usize,
        grads: &mut [f32],
    ) -> Result<()> {
        (self.backward)(params, x, dout, n, grads)
    }
}

/// The host model behind the C model's user_data, shared (by `Arc`) with
/// every Rust handle on the model and on its clones, which the C library
/// makes with the same user_data (sisa's constituents, `try_clone`).
/// Send + Sync without unsafe: the host is Send and sits behind a Mutex.
pub(crate) struct HostCell {
    state: Mutex<HostState>,
    inputs: usize,
    outputs: usize,
    n_params: usize,
}

struct HostState {
    model: Box<dyn HostModel>,
    panicked: bool,
}

impl HostCell {
    /// Run one callback under the lock, with panics caught.
    fn call(&self, which: &str, f: impl FnOnce(&mut dyn HostModel) -> Result<()>) -> c_int {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.panicked {
            let e = Error::new(
                ErrorKind::State,
                "an earlier callback of this host model panicked: it refuses further calls",
            );
            return report_to_c(&e);
        }
        let model: &mut dyn HostModel = &mut *state.model;
        match catch_unwind(AssertUnwindSafe(|| f(model))) {
            Ok(Ok(())) => sys::FORGET_OK,
            Ok(Err(e)) => report_to_c(&e),
            Err(payload) => {
                state.panicked = true;
                let detail = format!(
                    "the host model's {which} callback panicked: {}",
                    panic_message(&*payload)
                );
                report_to_c(&Error::new(ErrorKind::Internal, &detail))
            }
        }
    }
}

/// A slice over a C array; empty for NULL or 0 (from_raw_parts needs a
/// non-NULL pointer even then).
///
/// # Safety
/// `p` must be NULL or point to `n` values valid for `'a`.
unsafe fn input<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

/// The same, writable.
///
/// # Safety
/// As [`input`], and nothing else may use the values during `'a`.
unsafe fn output<'a, T>(p: *mut T, n: usize) -> &'a mut [T] {
    if p.is_null() || n == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(p, n)
    }
}

unsafe extern "C" fn forward_trampoline(
    params: *const f32,
    x: *const f32,
    n: usize,
    out: *mut f32,
    user: *mut c_void,
) -> c_int {
    // SAFETY: user is the HostCell of this model, kept alive by every Rust
    // handle on the model or its clones (see Model::create_host); the
    // library passes arrays of the documented sizes.
    let cell = &*(user as *const HostCell);
    let params = input(params, cell.n_params);
    let x = input(x, n * cell.inputs);
    let out = output(out, n * cell.outputs);
    cell.call("forward", |m| m.forward(params, x, n, out))
}

unsafe extern "C" fn backward_trampoline(
    params: *const f32,
    x: *const f32,
    dout: *const f32,
    n: usize,
    grads: *mut f32,
    user: *mut c_void,
) -> c_int {
    // SAFETY: as in forward_trampoline.
    let cell = &*(user as *const HostCell);
    let params = input(params, cell.n_params);
    let x = input(x, n * cell.inputs);
    let dout = input(dout, n * cell.outputs);
    let grads = output(grads, n * cell.n_params);
    cell.call("backward", |m| m.backward(params, x, dout, n, grads))
}

impl Model {
    /// A model of kind "host" computed by `host`, with `inputs` features,
    /// `outputs` classes (or regression values) and the initial parameter
    /// vector `params` (copied; read it back with
    /// [`get_params`](crate::ModelRef::get_params)). It trains, predicts
    /// and is unlearned (ssd, sisa) like a native model; it cannot be
    /// saved ([`ErrorKind::Unsupported`]).
    ///
    /// The Rust host lives as long as the model or any clone of it (an
    /// `Arc` shared by their handles). See [`HostModel`] for panics and
    /// threads.
    pub fn create_host(
        task: Task,
        inputs: usize,
        outputs: usize,
        params: &[f32],
        host: impl HostModel,
    ) -> Result<Model> {
        if inputs == 0 || outputs == 0 || params.is_empty() {
            return Err(invalid("a host model needs inputs, outputs and parameters"));
        }
        let cell = Arc::new(HostCell {
            state: Mutex::new(HostState {
                model: Box::new(host),
                panicked: false,
            }),
            inputs,
            outputs,
            n_params: params.len(),
        });
        let desc = sys::forget_host_model {
            struct_size: std::mem::size_of::<sys::forget_host_model>(),
            task: task.to_c(),
            inputs,
            outputs,
            n_params: params.len(),
            params: params.as_ptr(),
            forward: Some(forward_trampoline),
            backward: Some(backward_trampoline),
            user_data: Arc::as_ptr(&cell) as *mut c_void,
        };
        let mut out = ptr::null_mut();
        // SAFETY: desc is complete; params is copied by the call.
        check(unsafe { sys::forget_model_create_host(&mut out, &desc) })?;
        Ok(Model::from_raw(out, Some(cell)))
    }
}
