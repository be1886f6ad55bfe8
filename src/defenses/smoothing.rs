//! Randomized smoothing (Cohen, Rosenfeld & Kolter, "Certified Adversarial Robustness via
//! Randomized Smoothing", ICML 2019, <https://arxiv.org/abs/1902.02918>).
//!
//! The smoothed classifier g(x) = argmaxₖ P(f(x + δ) = k), δ ~ N(0, σ²I). CERTIFY draws n₀
//! samples to guess the top class, n more to bound its probability from below (one-sided
//! Clopper–Pearson at confidence 1 − α), and returns the class with the certified L2 radius
//! σ·Φ⁻¹(p_A) — or abstains when p_A ≤ 1/2. PREDICT abstains unless a two-sided binomial test
//! separates the top two classes at level α.
//!
//! The base classifier is `model(clip(x + δ, 0, 1))`: clipping is part of f, so the guarantee
//! (which holds for any f) is unaffected.

use crate::error::{Error, Result};
use crate::model::{argmax_rows, softmax, Classifier, Differentiable, GradientKind};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array2, Array4, Axis};
use std::sync::Mutex;
use serde::Serialize;
use statrs::distribution::{Beta, Binomial, ContinuousCDF, DiscreteCDF, Normal};

/// Smoothing parameters.
#[derive(Clone, Debug)]
pub struct SmoothingParams {
    /// Noise level σ (pixel units).
    pub sigma: f32,
    /// Selection samples n₀.
    pub n0: usize,
    /// Estimation samples n.
    pub n: usize,
    /// Failure probability α (the guarantee holds with probability 1 − α).
    pub alpha: f64,
    /// Noisy images per forward pass.
    pub batch: usize,
}

impl Default for SmoothingParams {
    fn default() -> Self {
        SmoothingParams { sigma: 0.25, n0: 100, n: 1000, alpha: 0.001, batch: 100 }
    }
}

/// The outcome for one image.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Certificate {
    /// The smoothed prediction, or `None` when it abstains.
    pub class: Option<usize>,
    /// Certified L2 radius (0 when abstaining).
    pub radius: f64,
    /// Lower confidence bound on the top class's probability under noise.
    pub p_lower: f64,
    /// Noise samples counted per class (the estimation round).
    pub counts: Vec<usize>,
}

/// A smoothed classifier over a base model.
pub struct Smoothed<'a> {
    model: &'a dyn Classifier,
    p: SmoothingParams,
}

/// One-sided lower Clopper–Pearson bound on a binomial proportion at confidence 1 − α.
pub fn lower_confidence_bound(k: usize, n: usize, alpha: f64) -> f64 {
    if k == 0 || n == 0 {
        return 0.0;
    }
    match Beta::new(k as f64, (n - k + 1) as f64) {
        Ok(b) => b.inverse_cdf(alpha),
        Err(_) => 0.0,
    }
}

/// Two-sided binomial test p-value of `k` successes in `n` trials at p = 1/2.
pub fn binom_two_sided(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let Ok(b) = Binomial::new(0.5, n as u64) else { return 1.0 };
    let k = k.max(n - k) as u64; // the larger tail; symmetric at p = 1/2
    let upper = if k == 0 { 1.0 } else { 1.0 - b.cdf(k - 1) };
    (2.0 * upper).min(1.0)
}

impl<'a> Smoothed<'a> {
    /// Checks 0 < σ ≤ 1, 1 ≤ n₀, n ≤ 100 000, 0 < α < 1/2, batch ≥ 1.
    pub fn new(model: &'a dyn Classifier, p: SmoothingParams) -> Result<Self> {
        if !(p.sigma.is_finite() && p.sigma > 0.0 && p.sigma <= 1.0) {
            return Err(Error::InvalidArgument(format!("sigma must be in (0, 1], got {}", p.sigma)));
        }
        if p.n0 == 0 || p.n == 0 || p.n0 > 100_000 || p.n > 100_000 || p.batch == 0 {
            return Err(Error::InvalidArgument("sample counts must be in 1..=100000 and the batch at least 1".into()));
        }
        if !(p.alpha > 0.0 && p.alpha < 0.5) {
            return Err(Error::InvalidArgument(format!("alpha must be in (0, 0.5), got {}", p.alpha)));
        }
        Ok(Smoothed { model, p })
    }

