//! The extraction lab: the attacker's strategies and surrogate, its passage through the mock
//! API (pacing, quota, PRADA, blocking), the transfer attack, and `mlsec extract`.

use mlsec::api::policy::{Answer, Policy, Postprocessor};
use mlsec::api::{Api, Config};
use mlsec::attacks::extraction::{target, StealConfig, Strategy};
use mlsec::data::cifar::{self, Samples, Split};
use mlsec::labs::extraction::{halves, ExtractionLab, Params, Prada};
use mlsec::rng::Rng;
use std::sync::OnceLock;

fn model() -> &'static [u8] {
    static M: OnceLock<Vec<u8>> = OnceLock::new();
    M.get_or_init(|| std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9.onnx")).unwrap())
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| cifar::load(&cifar::data_dir(None), Split::Test, Some(1000)).unwrap())
}

fn lab(cfg: Config) -> ExtractionLab {
    ExtractionLab::new(model(), samples(), cfg).unwrap()
}

#[test]
fn the_pool_and_the_evaluation_half_are_disjoint_and_class_balanced() {
    let s = samples();
    let (pool, eval, labels) = halves(s).unwrap();
    assert_eq!(pool.len() + eval.len(), s.len());
    let mut counts = [0usize; 10];
    for &l in &labels {
        counts[l] += 1;
    }
    assert!(counts.iter().all(|&c| c == 50), "{counts:?}");
    // no evaluation image is in the pool
    let pv = pool.view();
    let ev = eval.view();
    let p = pv.as_slice().unwrap();
    let e = ev.as_slice().unwrap();
    let pool_imgs: std::collections::HashSet<Vec<u32>> = p.chunks(3072).map(|c| c.iter().map(|v| v.to_bits()).collect()).collect();
    assert!(e.chunks(3072).all(|c| !pool_imgs.contains(&c.iter().map(|v| v.to_bits()).collect::<Vec<_>>())));
}

#[test]
fn a_batch_of_calls_is_answered_refused_and_logged_as_one_by_one_calls_would_be() {
    let victim = |x: &[f32], n: usize| -> mlsec::Result<Vec<f32>> { Ok((0..n).flat_map(|i| { let v = x[i * x.len() / n]; [v, 1.0 - v, 0.0] }).collect()) };
    let cfg = Config { rate: 10.0, burst: 4.0, quota: 9, policy: Policy::Probs, ..Config::default() };
    let mut one = Api::new(cfg.clone(), 3, &["k"], victim);
    let mut many = Api::new(cfg, 3, &["k"], victim);
    let times: Vec<f64> = (0..20).map(|i| i as f64 * 40.0).collect();
    let xs: Vec<f32> = (0..20).flat_map(|i| [i as f32 / 20.0, 0.5]).collect();
    let a: Vec<_> = times.iter().enumerate().map(|(i, &t)| one.query("k", t, &xs[2 * i..2 * i + 2]).unwrap()).collect();
    let b = many.query_batch("k", &times, &xs).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().any(|r| r.is_err()) && a.iter().filter(|r| r.is_ok()).count() == 9);
    let statuses = |api: &Api<_>| api.log.entries.iter().map(|e| (e.status.clone(), e.output.clone(), e.hash.clone())).collect::<Vec<_>>();
    assert_eq!(statuses(&one), statuses(&many));
    assert!(many.query_batch("k", &[1.0, 2.0], &[0.0; 3]).is_err(), "3 values are not 2 images");
}

