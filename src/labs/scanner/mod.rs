//! The model scanner as a lab: what `mlsec scan` runs over files and folders (a CI gate) and the
//! page over dropped files. Folders are walked recursively in name order (symlinked folders are
//! not followed); files in them that are neither named nor shaped like model files are listed
//! as skipped. Its settings: [`params::Params`]. The scanning itself is [`crate::scan`].

pub mod params;
pub use params::{Format, Params, ValidParams};

use crate::scan::{report, FileReport};
use serde::Serialize;

/// The reports of one run, and the files passed over.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanRun {
    pub reports: Vec<FileReport>,
    /// Files in walked folders that are not model files.
    pub skipped: Vec<String>,
}

impl ScanRun {
    /// The report in the settings' form.
    pub fn render(&self, p: &ValidParams) -> String {
        match p.format {
            Format::Json => serde_json::to_string_pretty(&report::json(&self.reports, &self.skipped)).unwrap_or_default(),
            Format::Sarif => serde_json::to_string_pretty(&report::sarif(&self.reports)).unwrap_or_default(),
            Format::Text => report::text(&self.reports, &self.skipped),
        }
    }

    /// Whether any file has a finding at or above the settings' threshold (the gate fails).
    pub fn fails(&self, p: &ValidParams) -> bool {
        self.reports.iter().any(|r| r.worst().is_some_and(|w| w >= p.threshold))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use crate::scan;
    use crate::{Error, Result};
    use std::fs::File;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::result::Result<_, _>>()?;
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let t = e.file_type()?;
            if t.is_dir() {
                walk(&e.path(), out)?;
            } else if t.is_file() || (t.is_symlink() && e.path().is_file()) {
                out.push(e.path());
            }
        }
        Ok(())
    }

    fn scan_file(path: &Path, explicit: bool, limits: &scan::Limits) -> std::io::Result<Option<FileReport>> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        let name = path.display().to_string();
        if !explicit {
            let mut head = [0u8; 16];
            let n = f.read(&mut head)?;
            if !scan::is_candidate(&name, &head[..n]) {
                return Ok(None);
            }
        }
        Ok(Some(scan::scan(&name, &mut f, len, limits)))
    }

    /// Scan `paths` (files are scanned whatever their name; folders are walked).
    pub fn scan_paths(paths: &[PathBuf], p: &ValidParams) -> Result<ScanRun> {
        if paths.is_empty() {
            return Err(Error::InvalidArgument("name at least one file or directory".into()));
        }
        let limits = p.limits();
        let mut run = ScanRun::default();
        for path in paths {
            let (files, explicit) = if path.is_dir() {
                let mut v = Vec::new();
                walk(path, &mut v).map_err(|e| Error::io(path.display().to_string(), e))?;
                (v, false)
            } else {
                (vec![path.clone()], true)
            };
            for f in files {
                match scan_file(&f, explicit, &limits).map_err(|e| Error::io(f.display().to_string(), e))? {
                    Some(r) => run.reports.push(r),
                    None => run.skipped.push(f.display().to_string()),
                }
            }
        }
        Ok(run)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::scan_paths;
