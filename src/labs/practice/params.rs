//! The practice lab's settings.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `scenario` | none | a scenario id (`mlsec practice` lists them) | the scenario shown or checked |
//! | `seed` | 0 | 0–2⁵³−1 | draws the hands-on task (the page draws a fresh one and keeps it) |

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// The scenario (its id).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub scenario: Option<String>,
    /// Draws the hands-on task.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = 0))]
    pub seed: u64,
}

/// Settings that passed [`Params::check`].
#[derive(Clone, Debug)]
pub struct ValidParams {
    pub scenario: Option<super::Scenario>,
    pub seed: u64,
}

impl Params {
    pub fn check(&self) -> Result<ValidParams> {
        if self.seed > (1 << 53) - 1 {
            return Err(Error::InvalidArgument("seed must be below 2^53 (the page's numbers are doubles)".into()));
        }
        let scenario = self.scenario.as_deref().map(super::scenario).transpose()?;
        Ok(ValidParams { scenario, seed: self.seed })
    }
}
