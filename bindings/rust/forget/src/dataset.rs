//! Datasets: n rows of d float32 features, a label or a target vector per
//! row, and a distinct 64-bit sample id per row. Immutable once made.
use std::ops::Range;
use std::path::Path;
use std::ptr;

use crate::error::{check, invalid, Result};
use crate::ffi::{cpath, cstring};
use crate::sys;

/// What a dataset's (or a model's) rows are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// A class label (int32 >= 0) per row.
    Classification,
    /// A target vector (float32) per row.
    Regression,
}

impl Task {
    pub(crate) fn from_c(task: i32) -> Option<Task> {
        match task {
            sys::FORGET_TASK_CLASSIFICATION => Some(Task::Classification),
            sys::FORGET_TASK_REGRESSION => Some(Task::Regression),
            _ => None,
        }
    }

    pub(crate) fn to_c(self) -> i32 {
        match self {
            Task::Classification => sys::FORGET_TASK_CLASSIFICATION,
            Task::Regression => sys::FORGET_TASK_REGRESSION,
        }
    }
}

/// A dataset (a copy of the host's arrays, or a loaded file). Every
/// constructor checks its input (NaN features, negative labels, duplicate
/// ids, sizes) and fails with [`ErrorKind::Invalid`](crate::ErrorKind)
/// naming the row.
///
/// ```
/// # let _lib = forget::Library::init()?;
/// use forget::Dataset;
/// // 3 rows of 2 features, ids 10, 11, 12
/// let d = Dataset::classification(2, &[0., 1., 1., 0., 1., 1.], &[0, 1, 1], Some(&[10, 11, 12]))?;
/// assert_eq!((d.rows(), d.features(), d.classes()), (3, 2, 2));
/// let rest = d.exclude_ids(&[11])?;
/// assert_eq!(rest.ids(), &[10, 12]);
/// assert_eq!(d.find(12), Some(2));
/// # Ok::<(), forget::Error>(())
/// ```
// Send + Sync: datasets are read-only after creation and the C library
// lets many threads read one at once (docs/API.md, "Threads").
#[derive(Debug)]
pub struct Dataset {
    pub(crate) ptr: *mut sys::forget_dataset,
}

unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

fn check_rows(x: &[f32], features: usize, n: usize, ids: Option<&[u64]>) -> Result<()> {
    if features == 0 {
        return Err(invalid("a dataset needs at least one feature"));
    }
    if n.checked_mul(features) != Some(x.len()) {
        return Err(invalid(&format!(
            "x holds {} floats, not {n} rows of {features} features",
            x.len()
        )));
    }
    if let Some(ids) = ids {
        if ids.len() != n {
            return Err(invalid(&format!("{} ids for {n} rows", ids.len())));
        }
    }
    Ok(())
}

fn ids_ptr(ids: Option<&[u64]>) -> *const u64 {
    ids.map_or(ptr::null(), <[u64]>::as_ptr)
}

impl Dataset {
    fn wrap(make: impl FnOnce(&mut *mut sys::forget_dataset) -> i32) -> Result<Dataset> {
        let mut out = ptr::null_mut();
        check(make(&mut out))?;
        Ok(Dataset { ptr: out })
    }

    /// `labels.len()` rows of `x.len() / labels.len()` features (`x` is
    /// row-major) and their sample ids (`None`: 0..n-1). With no rows use
    /// [`Dataset::classification`], which is told the feature count.
    pub fn new(x: &[f32], labels: &[i32], ids: Option<&[u64]>) -> Result<Dataset> {
        let d = x.len().checked_div(labels.len()).unwrap_or(0);
        Dataset::classification(d, x, labels, ids)
    }

    /// A classification dataset: `labels.len()` rows of `features`
    /// features (`x` row-major), labels >= 0 (the class count is the
    /// largest + 1), ids `None` for 0..n-1.
    pub fn classification(
        features: usize,
        x: &[f32],
        labels: &[i32],
        ids: Option<&[u64]>,
    ) -> Result<Dataset> {
        let n = labels.len();
        check_rows(x, features, n, ids)?;
        Dataset::wrap(|out| unsafe {
            // SAFETY: the slices hold n*features, n and n values.
            sys::forget_dataset_create(out, n, features, x.as_ptr(), labels.as_ptr(), ids_ptr(ids))
        })
    }

