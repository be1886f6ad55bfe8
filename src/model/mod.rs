//! Models as capabilities: anything that maps a [`Batch`] to logits is a [`Classifier`].

pub mod check;
pub mod counted;
pub mod estimated;
pub mod onnx;

use crate::error::Result;
use crate::tensor::Batch;
use ndarray::{Array2, Array4};

/// A model that scores images.
pub trait Classifier {
    /// Logits `[N, classes]` for a batch of images in [0, 1].
    fn logits(&self, x: &Batch) -> Result<Array2<f32>>;
    /// Number of classes.
    fn classes(&self) -> usize;

    /// Softmax probabilities `[N, classes]`.
    fn probabilities(&self, x: &Batch) -> Result<Array2<f32>> {
        Ok(softmax(&self.logits(x)?))
    }

    /// Arg-max class per image.
    fn predict(&self, x: &Batch) -> Result<Vec<usize>> {
        Ok(argmax_rows(&self.logits(x)?))
    }
}

/// How a [`Differentiable`] model's gradients are obtained (shown in the UI and reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradientKind {
    /// Backpropagation through the exact graph (`nn`).
    Exact,
    /// Estimated from forward queries only (NES / SPSA over tract).
    Estimated,
}

/// A classifier that gives input gradients: the capability white-box attacks need.
pub trait Differentiable: Classifier {
    /// Logits `[N, classes]` and the vector–Jacobian product ∂(Σᵢⱼ gᵢⱼ · logitsᵢⱼ)/∂x
    /// (`[N, C, H, W]`), where `g = seed(logits)` is ∂loss/∂logits. One forward pass.
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)>;

    /// Whether the gradients are exact or estimated.
    fn gradient_kind(&self) -> GradientKind {
        GradientKind::Exact
    }
}

/// Row-wise softmax, numerically stable.
pub fn softmax(logits: &Array2<f32>) -> Array2<f32> {
    let mut p = logits.clone();
    for mut row in p.rows_mut() {
        let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        row.mapv_inplace(|v| (v - m).exp());
        let s: f32 = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    p
}

/// Index of the largest value in each row (the first on ties).
pub fn argmax_rows(a: &Array2<f32>) -> Vec<usize> {
    a.rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) })
                .0
        })
        .collect()
}

/// The `k` most probable classes of one probability row, most probable first.
pub fn top_k(row: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut idx: Vec<(usize, f32)> = row.iter().cloned().enumerate().collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    idx.truncate(k);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_rows_sum_to_one_and_keep_order() {
        let p = softmax(&array![[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]]);
        for r in p.rows() {
            assert!((r.sum() - 1.0).abs() < 1e-6);
        }
        assert_eq!(argmax_rows(&p), vec![1, 0]);
        assert_eq!(top_k(p.row(0).as_slice().unwrap(), 2).iter().map(|t| t.0).collect::<Vec<_>>(), vec![1, 0]);
    }
}
