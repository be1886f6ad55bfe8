//! The classify lab's settings (`mlsec eval`, the page's gallery): the one table of their
//! defaults and ranges.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `split` | `test` | `test`, `train` | which CIFAR-10 split to score |
//! | `n` | all | 1 ..= the split's size (10,000 / 50,000) | the first N images of the class-interleaved order |
//! | `batch` | 100 | 1 ..= 10,000 | images per forward pass |

use crate::data::cifar::Split;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Largest batch: 10,000 images of 3×32×32 floats are 123 MB.
pub const MAX_BATCH: usize = 10_000;

/// The classify lab's settings; see the module's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// `test` or `train`.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().split))]
    pub split: String,
    /// Take the first N images of the class-interleaved order (default: all).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub n: Option<usize>,
    /// Images per forward pass (1–10,000).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().batch))]
    pub batch: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { split: "test".into(), n: None, batch: 100 }
    }
}

/// Settings that passed [`Params::check`].
#[derive(Clone, Debug)]
pub struct ValidParams {
    pub split: Split,
    pub n: Option<usize>,
    pub batch: usize,
}

impl Params {
    /// Check every setting (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let split = Split::parse(&self.split)?;
        let size = split.size();
        if self.n.is_some_and(|n| n == 0 || n > size) {
            return Err(Error::InvalidArgument(format!("--n must be between 1 and {size} (the {} split's size)", self.split)));
        }
        if self.batch == 0 || self.batch > MAX_BATCH {
            return Err(Error::InvalidArgument(format!("--batch must be between 1 and {MAX_BATCH} (got {})", self.batch)));
        }
        Ok(ValidParams { split, n: self.n, batch: self.batch })
    }
}
