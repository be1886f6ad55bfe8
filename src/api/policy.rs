//! What the API returns for a prediction: the output policies a provider can choose to make
//! extraction harder — full probabilities, top-k, label only, rounding, Gaussian noise,
//! ReverseSigmoid (Lee et al. 2019, "Defending against NN model stealing attacks using
//! deceptive perturbations"; the form in IBM ART) and confidence thresholding (abstain below τ).

use crate::rng::Rng;
use crate::{Error, Result};
use serde::Serialize;

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
pub fn apply(policy: &Policy, probs: &[f32], rng: &mut Rng) -> Answer {
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
