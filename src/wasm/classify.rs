//! The classify lab's façade: the packed test images, image decoding, and a tract model that
//! classifies one image ([`crate::labs::classify`]).

use super::to_js;
use crate::data::{cifar, image};
use crate::model::onnx::OnnxClassifier;
use crate::model::Classifier;
use crate::tensor::Batch;
use wasm_bindgen::prelude::*;

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

    /// Images `start..start+count` as flat NCHW values in [0, 1].
    pub fn nchw(&self, start: usize, count: usize) -> Result<Vec<f32>, JsError> {
        Ok(self.inner.batch(start, start.saturating_add(count))?.into_array().into_iter().collect())
    }

    /// Labels of images `start..start+count`.
    pub fn labels(&self, start: usize, count: usize) -> Result<Vec<u32>, JsError> {
        let end = start.saturating_add(count).min(self.inner.labels.len());
        self.inner.labels.get(start..end).map(|l| l.iter().map(|&v| v as u32).collect()).ok_or_else(|| JsError::new(&format!("no images {start}..{end}")))
    }
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
        to_js(&crate::labs::classify::predict(&self.inner, &x)?)
    }
}

/// Flat NCHW values in [0, 1] of a 32×32 RGBA image.
#[wasm_bindgen(js_name = rgbaToNchw)]
pub fn rgba_to_nchw(rgba: &[u8]) -> Result<Vec<f32>, JsError> {
    let x = Batch::from_interleaved_u8(rgba, 1, cifar::SIDE, cifar::SIDE, 4)?;
    Ok(x.view().iter().copied().collect())
}
