//! Parameters that used to hang, mean something else or pass silently (issue 16): each is
//! refused before any work starts, exit 2, with a sentence naming the setting.

use std::process::Command;

const MODEL: &str = "models/cifar10_resnet9.onnx";

fn mlsec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlsec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn refused(args: &[&str], says: &str) {
    let t = std::time::Instant::now();
    let (code, out, err) = mlsec(args);
    assert_eq!(code, 2, "{args:?}: exit {code}, out {out}, err {err}");
    assert!(err.contains(says), "{args:?}: `{err}` does not say `{says}`");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    // before the work: none of these reads more than the model and a few images
    assert!(t.elapsed().as_secs() < 60, "{args:?} took {:?}", t.elapsed());
}

#[test]
fn counts_without_a_bound_are_refused_before_the_work() {
    refused(&["flood", "--model", MODEL, "--queries", "100000000"], "--queries ≤ 100000");
    refused(&["dp", "train", "--q", "1e-9"], "the number of DP-SGD steps");
    refused(&["dp", "epsilon", "--sigma", "0", "--steps", "100"], "--sigma must be > 0");
    refused(&["dp", "epsilon", "--steps", "0"], "--steps must be between 1");
    refused(&["poison", "--reps", "100000"], "reps");
    refused(&["extract", "--rate", "inf", "--dry-run"], "rate");
    refused(&["privacy", "--shadows", "100000", "--dry-run"], "shadows");
    refused(&["privacy", "--private", "--q", "1e-7"], "the number of DP-SGD steps");
}

#[test]
fn empty_runs_are_errors_not_zero_percent() {
    refused(&["eval", "--model", MODEL, "--n", "0"], "--n must be between 1");
    refused(&["certify", "--model", MODEL, "--n", "0"], "--n must be between 1");
    refused(&["detect", "--model", MODEL, "--n", "0"], "--n must be between 1");
}

#[test]
fn policies_say_what_is_wrong_with_them() {
    refused(&["extract", "--policy", "probs:1", "--dry-run"], "takes no value");
    refused(&["extract", "--policy", "label:3", "--dry-run"], "takes no value");
    refused(&["extract", "--policy", "round:-1", "--dry-run"], "round's number of decimals must be a whole number in 0..=6, got -1");
    refused(&["extract", "--policy", "topk:2.5", "--dry-run"], "got 2.5");
    refused(&["attack", "--model", MODEL, "--defense", "jpeg:-1", "--dry-run"], "got -1");
    // above the model's 10 classes: known once the model is read, before any query
    refused(&["extract", "--policy", "topk:11", "--budget", "100", "--preset", "quick"], "the model has 10 classes");
}

#[test]
fn eps_has_one_unit_rule() {
    let eps = |args: &[&str]| -> f64 {
        let mut a = vec!["attack", "--model", MODEL, "--dry-run"];
        a.extend_from_slice(args);
        let (code, out, err) = mlsec(&a);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["eps"].as_f64().unwrap()
    };
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(near(eps(&["--eps", "1"]), 1.0 / 255.0), "--eps 1 is 1/255, not 255/255");
    assert!(near(eps(&["--eps", "2"]), 2.0 / 255.0));
    assert!(near(eps(&["--eps", "8/255"]), 8.0 / 255.0));
    assert!(near(eps(&["--eps", "0.5", "--norm", "l2"]), 0.5), "L2: pixel units");
    assert!(near(eps(&["--eps", "0.5", "--attack", "cw"]), 0.5), "minimum-norm caps are L2");
    refused(&["attack", "--model", MODEL, "--eps", "300", "--dry-run"], "eps");
}

#[test]
fn a_data_folder_that_is_not_a_zip_says_so() {
    let dir = std::env::temp_dir().join(format!("mlsec-data-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("cifar10-jpeg.zip")).unwrap();
    refused(&["eval", "--model", MODEL, "--data", dir.to_str().unwrap(), "--n", "10"], "is not a file");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn special_files_as_models_are_refused_before_reading() {
    refused(&["eval", "--model", "/dev/zero", "--n", "10"], "not a regular file");
    refused(&["attack", "--model", "/dev/zero", "--n", "1"], "not a regular file");
}
