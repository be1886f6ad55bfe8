//! Additive Gaussian noise, clipped to [0, 1]: a randomized transformation (the base of
//! randomized smoothing), so adaptive attacks average gradients over draws (EOT).

use super::Preprocessor;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;

/// Add N(0, σ²) to every value.
pub struct GaussianNoise {
    sigma: f32,
}

impl GaussianNoise {
    /// Checks 0 < σ ≤ 1.
    pub fn new(sigma: f32) -> Result<Self> {
        if !(sigma.is_finite() && sigma > 0.0 && sigma <= 1.0) {
            return Err(Error::InvalidArgument(format!("noise sigma must be in (0, 1], got {sigma}")));
        }
        Ok(GaussianNoise { sigma })
    }
}

impl Preprocessor for GaussianNoise {
    fn name(&self) -> String {
        format!("noise:{}", self.sigma)
    }
    fn apply(&self, x: &Batch, rng: &mut Rng) -> Result<Batch> {
        Batch::new(x.view().mapv(|v| (v + self.sigma * rng.normal()).clamp(0.0, 1.0)))
    }
    fn randomized(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use ndarray::Array4;

    #[test]
    fn transformations_stay_in_range_and_change_what_they_should() {
        let x = Batch::new(Array4::from_shape_fn((2, 3, 32, 32), |(i, c, y, z)| ((i * 7 + c * 5 + y * 3 + z) % 255) as f32 / 255.0)).unwrap();
        let mut rng = Rng::seeded(0);
        for spec in ["jpeg:50", "squeeze:3", "median:2", "median:3", "noise:0.1", "none"] {
            let p = parse(spec).unwrap();
            let y = p.apply(&x, &mut rng).unwrap();
            assert_eq!(y.dim(), x.dim());
            let diff: f32 = (y.view().to_owned() - x.view()).iter().map(|v| v.abs()).sum();
            assert_eq!(diff > 0.0, spec != "none", "{spec}");
        }
        let sq = parse("squeeze:1").unwrap().apply(&x, &mut rng).unwrap();
        assert!(sq.view().iter().all(|&v| v == 0.0 || v == 1.0));
        for bad in ["jpeg:0", "jpeg:x", "squeeze:9", "median:1", "noise:-1", "blur"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
