//! MLSec Playground core: an ML-security lab that runs natively and, compiled to
//! WebAssembly, in the browser.
//!
//! Map of the crate (dependencies point one way: `tensor` ← `model` ← `wasm`/`bin`):
//! - [`error`]: the [`Error`](error::Error) type and `Result` alias.
//! - [`tensor`]: [`Batch`](tensor::Batch), NCHW `f32` images in [0, 1].
//! - [`rng`]: seeded randomness.
//! - [`data`]: CIFAR-10 from the ImageFolder zip, the site's packed sample file, uploads.
//! - [`model`]: the [`Classifier`](model::Classifier) trait; [`model::onnx`] runs ONNX with tract.
//! - [`metrics`]: accuracy overall and per class.
//! - [`scan`]: the model-file scanner (pickle, torch, NumPy, Keras, ONNX, safetensors).
//! - `wasm` (wasm32 only): the `#[wasm_bindgen]` surface; converts types, nothing else.

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
