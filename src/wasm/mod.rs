//! The `#[wasm_bindgen]` surface: one façade a lab (`<lab>.rs`, the names of `src/labs/`).
//! It converts types and errors, nothing else: every number it returns was computed by the
//! library.

use serde::Serialize;
use wasm_bindgen::prelude::*;

mod classify;
mod evasion;
mod extraction;
mod poisoning;
mod practice;
mod privacy;
mod scanner;
mod threats;

pub use classify::{Model, SampleSet};
pub use evasion::Attacker;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// A fresh random seed (shown to the user, who can type it back in).
#[wasm_bindgen(js_name = freshSeed)]
pub fn fresh_seed() -> f64 {
    crate::rng::fresh_seed() as f64
}
