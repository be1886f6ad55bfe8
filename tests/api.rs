//! The mock prediction API: the token bucket's guarantee, audit-log tamper detection, each
//! output policy's invariants, PRADA's mechanics, and Shapiro–Wilk against scipy.

use mlsec::api::audit::AuditLog;
use mlsec::api::policy::{Policy, Postprocessor};
use mlsec::api::prada::Prada;
use mlsec::api::ratelimit::TokenBucket;
use mlsec::api::{Api, Config, Refusal};
use mlsec::rng::Rng;

#[test]
fn token_bucket_never_admits_more_than_rate_times_window_plus_burst() {
    let mut rng = Rng::seeded(3);
    for (rate, burst) in [(50.0, 100.0), (5.0, 1.0), (1000.0, 10.0)] {
        let mut b = TokenBucket::new(rate, burst);
        let mut t = 0.0;
        let mut admitted = Vec::new();
        for _ in 0..20_000 {
            t += rng.uniform() as f64 * 3.0; // bursts of calls, irregular gaps
            if b.try_take(t).is_ok() {
                admitted.push(t);
            }
        }
        // every window [a, a + w]: admitted ≤ rate·w + burst
        for w in [10.0, 100.0, 1000.0, 5000.0] {
            let mut j = 0;
            for i in 0..admitted.len() {
                while admitted[j] < admitted[i] - w {
                    j += 1;
                }
                let n = (i - j + 1) as f64;
                assert!(n <= rate * w / 1000.0 + burst + 1e-9, "rate {rate} burst {burst}: {n} calls in {w} ms");
            }
        }
        let allowed = (rate * t / 1000.0).min(20_000.0);
        assert!(admitted.len() as f64 >= allowed * 0.9, "the bucket must also admit what the rate allows");
    }
    let mut b = TokenBucket::new(10.0, 1.0);
    assert!(b.try_take(0.0).is_ok());
    let retry = b.try_take(0.0).unwrap_err();
    assert!((retry - 100.0).abs() < 1e-6);
}

#[test]
fn audit_log_detects_an_edited_or_deleted_record() {
    let mut log = AuditLog::default();
    for i in 0..50 {
        log.append(if i % 2 == 0 { "alice" } else { "mallory" }, i as f64, format!("{i:064x}"), "ok", format!("{} [0.1]", i % 10));
    }
    assert_eq!(log.first_bad(), None);
    let mut edited = log.clone();
    // flip one byte of one record's output
    let mut bytes = edited.entries[17].output.clone().into_bytes();
    bytes[0] ^= 1;
    edited.entries[17].output = String::from_utf8(bytes).unwrap();
    assert_eq!(edited.first_bad(), Some(17));
    let mut deleted = log.clone();
    deleted.entries.remove(30);
    assert_eq!(deleted.first_bad(), Some(30));
}

