//! `mlsec flood`: the extraction lab's rate-limit check — one key floods the mock API while a
//! benign key keeps its pace; nothing may be lost from the audit log.

use mlsec::api::policy::Policy;
use mlsec::api::{Api, Config};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;
use mlsec::rng::Rng;
use mlsec::tensor::Batch;
use mlsec::{Error, Result};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

#[derive(Serialize)]
struct FloodReport {
    queries: usize,
    rate: f64,
    burst: f64,
    /// Simulated duration of the flood (one call per `interval_ms`).
    interval_ms: f64,
    duration_s: f64,
    admitted: usize,
    refused: usize,
    /// The token bucket's bound over the whole flood: rate · duration + burst.
    bound: f64,
    within_bound: bool,
    benign_sent: usize,
    benign_served: usize,
    log_entries: usize,
    log_verified: bool,
    seconds: f64,
}

pub fn flood(model: &Path, queries: usize, rate: f64, burst: f64, interval_ms: f64, seed: u64, json: bool) -> Result<()> {
    if !(rate > 0.0 && burst >= 1.0 && interval_ms > 0.0) || queries == 0 {
        return Err(Error::InvalidArgument("need --queries ≥ 1, --rate > 0, --burst ≥ 1 and --interval-ms > 0".into()));
    }
    let t = Instant::now();
    let bytes = std::fs::read(model).map_err(|e| Error::io(model.display().to_string(), e))?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let classes = clf.classes();
    let victim = |x: &[f32]| -> Result<Vec<f32>> { Ok(clf.probabilities(&Batch::from_nchw(x, 1, 3, 32, 32)?)?.row(0).to_vec()) };
    let cfg = Config { rate, burst, policy: Policy::Probs, seed, ..Config::default() };
    let mut api = Api::new(cfg, classes, &["attacker", "benign"], victim);
    let mut rng = Rng::seeded(seed);
    let image = |rng: &mut Rng| -> Vec<f32> { (0..3 * 32 * 32).map(|_| rng.uniform()).collect() };
    let (mut admitted, mut benign_sent, mut benign_served) = (0, 0, 0);
    let benign_every = (1000.0 / (rate / 4.0)).max(interval_ms); // the benign client uses a quarter of the rate
    let mut next_benign = 0.0;
    for i in 0..queries {
        let now = i as f64 * interval_ms;
        while next_benign <= now {
            benign_sent += 1;
            benign_served += api.query("benign", next_benign, &image(&mut rng))?.is_ok() as usize;
            next_benign += benign_every;
        }
        admitted += api.query("attacker", now, &image(&mut rng))?.is_ok() as usize;
    }
    let duration_s = (queries.saturating_sub(1)) as f64 * interval_ms / 1000.0;
    let bound = rate * duration_s + burst;
    let r = FloodReport {
        queries,
        rate,
        burst,
        interval_ms,
        duration_s,
        admitted,
        refused: queries - admitted,
        bound,
        within_bound: admitted as f64 <= bound,
        benign_sent,
        benign_served,
        log_entries: api.log.entries.len(),
        log_verified: api.log.first_bad().is_none() && api.log.entries.len() == queries + benign_sent,
        seconds: t.elapsed().as_secs_f64(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&r).map_err(|e| Error::Data(e.to_string()))?);
    } else {
        println!("flood: {} calls in {:.1} s (one per {} ms) at rate {} /s, burst {}: {} admitted (bound {:.0}), {} refused with 429", queries, duration_s, interval_ms, rate, burst, admitted, bound, r.refused);
        println!("benign key: {}/{} served; audit log: {} entries, {}", benign_served, benign_sent, r.log_entries, if r.log_verified { "chain verified, nothing lost" } else { "VERIFICATION FAILED" });
    }
    if r.within_bound && r.log_verified && benign_served == benign_sent {
        Ok(())
    } else {
        Err(Error::Data("the rate limit or the audit log failed its check".into()))
    }
}
