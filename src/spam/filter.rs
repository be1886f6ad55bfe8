//! The spam filters: multinomial naive Bayes, logistic regression and a one-hidden-layer MLP
//! over hashed unigram + bigram features, and their metrics.
//!
//! Written here rather than taken from a crate: the models are a few dozen lines over our
//! sparse vectors, they must run in wasm, and the forensics need their internals (the MLP's
//! hidden layer, per-example losses).

use super::Doc;
use crate::rng::Rng;
use crate::{Error, Result};
use serde::Serialize;

/// Which filter to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Nb,
    Lr,
    Mlp,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nb" | "naive-bayes" | "bayes" => Ok(Kind::Nb),
            "lr" | "logistic" => Ok(Kind::Lr),
            "mlp" => Ok(Kind::Mlp),
            other => Err(Error::InvalidArgument(format!("unknown filter {other:?}: use nb, lr or mlp"))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Kind::Nb => "naive Bayes",
            Kind::Lr => "logistic regression",
            Kind::Mlp => "MLP",
        }
    }
}

/// Multinomial naive Bayes with Laplace smoothing α.
#[derive(Clone, Debug)]
pub struct NaiveBayes {
    /// log P(bucket | spam) − log P(bucket | ham).
    pub log_ratio: Vec<f32>,
    pub log_prior: f32,
}

/// Logistic regression: P(spam) = σ(w·x + b).
#[derive(Clone, Debug)]
pub struct Logistic {
    pub w: Vec<f32>,
    pub b: f32,
}

/// x → ReLU(W₁ᵀx + b₁) → w₂·h + b₂, W₁ stored one row of `hidden` weights per bucket.
#[derive(Clone, Debug)]
pub struct Mlp {
    pub hidden: usize,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: f32,
}

/// A trained filter.
#[derive(Clone, Debug)]
pub enum Filter {
    Nb(NaiveBayes),
    Lr(Logistic),
    Mlp(Mlp),
}

/// Training settings (the defaults are the ones every figure in the README uses).
#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    pub lr: f32,
    pub l2: f32,
    pub hidden: usize,
    pub alpha: f32,
}

impl TrainConfig {
    /// The settings every figure in the README uses: naive Bayes α = 1; logistic regression 20
    /// epochs of SGD from lr 1 (decaying as 1/epoch); the MLP 8 epochs (it exists for its
    /// representation, and is 10× slower per epoch).
    pub fn for_kind(kind: Kind) -> Self {
        match kind {
            Kind::Nb | Kind::Lr => TrainConfig { epochs: 20, lr: 1.0, l2: 1e-6, hidden: 32, alpha: 1.0 },
            Kind::Mlp => TrainConfig { epochs: 8, lr: 0.5, l2: 1e-6, hidden: 32, alpha: 1.0 },
        }
    }
}

/// Train a filter of `kind` on `docs` (each with its training label), seeded by `rng`.
pub fn train(kind: Kind, docs: &[&Doc], dim: u32, cfg: &TrainConfig, rng: &mut Rng) -> Result<Filter> {
    let n_spam = docs.iter().filter(|d| d.label).count();
    if n_spam == 0 || n_spam == docs.len() {
        return Err(Error::InvalidArgument("the training set needs both spam and ham".into()));
    }
    Ok(match kind {
        Kind::Nb => Filter::Nb(train_nb(docs, dim, cfg.alpha)),
        Kind::Lr => Filter::Lr(train_lr(docs, dim, cfg, rng)),
        Kind::Mlp => Filter::Mlp(train_mlp(docs, dim, cfg, rng)),
    })
}

fn train_nb(docs: &[&Doc], dim: u32, alpha: f32) -> NaiveBayes {
    let d = dim as usize;
    let mut counts = [vec![0f64; d], vec![0f64; d]];
    let mut totals = [0f64; 2];
    let mut docs_per = [0f64; 2];
    for doc in docs {
        let c = doc.label as usize;
        docs_per[c] += 1.0;
        for (&i, &v) in doc.counts.idx.iter().zip(&doc.counts.val) {
            if let Some(slot) = counts[c].get_mut(i as usize) {
                *slot += v as f64;
                totals[c] += v as f64;
            }
        }
    }
    let a = alpha as f64;
    let den = [(totals[0] + a * d as f64).ln(), (totals[1] + a * d as f64).ln()];
    let log_ratio = (0..d)
        .map(|i| (((counts[1][i] + a).ln() - den[1]) - ((counts[0][i] + a).ln() - den[0])) as f32)
        .collect();
    NaiveBayes { log_ratio, log_prior: (docs_per[1] / docs_per[0]).ln() as f32 }
}

fn order(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut o: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut o);
    o
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

