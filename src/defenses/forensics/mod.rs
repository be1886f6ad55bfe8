//! Poisoning forensics for the spam pipeline (the seed scenario's answer): distribution tests
//! against the baseline ([`drift`]), performance slices ([`slices`]), the provenance and access
//! log ([`audit`]), and detectors on a learned representation — spectral signatures
//! ([`spectral`]), activation clustering ([`clustering`]) — and a loss-based outlier score
//! ([`outliers`]). [`investigate`] runs them all and flags the records that at least two of the
//! five signals point at; [`remediate`] removes them and retrains.

pub mod audit;
pub mod clustering;
pub mod drift;
pub mod linalg;
pub mod outliers;
pub mod slices;
pub mod spectral;

use crate::spam::filter::{Filter, Kind, TrainConfig};
use crate::spam::Lab;
use crate::Result;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Precision and recall of a flagged set against the true poison.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Score {
    pub flagged: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
}

pub fn score(lab: &Lab, flagged: &[u32]) -> Score {
    let poison: HashSet<u32> = lab.train_ids().into_iter().filter(|&i| lab.docs[i as usize].meta.poison).collect();
    let tp = flagged.iter().filter(|i| poison.contains(i)).count();
    Score {
        flagged: flagged.len(),
        true_positives: tp,
        precision: if flagged.is_empty() { 0.0 } else { tp as f64 / flagged.len() as f64 },
        recall: if poison.is_empty() { 0.0 } else { tp as f64 / poison.len() as f64 },
    }
}

/// One detector's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Detector {
    pub name: &'static str,
    pub flagged: Vec<u32>,
    pub score: Score,
    pub note: String,
}

/// A flagged cell tied to the provenance log: how many of its records that carry the cell's
/// anomalous tokens came from an unexpected uploader or hour.
#[derive(Clone, Debug, Serialize)]
pub struct Tie {
    pub cell: String,
    pub tokens: Vec<String>,
    pub records: usize,
    pub unexpected_uploads: usize,
    pub uploaders: Vec<String>,
}

/// Everything the investigation found.
#[derive(Clone, Debug, Serialize)]
pub struct Investigation {
    pub seed: u64,
    pub drift: Vec<drift::Cell>,
    pub slices: Vec<slices::Slice>,
    pub audit: audit::Audit,
    pub ties: Vec<Tie>,
    pub detectors: Vec<Detector>,
    /// Records at least two signals flag.
    pub flagged: Vec<u32>,
    pub score: Score,
}

