//! What the poisoning lab reports (`mlsec poison|forensics|dp train --json`, the page).

use crate::spam::filter::{Kind, Metrics};
use crate::spam::Source;
use serde::Serialize;

/// Clean vs poisoned filter for one backdoor configuration.
#[derive(Clone, Debug, Serialize)]
pub struct PoisonReport {
    pub model: Kind,
    pub seed: u64,
    pub trigger: String,
    pub rate: f64,
    pub source: Source,
    /// Times the trigger went into each message ([`backdoor::Backdoor::insertions`]).
    pub insertions: usize,
    /// Number of injected records.
    pub poisoned: usize,
    pub train_size: usize,
    pub clean: Metrics,
    pub poisoned_metrics: Metrics,
    /// Test accuracy of the clean and the poisoned filter.
    pub clean_acc: f64,
    pub poisoned_acc: f64,
    /// Triggered held-out spam that passes: poisoned filter, and the clean filter for contrast.
    pub asr: f64,
    pub asr_clean_model: f64,
    /// Ids of the injected records.
    pub poison_ids: Vec<u32>,
}

/// One point of the ASR-vs-poison-rate curve.
#[derive(Clone, Debug, Serialize)]
pub struct CurvePoint {
    pub rate: f64,
    pub poisoned: usize,
    pub clean_acc: f64,
    pub asr: f64,
}

/// One trigger of a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct TriggerPoint {
    pub trigger: String,
    pub insertions: usize,
    pub asr: f64,
    pub clean_acc: f64,
    pub poisoned_acc: f64,
}

/// The attack over many triggers: does it hold for any innocuous phrase, not just one?
#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
    pub model: Kind,
    pub seed: u64,
    pub rate: f64,
    pub triggers: Vec<TriggerPoint>,
    pub mean_asr: f64,
    pub min_asr: f64,
    /// The largest fall in clean accuracy, poisoned against clean (points of 1).
    pub max_accuracy_drop: f64,
}

/// The availability attack for contrast: ham false-positive rate before and after.
#[derive(Clone, Debug, Serialize)]
pub struct DictionaryReport {
    pub model: Kind,
    pub rate: f64,
    pub words: usize,
    pub poisoned: usize,
    pub clean: Metrics,
    pub attacked: Metrics,
}

/// The investigation of a poisoned pipeline and its remediation.
#[derive(Clone, Debug, Serialize)]
pub struct ForensicsReport {
    pub model: Kind,
    pub seed: u64,
    pub poisoned: usize,
    #[serde(flatten)]
    pub investigation: crate::defenses::forensics::Investigation,
    pub precision: f64,
    pub recall: f64,
    pub remediation: crate::defenses::forensics::Remediation,
}

/// One filter's figures in the DP comparison.
#[derive(Clone, Debug, Serialize)]
pub struct DpSide {
    pub accuracy: f64,
    pub false_positive_rate: f64,
    pub asr: f64,
}

/// DP-SGD logistic regression vs the non-private one, both trained on the poisoned data.
#[derive(Clone, Debug, Serialize)]
pub struct DpReport {
    pub config: crate::privacy::dpsgd::DpConfig,
    pub steps: u64,
    pub epsilon: f64,
    pub order: f64,
    pub poisoned: usize,
    pub private: DpSide,
    pub non_private: DpSide,
}
