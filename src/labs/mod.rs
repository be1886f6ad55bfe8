//! The labs, one folder each: `params.rs` (the one home of a lab's defaults, ranges and
//! presets), `mod.rs` (its steps, for progress and cancel, and the whole run), `report.rs`
//! (what the page shows and `mlsec … --json` prints). The wasm and CLI façades only convert
//! types.

pub mod classify;
pub mod evasion;
pub mod extraction;
pub mod poisoning;
pub mod practice;
pub mod privacy;
pub mod scanner;
pub mod threats;

use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The presets every lab with a smaller page run names, the default first: `full` is the lab's
/// `Default` (the CLI's run, the README's figures), `quick` the page's first run.
pub const PRESETS: [&str; 2] = ["full", "quick"];

/// The preset `name` of a lab's settings: `full` = `P::default()`, `quick` = `quick()`.
pub fn preset<P: Default>(name: &str, quick: impl FnOnce() -> P) -> Result<P> {
    match name {
        "full" => Ok(P::default()),
        "quick" => Ok(quick()),
        other => Err(Error::InvalidArgument(format!("unknown preset {other:?}: use {}", PRESETS.join(" or ")))),
    }
}

/// `given` over `preset`: every field of `given` for which `explicit(name)` holds (a flag on
/// the command line), the preset's value for the rest. Field names are the serde (snake_case)
/// names, which are also the CLI's argument ids.
pub fn overlay<P: Serialize + DeserializeOwned>(given: &P, preset: &P, explicit: &dyn Fn(&str) -> bool) -> Result<P> {
    let to_map = |p: &P| match serde_json::to_value(p) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::InvalidArgument("settings are not a table of named values".into())),
        Err(e) => Err(Error::InvalidArgument(e.to_string())),
    };
    let mut out = to_map(preset)?;
    for (k, v) in to_map(given)? {
        if explicit(&k) {
            // JSON has no infinity or NaN: serde writes them as null
            if v.is_null() && out.get(&k).is_some_and(|p| p.is_number()) {
                return Err(Error::InvalidArgument(format!("{k} must be a finite number")));
            }
            out.insert(k, v);
        }
    }
    serde_json::from_value(serde_json::Value::Object(out)).map_err(|e| Error::InvalidArgument(e.to_string()))
}
