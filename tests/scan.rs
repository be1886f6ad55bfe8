//! The scanner against the fixture corpus (`tests/fixtures/scan/`, made by `make_fixtures.py`):
//! every hostile file is caught with at least its expected severity and rule, every benign file
//! (real torch/numpy/h5py/onnx output) gives no finding at all.

use std::path::Path;

use mlsec::scan::{scan_bytes, Limits, Severity};
use serde_json::Value;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scan"))
}

fn manifest() -> Value {
    serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).expect("manifest")).expect("json")
}

#[test]
fn every_hostile_file_is_caught() {
    let m = manifest();
    let mal = m["malicious"].as_object().unwrap();
    assert!(mal.len() >= 60);
    let mut failures = Vec::new();
    for (name, want) in mal {
        let bytes = std::fs::read(dir().join("malicious").join(name)).unwrap();
        let r = scan_bytes(name, &bytes, &Limits::default());
        let min = Severity::parse(want["severity"].as_str().unwrap()).unwrap();
        let rule = want["rule"].as_str().unwrap();
        let ok_sev = r.worst().is_some_and(|w| w >= min);
        let ok_rule = r.findings.iter().any(|f| f.rule == rule);
        let ok_global = want["global"].as_str().is_none_or(|g| r.findings.iter().any(|f| f.global.as_deref() == Some(g)));
        if !(ok_sev && ok_rule && ok_global) {
            failures.push(format!("{name}: wanted {min:?} {rule} {:?}, got {:#?}", want["global"], r.findings));
        }
    }
    assert!(failures.is_empty(), "{} missed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn benign_files_have_no_findings() {
    let m = manifest();
    let ben = m["benign"].as_array().unwrap();
    assert!(ben.len() >= 20);
    let mut failures = Vec::new();
    for name in ben {
        let name = name.as_str().unwrap();
        let bytes = std::fs::read(dir().join("benign").join(name)).unwrap();
        let r = scan_bytes(name, &bytes, &Limits::default());
        if !r.findings.is_empty() {
            failures.push(format!("{name} ({:?}): {:#?}", r.format, r.findings));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_committed_models_are_clean() {
    for m in ["models/cifar10_resnet9.onnx", "models/cifar10_resnet9_robust.onnx"] {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(m)).unwrap();
        let r = scan_bytes(m, &bytes, &Limits::default());
        assert!(r.findings.is_empty(), "{m}: {:?}", r.findings);
    }
}

/// Inputs the `scan_any` fuzz target found (its first byte picks the file extension, as there):
/// each is scanned without a panic (in the browser a panic is a trap).
#[test]
fn fuzzer_finds_scan_without_a_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-scan");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let (&pick, rest) = bytes.split_first().unwrap();
        let ext = mlsec::scan::MODEL_EXTENSIONS[pick as usize % mlsec::scan::MODEL_EXTENSIONS.len()];
        let r = mlsec::scan::scan_bytes(&format!("fuzz.{ext}"), rest, &mlsec::scan::Limits::default());
        assert_eq!(r.bytes, rest.len() as u64);
        n += 1;
    }
    assert!(n >= 1);
}
