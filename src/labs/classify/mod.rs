//! The classify lab: what the model sees and says for one image ([`predict`], the page's
//! gallery and uploads), and its accuracy on a CIFAR-10 split ([`evaluate`], `mlsec eval`).

pub mod params;
pub mod report;

pub use params::{Params, ValidParams};
pub use report::{Evaluation, Prediction, Ranked};

use crate::data::cifar;
use crate::error::Result;
use crate::metrics;
use crate::model::{softmax, top_k, Classifier};
use crate::tensor::Batch;

/// Classes listed in a [`Prediction`]'s `top`.
pub const TOP: usize = 5;

/// The class's name (CIFAR-10's when the model has ten classes).
pub fn class_name(class: usize, classes: usize) -> String {
    match cifar::CLASSES.get(class) {
        Some(name) if classes == cifar::CLASSES.len() => name.to_string(),
        _ => format!("class {class}"),
    }
}

/// The `k` most probable classes of one row of probabilities, with names.
pub fn ranked(probabilities: &[f32], k: usize, classes: usize) -> Vec<Ranked> {
    top_k(probabilities, k).into_iter().map(|(class, probability)| Ranked { class, name: class_name(class, classes), probability }).collect()
}

/// The model's output on the first image of `x` (`[1, 3, H, W]` in [0, 1]).
pub fn predict(model: &dyn Classifier, x: &Batch) -> Result<Prediction> {
    let logits = model.logits(x)?;
    let probs = softmax(&logits);
    let row = probs.row(0).to_vec();
    Ok(Prediction { logits: logits.row(0).to_vec(), top: ranked(&row, TOP, model.classes()), probabilities: row })
}

/// Accuracy of `model` on `samples`, `p.batch` images a forward pass; `clock` gives seconds
/// from a fixed origin (the CLI's `Instant`; timing is all it is used for).
pub fn evaluate(model: &dyn Classifier, name: &str, samples: &cifar::Samples, p: &ValidParams, clock: fn() -> f64) -> Result<Evaluation> {
    let mut predicted = Vec::with_capacity(samples.len());
    let mut forward = 0.0f64;
    let t_all = clock();
    for start in (0..samples.len()).step_by(p.batch) {
        let x = samples.batch(start, start + p.batch)?;
        let t = clock();
        predicted.extend(model.predict(&x)?);
        forward += clock() - t;
    }
    let truth: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let acc = metrics::accuracy(&predicted, &truth, model.classes());
    let per_class = acc.per_class.iter().enumerate().map(|(i, &a)| (class_name(i, model.classes()), a)).collect();
    Ok(Evaluation {
        model: name.to_string(),
        split: match p.split {
            cifar::Split::Test => "test".into(),
            cifar::Split::Train => "train".into(),
        },
        images: acc.images,
        accuracy: acc.accuracy,
        per_class,
        images_per_second: if forward > 0.0 { acc.images as f64 / forward } else { 0.0 },
        seconds: clock() - t_all,
    })
}
