//! What the privacy lab reports: the page shows it and `mlsec privacy --json` prints it.

use super::params::{InvertParams, Params};
use crate::privacy::membership::EpsilonBound;
use serde::Serialize;

/// The victim and how much it overfits.
#[derive(Clone, Debug, Serialize)]
pub struct VictimReport {
    /// "logistic regression" or "DP-SGD logistic regression".
    pub model: String,
    pub members: usize,
    pub nonmembers: usize,
    /// Accuracy on its own training records and on the held-out ones.
    pub member_accuracy: f64,
    pub nonmember_accuracy: f64,
    /// The accountant's ε at `delta` (DP-SGD only), its RDP order and steps.
    pub epsilon: Option<f64>,
    pub order: Option<f64>,
    pub steps: Option<u64>,
}

/// An ROC curve: every point (at most members + non-members + 1).
#[derive(Clone, Debug, Serialize)]
pub struct Curve {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
}

/// One attack's result.
#[derive(Clone, Debug, Serialize)]
pub struct AttackReport {
    /// `loss`, `lira_online` or `lira_offline`.
    pub key: String,
    pub name: String,
    pub paper: String,
    pub auc: f64,
    /// TPR at FPR ≤ 1% and ≤ 0.1%.
    pub tpr_at_1pct: f64,
    pub tpr_at_01pct: f64,
    /// The DP audit's empirical lower bound on ε from this attack (95%, Clopper–Pearson).
    pub epsilon_lower_bound: EpsilonBound,
    pub roc: Curve,
}

/// A member the strongest attack is surest of.
#[derive(Clone, Debug, Serialize)]
pub struct Exposed {
    pub id: u32,
    pub subject: String,
    pub label: &'static str,
    /// LiRA's (online) score: the log-likelihood ratio, member vs not.
    pub score: f64,
    /// The victim's loss on it.
    pub loss: f64,
}

/// The DP audit: the largest empirical lower bound over the attacks against the accountant.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub accountant_epsilon: f64,
    pub empirical_epsilon: f64,
    /// The attack that gave it.
    pub by: String,
    /// empirical ≤ accountant: false would mean a bug in DP-SGD or the accountant.
    pub holds: bool,
}

/// Every record's score under every attack (higher: more likely a member), for a check by other
/// tools (`mlsec privacy --scores FILE`); left out of the JSON report.
#[derive(Clone, Debug, Default)]
pub struct Scores {
    /// Record ids in the corpus, members first.
    pub ids: Vec<u32>,
    pub member: Vec<bool>,
    /// (attack key, one score a record), in the report's attack order.
    pub by_attack: Vec<(String, Vec<f64>)>,
}

impl Scores {
    /// `id,member,<key>…` with one row a record; member is 1 or 0; scores in Rust's shortest
    /// round-trip form (a reader gets the same f64; ±inf as `inf`/`-inf`).
    pub fn csv(&self) -> String {
        let mut out = String::from("id,member");
        for (k, _) in &self.by_attack {
            out.push(',');
            out.push_str(k);
        }
        out.push('\n');
        for (i, (&id, &m)) in self.ids.iter().zip(&self.member).enumerate() {
            out.push_str(&format!("{id},{}", u8::from(m)));
            for (_, s) in &self.by_attack {
                out.push_str(&format!(",{}", s[i]));
            }
            out.push('\n');
        }
        out
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct PrivacyReport {
    pub params: Params,
    pub seed: u64,
    pub victim: VictimReport,
    /// Yeom et al.'s global threshold (loss ≤ the mean training loss): its one operating point.
    pub global_threshold: (f64, f64),
    pub attacks: Vec<AttackReport>,
    pub exposed: Vec<Exposed>,
    pub audit: Option<Audit>,
    pub shadows: usize,
    #[serde(skip)]
    pub scores: Scores,
}

/// One class's reconstruction.
#[derive(Clone, Debug, Serialize)]
pub struct InvertedClass {
    pub class: usize,
    pub name: String,
    /// The model's probability of `class` on the reconstruction.
    pub probability: f64,
    /// Descent steps it took.
    pub steps: usize,
    /// Mean squared difference of neighbouring pixels (lower: smoother).
    pub smoothness: f64,
    /// Pearson correlation with the mean reference image of its class.
    pub mean_correlation: f64,
    /// The class whose mean reference image it correlates with most.
    pub nearest_mean: String,
}

/// A model inversion run (`mlsec invert --json`; the page shows it beside the images).
#[derive(Clone, Debug, Serialize)]
pub struct InvertReport {
    pub params: InvertParams,
    pub model: String,
    /// Steps run.
    pub steps: usize,
    /// Reference images the class means were taken over.
    pub reference_images: usize,
    /// Reconstructions nearest their own class's mean image.
    pub nearest_own_mean: usize,
    pub classes: Vec<InvertedClass>,
}

/// Membership inference against the committed image model through the API's output policies
/// (`mlsec mia --victim committed --json`).
#[derive(Clone, Debug, Serialize)]
pub struct CommittedReport {
    pub model: String,
    /// Training images (members) and test images (non-members) scored.
    pub members: usize,
    pub nonmembers: usize,
    /// Top-1 accuracy on each.
    pub member_accuracy: f64,
    pub nonmember_accuracy: f64,
    pub seed: u64,
    /// One a policy (`key` is the policy, e.g. `topk:1`).
    pub attacks: Vec<AttackReport>,
}