#[test]
fn every_policy_gives_a_usable_target_or_none() {
    let probs = [0.05f32, 0.7, 0.25];
    let mut rng = Rng::seeded(1);
    for spec in ["probs", "topk:2", "round:1", "noise:0.05", "rsig:1.0"] {
        let a = Policy::parse(spec).unwrap().answer(&probs, &mut rng);
        let t = target(&a, 3).unwrap();
        assert!((t.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{spec}: {t:?}");
        assert!(t.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }
    let label = Policy::Label.answer(&probs, &mut rng);
    assert_eq!(target(&label, 3).unwrap(), vec![0.0, 1.0, 0.0]);
    let abstain = Policy::Abstain { tau: 0.9 }.answer(&probs, &mut rng);
    assert_eq!(target(&abstain, 3), None);
    assert_eq!(target(&Answer { label: Some(7), probs: None }, 3), None, "a label outside the classes teaches nothing");
}

#[test]
fn a_temperature_softens_confident_answers_and_keeps_their_ranking() {
    use mlsec::attacks::extraction::soften;
    let p = [0.998f32, 0.0015, 0.0004, 0.0001];
    assert_eq!(soften(&p, 1.0), p.to_vec());
    let q = soften(&p, 4.0);
    assert!((q.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(q[0] < 0.8 && q[1] > 0.1, "the runner-up shows at T = 4: {q:?}");
    assert!(q.windows(2).all(|w| w[0] > w[1]), "the order is kept: {q:?}");
    // softmax(log p / T): the log-ratios shrink by T
    let r = ((q[0] / q[1]).ln() * 4.0, (p[0] / p[1]).ln());
    assert!((r.0 - r.1).abs() < 1e-3, "{r:?}");
    assert_eq!(soften(&[0.0, 1.0, 0.0], 4.0), vec![0.0, 1.0, 0.0], "a one-hot label stays one-hot");
}

#[test]
fn training_the_surrogate_lowers_its_loss_and_it_learns_the_victim() {
    let mut l = lab(Config::default());
    l.start(StealConfig { epochs: 1, ..StealConfig::new(Strategy::Natural, 500, 3) }).unwrap();
    while l.query_round().unwrap().is_some() {}
    let first = l.train_epoch().unwrap();
    let mut last = first;
    for _ in 0..9 {
        last = l.train_epoch().unwrap();
    }
    assert!(last < 0.8 * first, "loss {first} -> {last}");
    let p = l.evaluate().unwrap();
    assert_eq!(p.queries, 500);
    // Chance agreement is about 0.1 (the victim's labels are nearly balanced). Ten epochs on 500
    // answers give about 0.3 (0.30–0.31 against the last two standard models): the assertion is
    // that it learns, well above chance; how well is measured in the README.
    assert!(p.fidelity > 0.2, "fidelity {} after 500 queries", p.fidelity);
}

#[test]
fn a_batch_normalised_surrogate_learns_with_a_distillation_temperature() {
    let mut l = lab(Config::default());
    l.start(StealConfig { epochs: 1, arch: "cnn-bn".into(), temperature: 4.0, ..StealConfig::new(Strategy::Natural, 500, 3) }).unwrap();
    while l.query_round().unwrap().is_some() {}
    let first = l.train_epoch().unwrap();
    let mut last = first;
    for _ in 0..7 {
        last = l.train_epoch().unwrap();
    }
    assert!(last < 0.8 * first, "loss {first} -> {last}");
    // evaluation runs the inference form on the running statistics the training kept
    let p = l.evaluate().unwrap();
    // Chance agreement is about 0.1 (the victim's labels are nearly balanced). Ten epochs on 500
    // answers give about 0.3 (0.30–0.31 against the last two standard models): the assertion is
    // that it learns, well above chance; how well is measured in the README.
    assert!(p.fidelity > 0.2, "fidelity {} after 500 queries", p.fidelity);
}

#[test]
fn the_same_seed_gives_the_same_attack() {
    let run = |seed: u64, strategy: Strategy| {
        let mut l = lab(Config { policy: Policy::parse("noise:0.05").unwrap(), seed, ..Config::default() });
        l.run(StealConfig { epochs: 1, ..StealConfig::new(strategy, 150, seed) }, &mut |_| true).unwrap();
        let r = l.report(None, 0.0).unwrap();
        (r.curve.iter().map(|p| (p.queries, p.fidelity, p.loss)).collect::<Vec<_>>(), r.log_entries)
    };
    for s in [Strategy::Adaptive, Strategy::Jacobian] {
        assert_eq!(run(5, s), run(5, s));
    }
    assert_ne!(run(5, Strategy::Natural).0, run(6, Strategy::Natural).0);
}

#[test]
fn the_attacker_paces_itself_by_the_rate_limit_and_every_call_is_logged() {
    let mut l = lab(Config { rate: 5.0, burst: 10.0, ..Config::default() });
    l.run(StealConfig { epochs: 1, ..StealConfig::new(Strategy::Noise, 100, 0) }, &mut |_| true).unwrap();
    let r = l.report(None, 0.0).unwrap();
    assert_eq!((r.queries, r.answered, r.blocked), (100, 100, 0));
    // 10 from the burst, the other 90 at 5 per second
    assert!(r.simulated_s >= 18.0 - 1e-6 && r.simulated_s < 19.0, "{}", r.simulated_s);
    assert!(r.log_verified);
    // the other clients were served alongside
    let keys = l.keys();
    assert!(keys.iter().filter(|k| k.key != "attacker").all(|k| k.used > 0 && k.refused == 0), "{keys:?}");
    assert_eq!(r.log_entries, keys.iter().map(|k| k.used + k.refused).sum::<usize>());
}

#[test]
fn the_quota_stops_the_attack_and_abstentions_teach_nothing() {
    let mut l = lab(Config { quota: 120, policy: Policy::Abstain { tau: 0.9 }, ..Config::default() });
    l.run(StealConfig { epochs: 1, ..StealConfig::new(Strategy::Natural, 400, 0) }, &mut |_| true).unwrap();
    let r = l.report(None, 0.0).unwrap();
    assert_eq!(r.answered, 120);
    assert!(r.blocked > 0 && r.queries < 400, "{} queries, {} blocked", r.queries, r.blocked);
    assert!(r.abstained > 0);
    let samples = l.stealer.as_ref().unwrap().samples();
    assert_eq!(samples, r.answered - r.abstained);
}

#[test]
fn prada_flags_the_jacobian_attacker_and_blocking_cuts_it_off() {
    let cfg = StealConfig { epochs: 2, ..StealConfig::new(Strategy::Jacobian, 2400, 0) };
    let mut alert = lab(Config { prada: true, ..Config::default() });
    alert.run(cfg.clone(), &mut |_| true).unwrap();
    let r = alert.report(None, 0.0).unwrap();
    assert_eq!(r.alerts, 1, "W = {:?}", r.prada_w);
    let at = r.alert_at.unwrap();
    assert!(at <= 2400);
    // the benign clients beside it stay quiet
    assert!(alert.keys().iter().filter(|k| k.key != "attacker").all(|k| !k.prada.alert));
    let mut block = lab(Config { prada: true, prada_block: true, ..Config::default() });
    block.run(cfg, &mut |_| true).unwrap();
    let b = block.report(None, 0.0).unwrap();
    assert!(b.blocked > 0 && b.answered <= at, "answered {} after an alert at {at}", b.answered);
}

#[test]
fn a_perfect_copy_transfers_perfectly_and_noise_of_the_same_size_does_not() {
    // the transfer machinery on a "surrogate" that is the victim itself (the nn engine's mirror
    // of the same ONNX file): every PGD example must fool the victim, random signs almost none
    use mlsec::attacks::extraction::transfer::transfer;
    use mlsec::model::onnx::OnnxClassifier;
    let copy = mlsec::nn::Network::from_onnx(model()).unwrap();
    let victim = OnnxClassifier::from_bytes(model()).unwrap();
    let (_, eval, labels) = halves(samples()).unwrap();
    let t = transfer(&copy, &victim, &eval, &labels, 8.0 / 255.0, 10, 40, 0).unwrap();
    assert!(t.images >= 35, "{}", t.images);
    assert!(t.transfer_rate > 0.95 && t.surrogate_rate > 0.95, "{t:?}");
    assert!(t.noise_rate < 0.2, "{t:?}");
    assert!(transfer(&copy, &victim, &eval, &labels[..3], 8.0 / 255.0, 10, 40, 0).is_err());
}

#[test]
fn a_stolen_surrogate_transfers_at_least_as_well_as_noise() {
    let mut l = lab(Config::default());
    l.run(StealConfig { epochs: 6, ..StealConfig::new(Strategy::Natural, 1500, 0) }, &mut |_| true).unwrap();
    let t = l.transfer(8.0 / 255.0, 10, 100, 0).unwrap();
    assert!(t.images > 40);
    assert!(t.surrogate_rate > 0.9, "white-box PGD on the surrogate: {}", t.surrogate_rate);
    assert!(t.transfer_rate >= t.noise_rate, "transfer {} vs noise {}", t.transfer_rate, t.noise_rate);
}

#[test]
fn bad_attack_settings_are_refused() {
    let mut l = lab(Config::default());
    assert!(l.start(StealConfig::new(Strategy::Natural, 0, 0)).is_err());
    assert!(l.start(StealConfig { arch: "resnet-152".into(), ..StealConfig::new(Strategy::Natural, 10, 0) }).is_err());
    assert!(l.start(StealConfig { lr: f32::NAN, ..StealConfig::new(Strategy::Natural, 10, 0) }).is_err());
    assert!(l.start(StealConfig { temperature: 0.5, ..StealConfig::new(Strategy::Natural, 10, 0) }).is_err());
    assert!(l.start(StealConfig { temperature: f32::NAN, ..StealConfig::new(Strategy::Natural, 10, 0) }).is_err());
    assert!(l.start(StealConfig { mix: 1.5, ..StealConfig::new(Strategy::Natural, 10, 0) }).is_err());
    assert!(l.query_round().is_err(), "a refused start leaves no attack running");
    assert!(Strategy::parse("telepathy").is_err());
}

#[test]
fn mlsec_extract_prints_the_report() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlsec"))
        .args(["extract", "--preset", "quick", "--n", "400", "--budget", "120", "--epochs", "1", "--policy", "label", "--prada", "--transfer", "20", "--json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["fidelity", "accuracy", "queries", "blocked", "alerts", "seconds", "curve", "transfer"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["queries"], 120);
    assert_eq!(v["policy"], "label");
    // the flags given override the preset, the rest is the preset's; the report says which
    let p = &v["params"];
    assert_eq!((p["budget"].as_u64(), p["epochs"].as_u64(), p["prada"].as_str()), (Some(120), Some(1), Some("alert")));
    let quick = Params::preset("quick").unwrap();
    assert_eq!((p["arch"].as_str(), p["polish"].as_u64()), (Some(quick.arch.as_str()), Some(quick.polish as u64)));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_mlsec")).args(["extract", "--policy", "telepathy"]).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown output policy"));
}

#[test]
fn views_are_mixtures_in_the_fraction_asked() {
    use mlsec::attacks::extraction::strategy::view;
    use mlsec::tensor::Batch;
    // a pool of a black and a white image: flipped/shifted copies stay 0 or 1 (edges are
    // repeated), a mixture of the two (half the pairs drawn) has pixels λ in [0.2, 0.8]
    let mut v = vec![0.0f32; 3072];
    v.extend(vec![1.0f32; 3072]);
    let pool = Batch::from_nchw(&v, 2, 3, 32, 32).unwrap();
    let mixed = |mix: f32| {
        let mut rng = Rng::seeded(5);
        (0..200).filter(|_| view(&pool, &mut rng, mix).unwrap().iter().any(|&p| p > 0.1 && p < 0.9)).count()
    };
    assert_eq!(mixed(0.0), 0, "copies only");
    let (half, all) = (mixed(0.5), mixed(1.0));
    assert!((70..=130).contains(&all), "every view a mixture: about 100 of 200 mix two different images, got {all}");
    assert!(half > 20 && half < all, "half of them: about 50, got {half} (all: {all})");
}

#[test]
fn the_full_preset_is_the_default_and_the_readme_recipe() {
    // `mlsec extract --budget 10000 --arch cnn-bn --temperature 4 --weight-decay 0.05 --epochs 6 --polish 60 --mix 1`
    let full = Params::default();
    assert_eq!(Params::preset("full").unwrap(), full);
    assert_eq!((full.strategy.as_str(), full.budget, full.arch.as_str(), full.epochs, full.polish), ("natural", 10_000, "cnn-bn", 6, 60));
    assert_eq!((full.temperature, full.weight_decay, full.mix, full.policy.as_str(), full.prada), (4.0, 0.05, 1.0, "probs", Prada::Off));
    let v = full.check().unwrap();
    assert_eq!((v.steal.arch.as_str(), v.steal.polish, v.steal.temperature), ("cnn-bn", 60, 4.0));
    let quick = Params::preset("quick").unwrap();
    assert!(quick.check().is_ok());
    assert!(quick.budget < full.budget && quick.polish == 0);
    assert!(Params::preset("huge").unwrap_err().to_string().contains("full or quick"));
}

#[test]
fn every_out_of_range_setting_is_refused_with_its_name() {
    let q = || Params::preset("quick").unwrap();
    let cases: Vec<(Params, &str)> = vec![
        (Params { budget: 0, ..q() }, "budget"),
        (Params { budget: 100_001, ..q() }, "budget"),
        (Params { rate: 0.0, ..q() }, "rate"),
        (Params { rate: f64::NAN, ..q() }, "rate"),
        (Params { burst: 0.5, ..q() }, "burst"),
        (Params { quota: 0, ..q() }, "quota"),
        (Params { epochs: 0, ..q() }, "epochs"),
        (Params { lr: 1.5, ..q() }, "lr"),
        (Params { polish: 5000, ..q() }, "polish"),
        (Params { temperature: 0.5, ..q() }, "temperature"),
        (Params { weight_decay: -0.1, ..q() }, "weight decay"),
        (Params { mix: f32::NAN, ..q() }, "mixtures"),
        (Params { eps: 0.0, ..q() }, "eps"),
        (Params { eps: 300.0, ..q() }, "eps"),
        (Params { transfer: 20_000, ..q() }, "transfer"),
        (Params { arch: "resnet-152".into(), ..q() }, "resnet-152"),
        (Params { strategy: "telepathy".into(), ..q() }, "telepathy"),
        (Params { policy: "topk:2.5".into(), ..q() }, "topk"),
    ];
    for (p, name) in cases {
        let e = p.check().expect_err(name).to_string();
        assert!(e.contains(name), "{name}: {e}");
    }
}

#[test]
fn settings_from_json_take_the_preset_for_what_is_missing_and_refuse_unknown_keys() {
    let given: Params = serde_json::from_str(r#"{"budget": 50, "prada": "block"}"#).unwrap();
    let quick = Params::preset("quick").unwrap();
    let p = mlsec::labs::overlay(&given, &quick, &|k| k == "budget" || k == "prada").unwrap();
    assert_eq!(p, Params { budget: 50, prada: Prada::Block, ..quick });
    assert!(serde_json::from_str::<Params>(r#"{"budgett": 50}"#).is_err(), "a misspelt key is an error, not a silent default");
    assert!(serde_json::from_str::<Params>(r#"{"budget": 2.5}"#).is_err(), "a fractional count is refused, not truncated");
}

#[test]
fn one_thread_and_two_give_the_same_attack() {
    // the surrogate's batch is cut into fixed parts whatever the core count (with and without BatchNorm)
    for arch in ["cnn-s", "cnn-bn"] {
        let run = |threads: usize| {
            let mut l = lab(Config::default());
            let cfg = StealConfig { epochs: 2, arch: arch.into(), threads, ..StealConfig::new(Strategy::Natural, 200, 4) };
            l.run(cfg, &mut |_| true).unwrap();
            let r = l.report(None, 0.0).unwrap();
            let w: Vec<u32> = l.stealer.as_ref().unwrap().surrogate().params().iter().flat_map(|p| p.value.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect();
            (r.curve.iter().map(|p| (p.fidelity, p.loss.to_bits())).collect::<Vec<_>>(), w)
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.0, two.0, "{arch}: curves");
        assert!(one.1 == two.1, "{arch}: surrogate weights differ between one and two threads");
    }
}
