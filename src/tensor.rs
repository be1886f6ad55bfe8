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

/// A perturbation norm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Largest absolute change of any value.
    Linf,
    /// Euclidean length over all values of an image.
    L2,
}

impl Norm {
    /// Parse `linf` / `l2` (also `inf`).
    pub fn parse(s: &str) -> Result<Norm> {
        match s.trim().to_ascii_lowercase().as_str() {
            "linf" | "inf" | "l_inf" => Ok(Norm::Linf),
            "l2" => Ok(Norm::L2),
            other => Err(Error::InvalidArgument(format!("unknown norm `{other}`; use linf or l2"))),
        }
    }
}

/// Per-image norms of a perturbation `[N, C, H, W]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Norms {
    /// Number of pixels (over channels) changed by more than 1/2 of an 8-bit level.
    pub l0: f32,
    /// Euclidean norm.
    pub l2: f32,
    /// Largest absolute change.
    pub linf: f32,
}

/// Norms of image `i` of `delta`.
pub fn norms(delta: ArrayView4<f32>, i: usize) -> Norms {
    let d = delta.index_axis(ndarray::Axis(0), i);
    let mut n = Norms::default();
    let mut sq = 0.0f64;
    for &v in d.iter() {
        let a = v.abs();
        if a > 0.5 / 255.0 {
            n.l0 += 1.0;
        }
        sq += (a as f64) * (a as f64);
        n.linf = n.linf.max(a);
    }
    n.l2 = sq.sqrt() as f32;
    n
}

/// Project every image of `adv` into the `norm`-ball of radius `eps` around `x`, then clip to [0, 1].
pub fn project(adv: &mut ndarray::Array4<f32>, x: ArrayView4<f32>, eps: f32, norm: Norm) {
    match norm {
        Norm::Linf => adv.zip_mut_with(&x, |a, &o| *a = a.clamp(o - eps, o + eps).clamp(0.0, 1.0)),
        Norm::L2 => {
            for i in 0..adv.dim().0 {
                let mut a = adv.index_axis_mut(ndarray::Axis(0), i);
                let o = x.index_axis(ndarray::Axis(0), i);
                let len = a.iter().zip(o.iter()).map(|(p, q)| ((p - q) as f64).powi(2)).sum::<f64>().sqrt() as f32;
                if len > eps && len > 0.0 {
                    let s = eps / len;
                    a.zip_mut_with(&o, |p, &q| *p = q + (*p - q) * s);
                }
                a.mapv_inplace(|v| v.clamp(0.0, 1.0));
            }
        }
    }
}

/// A perturbation size as typed. The one rule, in the page and the CLI alike: a fraction
/// (`8/255`, `0.5/1`) means what it says; a bare number is in 1/255 levels under L∞ (`8` =
/// 8/255, `1` = 1/255) and in pixel units under L2 (`0.5`). From JSON, a number is in pixel
/// units (what the page sends) and a string is read as typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    /// In pixel units ([0, 1] per value).
    Exact(f32),
    /// A bare number whose unit the norm gives.
    Bare(f32),
}

impl Amount {
    /// Parse `8`, `8/255`, `0.5`; refuses text that is not one, a zero divisor and negatives.
    pub fn parse(s: &str) -> Result<Amount> {
        let bad = || Error::InvalidArgument(format!("`{s}` is not a size like 8 (= 8/255 under L∞), 8/255 or 0.5 (L2, pixel units)"));
        let num = |t: &str| t.trim().parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(bad);
        let a = match s.trim().split_once('/') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if b == 0.0 {
                    return Err(Error::InvalidArgument(format!("`{s}` divides by zero")));
                }
                Amount::Exact(a / b)
            }
            None => Amount::Bare(num(s)?),
        };
        if a.raw() < 0.0 || !a.raw().is_finite() {
            return Err(Error::InvalidArgument(format!("the size `{s}` must be ≥ 0")));
        }
        Ok(a)
    }

    fn raw(self) -> f32 {
        match self {
            Amount::Exact(v) | Amount::Bare(v) => v,
        }
    }

    /// In pixel units under `norm`.
    pub fn pixels(self, norm: Norm) -> f32 {
        match (self, norm) {
            (Amount::Exact(v), _) | (Amount::Bare(v), Norm::L2) => v,
            (Amount::Bare(v), Norm::Linf) => v / 255.0,
        }
    }
}

impl std::str::FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Amount> {
        Amount::parse(s)
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Amount::Exact(v) => s.serialize_f32(*v),
            Amount::Bare(v) => s.serialize_str(&v.to_string()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Amount, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(v) => Ok(Amount::Exact(v as f32)),
            Raw::Text(t) => Amount::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Parse a size under `norm` into pixel units ([`Amount`]'s rule).
pub fn parse_eps(s: &str, norm: Norm) -> Result<f32> {
    Ok(Amount::parse(s)?.pixels(norm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    #[test]
    fn eps_has_one_unit_rule() {
        let l = |s| parse_eps(s, Norm::Linf).unwrap();
        assert!((l("8/255") - 8.0 / 255.0).abs() < 1e-7);
        assert!((l("8") - 8.0 / 255.0).abs() < 1e-7);
        // 1 and 2 are one unit apart, not 255/255 and 2/255 (issue 16)
        assert!((l("1") - 1.0 / 255.0).abs() < 1e-7 && (l("2") - 2.0 / 255.0).abs() < 1e-7);
        assert!((l("0.5") - 0.5 / 255.0).abs() < 1e-7);
        assert_eq!(parse_eps("0.5", Norm::L2).unwrap(), 0.5);
        assert_eq!(parse_eps("8/255", Norm::L2).unwrap(), 8.0 / 255.0);
        for bad in ["x", "1/0", "-1", "inf", "NaN", "1/-2", ""] {
            assert!(parse_eps(bad, Norm::Linf).is_err(), "{bad}");
        }
        let from_page: Amount = serde_json::from_str("0.03").unwrap();
        assert_eq!(from_page.pixels(Norm::Linf), 0.03);
        let typed: Amount = serde_json::from_str("\"8\"").unwrap();
        assert!((typed.pixels(Norm::Linf) - 8.0 / 255.0).abs() < 1e-7);
    }

    #[test]
    fn projection_respects_each_norm_and_the_box() {
        let x = Array4::<f32>::from_elem((2, 3, 4, 4), 0.5);
        let mut a = Array4::<f32>::from_shape_fn((2, 3, 4, 4), |(i, c, y, z)| ((i + c + y * z) % 3) as f32 * 0.6 - 0.3);
        project(&mut a, x.view(), 0.1, Norm::Linf);
        let d = &a - &x;
        assert!(d.iter().all(|v| v.abs() <= 0.1 + 1e-6) && a.iter().all(|v| (0.0..=1.0).contains(v)));
        let mut b = Array4::<f32>::from_elem((2, 3, 4, 4), 0.9);
        project(&mut b, x.view(), 0.2, Norm::L2);
        let d = &b - &x;
        assert!((norms(d.view(), 0).l2 - 0.2).abs() < 1e-5 && (norms(d.view(), 1).l2 - 0.2).abs() < 1e-5);
    }
}
