//! MLSec Playground core: an ML-security lab that runs natively and, compiled to
//! WebAssembly, in the browser.
//!
//! Map of the crate (dependencies point one way, down this table):
//!
//! | module | purpose | uses |
//! |---|---|---|
//! | [`error`] | [`Error`], `Result`, checked whole numbers ([`error::whole`]) | — |
//! | [`tensor`] | [`Batch`](tensor::Batch): NCHW `f32` images in [0, 1], norms, projection | error |
//! | [`rng`] | seeded randomness | — |
//! | [`data`] | CIFAR-10 zip, the site's packed samples, uploads, e-mail and the spam corpus | tensor |
//! | [`model`] | [`Classifier`](model::Classifier) / [`Differentiable`](model::Differentiable); tract ([`model::onnx`]) | tensor |
//! | [`nn`] | the differentiable engine built from the same ONNX file; surrogate CNNs; optimisers | tensor, model |
//! | [`loss`], [`metrics`], [`stats`] | losses and gradients, accuracy, statistical tests | tensor |
//! | [`attacks`] | evasion, extraction, poisoning (one file an attack) | model, nn, api |
//! | [`defenses`] | preprocessors, smoothing, detectors, forensics | model, nn, stats |
//! | [`api`] | the mock prediction API: rate limit, output policies, audit log, PRADA | stats |
//! | [`spam`], [`privacy`] | the spam pipeline (features, filters, provenance); RDP accounting, DP-SGD, membership inference, the DP audit, model inversion | data, model, stats |
//! | [`scan`] | the model-file scanner (pickle, torch, NumPy, Keras, ONNX, safetensors) | — |
//! | [`labs`] | one folder a lab: its settings (`params.rs`), steps, reports | everything above |
//! | `wasm` (wasm32 only) | the `#[wasm_bindgen]` façades: convert types, nothing else | labs |
//!
//! [`prelude`] re-exports what most callers need.

pub mod data;
pub mod defenses;
pub mod api;
pub mod attacks;
pub mod error;
pub mod labs;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod nn;
pub mod privacy;
pub mod rng;
pub mod scan;
pub mod spam;
pub mod stats;
pub mod tensor;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};

/// What most callers need: `use mlsec::prelude::*;`.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::model::{Classifier, Differentiable};
    pub use crate::rng::Rng;
    pub use crate::tensor::Batch;
}
