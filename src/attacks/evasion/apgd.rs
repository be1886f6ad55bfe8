//! Auto-PGD with the cross-entropy loss (Croce & Hein, "Reliable evaluation of adversarial
//! robustness with an ensemble of diverse parameter-free attacks", ICML 2020,
//! <https://arxiv.org/abs/2003.01690>): PGD with momentum (α = 0.75) and a step size that starts
//! at 2ε and halves at checkpoints when the loss oscillates (fewer than ρ = 75% of the steps
//! since the last checkpoint increased it) or stalled after the last reduction; on a halving the
//! iterate restarts from the best point so far. No step size to tune.

use super::pgd::{random_start, record};
use super::{ce_ascent, check_count, check_pos, sign, Adversarial, Goal};
use crate::error::Result;
use crate::loss::cross_entropy;
use crate::model::{argmax_rows, Differentiable};
use crate::rng::Rng;
use crate::tensor::{project, Batch, Norm};
use ndarray::{Array4, Axis};

/// APGD parameters.
#[derive(Clone, Debug)]
pub struct ApgdParams {
    /// Budget ε.
    pub eps: f32,
    /// Iterations (100 in the paper).
    pub steps: usize,
    /// Norm of the ball.
    pub norm: Norm,
}

impl Default for ApgdParams {
    fn default() -> Self {
        ApgdParams { eps: 8.0 / 255.0, steps: 100, norm: Norm::Linf }
    }
}

/// The attack, with checked parameters.
pub struct Apgd(ApgdParams);

impl Apgd {
    /// Checks ε > 0 and 1 ≤ steps ≤ 10 000.
    pub fn new(p: ApgdParams) -> Result<Self> {
        check_pos("eps", p.eps, if p.norm == Norm::Linf { 1.0 } else { 64.0 })?;
        check_count("steps", p.steps, 10_000)?;
        Ok(Apgd(p))
    }

    /// Run APGD-CE.
    pub fn generate(&self, model: &dyn Differentiable, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let p = &self.0;
        let n = x.len();
        let x0 = x.view().to_owned();
        let labels = goal.labels().to_vec();
        let sgn = if goal.targeted() { -1.0 } else { 1.0 };
        let objective = |l: &ndarray::Array2<f32>| -> Vec<f32> { cross_entropy(l, &labels).0.into_iter().map(|v| sgn * v).collect() };

        let mut adv = x0.clone();
        random_start(&mut adv, p.eps, p.norm, rng);
        project(&mut adv, x0.view(), p.eps, p.norm);
        let (logits, mut grad) = ce_ascent(model, &adv, goal)?;
        let mut loss_best = objective(&logits);
        let mut x_best = adv.clone();
        let mut grad_best = grad.clone();
        let mut found: Option<Array4<f32>> = None;
        let mut done = vec![false; n];
        record(&mut found, &mut done, &adv, &argmax_rows(&logits), goal);

        let mut eta = vec![2.0 * p.eps; n];
        let mut prev = adv.clone();
        let mut k = ((0.22 * p.steps as f32).ceil() as usize).max(1);
        let k_min = ((0.06 * p.steps as f32).ceil() as usize).max(1);
        let k_decr = ((0.03 * p.steps as f32).ceil() as usize).max(1);
        let mut since_check = 0usize;
        let mut increases = vec![0usize; n];
        let mut last_loss = loss_best.clone();
        let mut best_at_check = loss_best.clone();
        let mut reduced_at_check = vec![true; n];

        for it in 0..p.steps {
            let a = if it == 0 { 1.0 } else { 0.75 };
            let momentum = &adv - &prev;
            prev = adv.clone();
            let mut z = adv.clone();
            for (i, mut im) in z.outer_iter_mut().enumerate() {
                let gi = grad.index_axis(Axis(0), i);
                match p.norm {
                    Norm::Linf => im.zip_mut_with(&gi, |v, &g| *v += eta[i] * sign(g)),
                    Norm::L2 => {
                        let len = gi.iter().map(|v| v * v).sum::<f32>().sqrt();
                        let s = if len > 0.0 { eta[i] / len } else { 0.0 };
                        im.zip_mut_with(&gi, |v, &g| *v += s * g);
                    }
                }
            }
            project(&mut z, x0.view(), p.eps, p.norm);
            let mut next = &adv + &((&z - &adv) * a) + &(&momentum * (1.0 - a));
            project(&mut next, x0.view(), p.eps, p.norm);
            adv = next;
            let (logits, g) = ce_ascent(model, &adv, goal)?;
            grad = g;
            record(&mut found, &mut done, &adv, &argmax_rows(&logits), goal);
            let loss = objective(&logits);
            for i in 0..n {
                if loss[i] > last_loss[i] {
                    increases[i] += 1;
                }
                last_loss[i] = loss[i];
                if loss[i] > loss_best[i] {
                    loss_best[i] = loss[i];
                    x_best.index_axis_mut(Axis(0), i).assign(&adv.index_axis(Axis(0), i));
                    grad_best.index_axis_mut(Axis(0), i).assign(&grad.index_axis(Axis(0), i));
                }
            }
            since_check += 1;
            if since_check == k {
                for i in 0..n {
                    let oscillates = (increases[i] as f32) < 0.75 * k as f32;
                    let stalled = !reduced_at_check[i] && best_at_check[i] >= loss_best[i];
                    let halve = oscillates || stalled;
                    reduced_at_check[i] = halve;
                    best_at_check[i] = loss_best[i];
                    increases[i] = 0;
                    if halve {
                        eta[i] /= 2.0;
                        adv.index_axis_mut(Axis(0), i).assign(&x_best.index_axis(Axis(0), i));
                        grad.index_axis_mut(Axis(0), i).assign(&grad_best.index_axis(Axis(0), i));
                    }
                }
                since_check = 0;
                k = k.saturating_sub(k_decr).max(k_min);
            }
        }
        // Images never broken return their highest-loss point.
        let mut out = x_best;
        if let Some(f) = found {
            for i in 0..n {
                if done[i] {
                    out.index_axis_mut(Axis(0), i).assign(&f.index_axis(Axis(0), i));
                }
            }
        }
        Ok(Adversarial { x: Batch::new(out)?, queries: vec![p.steps as u64 + 1; n] })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::loss::cross_entropy;
    use crate::model::Classifier;

    #[test]
    fn raises_the_loss_within_budget() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 4);
        let eps = 1.0 / 255.0;
        let a = Apgd::new(ApgdParams { eps, steps: 20, norm: Norm::Linf }).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(1)).unwrap();
        let d = a.x.view().to_owned() - x.view();
        assert!(d.iter().all(|v| v.abs() <= eps + 1e-6));
        let before: f32 = cross_entropy(&m.logits(&x).unwrap(), &y).0.iter().sum();
        let after: f32 = cross_entropy(&m.logits(&a.x).unwrap(), &y).0.iter().sum();
        assert!(after > before);
    }
}
