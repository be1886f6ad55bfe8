//! What a stolen model is for: adversarial examples crafted on the surrogate (white-box PGD,
//! exact gradients from `nn`) sent to the victim (black-box), against a baseline of random
//! ±ε sign noise of the same L∞ norm.

use crate::attacks::evasion::pgd::{Pgd, PgdParams};
use crate::attacks::evasion::Goal;
use crate::error::{Error, Result};
use crate::model::Classifier;
use crate::nn::Network;
use crate::rng::Rng;
use crate::tensor::Batch;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct TransferReport {
    pub eps: f32,
    pub steps: usize,
    /// Images attacked: those the victim classifies correctly.
    pub images: usize,
    /// Victim errors on the surrogate's PGD examples.
    pub transfer_rate: f64,
    /// Surrogate errors on its own PGD examples (the white-box success).
    pub surrogate_rate: f64,
    /// Victim errors under random sign noise of the same norm.
    pub noise_rate: f64,
    pub seed: u64,
}

/// PGD (L∞, `eps`, `steps` steps of eps/4, random start, the last iterate kept) on `surrogate` for the images of `x`
/// that `victim` gets right (true labels `labels`), at most `max_images` of them.
#[allow(clippy::too_many_arguments)]
pub fn transfer(surrogate: &Network, victim: &dyn Classifier, x: &Batch, labels: &[usize], eps: f32, steps: usize, max_images: usize, seed: u64) -> Result<TransferReport> {
    if labels.len() != x.len() {
        return Err(Error::Shape(format!("{} labels for {} images", labels.len(), x.len())));
    }
    let pred = victim.predict(x)?;
    let keep: Vec<usize> = (0..x.len()).filter(|&i| pred[i] == labels[i]).take(max_images).collect();
    if keep.is_empty() {
        return Err(Error::InvalidArgument("the victim gets none of these images right: nothing to attack".into()));
    }
    let mut vals = Vec::with_capacity(keep.len() * super::IMAGE);
    let flat = x.view();
    let flat = flat.as_slice().ok_or_else(|| Error::Shape("non-contiguous batch".into()))?;
    for &i in &keep {
        vals.extend_from_slice(&flat[i * super::IMAGE..(i + 1) * super::IMAGE]);
    }
    let xs = crate::data::cifar::images(&vals, keep.len())?;
    let y: Vec<usize> = keep.iter().map(|&i| labels[i]).collect();
    let mut rng = Rng::seeded(seed);
    let pgd = Pgd::new(PgdParams { eps, step: eps / 4.0, steps, keep_first: false, ..PgdParams::default() })?;
    let mut adv_vals = Vec::with_capacity(vals.len());
    for start in (0..keep.len()).step_by(64) {
        let end = (start + 64).min(keep.len());
        let part = xs.slice(start, end)?;
        let adv = pgd.generate(surrogate, &part, &Goal::Untargeted(y[start..end].to_vec()), &mut rng)?;
        adv_vals.extend(adv.x.view().iter().copied());
    }
    let adv = crate::data::cifar::images(&adv_vals, keep.len())?;
    let n = keep.len() as f64;
    let wrong = |p: Vec<usize>| p.iter().zip(&y).filter(|(a, b)| a != b).count() as f64 / n;
    let transfer_rate = wrong(victim.predict(&adv)?);
    let surrogate_rate = wrong(surrogate.predict(&adv)?);
    let noisy: Vec<f32> = vals.iter().map(|&v| (v + if rng.uniform() < 0.5 { -eps } else { eps }).clamp(0.0, 1.0)).collect();
    let noise_rate = wrong(victim.predict(&crate::data::cifar::images(&noisy, keep.len())?)?);
    Ok(TransferReport { eps, steps, images: keep.len(), transfer_rate, surrogate_rate, noise_rate, seed })
}
