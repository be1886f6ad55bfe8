//! Model extraction: steal a prediction API's functionality with queries and a surrogate.
//!
//! The attacker chooses what to send ([`strategy`]: uniform noise, natural images from its own
//! pool, Jacobian-based augmentation from a small seed set — Papernot et al. 2017 — or
//! uncertainty sampling, KnockoffNets-style), turns each answer into a training target (the
//! probabilities when the API returns them, a one-hot label otherwise; an abstention teaches
//! nothing), and trains a small CNN ([`crate::nn::Network::cnn`], batch-normalised or not) with
//! Adam on soft-label cross-entropy, optionally at a distillation temperature. The attack runs in rounds up to its query budget; after each round the
//! surrogate is scored on images the attacker never queried: fidelity (agreement with the
//! victim) and accuracy. [`transfer`] measures what the stolen model is for: adversarial
//! examples crafted on it that also fool the victim.
//!
//! [`Stealer`] keeps the attack's state and exposes its steps (plan queries, record answers,
//! train one epoch, evaluate) so the page can report progress and cancel between them; the
//! round loop that talks to the mock API lives in [`crate::labs::extraction`].

pub mod strategy;
pub mod transfer;

use crate::api::policy::Answer;
use crate::error::{Error, Result};
use crate::model::{softmax, Classifier, Differentiable};
use crate::nn::optim::Adam;
use crate::nn::{CnnSpec, Network};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::{Array2, Array4};
use serde::Serialize;
pub use strategy::Strategy;

/// Values per CIFAR image (3 × 32 × 32).
pub const IMAGE: usize = crate::data::cifar::IMAGE;

/// Most queries an attack may send (each answer keeps its 12 KB image: 1.2 GB at 100,000).
pub const MAX_BUDGET: usize = 100_000;

/// The attack's settings.
#[derive(Clone, Debug, Serialize)]
pub struct StealConfig {
    pub strategy: Strategy,
    /// Queries the attacker may send in all.
    pub budget: usize,
    /// Surrogate architecture name (`cnn-s`, `cnn-m`, `cnn-bn`, `vgg-bn`: [`CnnSpec::named`]).
    pub arch: String,
    /// Training epochs over everything collected, after each round.
    pub epochs: usize,
    /// Adam learning rate.
    pub lr: f32,
    /// Mini-batch size.
    pub batch: usize,
    /// Epochs after the last round, the learning rate decayed to zero ([`Stealer::polish`]).
    pub polish: usize,
    /// Distillation temperature T (Hinton et al. 2015): the surrogate's softmax(z/T) learns
    /// the answer's probabilities raised to 1/T and renormalised — softmax(log p / T), the
    /// victim's logits softened — with the loss scaled by T². At T = 1 that is plain
    /// soft-label cross-entropy; a confident victim (median top-1 probability above 0.999 here)
    /// hides its ranking of the other classes until T > 1. One-hot labels stay one-hot.
    pub temperature: f32,
    /// Decoupled weight decay of the surrogate's Adam (AdamW; 0 = none).
    pub weight_decay: f32,
    /// Of the natural strategy's views (queries made once every pool image is sent), the
    /// fraction that are two-image mixtures rather than flipped and shifted copies
    /// ([`strategy::view`]; 0.5 by default).
    pub mix: f32,
    /// Jacobian augmentation: seed-set size and step λ (pixel units).
    pub seed_set: usize,
    pub lambda: f32,
    pub seed: u64,
    /// Native training threads (0: every core, at most 4). The result does not depend on it.
    #[serde(skip)]
    pub threads: usize,
}

impl StealConfig {
    /// Defaults for `strategy` and `budget`.
    pub fn new(strategy: Strategy, budget: usize, seed: u64) -> StealConfig {
        StealConfig { strategy, budget, arch: "cnn-s".into(), epochs: 6, lr: 2e-3, batch: 64, polish: 0, temperature: 1.0, weight_decay: 0.0, mix: 0.5, seed_set: 150, lambda: 0.1, seed, threads: 0 }
    }

