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

/// A scratch folder of special files beside one readable model (issue 16: the gate must not fail open).
#[cfg(unix)]
fn special_folder(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mlsec-scan-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(M).join("pip_main.pkl"), dir.join("a_model.pkl")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop_b"), dir.join("loop_a")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop_a"), dir.join("loop_b")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.pt")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.pt"), dir.join("dangling.pt")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("self")).unwrap();
    assert!(Command::new("mkfifo").arg(dir.join("pipe.pkl")).status().unwrap().success());
    dir
}

#[cfg(unix)]
#[test]
fn every_walked_path_is_reported_and_an_unreadable_one_fails_the_gate() {
    let dir = special_folder("walk");
    let (code, out) = mlsec(&["scan", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 2, "a path that cannot be scanned fails the gate: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // the readable file beside them is still reported, with its finding
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{out}");
    assert!(files[0]["file"].as_str().unwrap().ends_with("a_model.pkl"));
    let errors: Vec<(String, String)> = v["errors"].as_array().unwrap().iter().map(|e| (e["path"].as_str().unwrap().to_string(), e["error"].as_str().unwrap().to_string())).collect();
    let said = |name: &str, what: &str| errors.iter().any(|(p, e)| p.ends_with(name) && e.contains(what));
    assert!(said("pipe.pkl", "FIFO"), "{errors:?}");
    assert!(said("zero.pt", "device"), "{errors:?}");
    assert!(said("loop_a", "leads nowhere") && said("loop_b", "leads nowhere") && said("dangling.pt", "leads nowhere"), "{errors:?}");
    assert_eq!(v["summary"]["errors"], 5, "{errors:?}");
    let skipped: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(skipped.iter().any(|s| s.contains("self") && s.contains("not followed")), "{skipped:?}");
    // text and SARIF say it too
    let (code, text) = mlsec(&["scan", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(text.contains("NOT SCANNED") && text.contains("the gate fails"), "{text}");
    let (_, sarif) = mlsec(&["scan", dir.to_str().unwrap(), "--format", "sarif"]);
    let s: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(s["runs"][0]["invocations"][0]["executionSuccessful"], false);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_fifo_named_directly_is_refused_at_once_not_waited_on() {
    let dir = special_folder("fifo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlsec")).args(["scan", dir.join("pipe.pkl").to_str().unwrap()]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let t = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed().as_secs() > 30 {
            child.kill().unwrap();
            panic!("mlsec scan waited on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_error() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlsec"))
        .args(["scan", "tests/fixtures/scan", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap(); // `| head -1`, then the reader is gone
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "{err}");
    // /dev/full: every write fails with ENOSPC
    if let Ok(full) = std::fs::File::create("/dev/full") {
        let out = Command::new(env!("CARGO_BIN_EXE_mlsec")).args(["scan", B]).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(full).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("could not be written") && !err.contains("panicked"), "{err}");
    }
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited protobuf field.
fn field(no: u64, body: &[u8], out: &mut Vec<u8>) {
    varint(no << 3 | 2, out);
    varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

#[test]
fn a_1_gib_onnx_is_walked_in_little_memory_and_checked_past_its_weights() {
    // graph { initializer { dims [2^30], uint8, name "w", raw_data: 1 GiB of zeros (a hole) }
    //         initializer { name "leak", no data type, external_data location "/etc/passwd" } }
    const N: u64 = 1 << 30;
    let mut head = Vec::new();
    varint(1 << 3, &mut head); // dims
    varint(N, &mut head);
    varint(2 << 3, &mut head); // data_type uint8
    varint(2, &mut head);
    field(8, b"w", &mut head);
    varint(9 << 3 | 2, &mut head); // raw_data's key and length; the bytes follow as a hole
    varint(N, &mut head);
    let mut entry = Vec::new();
    field(1, b"location", &mut entry);
    field(2, b"/etc/passwd", &mut entry);
    let mut leak = Vec::new();
    field(8, b"leak", &mut leak);
    field(13, &entry, &mut leak);
    varint(14 << 3, &mut leak);
    varint(1, &mut leak);
    let mut tail = Vec::new();
    field(5, &leak, &mut tail);
    let first_len = head.len() as u64 + N;
    let mut graph_head = Vec::new();
    varint(5 << 3 | 2, &mut graph_head);
    varint(first_len, &mut graph_head);
    let graph_len = graph_head.len() as u64 + first_len + tail.len() as u64;
    let mut file = Vec::new();
    varint(7 << 3 | 2, &mut file);
    varint(graph_len, &mut file);
    file.extend_from_slice(&graph_head);
    file.extend_from_slice(&head);
    let dir = std::env::temp_dir().join(format!("mlsec-big-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.onnx");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&file).unwrap();
        f.seek(SeekFrom::Current(N as i64)).unwrap();
        f.write_all(&tail).unwrap();
    }
    // under a 512 MiB address-space limit: reading the file into memory would fail
    let out = Command::new("sh")
        .args(["-c", "ulimit -v 524288; exec \"$0\" scan \"$1\" --format json", env!("CARGO_BIN_EXE_mlsec")])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let findings = &v["files"][0]["findings"];
    assert_eq!(findings.as_array().unwrap().len(), 2, "{findings}");
    // an unknown data type does not hide where the tensor reads from
    assert_eq!(findings[0]["rule"], "onnx.external-data");
    assert_eq!(findings[0]["severity"], "CRITICAL");
    assert_eq!(findings[1]["rule"], "onnx.tensor-type");
}
