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
