//! What one scanner run reports, in text, JSON or SARIF 2.1.0 (`mlsec scan`, the page).

use super::{Format, ValidParams};
use crate::scan::{report, FileReport};
use serde::Serialize;

/// The reports of one run, and the files passed over.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanRun {
    pub reports: Vec<FileReport>,
    /// Files in walked folders that are not model files, and symlinked folders (not followed).
    pub skipped: Vec<String>,
    /// Paths that could not be scanned, with the reason: the gate cannot vouch for them.
    pub errors: Vec<Unscanned>,
}

/// A path the scanner could not read.
#[derive(Clone, Debug, Serialize)]
pub struct Unscanned {
    pub path: String,
    pub error: String,
}

impl ScanRun {
    /// The report in the settings' form.
    pub fn render(&self, p: &ValidParams) -> String {
        match p.format {
            Format::Json => {
                let mut v = report::json(&self.reports, &self.skipped);
                v["errors"] = serde_json::to_value(&self.errors).unwrap_or_default();
                v["summary"]["errors"] = self.errors.len().into();
                serde_json::to_string_pretty(&v).unwrap_or_default()
            }
            Format::Sarif => {
                let mut v = report::sarif(&self.reports);
                // SARIF's place for "the tool could not do its job here": the run's notifications
                let notes: Vec<serde_json::Value> = self
                    .errors
                    .iter()
                    .map(|e| serde_json::json!({ "level": "error", "message": { "text": format!("{}: {}", e.path, e.error) } }))
                    .collect();
                if !notes.is_empty() {
                    v["runs"][0]["invocations"] = serde_json::json!([{ "executionSuccessful": false, "toolExecutionNotifications": notes }]);
                }
                serde_json::to_string_pretty(&v).unwrap_or_default()
            }
            Format::Text => {
                let mut t = report::text(&self.reports, &self.skipped);
                for e in &self.errors {
                    t.push_str(&format!("{}  NOT SCANNED: {}\n", e.path, e.error));
                }
                if !self.errors.is_empty() {
                    t.push_str(&format!("{} path(s) could not be scanned: the gate fails.\n", self.errors.len()));
                }
                t
            }
        }
    }

    /// Whether any file has a finding at or above the settings' threshold (the gate fails).
    pub fn fails(&self, p: &ValidParams) -> bool {
        self.reports.iter().any(|r| r.worst().is_some_and(|w| w >= p.threshold))
    }

    /// The gate's exit code, the worst of every path: 2 when one could not be scanned, 1 for a
    /// finding at or above the threshold, else 0.
    pub fn exit_code(&self, p: &ValidParams) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.fails(p) {
            1
        } else {
            0
        }
    }
}