    /// Rows without labels, for what needs none: predictions, and ssd with
    /// `loss=free`. They are a classification dataset whose labels are
    /// all 0 (so one class): do not evaluate accuracy on them.
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let d = forget::Dataset::unlabeled(2, &[1.0, 2.0, 3.0, 4.0], None)?;
    /// assert_eq!(d.labels(), Some(&[0, 0][..]));
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn unlabeled(features: usize, x: &[f32], ids: Option<&[u64]>) -> Result<Dataset> {
        let n = x.len().checked_div(features).unwrap_or(0);
        Dataset::classification(features, x, &vec![0; n], ids)
    }

    /// A regression dataset: rows of `features` features and a target
    /// vector of `target_dim` values each (`targets` row-major, finite).
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let d = forget::Dataset::regression(1, &[1.0, 2.0], 2, &[0.5, 1.5, 2.5, 3.5], None)?;
    /// assert_eq!((d.rows(), d.target_dim(), d.task()), (2, 2, Some(forget::Task::Regression)));
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn regression(
        features: usize,
        x: &[f32],
        target_dim: usize,
        targets: &[f32],
        ids: Option<&[u64]>,
    ) -> Result<Dataset> {
        let n = x.len().checked_div(features).unwrap_or(0);
        check_rows(x, features, n, ids)?;
        if target_dim == 0 || n.checked_mul(target_dim) != Some(targets.len()) {
            return Err(invalid(&format!(
                "targets holds {} floats, not {n} rows of {target_dim}",
                targets.len()
            )));
        }
        Dataset::wrap(|out| unsafe {
            // SAFETY: the slices hold the counts checked above.
            sys::forget_dataset_create_regression(
                out,
                n,
                features,
                x.as_ptr(),
                targets.as_ptr(),
                target_dim,
                ids_ptr(ids),
            )
        })
    }

    /// IDX files (MNIST's format, plain or gzip). `params`: "normalize=true"
    /// (bytes / 255), "limit=0" (first N rows; 0 = all), "storage=floats"
    /// (or "bytes": a quarter of the memory, [`Dataset::x`] is then
    /// `None`). Ids are 0..n-1.
    pub fn load_idx(
        images: impl AsRef<Path>,
        labels: impl AsRef<Path>,
        params: &str,
    ) -> Result<Dataset> {
        let (images, labels) = (cpath(images.as_ref())?, cpath(labels.as_ref())?);
        let params = cstring(params)?;
        Dataset::wrap(|out| unsafe {
            sys::forget_dataset_load_idx(out, images.as_ptr(), labels.as_ptr(), params.as_ptr())
        })
    }

    /// A CSV file (plain or gzip). `params`: "label=0" (column of the label
    /// or target, -1 = last), "header=false", "task=classification" (or
    /// regression), "delimiter=,", "id=-1" (column of the sample ids).
    ///
    /// ```no_run
    /// # let _lib = forget::Library::init()?;
    /// let d = forget::Dataset::load_csv("iris.csv", "header=true label=-1")?;
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn load_csv(path: impl AsRef<Path>, params: &str) -> Result<Dataset> {
        let (path, params) = (cpath(path.as_ref())?, cstring(params)?);
        Dataset::wrap(|out| unsafe {
            sys::forget_dataset_load_csv(out, path.as_ptr(), params.as_ptr())
        })
    }

    /// The rows with these ids, in this dataset's order (not the list's).
    /// A missing id is [`ErrorKind::NotFound`](crate::ErrorKind), an id
    /// listed twice [`ErrorKind::Invalid`](crate::ErrorKind).
    pub fn subset_ids(&self, ids: &[u64]) -> Result<Dataset> {
        Dataset::wrap(|out| unsafe {
            sys::forget_dataset_subset_ids(out, self.ptr, ids.as_ptr(), ids.len())
        })
    }

    /// Every row but those with these ids (D minus the ids); the same
    /// checks as [`Dataset::subset_ids`].
    pub fn exclude_ids(&self, ids: &[u64]) -> Result<Dataset> {
        Dataset::wrap(|out| unsafe {
            sys::forget_dataset_exclude_ids(out, self.ptr, ids.as_ptr(), ids.len())
        })
    }

    /// This dataset minus the rows of `remove`, matched by id (every id of
    /// `remove` must be here).
    pub fn complement(&self, remove: &Dataset) -> Result<Dataset> {
        Dataset::wrap(|out| unsafe { sys::forget_dataset_complement(out, self.ptr, remove.ptr) })
    }

