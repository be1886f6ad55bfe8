//! Median smoothing (Xu, Evans & Qi, "Feature Squeezing", NDSS 2018): each value becomes the
//! median of a size×size window of its channel (window anchored like theirs: for even sizes the
//! extra row/column lies below/right), edges reflected.

use super::Preprocessor;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;
use ndarray::Array4;

/// Median filter of side `size`.
pub struct Median {
    size: usize,
}

impl Median {
    /// Checks 2 ≤ size ≤ 7.
    pub fn new(size: usize) -> Result<Self> {
        if !(2..=7).contains(&size) {
            return Err(Error::InvalidArgument(format!("median filter size must be in 2..=7, got {size}")));
        }
        Ok(Median { size })
    }
}

fn reflect(i: isize, n: usize) -> usize {
    let n = n as isize;
    let mut i = i;
    if i < 0 {
        i = -i - 1;
    }
    if i >= n {
        i = 2 * n - i - 1;
    }
    i.clamp(0, n - 1) as usize
}

impl Preprocessor for Median {
    fn name(&self) -> String {
        format!("median:{}", self.size)
    }
    fn apply(&self, x: &Batch, _: &mut Rng) -> Result<Batch> {
        let (n, c, h, w) = x.dim();
        let v = x.view();
        let s = self.size as isize;
        let before = (s - 1) / 2;
        let mut out = Array4::<f32>::zeros((n, c, h, w));
        let mut win = Vec::with_capacity(self.size * self.size);
        for i in 0..n {
            for ch in 0..c {
                for y in 0..h {
                    for xx in 0..w {
                        win.clear();
                        for dy in -before..s - before {
                            for dx in -before..s - before {
                                win.push(v[[i, ch, reflect(y as isize + dy, h), reflect(xx as isize + dx, w)]]);
                            }
                        }
                        win.sort_by(|a, b| a.total_cmp(b));
                        let m = win.len();
                        out[[i, ch, y, xx]] = if m % 2 == 1 { win[m / 2] } else { (win[m / 2 - 1] + win[m / 2]) / 2.0 };
                    }
                }
            }
        }
        Batch::new(out)
    }
}
