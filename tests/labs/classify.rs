//! The classify lab: its settings table, one image's prediction, and an evaluation whose
//! accuracy does not depend on the batch size and agrees with the predictions one by one.

use mlsec::data::cifar::{self, Split};
use mlsec::labs::classify::{self, Params};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;

fn model() -> OnnxClassifier {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9.onnx")).unwrap();
    OnnxClassifier::from_bytes(&bytes).unwrap()
}

fn clock() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

#[test]
fn the_defaults_are_the_documented_table_and_bad_settings_are_named() {
    let p = Params::default().check().unwrap();
    assert_eq!((p.split, p.n, p.batch), (Split::Test, None, 100));
    let d = Params::default;
    for (p, name) in [
        (Params { split: "validation".into(), ..d() }, "split"),
        (Params { n: Some(0), ..d() }, "--n"),
        (Params { n: Some(10_001), ..d() }, "--n"),
        (Params { split: "train".into(), n: Some(50_001), ..d() }, "--n"),
        (Params { batch: 0, ..d() }, "--batch"),
        (Params { batch: 10_001, ..d() }, "--batch"),
    ] {
        let e = p.check().unwrap_err().to_string();
        assert!(e.contains(name), "{p:?}: {e}");
    }
    // the training split is larger than the test split
    assert!(Params { split: "train".into(), n: Some(50_000), ..d() }.check().is_ok());
}

#[test]
fn one_prediction_is_a_distribution_with_its_top_five_named() {
    let m = model();
    let samples = cifar::load(&cifar::data_dir(None), Split::Test, Some(1)).unwrap();
    let p = classify::predict(&m, &samples.batch(0, 1).unwrap()).unwrap();
    assert_eq!((p.logits.len(), p.probabilities.len(), p.top.len()), (10, 10, classify::TOP));
    assert!((p.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    assert!(p.top.windows(2).all(|w| w[0].probability >= w[1].probability));
    assert_eq!(p.top[0].name, cifar::CLASSES[p.top[0].class]);
    let best = p.logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    assert_eq!(p.top[0].class, best);
}

#[test]
fn an_evaluation_agrees_with_predictions_one_by_one_at_any_batch_size() {
    let m = model();
    let samples = cifar::load(&cifar::data_dir(None), Split::Test, Some(30)).unwrap();
    let at = |batch| classify::evaluate(&m, "resnet9", &samples, &Params { n: Some(30), batch, ..Params::default() }.check().unwrap(), clock).unwrap();
    let (a, b) = (at(7), at(30));
    assert_eq!((a.images, b.images), (30, 30));
    assert_eq!(a.accuracy, b.accuracy);
    let hits = (0..30).filter(|&i| m.predict(&samples.batch(i, i + 1).unwrap()).unwrap()[0] == samples.labels[i] as usize).count();
    assert_eq!(a.accuracy, hits as f64 / 30.0);
    assert_eq!(a.per_class.len(), 10);
    assert!(a.per_class.keys().all(|k| cifar::CLASSES.contains(&k.as_str())));
    assert!(a.images_per_second > 0.0 && a.seconds > 0.0);
}
