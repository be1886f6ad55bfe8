//! `mlsec scan` as a CI gate: exit codes, thresholds, directory walks and the three formats.

use std::path::Path;
use std::process::Command;

fn mlsec(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlsec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

const M: &str = "tests/fixtures/scan/malicious";
const B: &str = "tests/fixtures/scan/benign";

#[test]
fn exit_codes_follow_the_threshold() {
    let (code, text) = mlsec(&["scan", &format!("{M}/pip_main.pkl")]);
    assert_eq!(code, 1);
    assert!(text.contains("CRITICAL") && text.contains("pip.main") && text.contains("chain:"), "{text}");
    assert_eq!(mlsec(&["scan", B]).0, 0, "benign corpus must pass the default gate");
    // a MEDIUM-only file fails at the default threshold, passes --fail-on high
    assert_eq!(mlsec(&["scan", &format!("{M}/unknown_callable.pkl")]).0, 1);
    assert_eq!(mlsec(&["scan", &format!("{M}/unknown_callable.pkl"), "--fail-on", "high"]).0, 0);
    // usage and I/O errors
    assert_eq!(mlsec(&["scan", "no/such/file.pt"]).0, 2);
    assert_eq!(mlsec(&["scan", B, "--fail-on", "severe"]).0, 2);
    assert_eq!(mlsec(&["scan", B, "--format", "xml"]).0, 2);
}

#[test]
fn directories_are_walked_and_json_summarises() {
    let (code, out) = mlsec(&["scan", "tests/fixtures/scan", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap();
    let n = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(M)).unwrap().count()
        + std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(B)).unwrap().count();
    assert_eq!(files.len(), n, "every fixture is scanned");
    // the generator script and manifest.json are not model files: skipped, and listed
    let skipped: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(skipped.iter().any(|s| s.ends_with("make_fixtures.py")) && skipped.iter().any(|s| s.ends_with("manifest.json")), "{skipped:?}");
    assert!(v["summary"]["critical"].as_u64().unwrap() >= 40);
    let f = files.iter().find(|f| f["file"].as_str().unwrap().ends_with("torch_zip_data_pkl.pt")).unwrap();
    assert_eq!(f["format"], "torch-zip");
    assert_eq!(f["findings"][0]["member"], "archive/data.pkl");
    assert_eq!(f["findings"][0]["global"], "os.system");
    assert!(f["findings"][0]["offset"].is_u64());
}

#[test]
fn sarif_is_2_1_0_with_rules_and_locations() {
    let (code, out) = mlsec(&["scan", &format!("{M}/modelscan89_dict_get_builtins.pkl"), "--format", "sarif"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(rules.contains(&"pickle.indirect-call") && rules.contains(&"pickle.dangerous-global"));
    for r in run["results"].as_array().unwrap() {
        assert_eq!(run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["region"]["byteOffset"].is_u64());
        assert_eq!(r["level"], "error");
    }
}
