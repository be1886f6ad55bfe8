//! The likelihood-ratio attack, LiRA (Carlini, Chien, Nasr, Song, Terzis & Tramèr 2022,
//! "Membership Inference Attacks From First Principles").
//!
//! Shadow models are trained on random halves of a shared pool of records, so that every
//! record is "in" about half of them and "out" of the rest. For each record the attack fits a
//! Gaussian to its logit-scaled confidence φ = ln(p / (1 − p)) (p: the probability of the
//! record's true label) over the shadows that trained on it and over those that did not; the
//! target model's φ is then scored by the likelihood ratio of the two (online) or by how far it
//! lies above the "out" Gaussian alone (offline, which needs no shadow trained on the
//! candidates). With few shadows the per-record variances are noisy, and the paper uses one
//! variance for all records (`fixed_variance`).
//!
//! The victim is a closure, so the same attack runs on the spam filter and the image CNNs:
//! given the pool indices to train on and a seed, it trains a shadow and returns φ for every
//! record of the pool.

use crate::rng::Rng;
use crate::{Error, Result};
use serde::Serialize;

/// LiRA settings.
#[derive(Clone, Debug, Serialize)]
pub struct LiraConfig {
    /// Shadow models (2–256).
    pub shadows: usize,
    /// One variance for every record (the paper's choice below ~64 shadows).
    pub fixed_variance: bool,
}

/// The shadows' statistics: per record, mean and variance of φ in and out.
pub struct Shadows {
    pub mu_in: Vec<f64>,
    pub mu_out: Vec<f64>,
    pub var_in: Vec<f64>,
    pub var_out: Vec<f64>,
    pub count: usize,
}

/// The shadows' confidences as they are trained, one at a time (for progress and cancel).
pub struct Accumulator {
    ins: Vec<Vec<f64>>,
    outs: Vec<Vec<f64>>,
    fixed_variance: bool,
    pub count: usize,
}

impl Accumulator {
    /// For a pool of `pool` records (≥ 2).
    pub fn new(pool: usize, cfg: &LiraConfig) -> Result<Accumulator> {
        if !(2..=256).contains(&cfg.shadows) {
            return Err(Error::InvalidArgument(format!("shadows must be 2–256 (got {})", cfg.shadows)));
        }
        if pool < 2 {
            return Err(Error::InvalidArgument("LiRA needs a pool of at least two records".into()));
        }
        Ok(Accumulator { ins: vec![Vec::new(); pool], outs: vec![Vec::new(); pool], fixed_variance: cfg.fixed_variance, count: 0 })
    }

    /// The next shadow's training set: a random half of the pool (sorted indices) and, per
    /// record, whether it is in it.
    pub fn split(&self, rng: &mut Rng) -> (Vec<usize>, Vec<bool>) {
        let pool = self.ins.len();
        let mut order: Vec<usize> = (0..pool).collect();
        rng.shuffle(&mut order);
        let mut ids = order[..pool / 2].to_vec();
        ids.sort_unstable();
        let mut member = vec![false; pool];
        for &i in &ids {
            member[i] = true;
        }
        (ids, member)
    }

    /// Add one shadow: `phi` for every pool record, `member` its split.
    pub fn add(&mut self, member: &[bool], phi: &[f64]) -> Result<()> {
        let pool = self.ins.len();
        if phi.len() != pool || member.len() != pool || phi.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument("a shadow returned the wrong number of confidences or a non-finite one".into()));
        }
        for i in 0..pool {
            if member[i] { self.ins[i].push(phi[i]) } else { self.outs[i].push(phi[i]) }
        }
        self.count += 1;
        Ok(())
    }

    /// The per-record Gaussians (a record no shadow held in, or out, takes the pool's mean).
    pub fn finish(&self) -> Shadows {
        let pool = self.ins.len();
        let stats = |v: &[Vec<f64>]| -> (Vec<f64>, Vec<f64>) {
            let (mut mu, mut var): (Vec<f64>, Vec<f64>) = v.iter().map(|x| {
                if x.is_empty() {
                    return (f64::NAN, f64::NAN);
                }
                let m = x.iter().sum::<f64>() / x.len() as f64;
                (m, x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / x.len() as f64)
            }).unzip();
            let known: Vec<usize> = (0..pool).filter(|&i| mu[i].is_finite()).collect();
            let m = known.iter().map(|&i| mu[i]).sum::<f64>() / known.len().max(1) as f64;
            let g = known.iter().map(|&i| var[i]).sum::<f64>() / known.len().max(1) as f64;
            for i in 0..pool {
                if !mu[i].is_finite() {
                    mu[i] = m;
                    var[i] = g;
                }
            }
            (mu, var)
        };
        let (mu_in, mut var_in) = stats(&self.ins);
        let (mu_out, mut var_out) = stats(&self.outs);
        if self.fixed_variance {
            for var in [&mut var_in, &mut var_out] {
                let g = var.iter().sum::<f64>() / pool as f64;
                var.iter_mut().for_each(|v| *v = g);
            }
        }
        Shadows { mu_in, mu_out, var_in, var_out, count: self.count }
    }
}

