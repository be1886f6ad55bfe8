//! [`OnnxClassifier`]: any ONNX image classifier with input `[N, 3, 32, 32]` (RGB in [0, 1])
//! and output `[N, classes]`, run forward by tract-onnx.

use super::check::{check, guard, root_cause};
use super::Classifier;
use crate::error::{Error, Result};
use crate::tensor::Batch;
use ndarray::Array2;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::DimLike;

pub use super::check::MAX_MODEL_BYTES;

/// Input side the lab's models take.
pub const INPUT_SIDE: usize = 32;

type Plan = Arc<TypedRunnableModel>;

/// An ONNX classifier. tract optimises the graph for a concrete input of one image, and a batch
/// runs image by image. Measured here (`mlsec eval --batch B`, native, one thread): 848
/// images/s at B = 1 against 418 at B = 32 and 365 at B = 100, because a 32×32 image's im2col
/// buffers stay in cache; a plan for a symbolic batch size was slower still. The browser shows
/// the same (bench/results.json).
pub struct OnnxClassifier {
    /// One execution state, spawned once and reused: `plan.run` would spawn (and allocate)
    /// a fresh one for every image.
    state: std::sync::Mutex<TypedSimpleState>,
    classes: usize,
    ops: Vec<String>,
}

impl std::fmt::Debug for OnnxClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxClassifier").field("classes", &self.classes).field("ops", &self.ops).finish()
    }
}

fn load_err(e: impl std::fmt::Display) -> Error {
    Error::Model(e.to_string())
}

impl OnnxClassifier {
    /// Check ([`super::check`]), type and optimise an ONNX file. Refuses empty, oversized,
    /// malformed or truncated files, graphs whose input is not `[N, 3, 32, 32]`, and outputs that
    /// are not `[N, classes]` with 2 ≤ classes ≤ 1000, each with a sentence saying so.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let checked = check(bytes)?;
        let ops = checked.ops;
        guard(move || {
            let typed = checked.typed.into_optimized().map_err(|e| {
                Error::Model(format!("the graph uses an operation tract cannot run ({})", root_cause(&e)))
            })?;
            let out_fact = typed.output_fact(0).map_err(load_err)?;
            let shape = out_fact.shape.to_tvec();
            let classes = match shape.as_slice() {
                [_, c] => c.to_usize().ok(),
                _ => None,
            };
            let classes = classes.filter(|c| (2..=1000).contains(c)).ok_or_else(|| {
                Error::Model(format!("the output must be [N, classes] logits, got shape {:?}", shape))
            })?;
            let plan: Plan = typed.into_runnable().map_err(load_err)?;
            let state = plan.spawn().map_err(load_err)?;
            Ok(OnnxClassifier { state: std::sync::Mutex::new(state), classes, ops })
        })
    }

    /// ONNX operation types in the graph (sorted, unique; `domain:op` outside the default domain).
    pub fn ops(&self) -> &[String] {
        &self.ops
    }
}

impl Classifier for OnnxClassifier {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        let (n, c, h, w) = x.dim();
        if c != 3 || h != INPUT_SIDE || w != INPUT_SIDE {
            return Err(Error::Shape(format!("the model takes [N, 3, 32, 32] images, got [{n}, {c}, {h}, {w}]")));
        }
        if n == 0 {
            return Ok(Array2::zeros((0, self.classes)));
        }
        let mut logits = Array2::<f32>::zeros((n, self.classes));
        let mut state = self.state.lock().map_err(|_| Error::Inference("the model failed earlier and is unusable".into()))?;
        for i in 0..n {
            let one = x.view().slice(ndarray::s![i..i + 1, .., .., ..]).to_owned();
            let input: Tensor = one.into_dyn().into();
            let out = guard(|| {
                state.run(tvec!(input.into_tvalue())).map_err(|e| Error::Inference(root_cause(&e)))
            })?;
            let first = out.into_iter().next().ok_or_else(|| Error::Inference("the model returned nothing".into()))?;
            let view = first.to_plain_array_view::<f32>().map_err(|e| Error::Inference(e.to_string()))?;
            if view.len() != self.classes {
                return Err(Error::Inference(format!("expected {} logits, got {}", self.classes, view.len())));
            }
            logits.row_mut(i).iter_mut().zip(view.iter()).for_each(|(d, s)| *d = *s);
        }
        Ok(logits)
    }

    fn classes(&self) -> usize {
        self.classes
    }
}
