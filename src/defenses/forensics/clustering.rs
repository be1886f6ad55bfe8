//! Activation clustering (Chen et al. 2018): within one class, reduce the learned
//! representations to 10 principal components, split them by 2-means, and call the smaller
//! cluster poison when its relative size is under 35% (their size criterion). The lab passes
//! recent records whitened by the trusted baseline (see [`super::spectral`]).

use super::linalg::{covariance, kmeans, top_eigenvectors};
use crate::rng::Rng;

/// Indices (into `reps`) of the cluster flagged as poison, and that cluster's relative size.
pub fn flag(reps: &[Vec<f32>], seed: u64) -> (Vec<usize>, f64) {
    if reps.len() < 4 {
        return (Vec::new(), 0.0);
    }
    let (mean, cov) = covariance(reps);
    let comps = top_eigenvectors(&cov, 10.min(mean.len()));
    let proj: Vec<Vec<f64>> = reps.iter().map(|r| comps.iter().map(|v| r.iter().zip(&mean).zip(v).map(|((x, m), v)| (*x as f64 - m) * v).sum()).collect()).collect();
    let assign = kmeans(&proj, 2, &mut Rng::seeded(seed));
    let ones = assign.iter().filter(|&&a| a == 1).count();
    let small = if ones * 2 <= assign.len() { 1 } else { 0 };
    let members: Vec<usize> = assign.iter().enumerate().filter(|(_, &a)| a == small).map(|(i, _)| i).collect();
    let rel = members.len() as f64 / assign.len() as f64;
    if rel < 0.35 {
        (members, rel)
    } else {
        (Vec::new(), rel)
    }
}
