//! The threat model in the browser: the model (the catalogue with the user's edits laid over
//! it, checked by the core), its controls' measurements (run here on what the page loaded and
//! kept here, so an export carries only numbers the core computed), and the exports.

use super::to_js;
use crate::data::cifar;
use crate::data::spam::Corpus;
use crate::labs::threats::{self, measure, report, Edits, Params};
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

fn edits(v: JsValue) -> Result<Edits, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(Edits::default());
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| JsError::new(&format!("bad threat-model edits: {e}")))
}

fn model(v: JsValue) -> Result<threats::Model, JsError> {
    threats::catalogue().with(&edits(v)?).map_err(err)
}

/// The page's measurement sizes (the `quick` preset), as a plain object.
#[wasm_bindgen(js_name = threatDefaults)]
pub fn threat_defaults() -> Result<JsValue, JsError> {
    to_js(&Params::preset("quick").map_err(err)?)
}

/// The default model with `edits` (or none) laid over it; a sentence if the edits do not fit it.
#[wasm_bindgen(js_name = threatModel)]
pub fn threat_model(edits: JsValue) -> Result<JsValue, JsError> {
    to_js(&model(edits)?)
}

/// Each measurement's needs: `{adv-training: ["model", "robust", "samples"], …}` by control id.
#[wasm_bindgen(js_name = threatNeeds)]
pub fn threat_needs() -> Result<JsValue, JsError> {
    let m = threats::catalogue();
    let needs: std::collections::BTreeMap<&str, &[measure::Need]> = m.controls.iter().filter_map(|c| c.measure.map(|x| (c.id.as_str(), x.needs()))).collect();
    to_js(&needs)
}

/// What the measurements run on, and the measurements run so far.
#[wasm_bindgen]
pub struct ThreatLab {
    res: measure::Resources,
    measured: report::Measured,
}

impl Default for ThreatLab {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl ThreatLab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ThreatLab {
        ThreatLab { res: measure::Resources::default(), measured: report::Measured::new() }
    }

    /// The standard model's ONNX bytes (checked by the ONNX gate when a measurement loads it).
    #[wasm_bindgen(js_name = setModel)]
    pub fn set_model(&mut self, bytes: Vec<u8>) {
        self.res.model = Some(bytes);
    }

    #[wasm_bindgen(js_name = setRobust)]
    pub fn set_robust(&mut self, bytes: Vec<u8>) {
        self.res.robust = Some(bytes);
    }

    /// The packed test images (www/data/cifar10-test.bin).
    #[wasm_bindgen(js_name = setSamples)]
    pub fn set_samples(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.res.samples = Some(cifar::unpack(bytes).map_err(err)?);
        Ok(())
    }

    /// The packed SpamAssassin corpus (www/data/spam-assassin.bin).
    #[wasm_bindgen(js_name = setSpam)]
    pub fn set_spam(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.res.spam = Some(Corpus::from_bytes(bytes).map_err(err)?);
        Ok(())
    }

    /// One of the scanner's sample files.
    #[wasm_bindgen(js_name = addScanSample)]
    pub fn add_scan_sample(&mut self, name: String, bytes: Vec<u8>, hostile: bool) {
        self.res.scan.push(measure::ScanSample { name, bytes, hostile });
    }

    /// Which of `needs` (`["model", "samples", …]`) are loaded.
    pub fn has(&self, need: &str) -> bool {
        match need {
            "model" => self.res.model.is_some(),
            "robust" => self.res.robust.is_some(),
            "samples" => self.res.samples.is_some(),
            "spam" => self.res.spam.is_some(),
            "scan_samples" => !self.res.scan.is_empty(),
            _ => false,
        }
    }

    /// Measure `control` at `params` (missing keys: the quick preset); `progress(done, total)`.
    /// The result is kept for the exports and returned.
    pub fn measure(&mut self, control: &str, params: JsValue, progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
        let p: Params = if params.is_undefined() || params.is_null() {
            Params::preset("quick").map_err(err)?
        } else {
            serde_wasm_bindgen::from_value(params).map_err(|e| JsError::new(&format!("bad measurement settings: {e}")))?
        };
        let v = p.check().map_err(err)?;
        let m = threats::catalogue();
        let only = [control.to_string()];
        let clock = || js_sys::Date::now() / 1000.0;
        let mut report = |_: &str, d: usize, n: usize| {
            if let Some(f) = &progress {
                let _ = f.call2(&JsValue::NULL, &JsValue::from(d as f64), &JsValue::from(n as f64));
            }
        };
        let got = threats::measure_controls(&m, &self.res, &v, Some(&only), &mut report, &clock).map_err(err)?;
        let x = got.get(control).cloned().ok_or_else(|| JsError::new(&format!("no measurement for {control}")))?;
        self.measured.insert(control.to_string(), x.clone());
        to_js(&x)
    }

    /// Measurements this page ran in an earlier worker (kept across a cancel), by control id.
    pub fn restore(&mut self, measured: JsValue) -> Result<(), JsError> {
        if measured.is_undefined() || measured.is_null() {
            return Ok(());
        }
        let m: report::Measured = serde_wasm_bindgen::from_value(measured).map_err(|e| JsError::new(&format!("bad measurements: {e}")))?;
        self.measured.extend(m);
        Ok(())
    }

    /// The measurements run so far, by control id.
    pub fn measured(&self) -> Result<JsValue, JsError> {
        to_js(&self.measured)
    }

    /// The Markdown report of the model with `edits`, with the measurements run so far.
    pub fn markdown(&self, edits: JsValue, site: &str) -> Result<String, JsError> {
        Ok(report::markdown(&model(edits)?, &self.measured, site))
    }

    /// The Open Threat Model 0.2.0 JSON of the model with `edits`, with the measurements run so far.
    pub fn otm(&self, edits: JsValue) -> Result<String, JsError> {
        serde_json::to_string_pretty(&report::otm(&model(edits)?, &self.measured)).map_err(|e| JsError::new(&e.to_string()))
    }
}
