//! DeepFool (Moosavi-Dezfooli, Fawzi & Frossard, "DeepFool: a simple and accurate method to
//! fool deep neural networks", CVPR 2016, <https://arxiv.org/abs/1511.04599>): linearise the
//! model around the current point, step to the nearest linearised class boundary (L2), repeat
//! until the label changes; overshoot the total perturbation by (1 + η). Untargeted only.

use super::{check_count, Adversarial, Goal};
use crate::error::{Error, Result};
use crate::model::{argmax_rows, Differentiable};
use crate::tensor::Batch;
use ndarray::{Array2, Array4, Axis};

/// DeepFool parameters.
#[derive(Clone, Debug)]
pub struct DeepFoolParams {
    /// Maximum linearisation steps.
    pub steps: usize,
    /// Overshoot η ≥ 0.
    pub overshoot: f32,
}

impl Default for DeepFoolParams {
    fn default() -> Self {
        DeepFoolParams { steps: 50, overshoot: 0.02 }
    }
}

/// The attack, with checked parameters.
pub struct DeepFool(DeepFoolParams);

impl DeepFool {
    /// Checks 1 ≤ steps ≤ 1000 and 0 ≤ overshoot ≤ 10.
    pub fn new(p: DeepFoolParams) -> Result<Self> {
        check_count("steps", p.steps, 1000)?;
        if !(0.0..=10.0).contains(&p.overshoot) {
            return Err(Error::InvalidArgument(format!("overshoot must be in [0, 10], got {}", p.overshoot)));
        }
        Ok(DeepFool(p))
    }

    /// Run DeepFool; each step costs one gradient per class.
    pub fn generate(&self, model: &dyn Differentiable, x: &Batch, goal: &Goal) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        if goal.targeted() {
            return Err(Error::InvalidArgument("DeepFool is untargeted; choose PGD or C&W for a target class".into()));
        }
        let n = x.len();
        let k = model.classes();
        let x0 = x.view().to_owned();
        let start = argmax_rows(&model.logits(x)?);
        let mut r_tot = Array4::<f32>::zeros(x0.raw_dim());
        let mut active: Vec<usize> = (0..n).filter(|&i| !goal.met(i, start[i])).collect();
        let mut queries = vec![1u64; n];
        let over = 1.0 + self.0.overshoot;
        for _ in 0..self.0.steps {
            if active.is_empty() {
                break;
            }
            let cur = Array4::from_shape_fn((active.len(), x0.dim().1, x0.dim().2, x0.dim().3), |(a, c, h, w)| {
                let i = active[a];
                (x0[[i, c, h, w]] + over * r_tot[[i, c, h, w]]).clamp(0.0, 1.0)
            });
            let batch = Batch::new(cur)?;
            let orig: Vec<usize> = active.iter().map(|&i| start[i]).collect();
            // ∇(z_j − z_orig) for every class j, one backward pass per class.
            let mut grads = Vec::with_capacity(k);
            let mut logits = Array2::zeros((active.len(), k));
            for j in 0..k {
                let o = orig.clone();
                let (l, g) = model.logits_and_vjp(&batch, &move |l: &Array2<f32>| {
                    let mut s = Array2::<f32>::zeros(l.raw_dim());
                    for (r, &oi) in o.iter().enumerate() {
                        if j != oi {
                            s[[r, j]] = 1.0;
                            s[[r, oi]] = -1.0;
                        }
                    }
                    s
                })?;
                logits = l;
                grads.push(g);
            }
            for &i in &active {
                queries[i] += k as u64;
            }
            let pred = argmax_rows(&logits);
            let mut still = Vec::new();
            for (a, &i) in active.iter().enumerate() {
                if pred[a] != start[i] {
                    continue; // label changed: done
                }
                let o = start[i];
                let (mut best, mut bj) = (f32::INFINITY, usize::MAX);
                for j in (0..k).filter(|&j| j != o) {
                    let wn = grads[j].index_axis(Axis(0), a).iter().map(|v| v * v).sum::<f32>().sqrt();
                    let f = (logits[[a, j]] - logits[[a, o]]).abs();
                    let d = f / (wn + 1e-8);
                    if d < best {
                        best = d;
                        bj = j;
                    }
                }
                if bj == usize::MAX {
                    continue;
                }
                let w = grads[bj].index_axis(Axis(0), a);
                let wn2 = w.iter().map(|v| v * v).sum::<f32>() + 1e-8;
                let f = (logits[[a, bj]] - logits[[a, o]]).abs();
                let s = (f + 1e-4) / wn2;
                r_tot.index_axis_mut(Axis(0), i).scaled_add(s, &w);
                still.push(i);
            }
            active = still;
        }
        let mut adv = &x0 + &(&r_tot * over);
        adv.mapv_inplace(|v| v.clamp(0.0, 1.0));
        Ok(Adversarial { x: Batch::new(adv)?, queries })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::model::Classifier;

    #[test]
    fn crosses_a_linear_boundary() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 3);
        let a = DeepFool::new(DeepFoolParams::default()).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone())).unwrap();
        let pred = m.predict(&a.x).unwrap();
        assert!(pred.iter().zip(&y).all(|(p, y)| p != y), "{pred:?} vs {y:?}");
        assert!(DeepFool::new(DeepFoolParams::default()).unwrap().generate(&m, &x, &Goal::Targeted(y)).is_err());
    }
}
