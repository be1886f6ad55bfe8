//! CIFAR-10 (Krizhevsky 2009) read from `cifar10-jpeg.zip` (ImageFolder layout of 32×32 JPEGs:
//! `train/<class>/NNNN.jpg`, `test/<class>/NNNN.jpg`), and the packed sample format the site
//! loads (`www/data/cifar10-test.bin`).
//!
//! Every command that takes `--n N` sees the same images: the split interleaved by class in
//! file-name order (image 0 of each class in label order, then image 1 of each, …), of which
//! the first N are taken. This makes any prefix class-balanced.

use crate::error::{Error, Result};
use crate::tensor::Batch;
use std::io::Read;

/// Class names in label order (the folder names, sorted).
pub const CLASSES: [&str; 10] =
    ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/// Side of a CIFAR image in pixels.
pub const SIDE: usize = 32;

/// Bytes in one interleaved RGB image.
pub const IMAGE_BYTES: usize = SIDE * SIDE * CHANNELS;

/// Colour channels (RGB).
pub const CHANNELS: usize = 3;

/// Values per image as the models take it (`CHANNELS × SIDE × SIDE`).
pub const IMAGE: usize = CHANNELS * SIDE * SIDE;

/// `n` CHW images one after the other (`n × IMAGE` values in [0, 1]) as a batch.
pub fn images(values: &[f32], n: usize) -> Result<Batch> {
    Batch::from_nchw(values, n, CHANNELS, SIDE, SIDE)
}

/// The zip's file name inside a data folder.
pub const ZIP_NAME: &str = "cifar10-jpeg.zip";

/// Images in CIFAR-10's test split.
pub const TEST_IMAGES: usize = 10_000;
/// Images in CIFAR-10's training split.
pub const TRAIN_IMAGES: usize = 50_000;

/// Images with labels: `pixels` holds `labels.len()` RGB images of 32×32, interleaved, one
/// after another.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Samples {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as interleaved RGB bytes.
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        self.pixels.get(i * IMAGE_BYTES..(i + 1) * IMAGE_BYTES)
    }

    /// Images `start..end` as a [`Batch`].
    pub fn batch(&self, start: usize, end: usize) -> Result<Batch> {
        let end = end.min(self.len());
        if start > end {
            return Err(Error::InvalidArgument(format!("range {start}..{end}")));
        }
        Batch::from_interleaved_u8(&self.pixels[start * IMAGE_BYTES..end * IMAGE_BYTES], end - start, SIDE, SIDE, 3)
    }
}

