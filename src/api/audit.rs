//! The API's audit log: one entry per call (key, time, SHA-256 of the input, what was
//! returned or why it was refused), each entry's hash covering the previous one, so a deleted,
//! inserted or edited entry fails verification at that entry.

use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub key: String,
    pub time_ms: f64,
    pub input: String,
    /// "ok", "rate-limited", "quota", "blocked" or "unknown-key".
    pub status: String,
    /// The label returned (if any) and the output as returned, compactly.
    pub output: String,
    pub prev: String,
    pub hash: String,
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of an input's f32 values (little-endian), hex.
pub fn input_hash(x: &[f32]) -> String {
    let mut h = Sha256::new();
    for v in x {
        h.update(v.to_le_bytes());
    }
    hex(&h.finalize())
}

fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    for s in [e.prev.as_str(), &e.seq.to_string(), &e.key, &e.time_ms.to_string(), &e.input, &e.status, &e.output] {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    hex(&h.finalize())
}

#[derive(Clone, Debug, Default)]
pub struct AuditLog {
    pub entries: Vec<Entry>,
}

impl AuditLog {
    pub fn append(&mut self, key: &str, time_ms: f64, input: String, status: &str, output: String) {
        let prev = self.entries.last().map(|e| e.hash.clone()).unwrap_or_else(|| "0".repeat(64));
        let mut e = Entry { seq: self.entries.len() as u64, key: key.into(), time_ms, input, status: status.into(), output, prev, hash: String::new() };
        e.hash = entry_hash(&e);
        self.entries.push(e);
    }

    /// `None` if every link verifies, else the position of the first entry that does not.
    pub fn first_bad(&self) -> Option<usize> {
        let mut prev = "0".repeat(64);
        for (i, e) in self.entries.iter().enumerate() {
            if e.seq != i as u64 || e.prev != prev || entry_hash(e) != e.hash {
                return Some(i);
            }
            prev = e.hash.clone();
        }
        None
    }
}
