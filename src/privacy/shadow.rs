//! The shadow-model attack of Shokri, Stronati, Song and Shmatikov ("Membership Inference
//! Attacks Against Machine Learning Models", S&P 2017): the attacker trains shadow models on data
//! whose membership they know, records how each shadow answers its members and its non-members,
//! and trains an *attack classifier* per class on those answers; the victim's answer on a record
//! then goes through the classifier of the record's class.
//!
//! The answers are summarised as φ, the logit-scaled confidence of the true class (as LiRA uses;
//! for a binary victim it is the whole prediction vector up to order). Shokri et al. used small
//! neural networks as attack classifiers; here each is a logistic regression on (z, z²), z the
//! standardised φ — the square lets it learn that non-members can sit at both ends. Fitted by
//! full-batch gradient descent from zero (deterministic: no draw).

use crate::{Error, Result};

/// Gradient-descent steps and step size of each attack classifier.
const STEPS: usize = 500;
const LR: f64 = 0.5;

/// One attack classifier a class.
#[derive(Clone, Debug)]
pub struct ShadowAttack {
    /// (mean, sd of φ, weights of [1, z, z²]) a class; `None` where the shadows gave no example.
    models: Vec<Option<(f64, f64, [f64; 3])>>,
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

impl ShadowAttack {
    /// Fit one classifier a class on the shadows' answers: (φ, class, member in that shadow).
    pub fn fit(samples: &[(f64, usize, bool)], classes: usize) -> Result<ShadowAttack> {
        if samples.iter().any(|s| !s.0.is_finite() || s.1 >= classes) {
            return Err(Error::InvalidArgument("a shadow's answer is not finite, or its class is out of range".into()));
        }
        let mut models = Vec::with_capacity(classes);
        for c in 0..classes {
            let of: Vec<(f64, bool)> = samples.iter().filter(|s| s.1 == c).map(|s| (s.0, s.2)).collect();
            if of.is_empty() {
                models.push(None);
                continue;
            }
            let n = of.len() as f64;
            let mean = of.iter().map(|s| s.0).sum::<f64>() / n;
            let sd = (of.iter().map(|s| (s.0 - mean).powi(2)).sum::<f64>() / n).sqrt().max(1e-9);
            let feats: Vec<([f64; 3], f64)> = of.iter().map(|&(p, m)| {
                let z = (p - mean) / sd;
                ([1.0, z, z * z], f64::from(u8::from(m)))
            }).collect();
            let mut w = [0.0f64; 3];
            for _ in 0..STEPS {
                let mut g = [0.0f64; 3];
                for (x, y) in &feats {
                    let e = sigmoid(w[0] * x[0] + w[1] * x[1] + w[2] * x[2]) - y;
                    for k in 0..3 {
                        g[k] += e * x[k] / n;
                    }
                }
                for k in 0..3 {
                    w[k] -= LR * g[k];
                }
            }
            models.push(Some((mean, sd, w)));
        }
        Ok(ShadowAttack { models })
    }

    /// The probability of membership the classifier of `class` gives a record answered with `phi`
    /// (0.5 where the shadows gave that class no example).
    pub fn score(&self, phi: f64, class: usize) -> f64 {
        match self.models.get(class).copied().flatten() {
            Some((mean, sd, w)) => {
                let z = (phi - mean) / sd;
                sigmoid(w[0] + w[1] * z + w[2] * z * z)
            }
            None => 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_learns_that_members_answer_more_confidently_and_per_class() {
        // class 0: members at φ ≈ 3, non-members at φ ≈ 0; class 1 the other way round
        let mut s = Vec::new();
        for i in 0..200 {
            let d = (i % 10) as f64 * 0.1;
            s.push((3.0 + d, 0, true));
            s.push((0.0 + d, 0, false));
            s.push((0.0 + d, 1, true));
            s.push((3.0 + d, 1, false));
        }
        let a = ShadowAttack::fit(&s, 3).unwrap();
        assert!(a.score(3.2, 0) > 0.9 && a.score(0.2, 0) < 0.1);
        assert!(a.score(3.2, 1) < 0.1 && a.score(0.2, 1) > 0.9);
        assert_eq!(a.score(1.0, 2), 0.5, "no example of class 2");
        assert!(ShadowAttack::fit(&[(f64::NAN, 0, true)], 2).is_err());
        assert!(ShadowAttack::fit(&[(1.0, 5, true)], 2).is_err());
    }
}
