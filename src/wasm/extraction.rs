//! The extraction lab in the browser: one `ExtractionLab` per worker — the provider's mock API
//! over the victim and the attacker's surrogate. The page steps through an attack (a round of
//! queries, epochs of training, an evaluation) so it can show progress and cancel between
//! steps; every number comes from the same `labs::extraction` the CLI runs.

use super::to_js;
use crate::attacks::extraction::MAX_BUDGET;
use crate::data::cifar;
use crate::labs::extraction::{ExtractionLab as Lab, Params, ValidParams};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The page's settings (a plain object of [`Params`]' fields; missing ones take the `quick`
/// preset's values), checked.
fn parse(v: JsValue) -> Result<ValidParams, JsError> {
    let p: Params = if v.is_undefined() || v.is_null() {
        Params::preset("quick").map_err(err)?
    } else {
        let given: Params = serde_wasm_bindgen::from_value(v.clone()).map_err(|e| JsError::new(&format!("bad extraction settings: {e}")))?;
        let keys: Vec<String> = js_sys::Object::keys(&js_sys::Object::from(v)).iter().filter_map(|k| k.as_string()).collect();
        crate::labs::overlay(&given, &Params::preset("quick").map_err(err)?, &|k| keys.iter().any(|g| g == k)).map_err(err)?
    };
    if p.budget > MAX_BROWSER_BUDGET {
        return Err(JsError::new(&format!("the page runs at most {MAX_BROWSER_BUDGET} queries (each answer keeps its image in memory); the CLI runs up to {MAX_BUDGET}")));
    }
    p.check().map_err(err)
}

#[derive(Serialize)]
struct LogPage<'a> {
    total: usize,
    entries: &'a [crate::api::audit::Entry],
}

#[derive(Serialize)]
struct Verify {
    entries: usize,
    first_bad: Option<usize>,
}

/// Queries the page may ask for: 20,000 answers hold 240 MB of images in the worker.
const MAX_BROWSER_BUDGET: usize = 20_000;

#[wasm_bindgen]
pub struct ExtractionLab {
    lab: Lab,
    /// The settings of the attack in progress (reported with its result).
    params: Option<Params>,
    /// The transfer attack in progress (stepped by the page).
    transfer: Option<crate::attacks::extraction::transfer::TransferRun>,
}

#[wasm_bindgen]
impl ExtractionLab {
    /// A preset's settings (`quick`: the page's; `full`: the CLI's default), as a plain object.
    pub fn defaults(preset: &str) -> Result<JsValue, JsError> {
        to_js(&Params::preset(preset).map_err(err)?)
    }