/// Which half of the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// Parse `train` or `test`.
    pub fn parse(s: &str) -> Result<Split> {
        match s {
            "train" => Ok(Split::Train),
            "test" => Ok(Split::Test),
            _ => Err(Error::InvalidArgument(format!("split must be `train` or `test`, not `{s}`"))),
        }
    }

    /// The split's number of images.
    pub fn size(self) -> usize {
        match self {
            Split::Train => TRAIN_IMAGES,
            Split::Test => TEST_IMAGES,
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

/// Entry names of `split` in the class-interleaved order described in the module docs, each
/// with its label.
pub fn interleaved_names<'a>(names: impl Iterator<Item = &'a str>, split: Split) -> Vec<(String, u8)> {
    let mut per_class: Vec<Vec<String>> = vec![Vec::new(); CLASSES.len()];
    let prefix = format!("{}/", split.dir());
    for name in names {
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        let mut parts = rest.splitn(2, '/');
        let (Some(class), Some(file)) = (parts.next(), parts.next()) else { continue };
        if file.is_empty() || file.contains('/') || !file.to_ascii_lowercase().ends_with(".jpg") {
            continue;
        }
        if let Some(label) = CLASSES.iter().position(|c| *c == class) {
            per_class[label].push(name.to_string());
        }
    }
    for v in &mut per_class {
        v.sort();
    }
    let longest = per_class.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for i in 0..longest {
        for (label, v) in per_class.iter().enumerate() {
            if let Some(n) = v.get(i) {
                out.push((n.clone(), label as u8));
            }
        }
    }
    out
}

/// Decode one JPEG into 32×32 RGB bytes.
pub fn decode_jpeg(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let img = ::image::load_from_memory_with_format(bytes, ::image::ImageFormat::Jpeg)
        .map_err(|e| Error::Data(format!("{name}: not a readable JPEG ({e})")))?
        .to_rgb8();
    if img.dimensions() != (SIDE as u32, SIDE as u32) {
        return Err(Error::Data(format!("{name}: expected 32x32, got {:?}", img.dimensions())));
    }
    Ok(img.into_raw())
}

/// Largest zip member read as one image, in bytes (ours are under 3 KB).
pub const MAX_JPEG_BYTES: u64 = 1 << 20;

/// Read the first `n` images (all when `None`) of `split` in class-interleaved order from a
/// CIFAR-10 ImageFolder zip given as any seekable reader.
pub fn read_zip<R: Read + std::io::Seek>(reader: R, split: Split, n: Option<usize>) -> Result<Samples> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| Error::Data(format!("{ZIP_NAME} is not a readable zip archive ({e})")))?;
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|c| c.into_owned())).collect();
    let order = interleaved_names(names.iter().map(String::as_str), split);
    if order.is_empty() {
        return Err(Error::Data(format!("{ZIP_NAME} has no `{}/<class>/*.jpg` images", split.dir())));
    }
    let take = n.unwrap_or(order.len());
    if take > order.len() {
        return Err(Error::InvalidArgument(format!(
            "asked for {take} images but the {} split has {}",
            split.dir(),
            order.len()
        )));
    }
    let mut out = Samples { pixels: Vec::with_capacity(take * IMAGE_BYTES), labels: Vec::with_capacity(take) };
    let mut buf = Vec::new();
    for (name, label) in order.into_iter().take(take) {
        buf.clear();
        let f = zip.by_name(&name).map_err(|e| Error::Data(format!("{name}: {e}")))?;
        // a 32×32 JPEG is a few KB: a member that declares (or inflates to) more is refused
        // after MAX_JPEG_BYTES, never read whole
        if f.size() > MAX_JPEG_BYTES {
            return Err(Error::Data(format!("{name}: {} bytes; a 32×32 JPEG is at most {MAX_JPEG_BYTES}", f.size())));
        }
        f.take(MAX_JPEG_BYTES + 1).read_to_end(&mut buf).map_err(|e| Error::Data(format!("{name}: {e}")))?;
        if buf.len() as u64 > MAX_JPEG_BYTES {
            return Err(Error::Data(format!("{name} inflates past {MAX_JPEG_BYTES} bytes; a 32×32 JPEG is smaller")));
        }
        out.pixels.extend_from_slice(&decode_jpeg(&buf, &name)?);
        out.labels.push(label);
    }
    Ok(out)
}

/// Magic bytes that open a packed sample file.
pub const PACK_MAGIC: &[u8; 8] = b"MLSECIM1";

/// Pack samples for the site: `MLSECIM1`, then u32 LE count, then per image one label byte
/// and 3072 RGB bytes.
pub fn pack(samples: &Samples) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + samples.len() * (IMAGE_BYTES + 1));
    out.extend_from_slice(PACK_MAGIC);
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for i in 0..samples.len() {
        out.push(samples.labels[i]);
        out.extend_from_slice(&samples.pixels[i * IMAGE_BYTES..(i + 1) * IMAGE_BYTES]);
    }
    out
}

