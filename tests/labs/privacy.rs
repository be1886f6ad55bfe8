//! The privacy lab: its settings' table and refusals, LiRA against the overfit spam filter
//! (far above chance and above the loss threshold at 1% FPR), DP-SGD's audit (every attack's
//! empirical ε below the accountant's, AUC ≤ 0.6 at ε ≤ 8), and the same seed, same report.
//! Needs the packed corpus (./build.sh build).

use mlsec::data::spam::{Corpus, PACKED_PATH};
use mlsec::labs::privacy::{self, Params, PrivacyReport};
use mlsec::spam::Lab;

fn run(p: &Params) -> PrivacyReport {
    let c = Corpus::load(std::path::Path::new(PACKED_PATH)).expect("run ./build.sh build first");
    let lab = Lab::new(&c, p.seed).unwrap();
    let mut seen = Vec::new();
    let r = privacy::run(&lab, &p.check().unwrap(), &mut |d, t| seen.push((d, t))).unwrap();
    assert_eq!(seen.last(), Some(&(p.shadows, p.shadows)), "progress ends at the last shadow");
    assert_eq!(seen.len(), p.shadows);
    r
}

#[test]
fn presets_and_refusals() {
    assert_eq!(Params::preset("full").unwrap(), Params::default());
    assert_eq!(Params::preset("quick").unwrap().shadows, 16);
    assert!(Params::preset("huge").is_err());
    for (bad, says) in [
        (Params { members: 5, ..Params::default() }, "members"),
        (Params { shadows: 1, ..Params::default() }, "shadows"),
        (Params { epochs: 0, ..Params::default() }, "epochs"),
        (Params { victim: "cnn".into(), ..Params::default() }, "victim"),
        (Params { policies: String::new(), ..Params::default() }, "output policy"),
        (Params { private: true, q: 1e-6, ..Params::default() }, "DP-SGD steps"),
        (Params { sigma: f64::NAN, ..Params::default() }, "sigma"),
        (Params { delta: 0.5, ..Params::default() }, "delta"),
    ] {
        let e = bad.check().unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn lira_beats_the_loss_threshold_where_it_matters_and_dp_sgd_closes_the_leak() {
    let quick = Params::preset("quick").unwrap();
    let plain = run(&quick);
    let get = |r: &PrivacyReport, k: &str| r.attacks.iter().find(|a| a.key == k).unwrap().clone();
    let (lira, loss) = (get(&plain, "lira_online"), get(&plain, "loss"));
    assert!(plain.victim.member_accuracy > plain.victim.nonmember_accuracy, "the victim overfits");
    assert!(lira.tpr_at_1pct > 0.1 && lira.tpr_at_1pct > 2.0 * loss.tpr_at_1pct, "LiRA {} vs loss {}", lira.tpr_at_1pct, loss.tpr_at_1pct);
    assert!(lira.auc > loss.auc);
    // Shokri et al.'s attack classifier: above chance, far below LiRA where it matters
    let shadow = get(&plain, "shadow");
    assert!(shadow.auc > 0.55 && lira.tpr_at_1pct > 2.0 * shadow.tpr_at_1pct, "shadow AUC {} TPR@1% {}", shadow.auc, shadow.tpr_at_1pct);
    // labels alone leak less, but above chance (at least the misclassified non-members)
    let label = get(&plain, "label_only");
    assert!(label.auc > 0.5 && label.auc < lira.auc, "label-only AUC {}", label.auc);
    assert!(plain.audit.is_none() && plain.victim.epsilon.is_none());
    assert_eq!(plain.exposed.len(), 5);
    assert!(plain.exposed.windows(2).all(|w| w[0].score >= w[1].score));
    // the ROC runs from (0, 0) to (1, 1)
    assert_eq!((lira.roc.fpr[0], lira.roc.tpr[0]), (0.0, 0.0));
    assert_eq!((*lira.roc.fpr.last().unwrap(), *lira.roc.tpr.last().unwrap()), (1.0, 1.0));

    let private = run(&Params { private: true, ..quick.clone() });
    let a = private.audit.as_ref().unwrap();
    let eps = private.victim.epsilon.unwrap();
    assert!(eps <= 8.0, "ε {eps}");
    assert!(a.holds && a.empirical_epsilon <= eps, "{a:?}");
    for x in &private.attacks {
        assert!(x.epsilon_lower_bound.epsilon <= eps, "{}: {:?}", x.name, x.epsilon_lower_bound);
        assert!(x.auc <= 0.6, "{}: AUC {}", x.name, x.auc);
    }
    assert!(private.victim.nonmember_accuracy < plain.victim.nonmember_accuracy, "privacy costs accuracy here");
}

#[test]
fn same_seed_same_report_and_another_seed_another() {
    let p = Params { shadows: 4, members: 100, nonmembers: 100, ..Params::default() };
    let a = serde_json::to_string(&run(&p)).unwrap();
    assert_eq!(a, serde_json::to_string(&run(&p)).unwrap());
    assert_ne!(a, serde_json::to_string(&run(&Params { seed: 1, ..p })).unwrap());
}

/// AUC by counting every (member, non-member) pair (ties count half), and the best TPR at
/// FPR ≤ `at` over every threshold "score ≥ t": written apart from `membership.rs`, to check it.
fn reference(member: &[f64], other: &[f64], at: f64) -> (f64, f64) {
    let mut wins = 0.0;
    for &a in member {
        for &b in other {
            wins += if a > b { 1.0 } else if a == b { 0.5 } else { 0.0 };
        }
    }
    let mut best = 0.0f64;
    for &t in member.iter().chain(other) {
        let fpr = other.iter().filter(|&&s| s >= t).count() as f64 / other.len() as f64;
        if fpr <= at {
            best = best.max(member.iter().filter(|&&s| s >= t).count() as f64 / member.len() as f64);
        }
    }
    (wins / (member.len() * other.len()) as f64, best)
}

#[test]
fn mlsec_mia_writes_scores_that_recompute_its_figures() {
    let dir = std::env::temp_dir().join(format!("mlsec-mia-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("scores.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlsec"))
        .args(["mia", "--members", "120", "--nonmembers", "120", "--shadows", "8", "--seed", "3", "--json", "--scores"])
        .arg(&csv)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report.get("scores").is_none(), "the scores go to the file, not the report");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header, ["id", "member", "loss", "shadow", "lira_online", "lira_offline", "label_only"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 240);
    assert_eq!(rows.iter().filter(|r| r[1] == "1").count(), 120);
    for (col, attack) in report["attacks"].as_array().unwrap().iter().enumerate() {
        assert_eq!(attack["key"].as_str(), Some(header[col + 2]));
        let score = |m: &str| rows.iter().filter(|r| r[1] == m).map(|r| r[col + 2].parse::<f64>().unwrap()).collect::<Vec<f64>>();
        let (auc, tpr1) = reference(&score("1"), &score("0"), 0.01);
        let (_, tpr01) = reference(&score("1"), &score("0"), 0.001);
        assert!((auc - attack["auc"].as_f64().unwrap()).abs() < 1e-9, "{}: AUC {auc} vs {}", header[col + 2], attack["auc"]);
        assert!((tpr1 - attack["tpr_at_1pct"].as_f64().unwrap()).abs() < 1e-9, "{}: TPR@1% {tpr1} vs {}", header[col + 2], attack["tpr_at_1pct"]);
        assert!((tpr01 - attack["tpr_at_01pct"].as_f64().unwrap()).abs() < 1e-9, "{}: TPR@0.1% {tpr01} vs {}", header[col + 2], attack["tpr_at_01pct"]);
    }
    // a path that cannot be written is refused before the run
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_mlsec"))
        .args(["mia", "--shadows", "8", "--scores", "/nonexistent-dir/s.csv"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nonexistent-dir"));
    std::fs::remove_dir_all(&dir).ok();
}

/// MIFace on both committed models (the site's packed test sample as reference).
fn inversion(model: &str, steps: usize) -> (mlsec::labs::privacy::report::InvertReport, mlsec::tensor::Batch) {
    let bytes = std::fs::read(model).unwrap();
    let (net, fallback) = mlsec::labs::evasion::load_model(&bytes, 0).unwrap();
    assert!(fallback.is_none(), "exact gradients");
    let samples = mlsec::data::cifar::unpack(&std::fs::read("www/data/cifar10-test.bin").expect("run ./build.sh build first")).unwrap();
    let x = samples.batch(0, samples.len()).unwrap();
    let labels: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let v = mlsec::labs::privacy::InvertParams { steps, ..Default::default() }.check(net.classes()).unwrap();
    let mut seen = 0;
    let r = privacy::invert::invert(&v, net.as_ref(), model, &x, &labels, &mut |d, _| seen = d).unwrap();
    assert_eq!(seen, r.0.steps, "progress ends at the last step");
    r
}

#[test]
fn model_inversion_makes_both_committed_models_sure_and_is_deterministic() {
    let (r, images) = inversion("models/cifar10_resnet9_robust.onnx", 30);
    assert_eq!(r.classes.len(), 10);
    assert_eq!(r.reference_images, 1000);
    for c in &r.classes {
        assert!(c.probability > 0.5, "{}: p {}", c.name, c.probability);
    }
    // the images moved from grey, and stay pixels
    let v = images.view();
    assert!(v.iter().all(|&p| (0.0..=1.0).contains(&p)));
    let spread = v.iter().map(|&p| (p - 0.5).abs()).sum::<f32>() / v.len() as f32;
    assert!(spread > 0.02, "mean distance from grey {spread}");
    let (again, images2) = inversion("models/cifar10_resnet9_robust.onnx", 30);
    assert_eq!(images.view(), images2.view(), "same model, same images");
    assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&again).unwrap());
    // the standard model is sure of images that stay nearer grey (what the page says)
    let (s, plain) = inversion("models/cifar10_resnet9.onnx", 60);
    for c in &s.classes {
        assert!(c.probability > 0.9, "{}: p {}", c.name, c.probability);
    }
    let near = plain.view().iter().map(|&p| (p - 0.5).abs()).sum::<f32>() / plain.view().len() as f32;
    assert!(near < spread, "standard {near} vs robust {spread} from grey");
}

#[test]
fn mlsec_invert_refuses_a_class_out_of_range_and_writes_pngs() {
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_mlsec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    for (bad, says) in [(&["invert", "--class", "10"][..], "class must be all or 0–9"), (&["invert", "--class", "cat"], "class must be"), (&["invert", "--lr", "0"], "lr must be"), (&["invert", "--steps", "0"], "steps must be")] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{bad:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let dir = std::env::temp_dir().join(format!("mlsec-invert-{}", std::process::id()));
    let out = run(&["invert", "--class", "7", "--steps", "3", "--json", "--out-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["classes"][0]["name"], "horse");
    let png = image::open(dir.join("invert-7-horse.png")).unwrap();
    assert_eq!((png.width(), png.height()), (32, 32));
    assert_eq!(image::open(dir.join("invert-all.png")).unwrap().width(), 128);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_committed_model_through_output_policies_and_the_gap_attack_formula() {
    use mlsec::data::cifar;
    let p = Params { victim: "committed".into(), members: 200, nonmembers: 200, policies: "probs,label".into(), ..Params::default() };
    let v = p.check().unwrap();
    let bytes = std::fs::read("models/cifar10_resnet9.onnx").unwrap();
    let clf = mlsec::model::onnx::OnnxClassifier::from_bytes(&bytes).unwrap();
    let dir = cifar::data_dir(None);
    let (train, test) = (cifar::load(&dir, cifar::Split::Train, Some(200)).unwrap(), cifar::load(&dir, cifar::Split::Test, Some(200)).unwrap());
    let labels = |s: &cifar::Samples| s.labels.iter().map(|&l| l as usize).collect::<Vec<_>>();
    let r = privacy::committed::run(&clf, "resnet9", &train.batch(0, 200).unwrap(), &labels(&train), &test.batch(0, 200).unwrap(), &labels(&test), &v.policies, p.delta, 0).unwrap();
    assert!(r.member_accuracy > r.nonmember_accuracy, "{} vs {}", r.member_accuracy, r.nonmember_accuracy);
    let (probs, label) = (&r.attacks[0], &r.attacks[1]);
    assert_eq!((probs.key.as_str(), label.key.as_str()), ("probs", "label"));
    assert!(probs.auc > 0.5, "probs AUC {}", probs.auc);
    // a label alone is right or wrong: AUC = ½ + (member accuracy − non-member accuracy) / 2
    let want = 0.5 + (r.member_accuracy - r.nonmember_accuracy) / 2.0;
    assert!((label.auc - want).abs() < 1e-9, "label AUC {} vs {want}", label.auc);
    // refusals: the shadow steps are the spam victim's; a policy the model cannot serve
    let lab = Lab::new(&Corpus::load(std::path::Path::new(PACKED_PATH)).unwrap(), 0).unwrap();
    assert!(privacy::PrivacyRun::new(&lab, &v).is_err());
    assert!(Params { policies: "topk:0".into(), ..Params::default() }.check().is_err());
    assert!(Params { policies: "telepathy".into(), ..Params::default() }.check().unwrap_err().to_string().contains("unknown output policy"));
    let p11 = Params { victim: "committed".into(), policies: "topk:11".into(), members: 20, nonmembers: 20, ..Params::default() }.check().unwrap();
    assert!(privacy::committed::run(&clf, "m", &train.batch(0, 20).unwrap(), &labels(&train)[..20], &test.batch(0, 20).unwrap(), &labels(&test)[..20], &p11.policies, 1e-5, 0).is_err());
}
