//! Defences, by family (ART's taxonomy): input transformations in [`preprocessor`], wrapped
//! around a model by [`Defended`], whose gradients are what an attacker sees — the undefended
//! model's (a naive attacker), BPDA through the transformation (Athalye, Carlini & Wagner,
//! "Obfuscated Gradients Give a False Sense of Security", ICML 2018), averaged over random
//! draws for randomized transformations (EOT).

pub mod detector;
pub mod preprocessor;
pub mod smoothing;

use crate::error::{Error, Result};
use crate::model::{Classifier, Differentiable, GradientKind};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array2, Array4};
use preprocessor::Preprocessor;
use std::sync::Mutex;

/// How an attacker differentiates through a [`Defended`] model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adaptivity {
    /// Gradients of the undefended model at `x`: the attacker ignores the defence.
    Naive,
    /// BPDA: the model's gradient at the transformed input, passed straight through the
    /// transformation; with EOT, averaged over `eot` random draws.
    Adaptive {
        /// Samples per gradient for randomized transformations (1 for deterministic ones).
        eot: usize,
    },
}

/// A model behind an input transformation; itself a classifier.
pub struct Defended<'a> {
    model: &'a dyn Differentiable,
    pre: &'a dyn Preprocessor,
    adaptivity: Adaptivity,
    rng: Mutex<Rng>,
}

impl<'a> Defended<'a> {
    /// Wrap `model`; randomized transformations draw from a generator seeded with `seed`.
    pub fn new(model: &'a dyn Differentiable, pre: &'a dyn Preprocessor, adaptivity: Adaptivity, seed: u64) -> Result<Self> {
        if let Adaptivity::Adaptive { eot } = adaptivity {
            if eot == 0 || eot > 1000 {
                return Err(Error::InvalidArgument(format!("EOT samples must be in 1..=1000, got {eot}")));
            }
        }
        Ok(Defended { model, pre, adaptivity, rng: Mutex::new(Rng::seeded(seed)) })
    }

    fn transform(&self, x: &Batch) -> Result<Batch> {
        let mut rng = self.rng.lock().map_err(|_| Error::Inference("the defence failed earlier".into()))?;
        self.pre.apply(x, &mut rng)
    }
}

impl Classifier for Defended<'_> {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        self.model.logits(&self.transform(x)?)
    }
    fn classes(&self) -> usize {
        self.model.classes()
    }
}

impl Differentiable for Defended<'_> {
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        match self.adaptivity {
            Adaptivity::Naive => {
                // The attacker's gradient ignores the defence, but the logits it sees (and the
                // success it checks) are those of the defended model.
                let (_, g) = self.model.logits_and_vjp(x, seed)?;
                Ok((self.logits(x)?, g))
            }
            Adaptivity::Adaptive { eot } => {
                let draws = if self.pre.randomized() { eot } else { 1 };
                let mut grad = Array4::<f32>::zeros(x.dim());
                let mut logits = Array2::<f32>::zeros((x.len(), self.classes()));
                for _ in 0..draws {
                    let t = self.transform(x)?;
                    let (l, g) = self.model.logits_and_vjp(&t, seed)?;
                    grad.scaled_add(1.0 / draws as f32, &g);
                    logits.scaled_add(1.0 / draws as f32, &l);
                }
                Ok((logits, grad))
            }
        }
    }

    fn gradient_kind(&self) -> GradientKind {
        self.model.gradient_kind()
    }
}

/// Run `f` on `model` behind the preprocessing defence `spec` (`none`, `jpeg:75`, …; see
/// [`preprocessor::parse`]), attacked naively or adaptively (`Some(eot)`); with `none`, `f`
/// gets the model itself. Randomized defences draw from a generator derived from `seed`.
pub fn with_defence<T>(model: &dyn Differentiable, spec: &str, adaptive: Option<usize>, seed: u64, f: impl FnOnce(&dyn Differentiable) -> Result<T>) -> Result<T> {
    let (kind, arg) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
    if kind.eq_ignore_ascii_case("smooth") {
        // randomized smoothing as the target: the soft smoothed classifier (EOT when adaptive)
        let sigma = if arg.is_empty() { 0.25 } else { arg.parse::<f32>().map_err(|_| Error::InvalidArgument(format!("`{spec}`: `{arg}` is not a number")))? };
        let smoothed = smoothing::SoftSmoothed::new(model, sigma, smoothing::SOFT_DRAWS, adaptive.is_some(), seed ^ 0x5eed)?;
        return f(&smoothed);
    }
    let pre = preprocessor::parse(spec)?;
    if pre.name() == "none" {
        return f(model);
    }
    let adaptivity = match adaptive {
        Some(eot) => Adaptivity::Adaptive { eot },
        None => Adaptivity::Naive,
    };
    let defended = Defended::new(model, pre.as_ref(), adaptivity, seed ^ 0x5eed)?;
    f(&defended)
}
