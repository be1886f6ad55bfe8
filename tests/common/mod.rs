//! Shared by the native and wasm tests: deterministic "known" images and the reference logits
//! file that both must reproduce.
#![allow(dead_code)]

/// The committed standard model.
pub const MODEL: &[u8] = include_bytes!("../../models/cifar10_resnet9.onnx");

/// Reference logits of [`known_images`] under [`MODEL`], computed natively by tract and
/// written by `MLSEC_BLESS=1 cargo test --release --test model reference_logits`.
pub const REFERENCE: &str = include_str!("../fixtures/reference_logits.json");

/// Number of known images.
pub const KNOWN: usize = 4;

/// `KNOWN` deterministic 32×32 RGB images, flat NCHW in [0, 1]: smooth gradients, stripes and
/// a checkerboard, so the logits exercise every layer with structured input.
pub fn known_images() -> Vec<f32> {
    let mut v = Vec::with_capacity(KNOWN * 3 * 32 * 32);
    for k in 0..KNOWN {
        for c in 0..3 {
            for y in 0..32 {
                for x in 0..32 {
                    let (fx, fy) = (x as f32 / 31.0, y as f32 / 31.0);
                    let p = match k {
                        0 => 0.5 * fx + 0.3 * fy + 0.2 * c as f32 / 2.0,
                        1 => 0.5 + 0.5 * ((x as f32 * 0.6 + c as f32).sin() * (y as f32 * 0.3).cos()),
                        2 => if (x / 4 + y / 4 + c) % 2 == 0 { 0.9 } else { 0.1 },
                        _ => ((x * 7 + y * 13 + c * 29) % 256) as f32 / 255.0,
                    };
                    v.push(p.clamp(0.0, 1.0));
                }
            }
        }
    }
    v
}

/// Parse the reference file: `{"logits": [[f32; classes]; KNOWN]}`.
pub fn reference_logits() -> Vec<Vec<f32>> {
    #[derive(serde::Deserialize)]
    struct Reference {
        logits: Vec<Vec<f32>>,
    }
    let r: Reference = serde_json::from_str(REFERENCE).expect("tests/fixtures/reference_logits.json is valid");
    r.logits
}