    /// Class counts of `num` noisy copies of image `i` of `x`.
    fn sample(&self, x: &Batch, i: usize, num: usize, rng: &mut Rng) -> Result<Vec<usize>> {
        let img = x.view().index_axis(Axis(0), i).to_owned();
        let (c, h, w) = img.dim();
        let mut counts = vec![0usize; self.model.classes()];
        let mut left = num;
        while left > 0 {
            let b = left.min(self.p.batch);
            let mut noisy = Array4::<f32>::zeros((b, c, h, w));
            for mut im in noisy.outer_iter_mut() {
                im.zip_mut_with(&img, |d, &s| *d = (s + self.p.sigma * rng.normal()).clamp(0.0, 1.0));
            }
            for k in argmax_rows(&self.model.logits(&Batch::new(noisy)?)?) {
                counts[k] += 1;
            }
            left -= b;
        }
        Ok(counts)
    }

    /// CERTIFY for every image.
    pub fn certify(&self, x: &Batch, rng: &mut Rng) -> Result<Vec<Certificate>> {
        let normal = Normal::new(0.0, 1.0).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        (0..x.len())
            .map(|i| {
                let c0 = self.sample(x, i, self.p.n0, rng)?;
                let top = argmax_usize(&c0);
                let counts = self.sample(x, i, self.p.n, rng)?;
                let p_lower = lower_confidence_bound(counts[top], self.p.n, self.p.alpha);
                Ok(if p_lower > 0.5 {
                    Certificate { class: Some(top), radius: self.p.sigma as f64 * normal.inverse_cdf(p_lower), p_lower, counts }
                } else {
                    Certificate { class: None, radius: 0.0, p_lower, counts }
                })
            })
            .collect()
    }

    /// PREDICT for every image: the class, or `None` (abstain).
    pub fn predict(&self, x: &Batch, rng: &mut Rng) -> Result<Vec<Option<usize>>> {
        (0..x.len())
            .map(|i| {
                let counts = self.sample(x, i, self.p.n, rng)?;
                let mut order: Vec<usize> = (0..counts.len()).collect();
                order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
                let (a, b) = (order[0], order.get(1).copied().unwrap_or(order[0]));
                let p = binom_two_sided(counts[a], counts[a] + if a == b { 0 } else { counts[b] });
                Ok(if p <= self.p.alpha { Some(a) } else { None })
            })
            .collect()
    }
}

fn argmax_usize(v: &[usize]) -> usize {
    v.iter().enumerate().fold((0, 0), |(bi, bv), (i, &x)| if x > bv { (i, x) } else { (bi, bv) }).0
}

/// Noisy copies of a batch with the base model's softmax on each.
type Draws = Vec<(Batch, Array2<f32>)>;

/// Noise draws the soft smoothed classifier averages per prediction.
pub const SOFT_DRAWS: usize = 16;

/// The smoothed classifier as an attack target (`--defense smooth:σ`): logits are the log of
/// the mean softmax of the base model over [`SOFT_DRAWS`] noisy copies — the "soft" smoothed
/// classifier that Salman et al. (NeurIPS 2019, "Provably Robust Deep Learning via
/// Adversarially Trained Smoothed Classifiers") attack, which the majority vote of CERTIFY
/// approximates. A naive attacker gets the base model's gradient at x; an adaptive one the
/// gradient of these logits over the same draws (EOT), with the [0, 1] clip passed straight
/// through.
pub struct SoftSmoothed<'a> {
    model: &'a dyn Differentiable,
    sigma: f32,
    draws: usize,
    adaptive: bool,
    rng: Mutex<Rng>,
}

