//! One key floods the mock API while a benign key keeps a quarter of the rate: the token
//! bucket's bound must hold, the benign key must be served, and the audit log must hold every
//! call (`mlsec flood`, the threat model's rate-limit and hash-chain measurements).

use super::policy::Policy;
use super::{Api, Config};
use crate::error::{Error, Result};
use crate::rng::Rng;
use serde::Serialize;

/// Most calls one flood makes (each answered call is logged: ~6 KB of memory a call).
pub const MAX_FLOOD: usize = 100_000;

/// A flood's settings; time is simulated (one flooding call every `interval_ms`).
#[derive(Clone, Debug, Serialize)]
pub struct Flood {
    pub queries: usize,
    /// Tokens per second (10⁹: in effect no limit).
    pub rate: f64,
    pub burst: f64,
    pub interval_ms: f64,
    pub seed: u64,
}

/// What the flood got.
#[derive(Clone, Debug, Serialize)]
pub struct FloodReport {
    pub queries: usize,
    pub rate: f64,
    pub burst: f64,
    /// Simulated time between the flooding key's calls.
    pub interval_ms: f64,
    /// Simulated duration of the flood.
    pub duration_s: f64,
    pub admitted: usize,
    pub refused: usize,
    /// The token bucket's bound over the whole flood: rate · duration + burst.
    pub bound: f64,
    pub within_bound: bool,
    pub benign_sent: usize,
    pub benign_served: usize,
    pub log_entries: usize,
    pub log_verified: bool,
    /// Wall-clock seconds (the caller's to fill).
    pub seconds: f64,
}

impl Flood {
    pub fn check(&self) -> Result<()> {
        if !(self.rate > 0.0 && self.rate <= 1e9 && (1.0..=1e9).contains(&self.burst) && self.interval_ms > 0.0 && self.interval_ms.is_finite()) || !(1..=MAX_FLOOD).contains(&self.queries) {
            return Err(Error::InvalidArgument(format!("need 1 ≤ --queries ≤ {MAX_FLOOD}, 0 < --rate ≤ 10⁹, 1 ≤ --burst ≤ 10⁹ and a finite --interval-ms > 0")));
        }
        Ok(())
    }

    /// Run the flood against `victim` (`[n, 3, 32, 32]` values → `n × classes` probabilities);
    /// the API is returned with its log.
    pub fn run<F: FnMut(&[f32], usize) -> Result<Vec<f32>>>(&self, classes: usize, victim: F) -> Result<(FloodReport, Api<F>)> {
        self.check()?;
        let cfg = Config { rate: self.rate, burst: self.burst, policy: Policy::Probs, seed: self.seed, ..Config::default() };
        let mut api = Api::new(cfg, classes, &["attacker", "benign"], victim);
        let mut rng = Rng::seeded(self.seed);
        let image = |rng: &mut Rng| -> Vec<f32> { (0..crate::data::cifar::IMAGE).map(|_| rng.uniform()).collect() };
        let (mut admitted, mut benign_sent, mut benign_served) = (0, 0, 0);
        // the benign client uses a quarter of the rate
        let benign_every = (1000.0 / (self.rate / 4.0)).max(self.interval_ms);
        let mut next_benign = 0.0;
        for i in 0..self.queries {
            let now = i as f64 * self.interval_ms;
            while next_benign <= now {
                benign_sent += 1;
                benign_served += api.query("benign", next_benign, &image(&mut rng))?.is_ok() as usize;
                next_benign += benign_every;
            }
            admitted += api.query("attacker", now, &image(&mut rng))?.is_ok() as usize;
        }
        let duration_s = (self.queries.saturating_sub(1)) as f64 * self.interval_ms / 1000.0;
        let bound = self.rate * duration_s + self.burst;
        let r = FloodReport {
            queries: self.queries,
            rate: self.rate,
            burst: self.burst,
            interval_ms: self.interval_ms,
            duration_s,
            admitted,
            refused: self.queries - admitted,
            bound,
            within_bound: admitted as f64 <= bound,
            benign_sent,
            benign_served,
            log_entries: api.log.entries.len(),
            log_verified: api.log.first_bad().is_none() && api.log.entries.len() == self.queries + benign_sent,
            seconds: 0.0,
        };
        Ok((r, api))
    }
}