fn train_lr(docs: &[&Doc], dim: u32, cfg: &TrainConfig, rng: &mut Rng) -> Logistic {
    let mut m = Logistic { w: vec![0.0; dim as usize], b: 0.0 };
    for epoch in 0..cfg.epochs {
        let lr = cfg.lr / (1.0 + epoch as f32);
        for k in order(docs.len(), rng) {
            let doc = docs[k];
            let g = sigmoid(doc.x.dot(&m.w) + m.b) - doc.label as u8 as f32;
            for (&i, &v) in doc.x.idx.iter().zip(&doc.x.val) {
                if let Some(w) = m.w.get_mut(i as usize) {
                    // L2 applied to the touched weights only (lazy regularisation)
                    *w -= lr * (g * v + cfg.l2 * *w);
                }
            }
            m.b -= lr * g;
        }
    }
    m
}

fn train_mlp(docs: &[&Doc], dim: u32, cfg: &TrainConfig, rng: &mut Rng) -> Mlp {
    let h = cfg.hidden.max(1);
    let mut m = Mlp {
        hidden: h,
        w1: (0..dim as usize * h).map(|_| 0.1 * rng.normal()).collect(),
        b1: vec![0.0; h],
        w2: (0..h).map(|_| rng.normal() / (h as f32).sqrt()).collect(),
        b2: 0.0,
    };
    let mut act = vec![0f32; h];
    let mut dh = vec![0f32; h];
    for epoch in 0..cfg.epochs {
        let lr = cfg.lr / (1.0 + epoch as f32);
        for k in order(docs.len(), rng) {
            let doc = docs[k];
            m.hidden_into(&doc.x, &mut act);
            let z: f32 = act.iter().zip(&m.w2).map(|(a, w)| a * w).sum::<f32>() + m.b2;
            let g = sigmoid(z) - doc.label as u8 as f32;
            for j in 0..h {
                dh[j] = if act[j] > 0.0 { g * m.w2[j] } else { 0.0 };
                m.w2[j] -= lr * g * act[j];
                m.b1[j] -= lr * dh[j];
            }
            m.b2 -= lr * g;
            for (&i, &v) in doc.x.idx.iter().zip(&doc.x.val) {
                let row = i as usize * h;
                if let Some(r) = m.w1.get_mut(row..row + h) {
                    for (w, d) in r.iter_mut().zip(&dh) {
                        *w -= lr * (d * v + cfg.l2 * *w);
                    }
                }
            }
        }
    }
    m
}

impl Mlp {
    fn hidden_into(&self, x: &super::features::Sparse, out: &mut [f32]) {
        out.copy_from_slice(&self.b1);
        for (&i, &v) in x.idx.iter().zip(&x.val) {
            let row = i as usize * self.hidden;
            if let Some(r) = self.w1.get(row..row + self.hidden) {
                for (o, w) in out.iter_mut().zip(r) {
                    *o += w * v;
                }
            }
        }
        for o in out.iter_mut() {
            *o = o.max(0.0);
        }
    }

    /// The hidden layer's activations: the representation the detectors read.
    pub fn representation(&self, doc: &Doc) -> Vec<f32> {
        let mut h = vec![0.0; self.hidden];
        self.hidden_into(&doc.x, &mut h);
        h
    }
}

impl Filter {
    pub fn kind(&self) -> Kind {
        match self {
            Filter::Nb(_) => Kind::Nb,
            Filter::Lr(_) => Kind::Lr,
            Filter::Mlp(_) => Kind::Mlp,
        }
    }

    /// log-odds of spam.
    pub fn logit(&self, doc: &Doc) -> f32 {
        match self {
            Filter::Nb(m) => m.log_prior + doc.counts.idx.iter().zip(&doc.counts.val).map(|(&i, &c)| c * m.log_ratio.get(i as usize).copied().unwrap_or(0.0)).sum::<f32>(),
            Filter::Lr(m) => doc.x.dot(&m.w) + m.b,
            Filter::Mlp(m) => {
                let h = m.representation(doc);
                h.iter().zip(&m.w2).map(|(a, w)| a * w).sum::<f32>() + m.b2
            }
        }
    }

    pub fn is_spam(&self, doc: &Doc) -> bool {
        self.logit(doc) > 0.0
    }

    /// Cross-entropy of the document's training label.
    pub fn loss(&self, doc: &Doc) -> f32 {
        logistic_loss(self.logit(doc), doc.label)
    }
}

/// Cross-entropy of `label` (true: spam) for log-odds `z`: log(1 + e^{−s}), s = ±z, computed stably.
pub fn logistic_loss(z: f32, label: bool) -> f32 {
    let s = if label { z } else { -z };
    if s > 0.0 {
        (-s).exp().ln_1p()
    } else {
        -s + s.exp().ln_1p()
    }
}

/// The usual figures, spam as the positive class.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub n: usize,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Ham classified as spam, over all ham.
    pub false_positive_rate: f64,
}

/// Score `filter` on `docs` against each document's *true* class.
pub fn metrics(filter: &Filter, docs: &[&Doc]) -> Metrics {
    let (mut tp, mut fp, mut tn, mut fneg) = (0usize, 0usize, 0usize, 0usize);
    for d in docs {
        match (filter.is_spam(d), d.truth) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fneg += 1,
        }
    }
    let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fneg);
    Metrics {
        n: docs.len(),
        accuracy: div(tp + tn, docs.len()),
        precision,
        recall,
        f1: if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 },
        false_positive_rate: div(fp, fp + tn),
    }
}