impl<'a> SoftSmoothed<'a> {
    /// Checks 0 < σ ≤ 1 and 1 ≤ draws ≤ 1000; noise draws from `rng`.
    pub fn new(model: &'a dyn Differentiable, sigma: f32, draws: usize, adaptive: bool, rng: Rng) -> Result<Self> {
        if !(sigma.is_finite() && sigma > 0.0 && sigma <= 1.0) {
            return Err(Error::InvalidArgument(format!("smoothing sigma must be in (0, 1], got {sigma}")));
        }
        if draws == 0 || draws > 1000 {
            return Err(Error::InvalidArgument(format!("smoothing draws must be in 1..=1000, got {draws}")));
        }
        Ok(SoftSmoothed { model, sigma, draws, adaptive, rng: Mutex::new(rng) })
    }

    /// The noisy copies and their softmax outputs, and the smoothed logits ln(mean p).
    fn forward(&self, x: &Batch) -> Result<(Array2<f32>, Draws)> {
        let mut rng = self.rng.lock().map_err(|_| Error::Inference("the smoothing defence failed earlier".into()))?;
        let mut samples = Vec::with_capacity(self.draws);
        let mut mean = Array2::<f32>::zeros((x.len(), self.model.classes()));
        for _ in 0..self.draws {
            let mut noisy = x.view().to_owned();
            noisy.mapv_inplace(|v| (v + self.sigma * rng.normal()).clamp(0.0, 1.0));
            let noisy = Batch::new(noisy)?;
            let p = softmax(&self.model.logits(&noisy)?);
            mean.scaled_add(1.0 / self.draws as f32, &p);
            samples.push((noisy, p));
        }
        Ok((mean.mapv(|v| v.max(1e-12).ln()), samples))
    }
}

impl Classifier for SoftSmoothed<'_> {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        Ok(self.forward(x)?.0)
    }
    fn classes(&self) -> usize {
        self.model.classes()
    }
}

impl Differentiable for SoftSmoothed<'_> {
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        if !self.adaptive {
            let (_, g) = self.model.logits_and_vjp(x, seed)?;
            return Ok((self.logits(x)?, g));
        }
        let (l, samples) = self.forward(x)?;
        let gl = seed(&l);
        let mean = l.mapv(f32::exp);
        let m = self.draws as f32;
        let mut grad = Array4::<f32>::zeros(x.dim());
        for (noisy, p) in &samples {
            // L_c = ln((1/m) Σ_j p_jc): ∂L_c/∂z_jk = p_jc (δ_ck − p_jk) / (m P_c)
            let mut u = Array2::<f32>::zeros(p.dim());
            for i in 0..p.nrows() {
                let dot: f32 = (0..p.ncols()).map(|c| gl[[i, c]] * p[[i, c]] / mean[[i, c]].max(1e-12)).sum();
                for k in 0..p.ncols() {
                    u[[i, k]] = (gl[[i, k]] * p[[i, k]] / mean[[i, k]].max(1e-12) - p[[i, k]] * dot) / m;
                }
            }
            let (_, g) = self.model.logits_and_vjp(noisy, &|_| u.clone())?;
            grad += &g;
        }
        Ok((l, grad))
    }

    fn gradient_kind(&self) -> GradientKind {
        self.model.gradient_kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_match_scipy() {
        // computed with scipy 1.17.1: beta.ppf(0.001, 990, 11) = 0.9760361871553114,
        // beta.ppf(0.05, 50, 51) = 0.41362171463091174
        assert!((lower_confidence_bound(990, 1000, 0.001) - 0.9760361871553114).abs() < 1e-9);
        assert!((lower_confidence_bound(50, 100, 0.05) - 0.41362171463091174).abs() < 1e-9);
        assert_eq!(lower_confidence_bound(0, 10, 0.05), 0.0);
        // scipy: binomtest(60, 100, 0.5).pvalue = 0.05688793364098089; binomtest(8, 10) = 0.109375
        assert!((binom_two_sided(60, 100) - 0.05688793364098089).abs() < 1e-9);
        assert!((binom_two_sided(8, 10) - 0.109375).abs() < 1e-6);
        assert!((binom_two_sided(2, 10) - 0.109375).abs() < 1e-6);
    }
}
