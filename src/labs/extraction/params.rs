//! The extraction lab's settings: the one place their defaults, ranges and presets live.
//!
//! | name | `full` (default) | `quick` (the page) | range | meaning |
//! |---|---|---|---|---|
//! | `policy` | `probs` | `probs` | `probs`, `topk:K`, `label`, `round:D`, `noise:σ`, `rsig:β[:γ]`, `abstain:τ` | what the API returns ([`Policy`]) |
//! | `rate` | 50 | 50 | 0 < rate ≤ 10⁹ | calls per second per key (token bucket) |
//! | `burst` | 100 | 100 | 1 ≤ burst ≤ 10⁹ | bucket size |
//! | `quota` | 1,000,000 | 1,000,000 | 1 ≤ quota | answers per key in all |
//! | `prada` | `off` | `off` | `off`, `alert`, `block` | PRADA on every key (Juuti et al. 2019) |
//! | `strategy` | `natural` | `natural` | `natural`, `adaptive`, `jacobian`, `noise` | what the attacker sends ([`Strategy`]) |
//! | `budget` | 10,000 | 400 | 1–100,000 (the page: 20,000) | queries in all |
//! | `arch` | `cnn-bn` | `cnn-s` | `cnn-s`, `cnn-m`, `cnn-bn`, `vgg-bn` | surrogate ([`crate::nn::CnnSpec::named`]) |
//! | `epochs` | 6 | 4 | 1–200 | training epochs after each round |
//! | `lr` | 0.002 | 0.002 | 0 < lr < 1 | Adam learning rate |
//! | `polish` | 60 | 0 | 0–1,000 | epochs after the last round, learning rate decayed to zero |
//! | `temperature` | 4 | 1 | 1–20 | distillation temperature T |
//! | `weight_decay` | 0.05 | 0 | 0–1 | AdamW's decoupled decay |
//! | `mix` | 1 | 0.5 | 0–1 | of the natural strategy's extra queries, the fraction that are two-image mixtures |
//! | `transfer` | 0 | 100 | 0–10,000 | evaluation images for the transfer attack (0: none) |
//! | `eps` | 8 | 8 | 0 < ε ≤ 255 | the transfer attack's L∞ ε, in /255 |
//! | `seed` | 0 | 0 | any u64 | the run seed (shown in every report) |
//!
//! `full` is the README's measured recipe (80% fidelity at 10,000 queries); `quick` is the
//! page's first run (about 8 s in a browser tab), enough to watch the curves move.

use crate::api::policy::Policy;
use crate::api::Config;
use crate::attacks::extraction::{StealConfig, Strategy};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// PRADA on the provider's side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Prada {
    #[default]
    Off,
    /// Flag keys whose query distances stop looking natural.
    Alert,
    /// Flag them and refuse their further calls.
    Block,
}

impl std::fmt::Display for Prada {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Prada::Off => "off",
            Prada::Alert => "alert",
            Prada::Block => "block",
        })
    }
}

