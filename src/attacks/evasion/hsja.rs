//! HopSkipJumpAttack, L2 (Chen, Jordan & Wainwright, "HopSkipJumpAttack: A Query-Efficient
//! Decision-Based Attack", IEEE S&P 2020, <https://arxiv.org/abs/1904.02144>): uses only the
//! predicted label. Start from a random adversarial image, binary-search to the decision
//! boundary, estimate the boundary's normal from the signs of random probes (Monte Carlo with
//! a baseline), take a geometric-search step along it, and search back to the boundary; the
//! distance to `x` shrinks each round. Stops per image when its query budget is spent.

use super::{check_count, Adversarial, Goal};
use crate::error::Result;
use crate::model::{argmax_rows, Classifier};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array3, Array4, Axis};

/// HopSkipJump parameters.
#[derive(Clone, Debug)]
pub struct HsjaParams {
    /// Query budget per image.
    pub max_queries: usize,
    /// Probes of the first gradient estimate (grows as √t, capped at 10×).
    pub init_evals: usize,
}

impl Default for HsjaParams {
    fn default() -> Self {
        HsjaParams { max_queries: 2000, init_evals: 100 }
    }
}

/// The attack, with checked parameters.
pub struct HopSkipJump(HsjaParams);

struct Oracle<'a> {
    model: &'a dyn Classifier,
    goal: &'a Goal,
    i: usize,
    used: u64,
    budget: u64,
}

impl Oracle<'_> {
    fn left(&self) -> u64 {
        self.budget.saturating_sub(self.used)
    }
    /// Whether each image meets the goal; `None` once the budget cannot pay for all of them.
    fn ask(&mut self, xs: &[Array3<f32>]) -> Result<Option<Vec<bool>>> {
        if xs.is_empty() || (xs.len() as u64) > self.left() {
            return Ok(None);
        }
        let (c, h, w) = xs[0].dim();
        let mut b = Array4::<f32>::zeros((xs.len(), c, h, w));
        for (k, x) in xs.iter().enumerate() {
            b.index_axis_mut(Axis(0), k).assign(x);
        }
        self.used += xs.len() as u64;
        let pred = argmax_rows(&self.model.logits(&Batch::new(b)?)?);
        Ok(Some(pred.into_iter().map(|p| self.goal.met(self.i, p)).collect()))
    }
    fn one(&mut self, x: &Array3<f32>) -> Result<Option<bool>> {
        Ok(self.ask(std::slice::from_ref(x))?.map(|v| v[0]))
    }
}