#[test]
fn output_policies_keep_their_invariants() {
    let p = [0.05f32, 0.6, 0.2, 0.1, 0.05];
    let mut rng = Rng::seeded(0);
    let full = Policy::Probs.answer(&p, &mut rng);
    assert_eq!((full.label, full.probs.as_deref()), (Some(1), Some(&p[..])));
    let label = Policy::Label.answer(&p, &mut rng);
    assert_eq!((label.label, label.probs), (Some(1), None));
    let top2 = Policy::parse("topk:2").unwrap().answer(&p, &mut rng).probs.unwrap();
    assert_eq!(top2, vec![0.0, 0.6, 0.2, 0.0, 0.0]);
    let r = Policy::parse("round:1").unwrap().answer(&p, &mut rng).probs.unwrap();
    assert!(r.iter().all(|v| ((v * 10.0).round() - v * 10.0).abs() < 1e-5));
    for policy in ["noise:0.05", "rsig:1.0", "rsig:0.5:0.2"] {
        let a = Policy::parse(policy).unwrap().answer(&p, &mut rng);
        let q = a.probs.unwrap();
        assert!((q.iter().sum::<f32>() - 1.0).abs() < 1e-5 && q.iter().all(|v| (0.0..=1.0).contains(v)), "{policy}: {q:?}");
        assert_eq!(q.len(), p.len());
    }
    // ReverseSigmoid keeps the top class (it perturbs confidences, not the decision, here)
    let q = Policy::parse("rsig:1.0").unwrap().answer(&p, &mut rng);
    assert_eq!(q.label, Some(1));
    assert_ne!(q.probs.unwrap(), p.to_vec());
    assert_eq!(Policy::parse("abstain:0.7").unwrap().answer(&p, &mut rng).label, None);
    assert_eq!(Policy::parse("abstain:0.5").unwrap().answer(&p, &mut rng).label, Some(1));
    for bad in ["topk:0", "round:x", "rsig", "abstain:2", "softmax"] {
        assert!(Policy::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn shapiro_wilk_matches_scipy() {
    // scipy.stats.shapiro
    let cases: [(&[f64], f64, f64); 3] = [
        (&[2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8, 4.1, 3.9, 2.2, 6.1, 3.0], 0.938_446_609_106_597_6, 0.478_214_301_935_761),
        (&[1.0, 1.5, 2.2, 9.0, 2.4], 0.712_167_459_909_971_1, 0.012_782_539_258_198_335),
        (&[1.0, 2.0, 3.0], 1.0, 1.0),
    ];
    for (x, w, p) in cases {
        let (w2, p2) = mlsec::stats::shapiro_wilk(x).unwrap();
        assert!((w - w2).abs() < 1e-6 && (p - p2).abs() < 1e-6, "{x:?}: {w2} {p2}");
    }
    let sq: Vec<f64> = (1..=30).map(|i| (i * i) as f64 / 10.0).collect();
    let (w, p) = mlsec::stats::shapiro_wilk(&sq).unwrap();
    assert!((w - 0.901_420_535_035_636).abs() < 1e-6 && (p - 0.009_099_787_582_647_657).abs() < 1e-6);
    assert!(mlsec::stats::shapiro_wilk(&[1.0, 1.0, 1.0]).is_none());
}

#[test]
fn prada_flags_synthetic_steps_and_not_independent_samples() {
    // Jacobian-augmentation style: 100 natural-looking seeds (10 per class), then rounds of
    // small signed steps from the samples so far; the distance set becomes a spike of small
    // steps beside the seeds' large distances: far from normal.
    let mut rng = Rng::seeded(1);
    let mut set: Vec<(Vec<f32>, usize)> = (0..100).map(|i| ((0..3072).map(|_| rng.uniform()).collect(), i % 10)).collect();
    let d = Config::default();
    let mut attacker = Prada::new(10, d.prada_delta, d.prada_min);
    let mut flagged = false;
    for (x, c) in &set {
        flagged |= attacker.observe(x, *c);
    }
    assert!(!flagged, "seeds alone are natural");
    for _round in 0..2 {
        let next: Vec<(Vec<f32>, usize)> = set.iter().map(|(s, c)| (s.iter().map(|v| (v + 0.1 * if rng.uniform() < 0.5 { -1.0 } else { 1.0 }).clamp(0.0, 1.0)).collect(), *c)).collect();
        for (x, c) in &next {
            flagged |= attacker.observe(x, *c);
        }
        set.extend(next);
    }
    assert!(flagged, "W = {:?}", attacker.state.w);
    // independent samples: the distances stay normal-looking
    let mut benign = Prada::new(10, d.prada_delta, d.prada_min);
    let mut any = false;
    for i in 0..400 {
        let x: Vec<f32> = (0..3072).map(|_| rng.uniform()).collect();
        any |= benign.observe(&x, i % 10);
    }
    assert!(!any, "W = {:?}", benign.state.w);
}

#[test]
fn the_api_serves_refuses_and_logs_every_call() {
    let cfg = Config { rate: 10.0, burst: 5.0, quota: 12, policy: Policy::Label, ..Config::default() };
    let mut api = Api::new(cfg, 3, &["a", "b"], |x: &[f32], n: usize| Ok((0..n).flat_map(|i| { let v = x[i * x.len() / n]; [v, 1.0 - v, 0.0] }).collect()));
    let mut served = 0;
    for i in 0..20 {
        match api.query("a", i as f64, &[0.9, 0.0]).unwrap() {
            Ok(ans) => {
                served += 1;
                assert_eq!((ans.label, ans.probs), (Some(0), None));
            }
            Err(r) => assert!(matches!(r, Refusal::RateLimited { .. })),
        }
    }
    assert_eq!(served, 5); // the burst, within 20 ms
    // another key is served while "a" is limited; unknown keys are refused
    assert!(api.query("b", 20.0, &[0.1, 0.0]).unwrap().is_ok());
    assert_eq!(api.query("zz", 20.0, &[0.1]).unwrap(), Err(Refusal::UnknownKey));
    // the quota: 12 answers at most, however slowly they come
    let mut t = 1000.0;
    for _ in 0..30 {
        t += 1000.0;
        let _ = api.query("a", t, &[0.9, 0.0]).unwrap();
    }
    let a = api.status().into_iter().find(|s| s.key == "a").unwrap();
    assert_eq!(a.used, 12);
    assert_eq!(api.log.entries.len(), 20 + 2 + 30);
    assert_eq!(api.log.first_bad(), None);
}

#[test]
fn mlsec_flood_keeps_the_bound_serves_other_keys_and_loses_nothing() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlsec"))
        .args(["flood", "--queries", "10000", "--rate", "50", "--burst", "100", "--json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let admitted = r["admitted"].as_f64().unwrap();
    assert!(admitted <= 50.0 * r["duration_s"].as_f64().unwrap() + 100.0 && admitted >= 550.0, "{r}");
    assert_eq!(r["benign_served"], r["benign_sent"]);
    assert_eq!(r["log_entries"].as_u64().unwrap(), 10_000 + r["benign_sent"].as_u64().unwrap());
    assert_eq!(r["log_verified"], true);
}

#[test]
fn prada_raises_no_alert_on_benign_clients_sending_natural_images() {
    use mlsec::data::cifar::{self, Split};
    use mlsec::model::onnx::OnnxClassifier;
    use mlsec::model::Classifier;
    let s = cifar::load(&cifar::data_dir(None), Split::Test, None).unwrap();
    let clf = OnnxClassifier::from_bytes(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9.onnx")).unwrap()).unwrap();
    // the attacker's pool: the class-balanced half the extraction lab queries from
    let (all, _, _) = mlsec::labs::extraction::halves(&s).unwrap();
    let pool: Vec<usize> = (0..all.len()).collect();
    let preds = clf.predict(&all).unwrap();
    let d = Config::default();
    let mut flagged = Vec::new();
    for seed in 0..20u64 {
        let mut rng = Rng::seeded(seed);
        let mut order = pool.clone();
        rng.shuffle(&mut order);
        let mut p = Prada::new(10, d.prada_delta, d.prada_min);
        let mut any = false;
        for &i in order.iter().take(2000) {
            let img: Vec<f32> = all.view().index_axis(ndarray::Axis(0), i).iter().copied().collect();
            any |= p.observe(&img, preds[i]);
        }
        if any {
            flagged.push((seed, p.state.w));
        }
    }
    assert!(flagged.is_empty(), "benign clients flagged: {flagged:?}");
}

#[test]
fn policy_counts_are_checked_before_any_cast() {
    for (spec, name) in [("topk:2.5", "topk"), ("topk:0", "topk"), ("topk:-1", "topk"), ("topk:1e9", "topk"), ("round:300", "round"), ("round:1.5", "round"), ("topk:nan", "topk")] {
        let e = Policy::parse(spec).expect_err(spec).to_string();
        assert!(e.contains(name), "{spec}: {e}");
    }
    assert_eq!(Policy::parse("topk:3").unwrap().to_string(), "topk:3");
    assert_eq!(Policy::parse("round:2").unwrap().to_string(), "round:2");
}
