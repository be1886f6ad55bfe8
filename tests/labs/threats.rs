//! The threat model: its catalogue against MITRE ATLAS 5.6 (the shared reference file), its
//! demo links against the target labs' own settings parsers, the user's edits, a few of its
//! measurements at small sizes, and the exports.

use clap::Parser;
use mlsec::data::cifar::{self, Split};
use mlsec::labs::threats::{self, measure, report, Edits, Params, Status, Stride};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn shared(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference").join(p)
}

/// id → name of every technique, mitigation and tactic in ATLAS 5.6.
fn atlas() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(shared("atlas-5.6.json")).expect("../shared/reference/atlas-5.6.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for key in ["techniques", "mitigations", "tactics"] {
        for t in v[key].as_array().unwrap() {
            out.insert(t["id"].as_str().unwrap().to_string(), t["name"].as_str().unwrap().to_string());
        }
    }
    out
}

const OWASP: [(&str, &str); 10] = [
    ("ML01", "Input Manipulation Attack"),
    ("ML02", "Data Poisoning Attack"),
    ("ML03", "Model Inversion Attack"),
    ("ML04", "Membership Inference Attack"),
    ("ML05", "Model Theft"),
    ("ML06", "AI Supply Chain Attacks"),
    ("ML07", "Transfer Learning Attack"),
    ("ML08", "Model Skewing"),
    ("ML09", "Output Integrity Attack"),
    ("ML10", "Model Poisoning"),
];

#[derive(Parser)]
struct Evasion {
    #[command(flatten)]
    p: mlsec::labs::evasion::Params,
}
#[derive(Parser)]
struct Extraction {
    #[command(flatten)]
    p: mlsec::labs::extraction::Params,
}
#[derive(Parser)]
struct Privacy {
    #[command(flatten)]
    p: mlsec::labs::privacy::Params,
}
#[derive(Parser)]
struct Poisoning {
    #[command(flatten)]
    p: mlsec::labs::poisoning::Params,
}

/// The demo's URL keys as the CLI's flags (the page reads the CLI's spelling of each value),
/// parsed by the target lab's own `Params` and checked; page-only keys are checked here.
fn check_demo(d: &threats::Demo) -> Result<(), String> {
    let mut args = vec!["x".to_string()];
    let page_only: &[&str] = match d.lab.as_str() {
        "evasion" => &["img", "model", "evn", "evl", "mxn"],
        "scanner" => &["sample"],
        _ => &[],
    };
    for (k, v) in &d.params {
        if page_only.contains(&k.as_str()) {
            match k.as_str() {
                "img" => {
                    let i: usize = v.parse().map_err(|_| format!("img={v}"))?;
                    if i >= 1000 {
                        return Err(format!("img={v}: the gallery has 1,000 images"));
                    }
                }
                "sample" => {
                    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(v);
                    if !f.is_file() || v.contains("..") {
                        return Err(format!("sample={v}: no such sample"));
                    }
                }
                _ => {}
            }
            continue;
        }
        args.push(format!("--{}", k.replace('_', "-")));
        args.push(v.clone());
    }
    let r = match d.lab.as_str() {
        "evasion" => Evasion::try_parse_from(&args).map_err(|e| e.to_string())?.p.check().map(|_| ()),
        "extraction" => {
            let given = Extraction::try_parse_from(&args).map_err(|e| e.to_string())?.p;
            let keys: Vec<String> = d.params.keys().cloned().collect();
            let p = mlsec::labs::overlay(&given, &mlsec::labs::extraction::Params::preset("quick").unwrap(), &|k| keys.iter().any(|g| g == k)).map_err(|e| e.to_string())?;
            p.check().map(|_| ())
        }
        "poisoning" => Poisoning::try_parse_from(&args).map_err(|e| e.to_string())?.p.check().map(|_| ()),
        "privacy" => Privacy::try_parse_from(&args).map_err(|e| e.to_string())?.p.check().map(|_| ()),
        "scanner" => Ok(()),
        other => return Err(format!("no lab {other}")),
    };
    r.map_err(|e| e.to_string())
}

