//! Spectral signatures (Tran, Li & Mądry 2018): within one class, centre the learned
//! representations, take the top singular vector, and score each record by its squared
//! projection; poisoned records, which the network separates from the class's clean ones, score
//! high. Tran et al. remove the top 1.5·ε·n for a known bound ε; without one we split the
//! scores in two by one-dimensional 2-means and flag the high group when it is under 35% of
//! the class.

use super::linalg::{covariance, kmeans_1d, top_eigenvectors};

/// Squared projection of each centred representation on the top principal direction.
pub fn scores(reps: &[Vec<f32>]) -> Vec<f64> {
    if reps.is_empty() {
        return Vec::new();
    }
    let (mean, cov) = covariance(reps);
    let v = top_eigenvectors(&cov, 1).into_iter().next().unwrap_or_default();
    reps.iter()
        .map(|r| {
            let p: f64 = r.iter().zip(&mean).zip(&v).map(|((x, m), v)| (*x as f64 - m) * v).sum();
            p * p
        })
        .collect()
}

/// Indices (into `reps`) flagged as poison.
pub fn flag(reps: &[Vec<f32>]) -> Vec<usize> {
    let s = scores(reps);
    let high = kmeans_1d(&s);
    if high.len() * 100 < s.len() * 35 {
        high
    } else {
        Vec::new()
    }
}
