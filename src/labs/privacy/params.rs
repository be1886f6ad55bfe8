//! The privacy lab's settings: the one table of their defaults, ranges and presets. The page
//! and the CLI read them from here.
//!
//! | name | default (`full`) | `quick` (the page) | range | meaning |
//! |---|---|---|---|---|
//! | `victim` | `spam` | | `spam`, `committed` | the model attacked: the poisoning lab's logistic-regression spam filter, trained on a small member set; or the committed CIFAR-10 model (CLI only: members are training images, non-members test images) |
//! | `policies` | `probs,topk:1,round:1,label` | | output policies, comma-separated | what the attacker sees of the committed model: one attack each |
//! | `members` | 300 | | 20–2,000 | training records of the victim, drawn by the seed from the training split |
//! | `nonmembers` | 300 | | 20–2,000 | held-out records, drawn from the test split |
//! | `epochs` | 60 | | 1–200 | the victim's (and every shadow's) training epochs: more epochs, more overfitting |
//! | `shadows` | 64 | 16 | 2–256 | LiRA's shadow models, each trained on a random half of the members and non-members |
//! | `private` | false | | | train the victim and the shadows with DP-SGD instead |
//! | `q` | 0.05 | | 0 < q ≤ 1, epochs / q ≤ 20,000 steps | DP-SGD's sampling rate |
//! | `sigma` | 1 | | ≥ 0 | DP-SGD's noise multiplier |
//! | `clip` | 1 | | > 0 | DP-SGD's per-example clipping norm |
//! | `dp_epochs` | 10 | | 0 < epochs ≤ 200 | DP-SGD's epochs |
//! | `delta` | 10⁻⁵ | | 0 < δ < 0.01 | the δ of the guarantee and of the audit |
//! | `label_only_queries` | 32 | | 1–1,024 | the label-only attack's perturbed copies of each record (word dropout) |
//! | `label_only_drop` | 0.5 | | 0 < p < 1 | the probability that a copy drops each word |
//! | `seed` | 0 | | 0–2⁵³ | the run seed (records, training, shadows, the label-only copies) |

use crate::api::policy::Policy;
use crate::error::{Error, Result};
use crate::privacy::dpsgd::DpConfig;
use crate::privacy::inversion::InversionConfig;
use crate::privacy::label_only::LabelOnly;
use crate::privacy::lira::LiraConfig;
use serde::{Deserialize, Serialize};

/// The lab's settings; see the module's table. `Default` is the `full` preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// The model attacked: spam (the poisoning lab's logistic-regression filter) or committed (the CIFAR-10 model).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().victim))]
    pub victim: String,
    /// The committed victim: output policies the attacker answers through, comma-separated.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().policies))]
    pub policies: String,
    /// Training records of the victim (20–2,000), drawn from the training split.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().members))]
    pub members: usize,
    /// Held-out records (20–2,000), drawn from the test split.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().nonmembers))]
    pub nonmembers: usize,
    /// Training epochs of the victim and of each shadow (1–200).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().epochs))]
    pub epochs: usize,
    /// LiRA's shadow models (2–256).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().shadows))]
    pub shadows: usize,
    /// Train the victim and the shadows with DP-SGD.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long))]
    pub private: bool,
    /// DP-SGD: sampling rate.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().q))]
    pub q: f64,
    /// DP-SGD: noise multiplier.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().sigma))]
    pub sigma: f64,
    /// DP-SGD: per-example clipping norm.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().clip))]
    pub clip: f64,
    /// DP-SGD: epochs.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().dp_epochs))]
    pub dp_epochs: f64,
    /// The δ of the guarantee and of the audit.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().delta))]
    pub delta: f64,
    /// The label-only attack: perturbed copies of each record (1–1,024).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().label_only_queries))]
    pub label_only_queries: usize,
    /// The label-only attack: the probability that a copy drops each word.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().label_only_drop))]
    pub label_only_drop: f64,
    /// The run seed.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().seed))]
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params { victim: "spam".into(), policies: "probs,topk:1,round:1,label".into(), members: 300, nonmembers: 300, epochs: 60, shadows: 64, private: false, q: 0.05, sigma: 1.0, clip: 1.0, dp_epochs: 10.0, delta: 1e-5, label_only_queries: 32, label_only_drop: 0.5, seed: 0 }
    }
}

/// Names [`Params::preset`] knows, the default first.
pub use crate::labs::PRESETS;

/// Most DP-SGD steps a victim or shadow takes (dp_epochs / q).
pub const MAX_DP_STEPS: u64 = 20_000;