    /// Every setting against its range (a sentence naming the first that is out).
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        if self.budget == 0 || self.budget > MAX_BUDGET {
            return bad("the query budget", "between 1 and 100,000");
        }
        CnnSpec::named(&self.arch, 10)?;
        if self.epochs == 0 || self.epochs > 200 {
            return bad("epochs (per round)", "between 1 and 200");
        }
        if self.polish > 1000 {
            return bad("polish", "between 0 and 1,000 epochs");
        }
        if self.batch == 0 || self.batch > 1024 {
            return bad("the batch", "between 1 and 1,024");
        }
        if !(self.lr > 0.0 && self.lr < 1.0) {
            return bad("lr", "> 0 and < 1");
        }
        if !(self.temperature >= 1.0 && self.temperature <= 20.0) {
            return bad("the distillation temperature", "between 1 and 20");
        }
        if !(0.0..=1.0).contains(&self.weight_decay) {
            return bad("weight decay", "between 0 and 1");
        }
        if !(0.0..=1.0).contains(&self.mix) {
            return bad("the fraction of mixtures", "between 0 and 1");
        }
        if !(self.lambda > 0.0 && self.lambda <= 1.0) || self.seed_set == 0 {
            return Err(Error::InvalidArgument("Jacobian augmentation needs 0 < λ ≤ 1 and a seed set of at least one image".into()));
        }
        Ok(())
    }
}

/// One point of the fidelity/accuracy-vs-queries curve.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// Queries sent so far (answered or not).
    pub queries: usize,
    /// Answers the surrogate learns from (abstentions excluded).
    pub samples: usize,
    pub fidelity: f64,
    pub accuracy: f64,
    /// Mean training loss of the round's last epoch.
    pub loss: f64,
    /// Whether this point follows the final polish.
    pub polished: bool,
}

/// Held-out images the attacker never queries: inputs, true labels, the victim's labels.
pub struct EvalSet {
    pub x: Batch,
    pub labels: Vec<usize>,
    pub victim: Vec<usize>,
}

/// The attack in progress.
pub struct Stealer {
    pub config: StealConfig,
    pub spec: CnnSpec,
    net: Network,
    opt: Adam,
    rng: Rng,
    /// Queried images (CHW, one after the other) and their targets (`classes` values each).
    xs: Vec<f32>,
    ys: Vec<f32>,
    classes: usize,
    /// Round ends, in queries sent.
    checkpoints: Vec<usize>,
    round: usize,
    /// Queries sent so far.
    pub sent: usize,
    plan: strategy::Plan,
    last_loss: f64,
    polished: bool,
    pub curve: Vec<Point>,
}

impl Stealer {
    /// A fresh attack on a victim with `classes` classes, drawing natural images from `pool`.
    pub fn new(config: StealConfig, classes: usize, pool_len: usize) -> Result<Stealer> {
        config.check()?;
        let spec = CnnSpec::named(&config.arch, classes)?;
        let net = Network::cnn(&spec, Rng::derive_seed(config.seed, "extraction/surrogate-init"))?;
        let mut opt = Adam::new(config.lr)?;
        opt.weight_decay = config.weight_decay;
        let checkpoints = strategy::checkpoints(&config);
        let rng = Rng::seeded(config.seed);
        let plan = strategy::Plan::new(pool_len);
        Ok(Stealer { config, spec, net, opt, rng, xs: Vec::new(), ys: Vec::new(), classes, checkpoints, round: 0, sent: 0, plan, last_loss: f64::NAN, polished: false, curve: Vec::new() })
    }

    /// The surrogate as it stands.
    pub fn surrogate(&self) -> &Network {
        &self.net
    }

    /// Where each round ends, in queries.
    pub fn checkpoints(&self) -> &[usize] {
        &self.checkpoints
    }

