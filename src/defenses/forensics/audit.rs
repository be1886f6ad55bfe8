//! Provenance and access-log review: verify the ingestion log's hash chain, and list records
//! uploaded by an account that is not registered for their source or outside the source's
//! usual hours.

use crate::spam::provenance::Verdict;
use crate::spam::{Lab, Split};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub record: u32,
    pub seq: u64,
    pub source: String,
    pub uploader: String,
    pub time: i64,
    pub batch: u8,
    pub reasons: Vec<String>,
}

/// Uploads per (source, uploader).
#[derive(Clone, Debug, Serialize)]
pub struct UploaderCount {
    pub source: String,
    pub uploader: String,
    pub registered: bool,
    pub records: usize,
    pub out_of_hours: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub chain: Verdict,
    pub findings: Vec<Finding>,
    pub uploaders: Vec<UploaderCount>,
}

pub fn audit(lab: &Lab) -> Audit {
    let mut findings = Vec::new();
    let mut counts: BTreeMap<(String, String), (bool, usize, usize)> = BTreeMap::new();
    for e in &lab.log.entries {
        let Some(d) = lab.docs.get(e.record as usize) else { continue };
        if d.meta.split != Split::Train {
            continue;
        }
        let src = d.meta.source;
        let registered = src.uploaders().contains(&e.uploader.as_str());
        let hour = (e.time.rem_euclid(86_400) / 3600) as u32;
        let (h0, h1) = src.hours();
        let in_hours = hour >= h0 && hour < h1;
        let slot = counts.entry((e.source.clone(), e.uploader.clone())).or_insert((registered, 0, 0));
        slot.1 += 1;
        slot.2 += !in_hours as usize;
        let mut reasons = Vec::new();
        if !registered {
            reasons.push(format!("{} is not a registered uploader for {}", e.uploader, e.source));
        }
        if !in_hours {
            reasons.push(format!("uploaded at {hour:02}:00 UTC, outside {}'s {h0:02}:00–{h1:02}:00", e.source));
        }
        if !reasons.is_empty() {
            findings.push(Finding { record: e.record, seq: e.seq, source: e.source.clone(), uploader: e.uploader.clone(), time: e.time, batch: e.batch, reasons });
        }
    }
    let uploaders = counts.into_iter().map(|((source, uploader), (registered, records, out_of_hours))| UploaderCount { source, uploader, registered, records, out_of_hours }).collect();
    Audit { chain: lab.verify_log(), findings, uploaders }
}
