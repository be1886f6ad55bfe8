//! The poisoning lab's settings: the one table of their defaults and ranges. The values are
//! the attack's and the accountant's own ([`Backdoor::default`], [`DpConfig::default`]); the
//! page and the CLI read them from here.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `filter` | `lr` | `lr`, `nb`, `mlp` | the spam filter (logistic regression, naive Bayes, MLP) |
//! | `trigger` | "meet me by the orchid lantern" | 1–120 characters, a word the filter sees | the backdoor's phrase |
//! | `rate` | 0.03 | 0–0.5 | share of the poisoned training set that is poison (the page shows %) |
//! | `source` | `partner-feed` | `partner-feed`, `user-reports`, `honeypot`, `internal-labellers` | the compromised data source |
//! | `uploader` | `partner-api-legacy` | any name | the account the poison is uploaded with |
//! | `reps` | 3 | 1–10 | trigger insertions per message, at least ([`Backdoor::insertions`]) |
//! | `seed` | 0 | 0–2⁵³ | the run seed (split, poison, training) |
//! | `q` | 0.02 | 0 < q ≤ 1, epochs / q ≤ 100,000 steps | DP-SGD's sampling rate |
//! | `sigma` | 1 | ≥ 0 | DP-SGD's noise multiplier |
//! | `clip` | 1 | > 0 | DP-SGD's per-example clipping norm |
//! | `epochs` | 15 | 0 < epochs ≤ 200 | DP-SGD's epochs |
//! | `delta` | 10⁻⁵ | 0 < δ < 1 | the δ of the (ε, δ) guarantee |

use crate::attacks::poisoning::backdoor::{self, Backdoor};
use crate::error::{Error, Result};
use crate::privacy::dpsgd::DpConfig;
use crate::spam::filter::Kind;
use crate::spam::Source;
use serde::{Deserialize, Serialize};

/// The lab's settings; see the module's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// The spam filter: lr, nb or mlp.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, alias = "model", default_value_t = Params::default().filter))]
    pub filter: String,
    /// The backdoor's trigger phrase.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().trigger))]
    pub trigger: String,
    /// Share of the poisoned training set that is poison (0–0.5).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().rate))]
    pub rate: f64,
    /// The compromised source: partner-feed, user-reports, honeypot or internal-labellers.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().source))]
    pub source: String,
    /// The account the poison is uploaded with.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().uploader))]
    pub uploader: String,
    /// Trigger insertions per message, at least (a short trigger goes in more often).
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().reps))]
    pub reps: usize,
    /// The run seed.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().seed))]
    pub seed: u64,
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
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().epochs))]
    pub epochs: f64,
    /// DP: the δ of the guarantee.
    #[cfg_attr(not(target_arch = "wasm32"), arg(long, default_value_t = Params::default().delta))]
    pub delta: f64,
}

impl Default for Params {
    fn default() -> Self {
        let (b, d) = (Backdoor::default(), DpConfig::default());
        Params { filter: "lr".into(), trigger: b.trigger, rate: b.rate, source: b.source.name().into(), uploader: b.uploader, reps: b.reps, seed: b.seed, q: d.q, sigma: d.sigma, clip: d.clip, epochs: d.epochs, delta: d.delta }
    }
}

/// Settings that passed [`Params::check`], parsed.
#[derive(Clone, Debug)]
pub struct ValidParams {
    params: Params,
    pub kind: Kind,
    pub backdoor: Backdoor,
    pub dp: DpConfig,
}

impl ValidParams {
    pub fn params(&self) -> &Params {
        &self.params
    }
}

/// Most DP-SGD steps one run takes (epochs / q): the defaults take 750; 10⁹ was possible.
pub const MAX_DP_STEPS: u64 = 100_000;

impl Params {
    /// Check every setting against its range (a sentence naming the first that is out).
    pub fn check(&self) -> Result<ValidParams> {
        let bad = |name: &str, range: &str| Err(Error::InvalidArgument(format!("{name} must be {range}")));
        let kind = Kind::parse(&self.filter)?;
        backdoor::check_trigger(&self.trigger)?;
        if !(0.0..=0.5).contains(&self.rate) {
            return bad("the poison rate", "between 0 and 0.5 (0–50%)");
        }
        let source = Source::parse(&self.source)?;
        if self.uploader.trim().is_empty() || self.uploader.chars().count() > 64 {
            return bad("the uploader", "a name of 1–64 characters");
        }
        if self.reps == 0 || self.reps > 10 {
            return bad("reps (trigger insertions)", "between 1 and 10");
        }
        let backdoor = Backdoor { trigger: self.trigger.clone(), rate: self.rate, source, uploader: self.uploader.clone(), reps: self.reps, seed: self.seed, ..Backdoor::default() };
        let dp = DpConfig { q: self.q, sigma: self.sigma, clip: self.clip, epochs: self.epochs, delta: self.delta, seed: self.seed, ..DpConfig::default() };
        dp.check("epochs", MAX_DP_STEPS)?;
        Ok(ValidParams { params: self.clone(), kind, backdoor, dp })
    }
}