    /// Whether the budget is spent.
    pub fn done(&self) -> bool {
        self.round >= self.checkpoints.len()
    }

    /// Answers collected.
    pub fn samples(&self) -> usize {
        self.ys.len() / self.classes
    }

    /// The next round's queries (CHW images one after the other; empty when the budget is spent).
    pub fn plan_round(&mut self, pool: &Batch) -> Result<Vec<f32>> {
        let Some(&end) = self.checkpoints.get(self.round) else { return Ok(Vec::new()) };
        let want = end.saturating_sub(self.sent);
        strategy::next(self, pool, want)
    }

    /// Record the answers to `queries` (in order; `None` for a refused call). Refused calls
    /// count against the budget all the same.
    pub fn record(&mut self, queries: &[f32], answers: &[Option<Answer>]) -> Result<()> {
        if queries.len() != answers.len() * IMAGE {
            return Err(Error::Shape(format!("{} answers for {} query values", answers.len(), queries.len())));
        }
        for (i, a) in answers.iter().enumerate() {
            let Some(target) = a.as_ref().and_then(|a| target(a, self.classes)) else { continue };
            self.xs.extend_from_slice(&queries[i * IMAGE..(i + 1) * IMAGE]);
            self.ys.extend(soften(&target, self.config.temperature));
        }
        self.sent += answers.len();
        self.round += 1;
        Ok(())
    }

    /// Stop early (blocked, out of quota): no further rounds.
    pub fn stop(&mut self) {
        self.round = self.checkpoints.len();
    }

    /// One epoch over everything collected, in shuffled mini-batches, each image flipped half
    /// the time and shifted up to 3 pixels (the answers are the victim's on the unshifted
    /// image: a small, label-preserving change); returns the mean loss. `lr_scale` multiplies
    /// the learning rate (the final polish decays it).
    pub fn train_epoch_at(&mut self, lr_scale: f32) -> Result<f64> {
        let n = self.samples();
        if n == 0 {
            return Ok(f64::NAN);
        }
        self.opt.lr = self.config.lr * lr_scale.clamp(0.0, 1.0);
        let mut order: Vec<usize> = (0..n).collect();
        self.rng.shuffle(&mut order);
        let (mut total, mut seen) = (0.0f64, 0usize);
        for chunk in order.chunks(self.config.batch) {
            let b = chunk.len();
            let mut x = Array4::<f32>::zeros((b, crate::data::cifar::CHANNELS, crate::data::cifar::SIDE, crate::data::cifar::SIDE));
            let mut t = Array2::<f32>::zeros((b, self.classes));
            for (r, &i) in chunk.iter().enumerate() {
                let view = strategy::augment_by(&self.xs[i * IMAGE..(i + 1) * IMAGE], &mut self.rng, 3);
                x.slice_mut(ndarray::s![r, .., .., ..]).iter_mut().zip(&view).for_each(|(d, s)| *d = *s);
                t.row_mut(r).assign(&ndarray::ArrayView1::from(&self.ys[i * self.classes..(i + 1) * self.classes]));
            }
            let temp = self.config.temperature;
            let (logits, grads, stats) = gradients(&self.net, &x, &t, temp, self.config.threads)?;
            let p = softmax(&logits.mapv(|z| z / temp));
            for (pr, tr) in p.rows().into_iter().zip(t.rows()) {
                total -= pr.iter().zip(tr).map(|(&p, &t)| if t > 0.0 { t as f64 * (p.max(1e-12) as f64).ln() } else { 0.0 }).sum::<f64>();
            }
            self.opt.step(self.net.params_mut(), &grads)?;
            // BatchNorm running estimates for inference (a split batch's halves pooled)
            self.net.update_running_stats(&stats, 0.1)?;
            seen += b;
        }
        self.last_loss = total / seen as f64;
        Ok(self.last_loss)
    }

