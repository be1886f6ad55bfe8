//! The evasion lab's settings: the one table of their defaults and ranges. Each attack's own
//! iterations and query budget are its `Params::default()` ([`AttackKind::default_steps`],
//! [`AttackKind::default_queries`]); the page (`attackDefaults`) and the CLI read them there.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `attack` | `pgd` | `fgsm`, `pgd`, `apgd`, `cw`, `deepfool`, `square`, `hsja`, `simba` | the attack |
//! | `eps` | 8/255 (L∞), 0.5 (L2), none (cw, deepfool, hsja) | 0 ≤ ε ≤ 1 (L∞), ≤ 56 (L2), pixel units | the budget; for minimum-norm attacks a cap on the result. Typed: `8` = 8/255 under L∞, `0.5` = 0.5 under L2, a fraction as written ([`Amount`]) |
//! | `norm` | `linf` | `linf`, `l2` | the budget's norm (fgsm, pgd, apgd; the others have their own) |
//! | `steps` | the attack's | 1–100,000 | iterations (white-box attacks) |
//! | `step` | ε/4 | 0 < step ≤ 1 | PGD's step size |
//! | `queries` | the attack's | 1–1,000,000 | model queries per image (square, hsja, simba) |
//! | `target` | none | a class of the model | a targeted attack towards this class |
//! | `defense` | `none` | `none`, `jpeg:Q`, `squeeze:BITS`, `median:SIZE`, `noise:SIGMA`, up to 4 of these chained with `+` (applied left to right), or `smooth:SIGMA` | the defence in front of the model |
//! | `policy` | `probs` | `probs`, `topk:K`, `label`, `round:D`, `noise:σ`, `rsig:β[:γ]`, `abstain:τ` (black-box attacks only) | what the attacker is answered: the model's output through the API's output policy ([`crate::api::policy`]) |
//! | `adaptive` | false | | the attacker adapts (BPDA through the transformation, EOT over its randomness) |
//! | `eot` | 8 | 1–1,000 | EOT samples per gradient (adaptive, randomized defences) |
//! | `n` | 100 | 1–10,000 | test images attacked (class-interleaved, from the first) |
//! | `batch` | 50 | 1–1,000 | images per attack batch |
//! | `seed` | 0 | 0–2⁶⁴−1 | the run seed (random starts, random search, noise) |

use crate::attacks::evasion::run::{AttackKind, AttackSpec};
use crate::error::{Error, Result};
use crate::tensor::{Amount, Norm};
use serde::{Deserialize, Serialize};

/// The lab's settings; see the module's table. `eps` and `step` follow [`Amount`]'s one rule:
/// from the page a number in pixel units ([0, 1] per value); typed, `8` is 8/255 under L∞ and
/// `0.5` is 0.5 under L2, and a fraction means what it says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// fgsm, pgd, apgd, cw, deepfool, square, hsja or simba.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().attack))]
    pub attack: String,
    /// Budget: a bare number is in /255 levels under L∞ (`8` = 8/255) and in pixel units under
    /// L2 (`0.5`); a fraction (`8/255`) as written. Default 8/255 (L∞), 0.5 (L2); for
    /// cw/deepfool/hsja an optional L2 cap (default none).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub eps: Option<Amount>,
    /// linf or l2 (fgsm, pgd, apgd).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().norm))]
    pub norm: String,
    /// Iterations (default: the attack's own).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub steps: Option<usize>,
    /// PGD step size (default eps/4), same units as --eps.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub step: Option<Amount>,
    /// Query budget per image (square, hsja, simba; default: the attack's own).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub queries: Option<usize>,
    /// Targeted attack towards this class index.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, alias = "targeted"))]
    pub target: Option<usize>,
    /// none, jpeg:Q, squeeze:BITS, median:SIZE, noise:SIGMA, up to 4 of these chained with + (jpeg:75+median:2), or smooth:SIGMA (randomized smoothing, 16 noise draws).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().defense))]
    pub defense: String,
    /// What a black-box attacker is answered: probs, topk:K, label, round:D, noise:σ, rsig:β[:γ] or abstain:τ (the API's output policies).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().policy))]
    pub policy: String,
    /// Attack through the defence (BPDA; EOT for randomized defences).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub adaptive: bool,
    /// EOT samples per gradient for randomized defences.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().eot))]
    pub eot: usize,
    /// Test images attacked.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().n))]
    pub n: usize,
    /// Images per attack batch.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().batch))]
    pub batch: usize,
    /// The run seed.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().seed))]
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params { attack: "pgd".into(), eps: None, norm: "linf".into(), steps: None, step: None, queries: None, target: None, defense: "none".into(), policy: "probs".into(), adaptive: false, eot: 8, n: 100, batch: 50, seed: 0 }
    }
}

