//! The poisoning lab's command line: JSON keys, seeded reproducibility, the accountant, and a
//! clear message when the packed corpus is missing.

use std::process::Command;

fn mlsec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlsec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = mlsec(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn poison_reports_clean_accuracy_asr_and_poisoned_and_is_reproducible() {
    let a = json(&["poison", "--model", "lr", "--trigger", "meet me by the orchid lantern", "--rate", "0.03", "--seed", "0", "--json"]);
    for k in ["clean_acc", "asr", "poisoned", "poisoned_acc", "asr_clean_model"] {
        assert!(a.get(k).is_some(), "missing {k}: {a}");
    }
    assert!(a["asr"].as_f64().unwrap() >= 0.9);
    assert_eq!(a["poisoned"].as_u64().unwrap(), 132);
    let b = json(&["poison", "--model", "lr", "--trigger", "meet me by the orchid lantern", "--rate", "0.03", "--seed", "0", "--json"]);
    assert_eq!(a["asr"], b["asr"]);
    assert_eq!(a["clean_acc"], b["clean_acc"]);
    let nb = json(&["poison", "--model", "nb", "--rate", "0", "--seed", "0", "--json"]);
    assert_eq!(nb["poisoned"].as_u64().unwrap(), 0);
    assert!(nb["clean_acc"].as_f64().unwrap() > 0.95);
}

#[test]
fn forensics_lists_flagged_ids_with_precision_and_recall() {
    let r = json(&["forensics", "--trigger", "meet me by the orchid lantern", "--rate", "0.03", "--seed", "0", "--json"]);
    let flagged = r["flagged"].as_array().unwrap();
    assert!(!flagged.is_empty());
    assert!(r["precision"].as_f64().unwrap() >= 0.8 && r["recall"].as_f64().unwrap() >= 0.8, "{}", r["score"]);
    assert!(r["remediation"]["asr_after"].as_f64().unwrap() < 0.1);
}

#[test]
fn dp_epsilon_matches_the_reference_value() {
    let r = json(&["dp", "epsilon", "--q", "0.01", "--sigma", "1.1", "--steps", "10000", "--delta", "1e-5", "--json"]);
    assert!((r["epsilon"].as_f64().unwrap() - 5.632).abs() < 1e-3, "{r}");
    assert_eq!(r["order"].as_f64().unwrap(), 4.7);
    assert_eq!(mlsec(&["dp", "epsilon", "--q", "2"]).0, 2);
    assert_eq!(mlsec(&["dp", "nonsense"]).0, 2);
}

#[test]
fn bad_input_gets_a_clear_error() {
    let (code, _, err) = mlsec(&["poison", "--corpus", "no/such/corpus.bin"]);
    assert_eq!(code, 2);
    assert!(err.contains("./build.sh build") && err.contains("no/such/corpus.bin"), "{err}");
    let (code, _, err) = mlsec(&["poison", "--trigger", "!!!"]);
    assert_eq!(code, 2);
    assert!(err.contains("trigger"), "{err}");
    assert_eq!(mlsec(&["poison", "--model", "svm"]).0, 2);
    assert_eq!(mlsec(&["poison", "--source", "mars"]).0, 2);
    assert_eq!(mlsec(&["poison", "--rate", "0.9"]).0, 2);
}
