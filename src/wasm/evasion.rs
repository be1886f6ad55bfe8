//! The evasion lab's façade: attacks on one image and exact tallies for the page's worker
//! pool ([`crate::labs::evasion`]), randomized smoothing and the feature-squeezing detector.

use super::to_js;
use crate::data::cifar;
use crate::model::onnx::OnnxClassifier;
use crate::model::Classifier;
use crate::tensor::Batch;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Each attack's own defaults: `{pgd: {steps: 10, queries: null}, hsja: {steps: null, queries: 2000}, …}`.
#[wasm_bindgen(js_name = attackDefaults)]
pub fn attack_defaults() -> Result<JsValue, JsError> {
    use crate::attacks::evasion::run::AttackKind;
    #[derive(Serialize)]
    struct D {
        steps: Option<usize>,
        queries: Option<usize>,
    }
    let m: std::collections::BTreeMap<String, D> = AttackKind::all()
        .into_iter()
        .map(|k| (serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), D { steps: k.default_steps(), queries: k.default_queries() }))
        .collect();
    to_js(&m)
}

/// The evasion lab's defaults (its `Params` table, the same `mlsec attack --dry-run` prints):
/// `{params, eps_255}`, where `eps_255` is the default budget resolved for the default norm, in /255.
#[wasm_bindgen(js_name = evasionDefaults)]
pub fn evasion_defaults() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct D {
        params: crate::labs::evasion::Params,
        eps_255: f32,
    }
    let v = crate::labs::evasion::Params::default().check()?;
    to_js(&D { params: v.params().clone(), eps_255: v.spec.eps * 255.0 })
}

/// The evasion lab's settings from the page (the names of [`crate::labs::evasion::Params`]), checked.
fn evasion_params(v: JsValue) -> Result<crate::labs::evasion::ValidParams, JsError> {
    let p: crate::labs::evasion::Params = serde_wasm_bindgen::from_value(v).map_err(|e| JsError::new(&format!("bad attack settings: {e}")))?;
    Ok(p.check()?)
}

/// White-box and black-box evasion attacks on one model: the exact `nn` mirror when it
/// supports the graph, else tract behind NES gradient estimates.
#[wasm_bindgen]
pub struct Attacker {
    net: Option<crate::nn::Network>,
    tract: std::rc::Rc<OnnxClassifier>,
    note: Option<String>,
    squeezing: Option<crate::defenses::detector::squeezing::FeatureSqueezing>,
}

struct Shared(std::rc::Rc<OnnxClassifier>);

impl Classifier for Shared {
    fn logits(&self, x: &Batch) -> crate::Result<ndarray::Array2<f32>> {
        self.0.logits(x)
    }
    fn classes(&self) -> usize {
        self.0.classes()
    }
}

