//! The privacy lab in the browser: one `PrivacyLab` per worker over the packed corpus. `run`
//! returns the same report `mlsec privacy --json` prints.

use super::to_js;
use crate::data::spam::Corpus;
use crate::labs::privacy::{self, InvertParams, Params};
use crate::spam::Lab;
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
pub struct PrivacyLab {
    lab: Lab,
    seed: u64,
    corpus: Corpus,
}

#[wasm_bindgen]
impl PrivacyLab {
    /// A preset's settings (`quick`: the page's; `full`: the CLI's), as a plain object.
    pub fn defaults(preset: &str) -> Result<JsValue, JsError> {
        to_js(&Params::preset(preset).map_err(err)?)
    }

    /// Load the packed corpus (www/data/spam-assassin.bin).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<PrivacyLab, JsError> {
        let corpus = Corpus::from_bytes(bytes).map_err(err)?;
        Ok(PrivacyLab { lab: Lab::new(&corpus, 0).map_err(err)?, seed: 0, corpus })
    }

    /// One run at the settings `req` (a plain object of [`Params`]' fields; missing ones take
    /// the `full` preset's values); `progress(done, total)` after each shadow.
    pub fn run(&mut self, req: JsValue, progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
        let p: Params = if req.is_undefined() || req.is_null() { Params::default() } else { serde_wasm_bindgen::from_value(req).map_err(|e| JsError::new(&format!("bad privacy settings: {e}")))? };
        let v = p.check().map_err(err)?;
        if p.seed != self.seed {
            self.lab = Lab::new(&self.corpus, p.seed).map_err(err)?;
            self.seed = p.seed;
        }
        let mut report = |d: usize, n: usize| {
            if let Some(f) = &progress {
                let _ = f.call2(&JsValue::NULL, &JsValue::from(d as f64), &JsValue::from(n as f64));
            }
        };
        to_js(&privacy::run(&self.lab, &v, &mut report).map_err(err)?)
    }
}

/// Model inversion (MIFace) against one image classifier, in the privacy lab's worker: `run`
/// returns the report `mlsec invert --json` prints; `rgba(i)` the i-th reconstruction.
#[wasm_bindgen]
pub struct PrivacyInverter {
    model: Box<dyn crate::model::Differentiable + Send + Sync>,
    name: String,
    reference: crate::data::cifar::Samples,
    images: Option<crate::tensor::Batch>,
}

#[wasm_bindgen]
impl PrivacyInverter {
    /// The inversion's default settings, as a plain object.
    pub fn defaults() -> Result<JsValue, JsError> {
        to_js(&InvertParams::default())
    }

    /// An ONNX model (`name` is shown in the report) and the packed test sample whose class
    /// means the reconstructions are compared with.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], name: &str, samples: &[u8]) -> Result<PrivacyInverter, JsError> {
        let (model, fallback) = crate::labs::evasion::load_model(model, 0).map_err(err)?;
        if let Some(why) = fallback {
            return Err(JsError::new(&format!("model inversion needs exact gradients: {why}")));
        }
        Ok(PrivacyInverter { model, name: name.to_string(), reference: crate::data::cifar::unpack(samples).map_err(err)?, images: None })
    }

    /// One inversion at the settings `req` ([`InvertParams`]' fields; missing ones take the
    /// defaults); `progress(step, steps)` after each step.
    pub fn run(&mut self, req: JsValue, progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
        let p: InvertParams = if req.is_undefined() || req.is_null() { InvertParams::default() } else { serde_wasm_bindgen::from_value(req).map_err(|e| JsError::new(&format!("bad inversion settings: {e}")))? };
        let v = p.check(self.model.classes()).map_err(err)?;
        let x = self.reference.batch(0, self.reference.len()).map_err(err)?;
        let labels: Vec<usize> = self.reference.labels.iter().map(|&l| l as usize).collect();
        let mut report = |d: usize, n: usize| {
            if let Some(f) = &progress {
                let _ = f.call2(&JsValue::NULL, &JsValue::from(d as f64), &JsValue::from(n as f64));
            }
        };
        let (r, images) = privacy::invert::invert(&v, self.model.as_ref(), &self.name, &x, &labels, &mut report).map_err(err)?;
        self.images = Some(images);
        to_js(&r)
    }

    /// The `i`-th reconstruction of the last run as RGBA bytes (side × side × 4, the model's input).
    pub fn rgba(&self, i: usize) -> Result<Vec<u8>, JsError> {
        let b = self.images.as_ref().ok_or_else(|| JsError::new("no inversion has run yet"))?;
        if i >= b.len() {
            return Err(JsError::new(&format!("image {i} of {}", b.len())));
        }
        b.to_rgba(i).map_err(err)
    }
}
