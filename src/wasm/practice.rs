//! Interview practice in the browser: the scenarios, the concept matcher, the Markdown export,
//! and the hands-on checks over what the page loaded. No logic here: it converts types.

use super::to_js;
use crate::data::cifar;
use crate::data::spam::Corpus;
use crate::labs::practice::{self, hands_on, report};
use wasm_bindgen::prelude::*;

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

fn seed(s: f64) -> Result<u64, JsError> {
    crate::error::seed(s).map_err(err)
}

/// Every scenario (prompt, rubric, outline, task), as plain objects.
#[wasm_bindgen(js_name = practiceScenarios)]
pub fn practice_scenarios() -> Result<JsValue, JsError> {
    to_js(&practice::scenarios())
}

/// Which rubric points of scenario `id` the `answer` covers.
#[wasm_bindgen(js_name = practiceCheck)]
pub fn practice_check(id: &str, answer: &str) -> Result<JsValue, JsError> {
    to_js(&practice::check(&practice::scenario(id).map_err(err)?, answer))
}

/// The candidate's progress (`{answers, hands_on}`) as Markdown, the scores recomputed.
#[wasm_bindgen(js_name = practiceMarkdown)]
pub fn practice_markdown(progress: JsValue) -> Result<String, JsError> {
    let p: report::Progress = serde_wasm_bindgen::from_value(progress).map_err(|e| JsError::new(&format!("bad practice progress: {e}")))?;
    Ok(report::markdown(&p))
}

/// What the hands-on checks run on.
#[wasm_bindgen]
#[derive(Default)]
pub struct PracticeLab {
    model: Option<Vec<u8>>,
    robust: Option<Vec<u8>>,
    samples: Option<cifar::Samples>,
    spam: Option<Corpus>,
}

fn need<'a, T>(v: &'a Option<T>, what: &str) -> Result<&'a T, JsError> {
    v.as_ref().ok_or_else(|| JsError::new(&format!("{what} is not loaded")))
}

#[wasm_bindgen]
impl PracticeLab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> PracticeLab {
        PracticeLab::default()
    }

    pub fn has(&self, what: &str) -> bool {
        match what {
            "model" => self.model.is_some(),
            "robust" => self.robust.is_some(),
            "samples" => self.samples.is_some(),
            "spam" => self.spam.is_some(),
            _ => false,
        }
    }

    #[wasm_bindgen(js_name = setModel)]
    pub fn set_model(&mut self, bytes: Vec<u8>) {
        self.model = Some(bytes);
    }

    #[wasm_bindgen(js_name = setRobust)]
    pub fn set_robust(&mut self, bytes: Vec<u8>) {
        self.robust = Some(bytes);
    }

    #[wasm_bindgen(js_name = setSamples)]
    pub fn set_samples(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.samples = Some(cifar::unpack(bytes).map_err(err)?);
        Ok(())
    }

    #[wasm_bindgen(js_name = setSpam)]
    pub fn set_spam(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.spam = Some(Corpus::from_bytes(bytes).map_err(err)?);
        Ok(())
    }

    /// The evasion task of `seed` (which image).
    #[wasm_bindgen(js_name = evasionTask)]
    pub fn evasion_task(&self, seed_: f64) -> Result<JsValue, JsError> {
        let (m, _) = crate::labs::evasion::load_model(need(&self.robust, "the robust model")?, seed(seed_)?).map_err(err)?;
        to_js(&hands_on::evasion_task(seed(seed_)?, m.as_ref(), need(&self.samples, "the test images")?).map_err(err)?)
    }

    #[wasm_bindgen(js_name = checkEvasion)]
    pub fn check_evasion(&self, seed_: f64, eps_255: f64) -> Result<JsValue, JsError> {
        to_js(&hands_on::check_evasion(seed(seed_)?, eps_255, need(&self.robust, "the robust model")?, need(&self.samples, "the test images")?).map_err(err)?)
    }

    #[wasm_bindgen(js_name = checkExtraction)]
    pub fn check_extraction(&self, seed_: f64, policy: &str, prada: &str, progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
        let mut report = |d: usize, n: usize| {
            if let Some(f) = &progress {
                let _ = f.call2(&JsValue::NULL, &JsValue::from(d as f64), &JsValue::from(n as f64));
            }
        };
        to_js(&hands_on::check_extraction(seed(seed_)?, policy, prada, need(&self.model, "the model")?, need(&self.samples, "the test images")?, &mut report).map_err(err)?)
    }

    #[wasm_bindgen(js_name = poisoningEvidence)]
    pub fn poisoning_evidence(&self, seed_: f64) -> Result<JsValue, JsError> {
        to_js(&hands_on::poisoning_evidence(seed(seed_)?, need(&self.spam, "the SpamAssassin corpus")?).map_err(err)?)
    }

    #[wasm_bindgen(js_name = checkPoisoning)]
    pub fn check_poisoning(&self, seed_: f64, source: &str, uploader: &str) -> Result<JsValue, JsError> {
        to_js(&hands_on::check_poisoning(seed(seed_)?, source, uploader))
    }
}