#[test]
fn every_threat_has_real_ids_a_demo_the_lab_accepts_and_a_measured_control() {
    let m = threats::catalogue();
    m.check().unwrap();
    let atlas = atlas();
    let strides: BTreeSet<Stride> = m.threats.iter().map(|t| t.stride).collect();
    assert_eq!(strides.len(), 6, "every STRIDE category has a threat");
    for t in &m.threats {
        assert!(!t.atlas.is_empty(), "{}: no ATLAS technique", t.id);
        for r in &t.atlas {
            assert_eq!(atlas.get(&r.id), Some(&r.name), "{}: {} is not ATLAS 5.6's {:?}", t.id, r.id, r.name);
            assert!(r.id.starts_with("AML.T"), "{}: {} is not a technique", t.id, r.id);
        }
        for r in &t.owasp {
            assert!(OWASP.contains(&(r.id.as_str(), r.name.as_str())), "{}: {} {} is not an ML Top 10 entry", t.id, r.id, r.name);
        }
        assert!(!t.owasp.is_empty() || !t.owasp_note.is_empty(), "{}: no OWASP entry and no word why", t.id);
        assert!(!t.nist.is_empty() && !t.residual.is_empty(), "{}", t.id);
        let d = t.demo.as_ref().unwrap_or_else(|| panic!("{}: no demo", t.id));
        check_demo(d).unwrap_or_else(|e| panic!("{}: the demo {} is refused: {e}", t.id, d.hash()));
        assert!(t.controls.iter().any(|c| m.control(c).is_some_and(|c| c.measure.is_some())), "{}: no measured control", t.id);
    }
    for c in &m.controls {
        for r in &c.atlas {
            assert_eq!(atlas.get(&r.id), Some(&r.name), "{}: {} is not ATLAS 5.6's {:?}", c.id, r.id, r.name);
            assert!(r.id.starts_with("AML.M"), "{}: {} is not a mitigation", c.id, r.id);
        }
    }
    // every measurement is some control's
    let used: BTreeSet<String> = m.controls.iter().filter_map(|c| c.measure.map(|x| format!("{x:?}"))).collect();
    assert_eq!(used.len(), measure::Measure::ALL.len());
    // the check is real: a demo with a setting out of range is refused
    let mut bad = m.threats[0].demo.clone().unwrap();
    bad.params.insert("eps".into(), "300".into());
    assert!(check_demo(&bad).is_err());
    bad.params.insert("eps".into(), "8".into());
    bad.params.insert("attack".into(), "teleport".into());
    assert!(check_demo(&bad).is_err());
}

#[test]
fn edits_apply_and_bad_ones_are_sentences() {
    let base = threats::catalogue();
    let mut e = Edits::default();
    e.status.insert("evasion".into(), Status::Mitigated);
    e.notes.insert("evasion".into(), "adversarial training deployed in v2".into());
    e.elements.push(threats::Element { id: "element-1".into(), name: "Feature store".into(), shape: threats::Shape::Store, zone: "data".into(), description: "".into(), lab: None });
    let mut t = base.threats[0].clone();
    t.id = "threat-1".into();
    t.element = "element-1".into();
    e.threats.push(t);
    let m = base.clone().with(&e).unwrap();
    assert_eq!(m.threats.iter().find(|t| t.id == "evasion").unwrap().status, Status::Mitigated);
    assert_eq!(m.threats.len(), base.threats.len() + 1);
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<Edits>(&json).unwrap(), e, "edits round-trip through the page's JSON");

    let refused = |e: &Edits, word: &str| {
        let msg = base.clone().with(e).unwrap_err().to_string();
        assert!(msg.contains(word), "{msg:?} should say {word:?}");
    };
    let mut x = Edits::default();
    x.status.insert("no-such".into(), Status::Open);
    refused(&x, "no-such");
    let mut x = e.clone();
    x.threats[0].element = "nowhere".into();
    refused(&x, "nowhere");
    let mut x = e.clone();
    x.threats[0].id = "evasion".into();
    refused(&x, "twice");
    let mut x = e.clone();
    x.notes.insert("evasion".into(), "a".repeat(threats::MAX_TEXT + 1));
    refused(&x, "longer");
    let mut x = e.clone();
    x.elements[0].name = "bell\u{7}".into();
    refused(&x, "control character");
    let mut x = e.clone();
    x.elements[0].id = "<script>".into();
    refused(&x, "letters");
    let mut x = e.clone();
    x.threats[0].likelihood = 9;
    refused(&x, "1–5");
    let mut x = Edits::default();
    x.elements = (0..=threats::MAX_ADDED).map(|i| threats::Element { id: format!("e{i}"), name: "n".into(), shape: threats::Shape::Process, zone: "data".into(), description: "".into(), lab: None }).collect();
    refused(&x, "at most");
    assert!(serde_json::from_str::<Edits>(r#"{"status":{"evasion":"solved"}}"#).is_err(), "an unknown status is refused");
}

#[test]
fn bad_settings_are_sentences() {
    for (p, word) in [
        (Params { n: 0, ..Params::default() }, "n must"),
        (Params { budget: 50, ..Params::default() }, "budget"),
        (Params { calls: 1, ..Params::default() }, "calls"),
        (Params { format: "pdf".into(), ..Params::default() }, "format"),
        (Params { seed: 1 << 60, ..Params::default() }, "seed"),
    ] {
        assert!(p.check().unwrap_err().to_string().contains(word));
    }
    assert!(Params::preset("slow").is_err());
    let res = measure::Resources::default();
    let e = measure::run(measure::Measure::RateLimit, &res, &Params::preset("quick").unwrap().check().unwrap(), &mut |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("not loaded"), "{e}");
}

fn model_bytes(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(name)).unwrap()
}

