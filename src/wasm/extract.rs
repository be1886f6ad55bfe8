//! The extraction lab in the browser: one `ExtractLab` per worker — the provider's mock API
//! over the victim and the attacker's surrogate. The page steps through an attack (a round of
//! queries, epochs of training, an evaluation) so it can show progress and cancel between
//! steps; every number comes from the same `labs::extraction` the CLI runs.

use super::to_js;
use crate::api::policy::Policy;
use crate::api::Config;
use crate::attacks::extraction::{StealConfig, Strategy};
use crate::data::cifar;
use crate::labs::extraction::ExtractionLab;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The provider's settings from the page (missing fields take the CLI's defaults).
#[derive(Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Provider {
    rate: f64,
    burst: f64,
    quota: usize,
    policy: String,
    prada: bool,
    prada_block: bool,
    seed: u64,
}

impl Default for Provider {
    fn default() -> Self {
        let d = Config::default();
        Provider { rate: d.rate, burst: d.burst, quota: d.quota, policy: "probs".into(), prada: false, prada_block: false, seed: 0 }
    }
}

impl Provider {
    fn parse(v: JsValue) -> Result<Config, JsError> {
        let p: Provider = if v.is_undefined() || v.is_null() { Provider::default() } else { serde_wasm_bindgen::from_value(v).map_err(|e| JsError::new(&format!("bad provider settings: {e}")))? };
        if !(p.rate > 0.0 && p.rate.is_finite() && p.burst >= 1.0 && p.burst.is_finite()) || p.quota == 0 {
            return Err(JsError::new("the rate must be > 0, the burst ≥ 1 and the quota ≥ 1"));
        }
        let policy = Policy::parse(&p.policy).map_err(err)?;
        Ok(Config { rate: p.rate, burst: p.burst, quota: p.quota, policy, prada: p.prada || p.prada_block, prada_block: p.prada_block, seed: p.seed, ..Config::default() })
    }
}

/// The attacker's settings from the page.
#[derive(Deserialize)]
#[serde(default)]
struct Attack {
    strategy: String,
    budget: usize,
    arch: String,
    epochs: usize,
    temperature: f32,
    seed: u64,
}

impl Default for Attack {
    fn default() -> Self {
        Attack { strategy: "natural".into(), budget: 500, arch: "cnn-s".into(), epochs: 6, temperature: 1.0, seed: 0 }
    }
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
pub struct ExtractLab {
    lab: ExtractionLab,
}

#[wasm_bindgen]
impl ExtractLab {
    /// The victim's ONNX bytes, the packed sample images, the provider's settings.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], samples: &[u8], provider: JsValue) -> Result<ExtractLab, JsError> {
        let s = cifar::unpack(samples).map_err(err)?;
        Ok(ExtractLab { lab: ExtractionLab::new(model, &s, Provider::parse(provider)?).map_err(err)? })
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

    /// New provider settings: a fresh API (the log and every key's state start over).
    pub fn configure(&mut self, provider: JsValue) -> Result<(), JsError> {
        self.lab.configure(Provider::parse(provider)?);
        Ok(())
    }

    /// Start an attack; returns the query counts at which its rounds end.
    pub fn start(&mut self, attack: JsValue) -> Result<Vec<usize>, JsError> {
        let a: Attack = serde_wasm_bindgen::from_value(attack).map_err(|e| JsError::new(&format!("bad attack settings: {e}")))?;
        if a.budget > MAX_BROWSER_BUDGET {
            return Err(JsError::new(&format!("the page runs at most {MAX_BROWSER_BUDGET} queries (each answer keeps its image in memory); the CLI runs up to 100,000")));
        }
        let strategy = Strategy::parse(&a.strategy).map_err(err)?;
        let cfg = StealConfig { arch: a.arch, epochs: a.epochs, temperature: a.temperature, ..StealConfig::new(strategy, a.budget, a.seed) };
        self.lab.start(cfg).map_err(err)?;
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

    /// Fidelity and accuracy on the evaluation half (a point of the curve).
    pub fn evaluate(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.lab.evaluate().map_err(err)?)
    }

    /// The attack's report (what `mlsec extract --json` prints, without the transfer part).
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.lab.report(None, 0.0).map_err(err)?)
    }

    /// PGD (L∞, `eps`, `steps`) on the surrogate against the victim, on up to `images` evaluation images.
    pub fn transfer(&self, eps: f32, steps: usize, images: usize, seed: f64) -> Result<JsValue, JsError> {
        to_js(&self.lab.transfer(eps, steps, images, seed as u64).map_err(err)?)
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