#[wasm_bindgen]
impl Attacker {
    /// Load an ONNX model for attacking.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<Attacker, JsError> {
        let tract = std::rc::Rc::new(OnnxClassifier::from_bytes(bytes)?);
        let (net, note) = match crate::nn::Network::from_onnx(bytes) {
            Ok(n) => (Some(n), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(Attacker { net, tract, note, squeezing: None })
    }

    /// Logits from the differentiable engine (`nn`), flat `[n, classes]` (benchmarks and
    /// cross-checks against tract); an error when the model has an operation `nn` lacks.
    #[wasm_bindgen(js_name = nnLogits)]
    pub fn nn_logits(&self, nchw: &[f32], n: usize) -> Result<Vec<f32>, JsError> {
        let net = self.net.as_ref().ok_or_else(|| JsError::new(self.note.as_deref().unwrap_or("no differentiable engine")))?;
        let x = Batch::from_nchw(nchw, n, 3, cifar::SIDE, cifar::SIDE)?;
        Ok(net.logits(&x)?.into_iter().collect())
    }

    /// Gradient of the cross-entropy with respect to the input (one PGD step's work), flat NCHW.
    #[wasm_bindgen(js_name = inputGradient)]
    pub fn input_gradient(&self, nchw: &[f32], labels: &[u32]) -> Result<Vec<f32>, JsError> {
        use crate::model::Differentiable;
        let net = self.net.as_ref().ok_or_else(|| JsError::new(self.note.as_deref().unwrap_or("no differentiable engine")))?;
        let x = Batch::from_nchw(nchw, labels.len(), 3, cifar::SIDE, cifar::SIDE)?;
        let y: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        let (_, g) = net.logits_and_vjp(&x, &|l: &ndarray::Array2<f32>| crate::loss::cross_entropy(l, &y).1)?;
        Ok(g.into_iter().collect())
    }

    /// "exact" or "estimated".
    #[wasm_bindgen(js_name = gradientKind)]
    pub fn gradient_kind(&self) -> String {
        if self.net.is_some() { "exact" } else { "estimated" }.into()
    }

    /// Attack one image (flat NCHW in [0, 1], 3×32×32) whose true class is `label`.
    /// `progress`, when given, is called with `{queries, gradients}` (what the attack has asked
    /// of the model so far) after every gradient evaluation and every 20 queries.
    pub fn attack(&self, nchw: &[f32], label: usize, request: JsValue, progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
        let p = evasion_params(request)?;
        let x = Batch::from_nchw(nchw, 1, 3, cifar::SIDE, cifar::SIDE)?;
        let mut report = |c: crate::model::counted::Calls| {
            if let (Some(f), Ok(v)) = (&progress, serde_wasm_bindgen::to_value(&c)) {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        };
        let result = self.with_model(p.params().seed, |model| {
            let counted = crate::model::counted::Counted::new(model, 20, &mut report);
            crate::labs::evasion::attack_one(&p, &counted, &x, label, self.note.clone())
        })?;
        to_js(&result)
    }

    /// The exact engine when it mirrors the graph, else NES over tract.
    fn with_model<T>(&self, seed: u64, f: impl FnOnce(&dyn crate::model::Differentiable) -> crate::Result<T>) -> crate::Result<T> {
        match &self.net {
            Some(n) => f(n),
            None => f(&crate::labs::evasion::estimated(Shared(self.tract.clone()), seed)?),
        }
    }
}

#[wasm_bindgen]
impl Attacker {
    /// Attack `n` images (flat NCHW) with true `labels` and return the exact tally (counts and
    /// sums) for merging with other workers' tallies by [`summarize`].
    pub fn evaluate(&self, nchw: &[f32], labels: &[u32], request: JsValue) -> Result<JsValue, JsError> {
        let p = evasion_params(request)?;
        let x = Batch::from_nchw(nchw, labels.len(), 3, cifar::SIDE, cifar::SIDE)?;
        let labels: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        let tally = self.with_model(p.params().seed, |model| crate::labs::evasion::tally(&p, model, &x, &labels))?;
        to_js(&tally)
    }
}

/// Merge tallies (an array of the objects [`Attacker::evaluate`] returns) and summarise them.
#[wasm_bindgen]
pub fn summarize(tallies: JsValue) -> Result<JsValue, JsError> {
    use crate::attacks::evasion::run::Tally;
    let ts: Vec<Tally> = serde_wasm_bindgen::from_value(tallies).map_err(|e| JsError::new(&format!("bad tallies: {e}")))?;
    let mut all = Tally::default();
    for t in &ts {
        all.merge(t);
    }
    to_js(&all.summary())
}

#[derive(Serialize)]
struct SmoothingResult {
    class: Option<usize>,
    name: Option<String>,
    radius: f64,
    p_lower: f64,
    confidence: f64,
    sigma: f32,
    n0: usize,
    n: usize,
    counts: Vec<usize>,
    seed: u64,
}

#[wasm_bindgen]
impl Attacker {
    /// Randomized smoothing of one image (flat NCHW): CERTIFY with `n0` selection and `n`
    /// estimation samples at noise `sigma`, confidence 1 − `alpha`; tract is the base model.
    pub fn certify(&self, nchw: &[f32], sigma: f32, n0: usize, n: usize, alpha: f64, seed: f64) -> Result<JsValue, JsError> {
        use crate::defenses::smoothing::{Smoothed, SmoothingParams};
        let seed = crate::error::seed(seed)?;
        let x = Batch::from_nchw(nchw, 1, 3, cifar::SIDE, cifar::SIDE)?;
        let base = Shared(self.tract.clone());
        let sm = Smoothed::new(&base, SmoothingParams { sigma, n0, n, alpha, batch: 50 })?;
        let c = sm.certify(&x, &mut crate::rng::Rng::seeded(seed))?.remove(0);
        to_js(&SmoothingResult {
            name: c.class.map(|k| crate::labs::evasion::class_name(k, self.tract.classes())),
            class: c.class,
            radius: c.radius,
            p_lower: c.p_lower,
            confidence: 1.0 - alpha,
            sigma,
            n0,
            n,
            counts: c.counts,
            seed,
        })
    }

    /// Calibrate a feature-squeezing detector on `count` clean images (flat NCHW) so that a
    /// fraction `fpr` of them is flagged; returns the threshold and keeps the detector.
    #[wasm_bindgen(js_name = calibrateSqueezing)]
    pub fn calibrate_squeezing(&mut self, nchw: &[f32], count: usize, fpr: f64) -> Result<f32, JsError> {
        use crate::defenses::detector::squeezing::FeatureSqueezing;
        let x = Batch::from_nchw(nchw, count, 3, cifar::SIDE, cifar::SIDE)?;
        let mut d = FeatureSqueezing::cifar()?;
        let base = Shared(self.tract.clone());
        let t = d.calibrate(&base, &x, fpr)?;
        self.squeezing = Some(d);
        Ok(t)
    }

    /// Feature-squeezing scores of `count` images (flat NCHW) under the calibrated detector,
    /// with the threshold and which images it flags.
    #[wasm_bindgen(js_name = squeezingReport)]
    pub fn squeezing_report(&self, nchw: &[f32], count: usize) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Rep {
            threshold: f32,
            scores: Vec<f32>,
            flagged: Vec<bool>,
        }
        let d = self.squeezing.as_ref().ok_or_else(|| JsError::new("the detector is not calibrated yet"))?;
        let x = Batch::from_nchw(nchw, count, 3, cifar::SIDE, cifar::SIDE)?;
        let scores = d.scores(&Shared(self.tract.clone()), &x)?;
        let flagged = scores.iter().map(|&s| s > d.threshold).collect();
        to_js(&Rep { threshold: d.threshold, scores, flagged })
    }

    /// The calibrated detector's threshold, if any.
    #[wasm_bindgen(js_name = squeezingThreshold)]
    pub fn squeezing_threshold(&self) -> Option<f32> {
        self.squeezing.as_ref().map(|d| d.threshold)
    }
}