/// The lab's settings; see the module's table. `Default` is the `full` preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Output policy: probs, topk:K, label, round:D, noise:SIGMA, rsig:BETA[:GAMMA] or abstain:TAU.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().policy))]
    pub policy: String,
    /// Calls per second per key.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().rate))]
    pub rate: f64,
    /// Token-bucket burst.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().burst))]
    pub burst: f64,
    /// Answers per key, in all.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().quota))]
    pub quota: usize,
    /// PRADA on every key: off, alert, or block (`--prada` alone: alert).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, value_enum, num_args = 0..=1, default_missing_value = "alert", default_value_t = Params::default().prada))]
    pub prada: Prada,
    /// Query strategy: natural, adaptive, jacobian or noise.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().strategy))]
    pub strategy: String,
    /// Queries the attacker sends in all.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().budget))]
    pub budget: usize,
    /// Surrogate: cnn-s, cnn-m, cnn-bn (cnn-m with BatchNorm) or vgg-bn (two convolutions a stage).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().arch))]
    pub arch: String,
    /// Training epochs after each round.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().epochs))]
    pub epochs: usize,
    /// Adam learning rate.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().lr))]
    pub lr: f32,
    /// Epochs after the last round with the learning rate decayed to zero.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().polish))]
    pub polish: usize,
    /// Distillation temperature (1 = plain soft-label cross-entropy).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().temperature))]
    pub temperature: f32,
    /// Decoupled weight decay of the surrogate's Adam (AdamW).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().weight_decay))]
    pub weight_decay: f32,
    /// Natural strategy: of the queries made once every pool image is sent, the fraction that
    /// are two-image mixtures (the rest flipped and shifted copies).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().mix))]
    pub mix: f32,
    /// Transfer attack (PGD-10 on the surrogate, sent to the victim) on this many evaluation images; 0: none.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().transfer))]
    pub transfer: usize,
    /// The transfer attack's L∞ ε, in /255.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().eps))]
    pub eps: f32,
    /// The run seed.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().seed))]
    pub seed: u64,
}

/// The `full` preset.
impl Default for Params {
    fn default() -> Self {
        Params {
            policy: "probs".into(),
            rate: 50.0,
            burst: 100.0,
            quota: 1_000_000,
            prada: Prada::Off,
            strategy: "natural".into(),
            budget: 10_000,
            arch: "cnn-bn".into(),
            epochs: 6,
            lr: 2e-3,
            polish: 60,
            temperature: 4.0,
            weight_decay: 0.05,
            mix: 1.0,
            transfer: 0,
            eps: 8.0,
            seed: 0,
        }
    }
}

/// Names [`Params::preset`] knows, the default first.
pub use crate::labs::PRESETS;

/// Settings that passed [`Params::check`], with the parsed forms the lab runs on.
#[derive(Clone, Debug)]
pub struct ValidParams {
    params: Params,
    /// The provider's API.
    pub api: Config,
    /// The attacker's run.
    pub steal: StealConfig,
}

impl ValidParams {
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl Params {
    /// A named preset (see the module's table): `full` (= `Default`) or `quick`.
    pub fn preset(name: &str) -> Result<Params> {
        crate::labs::preset(name, || Params { budget: 400, arch: "cnn-s".into(), epochs: 4, polish: 0, temperature: 1.0, weight_decay: 0.0, mix: 0.5, transfer: 100, ..Params::default() })
    }

    /// Check every setting against its range (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        let policy = Policy::parse(&self.policy)?;
        let strategy = Strategy::parse(&self.strategy)?;
        if !(self.rate > 0.0 && self.rate <= 1e9) {
            return bad("rate", "> 0 and ≤ 10⁹ calls per second");
        }
        if !(self.burst >= 1.0 && self.burst <= 1e9) {
            return bad("burst", "between 1 and 10⁹");
        }
        if self.quota == 0 {
            return bad("quota", "at least 1");
        }
        if self.transfer > 10_000 {
            return bad("transfer", "between 0 and 10,000 images");
        }
        if !(self.eps > 0.0 && self.eps <= 255.0) {
            return bad("eps", "in /255 units: 0 < eps ≤ 255");
        }
        let api = Config {
            rate: self.rate,
            burst: self.burst,
            quota: self.quota,
            policy,
            prada: self.prada != Prada::Off,
            prada_block: self.prada == Prada::Block,
            seed: self.seed,
            ..Config::default()
        };
        let steal = StealConfig {
            arch: self.arch.clone(),
            epochs: self.epochs,
            lr: self.lr,
            polish: self.polish,
            temperature: self.temperature,
            weight_decay: self.weight_decay,
            mix: self.mix,
            ..StealConfig::new(strategy, self.budget, self.seed)
        };
        steal.check()?;
        Ok(ValidParams { params: self.clone(), api, steal })
    }
}
