//! Defences, by family (ART's taxonomy): input transformations in [`preprocessor`], wrapped
//! around a model by [`Defended`], whose gradients are what an attacker sees — the undefended
//! model's (a naive attacker), BPDA through the transformation (Athalye, Carlini & Wagner,
//! "Obfuscated Gradients Give a False Sense of Security", ICML 2018), averaged over random
//! draws for randomized transformations (EOT).

pub mod detector;
pub mod forensics;
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

/// A model behind a chain of input transformations (applied in order); itself a classifier.
pub struct Defended<'a> {
    model: &'a dyn Differentiable,
    pre: &'a preprocessor::Chain,
    adaptivity: Adaptivity,
    rng: Mutex<Rng>,
}

impl<'a> Defended<'a> {
    /// Wrap `model`; randomized transformations draw from `rng`.
    pub fn new(model: &'a dyn Differentiable, pre: &'a preprocessor::Chain, adaptivity: Adaptivity, rng: Rng) -> Result<Self> {
        if let Adaptivity::Adaptive { eot } = adaptivity {
            if eot == 0 || eot > 1000 {
                return Err(Error::InvalidArgument(format!("EOT samples must be in 1..=1000, got {eot}")));
            }
        }
        Ok(Defended { model, pre, adaptivity, rng: Mutex::new(rng) })
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

/// The σ of a `smooth:σ` spec (0.25 when omitted), or `None` for other defences.
fn smoothing_sigma(spec: &str) -> Result<Option<f32>> {
    let (kind, arg) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
    if !kind.eq_ignore_ascii_case("smooth") {
        return Ok(None);
    }
    if arg.is_empty() {
        return Ok(Some(0.25));
    }
    arg.parse::<f32>().map(Some).map_err(|_| Error::InvalidArgument(format!("`{spec}`: `{arg}` is not a number")))
}

/// The canonical name of a defence spec (`none`, `jpeg:75`, `smooth:0.25`, …), as reports show
/// it; an error names an unknown defence.
pub fn defence_name(spec: &str) -> Result<String> {
    match smoothing_sigma(spec)? {
        Some(sigma) => Ok(format!("smooth:{sigma}")),
        None => Ok(preprocessor::parse(spec)?.name()),
    }
}

/// Run `f` on `model` behind the preprocessing defence `spec` (`none`, `jpeg:75`, `jpeg:75+median:2`, …; see
/// [`preprocessor::parse`]), attacked naively or adaptively (`Some(eot)`); with `none`, `f`
/// gets the model itself. Randomized defences draw from the run seed's streams "defence/smoothing"
/// and "defence/preprocessing" ([`Rng::derive`]).
pub fn with_defence<T>(model: &dyn Differentiable, spec: &str, adaptive: Option<usize>, seed: u64, f: impl FnOnce(&dyn Differentiable) -> Result<T>) -> Result<T> {
    if let Some(sigma) = smoothing_sigma(spec)? {
        // randomized smoothing as the target: the soft smoothed classifier (EOT when adaptive)
        let smoothed = smoothing::SoftSmoothed::new(model, sigma, smoothing::SOFT_DRAWS, adaptive.is_some(), Rng::derive(seed, "defence/smoothing"))?;
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
    let defended = Defended::new(model, &pre, adaptivity, Rng::derive(seed, "defence/preprocessing"))?;
    f(&defended)
}

#[cfg(test)]
mod tests {
    use super::defence_name;

    #[test]
    fn defence_names_are_canonical_and_unknown_ones_are_errors() {
        assert_eq!(defence_name("none").unwrap(), "none");
        assert_eq!(defence_name("smooth:0.25").unwrap(), "smooth:0.25");
        assert_eq!(defence_name("smooth").unwrap(), "smooth:0.25");
        assert!(defence_name("smooth:x").is_err());
        assert!(defence_name("voodoo:3").is_err());
        assert_eq!(defence_name("jpeg:75").unwrap(), defence_name("jpeg:75").unwrap());
    }
}
