//! Membership-inference metrics and the DP audit's empirical ε.
//!
//! An attack gives every candidate record a score, higher meaning "more likely a member". From
//! the scores of known members and non-members: the ROC curve, its AUC, and the true-positive
//! rate at a fixed low false-positive rate — the figure Carlini et al. (2022, "Membership
//! Inference Attacks From First Principles") argue for, since an attack that is right about a
//! few records with confidence matters more than one a little better than chance on all.
//!
//! The audit (Jagielski et al. 2020, "Auditing Differentially Private Machine Learning"; Nasr
//! et al. 2021, "Adversary Instantiation"): for an (ε, δ)-DP training run, any membership test
//! has TPR ≤ e^ε·FPR + δ and 1 − FPR ≤ e^ε·(1 − TPR) + δ. With one-sided Clopper–Pearson bounds
//! on the observed rates, each threshold gives a statistically valid lower bound on ε; the
//! report takes the largest over thresholds, which favours the auditor (the bound is chosen on
//! the data it is evaluated on), so a test that this never exceeds the accountant's ε is the
//! stricter for it.

use crate::{Error, Result};
use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF};

/// An ROC curve: `fpr[i]`, `tpr[i]` at the i-th distinct threshold from the highest score down,
/// starting at (0, 0) and ending at (1, 1).
#[derive(Clone, Debug, Serialize)]
pub struct Roc {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    /// Area under the curve (ties count one half: the Mann–Whitney statistic).
    pub auc: f64,
    pub members: usize,
    pub nonmembers: usize,
    /// Members and non-members at or above each point's threshold.
    #[serde(skip)]
    counts: Vec<(usize, usize)>,
}

/// The ROC of an attack from the scores of members and non-members (each non-empty, finite).
pub fn roc(members: &[f64], nonmembers: &[f64]) -> Result<Roc> {
    if members.is_empty() || nonmembers.is_empty() {
        return Err(Error::InvalidArgument("an ROC needs at least one member and one non-member".into()));
    }
    if members.iter().chain(nonmembers).any(|s| !s.is_finite()) {
        return Err(Error::InvalidArgument("an attack score is not finite".into()));
    }
    let mut all: Vec<(f64, bool)> = members.iter().map(|&s| (s, true)).chain(nonmembers.iter().map(|&s| (s, false))).collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (p, n) = (members.len() as f64, nonmembers.len() as f64);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut counts = vec![(0, 0)];
    let mut i = 0;
    while i < all.len() {
        let s = all[i].0;
        while i < all.len() && all[i].0 == s {
            if all[i].1 { tp += 1 } else { fp += 1 }
            i += 1;
        }
        counts.push((tp, fp));
    }
    let fpr: Vec<f64> = counts.iter().map(|&(_, f)| f as f64 / n).collect();
    let tpr: Vec<f64> = counts.iter().map(|&(t, _)| t as f64 / p).collect();
    let auc = (1..fpr.len()).map(|k| (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2.0).sum();
    Ok(Roc { fpr, tpr, auc, members: members.len(), nonmembers: nonmembers.len(), counts })
}

impl Roc {
    /// The highest TPR at an FPR of at most `fpr` (0–1): "TPR at 1% FPR" is `tpr_at(0.01)`.
    pub fn tpr_at(&self, fpr: f64) -> f64 {
        self.fpr.iter().zip(&self.tpr).filter(|(f, _)| **f <= fpr).map(|(_, t)| *t).fold(0.0, f64::max)
    }

    /// The empirical lower bound on ε at `delta`, each rate bounded one-sided at confidence
    /// 1 − `alpha`/2 (so the pair holds at 1 − `alpha`); 0 when no threshold shows a leak.
    pub fn epsilon_lower_bound(&self, delta: f64, alpha: f64) -> Result<EpsilonBound> {
        if !(0.0..1.0).contains(&delta) || !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::InvalidArgument("need 0 ≤ δ < 1 and 0 < α < 1".into()));
        }
        let mut best = EpsilonBound { epsilon: 0.0, tpr: 0.0, fpr: 0.0, delta, confidence: 1.0 - alpha };
        for (k, &(tp, fp)) in self.counts.iter().enumerate() {
            let tpr_lo = clopper_pearson(tp, self.members, alpha)?.0;
            let fpr_hi = clopper_pearson(fp, self.nonmembers, alpha)?.1;
            // TPR ≤ e^ε FPR + δ, and (1 − FPR) ≤ e^ε (1 − TPR) + δ
            let e1 = if tpr_lo > delta && fpr_hi > 0.0 { ((tpr_lo - delta) / fpr_hi).ln() } else { 0.0 };
            let e2 = if 1.0 - fpr_hi > delta && tpr_lo < 1.0 { ((1.0 - fpr_hi - delta) / (1.0 - tpr_lo)).ln() } else { 0.0 };
            let e = e1.max(e2);
            if e > best.epsilon {
                best = EpsilonBound { epsilon: e, tpr: self.tpr[k], fpr: self.fpr[k], ..best };
            }
        }
        Ok(best)
    }
}

