//! The model scanner's settings: the one table of their defaults and ranges.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `format` | `text` | `text`, `json`, `sarif` | the report's form (SARIF 2.1.0 for code-scanning tools) |
//! | `fail_on` | `medium` | `critical`, `high`, `medium`, `low` | the lowest severity that fails a CI gate (exit 1) |
//! | `disassemble` | off | on/off | include pickle disassemblies (natively up to 100,000 opcodes a pickle, in the page 20,000) |

use crate::error::{Error, Result};
use crate::scan::{Limits, Severity};
use serde::{Deserialize, Serialize};

/// The scanner's settings; see the module's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// text, json or sarif (SARIF 2.1.0).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().format))]
    pub format: String,
    /// Lowest severity that fails the run: critical, high, medium or low.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().fail_on))]
    pub fail_on: String,
    /// Include pickle disassemblies in the report.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub disassemble: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params { format: "text".into(), fail_on: "medium".into(), disassemble: false }
    }
}

/// The report's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Settings that passed [`Params::check`].
#[derive(Clone, Debug)]
pub struct ValidParams {
    pub format: Format,
    pub threshold: Severity,
    pub disassemble: bool,
}

impl Params {
    /// Check every setting (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let format = match self.format.as_str() {
            "text" => Format::Text,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            other => return Err(Error::InvalidArgument(format!("--format must be text, json or sarif (got {other:?})"))),
        };
        let threshold = Severity::parse(&self.fail_on).ok_or_else(|| Error::InvalidArgument(format!("--fail-on must be critical, high, medium or low (got {:?})", self.fail_on)))?;
        Ok(ValidParams { format, threshold, disassemble: self.disassemble })
    }
}

impl ValidParams {
    /// The scan limits natively: the defaults, with up to 100,000 disassembled opcodes when asked.
    pub fn limits(&self) -> Limits {
        Limits { disassembly_ops: if self.disassemble { 100_000 } else { 0 }, ..Limits::default() }
    }
}