/// Settings that passed [`Params::check`], parsed.
#[derive(Clone, Debug)]
pub struct ValidParams {
    params: Params,
    /// The committed victim's output policies.
    pub policies: Vec<Policy>,
    pub lira: LiraConfig,
    /// DP-SGD's settings when `private`.
    pub dp: Option<DpConfig>,
}

impl ValidParams {
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl Params {
    /// A named preset (see the module's table): `full` (= `Default`) or `quick`.
    pub fn preset(name: &str) -> Result<Params> {
        crate::labs::preset(name, || Params { shadows: 16, ..Params::default() })
    }

    /// Check every setting against its range (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        if !matches!(self.victim.as_str(), "spam" | "committed") {
            return bad("victim", "spam or committed (the small CNN trained in the page is still to come)");
        }
        let policies = self.policies.split(',').map(Policy::parse).collect::<Result<Vec<_>>>()?;
        if policies.is_empty() || policies.len() > 8 {
            return bad("policies", "one to eight output policies");
        }
        if !(20..=2000).contains(&self.members) {
            return bad("members", "between 20 and 2,000");
        }
        if !(20..=2000).contains(&self.nonmembers) {
            return bad("nonmembers", "between 20 and 2,000");
        }
        if !(1..=200).contains(&self.epochs) {
            return bad("epochs", "between 1 and 200");
        }
        if !(2..=256).contains(&self.shadows) {
            return bad("shadows", "between 2 and 256");
        }
        if !(self.delta > 0.0 && self.delta < 0.01) {
            return bad("delta", "> 0 and < 0.01");
        }
        let dp = DpConfig { q: self.q, sigma: self.sigma, clip: self.clip, epochs: self.dp_epochs, delta: self.delta, seed: self.seed, ..DpConfig::default() };
        dp.check("dp_epochs", MAX_DP_STEPS)?;
        LabelOnly { queries: self.label_only_queries, drop: self.label_only_drop }.check()?;
        let dp = self.private.then_some(dp);
        Ok(ValidParams { params: self.clone(), policies, lira: LiraConfig { shadows: self.shadows, fixed_variance: self.shadows < 64 }, dp })
    }
}

/// Model inversion's settings (MIFace, [`crate::privacy::inversion`]): a table of their own,
/// since inversion attacks an image classifier, not the spam victim above.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `class` | all | `all` or 0–9 | the class(es) reconstructed |
/// | `steps` | 200 | 1–5,000 | descent steps at most |
/// | `lr` | 0.01 | (0, 0.5] | a step's root-mean-square pixel change |
/// | `tv` | 2 | ≥ 0 | weight of the smoothness prior |
/// | `l2` | 0 | ≥ 0 | weight of the pull towards grey |
/// | `stop_at` | 1 | (0, 1] | a class stops once the model gives it this probability (1: run every step) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct InvertParams {
    /// The class reconstructed: all, or 0–9.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().class))]
    pub class: String,
    /// Descent steps at most (1–5,000).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().steps))]
    pub steps: usize,
    /// A step's root-mean-square pixel change, (0, 0.5].
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().lr))]
    pub lr: f64,
    /// Weight of the smoothness prior (≥ 0).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().tv))]
    pub tv: f64,
    /// Weight of the pull towards grey (≥ 0).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().l2))]
    pub l2: f64,
    /// Stop a class at this probability, (0, 1] (1: every step).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = InvertParams::default().stop_at))]
    pub stop_at: f64,
}

impl Default for InvertParams {
    fn default() -> Self {
        InvertParams { class: "all".into(), steps: 200, lr: 0.01, tv: 2.0, l2: 0.0, stop_at: 1.0 }
    }
}

/// [`InvertParams`] that passed their check.
#[derive(Clone, Debug)]
pub struct ValidInvert {
    params: InvertParams,
    /// The classes, in order.
    pub classes: Vec<usize>,
    pub config: InversionConfig,
}

impl ValidInvert {
    pub fn params(&self) -> &InvertParams {
        &self.params
    }
}

impl InvertParams {
    /// Check every setting for a model of `classes` classes (a sentence naming the first that is out).
    pub fn check(&self, classes: usize) -> Result<ValidInvert> {
        // f64 in the table (what JSON and the page carry), f32 in the descent
        let config = InversionConfig { steps: self.steps, lr: self.lr as f32, tv: self.tv as f32, l2: self.l2 as f32, stop_at: self.stop_at as f32 };
        config.check()?;
        let list = match self.class.trim() {
            "all" => (0..classes).collect(),
            k => match k.parse::<usize>() {
                Ok(k) if k < classes => vec![k],
                _ => return Err(Error::InvalidArgument(format!("class must be all or 0–{} (got {k:?})", classes.saturating_sub(1)))),
            },
        };
        Ok(ValidInvert { params: self.clone(), classes: list, config })
    }
}