    /// The rows of one class (classification only; may be empty).
    pub fn subset_class(&self, label: i32) -> Result<Dataset> {
        Dataset::wrap(|out| unsafe { sys::forget_dataset_subset_class(out, self.ptr, label) })
    }

    /// Rows `range.start .. range.end`.
    pub fn slice(&self, range: Range<usize>) -> Result<Dataset> {
        Dataset::wrap(|out| unsafe {
            sys::forget_dataset_slice(out, self.ptr, range.start, range.end)
        })
    }

    /// The row holding sample `id`, if any.
    pub fn find(&self, id: u64) -> Option<usize> {
        let mut row = 0usize;
        // SAFETY: a valid dataset and output.
        let rc = unsafe { sys::forget_dataset_find(self.ptr, id, &mut row) };
        (rc == sys::FORGET_OK).then_some(row)
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        unsafe { sys::forget_dataset_rows(self.ptr) }
    }

    /// Features per row.
    pub fn features(&self) -> usize {
        unsafe { sys::forget_dataset_features(self.ptr) }
    }

    /// Classification or regression.
    pub fn task(&self) -> Option<Task> {
        Task::from_c(unsafe { sys::forget_dataset_task(self.ptr) })
    }

    /// Classification: the largest label + 1 (kept by subsets); regression: 0.
    pub fn classes(&self) -> usize {
        unsafe { sys::forget_dataset_classes(self.ptr) }
    }

    /// Regression: values per target; classification: 0.
    pub fn target_dim(&self) -> usize {
        unsafe { sys::forget_dataset_target_dim(self.ptr) }
    }

    /// The sample ids, one per row.
    pub fn ids(&self) -> &[u64] {
        // SAFETY: rows() ids, alive as long as the dataset (immutable).
        unsafe { view(sys::forget_dataset_ids(self.ptr), self.rows()) }.unwrap_or(&[])
    }

    /// The labels (classification), one per row; `None` for regression.
    pub fn labels(&self) -> Option<&[i32]> {
        let n = self.rows();
        match self.task() {
            Some(Task::Classification) => {
                Some(unsafe { view(sys::forget_dataset_labels(self.ptr), n) }.unwrap_or(&[]))
            }
            _ => None,
        }
    }

    /// The targets (regression), `rows * target_dim` row-major; `None` for
    /// classification.
    pub fn targets(&self) -> Option<&[f32]> {
        let n = self.rows() * self.target_dim();
        match self.task() {
            Some(Task::Regression) => {
                Some(unsafe { view(sys::forget_dataset_targets(self.ptr), n) }.unwrap_or(&[]))
            }
            _ => None,
        }
    }

    /// The features, `rows * features` row-major; `None` when they are
    /// stored as bytes (`load_idx` with `storage=bytes`: use
    /// [`Dataset::x_vec`]).
    pub fn x(&self) -> Option<&[f32]> {
        let n = self.rows() * self.features();
        if n == 0 {
            return Some(&[]);
        }
        // SAFETY: n floats, alive as long as the dataset.
        unsafe { view(sys::forget_dataset_x(self.ptr), n) }
    }

    /// Rows `range` as floats, whatever the storage.
    pub fn copy_rows(&self, range: Range<usize>) -> Result<Vec<f32>> {
        let count = range
            .end
            .checked_sub(range.start)
            .ok_or_else(|| invalid("a range that ends before it starts"))?;
        let len = count
            .checked_mul(self.features())
            .ok_or_else(|| invalid("too many rows"))?;
        let mut out = vec![0f32; len];
        check(unsafe {
            sys::forget_dataset_copy_rows(self.ptr, range.start, count, out.as_mut_ptr(), len)
        })?;
        Ok(out)
    }

    /// Every row's features as floats, whatever the storage.
    pub fn x_vec(&self) -> Result<Vec<f32>> {
        self.copy_rows(0..self.rows())
    }
}

/// A slice over a C array, `None` for NULL.
///
/// # Safety
/// `p` must be NULL or point to `n` values that live as long as `'a`.
unsafe fn view<'a, T>(p: *const T, n: usize) -> Option<&'a [T]> {
    if p.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(p, n))
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: the dataset is ours; nothing borrows it any more.
        unsafe { sys::forget_dataset_free(self.ptr) }
    }
}