    /// [`Stealer::train_epoch_at`] at the configured learning rate.
    pub fn train_epoch(&mut self) -> Result<f64> {
        self.train_epoch_at(1.0)
    }

    /// After the last round: `epochs` more epochs with the learning rate decayed along a
    /// half cosine to zero (what a patient attacker does with the answers it has).
    pub fn polish(&mut self, epochs: usize, progress: &mut dyn FnMut(usize, f64) -> bool) -> Result<()> {
        for e in 0..epochs {
            let loss = self.polish_epoch(e, epochs)?;
            if !progress(e, loss) {
                break;
            }
        }
        Ok(())
    }

    /// Epoch `e` (from 0) of a polish of `epochs`: the learning rate at
    /// ½(1 + cos(π·e/epochs)) of the configured one; the mean loss.
    pub fn polish_epoch(&mut self, e: usize, epochs: usize) -> Result<f64> {
        if e >= epochs {
            return Err(Error::InvalidArgument(format!("polish epoch {e} of {epochs}")));
        }
        self.polished = true;
        let scale = 0.5 * (1.0 + (std::f32::consts::PI * e as f32 / epochs as f32).cos());
        self.train_epoch_at(scale)
    }

    /// Score the surrogate on `eval` and add the point to the curve.
    pub fn evaluate(&mut self, eval: &EvalSet) -> Result<Point> {
        let pred = self.net.predict(&eval.x)?;
        let n = pred.len().max(1) as f64;
        let fidelity = pred.iter().zip(&eval.victim).filter(|(a, b)| a == b).count() as f64 / n;
        let accuracy = pred.iter().zip(&eval.labels).filter(|(a, b)| a == b).count() as f64 / n;
        let p = Point { queries: self.sent, samples: self.samples(), fidelity, accuracy, loss: self.last_loss, polished: self.polished };
        self.curve.push(p.clone());
        Ok(p)
    }
}

type Grads = crate::nn::TrainGradients;

/// Rows per part of a training batch. A batch is cut into parts of this many rows whatever
/// the core count, the parts' gradients summed in part order, so one thread, four, and the
/// page's single worker give the same bits for the same seed. A batch-normalised surrogate is
/// never cut: its statistics are the whole batch's (a cut would change the function, not just
/// the rounding).
const PART: usize = 32;

