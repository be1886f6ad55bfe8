//! Membership inference against the committed CIFAR-10 model (trained on all 50,000 training
//! images, with augmentation): members are training images, non-members test images, and the
//! attacker sees the model only through an output policy of the mock API ([`Policy`], the same
//! code the API answers with). The attack is the confidence threshold of Yeom et al. on what the
//! policy shows: φ = ln p_y − ln(1 − p_y) of the true class where probabilities are answered (a
//! class outside the top k reads as p 0), and the gap attack (1 if the label is right) where only
//! a label is; an abstention scores ½. No shadows: a ResNet-9 a shadow is beyond this machine.

use super::report::{AttackReport, CommittedReport, Curve};
use crate::api::policy::{Policy, Postprocessor};
use crate::model::Classifier;
use crate::privacy::membership::roc;
use crate::rng::Rng;
use crate::tensor::Batch;
use crate::{Error, Result};

/// Images a forward pass.
const BATCH: usize = 250;

fn probabilities(model: &dyn Classifier, x: &Batch) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(x.len());
    for start in (0..x.len()).step_by(BATCH) {
        let p = model.probabilities(&x.slice(start, (start + BATCH).min(x.len()))?)?;
        out.extend(p.rows().into_iter().map(|r| r.to_vec()));
    }
    Ok(out)
}

/// The attack's score of one answer for true class `y`.
fn score(policy: &Policy, probs: &[f32], y: usize, rng: &mut Rng) -> f64 {
    let a = policy.answer(probs, rng);
    match (&a.probs, a.label) {
        (Some(p), _) => {
            let py = f64::from(p.get(y).copied().unwrap_or(0.0)).clamp(1e-12, 1.0 - 1e-12);
            py.ln() - (1.0 - py).ln()
        }
        (None, Some(l)) => f64::from(u8::from(l == y)),
        (None, None) => 0.5,
    }
}

/// Every policy in `policies` against `model`: `members`/`nonmembers` with their labels; `delta`
/// for the empirical ε; `seed` for the noise policy's draws.
#[allow(clippy::too_many_arguments)]
pub fn run(model: &dyn Classifier, name: &str, members: &Batch, member_labels: &[usize], nonmembers: &Batch, nonmember_labels: &[usize], policies: &[Policy], delta: f64, seed: u64) -> Result<CommittedReport> {
    if members.len() != member_labels.len() || nonmembers.len() != nonmember_labels.len() || members.is_empty() || nonmembers.is_empty() {
        return Err(Error::InvalidArgument("members and non-members need images and as many labels".into()));
    }
    for p in policies {
        p.check_classes(model.classes())?;
    }
    let pm = probabilities(model, members)?;
    let pn = probabilities(model, nonmembers)?;
    // the label the API gives under `probs` (its argmax: the first on ties)
    let top = |p: &[f32]| p.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0;
    let right = |p: &[Vec<f32>], y: &[usize]| p.iter().zip(y).filter(|(p, &y)| top(p) == y).count() as f64 / y.len() as f64;
    let mut attacks = Vec::new();
    for policy in policies {
        let mut rng = Rng::derive(seed, &format!("privacy/committed/{policy}"));
        let sm: Vec<f64> = pm.iter().zip(member_labels).map(|(p, &y)| score(policy, p, y, &mut rng)).collect();
        let sn: Vec<f64> = pn.iter().zip(nonmember_labels).map(|(p, &y)| score(policy, p, y, &mut rng)).collect();
        let r = roc(&sm, &sn)?;
        attacks.push(AttackReport {
            key: policy.to_string(),
            name: format!("confidence threshold through {policy}"),
            paper: "Yeom et al. 2018".into(),
            auc: r.auc,
            tpr_at_1pct: r.tpr_at(0.01),
            tpr_at_01pct: r.tpr_at(0.001),
            epsilon_lower_bound: r.epsilon_lower_bound(delta, 0.05)?,
            roc: Curve { fpr: r.fpr.clone(), tpr: r.tpr.clone() },
        });
    }
    Ok(CommittedReport { model: name.to_string(), members: members.len(), nonmembers: nonmembers.len(), member_accuracy: right(&pm, member_labels), nonmember_accuracy: right(&pn, nonmember_labels), seed, attacks })
}
