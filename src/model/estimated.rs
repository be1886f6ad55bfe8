//! [`Estimated`]: input gradients from forward queries only, for models the `nn` engine cannot
//! mirror. NES with antithetic Gaussian directions (Ilyas et al., "Black-box Adversarial Attacks
//! with Limited Queries and Information", ICML 2018):
//! ∇f(x) ≈ 1/(2σq) Σₖ [f(x + σuₖ) − f(x − σuₖ)] uₖ, with f = ⟨g, logits⟩ for the fixed
//! loss gradient g = ∂loss/∂logits at x, which is exactly the vector–Jacobian product wanted.

use super::{Classifier, Differentiable, GradientKind};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array2, Array4, Axis};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A classifier wrapped so that white-box attacks can use it through estimated gradients.
pub struct Estimated<M> {
    inner: M,
    /// Antithetic pairs per gradient (2·pairs + 1 queries per image).
    pairs: usize,
    /// Finite-difference scale σ in pixel units [0, 1].
    sigma: f32,
    rng: Mutex<Rng>,
    queries: AtomicU64,
}

impl<M: Classifier> Estimated<M> {
    /// `pairs` ≥ 1 antithetic samples per gradient, `sigma` in (0, 0.5].
    pub fn new(inner: M, pairs: usize, sigma: f32, seed: u64) -> Result<Self> {
        if pairs == 0 || pairs > 10_000 || !(sigma > 0.0 && sigma <= 0.5) {
            return Err(Error::InvalidArgument(format!("NES needs 1..=10000 sample pairs and 0 < sigma ≤ 0.5 (got {pairs}, {sigma})")));
        }
        Ok(Estimated { inner, pairs, sigma, rng: Mutex::new(Rng::seeded(seed)), queries: AtomicU64::new(0) })
    }

    /// Model queries (images sent to the inner model) so far.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The wrapped model.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

impl<M: Classifier> Classifier for Estimated<M> {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        self.queries.fetch_add(x.len() as u64, Ordering::Relaxed);
        self.inner.logits(x)
    }
    fn classes(&self) -> usize {
        self.inner.classes()
    }
}

impl<M: Classifier> Differentiable for Estimated<M> {
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        let logits = self.logits(x)?;
        let g = seed(&logits);
        let (n, c, h, w) = x.dim();
        let mut grad = Array4::<f32>::zeros((n, c, h, w));
        let mut rng = self.rng.lock().map_err(|_| Error::Inference("the gradient estimator failed earlier".into()))?;
        for i in 0..n {
            let xi = x.view().index_axis(Axis(0), i).to_owned();
            let gi = g.row(i).to_owned();
            // All 2q probes of image i as one batch.
            let mut probes = Array4::<f32>::zeros((2 * self.pairs, c, h, w));
            let mut dirs = Vec::with_capacity(self.pairs);
            for k in 0..self.pairs {
                let u = ndarray::Array3::from_shape_simple_fn((c, h, w), || rng.normal());
                let plus = (&xi + &(&u * self.sigma)).mapv(|v| v.clamp(0.0, 1.0));
                let minus = (&xi - &(&u * self.sigma)).mapv(|v| v.clamp(0.0, 1.0));
                probes.index_axis_mut(Axis(0), 2 * k).assign(&plus);
                probes.index_axis_mut(Axis(0), 2 * k + 1).assign(&minus);
                dirs.push(u);
            }
            let out = self.logits(&Batch::new(probes)?)?;
            let mut gsum = ndarray::Array3::<f32>::zeros((c, h, w));
            for (k, u) in dirs.iter().enumerate() {
                let fp: f32 = out.row(2 * k).dot(&gi);
                let fm: f32 = out.row(2 * k + 1).dot(&gi);
                gsum.scaled_add((fp - fm) / (2.0 * self.sigma * self.pairs as f32), u);
            }
            grad.index_axis_mut(Axis(0), i).assign(&gsum);
        }
        Ok((logits, grad))
    }

    fn gradient_kind(&self) -> GradientKind {
        GradientKind::Estimated
    }
}
