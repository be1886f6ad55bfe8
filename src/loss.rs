//! Losses over logits, each returning per-image values and ∂loss/∂logits (the seed of a
//! [`Differentiable::logits_and_vjp`](crate::model::Differentiable::logits_and_vjp)).

use crate::model::softmax;
use ndarray::Array2;

/// Softmax cross-entropy −log pᵧ per row, and its gradient p − onehot(y).
pub fn cross_entropy(logits: &Array2<f32>, labels: &[usize]) -> (Vec<f32>, Array2<f32>) {
    let p = softmax(logits);
    let mut g = p.clone();
    let mut loss = Vec::with_capacity(labels.len());
    for (i, &y) in labels.iter().enumerate().take(logits.nrows()) {
        if y < g.ncols() {
            loss.push(-(p[[i, y]].max(1e-30)).ln());
            g[[i, y]] -= 1.0;
        } else {
            loss.push(0.0);
        }
    }
    (loss, g)
}

/// The C&W margin Zᵧ − maxⱼ≠ᵧ Zⱼ per row (negative once misclassified), and its gradient.
pub fn margin(logits: &Array2<f32>, labels: &[usize]) -> (Vec<f32>, Array2<f32>) {
    let mut g = Array2::<f32>::zeros(logits.raw_dim());
    let mut out = Vec::with_capacity(labels.len());
    for (i, &y) in labels.iter().enumerate().take(logits.nrows()) {
        let row = logits.row(i);
        let (mut best, mut bj) = (f32::NEG_INFINITY, 0);
        for (j, &v) in row.iter().enumerate() {
            if j != y && v > best {
                best = v;
                bj = j;
            }
        }
        if y < row.len() {
            out.push(row[y] - best);
            g[[i, y]] = 1.0;
            g[[i, bj]] = -1.0;
        } else {
            out.push(0.0);
        }
    }
    (out, g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gradients_match_finite_differences() {
        let z = array![[1.0f32, 2.0, -0.5], [0.3, 0.2, 0.1]];
        let y = [2usize, 0];
        for f in [cross_entropy as fn(&Array2<f32>, &[usize]) -> (Vec<f32>, Array2<f32>), margin] {
            let (_, g) = f(&z, &y);
            for i in 0..2 {
                for j in 0..3 {
                    let h = 1e-3;
                    let mut zp = z.clone();
                    zp[[i, j]] += h;
                    let mut zm = z.clone();
                    zm[[i, j]] -= h;
                    let fd = (f(&zp, &y).0[i] - f(&zm, &y).0[i]) / (2.0 * h);
                    assert!((fd - g[[i, j]]).abs() < 1e-2, "{i},{j}: {fd} vs {}", g[[i, j]]);
                }
            }
        }
        assert!(margin(&z, &y).0[0] < 0.0);
    }
}
