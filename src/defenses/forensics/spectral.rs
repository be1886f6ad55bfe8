//! Spectral signatures (Tran, Li & Mądry 2018): within one class, centre the learned
//! representations, take the top singular vector, and score each record by its squared
//! projection; poisoned records, which the network separates from the class's clean ones, score
//! high. Two adaptations, both because the recent data drifts naturally: the representations
//! are first whitened by the trusted baseline's covariance (as SPECTRE, Hayase et al. 2021,
//! whitens by a robust estimate), so the top direction is one the baseline does not vary in;
//! and instead of Tran's "remove the top 1.5·ε·n" for a known ε, a record is flagged when its
//! score exceeds the 99.9th percentile of the baseline records' scores on the same direction.

use super::linalg::{covariance, top_eigenvectors};

/// The top principal direction of `reps` (centred) and each row's squared projection on it.
pub fn scores(reps: &[Vec<f32>]) -> Vec<f64> {
    direction(reps).map(|(mean, v)| project(reps, &mean, &v)).unwrap_or_default()
}

fn direction(reps: &[Vec<f32>]) -> Option<(Vec<f64>, Vec<f64>)> {
    if reps.len() < 2 {
        return None;
    }
    let (mean, cov) = covariance(reps);
    let v = top_eigenvectors(&cov, 1).into_iter().next()?;
    Some((mean, v))
}

fn project(reps: &[Vec<f32>], mean: &[f64], v: &[f64]) -> Vec<f64> {
    reps.iter()
        .map(|r| {
            let p: f64 = r.iter().zip(mean).zip(v).map(|((x, m), v)| (*x as f64 - m) * v).sum();
            p * p
        })
        .collect()
}

/// Indices of `recent` (whitened by the baseline) flagged as poison; `baseline` is the
/// whitened baseline of the same class, which calibrates the threshold.
pub fn flag(recent: &[Vec<f32>], baseline: &[Vec<f32>]) -> Vec<usize> {
    let Some((mean, v)) = direction(recent) else { return Vec::new() };
    let s = project(recent, &mean, &v);
    let mut b = project(baseline, &mean, &v);
    if b.is_empty() {
        return Vec::new();
    }
    b.sort_by(f64::total_cmp);
    let cut = b[((b.len() as f64 * 0.999) as usize).min(b.len() - 1)];
    s.iter().enumerate().filter(|(_, &x)| x > cut).map(|(i, _)| i).collect()
}
