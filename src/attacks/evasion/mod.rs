//! Evasion attacks: find `x_adv` close to `x` that the model misclassifies (untargeted) or
//! classifies as a chosen class (targeted). One file per attack, each a struct with checked
//! parameters and one verb, `generate`.
//!
//! White-box attacks need [`Differentiable`] (exact gradients from `nn`, or estimated ones from
//! [`crate::model::estimated::Estimated`]); black-box attacks need only a [`Classifier`] and
//! count every image they send to it.

pub mod apgd;
pub mod cw;
pub mod deepfool;
pub mod fgsm;
pub mod hsja;
pub mod pgd;
pub mod run;
pub mod simba;
pub mod square;

use crate::error::{Error, Result};
use crate::loss;
use crate::model::Differentiable;
use crate::tensor::Batch;
use ndarray::{Array2, Array4, ArrayView1};
#[cfg(test)]
use crate::model::argmax_rows;

/// What an attack aims for, per image.
#[derive(Clone, Debug, PartialEq)]
pub enum Goal {
    /// Move away from each image's true label.
    Untargeted(Vec<usize>),
    /// Reach each image's target class.
    Targeted(Vec<usize>),
}

impl Goal {
    /// The labels (true classes or targets).
    pub fn labels(&self) -> &[usize] {
        match self {
            Goal::Untargeted(y) | Goal::Targeted(y) => y,
        }
    }

    /// Whether the goal is targeted.
    pub fn targeted(&self) -> bool {
        matches!(self, Goal::Targeted(_))
    }

    /// Whether prediction `pred` of image `i` meets the goal.
    pub fn met(&self, i: usize, pred: usize) -> bool {
        match self {
            Goal::Untargeted(y) => pred != y[i],
            Goal::Targeted(t) => pred == t[i],
        }
    }

    /// Check the goal against a batch and a model.
    pub fn check(&self, n: usize, classes: usize) -> Result<()> {
        let y = self.labels();
        if y.len() != n {
            return Err(Error::Shape(format!("{} labels for {n} images", y.len())));
        }
        if let Some(&bad) = y.iter().find(|&&v| v >= classes) {
            return Err(Error::InvalidArgument(format!("class {bad} does not exist (the model has {classes})")));
        }
        Ok(())
    }

    /// The goal for images `idx` only.
    pub fn subset(&self, idx: &[usize]) -> Goal {
        let pick = |v: &Vec<usize>| idx.iter().map(|&i| v[i]).collect();
        match self {
            Goal::Untargeted(y) => Goal::Untargeted(pick(y)),
            Goal::Targeted(t) => Goal::Targeted(pick(t)),
        }
    }
}

/// An attack's output.
#[derive(Clone, Debug)]
pub struct Adversarial {
    /// The adversarial images, in [0, 1].
    pub x: Batch,
    /// Model evaluations spent per image (forward passes, or forward + backward for a gradient).
    pub queries: Vec<u64>,
}

/// The objective an attack ascends: cross-entropy away from the true label (untargeted) or
/// towards the target (targeted, i.e. minus the cross-entropy of the target).
pub(crate) fn ce_ascent(model: &dyn Differentiable, x: &Array4<f32>, goal: &Goal) -> Result<(Array2<f32>, Array4<f32>)> {
    let labels = goal.labels().to_vec();
    let targeted = goal.targeted();
    let batch = Batch::new(x.clone())?;
    model.logits_and_vjp(&batch, &move |l: &Array2<f32>| {
        let (_, g) = loss::cross_entropy(l, &labels);
        if targeted {
            -g
        } else {
            g
        }
    })
}

/// Margin towards the goal: positive while the goal is unmet (untargeted: z_y − max_{j≠y} z_j;
/// targeted: max_{j≠t} z_j − z_t).
pub(crate) fn goal_margin(row: ArrayView1<f32>, label: usize, targeted: bool) -> f32 {
    let best_other = row.iter().enumerate().filter(|(j, _)| *j != label).map(|(_, &v)| v).fold(f32::NEG_INFINITY, f32::max);
    if targeted {
        best_other - row[label]
    } else {
        row[label] - best_other
    }
}

/// Check a size parameter.
pub(crate) fn check_pos(name: &str, v: f32, max: f32) -> Result<()> {
    if !(v.is_finite() && v > 0.0 && v <= max) {
        return Err(Error::InvalidArgument(format!("{name} must be in (0, {max}], got {v}")));
    }
    Ok(())
}

/// Check a count parameter.
pub(crate) fn check_count(name: &str, v: usize, max: usize) -> Result<()> {
    if v == 0 || v > max {
        return Err(Error::InvalidArgument(format!("{name} must be in 1..={max}, got {v}")));
    }
    Ok(())
}

/// Sign with sign(0) = 0.
pub(crate) fn sign(v: f32) -> f32 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Per-image L2 norms of `a`.
pub(crate) fn l2_rows(a: &Array4<f32>) -> Vec<f32> {
    a.outer_iter().map(|im| im.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>().sqrt() as f32).collect()
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A tiny deterministic model for attack invariants: a linear classifier over 3×32×32.
    use super::*;
    use crate::model::Classifier;
    use ndarray::Array2;

    pub struct Linear {
        pub w: Array2<f32>, // [3072, classes]
    }

    impl Linear {
        pub fn new(classes: usize) -> Self {
            let w = Array2::from_shape_fn((3072, classes), |(i, j)| (((i * 31 + j * 17) % 97) as f32 / 97.0 - 0.5) * 0.2);
            Linear { w }
        }
    }

    impl Classifier for Linear {
        fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
            let n = x.len();
            let flat = x.view().to_shape((n, 3072)).unwrap().to_owned();
            Ok(flat.dot(&self.w))
        }
        fn classes(&self) -> usize {
            self.w.ncols()
        }
    }

    impl Differentiable for Linear {
        fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
            let l = self.logits(x)?;
            let g = seed(&l).dot(&self.w.t());
            Ok((l, g.into_shape_with_order(x.dim()).unwrap()))
        }
    }

    /// Images in (0, 1) and their labels under the model.
    pub fn images(model: &Linear, n: usize) -> (Batch, Vec<usize>) {
        let x = Array4::from_shape_fn((n, 3, 32, 32), |(i, c, y, z)| 0.2 + 0.6 * (((i * 13 + c * 7 + y * 3 + z * 5) % 17) as f32 / 17.0));
        let b = Batch::new(x).unwrap();
        let y = argmax_rows(&model.logits(&b).unwrap());
        (b, y)
    }
}
