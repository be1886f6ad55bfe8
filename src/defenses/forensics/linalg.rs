//! Small dense helpers for the detectors (32-dimensional representations): covariance, top
//! eigenvectors by power iteration with deflation, k-means. ndarray has no eigensolver and
//! these matrices are tiny, so they are written out here.

use crate::rng::Rng;

/// Mean and covariance (row-major d×d) of the rows.
pub fn covariance(rows: &[Vec<f32>]) -> (Vec<f64>, Vec<f64>) {
    let d = rows.first().map_or(0, Vec::len);
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0f64; d];
    for r in rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += *x as f64 / n;
        }
    }
    let mut cov = vec![0f64; d * d];
    for r in rows {
        let c: Vec<f64> = r.iter().zip(&mean).map(|(x, m)| *x as f64 - m).collect();
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] += c[i] * c[j] / n;
            }
        }
    }
    (mean, cov)
}

/// The `k` leading unit eigenvectors of a symmetric matrix.
pub fn top_eigenvectors(m: &[f64], k: usize) -> Vec<Vec<f64>> {
    let d = (m.len() as f64).sqrt() as usize;
    let mut a = m.to_vec();
    let mut out = Vec::new();
    for c in 0..k.min(d) {
        let mut v: Vec<f64> = (0..d).map(|i| 1.0 + ((i * 7 + c * 3) % 5) as f64 * 0.1).collect();
        let mut lambda = 0.0;
        for _ in 0..300 {
            let w: Vec<f64> = (0..d).map(|i| (0..d).map(|j| a[i * d + j] * v[j]).sum()).collect();
            let n = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if n < 1e-300 {
                break;
            }
            lambda = n;
            v = w.into_iter().map(|x| x / n).collect();
        }
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] -= lambda * v[i] * v[j];
            }
        }
        out.push(v);
    }
    out
}

/// Indices of the upper group of a one-dimensional 2-means split.
pub fn kmeans_1d(x: &[f64]) -> Vec<usize> {
    if x.len() < 2 {
        return Vec::new();
    }
    let (mut lo, mut hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if hi - lo < 1e-12 {
        return Vec::new();
    }
    for _ in 0..100 {
        let cut = (lo + hi) / 2.0;
        let (mut s0, mut n0, mut s1, mut n1) = (0.0, 0.0, 0.0, 0.0);
        for &v in x {
            if v > cut {
                s1 += v;
                n1 += 1.0;
            } else {
                s0 += v;
                n0 += 1.0;
            }
        }
        let (a, b) = (s0 / f64::max(n0, 1.0), s1 / f64::max(n1, 1.0));
        if (a - lo).abs() < 1e-12 && (b - hi).abs() < 1e-12 {
            break;
        }
        lo = a;
        hi = b;
    }
    let cut = (lo + hi) / 2.0;
    x.iter().enumerate().filter(|(_, &v)| v > cut).map(|(i, _)| i).collect()
}

/// k-means (k-means++ seeding, Lloyd iterations); returns each row's cluster.
pub fn kmeans(rows: &[Vec<f64>], k: usize, rng: &mut Rng) -> Vec<usize> {
    let dist = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    let mut centres: Vec<Vec<f64>> = vec![rows[rng.below(rows.len())].clone()];
    while centres.len() < k {
        let d: Vec<f64> = rows.iter().map(|r| centres.iter().map(|c| dist(r, c)).fold(f64::INFINITY, f64::min)).collect();
        let total: f64 = d.iter().sum();
        let mut t = rng.uniform() as f64 * total;
        let mut pick = rows.len() - 1;
        for (i, di) in d.iter().enumerate() {
            t -= di;
            if t <= 0.0 {
                pick = i;
                break;
            }
        }
        centres.push(rows[pick].clone());
    }
    let mut assign = vec![0usize; rows.len()];
    for _ in 0..100 {
        let mut changed = false;
        for (i, r) in rows.iter().enumerate() {
            let best = (0..k).min_by(|&a, &b| dist(r, &centres[a]).total_cmp(&dist(r, &centres[b]))).unwrap_or(0);
            if best != assign[i] {
                assign[i] = best;
                changed = true;
            }
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = rows.iter().zip(&assign).filter(|(_, &a)| a == c).map(|(r, _)| r).collect();
            if !members.is_empty() {
                for (j, x) in centre.iter_mut().enumerate() {
                    *x = members.iter().map(|m| m[j]).sum::<f64>() / members.len() as f64;
                }
            }
        }
        if !changed {
            break;
        }
    }
    assign
}

/// All eigenvalues and unit eigenvectors (as rows) of a symmetric d×d matrix, by cyclic Jacobi
/// rotations.
pub fn jacobi_eigen(m: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = (m.len() as f64).sqrt() as usize;
    let mut a = m.to_vec();
    let mut v = vec![0f64; d * d];
    for i in 0..d {
        v[i * d + i] = 1.0;
    }
    for _ in 0..100 {
        let off: f64 = (0..d).flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i * d + j] * a[i * d + j]).sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k * d + p], a[k * d + q]);
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p * d + k], a[q * d + k]);
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let (vkp, vkq) = (v[k * d + p], v[k * d + q]);
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let vals = (0..d).map(|i| a[i * d + i]).collect();
    let vecs = (0..d).map(|j| (0..d).map(|i| v[i * d + j]).collect()).collect();
    (vals, vecs)
}

/// Rows mapped into the coordinates where `reference` has identity covariance (its mean
/// removed, ridge 1e-3 of the mean variance): directions the reference already varies in are
/// shrunk, new ones stand out.
pub fn whiten(rows: &[Vec<f32>], reference: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let (mean, cov) = covariance(reference);
    let d = mean.len();
    if d == 0 {
        return rows.to_vec();
    }
    let (vals, vecs) = jacobi_eigen(&cov);
    let ridge = 1e-3 * vals.iter().sum::<f64>().max(1e-12) / d as f64;
    rows.iter()
        .map(|r| {
            let c: Vec<f64> = r.iter().zip(&mean).map(|(x, m)| *x as f64 - m).collect();
            vecs.iter().zip(&vals).map(|(v, &l)| (v.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>() / (l.max(0.0) + ridge).sqrt()) as f32).collect()
        })
        .collect()
}
