//! The ingestion log: one entry per training record (source, uploader, time, batch, label and
//! a SHA-256 of the content), each entry's hash covering the previous one, so editing,
//! deleting or reordering any entry — or the record it describes — breaks verification from
//! that entry on.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// One log entry.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub record: u32,
    pub source: String,
    pub uploader: String,
    /// Unix seconds.
    pub time: i64,
    pub batch: u8,
    /// Label as ingested: true = spam.
    pub spam: bool,
    #[serde(serialize_with = "hex")]
    pub content: [u8; 32],
    #[serde(serialize_with = "hex")]
    pub prev: [u8; 32],
    #[serde(serialize_with = "hex")]
    pub hash: [u8; 32],
}

fn hex<S: serde::Serializer>(h: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(h))
}

pub fn to_hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a record's content (subject, a newline, body).
pub fn content_hash(subject: &str, body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(subject.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    h.finalize().into()
}

fn entry_hash(e: &Entry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(e.prev);
    h.update(e.seq.to_le_bytes());
    h.update(e.record.to_le_bytes());
    for s in [&e.source, &e.uploader] {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    h.update(e.time.to_le_bytes());
    h.update([e.batch, e.spam as u8]);
    h.update(e.content);
    h.finalize().into()
}

/// What verification found.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Verdict {
    pub ok: bool,
    pub entries: usize,
    /// Sequence number of the first entry that does not verify.
    pub first_bad: Option<u64>,
    pub reason: Option<String>,
}

/// An append-only, hash-chained log.
#[derive(Clone, Debug, Default)]
pub struct IngestLog {
    pub entries: Vec<Entry>,
}

impl IngestLog {
    /// Append an entry; returns its sequence number.
    #[allow(clippy::too_many_arguments)]
    pub fn append(&mut self, record: u32, source: &str, uploader: &str, time: i64, batch: u8, spam: bool, content: [u8; 32]) -> u64 {
        let seq = self.entries.len() as u64;
        let prev = self.entries.last().map(|e| e.hash).unwrap_or([0; 32]);
        let mut e = Entry { seq, record, source: source.into(), uploader: uploader.into(), time, batch, spam, content, prev, hash: [0; 32] };
        e.hash = entry_hash(&e);
        self.entries.push(e);
        seq
    }

    /// Check every link; `content_of(record)` gives the current content hash of a record (None if
    /// the record is gone), so edits to the data itself are caught too.
    pub fn verify(&self, content_of: impl Fn(u32) -> Option<[u8; 32]>) -> Verdict {
        let mut prev = [0u8; 32];
        for (i, e) in self.entries.iter().enumerate() {
            let bad = |why: &str| Verdict { ok: false, entries: self.entries.len(), first_bad: Some(i as u64), reason: Some(why.into()) };
            if e.seq != i as u64 {
                return bad("sequence number out of order (an entry was removed or inserted)");
            }
            if e.prev != prev {
                return bad("the link to the previous entry is broken");
            }
            if entry_hash(e) != e.hash {
                return bad("the entry was edited after it was written");
            }
            match content_of(e.record) {
                Some(c) if c == e.content => {}
                Some(_) => return bad("the record's content no longer matches its logged hash"),
                None => return bad("the record is missing"),
            }
            prev = e.hash;
        }
        Verdict { ok: true, entries: self.entries.len(), first_bad: None, reason: None }
    }

    /// Drop entries from `len` on (the lab's reset; the log is otherwise append-only).
    pub fn truncate(&mut self, len: usize) {
        self.entries.truncate(len);
    }
}
