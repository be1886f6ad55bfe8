//! DP-SGD (Abadi et al. 2016) for the logistic-regression spam filter: Poisson sampling with
//! rate q, each example's gradient clipped to L2 norm C, Gaussian noise N(0, σ²C²) added to
//! every coordinate of the summed gradient, divided by the expected batch size q·n. The
//! features are hashed into a small space (2^12 buckets) because the noise grows with the
//! dimension. ε comes from [`super::rdp`].

use super::rdp::{epsilon, Spent};
use crate::rng::Rng;
use crate::spam::features::{hashed_counts, log_l2, Sparse};
use crate::spam::filter::{logistic_loss, Filter, Logistic};
use crate::spam::{Doc, Lab};
use crate::{Error, Result};
use serde::Serialize;

/// DP-SGD settings.
#[derive(Clone, Debug, Serialize)]
pub struct DpConfig {
    pub q: f64,
    pub sigma: f64,
    pub clip: f64,
    pub epochs: f64,
    pub lr: f64,
    pub delta: f64,
    pub dim: u32,
    pub seed: u64,
}

impl Default for DpConfig {
    fn default() -> Self {
        DpConfig { q: 0.02, sigma: 1.0, clip: 1.0, epochs: 15.0, lr: 2.0, delta: 1e-5, dim: 1 << 12, seed: 0 }
    }
}

impl DpConfig {
    /// Check q, σ, clip, epochs (named `epochs` in the sentence), δ and the step count
    /// (epochs / q ≤ `max_steps`): a sentence naming the first that is out.
    pub fn check(&self, epochs: &str, max_steps: u64) -> Result<()> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        if !(self.q > 0.0 && self.q <= 1.0) {
            return bad("q (the sampling rate)", "> 0 and ≤ 1");
        }
        if !(self.sigma >= 0.0 && self.sigma.is_finite()) {
            return bad("sigma (the noise multiplier)", "≥ 0");
        }
        if !(self.clip > 0.0 && self.clip.is_finite()) {
            return bad("clip (the clipping norm)", "> 0");
        }
        if !(self.epochs > 0.0 && self.epochs <= 200.0) {
            return bad(epochs, "> 0 and ≤ 200");
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return bad("delta", "> 0 and < 1");
        }
        if self.epochs / self.q > max_steps as f64 {
            return bad(&format!("{epochs} / q (the number of DP-SGD steps)"), &format!("at most {max_steps}: raise q or lower {epochs}"));
        }
        Ok(())
    }
}

/// A DP-trained filter over its own small hashed space.
pub struct DpFilter {
    pub model: Logistic,
    pub dim: u32,
    pub steps: u64,
    pub spent: Spent,
}

impl DpFilter {
    fn features(&self, lab: &Lab, d: &Doc) -> Sparse {
        log_l2(&hashed_counts(&d.tokens, &lab.vocab, self.dim))
    }
    pub fn is_spam(&self, lab: &Lab, d: &Doc) -> bool {
        let x = self.features(lab, d);
        x.dot(&self.model.w) + self.model.b > 0.0
    }
    /// Log-odds of spam of a token sequence (a perturbed document).
    pub fn logit_tokens(&self, lab: &Lab, tokens: &[u32]) -> f32 {
        log_l2(&hashed_counts(tokens, &lab.vocab, self.dim)).dot(&self.model.w) + self.model.b
    }
    /// Log-odds of spam.
    pub fn logit(&self, lab: &Lab, d: &Doc) -> f32 {
        self.features(lab, d).dot(&self.model.w) + self.model.b
    }
    /// Cross-entropy of the document's training label under this filter.
    pub fn loss(&self, lab: &Lab, d: &Doc) -> f32 {
        logistic_loss(self.logit(lab, d), d.label)
    }
    /// As a [`Filter`] over documents re-featurized at `self.dim` (see [`refeaturize`]).
    pub fn filter(&self) -> Filter {
        Filter::Lr(self.model.clone())
    }
}

/// Train with DP-SGD on `ids`.
pub fn train(lab: &Lab, ids: &[u32], cfg: &DpConfig) -> Result<DpFilter> {
    if !(cfg.q > 0.0 && cfg.q <= 1.0) || cfg.sigma < 0.0 || cfg.clip <= 0.0 || !(cfg.epochs > 0.0 && cfg.epochs <= 200.0) {
        return Err(Error::InvalidArgument("need 0 < q ≤ 1, σ ≥ 0, C > 0 and 0 < epochs ≤ 200".into()));
    }
    let n = ids.len();
    if n == 0 {
        return Err(Error::InvalidArgument("nothing to train on".into()));
    }
    let dim = cfg.dim.clamp(16, 1 << 16).next_power_of_two();
    let xs: Vec<(Sparse, f32)> = ids.iter().map(|&i| {
        let d = &lab.docs[i as usize];
        (log_l2(&hashed_counts(&d.tokens, &lab.vocab, dim)), d.label as u8 as f32)
    }).collect();
    let steps = (cfg.epochs / cfg.q).round().max(1.0) as u64;
    let mut rng = Rng::derive(cfg.seed, "dpsgd/batches");
    let mut w = vec![0f32; dim as usize];
    let mut b = 0f32;
    let mut grad = vec![0f32; dim as usize];
    let expected = (cfg.q * n as f64) as f32;
    for t in 0..steps {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut gb = 0f32;
        for (x, y) in &xs {
            if (rng.uniform() as f64) >= cfg.q {
                continue;
            }
            let err = 1.0 / (1.0 + (-(x.dot(&w) + b)).exp()) - y;
            // ‖(err·x, err)‖ = |err|·√(‖x‖² + 1)
            let norm = err.abs() * (x.norm_sq() + 1.0).sqrt();
            let scale = if norm > cfg.clip as f32 { cfg.clip as f32 / norm } else { 1.0 };
            for (&i, &v) in x.idx.iter().zip(&x.val) {
                grad[i as usize] += err * v * scale;
            }
            gb += err * scale;
        }
        let std = (cfg.sigma * cfg.clip) as f32;
        let lr = cfg.lr as f32 / (1.0 + 2.0 * t as f32 / steps as f32);
        for (wi, g) in w.iter_mut().zip(&grad) {
            *wi -= lr * (g + std * rng.normal()) / expected.max(1.0);
        }
        b -= lr * (gb + std * rng.normal()) / expected.max(1.0);
    }
    Ok(DpFilter { model: Logistic { w, b }, dim, steps, spent: epsilon(cfg.q, cfg.sigma, steps, cfg.delta)? })
}
