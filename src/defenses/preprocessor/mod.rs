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

/// Transformations applied in order, e.g. `jpeg:75+median:2`: the defence a [`Defended`]
/// model holds (one, or none: [`Identity`], is a chain too).
///
/// [`Defended`]: crate::defenses::Defended
pub struct Chain(pub Vec<Box<dyn Preprocessor + Send + Sync>>);

/// Transformations in one chain, at most.
pub const MAX_CHAIN: usize = 4;

impl Preprocessor for Chain {
    fn name(&self) -> String {
        if self.0.is_empty() {
            return Identity.name();
        }
        self.0.iter().map(|p| p.name()).collect::<Vec<_>>().join("+")
    }
    fn apply(&self, x: &Batch, rng: &mut Rng) -> Result<Batch> {
        let mut out = x.clone();
        for p in &self.0 {
            out = p.apply(&out, rng)?;
        }
        Ok(out)
    }
    fn randomized(&self) -> bool {
        self.0.iter().any(|p| p.randomized())
    }
}

/// Parse `none`, `jpeg:Q`, `squeeze:BITS`, `median:SIZE`, `noise:SIGMA`, or up to
/// [`MAX_CHAIN`] of them joined by `+` (applied left to right; `none` parts drop out).
pub fn parse(spec: &str) -> Result<Chain> {
    let parts: Vec<&str> = spec.split('+').map(str::trim).collect();
    if parts.len() > MAX_CHAIN {
        return Err(Error::InvalidArgument(format!("`{spec}` chains {} defences; at most {MAX_CHAIN}", parts.len())));
    }
    if parts.len() > 1 && parts.iter().any(|p| p.is_empty()) {
        return Err(Error::InvalidArgument(format!("`{spec}` has an empty part between its `+`s")));
    }
    let mut chain = Vec::new();
    for part in parts {
        let p = parse_one(part).map_err(|e| match e {
            Error::InvalidArgument(m) if spec.contains('+') => Error::InvalidArgument(format!("in the chain `{spec}`: {m}")),
            e => e,
        })?;
        if p.name() != Identity.name() {
            chain.push(p);
        }
    }
    Ok(Chain(chain))
}

/// One transformation.
fn parse_one(spec: &str) -> Result<Box<dyn Preprocessor + Send + Sync>> {
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
        "smooth" => return Err(Error::InvalidArgument("randomized smoothing (smooth:σ) is a classifier of its own: it cannot be chained".into())),
        other => return Err(Error::InvalidArgument(format!("unknown defence `{other}`; use none, jpeg:Q, squeeze:BITS, median:SIZE, noise:SIGMA or smooth:SIGMA (chain the first four with +)"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(rng: &mut Rng) -> Batch {
        let v: Vec<f32> = (0..2 * 3 * 32 * 32).map(|_| rng.uniform()).collect();
        Batch::from_nchw(&v, 2, 3, 32, 32).unwrap()
    }

    #[test]
    fn a_chain_applies_its_parts_in_order_and_is_named_by_them() {
        let mut rng = Rng::seeded(1);
        let x = batch(&mut rng);
        let chain = parse("jpeg:75 + squeeze:3").unwrap();
        assert_eq!(chain.name(), "jpeg:75+squeeze:3");
        assert!(!chain.randomized());
        let by_hand = BitDepth::new(3).unwrap().apply(&Jpeg::new(75).unwrap().apply(&x, &mut rng).unwrap(), &mut rng).unwrap();
        assert_eq!(chain.apply(&x, &mut rng).unwrap().view(), by_hand.view());
        // order matters: squeezing first gives another image
        let reversed = parse("squeeze:3+jpeg:75").unwrap().apply(&x, &mut rng).unwrap();
        assert_ne!(reversed.view(), by_hand.view());
        assert!(parse("median:2+noise:0.1").unwrap().randomized());
        assert_eq!(parse("none").unwrap().name(), "none");
        assert_eq!(parse("none+jpeg:50").unwrap().name(), "jpeg:50");
    }

    #[test]
    fn a_bad_chain_is_refused_with_the_part_named() {
        let err = |s: &str| parse(s).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("jpeg:75+median:9").contains("median filter size"), "{}", err("jpeg:75+median:9"));
        assert!(err("jpeg:75+median:9").contains("in the chain"));
        assert!(err("jpeg+jpeg+jpeg+jpeg+jpeg").contains("at most 4"));
        assert!(err("jpeg:75++median:2").contains("empty part"));
        assert!(err("jpeg:75+smooth:0.25").contains("cannot be chained"));
        assert!(err("voodoo").contains("unknown defence"));
    }
}
