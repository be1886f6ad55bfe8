//! A mock public prediction API over a victim model (the extraction lab's provider): API keys
//! with quotas, a token-bucket rate limit per key, an output policy, a hash-chained audit log
//! of every call, and PRADA per key (alert or block). Time is a simulated clock in ms, passed
//! by the caller, so runs are reproducible.

pub mod audit;
pub mod policy;
pub mod prada;
pub mod ratelimit;

use crate::rng::Rng;
use policy::{apply, Answer, Policy};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "error", rename_all = "kebab-case")]
pub enum Refusal {
    UnknownKey,
    /// HTTP 429: try again after this many ms.
    RateLimited { retry_after_ms: f64 },
    QuotaExceeded,
    /// PRADA flagged the key and the provider blocks flagged keys.
    Blocked,
}

/// The provider's settings.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub rate: f64,
    pub burst: f64,
    pub quota: usize,
    pub policy: Policy,
    pub prada: bool,
    /// Block (rather than only alert on) keys PRADA flags.
    pub prada_block: bool,
    pub prada_delta: f64,
    /// Distances a key must have before PRADA tests it.
    pub prada_min: usize,
    pub seed: u64,
}

/// δ = 0.90 from the 300th distance: on 20 seeded benign clients sending 1,000 natural test
/// images each, the paper's δ = 0.96 flagged 15 (10 from the 300th distance), 0.90 none
/// (`tests/api.rs`). Whether the Jacobian attacker falls below 0.90 is the extraction lab's to show.
impl Default for Config {
    fn default() -> Self {
        Config { rate: 50.0, burst: 100.0, quota: 1_000_000, policy: Policy::Probs, prada: false, prada_block: false, prada_delta: 0.90, prada_min: 300, seed: 0 }
    }
}

/// One client's state.
#[derive(Clone, Debug)]
pub struct Client {
    pub used: usize,
    pub refused: usize,
    pub bucket: ratelimit::TokenBucket,
    pub prada: prada::Prada,
}

/// Per-key counters for the provider's console.
#[derive(Clone, Debug, Serialize)]
pub struct KeyStatus {
    pub key: String,
    pub used: usize,
    pub refused: usize,
    pub quota: usize,
    pub prada: prada::PradaState,
}

/// The API: `victim` maps one CHW image to class probabilities.
pub struct Api<F: FnMut(&[f32]) -> crate::Result<Vec<f32>>> {
    pub config: Config,
    victim: F,
    classes: usize,
    clients: BTreeMap<String, Client>,
    pub log: audit::AuditLog,
    rng: Rng,
}

impl<F: FnMut(&[f32]) -> crate::Result<Vec<f32>>> Api<F> {
    pub fn new(config: Config, classes: usize, keys: &[&str], victim: F) -> Self {
        let clients = keys.iter().map(|k| (k.to_string(), Self::client(&config, classes))).collect();
        let rng = Rng::seeded(config.seed ^ 0xa91_0001);
        Api { config, victim, classes, clients, log: audit::AuditLog::default(), rng }
    }

    fn client(c: &Config, classes: usize) -> Client {
        Client { used: 0, refused: 0, bucket: ratelimit::TokenBucket::new(c.rate, c.burst), prada: prada::Prada::new(classes, c.prada_delta, c.prada_min) }
    }

    /// One call from `key` at `now_ms` with a CHW image.
    pub fn query(&mut self, key: &str, now_ms: f64, x: &[f32]) -> crate::Result<Result<Answer, Refusal>> {
        let input = audit::input_hash(x);
        let Some(c) = self.clients.get_mut(key) else {
            self.log.append(key, now_ms, input, "unknown-key", String::new());
            return Ok(Err(Refusal::UnknownKey));
        };
        let refusal = if self.config.prada_block && c.prada.state.alert {
            Some(Refusal::Blocked)
        } else if c.used >= self.config.quota {
            Some(Refusal::QuotaExceeded)
        } else if let Err(retry) = c.bucket.try_take(now_ms) {
            Some(Refusal::RateLimited { retry_after_ms: retry })
        } else {
            None
        };
        if let Some(r) = refusal {
            c.refused += 1;
            let status = match r {
                Refusal::Blocked => "blocked",
                Refusal::QuotaExceeded => "quota",
                _ => "rate-limited",
            };
            self.log.append(key, now_ms, input, status, String::new());
            return Ok(Err(r));
        }
        c.used += 1;
        let probs = (self.victim)(x)?;
        let answer = apply(&self.config.policy, &probs, &mut self.rng);
        if self.config.prada {
            let top = probs.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0;
            c.prada.observe(x, top);
        }
        let out = match (&answer.label, &answer.probs) {
            (Some(l), Some(p)) => format!("{l} {:?}", p.iter().map(|v| (v * 1e4).round() / 1e4).collect::<Vec<_>>()),
            (Some(l), None) => format!("{l}"),
            _ => "abstain".into(),
        };
        self.log.append(key, now_ms, input, "ok", out);
        Ok(Ok(answer))
    }

    pub fn status(&self) -> Vec<KeyStatus> {
        self.clients.iter().map(|(k, c)| KeyStatus { key: k.clone(), used: c.used, refused: c.refused, quota: self.config.quota, prada: c.prada.state.clone() }).collect()
    }

    pub fn classes(&self) -> usize {
        self.classes
    }
}
