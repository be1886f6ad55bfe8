//! The scanner lab: folders walked in order, the gate's threshold, the report's forms, settings checked.

use mlsec::labs::scanner::{scan_paths, Params};
use std::path::PathBuf;

fn fixtures(sub: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scan")).join(sub)
}

#[test]
fn the_gate_fails_on_the_malicious_corpus_and_passes_the_benign_one() {
    let p = Params::default().check().unwrap();
    let bad = scan_paths(&[fixtures("malicious")], &p).unwrap();
    let good = scan_paths(&[fixtures("benign")], &p).unwrap();
    assert!(bad.fails(&p) && !good.fails(&p));
    assert!(!bad.reports.is_empty() && !good.reports.is_empty());
    let names: Vec<&str> = good.reports.iter().map(|r| r.file.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "a folder is walked in name order");
    // the threshold is the settings': builtins.exec is critical, so even a critical-only gate fails
    let critical = Params { fail_on: "critical".into(), ..Params::default() }.check().unwrap();
    assert!(bad.fails(&critical));
    let exec = bad.reports.iter().find(|r| r.file.ends_with("builtins_exec_p4.pkl")).expect("the exec fixture is scanned");
    assert_eq!(exec.worst(), Some(mlsec::scan::Severity::Critical));
    let json: serde_json::Value = serde_json::from_str(&good.render(&Params { format: "json".into(), ..Params::default() }.check().unwrap())).unwrap();
    assert!(json.is_object());
    let sarif: serde_json::Value = serde_json::from_str(&bad.render(&Params { format: "sarif".into(), ..Params::default() }.check().unwrap())).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn bad_settings_and_missing_paths_are_sentences() {
    assert!(Params { format: "xml".into(), ..Params::default() }.check().unwrap_err().to_string().contains("--format"));
    assert!(Params { fail_on: "severe".into(), ..Params::default() }.check().unwrap_err().to_string().contains("--fail-on"));
    let p = Params::default().check().unwrap();
    assert!(scan_paths(&[], &p).is_err());
    // a missing path is reported beside the others (and fails the gate), not an error that discards them
    let run = scan_paths(&[fixtures("no-such-folder"), fixtures("benign")], &p).unwrap();
    assert!(run.errors.len() == 1 && run.errors[0].path.contains("no-such-folder") && run.errors[0].error.contains("No such file"), "{:?}", run.errors);
    assert!(!run.reports.is_empty());
    assert_eq!(run.exit_code(&p), 2);
}
