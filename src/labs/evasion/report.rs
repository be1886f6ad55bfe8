//! What the evasion lab reports: [`Report`] for a set of images (`mlsec attack --json`), and
//! [`Single`] for one image in the page (with the images to draw).

use crate::attacks::evasion::run::AttackKind;
use crate::model::GradientKind;
use crate::tensor::Norm;
use serde::Serialize;
use std::collections::BTreeMap;

use super::Params;
use crate::labs::classify::Ranked;

/// Clean and robust accuracy of one class.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassAccuracy {
    /// Accuracy on the clean images of the class, in [0, 1].
    pub clean: f64,
    /// Accuracy on their adversarial images, in [0, 1].
    pub robust: f64,
}

/// An attack on a set of images: accuracies in [0, 1], norms in pixel units, over the
/// successful adversarials (mean and median).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The settings that produced it.
    pub params: Params,
    /// The model's file name or path.
    pub model: String,
    pub attack: AttackKind,
    /// The norm the budget was measured in.
    pub norm: Norm,
    /// The budget in pixel units (0: none, minimum-norm attacks).
    pub eps: f32,
    /// The budget in 8-bit levels.
    pub eps_255: f32,
    /// Iterations (the attack's own when none were asked for).
    pub steps: Option<usize>,
    pub targeted: Option<usize>,
    /// The defence as parsed (`none`, `jpeg:75`, …).
    pub defense: String,
    pub adaptive: bool,
    pub gradient: GradientKind,
    pub seed: u64,
    pub images: usize,
    pub clean_acc: f64,
    pub robust_acc: f64,
    /// Among images classified right (and not already the target): the share the attack fooled.
    pub asr: f64,
    pub linf_mean: f64,
    pub linf_median: f64,
    pub l2_mean: f64,
    pub l2_median: f64,
    pub l0_mean: f64,
    pub l0_median: f64,
    /// Model evaluations per image.
    pub queries_mean: f64,
    pub queries_median: f64,
    /// Mean probability of the prediction, clean and adversarial.
    pub confidence_clean: f64,
    pub confidence_adv: f64,
    /// By class name.
    pub per_class: BTreeMap<String, ClassAccuracy>,
    /// Wall time of the attack (measured by the caller).
    pub seconds: f64,
}

/// The model's output on one image.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    /// Softmax over the classes.
    pub probabilities: Vec<f32>,
    /// The three most probable classes.
    pub top: Vec<Ranked>,
    pub predicted: usize,
}

/// An attack on one image, with what the page draws.
#[derive(Clone, Debug, Serialize)]
pub struct Single {
    pub attack: AttackKind,
    pub norm: Norm,
    pub eps: f32,
    pub defense: String,
    /// What the attacker was answered (`probs`: the model's probabilities).
    pub policy: String,
    pub adaptive: bool,
    pub seed: u64,
    pub gradient: GradientKind,
    /// Why the exact engine was not used (an operation it lacks), if it was not.
    pub gradient_note: Option<String>,
    /// The true class (an upload: the model's own prediction).
    pub label: usize,
    pub targeted: Option<usize>,
    pub success: bool,
    pub clean: Side,
    pub adversarial: Side,
    pub linf: f32,
    pub l2: f32,
    pub l0: f32,
    pub queries: u64,
    /// The adversarial image, flat NCHW in [0, 1].
    pub adv: Vec<f32>,
    /// The adversarial image and the perturbation as 32×32 RGBA.
    pub adv_rgba: Vec<u8>,
    pub delta_rgba: Vec<u8>,
    /// The perturbation image shows 0.5 + scale·δ.
    pub delta_scale: f32,
}