/// Run every check on the lab's current training data; `kind` is the filter in production.
pub fn investigate(lab: &mut Lab, kind: Kind, seed: u64) -> Result<Investigation> {
    let train = lab.train_ids();
    let latest = train.iter().map(|&i| lab.docs[i as usize].meta.batch).max().unwrap_or(0);
    let current = lab.train(kind, seed)?;
    let prev_ids: Vec<u32> = train.iter().copied().filter(|&i| lab.docs[i as usize].meta.batch < latest).collect();
    let previous = lab.train_on(&prev_ids, kind, &TrainConfig::for_kind(kind), seed)?;
    let base_ids: Vec<u32> = train.iter().copied().filter(|&i| lab.docs[i as usize].meta.batch == 0).collect();
    let baseline = lab.train_on(&base_ids, Kind::Lr, &TrainConfig::for_kind(Kind::Lr), seed)?;

    let cells = drift::drift(lab);
    let mut suspicious: Vec<String> = Vec::new();
    for c in cells.iter().filter(|c| c.flagged) {
        for t in c.anomalous.iter().take(5) {
            if !suspicious.contains(t) {
                suspicious.push(t.clone());
            }
        }
    }
    suspicious.truncate(15);
    let slices = slices::slices(lab, &previous, &current, &suspicious, seed);
    let audit = audit::audit(lab);

    let mut detectors = Vec::new();
    let drift_flag = drift::flagged_records(lab, &cells);
    detectors.push(Detector { name: "distribution tests", score: score(lab, &drift_flag), note: format!("records in a flagged batch × source cell carrying one of its anomalous tokens ({} cells flagged)", cells.iter().filter(|c| c.flagged).count()), flagged: drift_flag });
    let mut prov: Vec<u32> = audit.findings.iter().map(|f| f.record).collect();
    prov.sort_unstable();
    prov.dedup();
    detectors.push(Detector { name: "provenance", score: score(lab, &prov), note: "unregistered uploader or out-of-hours upload".into(), flagged: prov });

    let mut ties = Vec::new();
    for c in cells.iter().filter(|c| c.flagged && c.batch.is_some() && c.source.is_some()) {
        let recs = drift::flagged_records(lab, std::slice::from_ref(c));
        let mut ups: Vec<String> = audit.findings.iter().filter(|f| recs.contains(&f.record)).map(|f| f.uploader.clone()).collect();
        let unexpected = ups.len();
        ups.sort();
        ups.dedup();
        ties.push(Tie { cell: c.scope.clone(), tokens: c.anomalous.iter().take(8).cloned().collect(), records: recs.len(), unexpected_uploads: unexpected, uploaders: ups });
    }

    let mlp = lab.train(Kind::Mlp, seed)?;
    let (mut spec, mut ac, mut ac_sizes) = (Vec::new(), Vec::new(), Vec::new());
    if let Filter::Mlp(m) = &mlp {
        for label in [false, true] {
            // the recent records of this label, whitened by the trusted baseline's covariance
            let ids: Vec<u32> = train.iter().copied().filter(|&i| lab.docs[i as usize].label == label && lab.docs[i as usize].meta.batch > 0).collect();
            let base: Vec<Vec<f32>> = train.iter().filter(|&&i| lab.docs[i as usize].label == label && lab.docs[i as usize].meta.batch == 0).map(|&i| m.representation(&lab.docs[i as usize])).collect();
            let reps: Vec<Vec<f32>> = ids.iter().map(|&i| m.representation(&lab.docs[i as usize])).collect();
            let reps = linalg::whiten(&reps, &base);
            let base = linalg::whiten(&base, &base);
            spec.extend(spectral::flag(&reps, &base).into_iter().map(|k| ids[k]));
            let (members, rel) = clustering::flag(&reps, seed);
            ac_sizes.push(format!("{}: smaller cluster {:.1}%", if label { "spam" } else { "ham" }, 100.0 * rel));
            ac.extend(members.into_iter().map(|k| ids[k]));
        }
    }
    spec.sort_unstable();
    ac.sort_unstable();
    detectors.push(Detector { name: "spectral signatures", score: score(lab, &spec), note: "top direction of the MLP's hidden layer (recent records, whitened by the baseline), per label; above the baseline's 99.9th percentile".into(), flagged: spec });
    detectors.push(Detector { name: "activation clustering", score: score(lab, &ac), note: format!("2-means on 10 principal components of the whitened hidden layer, per label ({})", ac_sizes.join(", ")), flagged: ac });
    let losses = outliers::scores(lab, &baseline);
    let lo = outliers::flag(&losses);
    detectors.push(Detector { name: "loss outliers", score: score(lab, &lo), note: "loss under a filter trained on the baseline only above ln 20".into(), flagged: lo });

    let mut votes: BTreeMap<u32, usize> = BTreeMap::new();
    for d in &detectors {
        for &i in &d.flagged {
            *votes.entry(i).or_insert(0) += 1;
        }
    }
    let flagged: Vec<u32> = votes.into_iter().filter(|&(_, v)| v >= 2).map(|(i, _)| i).collect();
    Ok(Investigation { seed, score: score(lab, &flagged), drift: cells, slices, audit, ties, detectors, flagged })
}

/// Before and after removing the flagged records.
#[derive(Clone, Debug, Serialize)]
pub struct Remediation {
    pub removed: usize,
    pub removed_poison: usize,
    pub accuracy_before: f64,
    pub accuracy_after: f64,
    pub asr_before: f64,
    pub asr_after: f64,
}

/// Remove `flagged` from training, retrain `kind`, and measure accuracy and the trigger's ASR.
pub fn remediate(lab: &mut Lab, kind: Kind, flagged: &[u32], trigger: &str, reps: usize, seed: u64) -> Result<Remediation> {
    let before = lab.train(kind, seed)?;
    let accuracy_before = lab.evaluate(&before).accuracy;
    let asr_before = lab.pass_rate(&before, trigger, reps, seed)?;
    let mut removed_poison = 0;
    for &i in flagged {
        if let Some(slot) = lab.removed.get_mut(i as usize) {
            *slot = true;
            removed_poison += lab.docs[i as usize].meta.poison as usize;
        }
    }
    let after = lab.train(kind, seed)?;
    Ok(Remediation {
        removed: flagged.len(),
        removed_poison,
        accuracy_before,
        accuracy_after: lab.evaluate(&after).accuracy,
        asr_before,
        asr_after: lab.pass_rate(&after, trigger, reps, seed)?,
    })
}
