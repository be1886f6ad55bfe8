//! What the API returns for a prediction: the output policies a provider can choose to make
//! extraction harder — full probabilities, top-k, label only, rounding, Gaussian noise,
//! ReverseSigmoid (Lee et al. 2019, "Defending against NN model stealing attacks using
//! deceptive perturbations"; the form in IBM ART) and confidence thresholding (abstain below τ).

use crate::model::{softmax, Classifier, Differentiable, GradientKind};
use crate::rng::Rng;
use crate::tensor::Batch;
use crate::{Error, Result};
use ndarray::{Array2, Array4};
use serde::Serialize;
use std::sync::Mutex;

/// What a model's probabilities go through before a caller sees them: an output policy. The
/// mock API answers through one, and the evasion lab's black-box attacker can be made to
/// (`--policy`): the same [`Policy`] values, the same code.
pub trait Postprocessor {
    /// The form [`Policy::parse`] reads, e.g. `topk:3`.
    fn name(&self) -> String;
    /// The answer for one image's probabilities (`rng` for randomized policies).
    fn answer(&self, probs: &[f32], rng: &mut Rng) -> Answer;
}

impl Postprocessor for Policy {
    fn name(&self) -> String {
        self.to_string()
    }
    fn answer(&self, probs: &[f32], rng: &mut Rng) -> Answer {
        apply(self, probs, rng)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum Policy {
    Probs,
    TopK { k: usize },
    Label,
    Round { decimals: u32 },
    Noise { sigma: f32 },
    ReverseSigmoid { beta: f32, gamma: f32 },
    Abstain { tau: f32 },
}

impl Policy {
    /// `probs`, `topk:3`, `label`, `round:2`, `noise:0.05`, `rsig:1.0[:0.1]`, `abstain:0.5`.
    pub fn parse(s: &str) -> Result<Policy> {
        let (name, arg) = s.trim().split_once(':').map_or((s.trim(), None), |(a, b)| (a, Some(b)));
        let num = |what: &str| -> Result<f64> {
            arg.and_then(|a| a.split(':').next()).ok_or_else(|| Error::InvalidArgument(format!("{name} needs {what}, e.g. {name}:…")))?.parse::<f64>().map_err(|_| Error::InvalidArgument(format!("{name}: {what} must be a number")))
        };
        if arg.is_some() && matches!(name, "probs" | "label") {
            return Err(Error::InvalidArgument(format!("the output policy {name} takes no value (got `{}`)", s.trim())));
        }
        let p = match name {
            "probs" => Policy::Probs,
            "label" => Policy::Label,
            "topk" => Policy::TopK { k: crate::error::whole("topk's k", num("k")?, 1, 1000)? as usize },
            "round" => Policy::Round { decimals: crate::error::whole("round's number of decimals", num("the number of decimals")?, 0, 6)? as u32 },
            "noise" => Policy::Noise { sigma: num("σ")? as f32 },
            "rsig" => {
                let gamma = arg.and_then(|a| a.split(':').nth(1)).map(|g| g.parse::<f32>()).transpose().map_err(|_| Error::InvalidArgument("rsig: γ must be a number".into()))?.unwrap_or(0.1);
                Policy::ReverseSigmoid { beta: num("β")? as f32, gamma }
            }
            "abstain" => Policy::Abstain { tau: num("τ")? as f32 },
            other => return Err(Error::InvalidArgument(format!("unknown output policy {other:?}: use probs, topk:K, label, round:D, noise:σ, rsig:β[:γ] or abstain:τ"))),
        };
        match p {
            Policy::Noise { sigma } if !(sigma >= 0.0 && sigma.is_finite()) => Err(Error::InvalidArgument("noise needs σ ≥ 0".into())),
            Policy::ReverseSigmoid { beta, gamma } if !(beta > 0.0 && gamma > 0.0) => Err(Error::InvalidArgument("rsig needs β > 0 and γ > 0".into())),
            Policy::Abstain { tau } if !(0.0..=1.0).contains(&tau) => Err(Error::InvalidArgument("abstain needs 0 ≤ τ ≤ 1".into())),
            p => Ok(p),
        }
    }
}

impl Policy {
    /// Whether the policy fits a model of `classes` classes (top-k needs k ≤ classes).
    pub fn check_classes(&self, classes: usize) -> Result<()> {
        match self {
            Policy::TopK { k } if *k > classes => Err(Error::InvalidArgument(format!("topk's k is {k}, but the model has {classes} classes"))),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for Policy {
    /// The form [`Policy::parse`] reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Policy::Probs => write!(f, "probs"),
            Policy::Label => write!(f, "label"),
            Policy::TopK { k } => write!(f, "topk:{k}"),
            Policy::Round { decimals } => write!(f, "round:{decimals}"),
            Policy::Noise { sigma } => write!(f, "noise:{sigma}"),
            Policy::ReverseSigmoid { beta, gamma } => write!(f, "rsig:{beta}:{gamma}"),
            Policy::Abstain { tau } => write!(f, "abstain:{tau}"),
        }
    }
}

/// One answer. `probs` is `None` under label-only and abstention; `label` is `None` when the
/// API abstains; top-k gives the k largest probabilities and zeros elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Answer {
    pub label: Option<usize>,
    pub probs: Option<Vec<f32>>,
}

fn argmax(p: &[f32]) -> usize {
    p.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0
}

fn renormalise(p: &mut [f32]) {
    let s: f32 = p.iter().sum();
    if s > 0.0 {
        p.iter_mut().for_each(|v| *v /= s);
    }
}

/// Apply `policy` to the victim's probabilities (`rng` for the noise policy only).
fn apply(policy: &Policy, probs: &[f32], rng: &mut Rng) -> Answer {
    if probs.is_empty() {
        return Answer { label: None, probs: None };
    }
    let top = argmax(probs);
    match *policy {
        Policy::Probs => Answer { label: Some(top), probs: Some(probs.to_vec()) },
        Policy::Label => Answer { label: Some(top), probs: None },
        Policy::TopK { k } => {
            let mut idx: Vec<usize> = (0..probs.len()).collect();
            idx.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
            let mut out = vec![0.0; probs.len()];
            for &i in idx.iter().take(k) {
                out[i] = probs[i];
            }
            Answer { label: Some(top), probs: Some(out) }
        }
        Policy::Round { decimals } => {
            let f = 10f32.powi(decimals as i32);
            Answer { label: Some(top), probs: Some(probs.iter().map(|p| (p * f).round() / f).collect()) }
        }
        Policy::Noise { sigma } => {
            let mut p: Vec<f32> = probs.iter().map(|p| (p + sigma * rng.normal()).max(0.0)).collect();
            renormalise(&mut p);
            Answer { label: Some(argmax(&p)), probs: Some(p) }
        }
        Policy::ReverseSigmoid { beta, gamma } => {
            // r = β·(σ(γ·logit(p)) − ½); p' = clip(p − r, 0, 1), renormalised
            let mut p: Vec<f32> = probs
                .iter()
                .map(|&p| {
                    let pc = p.clamp(1e-9, 1.0 - 1e-9);
                    let r = beta * (1.0 / (1.0 + (-gamma * (pc / (1.0 - pc)).ln()).exp()) - 0.5);
                    (p - r).clamp(0.0, 1.0)
                })
                .collect();
            renormalise(&mut p);
            Answer { label: Some(top), probs: Some(p) }
        }
        Policy::Abstain { tau } => {
            if probs[top] < tau {
                Answer { label: None, probs: None }
            } else {
                Answer { label: Some(top), probs: Some(probs.to_vec()) }
            }
        }
    }
}

/// Scores that carry an [`Answer`] (softmax gives back what was answered): log-probabilities;
/// a label alone is a one-hot (0 for the label, −100 elsewhere); an abstention is uniform.
fn scores(a: &Answer, classes: usize) -> Vec<f32> {
    match (&a.probs, a.label) {
        (Some(p), _) => p.iter().map(|&v| v.max(1e-30).ln()).collect(),
        (None, Some(l)) => (0..classes).map(|c| if c == l { 0.0 } else { -100.0 }).collect(),
        (None, None) => vec![0.0; classes],
    }
}

/// A model seen only through a [`Postprocessor`], as a client of the API sees it: its logits
/// are the answers' [`scores`]. It gives no gradients (a black-box attacker's view).
pub struct Answered<'a> {
    model: &'a dyn Differentiable,
    post: &'a dyn Postprocessor,
    rng: Mutex<Rng>,
}

impl<'a> Answered<'a> {
    /// `model` behind `post`; randomized policies draw from `rng`.
    pub fn new(model: &'a dyn Differentiable, post: &'a dyn Postprocessor, rng: Rng) -> Self {
        Answered { model, post, rng: Mutex::new(rng) }
    }
}

impl Classifier for Answered<'_> {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        let probs = softmax(&self.model.logits(x)?);
        let classes = self.model.classes();
        let mut rng = self.rng.lock().map_err(|_| Error::Inference("the output policy failed earlier".into()))?;
        let mut out = Array2::<f32>::zeros((x.len(), classes));
        for (i, row) in probs.rows().into_iter().enumerate() {
            let a = self.post.answer(&row.to_vec(), &mut rng);
            out.row_mut(i).assign(&ndarray::Array1::from(scores(&a, classes)));
        }
        Ok(out)
    }
    fn classes(&self) -> usize {
        self.model.classes()
    }
}

