//! Distribution tests of the recent training data against the historical baseline: per recent
//! batch, per source, and per batch × source, each label separately. Tokens: a G-test of
//! document frequency against the baseline (same source where the cell has one), with
//! Benjamini–Hochberg q-values, over-represented tokens listed. Numeric features: two-sample
//! Kolmogorov–Smirnov and the population stability index.

use crate::spam::features::NUMERIC;
use crate::spam::{Doc, Lab, Source};
use crate::stats;
use serde::Serialize;
use std::collections::HashMap;

/// A token that is more frequent in the cell than in the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct TokenShift {
    pub token: String,
    /// Documents of the cell / of the baseline that contain it.
    pub cell_docs: usize,
    pub base_docs: usize,
    pub cell_share: f64,
    pub base_share: f64,
    /// cell share over (baseline share + 1/n_baseline).
    pub lift: f64,
    pub g: f64,
    pub p: f64,
    pub q: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NumericShift {
    pub feature: &'static str,
    pub ks_d: f64,
    pub ks_p: f64,
    pub psi: f64,
}

/// One cell of recent data compared with its baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub scope: String,
    pub batch: Option<u8>,
    pub source: Option<Source>,
    /// Label as ingested.
    pub spam: bool,
    pub n: usize,
    pub baseline_n: usize,
    pub tokens_tested: usize,
    /// Over-represented tokens with q < 0.01.
    pub significant: usize,
    pub top: Vec<TokenShift>,
    pub numeric: Vec<NumericShift>,
    /// Tokens with q < 1e-6 and lift ≥ 30: the cell is flagged when there is one.
    pub anomalous: Vec<String>,
    pub flagged: bool,
}

fn doc_freq(docs: &[&Doc]) -> HashMap<u32, usize> {
    let mut df = HashMap::new();
    for d in docs {
        let mut t = d.tokens.clone();
        t.sort_unstable();
        t.dedup();
        for w in t {
            *df.entry(w).or_insert(0) += 1;
        }
    }
    df
}

/// Compare `cell` with `base`.
pub fn compare(lab: &Lab, scope: String, batch: Option<u8>, source: Option<Source>, spam: bool, cell: &[&Doc], base: &[&Doc]) -> Cell {
    let (n1, n2) = (cell.len(), base.len());
    let (dc, db) = (doc_freq(cell), doc_freq(base));
    let min_docs = 5.max(n1 / 50);
    let mut tested: Vec<(u32, usize, usize, f64, f64)> = Vec::new();
    for (&w, &a) in &dc {
        if a < min_docs {
            continue;
        }
        let c = db.get(&w).copied().unwrap_or(0);
        let (g, p) = stats::g_test_2x2(a, n1, c, n2);
        tested.push((w, a, c, g, p));
    }
    let q = stats::benjamini_hochberg(&tested.iter().map(|t| t.4).collect::<Vec<_>>());
    let mut shifts: Vec<TokenShift> = tested
        .iter()
        .zip(&q)
        .filter(|((_, a, c, _, _), _)| *a as f64 / n1.max(1) as f64 > *c as f64 / n2.max(1) as f64)
        .map(|(&(w, a, c, g, p), &q)| {
            let cs = a as f64 / n1.max(1) as f64;
            let bs = c as f64 / n2.max(1) as f64;
            TokenShift { token: lab.vocab.word(w).to_owned(), cell_docs: a, base_docs: c, cell_share: cs, base_share: bs, lift: cs / (bs + 1.0 / n2.max(1) as f64), g, p, q }
        })
        .collect();
    shifts.sort_by(|a, b| b.g.total_cmp(&a.g).then_with(|| a.token.cmp(&b.token)));
    let significant = shifts.iter().filter(|s| s.q < 0.01).count();
    let anomalous: Vec<String> = shifts.iter().filter(|s| s.q < 1e-6 && s.lift >= 30.0).map(|s| s.token.clone()).collect();
    let numeric = (0..NUMERIC.len())
        .map(|k| {
            let a: Vec<f64> = cell.iter().map(|d| d.numeric[k]).collect();
            let b: Vec<f64> = base.iter().map(|d| d.numeric[k]).collect();
            let (ks_d, ks_p) = stats::ks_2samp(&a, &b);
            NumericShift { feature: NUMERIC[k], ks_d, ks_p, psi: stats::psi(&b, &a) }
        })
        .collect();
    shifts.truncate(10);
    Cell { scope, batch, source, spam, n: n1, baseline_n: n2, tokens_tested: tested.len(), significant, top: shifts, numeric, flagged: !anomalous.is_empty(), anomalous }
}

/// Every cell of the current training data's recent batches.
pub fn drift(lab: &Lab) -> Vec<Cell> {
    let train = lab.train_ids();
    let docs = lab.docs_of(&train);
    let batches: Vec<u8> = {
        let mut b: Vec<u8> = docs.iter().map(|d| d.meta.batch).filter(|&b| b > 0).collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    let mut out = Vec::new();
    for spam in [false, true] {
        let label = if spam { "spam" } else { "ham" };
        let base_all: Vec<&Doc> = docs.iter().copied().filter(|d| d.meta.batch == 0 && d.label == spam).collect();
        let base_of = |s: Source| -> Vec<&Doc> { base_all.iter().copied().filter(|d| d.meta.source == s).collect() };
        for &b in &batches {
            let cell: Vec<&Doc> = docs.iter().copied().filter(|d| d.meta.batch == b && d.label == spam).collect();
            if !cell.is_empty() {
                out.push(compare(lab, format!("batch {b} · {label}"), Some(b), None, spam, &cell, &base_all));
            }
        }
        for s in Source::PIPELINE {
            let base = base_of(s);
            if base.is_empty() {
                continue;
            }
            let cell: Vec<&Doc> = docs.iter().copied().filter(|d| d.meta.batch > 0 && d.meta.source == s && d.label == spam).collect();
            if !cell.is_empty() {
                out.push(compare(lab, format!("{} · {label}", s.name()), None, Some(s), spam, &cell, &base));
            }
            for &b in &batches {
                let cell: Vec<&Doc> = docs.iter().copied().filter(|d| d.meta.batch == b && d.meta.source == s && d.label == spam).collect();
                if cell.len() >= 10 {
                    out.push(compare(lab, format!("batch {b} · {} · {label}", s.name()), Some(b), Some(s), spam, &cell, &base));
                }
            }
        }
    }
    out
}

/// Records flagged by the drift tests: in a flagged batch × source cell and containing one of
/// its anomalous tokens.
pub fn flagged_records(lab: &Lab, cells: &[Cell]) -> Vec<u32> {
    let mut out = Vec::new();
    for c in cells.iter().filter(|c| c.flagged && c.batch.is_some() && c.source.is_some()) {
        let toks: Vec<u32> = c.anomalous.iter().filter_map(|w| lab.vocab.id(w)).collect();
        for id in lab.train_ids() {
            let d = &lab.docs[id as usize];
            if Some(d.meta.batch) == c.batch && Some(d.meta.source) == c.source && d.label == c.spam && d.tokens.iter().any(|t| toks.contains(t)) {
                out.push(id);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
