//! The `#[wasm_bindgen]` surface. It converts types and errors, nothing else: every number
//! it returns was computed by the library.

use crate::data::{cifar, image};
use crate::model::onnx::OnnxClassifier;
use crate::model::{softmax, top_k, Classifier};
use crate::tensor::Batch;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// Side of the images the models take.
#[wasm_bindgen(js_name = inputSide)]
pub fn input_side() -> usize {
    cifar::SIDE
}

/// CIFAR-10 class names in label order.
#[wasm_bindgen(js_name = classNames)]
pub fn class_names() -> Vec<String> {
    cifar::CLASSES.iter().map(|s| s.to_string()).collect()
}

/// Decode an uploaded image file (PNG, JPEG, GIF, BMP, WebP) into 32×32 RGBA bytes, as the
/// model sees it (centre-cropped square, resized).
#[wasm_bindgen(js_name = decodeImage)]
pub fn decode_image(bytes: &[u8]) -> Result<Vec<u8>, JsError> {
    let rgb = image::to_square_rgb(bytes, cifar::SIDE as u32)?;
    Ok(Batch::from_interleaved_u8(&rgb, 1, cifar::SIDE, cifar::SIDE, 3)?.to_rgba(0)?)
}

/// The packed test-image sample the site ships (`www/data/cifar10-test.bin`).
#[wasm_bindgen]
pub struct SampleSet {
    inner: cifar::Samples,
}

#[wasm_bindgen]
impl SampleSet {
    /// Parse a packed sample file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<SampleSet, JsError> {
        Ok(SampleSet { inner: cifar::unpack(bytes)? })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// True zero images.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// True label of image `i`.
    pub fn label(&self, i: usize) -> Result<u8, JsError> {
        self.inner.labels.get(i).copied().ok_or_else(|| JsError::new(&format!("no image {i}")))
    }

    /// Image `i` as 32×32 RGBA bytes.
    pub fn rgba(&self, i: usize) -> Result<Vec<u8>, JsError> {
        Ok(self.inner.batch(i, i + 1)?.to_rgba(0)?)
    }
}

#[derive(Serialize)]
struct Ranked {
    class: usize,
    name: String,
    probability: f32,
}

#[derive(Serialize)]
struct Prediction {
    logits: Vec<f32>,
    probabilities: Vec<f32>,
    top: Vec<Ranked>,
}

/// An ONNX classifier run by tract.
#[wasm_bindgen]
pub struct Model {
    inner: OnnxClassifier,
}

#[wasm_bindgen]
impl Model {
    /// Load an ONNX file; a clear error for empty, oversized, malformed or unsupported files.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<Model, JsError> {
        Ok(Model { inner: OnnxClassifier::from_bytes(bytes)? })
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.inner.classes()
    }

    /// Operation names in the graph.
    pub fn ops(&self) -> Vec<String> {
        self.inner.ops().to_vec()
    }

    /// Logits, flat `[n, classes]`, for `n` images given flat NCHW in [0, 1].
    pub fn logits(&self, nchw: &[f32], n: usize) -> Result<Vec<f32>, JsError> {
        let x = Batch::from_nchw(nchw, n, 3, cifar::SIDE, cifar::SIDE)?;
        Ok(self.inner.logits(&x)?.into_iter().collect())
    }

    /// Classify one 32×32 image given as RGBA (or RGB) bytes: logits, probabilities and the
    /// top 5 classes with names.
    pub fn classify(&self, pixels: &[u8]) -> Result<JsValue, JsError> {
        let channels = if pixels.len() == cifar::SIDE * cifar::SIDE * 4 { 4 } else { 3 };
        let x = Batch::from_interleaved_u8(pixels, 1, cifar::SIDE, cifar::SIDE, channels)?;
        let logits = self.inner.logits(&x)?;
        let probs = softmax(&logits);
        let row: Vec<f32> = probs.row(0).to_vec();
        let top = top_k(&row, 5)
            .into_iter()
            .map(|(class, probability)| Ranked {
                class,
                name: class_label(class, self.inner.classes()),
                probability,
            })
            .collect();
        to_js(&Prediction { logits: logits.row(0).to_vec(), probabilities: row, top })
    }
}

fn class_label(class: usize, classes: usize) -> String {
    if classes == cifar::CLASSES.len() {
        cifar::CLASSES[class].to_string()
    } else {
        format!("class {class}")
    }
}