    /// The victim's ONNX bytes, the packed sample images, the settings (the provider's are used).
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], samples: &[u8], params: JsValue) -> Result<ExtractionLab, JsError> {
        let s = cifar::unpack(samples).map_err(err)?;
        Ok(ExtractionLab { lab: Lab::open(model, &s, &parse(params)?).map_err(err)?, params: None, transfer: None })
    }

    /// Attacker's pool and evaluation-half sizes, and the victim's accuracy on the latter.
    pub fn info(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Info {
            pool: usize,
            eval: usize,
            victim_accuracy: f64,
            keys: Vec<&'static str>,
        }
        to_js(&Info { pool: self.lab.pool.len(), eval: self.lab.eval.labels.len(), victim_accuracy: self.lab.victim_accuracy(), keys: crate::labs::extraction::KEYS.to_vec() })
    }

    /// New provider settings (those of `params`): a fresh API (the log and every key's state start over).
    pub fn configure(&mut self, params: JsValue) -> Result<(), JsError> {
        self.lab.configure(parse(params)?.api).map_err(err)?;
        Ok(())
    }

    /// Start the attack of `params`; returns the query counts at which its rounds end.
    pub fn start(&mut self, params: JsValue) -> Result<Vec<usize>, JsError> {
        let v = parse(params)?;
        self.params = Some(v.params().clone());
        self.lab.start(v.steal).map_err(err)?;
        Ok(self.lab.stealer.as_ref().map(|s| s.checkpoints().to_vec()).unwrap_or_default())
    }

    /// Send the next round of queries; `null` when the attack is over.
    #[wasm_bindgen(js_name = queryRound)]
    pub fn query_round(&mut self) -> Result<JsValue, JsError> {
        match self.lab.query_round().map_err(err)? {
            Some(r) => to_js(&r),
            None => Ok(JsValue::NULL),
        }
    }

    /// One training epoch over every answer so far; the mean loss.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self) -> Result<f64, JsError> {
        self.lab.train_epoch().map_err(err)
    }

    /// Epoch `e` (from 0) of the final polish of `epochs`; the mean loss.
    #[wasm_bindgen(js_name = polishEpoch)]
    pub fn polish_epoch(&mut self, e: usize, epochs: usize) -> Result<f64, JsError> {
        self.lab.polish_epoch(e, epochs).map_err(err)
    }

    /// Fidelity and accuracy on the evaluation half (a point of the curve).
    pub fn evaluate(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.lab.evaluate().map_err(err)?)
    }

    /// The attack's report (what `mlsec extract --json` prints, without the transfer part).
    pub fn report(&self) -> Result<JsValue, JsError> {
        let mut r = self.lab.report(None, 0.0).map_err(err)?;
        r.params = self.params.clone();
        to_js(&r)
    }

    /// PGD-10 (L∞, the settings' `eps` in /255) on the surrogate against the victim, on up to
    /// the settings' `transfer` evaluation images, seeded by their `seed`.
    pub fn transfer(&self, params: JsValue) -> Result<JsValue, JsError> {
        let v = parse(params)?;
        let p = v.params();
        to_js(&self.lab.transfer(p.eps / 255.0, 10, p.transfer.max(1), p.seed).map_err(err)?)
    }

    /// [`Self::transfer`] in steps of 64 images: begin (returns the number of images), then
    /// `transferStep` until it returns false (`transferDone` counts), then `transferFinish`.
    #[wasm_bindgen(js_name = transferBegin)]
    pub fn transfer_begin(&mut self, params: JsValue) -> Result<usize, JsError> {
        let v = parse(params)?;
        let p = v.params();
        let run = self.lab.transfer_begin(p.eps / 255.0, 10, p.transfer.max(1), p.seed).map_err(err)?;
        let total = run.total();
        self.transfer = Some(run);
        Ok(total)
    }

    #[wasm_bindgen(js_name = transferStep)]
    pub fn transfer_step(&mut self) -> Result<bool, JsError> {
        let run = self.transfer.as_mut().ok_or_else(|| JsError::new("no transfer attack is in progress"))?;
        self.lab.transfer_step(run).map_err(err)
    }

    #[wasm_bindgen(js_name = transferDone)]
    pub fn transfer_done(&self) -> usize {
        self.transfer.as_ref().map_or(0, |r| r.done())
    }

    #[wasm_bindgen(js_name = transferFinish)]
    pub fn transfer_finish(&mut self) -> Result<JsValue, JsError> {
        let run = self.transfer.take().ok_or_else(|| JsError::new("no transfer attack is in progress"))?;
        to_js(&self.lab.transfer_finish(run).map_err(err)?)
    }

    /// Every key's counters and PRADA state.
    pub fn keys(&self) -> Result<JsValue, JsError> {
        to_js(&self.lab.keys())
    }

    /// The last `count` log entries (newest last) and the total.
    pub fn log(&self, count: usize) -> Result<JsValue, JsError> {
        let e = &self.lab.api.log.entries;
        to_js(&LogPage { total: e.len(), entries: &e[e.len().saturating_sub(count)..] })
    }

    /// `count` entries of the audit log from two before entry `seq` (the page shows the entry
    /// where verification failed, wherever it is in the log).
    #[wasm_bindgen(js_name = logAt)]
    pub fn log_at(&self, seq: usize, count: usize) -> Result<JsValue, JsError> {
        let e = &self.lab.api.log.entries;
        let start = seq.saturating_sub(2).min(e.len().saturating_sub(count));
        let end = start.saturating_add(count).min(e.len());
        to_js(&LogPage { total: e.len(), entries: &e[start..end] })
    }

    /// Verify the audit log's hash chain.
    pub fn verify(&self) -> Result<JsValue, JsError> {
        to_js(&Verify { entries: self.lab.api.log.entries.len(), first_bad: self.lab.api.log.first_bad() })
    }

    /// Edit one log entry in place (the demo's "tamper" button: its output is rewritten as if the
    /// key had been refused); verification then fails at that entry.
    pub fn tamper(&mut self, seq: usize) -> Result<JsValue, JsError> {
        let e = self.lab.api.log.entries.get_mut(seq).ok_or_else(|| JsError::new(&format!("no log entry {seq}")))?;
        e.status = if e.status == "ok" { "rate-limited".into() } else { "ok".into() };
        e.output.clear();
        self.verify()
    }
}
