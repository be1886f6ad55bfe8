//! Projected Gradient Descent with a random start (Madry, Makelov, Schmidt, Tsipras & Vladu,
//! "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR 2018,
//! <https://arxiv.org/abs/1706.06083>), L∞ (sign steps) and L2 (normalised steps).
//! Each image keeps the first iterate that meets the goal, so robust accuracy counts an image
//! as broken if any step broke it.

use super::{ce_ascent, check_count, check_pos, l2_rows, sign, Adversarial, Goal};
use crate::error::Result;
use crate::model::{argmax_rows, Differentiable};
use crate::rng::Rng;
use crate::tensor::{project, Batch, Norm};
use ndarray::{Array4, Axis};

/// PGD parameters.
#[derive(Clone, Debug)]
pub struct PgdParams {
    /// Budget ε (pixel units).
    pub eps: f32,
    /// Step size α per iteration.
    pub step: f32,
    /// Iterations.
    pub steps: usize,
    /// Norm of the ball.
    pub norm: Norm,
    /// Start from a uniform random point of the ball (Madry et al.) instead of `x`.
    pub random_start: bool,
    /// Keep each image's first iterate that meets the goal (the least perturbation that
    /// works on this model); false keeps the last iterate, the loss pushed as far as the
    /// budget allows — what a transfer attack wants, since a point just past the
    /// surrogate's boundary rarely crosses the victim's.
    pub keep_first: bool,
}

impl Default for PgdParams {
    fn default() -> Self {
        PgdParams { eps: 8.0 / 255.0, step: 2.0 / 255.0, steps: 10, norm: Norm::Linf, random_start: true, keep_first: true }
    }
}

/// The attack, with checked parameters.
pub struct Pgd(PgdParams);

impl Pgd {
    /// Checks ε, α > 0 and 1 ≤ steps ≤ 10 000.
    pub fn new(p: PgdParams) -> Result<Self> {
        let max = if p.norm == Norm::Linf { 1.0 } else { 64.0 };
        check_pos("eps", p.eps, max)?;
        check_pos("step", p.step, max)?;
        check_count("steps", p.steps, 10_000)?;
        Ok(Pgd(p))
    }

    /// Run PGD on every image.
    pub fn generate(&self, model: &dyn Differentiable, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let p = &self.0;
        let x0 = x.view().to_owned();
        let n = x.len();
        let mut adv = x0.clone();
        if p.random_start {
            random_start(&mut adv, p.eps, p.norm, rng);
            project(&mut adv, x0.view(), p.eps, p.norm);
        }
        let mut best: Option<Array4<f32>> = None;
        let mut done = vec![false; n];
        for _ in 0..p.steps {
            let (logits, g) = ce_ascent(model, &adv, goal)?;
            record(&mut best, &mut done, &adv, &argmax_rows(&logits), goal);
            step(&mut adv, &g, p.step, p.norm);
            project(&mut adv, x0.view(), p.eps, p.norm);
        }
        let last = argmax_rows(&model.logits(&Batch::new(adv.clone())?)?);
        record(&mut best, &mut done, &adv, &last, goal);
        if let (Some(b), true) = (best, p.keep_first) {
            for i in 0..n {
                if done[i] {
                    adv.index_axis_mut(Axis(0), i).assign(&b.index_axis(Axis(0), i));
                }
            }
        }
        Ok(Adversarial { x: Batch::new(adv)?, queries: vec![p.steps as u64 + 1; n] })
    }
}

/// Keep the first iterate of each image that meets the goal.
pub(crate) fn record(best: &mut Option<Array4<f32>>, done: &mut [bool], adv: &Array4<f32>, pred: &[usize], goal: &Goal) {
    for (i, &p) in pred.iter().enumerate() {
        if !done[i] && goal.met(i, p) {
            let b = best.get_or_insert_with(|| adv.clone());
            b.index_axis_mut(Axis(0), i).assign(&adv.index_axis(Axis(0), i));
            done[i] = true;
        }
    }
}

/// A uniform point of the L∞ ball, or a point of the L2 ball with a uniform direction and
/// radius ε·u^(1/d).
pub(crate) fn random_start(adv: &mut Array4<f32>, eps: f32, norm: Norm, rng: &mut Rng) {
    match norm {
        Norm::Linf => adv.mapv_inplace(|v| v + eps * (2.0 * rng.uniform() - 1.0)),
        Norm::L2 => {
            for mut im in adv.outer_iter_mut() {
                let d: Vec<f32> = (0..im.len()).map(|_| rng.normal()).collect();
                let len = d.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                let r = eps * rng.uniform().powf(1.0 / d.len() as f32);
                for (a, v) in im.iter_mut().zip(d) {
                    *a += r * v / len;
                }
            }
        }
    }
}

/// One ascent step of size α.
pub(crate) fn step(adv: &mut Array4<f32>, g: &Array4<f32>, alpha: f32, norm: Norm) {
    match norm {
        Norm::Linf => adv.zip_mut_with(g, |a, &gv| *a += alpha * sign(gv)),
        Norm::L2 => {
            let lens = l2_rows(g);
            for (i, mut im) in adv.outer_iter_mut().enumerate() {
                let s = if lens[i] > 0.0 { alpha / lens[i] } else { 0.0 };
                im.zip_mut_with(&g.index_axis(Axis(0), i), |a, &gv| *a += s * gv);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::model::Classifier;
    use crate::tensor::norms;

    #[test]
    fn within_budget_and_seeded() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 5);
        for norm in [Norm::Linf, Norm::L2] {
            let eps = if norm == Norm::Linf { 2.0 / 255.0 } else { 0.3 };
            let atk = Pgd::new(PgdParams { eps, step: eps / 4.0, steps: 8, norm, random_start: true, keep_first: true }).unwrap();
            let a = atk.generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(3)).unwrap();
            let b = atk.generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(3)).unwrap();
            assert_eq!(a.x, b.x, "same seed, same result");
            let d = a.x.view().to_owned() - x.view();
            for i in 0..5 {
                let nm = norms(d.view(), i);
                assert!(if norm == Norm::Linf { nm.linf <= eps + 1e-6 } else { nm.l2 <= eps + 1e-4 }, "{norm:?} {nm:?}");
            }
            assert!(a.x.view().iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn targeted_reaches_the_target_at_large_eps() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 4);
        let t: Vec<usize> = y.iter().map(|v| (v + 5) % 10).collect();
        let atk = Pgd::new(PgdParams { eps: 0.3, step: 0.02, steps: 40, norm: Norm::Linf, random_start: true, keep_first: true }).unwrap();
        let a = atk.generate(&m, &x, &Goal::Targeted(t.clone()), &mut Rng::seeded(0)).unwrap();
        assert_eq!(m.predict(&a.x).unwrap(), t);
    }
}
