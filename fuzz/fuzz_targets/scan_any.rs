//! Any bytes under any supported file name: the first byte picks the extension, so the fuzzer
//! reaches the zip (torch, npz, keras), legacy torch, npy, H5, ONNX and safetensors paths.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlsec::scan::{scan_bytes, Limits, MODEL_EXTENSIONS};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let ext = MODEL_EXTENSIONS[pick as usize % MODEL_EXTENSIONS.len()];
    let _ = scan_bytes(&format!("fuzz.{ext}"), rest, &Limits::default());
});
