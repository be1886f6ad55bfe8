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

/// Images per PGD batch (and per progress step).
pub const CHUNK: usize = 64;

/// PGD (L∞, `eps`, `steps` steps of eps/4, random start, the last iterate kept) on `surrogate` for the images of `x`
/// that `victim` gets right (true labels `labels`), at most `max_images` of them.
#[allow(clippy::too_many_arguments)]
pub fn transfer(surrogate: &Network, victim: &dyn Classifier, x: &Batch, labels: &[usize], eps: f32, steps: usize, max_images: usize, seed: u64) -> Result<TransferReport> {
    let mut run = TransferRun::new(victim, x, labels, eps, steps, max_images, seed)?;
    while run.step(surrogate)? {}
    run.finish(surrogate, victim)
}

/// [`transfer`] in steps of [`CHUNK`] images, for progress and cancel between them; the
/// steps together are exactly [`transfer`].
pub struct TransferRun {
    eps: f32,
    steps: usize,
    seed: u64,
    vals: Vec<f32>,
    y: Vec<usize>,
    pgd: Pgd,
    rng: Rng,
    adv: Vec<f32>,
    done: usize,
}

impl TransferRun {
    /// Choose the images (those the victim gets right, at most `max_images`).
    pub fn new(victim: &dyn Classifier, x: &Batch, labels: &[usize], eps: f32, steps: usize, max_images: usize, seed: u64) -> Result<TransferRun> {
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
        let y: Vec<usize> = keep.iter().map(|&i| labels[i]).collect();
        let pgd = Pgd::new(PgdParams { eps, step: eps / 4.0, steps, keep_first: false, ..PgdParams::default() })?;
        Ok(TransferRun { eps, steps, seed, adv: Vec::with_capacity(vals.len()), vals, y, pgd, rng: Rng::seeded(seed), done: 0 })
    }

    /// Images attacked so far, of [`Self::total`].
    pub fn done(&self) -> usize {
        self.done
    }

    pub fn total(&self) -> usize {
        self.y.len()
    }

    /// PGD on the next [`CHUNK`] images; false when every image is done.
    pub fn step(&mut self, surrogate: &Network) -> Result<bool> {
        if self.done >= self.total() {
            return Ok(false);
        }
        let end = (self.done + CHUNK).min(self.total());
        let part = crate::data::cifar::images(&self.vals[self.done * super::IMAGE..end * super::IMAGE], end - self.done)?;
        let adv = self.pgd.generate(surrogate, &part, &Goal::Untargeted(self.y[self.done..end].to_vec()), &mut self.rng)?;
        self.adv.extend(adv.x.view().iter().copied());
        self.done = end;
        Ok(self.done < self.total())
    }

    /// The victim and the surrogate on the adversarial images, and the noise baseline.
    pub fn finish(mut self, surrogate: &Network, victim: &dyn Classifier) -> Result<TransferReport> {
        if self.done < self.total() {
            return Err(Error::InvalidArgument(format!("the transfer attack has done {} of {} images", self.done, self.total())));
        }
        let n = self.total();
        let adv = crate::data::cifar::images(&self.adv, n)?;
        let y = &self.y;
        let wrong = |p: Vec<usize>| p.iter().zip(y).filter(|(a, b)| a != b).count() as f64 / n as f64;
        let transfer_rate = wrong(victim.predict(&adv)?);
        let surrogate_rate = wrong(surrogate.predict(&adv)?);
        let eps = self.eps;
        let rng = &mut self.rng;
        let noisy: Vec<f32> = self.vals.iter().map(|&v| (v + if rng.uniform() < 0.5 { -eps } else { eps }).clamp(0.0, 1.0)).collect();
        let noise_rate = wrong(victim.predict(&crate::data::cifar::images(&noisy, n)?)?);
        Ok(TransferReport { eps, steps: self.steps, images: n, transfer_rate, surrogate_rate, noise_rate, seed: self.seed })
    }
}
