//! The wasm build in headless Chromium (wasm-bindgen-test): the committed model loads through
//! the `#[wasm_bindgen]` surface and gives the native reference logits within 1e-4.
#![cfg(target_arch = "wasm32")]

mod common;

use mlsec::wasm::Model;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn logits_equal_native_reference() {
    let model = match Model::new(common::MODEL) {
        Ok(m) => m,
        Err(_) => panic!("the committed model does not load in wasm"),
    };
    assert_eq!(model.classes(), 10);
    let logits = match model.logits(&common::known_images(), common::KNOWN) {
        Ok(l) => l,
        Err(_) => panic!("forward pass failed in wasm"),
    };
    let want = common::reference_logits();
    assert_eq!(logits.len(), common::KNOWN * 10);
    for i in 0..common::KNOWN {
        for j in 0..10 {
            let (got, exp) = (logits[i * 10 + j], want[i][j]);
            assert!((got - exp).abs() < 1e-4, "image {i} class {j}: wasm {got} vs native {exp}");
        }
    }
}

#[wasm_bindgen_test]
fn broken_model_is_an_error_not_a_trap() {
    assert!(Model::new(&common::MODEL[..common::MODEL.len() / 3]).is_err());
    assert!(Model::new(b"not a model").is_err());
    assert!(Model::new(&[]).is_err());
}

#[wasm_bindgen_test]
fn pgd_through_the_attacker_surface_changes_the_prediction_within_eps() {
    use wasm_bindgen::JsValue;
    let attacker = match mlsec::wasm::Attacker::new(common::MODEL) {
        Ok(a) => a,
        Err(_) => panic!("the committed model does not load as an attacker"),
    };
    assert_eq!(attacker.gradient_kind(), "exact");
    let req = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        js_sys::Reflect::set(&req, &JsValue::from_str(k), &v).expect("set a field");
    };
    set("attack", "pgd".into());
    set("eps", JsValue::from_f64(8.0 / 255.0));
    set("steps", JsValue::from_f64(10.0));
    set("seed", JsValue::from_f64(3.0));
    // the first known image, attacked away from the class the model gives it
    let images = common::known_images();
    let one = &images[..3 * 32 * 32];
    let label = {
        let m = mlsec::wasm::Model::new(common::MODEL).ok().expect("model");
        let l = m.logits(one, 1).ok().expect("logits");
        (0..10).max_by(|&a, &b| l[a].total_cmp(&l[b])).expect("ten classes")
    };
    let out = match attacker.attack(one, label, req.into(), None) {
        Ok(o) => o,
        Err(_) => panic!("the attack failed in wasm"),
    };
    let get = |k: &str| js_sys::Reflect::get(&out, &JsValue::from_str(k)).expect("field");
    assert_eq!(get("success").as_bool(), Some(true));
    let linf = get("linf").as_f64().expect("linf");
    assert!(linf <= 8.0 / 255.0 + 1e-6 && linf > 0.0, "linf {linf}");
    assert_eq!(get("queries").as_f64(), Some(11.0));
    assert_eq!(get("gradient").as_string().as_deref(), Some("exact"));
}

#[wasm_bindgen_test]
fn scanner_runs_in_wasm_and_flags_the_memo_build_trick() {
    use mlsec::scan::{scan_bytes, Limits, Severity};
    let hostile = include_bytes!("fixtures/scan/malicious/modelscan85_build_memo.pkl");
    let r = scan_bytes("m.pkl", hostile, &Limits::default());
    assert_eq!(r.worst(), Some(Severity::Critical));
    assert!(r.findings.iter().any(|f| f.rule == "pickle.dynamic-import"));
    let benign = include_bytes!("fixtures/scan/benign/state_dict.pt");
    assert!(scan_bytes("s.pt", benign, &Limits::default()).findings.is_empty());
}
