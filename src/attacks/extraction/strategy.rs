//! What the attacker sends: the four query strategies and the rounds they run in.

use super::{label_gradient, Stealer, IMAGE};
use crate::data::cifar::{CHANNELS, SIDE};
use crate::error::{Error, Result};
use crate::model::{softmax, Classifier};
use crate::rng::Rng;
use crate::tensor::Batch;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Uniform noise images.
    Noise,
    /// Natural images from the attacker's pool; once every pool image is sent, views of them
    /// (flipped and shifted copies, and mixtures of two: see [`view`]).
    Natural,
    /// Jacobian-based dataset augmentation (Papernot, McDaniel, Goodfellow, Jha, Celik & Swami,
    /// "Practical Black-Box Attacks against Machine Learning", AsiaCCS 2017): a small seed set,
    /// then each round steps every collected image by λ·sign(∂F_y/∂x) of the surrogate, y being
    /// the victim's label, with the step's sign flipped every τ = 3 rounds (the paper's periodic
    /// step size).
    Jacobian,
    /// Uncertainty sampling (KnockoffNets-style adaptive selection, Orekondy, Schiele & Fritz,
    /// CVPR 2019): after a random first round, the pool images (then views) on which the
    /// surrogate's prediction has the highest entropy.
    Adaptive,
}

impl Strategy {
    pub fn parse(s: &str) -> Result<Strategy> {
        match s.trim() {
            "noise" => Ok(Strategy::Noise),
            "natural" => Ok(Strategy::Natural),
            "jacobian" => Ok(Strategy::Jacobian),
            "adaptive" => Ok(Strategy::Adaptive),
            other => Err(Error::InvalidArgument(format!("unknown strategy {other:?}: use noise, natural, jacobian or adaptive"))),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Noise => "noise",
            Strategy::Natural => "natural",
            Strategy::Jacobian => "jacobian",
            Strategy::Adaptive => "adaptive",
        }
    }
}

/// Which pool images have been sent, in the attacker's (seeded) order.
pub(super) struct Plan {
    order: Option<Vec<usize>>,
    cursor: usize,
    pool_len: usize,
    sent: Vec<bool>,
}

impl Plan {
    pub(super) fn new(pool_len: usize) -> Plan {
        Plan { order: None, cursor: 0, pool_len, sent: vec![false; pool_len] }
    }

    fn order(&mut self, rng: &mut Rng) -> &[usize] {
        if self.order.is_none() {
            let mut o: Vec<usize> = (0..self.pool_len).collect();
            rng.shuffle(&mut o);
            self.order = Some(o);
        }
        self.order.as_deref().unwrap_or(&[])
    }

    /// Up to `k` pool images not sent yet, in order.
    fn take(&mut self, rng: &mut Rng, k: usize) -> Vec<usize> {
        let cursor = self.cursor;
        let got: Vec<usize> = self.order(rng).iter().skip(cursor).take(k).copied().collect();
        self.cursor += got.len();
        for &i in &got {
            self.sent[i] = true;
        }
        got
    }
}

/// Round ends in queries: a seed set doubling each round for Jacobian augmentation; a
/// 1–2–5 series (from a fiftieth of the budget, at least 50) for the others; always ending at
/// the budget.
pub(super) fn checkpoints(cfg: &super::StealConfig) -> Vec<usize> {
    let b = cfg.budget;
    let mut v = Vec::new();
    if cfg.strategy == Strategy::Jacobian {
        let mut s = cfg.seed_set.min(b);
        while s < b {
            v.push(s);
            s *= 2;
        }
    } else {
        let low = (b / 50).max(50);
        let mut decade = 1usize;
        'outer: loop {
            for m in [1, 2, 5] {
                let c = m * decade;
                if c >= b {
                    break 'outer;
                }
                if c >= low {
                    v.push(c);
                }
            }
            decade *= 10;
        }
    }
    v.push(b);
    v
}

/// A flipped (half the time) and shifted (up to 4 pixels each way, edges repeated) copy of a
/// CHW image: the attacker's cheap way to get more natural queries than its pool holds.
pub fn augment(src: &[f32], rng: &mut Rng) -> Vec<f32> {
    augment_by(src, rng, 4)
}

/// [`augment`] with shifts of up to `max_shift` pixels.
pub fn augment_by(src: &[f32], rng: &mut Rng, max_shift: usize) -> Vec<f32> {
    let flip = rng.uniform() < 0.5;
    let dy = rng.below(2 * max_shift + 1) as i32 - max_shift as i32;
    let dx = rng.below(2 * max_shift + 1) as i32 - max_shift as i32;
    let side = SIDE as i32;
    let plane = SIDE * SIDE;
    let mut out = vec![0f32; IMAGE];
    for c in 0..CHANNELS {
        for y in 0..side {
            for x in 0..side {
                let sy = (y + dy).clamp(0, side - 1);
                let mut sx = (x + dx).clamp(0, side - 1);
                if flip {
                    sx = side - 1 - sx;
                }
                out[c * plane + (y * side + x) as usize] = src[c * plane + (sy * side + sx) as usize];
            }
        }
    }
    out
}

