//! The evasion lab: its settings table (defaults, ranges), one image and a set through the same
//! settings, tallies that match the set's report, and `mlsec attack`.

use mlsec::attacks::evasion::run::AttackKind;
use mlsec::data::cifar::{self, Split};
use mlsec::labs::evasion::{self, Params};
use mlsec::tensor::{Amount, Norm};

fn model() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9.onnx")).unwrap()
}

#[test]
fn the_defaults_are_the_documented_table() {
    let p = Params::default().check().unwrap();
    assert_eq!((p.spec.attack, p.spec.norm), (AttackKind::Pgd, Norm::Linf));
    assert!((p.spec.eps - 8.0 / 255.0).abs() < 1e-7);
    assert_eq!((p.params().n, p.params().batch, p.params().eot, p.params().seed), (100, 50, 8, 0));
    assert_eq!((p.defense.as_str(), p.adaptive), ("none", None));
    // each attack's budget when none is given: none for minimum-norm attacks, 0.5 for L2
    let cw = Params { attack: "cw".into(), ..Params::default() }.check().unwrap();
    assert_eq!(cw.spec.eps, 0.0);
    let l2 = Params { norm: "l2".into(), ..Params::default() }.check().unwrap();
    assert_eq!(l2.spec.eps, 0.5);
    let adaptive = Params { adaptive: true, eot: 4, defense: "jpeg:75".into(), ..Params::default() }.check().unwrap();
    assert_eq!((adaptive.adaptive, adaptive.defense.as_str()), (Some(4), "jpeg:75"));
    // defences chain left to right, named canonically; smoothing is not a link of a chain
    let chained = Params { defense: "jpeg:75 + squeeze:4".into(), ..Params::default() }.check().unwrap();
    assert_eq!(chained.defense, "jpeg:75+squeeze:4");
    assert!(Params { defense: "jpeg:75+smooth:0.25".into(), ..Params::default() }.check().is_err());
}

