//! The label-only membership attack of Choquette-Choo, Tramèr, Carlini and Papernot ("Label-Only
//! Membership Inference Attacks", ICML 2021): an attacker who sees only the predicted label asks
//! how robustly the model labels a record right. A model fits its members with a margin, so
//! perturbed copies of a member keep their label more often than copies of a non-member. For
//! text the perturbation is word dropout (each token dropped with probability `drop`); the score
//! of a record is 1 if the record itself is labelled right, plus the share of `queries` perturbed
//! copies labelled right — in [0, 2], higher = more likely a member. The copies are drawn from
//! the one run seed; the attacker spends `1 + queries` label queries a record.

use crate::rng::Rng;
use crate::{Error, Result};

/// Settings: copies a record, 1–1,024; the dropout probability, (0, 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelOnly {
    pub queries: usize,
    pub drop: f64,
}

impl LabelOnly {
    pub fn check(&self) -> Result<()> {
        if !(1..=1024).contains(&self.queries) {
            return Err(Error::InvalidArgument("label_only_queries must be between 1 and 1,024".into()));
        }
        if !(self.drop > 0.0 && self.drop < 1.0) {
            return Err(Error::InvalidArgument("label_only_drop must be > 0 and < 1 (a probability)".into()));
        }
        Ok(())
    }

    /// One score a record: `records[i]` = (its tokens, its true label); `label(tokens)` is the
    /// victim's answer (the only thing the attacker sees).
    pub fn scores(&self, records: &[(&[u32], bool)], rng: &mut Rng, label: &dyn Fn(&[u32]) -> bool) -> Result<Vec<f64>> {
        self.check()?;
        let mut out = Vec::with_capacity(records.len());
        let mut kept = Vec::new();
        for &(tokens, y) in records {
            let mut s = f64::from(u8::from(label(tokens) == y));
            let mut right = 0usize;
            for _ in 0..self.queries {
                kept.clear();
                kept.extend(tokens.iter().copied().filter(|_| f64::from(rng.uniform()) >= self.drop));
                right += usize::from(label(&kept) == y);
            }
            s += right as f64 / self.queries as f64;
            out.push(s);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robust_record_scores_higher_and_the_draws_are_seeded() {
        let a = LabelOnly { queries: 64, drop: 0.5 };
        // the "model": spam when token 1 is present; record 0 has it five times, record 1 once
        let label = |t: &[u32]| t.contains(&1);
        let many: &[u32] = &[1, 1, 1, 1, 1, 2];
        let once: &[u32] = &[1, 2, 3];
        let s = a.scores(&[(many, true), (once, true), (&[2, 3], true)], &mut Rng::seeded(0), &label).unwrap();
        assert!(s[0] > s[1], "{s:?}");
        assert!(s[0] > 1.9 && s[1] < 1.7 && s[2] == 0.0, "{s:?}");
        assert_eq!(s, a.scores(&[(many, true), (once, true), (&[2, 3], true)], &mut Rng::seeded(0), &label).unwrap());
        assert!(LabelOnly { queries: 0, drop: 0.5 }.check().is_err());
        assert!(LabelOnly { queries: 8, drop: 1.0 }.check().unwrap_err().to_string().contains("label_only_drop"));
    }
}
