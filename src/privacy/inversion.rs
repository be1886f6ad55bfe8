//! Model inversion, MIFace (Fredrikson, Jha and Ristenpart, "Model Inversion Attacks that
//! Exploit Confidence Information and Basic Countermeasures", CCS 2015): gradient descent on the
//! input to make the model sure of one class, from a flat grey start, under an image prior.
//!
//! The cost of image `x` for class `k` is `−log p_k(x) + tv · TV(x) + l2 · ‖x − ½‖²/D`, where
//! `TV` is the mean squared difference of neighbouring pixels (a smoothness prior: Mahendran and
//! Vedaldi 2015) and `D` the number of values. Fredrikson et al. descend `1 − p_k`, whose
//! gradient vanishes where `p_k` is small; the log is the same optimum with a gradient that does
//! not. Each step moves the image by `lr` in root-mean-square pixel units along the normalised
//! gradient, clipped to [0, 1]; a class stops once `p_k ≥ stop_at`. Deterministic: no noise is
//! drawn, the same model gives the same images.

use crate::model::{softmax, Differentiable};
use crate::tensor::Batch;
use crate::{Error, Result};
use ndarray::{Array2, Array4, Axis};

/// Settings of one inversion (checked by [`Inverter::new`]); the lab's defaults:
/// `labs::privacy::params::InvertParams`.
#[derive(Clone, Debug, PartialEq)]
pub struct InversionConfig {
    /// Steps at most, 1–5,000.
    pub steps: usize,
    /// Step size: root-mean-square change of a pixel per step, in (0, 0.5].
    pub lr: f32,
    /// Weight of the smoothness prior, ≥ 0.
    pub tv: f32,
    /// Weight of the pull towards grey, ≥ 0.
    pub l2: f32,
    /// Stop a class once the model gives it at least this probability, in (0, 1].
    pub stop_at: f32,
}

impl InversionConfig {
    /// A sentence naming the first setting out of its range.
    pub fn check(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::InvalidArgument(what.into()));
        if !(1..=5000).contains(&self.steps) {
            return bad("steps must be 1–5,000");
        }
        if !(self.lr > 0.0 && self.lr <= 0.5) {
            return bad("lr must be > 0 and ≤ 0.5 (pixel units a step)");
        }
        if !(self.tv >= 0.0 && self.tv.is_finite()) {
            return bad("tv (the smoothness weight) must be ≥ 0");
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2 (the weight towards grey) must be ≥ 0");
        }
        if !(self.stop_at > 0.0 && self.stop_at <= 1.0) {
            return bad("stop_at must be > 0 and ≤ 1 (a probability)");
        }
        Ok(())
    }
}

/// The mean squared difference of horizontal and vertical neighbours over `x` `[N, C, H, W]`,
/// one value an image, and its gradient.
pub fn smoothness(x: &Array4<f32>) -> (Vec<f32>, Array4<f32>) {
    let (n, c, h, w) = x.dim();
    let pairs = (c * (h.saturating_sub(1) * w + h * w.saturating_sub(1))).max(1) as f32;
    let mut value = vec![0.0f32; n];
    let mut grad = Array4::<f32>::zeros(x.raw_dim());
    for i in 0..n {
        for ch in 0..c {
            for y in 0..h {
                for xx in 0..w {
                    let v = x[[i, ch, y, xx]];
                    for (ny, nx) in [(y + 1, xx), (y, xx + 1)] {
                        if ny < h && nx < w {
                            let d = x[[i, ch, ny, nx]] - v;
                            value[i] += d * d / pairs;
                            grad[[i, ch, ny, nx]] += 2.0 * d / pairs;
                            grad[[i, ch, y, xx]] -= 2.0 * d / pairs;
                        }
                    }
                }
            }
        }
    }
    (value, grad)
}

/// One class's reconstruction so far.
#[derive(Clone, Debug)]
pub struct Inverted {
    pub class: usize,
    /// The model's probability of `class` on the image.
    pub probability: f32,
    /// Steps it took (it stops at `stop_at`).
    pub steps: usize,
    /// The smoothness term of the image (lower: smoother).
    pub smoothness: f32,
}

/// MIFace over a batch of classes, in steps (progress and cancel between them).
#[derive(Debug)]
pub struct Inverter {
    cfg: InversionConfig,
    classes: Vec<usize>,
    x: Array4<f32>,
    done: Vec<bool>,
    taken: Vec<usize>,
    last: Vec<f32>,
    step: usize,
}

impl Inverter {
    /// One grey `[3, side, side]` start for each of `classes` (each < `model_classes`).
    pub fn new(cfg: &InversionConfig, classes: &[usize], model_classes: usize, shape: (usize, usize, usize)) -> Result<Inverter> {
        cfg.check()?;
        if classes.is_empty() {
            return Err(Error::InvalidArgument("no class to invert".into()));
        }
        if let Some(&k) = classes.iter().find(|&&k| k >= model_classes) {
            return Err(Error::InvalidArgument(format!("class must be 0–{} (got {k})", model_classes.saturating_sub(1))));
        }
        let (c, h, w) = shape;
        Ok(Inverter {
            cfg: cfg.clone(),
            classes: classes.to_vec(),
            x: Array4::from_elem((classes.len(), c, h, w), 0.5),
            done: vec![false; classes.len()],
            taken: vec![0; classes.len()],
            last: vec![0.0; classes.len()],
            step: 0,
        })
    }