/// An empirical ε lower bound and the operating point it came from.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EpsilonBound {
    pub epsilon: f64,
    pub tpr: f64,
    pub fpr: f64,
    pub delta: f64,
    pub confidence: f64,
}

/// One-sided Clopper–Pearson bounds on a binomial rate from `k` of `n`: the lower bound at
/// confidence 1 − `alpha`/2 and the upper bound at 1 − `alpha`/2 (together a two-sided 1 − α
/// interval). `k` = 0 gives lower 0, `k` = `n` upper 1.
pub fn clopper_pearson(k: usize, n: usize, alpha: f64) -> Result<(f64, f64)> {
    if n == 0 || k > n || !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::InvalidArgument(format!("Clopper–Pearson needs 0 ≤ k ≤ n, n > 0 and 0 < α < 1 (got k {k}, n {n}, α {alpha})")));
    }
    let (k, n) = (k as f64, n as f64);
    let beta = |a: f64, b: f64, x: f64| Beta::new(a, b).map(|d| d.inverse_cdf(x)).map_err(|e| Error::InvalidArgument(format!("Clopper–Pearson: {e}")));
    let lo = if k == 0.0 { 0.0 } else { beta(k, n - k + 1.0, alpha / 2.0)? };
    let hi = if k == n { 1.0 } else { beta(k + 1.0, n - k, 1.0 - alpha / 2.0)? };
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_of_separated_tied_and_random_scores() {
        let r = roc(&[3.0, 4.0], &[1.0, 2.0]).unwrap();
        assert_eq!(r.auc, 1.0);
        assert_eq!(r.tpr_at(0.0), 1.0);
        let r = roc(&[1.0, 1.0], &[1.0, 1.0]).unwrap();
        assert_eq!(r.auc, 0.5);
        assert_eq!(r.tpr_at(0.5), 0.0);
        // 3 of the 4 member/non-member pairs ordered right
        let r = roc(&[2.0, 4.0], &[1.0, 3.0]).unwrap();
        assert!((r.auc - 0.75).abs() < 1e-12);
        assert_eq!(r.tpr_at(0.0), 0.5);
        assert!(roc(&[], &[1.0]).is_err());
        assert!(roc(&[f64::NAN], &[1.0]).is_err());
    }

    #[test]
    fn clopper_pearson_matches_the_published_values() {
        // 95% two-sided, 0 of 10: [0, 0.3085]; 5 of 10: [0.1871, 0.8129]
        let (lo, hi) = clopper_pearson(0, 10, 0.05).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 0.30850).abs() < 1e-4, "{hi}");
        let (lo, hi) = clopper_pearson(5, 10, 0.05).unwrap();
        assert!((lo - 0.18709).abs() < 1e-4 && (hi - 0.81291).abs() < 1e-4, "{lo} {hi}");
        assert!(clopper_pearson(11, 10, 0.05).is_err());
    }

    #[test]
    fn the_bound_is_zero_without_a_leak_and_grows_with_one() {
        let same: Vec<f64> = (0..200).map(|i| (i % 17) as f64).collect();
        let r = roc(&same, &same).unwrap();
        assert_eq!(r.epsilon_lower_bound(1e-5, 0.05).unwrap().epsilon, 0.0);
        // perfectly separated, 1,000 each: ε ≥ ln((1 − 0.0037 − δ)/0.0037) ≈ 5.6
        let m: Vec<f64> = (0..1000).map(|i| 1000.0 + i as f64).collect();
        let n: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let b = roc(&m, &n).unwrap().epsilon_lower_bound(1e-5, 0.05).unwrap();
        assert!(b.epsilon > 5.0 && b.epsilon < 6.5, "{b:?}");
    }
}