#[test]
fn measurements_compute_what_they_say() {
    let p = Params { n: 20, calls: 200, ..Params::preset("quick").unwrap() }.check().unwrap();
    let mut res = measure::Resources { model: Some(model_bytes("cifar10_resnet9.onnx")), robust: Some(model_bytes("cifar10_resnet9_robust.onnx")), ..Default::default() };
    res.samples = Some(cifar::load(&cifar::data_dir(None), Split::Test, Some(20)).unwrap());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    for (name, _) in manifest["malicious"].as_object().unwrap() {
        res.scan.push(measure::ScanSample { name: name.clone(), bytes: std::fs::read(dir.join("malicious").join(name)).unwrap(), hostile: true });
    }
    for name in manifest["benign"].as_array().unwrap() {
        let name = name.as_str().unwrap();
        res.scan.push(measure::ScanSample { name: name.into(), bytes: std::fs::read(dir.join("benign").join(name)).unwrap(), hostile: false });
    }
    let run = |m| measure::run(m, &res, &p, &mut |_, _| {}).unwrap();
    let v = |x: &measure::Measurement, i: usize| x.rows[i].value.unwrap();

    let scan = run(measure::Measure::Scanning);
    let hostile = manifest["malicious"].as_object().unwrap().len() as f64;
    assert_eq!((v(&scan, 0), v(&scan, 1)), (hostile, 0.0), "{}", scan.summary);

    let rate = run(measure::Measure::RateLimit);
    assert_eq!(v(&rate, 0), 200.0, "no limit: every call answered");
    assert!(v(&rate, 1) <= v(&rate, 2) && v(&rate, 1) < 200.0, "{}", rate.summary);
    assert_eq!(run(measure::Measure::RateLimit), rate, "same seed, same result");

    let chain = run(measure::Measure::HashChain);
    let entries = v(&chain, 0) as usize;
    assert_eq!(chain.rows[1].shown, "verifies");
    assert_eq!((v(&chain, 2) as usize, v(&chain, 3) as usize), (entries / 2, entries / 3), "{}", chain.summary);

    let adv = run(measure::Measure::AdversarialTraining);
    assert!(v(&adv, 1) > v(&adv, 0), "the robust model resists PGD better: {}", adv.summary);
    assert!(v(&adv, 2) >= v(&adv, 0), "an attack does not raise accuracy");
    assert!(adv.summary.contains(&adv.rows[0].shown) && adv.setup.contains("seed 0"));
}

#[test]
fn the_exports_carry_the_model_and_the_measurements() {
    let mut m = threats::catalogue();
    m.threats[0].notes = "a | pipe\nand a newline".into();
    let mut measured = report::Measured::new();
    measured.insert(
        "rate-limit".into(),
        measure::Measurement { measure: measure::Measure::RateLimit, summary: "SUMMARY-SENTINEL".into(), rows: vec![], setup: "setup".into(), seed: 0, seconds: 1.0 },
    );
    let md = report::markdown(&m, &measured, "https://example.org/");
    for t in &m.threats {
        assert!(md.contains(&t.name), "{}", t.id);
        assert!(md.contains(&t.atlas[0].id));
    }
    assert!(md.contains("SUMMARY-SENTINEL") && md.contains("not measured in this report"));
    assert!(md.contains("](https://example.org/#lab=extraction&"), "demo links are absolute when a site is given");
    let otm = report::otm(&m, &measured);
    assert_eq!(otm["otmVersion"], "0.2.0");
    assert_eq!(otm["threats"].as_array().unwrap().len(), m.threats.len());
    assert_eq!(otm["components"].as_array().unwrap().len(), m.elements.len());
    assert_eq!(otm["mitigations"].as_array().unwrap().len(), m.controls.len());
    let rl = otm["mitigations"].as_array().unwrap().iter().find(|c| c["id"] == "rate-limit").unwrap();
    assert_eq!(rl["attributes"]["measurement"]["summary"], "SUMMARY-SENTINEL");
    // the schema itself is checked in the browser test (ajv, draft-07), on the page's and the CLI's export
}
