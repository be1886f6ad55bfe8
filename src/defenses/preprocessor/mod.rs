//! Input transformations that try to wash out adversarial perturbations. Each maps a batch in
//! [0, 1] to a batch in [0, 1]; none is differentiable in a useful way, which is the point of
//! BPDA.

mod jpeg;
mod median;
mod noise;
mod squeeze;

pub use jpeg::Jpeg;
pub use median::Median;
pub use noise::GaussianNoise;
pub use squeeze::BitDepth;

use crate::error::{whole, Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;

/// An input transformation.
pub trait Preprocessor {
    /// Short label, e.g. `jpeg:75`.
    fn name(&self) -> String;
    /// Transform a batch.
    fn apply(&self, x: &Batch, rng: &mut Rng) -> Result<Batch>;
    /// Whether `apply` draws random numbers (EOT averages over draws).
    fn randomized(&self) -> bool {
        false
    }
}

/// No transformation.
pub struct Identity;

impl Preprocessor for Identity {
    fn name(&self) -> String {
        "none".into()
    }
    fn apply(&self, x: &Batch, _: &mut Rng) -> Result<Batch> {
        Ok(x.clone())
    }
}

/// Parse `none`, `jpeg:Q`, `squeeze:BITS`, `median:SIZE`, `noise:SIGMA`.
pub fn parse(spec: &str) -> Result<Box<dyn Preprocessor + Send + Sync>> {
    let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
    let num = |d: f32| -> Result<f32> {
        if arg.is_empty() {
            Ok(d)
        } else {
            arg.parse::<f32>().map_err(|_| Error::InvalidArgument(format!("`{spec}`: `{arg}` is not a number")))
        }
    };
    Ok(match kind.trim().to_ascii_lowercase().as_str() {
        "none" | "" => Box::new(Identity),
        "jpeg" => Box::new(Jpeg::new(whole("the JPEG quality", num(75.0)?.into(), 1, 100)? as u8)?),
        "squeeze" | "bits" => Box::new(BitDepth::new(whole("the bit depth", num(4.0)?.into(), 1, 8)? as u32)?),
        "median" => Box::new(Median::new(whole("the median filter size", num(2.0)?.into(), 2, 7)? as usize)?),
        "noise" => Box::new(GaussianNoise::new(num(0.05)?)?),
        other => return Err(Error::InvalidArgument(format!("unknown defence `{other}`; use none, jpeg:Q, squeeze:BITS, median:SIZE, noise:SIGMA or smooth:SIGMA"))),
    })
}
