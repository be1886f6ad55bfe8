//! What the classify lab shows and `mlsec eval --json` prints (snake_case).

use serde::Serialize;
use std::collections::BTreeMap;

/// A class and its probability, in [0, 1].
#[derive(Clone, Debug, Serialize)]
pub struct Ranked {
    pub class: usize,
    pub name: String,
    pub probability: f32,
}

/// The model's output on one image: raw logits, softmax probabilities, the top 5.
#[derive(Clone, Debug, Serialize)]
pub struct Prediction {
    pub logits: Vec<f32>,
    pub probabilities: Vec<f32>,
    pub top: Vec<Ranked>,
}

/// Accuracy on a split.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub model: String,
    pub split: String,
    pub images: usize,
    /// In [0, 1].
    pub accuracy: f64,
    /// Class name → accuracy on that class's images, in [0, 1].
    pub per_class: BTreeMap<String, f64>,
    /// Forward passes only.
    pub images_per_second: f64,
    /// The whole evaluation, loading aside.
    pub seconds: f64,
}