fn l2(a: &Array3<f32>) -> f32 {
    a.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// Binary search on the segment x → adv for the boundary; returns a point on the adversarial side.
fn to_boundary(o: &mut Oracle, x: &Array3<f32>, adv: &Array3<f32>, theta: f32) -> Result<Array3<f32>> {
    let (mut lo, mut hi) = (0.0f32, 1.0f32);
    while hi - lo > theta {
        let mid = (lo + hi) / 2.0;
        let p = x + &((adv - x) * mid);
        match o.one(&p)? {
            Some(true) => hi = mid,
            Some(false) => lo = mid,
            None => break,
        }
    }
    Ok(x + &((adv - x) * hi))
}

impl HopSkipJump {
    /// Checks 10 ≤ queries ≤ 100 000 and 1 ≤ init_evals ≤ 1000.
    pub fn new(p: HsjaParams) -> Result<Self> {
        check_count("max_queries", p.max_queries, 100_000)?;
        check_count("init_evals", p.init_evals, 1000)?;
        if p.max_queries < 10 {
            return Err(crate::Error::InvalidArgument("HopSkipJump needs at least 10 queries".into()));
        }
        Ok(HopSkipJump(p))
    }

    /// Run the attack image by image.
    pub fn generate(&self, model: &dyn Classifier, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let (n, c, h, w) = x.dim();
        let d = (c * h * w) as f32;
        let theta = 1.0 / (d * d.sqrt()); // the paper's γ/d^{3/2} with γ = 1
        let mut out = x.view().to_owned();
        let mut queries = vec![0u64; n];
        for i in 0..n {
            let xi = x.view().index_axis(Axis(0), i).to_owned();
            let mut o = Oracle { model, goal, i, used: 0, budget: self.0.max_queries as u64 };
            if o.one(&xi)? == Some(true) {
                queries[i] = o.used;
                continue; // already meets the goal
            }
            // random uniform images until one meets the goal
            let mut start = None;
            for _ in 0..100 {
                let r = Array3::from_shape_simple_fn((c, h, w), || rng.uniform());
                match o.one(&r)? {
                    Some(true) => {
                        start = Some(r);
                        break;
                    }
                    Some(false) => {}
                    None => break,
                }
            }
            let Some(start) = start else {
                queries[i] = o.used;
                continue;
            };
            let mut adv = to_boundary(&mut o, &xi, &start, theta)?;
            let mut dist = l2(&(&adv - &xi));
            let mut t = 1usize;
            while o.left() > 2 && dist > 0.0 {
                let delta = if t == 1 { 0.1 } else { d.sqrt() * theta * dist };
                let evals = ((self.0.init_evals as f32 * (t as f32).sqrt()) as usize).min(self.0.init_evals * 10).min(o.left() as usize / 2).max(1);
                let mut dirs = Vec::with_capacity(evals);
                let mut probes = Vec::with_capacity(evals);
                for _ in 0..evals {
                    let u = Array3::from_shape_simple_fn((c, h, w), || rng.normal());
                    let u = &u / l2(&u).max(1e-12);
                    probes.push((&adv + &(&u * delta)).mapv(|v| v.clamp(0.0, 1.0)));
                    dirs.push(u);
                }
                let Some(signs) = o.ask(&probes)? else { break };
                let phi: Vec<f32> = signs.iter().map(|&s| if s { 1.0 } else { -1.0 }).collect();
                let mean = phi.iter().sum::<f32>() / phi.len() as f32;
                let mut grad = Array3::<f32>::zeros((c, h, w));
                for (u, &f) in dirs.iter().zip(&phi) {
                    let wgt = if mean.abs() == 1.0 { f } else { f - mean };
                    grad.scaled_add(wgt / phi.len() as f32, u);
                }
                let gn = l2(&grad);
                if gn == 0.0 {
                    break;
                }
                grad /= gn;
                // geometric step-size search
                let mut eps = dist / (t as f32).sqrt();
                let mut moved = None;
                for _ in 0..25 {
                    let cand = (&adv + &(&grad * eps)).mapv(|v| v.clamp(0.0, 1.0));
                    match o.one(&cand)? {
                        Some(true) => {
                            moved = Some(cand);
                            break;
                        }
                        Some(false) => eps /= 2.0,
                        None => break,
                    }
                }
                let Some(cand) = moved else { break };
                let next = to_boundary(&mut o, &xi, &cand, theta)?;
                let nd = l2(&(&next - &xi));
                if nd < dist {
                    adv = next;
                    dist = nd;
                }
                t += 1;
            }
            out.index_axis_mut(Axis(0), i).assign(&adv.mapv(|v| v.clamp(0.0, 1.0)));
            queries[i] = o.used;
        }
        Ok(Adversarial { x: Batch::new(out)?, queries })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::model::Classifier;

    #[test]
    fn finds_adversarials_within_budget_and_shrinks_distance() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 2);
        let a = HopSkipJump::new(HsjaParams { max_queries: 400, init_evals: 20 }).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone()), &mut Rng::seeded(4)).unwrap();
        assert!(a.queries.iter().all(|&q| q <= 400), "{:?}", a.queries);
        let pred = m.predict(&a.x).unwrap();
        for i in 0..2 {
            assert_ne!(pred[i], y[i]);
        }
    }
}