/// A new query made from the pool once every pool image has been sent: with probability
/// `mix` a mixture λ·a + (1 − λ)·b of two images (λ uniform in [0.2, 0.8]; each flipped and
/// shifted first), otherwise a flipped and shifted copy of one ([`augment`]). The
/// victim's answer on a mixture says where its decision boundary runs between two natural
/// images — more than a second look at either of them does (the idea behind mixup-style
/// extraction queries).
pub fn view(pool: &Batch, rng: &mut Rng, mix: f32) -> Result<Vec<f32>> {
    let a = augment(pool_image(pool, rng.below(pool.len()))?, rng);
    // one draw whatever `mix` is, so runs at the default 0.5 draw exactly as before the option
    if rng.uniform() >= mix {
        return Ok(a);
    }
    let b = augment(pool_image(pool, rng.below(pool.len()))?, rng);
    let lambda = 0.2 + 0.6 * rng.uniform();
    Ok(a.iter().zip(&b).map(|(x, y)| lambda * x + (1.0 - lambda) * y).collect())
}

fn pool_image(pool: &Batch, i: usize) -> Result<&[f32]> {
    pool.view().to_slice().and_then(|s| s.get(i * IMAGE..(i + 1) * IMAGE)).ok_or_else(|| Error::Shape("the attacker's pool is not a contiguous batch".into()))
}

/// Queries for the next round, `want` of them (fewer only when a strategy runs out).
pub(super) fn next(st: &mut Stealer, pool: &Batch, want: usize) -> Result<Vec<f32>> {
    if want == 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(want * IMAGE);
    match st.config.strategy {
        Strategy::Noise => out.extend((0..want * IMAGE).map(|_| st.rng.uniform())),
        Strategy::Natural => {
            if pool.is_empty() {
                return Err(Error::InvalidArgument("the natural strategy needs a pool of images".into()));
            }
            for i in st.plan.take(&mut st.rng, want) {
                out.extend_from_slice(pool_image(pool, i)?);
            }
            while out.len() < want * IMAGE {
                let v = view(pool, &mut st.rng, st.config.mix)?;
                out.extend(v);
            }
        }
        Strategy::Adaptive => {
            if pool.is_empty() {
                return Err(Error::InvalidArgument("the adaptive strategy needs a pool of images".into()));
            }
            if st.round == 0 {
                for i in st.plan.take(&mut st.rng, want) {
                    out.extend_from_slice(pool_image(pool, i)?);
                }
            }
            let missing = want - out.len() / IMAGE;
            if missing > 0 {
                // candidates: every unsent pool image, topped up with views to 3× what is needed
                let mut cand: Vec<f32> = Vec::new();
                let mut from_pool = Vec::new();
                for (i, &sent) in st.plan.sent.iter().enumerate() {
                    if !sent {
                        cand.extend_from_slice(pool_image(pool, i)?);
                        from_pool.push(Some(i));
                    }
                }
                while from_pool.len() < 3 * missing {
                    cand.extend(view(pool, &mut st.rng, st.config.mix)?);
                    from_pool.push(None);
                }
                let n = from_pool.len();
                let p = softmax(&st.net.logits(&crate::data::cifar::images(&cand, n)?)?);
                let entropy: Vec<f32> = p.rows().into_iter().map(|r| -r.iter().map(|&v| if v > 0.0 { v * v.ln() } else { 0.0 }).sum::<f32>()).collect();
                let mut idx: Vec<usize> = (0..n).collect();
                idx.sort_by(|&a, &b| entropy[b].total_cmp(&entropy[a]).then(a.cmp(&b)));
                for &k in idx.iter().take(missing) {
                    if let Some(i) = from_pool[k] {
                        st.plan.sent[i] = true;
                    }
                    out.extend_from_slice(&cand[k * IMAGE..(k + 1) * IMAGE]);
                }
            }
        }
        Strategy::Jacobian => {
            if st.round == 0 {
                if pool.is_empty() {
                    return Err(Error::InvalidArgument("Jacobian augmentation needs a pool to draw its seed set from".into()));
                }
                for i in st.plan.take(&mut st.rng, want) {
                    out.extend_from_slice(pool_image(pool, i)?);
                }
            } else {
                let n = st.samples();
                if n == 0 {
                    return Ok(Vec::new());
                }
                // step every collected image (a random subset when the budget is short)
                let mut pick: Vec<usize> = (0..n).collect();
                st.rng.shuffle(&mut pick);
                pick.truncate(want);
                pick.sort_unstable();
                let sign = if ((st.round - 1) / 3).is_multiple_of(2) { 1.0 } else { -1.0 };
                let lambda = sign * st.config.lambda;
                for chunk in pick.chunks(64) {
                    let mut x = Vec::with_capacity(chunk.len() * IMAGE);
                    let mut y = Vec::with_capacity(chunk.len());
                    for &i in chunk {
                        x.extend_from_slice(&st.xs[i * IMAGE..(i + 1) * IMAGE]);
                        let t = &st.ys[i * st.classes..(i + 1) * st.classes];
                        y.push(t.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (j, &v)| if v > bv { (j, v) } else { (bi, bv) }).0);
                    }
                    let g = label_gradient(&st.net, &crate::data::cifar::images(&x, chunk.len())?, &y)?;
                    for (v, d) in x.iter_mut().zip(g.iter()) {
                        *v = (*v + lambda * d.signum() * (*d != 0.0) as u8 as f32).clamp(0.0, 1.0);
                    }
                    out.extend(x);
                }
            }
        }
    }
    Ok(out)
}