    /// Steps taken, and at most.
    pub fn progress(&self) -> (usize, usize) {
        (self.step, self.cfg.steps)
    }

    /// One descent step on every class not yet done; true once all are done or out of steps.
    pub fn step(&mut self, model: &dyn Differentiable) -> Result<bool> {
        if self.finished() {
            return Ok(true);
        }
        let batch = Batch::new(self.x.clone())?;
        let classes = self.classes.clone();
        // ∂(−log p_k)/∂logits = p − e_k
        let seed = |logits: &Array2<f32>| {
            let mut g = softmax(logits);
            for (row, &k) in classes.iter().enumerate() {
                g[[row, k]] -= 1.0;
            }
            g
        };
        let (logits, mut grad) = model.logits_and_vjp(&batch, &seed)?;
        let p = softmax(&logits);
        let (_, tv_grad) = smoothness(&self.x);
        grad.scaled_add(self.cfg.tv, &tv_grad);
        let d = (self.x.len() / self.classes.len()) as f32;
        grad.scaled_add(2.0 * self.cfg.l2 / d, &self.x.mapv(|v| v - 0.5));
        for (i, &k) in self.classes.iter().enumerate() {
            self.last[i] = p[[i, k]];
            if self.done[i] {
                continue;
            }
            if p[[i, k]] >= self.cfg.stop_at {
                self.done[i] = true;
                continue;
            }
            let mut gi = grad.index_axis_mut(Axis(0), i);
            let rms = (gi.iter().map(|v| v * v).sum::<f32>() / d).sqrt();
            if !(rms > 0.0 && rms.is_finite()) {
                // a flat gradient (or a broken model): nothing to follow
                self.done[i] = true;
                continue;
            }
            gi.mapv_inplace(|v| v / rms);
            let mut xi = self.x.index_axis_mut(Axis(0), i);
            xi.zip_mut_with(&gi, |x, &g| *x = (*x - self.cfg.lr * g).clamp(0.0, 1.0));
            self.taken[i] += 1;
        }
        self.step += 1;
        if self.step >= self.cfg.steps {
            // the probabilities of the images as they end
            let p = softmax(&model.logits(&Batch::new(self.x.clone())?)?);
            for (i, &k) in self.classes.iter().enumerate() {
                self.last[i] = p[[i, k]];
            }
        }
        Ok(self.finished())
    }

    fn finished(&self) -> bool {
        self.step >= self.cfg.steps || self.done.iter().all(|&d| d)
    }

    /// The images `[classes, C, H, W]` in [0, 1].
    pub fn images(&self) -> Result<Batch> {
        Batch::new(self.x.clone())
    }

    /// Each class's state (its probability as of the last step).
    pub fn results(&self) -> Vec<Inverted> {
        let (tv, _) = smoothness(&self.x);
        self.classes.iter().enumerate().map(|(i, &class)| Inverted { class, probability: self.last[i], steps: self.taken[i], smoothness: tv[i] }).collect()
    }
}

/// Pearson correlation of two equal-length vectors (0 where either is constant).
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len()).max(1) as f64;
    let (ma, mb) = (a.iter().map(|&v| v as f64).sum::<f64>() / n, b.iter().map(|&v| v as f64).sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothness_gradient_matches_finite_differences() {
        let mut rng = crate::rng::Rng::seeded(1);
        let x = Array4::from_shape_fn((1, 2, 3, 4), |_| rng.uniform());
        let (v, g) = smoothness(&x);
        let h = 1e-3;
        for idx in [[0, 0, 0, 0], [0, 1, 2, 3], [0, 0, 1, 2]] {
            let mut xp = x.clone();
            xp[idx] += h;
            let mut xm = x.clone();
            xm[idx] -= h;
            let num = (smoothness(&xp).0[0] - smoothness(&xm).0[0]) / (2.0 * h);
            assert!((num - g[idx]).abs() < 1e-3, "{idx:?}: {num} vs {}", g[idx]);
        }
        assert!(v[0] > 0.0);
        assert_eq!(smoothness(&Array4::from_elem((1, 3, 4, 4), 0.3)).0[0], 0.0);
    }

    #[test]
    fn correlation_is_pearsons() {
        assert!((correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((correlation(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(correlation(&[1.0, 1.0], &[1.0, 2.0]), 0.0);
    }

    fn base() -> InversionConfig {
        InversionConfig { steps: 200, lr: 0.01, tv: 2.0, l2: 0.0, stop_at: 1.0 }
    }

    #[test]
    fn refusals() {
        for (c, says) in [
            (InversionConfig { steps: 0, ..base() }, "steps"),
            (InversionConfig { lr: f32::NAN, ..base() }, "lr"),
            (InversionConfig { tv: -1.0, ..base() }, "tv"),
            (InversionConfig { stop_at: 1.5, ..base() }, "stop_at"),
        ] {
            assert!(c.check().unwrap_err().to_string().contains(says));
        }
        assert!(Inverter::new(&base(), &[10], 10, (3, 32, 32)).unwrap_err().to_string().contains("0–9"));
        assert!(Inverter::new(&base(), &[], 10, (3, 32, 32)).is_err());
    }
}