impl Differentiable for Answered<'_> {
    fn logits_and_vjp(&self, _: &Batch, _: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        Err(Error::InvalidArgument(format!(
            "behind the output policy {} the attacker has answers only, no gradients: use a black-box attack (square, hsja, simba)",
            self.post.name()
        )))
    }
    fn gradient_kind(&self) -> GradientKind {
        GradientKind::Estimated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed logits for any input: [2, 1, 0, −1] for every image.
    struct Fixed;
    impl Classifier for Fixed {
        fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
            Ok(Array2::from_shape_fn((x.len(), 4), |(_, c)| 2.0 - c as f32))
        }
        fn classes(&self) -> usize {
            4
        }
    }
    impl Differentiable for Fixed {
        fn logits_and_vjp(&self, x: &Batch, _: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
            Ok((self.logits(x)?, Array4::zeros(x.dim())))
        }
    }

    #[test]
    fn a_model_behind_a_policy_shows_only_what_the_policy_answers() {
        let x = Batch::from_nchw(&[0.5; 3 * 2 * 2 * 2], 2, 3, 2, 2).unwrap();
        let probs = |p: &str| {
            let policy = Policy::parse(p).unwrap();
            let m = Answered::new(&Fixed, &policy, Rng::seeded(0));
            softmax(&m.logits(&x).unwrap()).row(1).to_vec()
        };
        let full = probs("probs");
        let direct = softmax(&Fixed.logits(&x).unwrap()).row(1).to_vec();
        assert!(full.iter().zip(&direct).all(|(a, b)| (a - b).abs() < 1e-6));
        let label = probs("label");
        assert!(label[0] > 0.999 && label[1..].iter().all(|&p| p < 1e-6), "{label:?}");
        let top2 = probs("topk:2");
        assert!(top2[2] < 1e-6 && top2[3] < 1e-6 && top2[0] > top2[1] && top2[1] > 0.1, "{top2:?}");
        // every class below τ: an abstention reads as uniform
        assert!(probs("abstain:0.99").iter().all(|&p| (p - 0.25).abs() < 1e-6));
        let policy = Policy::parse("label").unwrap();
        let err = Answered::new(&Fixed, &policy, Rng::seeded(0)).logits_and_vjp(&x, &|l: &Array2<f32>| l.clone()).unwrap_err().to_string();
        assert!(err.contains("no gradients") && err.contains("label"), "{err}");
    }
}
