//! Performance slices: the current filter against the previous one (trained before the latest
//! batch) on the held-out test split, per source and per period, and on token-defined slices —
//! held-out spam with a suspicious token inserted three times — where a backdoor shows as a
//! jump in false negatives. A slice is flagged when its false-negative rate rose by 5 points
//! or more with a one-sided two-proportion p < 0.01.

use crate::rng::Rng;
use crate::spam::filter::Filter;
use crate::spam::{insert_phrase, Doc, Lab};
use crate::stats;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Slice {
    pub scope: String,
    pub n: usize,
    pub spam: usize,
    pub previous_accuracy: f64,
    pub current_accuracy: f64,
    pub previous_fnr: f64,
    pub current_fnr: f64,
    pub p: f64,
    pub flagged: bool,
}

fn score(scope: String, docs: &[&Doc], prev: &Filter, cur: &Filter) -> Slice {
    let spam: Vec<&&Doc> = docs.iter().filter(|d| d.truth).collect();
    let acc = |f: &Filter| docs.iter().filter(|d| f.is_spam(d) == d.truth).count() as f64 / docs.len().max(1) as f64;
    let missed = |f: &Filter| spam.iter().filter(|d| !f.is_spam(d)).count();
    let (mp, mc) = (missed(prev), missed(cur));
    let ns = spam.len();
    let fnr = |m: usize| m as f64 / ns.max(1) as f64;
    let p = stats::two_proportion_greater(mc, ns, mp, ns);
    Slice { scope, n: docs.len(), spam: ns, previous_accuracy: acc(prev), current_accuracy: acc(cur), previous_fnr: fnr(mp), current_fnr: fnr(mc), p, flagged: ns > 0 && fnr(mc) - fnr(mp) >= 0.05 && p < 0.01 }
}

/// Natural slices (source, period) and token slices for `tokens`.
pub fn slices(lab: &mut Lab, prev: &Filter, cur: &Filter, tokens: &[String], seed: u64) -> Vec<Slice> {
    let test = lab.test_ids();
    let mut out = Vec::new();
    {
        let docs = lab.docs_of(&test);
        out.push(score("all test".into(), &docs, prev, cur));
        for s in crate::spam::Source::PIPELINE {
            let d: Vec<&Doc> = docs.iter().copied().filter(|d| d.meta.source == s).collect();
            if !d.is_empty() {
                out.push(score(format!("source {}", s.name()), &d, prev, cur));
            }
        }
        for (name, recent) in [("baseline period", false), ("recent period", true)] {
            let d: Vec<&Doc> = docs.iter().copied().filter(|d| (d.meta.batch > 0) == recent).collect();
            out.push(score(name.into(), &d, prev, cur));
        }
    }
    let spam: Vec<u32> = test.into_iter().filter(|&i| lab.docs[i as usize].truth).collect();
    for t in tokens {
        let mut rng = Rng::derive(seed, "forensics/slice-probes");
        let probes: Vec<Doc> = spam
            .iter()
            .map(|&i| {
                let (s, b, h) = {
                    let d = &lab.docs[i as usize];
                    (d.subject.clone(), d.body.clone(), d.html)
                };
                lab.probe(&s, &insert_phrase(&b, t, 3, &mut rng), h, true)
            })
            .collect();
        let refs: Vec<&Doc> = probes.iter().collect();
        out.push(score(format!("test spam + \"{t}\""), &refs, prev, cur));
    }
    out
}
