//! The committed model through tract, natively: accuracy on real test images, the reference
//! logits the wasm test compares against, and bad model files.

mod common;

use mlsec::data::cifar::{self, Split};
use mlsec::model::onnx::{OnnxClassifier, MAX_MODEL_BYTES};
use mlsec::model::Classifier;
use mlsec::tensor::Batch;

fn model() -> OnnxClassifier {
    OnnxClassifier::from_bytes(common::MODEL).expect("the committed model loads")
}

#[test]
fn committed_model_classifies_200_interleaved_test_images() {
    let dir = cifar::data_dir(None);
    let samples = cifar::load(&dir, Split::Test, Some(200)).expect("CIFAR-10 zip (set MLSEC_DATA)");
    // the --n prefix is class-balanced
    for c in 0..10u8 {
        assert_eq!(samples.labels.iter().filter(|&&l| l == c).count(), 20);
    }
    let m = model();
    let pred = m.predict(&samples.batch(0, 200).unwrap()).unwrap();
    let truth: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let acc = mlsec::metrics::accuracy(&pred, &truth, 10);
    assert!(acc.accuracy >= 0.85, "accuracy on --n 200 is {}", acc.accuracy);
}

#[test]
fn reference_logits() {
    let m = model();
    let x = Batch::from_nchw(&common::known_images(), common::KNOWN, 3, 32, 32).unwrap();
    let logits = m.logits(&x).unwrap();
    if std::env::var_os("MLSEC_BLESS").is_some() {
        let rows: Vec<String> = logits
            .rows()
            .into_iter()
            .map(|r| format!("[{}]", r.iter().map(|v| format!("{v:.7}")).collect::<Vec<_>>().join(", ")))
            .collect();
        let text = format!("{{\"logits\": [\n{}\n]}}\n", rows.join(",\n"));
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference_logits.json"), text).unwrap();
        return;
    }
    let want = common::reference_logits();
    assert_eq!(want.len(), common::KNOWN, "reference file out of date: rerun with MLSEC_BLESS=1");
    for (i, row) in logits.rows().into_iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            assert!((v - want[i][j]).abs() < 1e-5, "image {i} class {j}: {v} vs {} (model changed? rerun with MLSEC_BLESS=1)", want[i][j]);
        }
    }
}

#[test]
fn every_batch_size_gives_the_same_logits() {
    // more sizes than the per-size plan cache holds, twice, so plans are evicted and rebuilt
    let m = model();
    let imgs = common::known_images();
    let per = 3 * 32 * 32;
    let mut big = Vec::new();
    for k in 0..9 {
        big.extend_from_slice(&imgs[(k % common::KNOWN) * per..(k % common::KNOWN + 1) * per]);
    }
    let x = Batch::from_nchw(&big, 9, 3, 32, 32).unwrap();
    let all = m.logits(&x).unwrap();
    for _ in 0..2 {
        for n in 1..=9 {
            let part = m.logits(&x.slice(0, n).unwrap()).unwrap();
            for i in 0..n {
                for j in 0..m.classes() {
                    assert!((part[[i, j]] - all[[i, j]]).abs() < 1e-4, "batch {n}, image {i}");
                }
            }
        }
    }
}

#[test]
fn bad_model_files_are_clear_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("text", b"this is not an onnx file at all".to_vec()),
        ("truncated", common::MODEL[..common::MODEL.len() / 2].to_vec()),
        ("oversized", vec![0u8; MAX_MODEL_BYTES + 1]),
        ("random", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
    ];
    for (name, bytes) in cases {
        let err = OnnxClassifier::from_bytes(&bytes).expect_err(name).to_string();
        assert!(err.starts_with("the model could not be loaded"), "{name}: {err}");
    }
}

#[test]
fn wrong_input_shapes_are_errors() {
    let m = model();
    let x = Batch::from_nchw(&vec![0.5; 3 * 16 * 16], 1, 3, 16, 16).unwrap();
    assert!(m.logits(&x).is_err());
    assert!(Batch::from_nchw(&[0.5; 10], 1, 3, 32, 32).is_err());
    assert!(Batch::from_nchw(&vec![2.0; 3 * 32 * 32], 1, 3, 32, 32).is_err());
}
