//! The privacy lab in the browser: one `PrivacyLab` per worker over the packed corpus. `run`
//! returns the same report `mlsec privacy --json` prints.

use super::to_js;
use crate::data::spam::Corpus;
use crate::labs::privacy::{self, Params};
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