/// Inverse of [`pack`], checking the magic, the count and every label.
pub fn unpack(bytes: &[u8]) -> Result<Samples> {
    if bytes.len() < 12 || &bytes[..8] != PACK_MAGIC {
        return Err(Error::Data("not a packed CIFAR sample file (bad magic)".into()));
    }
    let count = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    let body = &bytes[12..];
    if count.checked_mul(IMAGE_BYTES + 1) != Some(body.len()) {
        return Err(Error::Data(format!("packed file says {count} images but holds {} bytes", body.len())));
    }
    let mut s = Samples { pixels: Vec::with_capacity(count * IMAGE_BYTES), labels: Vec::with_capacity(count) };
    for rec in body.chunks_exact(IMAGE_BYTES + 1) {
        if rec[0] as usize >= CLASSES.len() {
            return Err(Error::Data(format!("label {} out of range", rec[0])));
        }
        s.labels.push(rec[0]);
        s.pixels.extend_from_slice(&rec[1..]);
    }
    Ok(s)
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The data folder: `arg` if given, else `$MLSEC_DATA`, else `../shared/datasets`.
    pub fn data_dir(arg: Option<&Path>) -> PathBuf {
        if let Some(p) = arg {
            return p.to_path_buf();
        }
        match std::env::var_os("MLSEC_DATA") {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => PathBuf::from("../shared/datasets"),
        }
    }

    /// Open `cifar10-jpeg.zip` in `dir` and read `n` images of `split`; a missing zip gives
    /// a sentence saying where it was expected and how to point elsewhere.
    pub fn load(dir: &Path, split: Split, n: Option<usize>) -> Result<Samples> {
        let path = dir.join(ZIP_NAME);
        let f = std::fs::File::open(&path).map_err(|e| {
            Error::Data(format!(
                "CIFAR-10 not found: could not open {} ({e}). Put {ZIP_NAME} there, or point \
                 --data DIR or MLSEC_DATA at the folder that holds it.",
                path.display()
            ))
        })?;
        // a folder (or a FIFO) of that name opens, then fails to seek with "os error 22"
        if !f.metadata().is_ok_and(|m| m.is_file()) {
            return Err(Error::Data(format!(
                "{} is not a file: {ZIP_NAME} must be the zip archive itself. Point --data DIR or \
                 MLSEC_DATA at the folder that holds it.",
                path.display()
            )));
        }
        read_zip(std::io::BufReader::new(f), split, n)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::{data_dir, load};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_zip_member_is_refused_not_read_whole() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("test/cat/0000.jpg", opts).unwrap();
        w.write_all(&vec![0u8; 3 << 20]).unwrap(); // 3 MB of zeros: a few KB deflated
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 64 << 10);
        let e = read_zip(std::io::Cursor::new(bytes), Split::Test, None).unwrap_err().to_string();
        assert!(e.contains("a 32×32 JPEG is at most"), "{e}");
    }

    #[test]
    fn interleaving_is_class_balanced_and_in_file_order() {
        let names = [
            "test/cat/0001.jpg", "test/cat/0000.jpg", "test/airplane/0000.jpg",
            "test/airplane/0001.jpg", "train/cat/0000.jpg", "test/", "test/cat/",
        ];
        let got = interleaved_names(names.iter().copied(), Split::Test);
        let want = vec![
            ("test/airplane/0000.jpg".to_string(), 0), ("test/cat/0000.jpg".to_string(), 3),
            ("test/airplane/0001.jpg".to_string(), 0), ("test/cat/0001.jpg".to_string(), 3),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn pack_roundtrips_and_rejects_damage() {
        let s = Samples { pixels: (0..2 * IMAGE_BYTES).map(|i| (i % 251) as u8).collect(), labels: vec![3, 9] };
        let bytes = pack(&s);
        let back = unpack(&bytes).unwrap();
        assert_eq!(back.pixels, s.pixels);
        assert_eq!(back.labels, s.labels);
        assert!(unpack(&bytes[..bytes.len() - 1]).is_err());
        let mut bad = bytes.clone();
        bad[12] = 10;
        assert!(unpack(&bad).is_err());
        assert!(unpack(b"garbage").is_err());
    }
}
