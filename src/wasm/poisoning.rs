//! The poisoning lab in the browser: one `PoisonLab` per worker over the packed corpus. Every
//! method returns the same report the CLI prints with `--json`.

use super::to_js;
use crate::data::email::parse_email;
use crate::data::spam::Corpus;
use crate::labs::poisoning::{self, Params, ValidParams};
use crate::spam::filter::Kind;
use crate::spam::Lab;
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The page's settings: a plain object of [`Params`]' fields (missing ones take their defaults), checked.
fn parse(v: JsValue) -> Result<ValidParams, JsError> {
    let p: Params = if v.is_undefined() || v.is_null() { Params::default() } else { serde_wasm_bindgen::from_value(v).map_err(|e| JsError::new(&format!("bad poisoning settings: {e}")))? };
    p.check().map_err(err)
}

#[derive(Serialize)]
struct MessageView<'a> {
    id: u32,
    subject: &'a str,
    from: &'a str,
    body: &'a str,
    label: &'static str,
    truth: &'static str,
    meta: &'a crate::spam::Meta,
}

#[wasm_bindgen]
pub struct PoisonLab {
    lab: Lab,
}

#[wasm_bindgen]
impl PoisonLab {
    /// The lab's default settings (the table of `labs::poisoning::params`), as a plain object.
    pub fn defaults() -> Result<JsValue, JsError> {
        to_js(&Params::default())
    }

    /// Load the packed corpus (www/data/spam-assassin.bin) and lay out the pipeline for `seed`.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], seed: f64) -> Result<PoisonLab, JsError> {
        let corpus = Corpus::from_bytes(bytes).map_err(err)?;
        Ok(PoisonLab { lab: Lab::new(&corpus, crate::error::seed(seed)?).map_err(err)? })
    }

    pub fn size(&self) -> usize {
        self.lab.clean_len()
    }

    /// Train a filter of `model` on the current training set; its test metrics.
    pub fn train(&mut self, model: &str, seed: f64) -> Result<JsValue, JsError> {
        let kind = Kind::parse(model).map_err(err)?;
        let f = self.lab.train(kind, crate::error::seed(seed)?).map_err(err)?;
        to_js(&self.lab.evaluate(&f))
    }

    /// Clean vs poisoned filter (leaves the lab poisoned).
    pub fn poison(&mut self, req: JsValue) -> Result<JsValue, JsError> {
        let v = parse(req)?;
        to_js(&poisoning::poison(&mut self.lab, v.kind, &v.backdoor).map_err(err)?)
    }

    /// ASR and clean accuracy at poison rates 0–10%.
    pub fn curve(&mut self, req: JsValue) -> Result<JsValue, JsError> {
        let v = parse(req)?;
        let c = poisoning::curve(&mut self.lab, v.kind, &v.backdoor, &poisoning::CURVE_RATES).map_err(err)?;
        // leave the lab in the state the settings describe
        poisoning::poison(&mut self.lab, v.kind, &v.backdoor).map_err(err)?;
        to_js(&c)
    }

    /// Inject, investigate, remediate.
    pub fn forensics(&mut self, req: JsValue) -> Result<JsValue, JsError> {
        let v = parse(req)?;
        to_js(&poisoning::forensics(&mut self.lab, v.kind, &v.backdoor).map_err(err)?)
    }

    /// DP-SGD (the settings' q, σ, clip, epochs, δ) vs non-private on the poisoned data.
    pub fn dp(&mut self, req: JsValue) -> Result<JsValue, JsError> {
        let v = parse(req)?;
        to_js(&poisoning::dp(&mut self.lab, &v.dp, &v.backdoor).map_err(err)?)
    }

    /// The dictionary (availability) attack at the settings' filter, rate and seed.
    pub fn dictionary(&mut self, req: JsValue) -> Result<JsValue, JsError> {
        let v = parse(req)?;
        to_js(&poisoning::dictionary_attack(&mut self.lab, v.kind, v.backdoor.rate, 5000, v.backdoor.seed).map_err(err)?)
    }

    /// One record as plain text with its provenance.
    pub fn message(&self, id: u32) -> Result<JsValue, JsError> {
        let d = self.lab.docs.get(id as usize).ok_or_else(|| JsError::new(&format!("no record {id}")))?;
        let name = |b: bool| if b { "spam" } else { "ham" };
        to_js(&MessageView { id, subject: &d.subject, from: &d.from, body: &d.body, label: name(d.label), truth: name(d.truth), meta: &d.meta })
    }

    /// Ingestion-log entries [start, start+count).
    pub fn log(&self, start: usize, count: usize) -> Result<JsValue, JsError> {
        let e = &self.lab.log.entries;
        let s = start.min(e.len());
        to_js(&serde_json::json!({ "total": e.len(), "entries": &e[s..(s + count).min(e.len())] }))
    }

    pub fn verify(&self) -> Result<JsValue, JsError> {
        to_js(&self.lab.verify_log())
    }

    /// Edit one log entry in place (the demo's "tamper" button): verification then fails there.
    pub fn tamper(&mut self, seq: usize) -> Result<JsValue, JsError> {
        let e = self.lab.log.entries.get_mut(seq).ok_or_else(|| JsError::new(&format!("no log entry {seq}")))?;
        e.uploader = "svc-partner-sync".into();
        e.spam = !e.spam;
        to_js(&self.lab.verify_log())
    }

    /// Parse a pasted raw e-mail and classify it with a freshly trained filter of `model`.
    pub fn inspect(&mut self, raw: &[u8], model: &str, seed: f64) -> Result<JsValue, JsError> {
        let email = parse_email(raw).map_err(err)?;
        let kind = Kind::parse(model).map_err(err)?;
        let f = self.lab.train(kind, crate::error::seed(seed)?).map_err(err)?;
        let probe = self.lab.probe(&email.subject, &email.body, email.html, false);
        let z = f.logit(&probe);
        to_js(&serde_json::json!({ "subject": email.subject, "from": email.from, "body": email.body, "html": email.html, "attachments": email.attachments, "spam": z > 0.0, "probability": 1.0 / (1.0 + (-z as f64).exp()), "model": kind.name() }))
    }
}

/// ε of DP-SGD from the RDP accountant.
#[wasm_bindgen(js_name = dpEpsilon)]
pub fn dp_epsilon(q: f64, sigma: f64, steps: f64, delta: f64) -> Result<JsValue, JsError> {
    to_js(&crate::privacy::rdp::epsilon(q, sigma, steps as u64, delta).map_err(err)?)
}