/// Train `cfg.shadows` shadows on random halves of a pool of `pool` records. `train(ids, seed)`
/// trains one on the pool indices `ids` and returns φ for all `pool` records; `on_shadow(k)`
/// after each (progress; an `Err` stops the run).
pub fn shadows(
    pool: usize,
    cfg: &LiraConfig,
    rng: &mut Rng,
    mut train: impl FnMut(&[usize], u64) -> Result<Vec<f64>>,
    mut on_shadow: impl FnMut(usize) -> Result<()>,
) -> Result<Shadows> {
    let mut acc = Accumulator::new(pool, cfg)?;
    for k in 0..cfg.shadows {
        let (ids, member) = acc.split(rng);
        // by index, not drawn from `rng` as a usize: the same seeds on 32-bit wasm and 64-bit native
        let seed = Rng::derive_seed(rng.seed(), &format!("lira/shadow/{k}"));
        acc.add(&member, &train(&ids, seed)?)?;
        on_shadow(k + 1)?;
    }
    Ok(acc.finish())
}

impl Shadows {
    /// Online scores for the target's φ of every pool record: ln N(φ; μ_in, σ_in²) − ln N(φ; μ_out, σ_out²).
    pub fn online(&self, phi: &[f64]) -> Result<Vec<f64>> {
        self.check(phi)?;
        Ok((0..phi.len()).map(|i| log_normal(phi[i], self.mu_in[i], self.var_in[i]) - log_normal(phi[i], self.mu_out[i], self.var_out[i])).collect())
    }

    /// Offline scores: (φ − μ_out) / σ_out, how far the target's confidence lies above what
    /// models that never saw the record give it.
    pub fn offline(&self, phi: &[f64]) -> Result<Vec<f64>> {
        self.check(phi)?;
        Ok((0..phi.len()).map(|i| (phi[i] - self.mu_out[i]) / self.var_out[i].max(VAR_FLOOR).sqrt()).collect())
    }

    fn check(&self, phi: &[f64]) -> Result<()> {
        if phi.len() != self.mu_in.len() || phi.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!("LiRA needs one finite confidence a pool record ({} of them; got {})", self.mu_in.len(), phi.len())));
        }
        Ok(())
    }
}

/// Below this a variance is numerical noise (φ in logit units).
const VAR_FLOOR: f64 = 1e-4;

fn log_normal(x: f64, mu: f64, var: f64) -> f64 {
    let v = var.max(VAR_FLOOR);
    -0.5 * ((x - mu).powi(2) / v + v.ln())
}

/// φ = ln(p / (1 − p)) from the log-odds `z` of the positive class and the record's label
/// (binary classifiers: φ is the signed log-odds).
pub fn phi_binary(z: f64, label: bool) -> f64 {
    if label { z } else { -z }
}

/// φ from a row of logits and the true class (multi-class): ln p_y − ln Σ_{j≠y} p_j, computed
/// stably from the logits.
pub fn phi_logits(logits: &[f32], y: usize) -> Result<f64> {
    if y >= logits.len() || logits.len() < 2 {
        return Err(Error::InvalidArgument(format!("class {y} of {} logits", logits.len())));
    }
    let zy = logits[y] as f64;
    let m = logits.iter().enumerate().filter(|(j, _)| *j != y).map(|(_, &z)| z as f64).fold(f64::NEG_INFINITY, f64::max);
    let rest = m + logits.iter().enumerate().filter(|(j, _)| *j != y).map(|(_, &z)| (z as f64 - m).exp()).sum::<f64>().ln();
    Ok(zy - rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_is_the_logit_of_the_true_class_probability() {
        let l = [2.0f32, 0.0, -1.0];
        let p: Vec<f64> = { let s: f64 = l.iter().map(|&z| (z as f64).exp()).sum(); l.iter().map(|&z| (z as f64).exp() / s).collect() };
        let phi = phi_logits(&l, 0).unwrap();
        assert!((phi - (p[0] / (1.0 - p[0])).ln()).abs() < 1e-9);
        assert_eq!(phi_binary(1.5, false), -1.5);
        assert!(phi_logits(&l, 3).is_err());
    }

    #[test]
    fn a_memorising_victim_is_found_and_a_blind_one_is_not() {
        // a toy victim: φ = 0 for records it did not see, 3 for those it did (plus seeded noise)
        let pool = 200;
        let cfg = LiraConfig { shadows: 16, fixed_variance: true };
        let noise = |seed: u64| { let mut r = Rng::seeded(seed); (0..pool).map(move |_| r.normal() as f64 * 0.5).collect::<Vec<_>>() };
        let victim = |ids: &[usize], seed: u64, leak: f64| -> Result<Vec<f64>> {
            let mut phi = noise(seed);
            for &i in ids { phi[i] += leak; }
            Ok(phi)
        };
        let target_members: Vec<usize> = (0..pool / 2).collect();
        for (leak, expect_auc_above) in [(3.0, 0.95), (0.0, f64::NAN)] {
            let s = shadows(pool, &cfg, &mut Rng::seeded(1), |ids, seed| victim(ids, seed, leak), |_| Ok(())).unwrap();
            let t = victim(&target_members, 99, leak).unwrap();
            let on = s.online(&t).unwrap();
            let r = crate::privacy::membership::roc(&on[..pool / 2], &on[pool / 2..]).unwrap();
            if leak > 0.0 {
                assert!(r.auc > expect_auc_above, "AUC {}", r.auc);
            } else {
                assert!((r.auc - 0.5).abs() < 0.15, "AUC {}", r.auc);
            }
        }
        assert!(shadows(pool, &LiraConfig { shadows: 1, fixed_variance: true }, &mut Rng::seeded(0), |ids, s| victim(ids, s, 1.0), |_| Ok(())).is_err());
    }
}
