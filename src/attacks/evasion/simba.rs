//! SimBA, pixel basis (Guo, Gardner, You, Wilson & Weinberger, "Simple Black-box Adversarial
//! Attacks", ICML 2019, <https://arxiv.org/abs/1905.07121>): walk the pixels in a random order;
//! for each, try −ε then +ε and keep the change if the probability of the true class drops (of
//! the target rises). Each value moves at most once, so ‖δ‖∞ ≤ ε.

use super::{check_count, check_pos, Adversarial, Goal};
use crate::error::Result;
use crate::model::{argmax_rows, softmax, Classifier};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array4, Axis};

/// SimBA parameters.
#[derive(Clone, Debug)]
pub struct SimbaParams {
    /// Step ε per value (also the L∞ budget).
    pub eps: f32,
    /// Query budget per image.
    pub max_queries: usize,
}

impl Default for SimbaParams {
    fn default() -> Self {
        SimbaParams { eps: 8.0 / 255.0, max_queries: 1000 }
    }
}

/// The attack, with checked parameters.
pub struct Simba(SimbaParams);

impl Simba {
    /// Checks 0 < ε ≤ 1 and 1 ≤ queries ≤ 100 000.
    pub fn new(p: SimbaParams) -> Result<Self> {
        check_pos("eps", p.eps, 1.0)?;
        check_count("max_queries", p.max_queries, 100_000)?;
        Ok(Simba(p))
    }

    /// Run the attack.
    pub fn generate(&self, model: &dyn Classifier, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let p = &self.0;
        let (n, c, h, w) = x.dim();
        let d = c * h * w;
        let labels = goal.labels();
        let sgn = if goal.targeted() { -1.0 } else { 1.0 }; // minimise sgn·p_label
        let mut cur = x.view().to_owned();
        let probs = softmax(&model.logits(x)?);
        let mut score: Vec<f32> = (0..n).map(|i| sgn * probs[[i, labels[i]]]).collect();
        let mut done: Vec<bool> = argmax_rows(&probs).iter().enumerate().map(|(i, &pr)| goal.met(i, pr)).collect();
        let mut queries = vec![1u64; n];
        let orders: Vec<Vec<usize>> = (0..n)
            .map(|_| {
                let mut o: Vec<usize> = (0..d).collect();
                for k in (1..d).rev() {
                    o.swap(k, rng.below(k + 1));
                }
                o
            })
            .collect();
        let mut pos = vec![0usize; n];
        loop {
            let active: Vec<usize> = (0..n).filter(|&i| !done[i] && pos[i] < d && queries[i] < p.max_queries as u64).collect();
            if active.is_empty() {
                break;
            }
            let mut improved = vec![false; active.len()];
            for dir in [-1.0f32, 1.0] {
                let todo: Vec<usize> = (0..active.len()).filter(|&a| !improved[a] && queries[active[a]] < p.max_queries as u64).collect();
                if todo.is_empty() {
                    continue;
                }
                let mut cand = Array4::<f32>::zeros((todo.len(), c, h, w));
                for (r, &a) in todo.iter().enumerate() {
                    let i = active[a];
                    let mut im = cur.index_axis(Axis(0), i).to_owned();
                    let q = orders[i][pos[i]];
                    let (ch, rest) = (q / (h * w), q % (h * w));
                    let v = &mut im[[ch, rest / w, rest % w]];
                    *v = (*v + dir * p.eps).clamp(0.0, 1.0);
                    cand.index_axis_mut(Axis(0), r).assign(&im);
                }
                let pr = softmax(&model.logits(&Batch::new(cand.clone())?)?);
                let pred = argmax_rows(&pr);
                for (r, &a) in todo.iter().enumerate() {
                    let i = active[a];
                    queries[i] += 1;
                    let s = sgn * pr[[r, labels[i]]];
                    if s < score[i] {
                        score[i] = s;
                        improved[a] = true;
                        cur.index_axis_mut(Axis(0), i).assign(&cand.index_axis(Axis(0), r));
                        done[i] = goal.met(i, pred[r]);
                    }
                }
            }
            for &i in &active {
                pos[i] += 1;
            }
        }
        Ok(Adversarial { x: Batch::new(cur)?, queries })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;

    #[test]
    fn lowers_the_true_class_probability_within_budget() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 2);
        let a = Simba::new(SimbaParams { eps: 0.05, max_queries: 200 }).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(2)).unwrap();
        assert!(a.queries.iter().all(|&q| q <= 200));
        let p0 = softmax(&m.logits(&x).unwrap());
        let p1 = softmax(&m.logits(&a.x).unwrap());
        for i in 0..2 {
            assert!(p1[[i, y[i]]] < p0[[i, y[i]]]);
        }
        let dd = a.x.view().to_owned() - x.view();
        assert!(dd.iter().all(|v| v.abs() <= 0.05 + 1e-6));
    }
}
