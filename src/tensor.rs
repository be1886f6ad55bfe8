//! [`Batch`]: a batch of images as NCHW `f32` in [0, 1], and conversions to and from
//! interleaved 8-bit pixels.

use crate::error::{Error, Result};
use ndarray::{Array4, ArrayView4};

/// Images as an `[N, C, H, W]` array of `f32`, each value in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    data: Array4<f32>,
}

impl Batch {
    /// Wrap an array, checking that every value is finite and in [0, 1].
    pub fn new(data: Array4<f32>) -> Result<Self> {
        if let Some(v) = data.iter().find(|v| !(v.is_finite() && (0.0..=1.0).contains(*v))) {
            return Err(Error::InvalidArgument(format!(
                "pixel values must lie in [0, 1], found {v}"
            )));
        }
        Ok(Batch { data })
    }

    /// Build from a flat NCHW slice of length `n*c*h*w`.
    pub fn from_nchw(values: &[f32], n: usize, c: usize, h: usize, w: usize) -> Result<Self> {
        let want = n
            .checked_mul(c)
            .and_then(|v| v.checked_mul(h))
            .and_then(|v| v.checked_mul(w))
            .ok_or_else(|| Error::Shape("batch dimensions overflow".into()))?;
        if values.len() != want {
            return Err(Error::Shape(format!(
                "expected {n}x{c}x{h}x{w} = {want} values, got {}",
                values.len()
            )));
        }
        let arr = Array4::from_shape_vec((n, c, h, w), values.to_vec())
            .map_err(|e| Error::Shape(e.to_string()))?;
        Batch::new(arr)
    }

    /// Build from interleaved 8-bit pixels (`channels` = 3 for RGB, 4 for RGBA; alpha is
    /// dropped), one image after another, each `h*w*channels` bytes.
    pub fn from_interleaved_u8(bytes: &[u8], n: usize, h: usize, w: usize, channels: usize) -> Result<Self> {
        if !(channels == 3 || channels == 4) {
            return Err(Error::InvalidArgument(format!("channels must be 3 or 4, got {channels}")));
        }
        let per = h * w * channels;
        if bytes.len() != n * per {
            return Err(Error::Shape(format!(
                "expected {n} images of {h}x{w}x{channels} = {} bytes, got {}",
                n * per,
                bytes.len()
            )));
        }
        let mut data = Array4::<f32>::zeros((n, 3, h, w));
        for (i, img) in bytes.chunks_exact(per).enumerate() {
            for (p, px) in img.chunks_exact(channels).enumerate() {
                let (y, x) = (p / w, p % w);
                for ch in 0..3 {
                    data[[i, ch, y, x]] = px[ch] as f32 / 255.0;
                }
            }
        }
        Ok(Batch { data })
    }

    /// Image `i` as interleaved RGBA bytes (alpha 255), for drawing on a canvas.
    pub fn to_rgba(&self, i: usize) -> Result<Vec<u8>> {
        let (n, c, h, w) = self.data.dim();
        if i >= n || c != 3 {
            return Err(Error::Shape(format!("no RGB image {i} in a batch of {n}x{c}")));
        }
        let mut out = Vec::with_capacity(h * w * 4);
        for y in 0..h {
            for x in 0..w {
                for ch in 0..3 {
                    out.push((self.data[[i, ch, y, x]] * 255.0).round().clamp(0.0, 255.0) as u8);
                }
                out.push(255);
            }
        }
        Ok(out)
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.data.dim().0
    }

    /// True when the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(N, C, H, W)`.
    pub fn dim(&self) -> (usize, usize, usize, usize) {
        self.data.dim()
    }

    /// The underlying array.
    pub fn view(&self) -> ArrayView4<'_, f32> {
        self.data.view()
    }

    /// The underlying array, by value.
    pub fn into_array(self) -> Array4<f32> {
        self.data
    }

    /// Images `start..end` as a new batch.
    pub fn slice(&self, start: usize, end: usize) -> Result<Batch> {
        if start > end || end > self.len() {
            return Err(Error::Shape(format!("range {start}..{end} outside a batch of {}", self.len())));
        }
        Ok(Batch { data: self.data.slice(ndarray::s![start..end, .., .., ..]).to_owned() })
    }
}
