//! The scanner in the browser: a `File` read through `FileReaderSync` (worker-only) as a
//! `Read + Seek` source, so only the bytes a format needs are read, in 1 MiB slices: a 1 GB
//! checkpoint is scanned without holding 1 GB in memory.

use std::io::{self, Read, Seek, SeekFrom};

use wasm_bindgen::prelude::*;
use web_sys::{Blob, FileReaderSync};

use crate::scan::{self, Limits};

const CHUNK: u64 = 1 << 20;

struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
    pos: u64,
    cache: Vec<u8>,
    cache_at: u64,
}

impl BlobSource {
    fn fill(&mut self) -> io::Result<()> {
        let end = (self.pos + CHUNK).min(self.len);
        let part = self
            .blob
            .slice_with_f64_and_f64(self.pos as f64, end as f64)
            .map_err(|_| io::Error::other("could not slice the file"))?;
        let buf = self.reader.read_as_array_buffer(&part).map_err(|_| io::Error::other("could not read the file"))?;
        self.cache = js_sys::Uint8Array::new(&buf).to_vec();
        self.cache_at = self.pos;
        Ok(())
    }
}

impl Read for BlobSource {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let inside = self.pos >= self.cache_at && self.pos < self.cache_at + self.cache.len() as u64;
        if !inside {
            self.fill()?;
        }
        let from = (self.pos - self.cache_at) as usize;
        let n = out.len().min(self.cache.len() - from);
        out[..n].copy_from_slice(&self.cache[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlobSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let p = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if p < 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"));
        }
        self.pos = p as u64;
        Ok(self.pos)
    }
}

fn browser_clock() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn limits(disassemble: bool) -> Limits {
    Limits {
        disassembly_ops: if disassemble { 20_000 } else { 0 },
        clock: Some(browser_clock),
        ..Limits::default()
    }
}

/// Scan a `File`/`Blob` (in a worker). Returns the report (findings, and pickle disassemblies
/// when `disassemble`).
#[wasm_bindgen(js_name = scanBlob)]
pub fn scan_blob(blob: Blob, name: &str, disassemble: bool) -> Result<JsValue, JsError> {
    let reader = FileReaderSync::new().map_err(|_| JsError::new("FileReaderSync is only available in a worker"))?;
    let len = blob.size() as u64;
    let mut src = BlobSource { blob, reader, len, pos: 0, cache: Vec::new(), cache_at: 0 };
    super::to_js(&scan::scan(name, &mut src, len, &limits(disassemble)))
}

/// Scan bytes already in memory.
#[wasm_bindgen(js_name = scanBytes)]
pub fn scan_bytes(bytes: &[u8], name: &str, disassemble: bool) -> Result<JsValue, JsError> {
    super::to_js(&scan::scan_bytes(name, bytes, &limits(disassemble)))
}
