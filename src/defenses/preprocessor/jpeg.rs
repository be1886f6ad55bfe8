//! JPEG compression (Dziugaite et al. 2016; Das et al. 2017) through the `image` crate's
//! baseline encoder and decoder.

use super::Preprocessor;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Batch;
use image::codecs::jpeg::JpegEncoder;
use ndarray::Array4;

/// Re-encode every image as JPEG at a quality in 1..=100.
pub struct Jpeg {
    quality: u8,
}

impl Jpeg {
    /// Checks 1 ≤ quality ≤ 100.
    pub fn new(quality: u8) -> Result<Self> {
        if !(1..=100).contains(&quality) {
            return Err(Error::InvalidArgument(format!("JPEG quality must be in 1..=100, got {quality}")));
        }
        Ok(Jpeg { quality })
    }
}

impl Preprocessor for Jpeg {
    fn name(&self) -> String {
        format!("jpeg:{}", self.quality)
    }

    fn apply(&self, x: &Batch, _: &mut Rng) -> Result<Batch> {
        let (n, c, h, w) = x.dim();
        let v = x.view();
        let mut out = Array4::<f32>::zeros((n, c, h, w));
        for i in 0..n {
            let mut rgb = Vec::with_capacity(h * w * 3);
            for y in 0..h {
                for xx in 0..w {
                    for ch in 0..3 {
                        rgb.push((v[[i, ch.min(c - 1), y, xx]] * 255.0).round().clamp(0.0, 255.0) as u8);
                    }
                }
            }
            let mut buf = Vec::new();
            JpegEncoder::new_with_quality(&mut buf, self.quality)
                .encode(&rgb, w as u32, h as u32, image::ExtendedColorType::Rgb8)
                .map_err(|e| Error::Image(format!("JPEG encoding failed: {e}")))?;
            let dec = image::load_from_memory_with_format(&buf, image::ImageFormat::Jpeg)
                .map_err(|e| Error::Image(format!("JPEG decoding failed: {e}")))?
                .to_rgb8();
            for (idx, px) in dec.pixels().enumerate() {
                let (y, xx) = (idx / w, idx % w);
                for ch in 0..c {
                    out[[i, ch, y, xx]] = px.0[ch.min(2)] as f32 / 255.0;
                }
            }
        }
        Batch::new(out)
    }
}
