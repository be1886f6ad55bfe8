//! Bit-depth reduction (Xu, Evans & Qi, "Feature Squeezing", NDSS 2018).

use super::Preprocessor;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;

/// Quantise every value to `bits` bits.
pub struct BitDepth {
    bits: u32,
}

impl BitDepth {
    /// Checks 1 ≤ bits ≤ 8.
    pub fn new(bits: u32) -> Result<Self> {
        if !(1..=8).contains(&bits) {
            return Err(Error::InvalidArgument(format!("bit depth must be in 1..=8, got {bits}")));
        }
        Ok(BitDepth { bits })
    }
}

impl Preprocessor for BitDepth {
    fn name(&self) -> String {
        format!("squeeze:{}", self.bits)
    }
    fn apply(&self, x: &Batch, _: &mut Rng) -> Result<Batch> {
        let levels = ((1u32 << self.bits) - 1) as f32;
        Batch::new(x.view().mapv(|v| (v * levels).round() / levels))
    }
}
