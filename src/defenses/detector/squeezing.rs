//! Feature squeezing (Xu, Evans & Qi, "Feature Squeezing: Detecting Adversarial Examples in
//! Deep Neural Networks", NDSS 2018, <https://arxiv.org/abs/1704.01155>): an input is flagged
//! when the model's softmax moves too much under squeezing. Score = max over squeezers of the
//! L1 distance between the probabilities of `x` and of `squeeze(x)`; the threshold is the
//! (1 − FPR) quantile of the scores of clean images (the paper's 5% false positives). For
//! CIFAR-10 the paper's squeezers: 5-bit depth and a 2×2 median filter.

use crate::defenses::preprocessor::{BitDepth, Median, Preprocessor};
use crate::error::{Error, Result};
use crate::model::{softmax, Classifier};
use crate::rng::Rng;
use crate::tensor::Batch;

/// A calibrated feature-squeezing detector.
pub struct FeatureSqueezing {
    squeezers: Vec<Box<dyn Preprocessor + Send + Sync>>,
    /// Scores above this are flagged.
    pub threshold: f32,
}

impl FeatureSqueezing {
    /// The paper's CIFAR-10 squeezers, uncalibrated (threshold +∞).
    pub fn cifar() -> Result<Self> {
        Ok(FeatureSqueezing { squeezers: vec![Box::new(BitDepth::new(5)?), Box::new(Median::new(2)?)], threshold: f32::INFINITY })
    }

    /// Scores of every image.
    pub fn scores(&self, model: &dyn Classifier, x: &Batch) -> Result<Vec<f32>> {
        let mut rng = Rng::seeded(0); // the squeezers are deterministic
        let p = softmax(&model.logits(x)?);
        let mut best = vec![0f32; x.len()];
        for s in &self.squeezers {
            let q = softmax(&model.logits(&s.apply(x, &mut rng)?)?);
            for (i, b) in best.iter_mut().enumerate() {
                let d: f32 = p.row(i).iter().zip(q.row(i).iter()).map(|(a, b)| (a - b).abs()).sum();
                *b = b.max(d);
            }
        }
        Ok(best)
    }

    /// Set the threshold so that a fraction `fpr` of `clean` images is flagged; returns it.
    pub fn calibrate(&mut self, model: &dyn Classifier, clean: &Batch, fpr: f64) -> Result<f32> {
        if clean.is_empty() || !(0.0..1.0).contains(&fpr) {
            return Err(Error::InvalidArgument(format!("calibration needs clean images and 0 ≤ fpr < 1 (got {} images, {fpr})", clean.len())));
        }
        let mut s = self.scores(model, clean)?;
        s.sort_by(|a, b| a.total_cmp(b));
        // the smallest threshold with at most fpr·n clean scores strictly above it
        let allowed = (fpr * s.len() as f64).floor() as usize;
        self.threshold = s[s.len() - 1 - allowed.min(s.len() - 1)];
        Ok(self.threshold)
    }

    /// Which images are flagged.
    pub fn detect(&self, model: &dyn Classifier, x: &Batch) -> Result<Vec<bool>> {
        Ok(self.scores(model, x)?.into_iter().map(|s| s > self.threshold).collect())
    }
}