#[test]
fn every_out_of_range_setting_is_refused_with_its_name() {
    let d = Params::default;
    for (p, name) in [
        (Params { attack: "teleport".into(), ..d() }, "unknown attack"),
        (Params { norm: "l7".into(), ..d() }, "norm"),
        (Params { eps: Some(Amount::Exact(1.5)), ..d() }, "eps"),
        (Params { eps: Some(Amount::Exact(-0.1)), ..d() }, "eps"),
        (Params { eps: Some(Amount::Exact(f32::NAN)), ..d() }, "eps"),
        (Params { steps: Some(0), ..d() }, "steps"),
        (Params { step: Some(Amount::Exact(0.0)), ..d() }, "step"),
        (Params { queries: Some(0), ..d() }, "queries"),
        (Params { defense: "jpeg:300".into(), ..d() }, "quality"),
        (Params { eot: 0, ..d() }, "eot"),
        (Params { n: 0, ..d() }, "n (images)"),
        (Params { batch: 5000, ..d() }, "batch"),
    ] {
        let e = p.check().expect_err(name).to_string();
        assert!(e.to_lowercase().contains(&name.to_lowercase()), "{name}: {e}");
    }
    // the page's settings go through serde: an unknown key is refused, missing keys take the defaults
    assert!(serde_json::from_str::<Params>(r#"{"attack":"fgsm","epsilon":3}"#).is_err());
    let p: Params = serde_json::from_str(r#"{"attack":"fgsm","eps":0.01,"steps":null}"#).unwrap();
    assert_eq!((p.attack.as_str(), p.eps, p.n), ("fgsm", Some(Amount::Exact(0.01)), 100));
}

#[test]
fn one_image_and_a_set_agree_and_tallies_match_the_report() {
    let bytes = model();
    let p = Params { attack: "fgsm".into(), n: 6, batch: 4, seed: 3, ..Params::default() }.check().unwrap();
    let (net, note) = evasion::load_model(&bytes, 3).unwrap();
    assert!(note.is_none(), "the committed model has exact gradients");
    let s = cifar::load(&cifar::data_dir(None), Split::Test, Some(6)).unwrap();
    let x = s.batch(0, 6).unwrap();
    let labels: Vec<usize> = s.labels.iter().map(|&l| l as usize).collect();
    let mut seen = vec![];
    let rep = evasion::run(&p, net.as_ref(), "m", &x, &labels, &mut |d, t| seen.push((d, t))).unwrap();
    assert_eq!(seen, vec![(4, 6), (6, 6)], "progress after each batch");
    assert_eq!((rep.images, rep.params.seed, rep.per_class.len()), (6, 3, 10));
    assert!(rep.robust_acc <= rep.clean_acc);
    let t = evasion::tally(&p, net.as_ref(), &x, &labels).unwrap().summary();
    assert_eq!((t.clean_acc, t.robust_acc), (rep.clean_acc, rep.robust_acc), "FGSM is deterministic: the tally and the report agree");
    let x0 = x.slice(0, 1).unwrap();
    let one = evasion::attack_one(&p, net.as_ref(), &x0, labels[0], None).unwrap();
    let t0 = evasion::tally(&p, net.as_ref(), &x0, &labels[..1]).unwrap();
    assert_eq!(t0.robust_correct == 1, one.adversarial.predicted == labels[0], "one image, the same verdict both ways");
    assert_eq!((one.adv_rgba.len(), one.delta_rgba.len(), one.adv.len()), (4096, 4096, 3072));
    assert!(one.linf <= p.spec.eps + 1e-6, "L∞ {} within ε {}", one.linf, p.spec.eps);
}

#[test]
fn a_counted_model_reports_what_the_attack_asked_of_it() {
    use mlsec::model::counted::{Calls, Counted};
    let bytes = model();
    let (net, _) = evasion::load_model(&bytes, 0).unwrap();
    let s = cifar::load(&cifar::data_dir(None), Split::Test, Some(1)).unwrap();
    let x = s.batch(0, 1).unwrap();
    let label = s.labels[0] as usize;
    // PGD: one gradient per step, reported after each
    let p = Params { attack: "pgd".into(), steps: Some(7), ..Params::default() }.check().unwrap();
    let mut seen: Vec<Calls> = vec![];
    let mut report = |c: Calls| seen.push(c);
    let counted = Counted::new(net.as_ref(), 20, &mut report);
    let one = evasion::attack_one(&p, &counted, &x, label, None).unwrap();
    let total = counted.calls();
    drop(counted);
    assert_eq!(total.gradients, 7, "{total:?}");
    assert_eq!(seen.iter().map(|c| c.gradients).collect::<Vec<_>>(), (1..=7).collect::<Vec<_>>());
    assert!(one.linf <= p.spec.eps + 1e-6);
    // Square: queries within its budget (plus the clean and final predictions), reported every 20
    let p = Params { attack: "square".into(), queries: Some(100), ..Params::default() }.check().unwrap();
    let mut seen: Vec<Calls> = vec![];
    let mut report = |c: Calls| seen.push(c);
    let counted = Counted::new(net.as_ref(), 20, &mut report);
    evasion::attack_one(&p, &counted, &x, label, None).unwrap();
    let total = counted.calls();
    drop(counted);
    assert_eq!(total.gradients, 0);
    assert!(total.queries > 0 && total.queries <= 100 + 4, "{total:?}");
    assert!(seen.windows(2).all(|w| w[1].queries >= w[0].queries + 20), "{seen:?}");
    assert_eq!(seen.len(), total.queries / 20, "a report every 20 queries: {seen:?}");
}

#[test]
fn mlsec_attack_prints_the_report_and_its_settings() {
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_mlsec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    let out = run(&["attack", "--model", "models/cifar10_resnet9.onnx", "--attack", "fgsm", "--eps", "4/255", "--n", "4", "--seed", "5", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["clean_acc", "robust_acc", "asr", "l2_mean", "queries_mean", "per_class", "seconds", "gradient"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!((v["images"].as_u64(), v["seed"].as_u64(), v["attack"].as_str()), (Some(4), Some(5), Some("fgsm")));
    assert!((v["eps_255"].as_f64().unwrap() - 4.0).abs() < 1e-4);
    assert_eq!(v["params"]["n"], 4);
    // --dry-run prints the settings, defaults filled in; --targeted is still understood
    let dry = run(&["attack", "--model", "m.onnx", "--targeted", "3", "--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let d: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!((d["attack"].as_str(), d["target"].as_u64(), d["n"].as_u64()), (Some("pgd"), Some(3), Some(100)));
    // a setting out of range: exit 2 and a sentence naming it, before any model is read
    let bad = run(&["attack", "--model", "m.onnx", "--defense", "jpeg:300"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("quality"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[test]
fn a_black_box_attacker_behind_an_output_policy_sees_only_its_answers() {
    let d = Params::default;
    // white-box attacks have the weights: a policy does not apply to them
    let e = Params { attack: "pgd".into(), policy: "label".into(), ..d() }.check().unwrap_err().to_string();
    assert!(e.contains("black-box"), "{e}");
    assert!(Params { attack: "square".into(), policy: "topk:2.5".into(), ..d() }.check().is_err());
    assert!(Params { attack: "square".into(), policy: "probs:1".into(), ..d() }.check().is_err());
    let (net, _) = evasion::load_model(&model(), 0).unwrap();
    let s = cifar::load(&cifar::data_dir(None), Split::Test, Some(1)).unwrap();
    let x = s.batch(0, 1).unwrap();
    let label = s.labels[0] as usize;
    let at = |policy: &str| {
        let p = Params { attack: "square".into(), queries: Some(60), policy: policy.into(), ..d() }.check().unwrap();
        evasion::attack_one(&p, net.as_ref(), &x, label, None).unwrap()
    };
    let full = at("probs");
    let label_only = at("label");
    assert_eq!((full.policy.as_str(), label_only.policy.as_str()), ("probs", "label"));
    // the same model and image: the label is the same, the answers are not
    assert_eq!(full.clean.predicted, label_only.clean.predicted);
    assert!(full.clean.probabilities.iter().filter(|&&p| p > 1e-4).count() > 1);
    let shown = &label_only.clean.probabilities;
    assert!(shown[label_only.clean.predicted] > 0.999 && shown.iter().filter(|&&p| p > 1e-6).count() == 1, "{shown:?}");
    // top-3: three classes answered, the rest zero
    let top3 = at("topk:3");
    assert_eq!(top3.clean.probabilities.iter().filter(|&&p| p > 1e-6).count(), 3);
    // the same seed, the same run
    assert_eq!(at("label").adv, label_only.adv);
}