/// Logits and the parameter gradients of the mean distillation loss T²·CE(t, softmax(z/T))
/// over the batch `x` with (already softened) targets `t`; its gradient in the logits is
/// T·(softmax(z/T) − t). Natively the parts run on up to `threads` threads (0: every core,
/// at most 4); the result does not depend on the thread count.
fn gradients(net: &Network, x: &Array4<f32>, t: &Array2<f32>, temp: f32, threads: usize) -> Result<Grads> {
    let b = x.dim().0;
    // at T = 1 exactly the plain soft-label gradient (softmax − t)/b, else ×(T/b); the two
    // forms round differently, and the README's measured runs used these
    let (bf, k) = (b as f32, temp / b as f32);
    let seed = |lo: usize| move |logits: &Array2<f32>| (&softmax(&logits.mapv(|z| z / temp)) - &t.slice(ndarray::s![lo..lo + logits.nrows(), ..])).mapv(|v| if temp == 1.0 { v / bf } else { v * k });
    let parts: Vec<(usize, usize)> = if net.has_batch_norm() { vec![(0, b)] } else { (0..b).step_by(PART).map(|lo| (lo, (lo + PART).min(b))).collect() };
    let run = |&(lo, hi): &(usize, usize)| -> Result<Grads> {
        if (lo, hi) == (0, b) {
            return net.train_gradients(x, &seed(0));
        }
        net.train_gradients(&x.slice(ndarray::s![lo..hi, .., .., ..]).to_owned(), &seed(lo))
    };
    #[cfg(not(target_arch = "wasm32"))]
    let results: Vec<Result<Grads>> = {
        let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) } else { threads };
        if threads > 1 && parts.len() > 1 {
            // thread j computes parts j, j + threads, …; the results go back in part order
            let mut slots: Vec<Option<Result<Grads>>> = (0..parts.len()).map(|_| None).collect();
            std::thread::scope(|sc| {
                let handles: Vec<_> = (0..threads.min(parts.len()))
                    .map(|j| {
                        let (parts, run) = (&parts, &run);
                        sc.spawn(move || parts.iter().enumerate().skip(j).step_by(threads).map(|(i, p)| (i, run(p))).collect::<Vec<_>>())
                    })
                    .collect();
                for h in handles {
                    match h.join() {
                        Ok(done) => done.into_iter().for_each(|(i, r)| slots[i] = Some(r)),
                        Err(_) => slots.iter_mut().filter(|s| s.is_none()).for_each(|s| *s = Some(Err(Error::Model("a training thread failed".into())))),
                    }
                }
            });
            slots.into_iter().map(|s| s.unwrap_or_else(|| Err(Error::Model("a training thread failed".into())))).collect()
        } else {
            parts.iter().map(run).collect()
        }
    };
    #[cfg(target_arch = "wasm32")]
    let results: Vec<Result<Grads>> = {
        let _ = threads;
        parts.iter().map(run).collect()
    };
    if results.len() == 1 {
        return results.into_iter().next().unwrap_or_else(|| Err(Error::Model("no training part".into())));
    }
    let (mut logits, mut stats, mut sum) = (Vec::new(), Vec::new(), None::<Vec<ndarray::ArrayD<f32>>>);
    for part in results {
        let (l, g, st) = part?;
        logits.push(l);
        stats.extend(st);
        match sum.as_mut() {
            None => sum = Some(g),
            Some(s) => s.iter_mut().zip(&g).for_each(|(a, b)| *a += b),
        }
    }
    let views: Vec<_> = logits.iter().map(|l| l.view()).collect();
    let all = ndarray::concatenate(ndarray::Axis(0), &views).map_err(|e| Error::Shape(e.to_string()))?;
    Ok((all, sum.unwrap_or_default(), stats))
}

/// The training target an answer gives: its probabilities (renormalised: top-k zeroes the
/// rest) or a one-hot label; `None` for an abstention.
pub fn target(a: &Answer, classes: usize) -> Option<Vec<f32>> {
    if let Some(p) = &a.probs {
        let s: f32 = p.iter().sum();
        if p.len() == classes && s > 0.0 && s.is_finite() {
            return Some(p.iter().map(|v| v / s).collect());
        }
    }
    let l = a.label?;
    (l < classes).then(|| (0..classes).map(|c| (c == l) as u8 as f32).collect())
}

/// A target softened to temperature `temp`: p^(1/T), renormalised (= softmax(log p / T)).
/// Zeros stay zero, so a one-hot label is unchanged.
pub fn soften(p: &[f32], temp: f32) -> Vec<f32> {
    if temp == 1.0 {
        return p.to_vec();
    }
    let q: Vec<f32> = p.iter().map(|&v| v.max(0.0).powf(1.0 / temp)).collect();
    let s: f32 = q.iter().sum();
    if s > 0.0 && s.is_finite() {
        q.iter().map(|v| v / s).collect()
    } else {
        p.to_vec()
    }
}

/// The surrogate's gradient of its logit for each image's label (`[N, 3, 32, 32]`), for
/// Jacobian augmentation.
pub(crate) fn label_gradient(net: &Network, x: &Batch, labels: &[usize]) -> Result<Array4<f32>> {
    let labels = labels.to_vec();
    let (_, g) = net.logits_and_vjp(x, &move |l: &Array2<f32>| {
        let mut d = Array2::<f32>::zeros(l.raw_dim());
        for (i, &y) in labels.iter().enumerate().take(l.nrows()) {
            d[[i, y.min(l.ncols() - 1)]] = 1.0;
        }
        d
    })?;
    Ok(g)
}
