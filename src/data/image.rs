//! Turning an uploaded image file into what the model sees: decode (PNG, JPEG, GIF, BMP,
//! WebP) under size limits, centre-crop to a square, resize to 32×32 RGB.

use crate::error::{Error, Result};
use std::io::Cursor;

/// Largest upload accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Largest decoded width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Largest decoded allocation the decoder may make, in bytes.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Decode `bytes` and return `side`×`side` interleaved RGB bytes, or a sentence saying why not.
pub fn to_square_rgb(bytes: &[u8], side: u32) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::Image("the file is empty".into()));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::Image(format!(
            "the file is {} MB; the limit is {} MB",
            bytes.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    if side == 0 || side > 1024 {
        return Err(Error::InvalidArgument(format!("target side must be 1..=1024, got {side}")));
    }
    let mut reader = ::image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Image(e.to_string()))?;
    if reader.format().is_none() {
        return Err(Error::Image("this is not an image file this tool can read (PNG, JPEG, GIF, BMP or WebP)".into()));
    }
    let mut limits = ::image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        ::image::ImageError::Limits(_) => {
            Error::Image(format!("the image is too large to decode (limit {MAX_SIDE}×{MAX_SIDE} pixels)"))
        }
        other => Error::Image(format!("the file could not be decoded ({other})")),
    })?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err(Error::Image("the image has no pixels".into()));
    }
    let s = w.min(h);
    let cropped = img.crop_imm((w - s) / 2, (h - s) / 2, s, s).to_rgb8();
    let resized = ::image::imageops::resize(&cropped, side, side, ::image::imageops::FilterType::Triangle);
    Ok(resized.into_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = ::image::RgbImage::from_fn(w, h, |x, y| ::image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ::image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn odd_sizes_become_32x32() {
        for (w, h) in [(1, 1), (7, 300), (300, 7), (32, 32), (640, 480)] {
            let out = to_square_rgb(&png(w, h), 32).unwrap();
            assert_eq!(out.len(), 32 * 32 * 3, "{w}x{h}");
        }
    }

    #[test]
    fn non_images_and_truncated_files_are_errors() {
        assert!(to_square_rgb(b"", 32).is_err());
        assert!(to_square_rgb(b"hello, this is text", 32).is_err());
        let p = png(64, 64);
        assert!(to_square_rgb(&p[..p.len() / 2], 32).is_err());
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused() {
        // A valid PNG signature + IHDR claiming 100000 x 100000 pixels.
        let mut p = png(1, 1);
        p[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        p[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let e = to_square_rgb(&p, 32).unwrap_err().to_string();
        assert!(e.contains("could not") || e.contains("too large"), "{e}");
    }
}
