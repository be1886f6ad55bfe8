//! Square Attack, L∞ (Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a
//! query-efficient black-box adversarial attack via random search", ECCV 2020,
//! <https://arxiv.org/abs/1912.00833>): score-based random search. Start from vertical stripes
//! of ±ε; each iteration redraws one random square window (side shrinking on the paper's
//! schedule) to ±ε per channel and keeps it if the margin loss drops. Stops per image at
//! success or when its query budget is spent.

use super::{check_count, check_pos, goal_margin, Adversarial, Goal};
use crate::error::Result;
use crate::model::Classifier;
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array2, Array4, Axis};

/// Square Attack parameters.
#[derive(Clone, Debug)]
pub struct SquareParams {
    /// L∞ budget ε.
    pub eps: f32,
    /// Query budget per image.
    pub max_queries: usize,
    /// Initial fraction of pixels in the square (0.05 in the paper's CIFAR-10 runs).
    pub p_init: f32,
}

impl Default for SquareParams {
    fn default() -> Self {
        SquareParams { eps: 8.0 / 255.0, max_queries: 1000, p_init: 0.05 }
    }
}

/// The attack, with checked parameters.
pub struct Square(SquareParams);

/// The paper's piecewise-constant schedule of the square's area fraction, on a 10 000-query scale.
fn p_at(p_init: f32, it: usize, budget: usize) -> f32 {
    let i = (it as f64 / budget.max(1) as f64 * 10_000.0) as usize;
    let div = match i {
        0..=10 => 1.0,
        11..=50 => 2.0,
        51..=200 => 4.0,
        201..=500 => 8.0,
        501..=1000 => 16.0,
        1001..=2000 => 32.0,
        2001..=4000 => 64.0,
        4001..=6000 => 128.0,
        6001..=8000 => 256.0,
        _ => 512.0,
    };
    p_init / div
}

impl Square {
    /// Checks 0 < ε ≤ 1, 1 ≤ queries ≤ 100 000, 0 < p_init ≤ 1.
    pub fn new(p: SquareParams) -> Result<Self> {
        check_pos("eps", p.eps, 1.0)?;
        check_count("max_queries", p.max_queries, 100_000)?;
        check_pos("p_init", p.p_init, 1.0)?;
        Ok(Square(p))
    }

    /// Run the attack.
    pub fn generate(&self, model: &dyn Classifier, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let p = &self.0;
        let (n, c, h, w) = x.dim();
        let x0 = x.view().to_owned();
        let labels = goal.labels();
        let targeted = goal.targeted();
        let margins = |l: &Array2<f32>, idx: &[usize]| -> Vec<f32> { idx.iter().enumerate().map(|(r, &i)| goal_margin(l.row(r), labels[i], targeted)).collect() };
        // vertical stripes: one ±ε per (image, channel, column)
        let mut best = x0.clone();
        for i in 0..n {
            for ch in 0..c {
                for col in 0..w {
                    let s = if rng.uniform() < 0.5 { -p.eps } else { p.eps };
                    for row in 0..h {
                        best[[i, ch, row, col]] = (x0[[i, ch, row, col]] + s).clamp(0.0, 1.0);
                    }
                }
            }
        }
        let all: Vec<usize> = (0..n).collect();
        let mut margin = margins(&model.logits(&Batch::new(best.clone())?)?, &all);
        let mut queries = vec![1u64; n];
        for it in 0..p.max_queries.saturating_sub(1) {
            let active: Vec<usize> = (0..n).filter(|&i| margin[i] > 0.0).collect();
            if active.is_empty() {
                break;
            }
            let frac = p_at(p.p_init, it, p.max_queries);
            let s = ((frac * (h * w) as f32).sqrt().round() as usize).clamp(1, h.min(w) - 1);
            let mut cand = Array4::<f32>::zeros((active.len(), c, h, w));
            for (a, &i) in active.iter().enumerate() {
                let (r0, c0) = (rng.below(h - s + 1), rng.below(w - s + 1));
                let mut im = best.index_axis(Axis(0), i).to_owned();
                for _try in 0..10 {
                    let mut changed = false;
                    for ch in 0..c {
                        let v = if rng.uniform() < 0.5 { -p.eps } else { p.eps };
                        for rr in r0..r0 + s {
                            for cc in c0..c0 + s {
                                let nv = (x0[[i, ch, rr, cc]] + v).clamp(0.0, 1.0);
                                if (nv - im[[ch, rr, cc]]).abs() > 1e-7 {
                                    changed = true;
                                }
                                im[[ch, rr, cc]] = nv;
                            }
                        }
                    }
                    if changed {
                        break; // the paper redraws until the window differs
                    }
                }
                cand.index_axis_mut(Axis(0), a).assign(&im);
            }
            let m = margins(&model.logits(&Batch::new(cand.clone())?)?, &active);
            for (a, &i) in active.iter().enumerate() {
                queries[i] += 1;
                if m[a] < margin[i] {
                    margin[i] = m[a];
                    best.index_axis_mut(Axis(0), i).assign(&cand.index_axis(Axis(0), a));
                }
            }
        }
        Ok(Adversarial { x: Batch::new(best)?, queries })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;

    #[test]
    fn stays_in_budget_and_is_seeded() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 3);
        let atk = Square::new(SquareParams { eps: 4.0 / 255.0, max_queries: 50, p_init: 0.05 }).unwrap();
        let a = atk.generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(5)).unwrap();
        let b = atk.generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(5)).unwrap();
        assert_eq!(a.x, b.x);
        assert!(a.queries.iter().all(|&q| q <= 50));
        let d = a.x.view().to_owned() - x.view();
        assert!(d.iter().all(|v| v.abs() <= 4.0 / 255.0 + 1e-6));
        assert!(Square::new(SquareParams { max_queries: 0, ..Default::default() }).is_err());
    }
}
