//! Evaluation: accuracy, loss, attacks and distances of a model.
use crate::dataset::Dataset;
use crate::error::{check, Result};
use crate::model::ModelRef;
use crate::sys;

/// How far two models' predicted probabilities are apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutputDistance {
    /// The largest |p_a - p_b| over all rows and outputs.
    pub max_abs: f64,
    /// The mean |p_a - p_b|.
    pub mean_abs: f64,
}

/// How far two models' parameters are apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamDistance {
    /// ||theta_a - theta_b||_2.
    pub l2: f64,
    /// max |theta_a - theta_b|.
    pub max_abs: f64,
}

/// The scorecard against retraining ([`ModelRef::scorecard`]): the C
/// struct, fractions for the figures, percentage points for the gaps, NaN
/// for a model not given.
pub type Scorecard = sys::forget_scorecard;

impl ModelRef {
    /// The scorecard of this model against retraining: forget/retain/test
    /// accuracy, the entropy MIA and the loss AUC of this model and of the
    /// `retrained` and `original` ones when given, and the gaps to the
    /// retrained model in points with their average
    /// (`forget_eval_scorecard`).
    pub fn scorecard(
        &self,
        forget: &Dataset,
        retain: &Dataset,
        test: &Dataset,
        original: Option<&ModelRef>,
        retrained: Option<&ModelRef>,
    ) -> Result<Scorecard> {
        // SAFETY: an all-zero forget_scorecard is a valid value (sizes and doubles).
        let mut card: Scorecard = unsafe { std::mem::zeroed() };
        card.struct_size = std::mem::size_of::<Scorecard>();
        let o = original.map_or(std::ptr::null(), |m| m.raw());
        let r = retrained.map_or(std::ptr::null(), |m| m.raw());
        check(unsafe {
            sys::forget_eval_scorecard(self.raw(), o, r, forget.ptr, retain.ptr, test.ptr, &mut card)
        })?;
        Ok(card)
    }

    /// Fraction of rows whose most probable class is the label.
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let m = forget::Model::create("linear", "inputs=1 outputs=2")?;
    /// let d = forget::Dataset::new(&[1.0, -1.0], &[0, 1], None)?;
    /// let acc = m.accuracy(&d)?;
    /// assert!(acc == 0.0 || acc == 0.5 || acc == 1.0);
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn accuracy(&self, data: &Dataset) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe { sys::forget_eval_accuracy(self.raw(), data.ptr, &mut v) })?;
        Ok(v)
    }

    /// Mean per-row loss: cross-entropy, or mean squared error.
    pub fn loss(&self, data: &Dataset) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe { sys::forget_eval_loss(self.raw(), data.ptr, &mut v) })?;
        Ok(v)
    }

    /// Accuracy of each class (NaN for a class without rows), one per
    /// output.
    pub fn class_accuracy(&self, data: &Dataset) -> Result<Vec<f64>> {
        let mut v = vec![0f64; self.outputs()];
        check(unsafe {
            sys::forget_eval_class_accuracy(self.raw(), data.ptr, v.as_mut_ptr(), v.len())
        })?;
        Ok(v)
    }

    /// The confusion matrix, outputs x outputs counts row-major (row = the
    /// true label, column = the prediction).
    pub fn confusion(&self, data: &Dataset) -> Result<Vec<u64>> {
        let classes = self.outputs();
        let mut v = vec![0u64; classes * classes];
        check(unsafe {
            sys::forget_eval_confusion(self.raw(), data.ptr, v.as_mut_ptr(), classes)
        })?;
        Ok(v)
    }

    /// The SSD paper's membership-inference attack: a logistic regression
    /// on the entropy of the predictions, fitted on `retain` (members)
    /// against `test` (non-members); the fraction of `target` rows it
    /// judges members.
    pub fn mia(&self, retain: &Dataset, test: &Dataset, target: &Dataset) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe {
            sys::forget_eval_mia(self.raw(), retain.ptr, test.ptr, target.ptr, &mut v)
        })?;
        Ok(v)
    }

    /// A loss-threshold attack's ROC AUC (0.5 = no signal): the chance that
    /// a random non-member has a higher loss than a random member.
    pub fn loss_auc(&self, members: &Dataset, nonmembers: &Dataset) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe {
            sys::forget_eval_loss_auc(self.raw(), members.ptr, nonmembers.ptr, &mut v)
        })?;
        Ok(v)
    }

    /// How far this model's predictions on `data` are from `other`'s.
    pub fn output_distance(&self, other: &ModelRef, data: &Dataset) -> Result<OutputDistance> {
        let (mut max_abs, mut mean_abs) = (0.0, 0.0);
        check(unsafe {
            sys::forget_eval_output_distance(
                self.raw(),
                other.raw(),
                data.ptr,
                &mut max_abs,
                &mut mean_abs,
            )
        })?;
        Ok(OutputDistance { max_abs, mean_abs })
    }

    /// How far this model's parameters are from `other`'s (same shape).
    ///
    /// ```
    /// # let _lib = forget::Library::init()?;
    /// let a = forget::Model::create("linear", "inputs=2 outputs=2 seed=1")?;
    /// let b = a.try_clone()?;
    /// assert_eq!(a.param_distance(&b)?.l2, 0.0);
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn param_distance(&self, other: &ModelRef) -> Result<ParamDistance> {
        let (mut l2, mut max_abs) = (0.0, 0.0);
        check(unsafe {
            sys::forget_eval_param_distance(self.raw(), other.raw(), &mut l2, &mut max_abs)
        })?;
        Ok(ParamDistance { l2, max_abs })
    }
}
