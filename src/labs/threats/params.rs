//! The threat model's settings: the sizes of the runs that measure its controls, and the
//! export's form.
//!
//! | name | `full` (default) | `quick` (the page, `--quick`) | range | meaning |
//! |---|---|---|---|---|
//! | `n` | 100 | 20 | 1–1,000 | test images (class-interleaved, from the first) for the evasion measurements |
//! | `budget` | 1,000 | 400 | 100–20,000 | queries of each steal (extraction measurements; the lab's `quick` surrogate) |
//! | `calls` | 2,000 | 300 | 10–100,000 | calls of the flood (rate limit, hash chain) |
//! | `seed` | 0 | 0 | 0–2⁵³−1 | the run seed of every measurement (shown with each) |
//! | `format` | `md` | `md` | `md`, `otm`, `json` | `mlsec threats`' output: Markdown, Open Threat Model 0.2.0, or the model and measurements as JSON |

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The settings; see the module's table. `Default` is `full`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Test images for the evasion measurements.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().n))]
    pub n: usize,
    /// Queries of each steal in the extraction measurements.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().budget))]
    pub budget: usize,
    /// Calls of the flood (rate limit, hash chain).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().calls))]
    pub calls: usize,
    /// The run seed of every measurement.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().seed))]
    pub seed: u64,
    /// md (Markdown), otm (Open Threat Model 0.2.0 JSON) or json.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().format))]
    pub format: String,
}

impl Default for Params {
    fn default() -> Self {
        Params { n: 100, budget: 1000, calls: 2000, seed: 0, format: "md".into() }
    }
}

/// The export's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Otm,
    Json,
}

/// Settings that passed [`Params::check`].
#[derive(Clone, Debug)]
pub struct ValidParams {
    params: Params,
    pub format: Format,
}

impl ValidParams {
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl Params {
    /// `full` (the default) or `quick` (the page's runs).
    pub fn preset(name: &str) -> Result<Params> {
        crate::labs::preset(name, || Params { n: 20, budget: 400, calls: 300, ..Params::default() })
    }

    /// Check every setting (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        if !(1..=1000).contains(&self.n) {
            return Err(Error::InvalidArgument(format!("n must be 1–1,000 images (got {})", self.n)));
        }
        if !(100..=20_000).contains(&self.budget) {
            return Err(Error::InvalidArgument(format!("budget must be 100–20,000 queries (got {})", self.budget)));
        }
        if !(10..=crate::api::flood::MAX_FLOOD).contains(&self.calls) {
            return Err(Error::InvalidArgument(format!("calls must be 10–{} (got {})", crate::api::flood::MAX_FLOOD, self.calls)));
        }
        if self.seed > (1 << 53) - 1 {
            return Err(Error::InvalidArgument("seed must be below 2^53 (the page's numbers are doubles)".into()));
        }
        let format = match self.format.as_str() {
            "md" => Format::Markdown,
            "otm" => Format::Otm,
            "json" => Format::Json,
            other => return Err(Error::InvalidArgument(format!("format must be md, otm or json (got {other:?})"))),
        };
        Ok(ValidParams { params: self.clone(), format })
    }
}
