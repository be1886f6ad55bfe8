//! Any bytes as an ONNX model through the one gate and both engines (tract-onnx's optimiser and
//! plan, the differentiable `nn` mirror), then one forward pass of each that loads: no panic,
//! no abort on allocation. Seed the corpus with `models/*.onnx` and `tests/fixtures/*.onnx`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;
use mlsec::tensor::Batch;

fuzz_target!(|data: &[u8]| {
    let x = Batch::from_nchw(&vec![0.5; 3 * 32 * 32], 1, 3, 32, 32).expect("a valid image");
    if let Ok(m) = OnnxClassifier::from_bytes(data) {
        let _ = m.logits(&x);
    }
    if let Ok(n) = mlsec::nn::Network::from_onnx(data) {
        let _ = n.logits(&x);
    }
});
