//! Carlini & Wagner L2 (Carlini & Wagner, "Towards Evaluating the Robustness of Neural
//! Networks", IEEE S&P 2017, <https://arxiv.org/abs/1608.04644>): minimise
//! ‖x' − x‖² + c · max(margin(x'), −κ) over x' = (tanh w + 1)/2 with Adam, and binary-search the
//! constant c per image. Returns the smallest-L2 adversarial found (or `x` when none was).

use super::{check_count, check_pos, goal_margin, Adversarial, Goal};
use crate::error::{Error, Result};
use crate::model::{argmax_rows, Differentiable};
use crate::tensor::Batch;
use ndarray::{Array2, Array4, Axis};

/// C&W parameters.
#[derive(Clone, Debug)]
pub struct CwParams {
    /// Confidence κ ≥ 0 (logit margin beyond the boundary).
    pub confidence: f32,
    /// Starting constant c.
    pub initial_const: f32,
    /// Binary-search rounds over c.
    pub search_steps: usize,
    /// Adam iterations per round.
    pub steps: usize,
    /// Adam learning rate in w space.
    pub lr: f32,
}

impl Default for CwParams {
    fn default() -> Self {
        CwParams { confidence: 0.0, initial_const: 0.1, search_steps: 6, steps: 50, lr: 0.01 }
    }
}

/// The attack, with checked parameters.
pub struct CarliniWagner(CwParams);

impl CarliniWagner {
    /// Checks the parameters.
    pub fn new(p: CwParams) -> Result<Self> {
        if !(p.confidence.is_finite() && p.confidence >= 0.0) {
            return Err(Error::InvalidArgument(format!("confidence must be ≥ 0, got {}", p.confidence)));
        }
        check_pos("initial_const", p.initial_const, 1e6)?;
        check_count("search_steps", p.search_steps, 50)?;
        check_count("steps", p.steps, 10_000)?;
        check_pos("lr", p.lr, 10.0)?;
        Ok(CarliniWagner(p))
    }

    /// Run the attack; `queries` counts gradient evaluations.
    pub fn generate(&self, model: &dyn Differentiable, x: &Batch, goal: &Goal) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let p = &self.0;
        let n = x.len();
        let x0 = x.view().to_owned();
        let labels = goal.labels().to_vec();
        let targeted = goal.targeted();
        let atanh = |v: f32| {
            let t = (2.0 * v - 1.0).clamp(-0.999_999, 0.999_999);
            0.5 * ((1.0 + t) / (1.0 - t)).ln()
        };
        let w0 = x0.mapv(atanh);
        let mut c = vec![p.initial_const; n];
        let (mut lo, mut hi) = (vec![0.0f32; n], vec![f32::INFINITY; n]);
        let mut best_l2 = vec![f32::INFINITY; n];
        let mut best = x0.clone();
        let mut queries = 0u64;
        for _ in 0..p.search_steps {
            let mut w = w0.clone();
            let (mut m, mut v) = (Array4::<f32>::zeros(w.raw_dim()), Array4::<f32>::zeros(w.raw_dim()));
            let mut success = vec![false; n];
            for t in 1..=p.steps {
                let adv = w.mapv(|v| (v.tanh() + 1.0) / 2.0);
                let cc = c.clone();
                let lab = labels.clone();
                let kappa = p.confidence;
                let seed = move |l: &Array2<f32>| {
                    let mut g = Array2::<f32>::zeros(l.raw_dim());
                    for i in 0..l.nrows() {
                        let row = l.row(i);
                        let y = lab[i];
                        if goal_margin(row, y, targeted) > -kappa {
                            let j = row.iter().enumerate().filter(|(j, _)| *j != y).fold((0, f32::NEG_INFINITY), |b, (j, &v)| if v > b.1 { (j, v) } else { b }).0;
                            let s = if targeted { -1.0 } else { 1.0 };
                            g[[i, y]] = s * cc[i];
                            g[[i, j]] = -s * cc[i];
                        }
                    }
                    g
                };
                let (logits, gm) = model.logits_and_vjp(&Batch::new(adv.clone())?, &seed)?;
                queries += 1;
                let pred = argmax_rows(&logits);
                for i in 0..n {
                    let ok = goal.met(i, pred[i]) && goal_margin(logits.row(i), labels[i], targeted) <= -p.confidence + 1e-6;
                    if ok {
                        success[i] = true;
                        let d = &adv.index_axis(Axis(0), i) - &x0.index_axis(Axis(0), i);
                        let l2 = d.iter().map(|v| v * v).sum::<f32>().sqrt();
                        if l2 < best_l2[i] {
                            best_l2[i] = l2;
                            best.index_axis_mut(Axis(0), i).assign(&adv.index_axis(Axis(0), i));
                        }
                    }
                }
                // d/dw [‖adv − x‖² + c·f] = (2(adv − x) + c∇f) · (1 − tanh²w)/2
                let mut grad = (&adv - &x0) * 2.0 + gm;
                grad.zip_mut_with(&w, |g, &wv| {
                    let th = wv.tanh();
                    *g *= (1.0 - th * th) / 2.0
                });
                let (b1, b2) = (0.9f32, 0.999f32);
                let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
                ndarray::Zip::from(&mut w).and(&grad).and(&mut m).and(&mut v).for_each(|w, &g, m, v| {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *w -= p.lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
                });
            }
            for i in 0..n {
                if success[i] {
                    hi[i] = hi[i].min(c[i]);
                    c[i] = (lo[i] + hi[i]) / 2.0;
                } else {
                    lo[i] = lo[i].max(c[i]);
                    c[i] = if hi[i].is_finite() { (lo[i] + hi[i]) / 2.0 } else { c[i] * 10.0 };
                }
            }
        }
        Ok(Adversarial { x: Batch::new(best.mapv(|v| v.clamp(0.0, 1.0)))?, queries: vec![queries; n] })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::model::Classifier;

    #[test]
    fn finds_small_adversarials_on_a_linear_model() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 3);
        let a = CarliniWagner::new(CwParams { steps: 60, ..Default::default() }).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone())).unwrap();
        let pred = m.predict(&a.x).unwrap();
        let broken = pred.iter().zip(&y).filter(|(p, y)| p != y).count();
        assert!(broken >= 2, "C&W broke {broken} of 3");
        assert!(a.x.view().iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