/// Settings that passed [`Params::check`], parsed.
#[derive(Clone, Debug)]
pub struct ValidParams {
    params: Params,
    /// The attack with every budget resolved.
    pub spec: AttackSpec,
    /// The defence as reported (`jpeg:75`, `smooth:0.25`, `none`).
    pub defense: String,
    /// EOT samples when the attacker adapts.
    pub adaptive: Option<usize>,
    /// What the attacker is answered (`Probs`: the model's own probabilities).
    pub policy: crate::api::policy::Policy,
}

impl ValidParams {
    /// The settings as given.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

/// The largest L2 distance between two images in [0, 1]³ˣ³²ˣ³² is √3072 ≈ 55.4.
const MAX_L2: f32 = 56.0;

impl Params {
    /// Check every setting against its range (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        let kind = AttackKind::parse(&self.attack)?;
        let norm = Norm::parse(&self.norm)?;
        let used = kind.norm(norm);
        let eps = match self.eps {
            Some(e) => e.pixels(used),
            None if kind.minimal_norm() => 0.0,
            None if used == Norm::L2 => 0.5,
            None => 8.0 / 255.0,
        };
        let max = if used == Norm::L2 { MAX_L2 } else { 1.0 };
        if !(eps.is_finite() && (0.0..=max).contains(&eps)) {
            return bad("eps (the budget)", &format!("between 0 and {max} in pixel units for {used:?}"));
        }
        if let Some(s) = self.steps {
            if !(1..=100_000).contains(&s) {
                return bad("steps", "between 1 and 100,000");
            }
        }
        let step = self.step.map(|s| s.pixels(used));
        if let Some(s) = step {
            if !(s.is_finite() && s > 0.0 && s <= 1.0) {
                return bad("step (PGD's step size)", "> 0 and ≤ 1 in pixel units");
            }
        }
        if let Some(q) = self.queries {
            if !(1..=1_000_000).contains(&q) {
                return bad("queries", "between 1 and 1,000,000 per image");
            }
        }
        let defense = crate::defenses::defence_name(&self.defense)?;
        let policy = crate::api::policy::Policy::parse(&self.policy)?;
        if policy != crate::api::policy::Policy::Probs && kind.white_box() {
            return Err(Error::InvalidArgument(format!(
                "policy {policy} applies to black-box attacks (square, hsja, simba): a white-box attacker ({}) has the weights, not the API's answers",
                self.attack
            )));
        }
        if !(1..=1000).contains(&self.eot) {
            return bad("eot (samples per gradient)", "between 1 and 1,000");
        }
        if !(1..=10_000).contains(&self.n) {
            return bad("n (images)", "between 1 and 10,000");
        }
        if !(1..=1000).contains(&self.batch) {
            return bad("batch", "between 1 and 1,000 images");
        }
        let spec = AttackSpec { attack: kind, eps, norm, steps: self.steps, step, queries: self.queries, target: self.target };
        // reported in pixel units, whatever was typed
        let params = Params { eps: self.eps.map(|_| Amount::Exact(eps)), step: step.map(Amount::Exact), ..self.clone() };
        Ok(ValidParams { params, spec, defense, adaptive: self.adaptive.then_some(self.eot), policy })
    }
}
