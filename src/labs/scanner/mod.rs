//! The model scanner as a lab: what `mlsec scan` runs over files and folders (a CI gate) and the
//! page over dropped files. Folders are walked recursively in name order (symlinked folders are
//! not followed); files in them that are neither named nor shaped like model files are listed
//! as skipped. Every path given or walked is reported: scanned, skipped, or an error (a file
//! that cannot be read, a FIFO or device, a dangling or looping link) — an error never discards
//! the rest of the report, and it fails the gate. Its settings: [`params::Params`]. The
//! scanning itself is [`crate::scan`].

pub mod params;
pub mod report;
pub use params::{Format, Params, ValidParams};
pub use report::{ScanRun, Unscanned};

#[cfg(not(target_arch = "wasm32"))]
use crate::scan::FileReport;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use crate::scan;
    use crate::{Error, Result};
    use std::fs::File;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    /// What one walked or given path is.
    enum Entry {
        File(PathBuf),
        /// A symlinked folder: listed, not followed (a loop cannot trap the walk).
        LinkedDir(PathBuf),
        Bad(PathBuf, String),
    }

    /// `path` classified without opening it (opening a FIFO blocks until a writer comes).
    fn classify(path: &Path) -> Option<Entry> {
        let link = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => return Some(Entry::Bad(path.into(), e.to_string())),
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if link.file_type().is_symlink() => return Some(Entry::Bad(path.into(), format!("a link that leads nowhere readable ({e})"))),
            Err(e) => return Some(Entry::Bad(path.into(), e.to_string())),
        };
        if meta.is_dir() {
            return if link.file_type().is_symlink() { Some(Entry::LinkedDir(path.into())) } else { None };
        }
        if meta.is_file() {
            return Some(Entry::File(path.into()));
        }
        Some(Entry::Bad(path.into(), special(&meta).into()))
    }

    fn special(meta: &std::fs::Metadata) -> &'static str {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let t = meta.file_type();
            if t.is_fifo() {
                return "a FIFO, not a regular file (not read)";
            }
            if t.is_char_device() || t.is_block_device() {
                return "a device, not a regular file (not read)";
            }
            if t.is_socket() {
                return "a socket, not a regular file (not read)";
            }
        }
        let _ = meta;
        "not a regular file (not read)"
    }

    fn walk(dir: &Path, out: &mut Vec<Entry>) {
        let entries = match std::fs::read_dir(dir).and_then(|r| r.collect::<std::io::Result<Vec<_>>>()) {
            Ok(v) => v,
            Err(e) => return out.push(Entry::Bad(dir.into(), format!("the folder cannot be read ({e})"))),
        };
        let mut paths: Vec<PathBuf> = entries.iter().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            match classify(&p) {
                None => walk(&p, out),
                Some(e) => out.push(e),
            }
        }
    }

    fn scan_file(path: &Path, explicit: bool, limits: &scan::Limits) -> std::io::Result<Option<FileReport>> {
        let mut f = File::open(path)?;
        let meta = f.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::other("it stopped being a regular file while being scanned"));
        }
        let len = meta.len();
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

    /// Scan `paths` (files are scanned whatever their name; folders are walked). Only an empty
    /// list is an error; a path that cannot be scanned is reported in [`ScanRun::errors`].
    pub fn scan_paths(paths: &[PathBuf], p: &ValidParams) -> Result<ScanRun> {
        if paths.is_empty() {
            return Err(Error::InvalidArgument("name at least one file or directory".into()));
        }
        let limits = p.limits();
        let mut run = ScanRun::default();
        for path in paths {
            let (entries, explicit) = match classify(path) {
                None => {
                    let mut v = Vec::new();
                    walk(path, &mut v);
                    (v, false)
                }
                Some(Entry::LinkedDir(d)) => {
                    // named on the command line: the user asked for it, so walk it (its own links are not followed)
                    let mut v = Vec::new();
                    walk(&d, &mut v);
                    (v, false)
                }
                Some(e) => (vec![e], true),
            };
            for e in entries {
                match e {
                    Entry::File(f) => match scan_file(&f, explicit, &limits) {
                        Ok(Some(r)) => run.reports.push(r),
                        Ok(None) => run.skipped.push(f.display().to_string()),
                        Err(err) => run.errors.push(Unscanned { path: f.display().to_string(), error: err.to_string() }),
                    },
                    Entry::LinkedDir(d) => run.skipped.push(format!("{} (a linked folder, not followed)", d.display())),
                    Entry::Bad(f, why) => run.errors.push(Unscanned { path: f.display().to_string(), error: why }),
                }
            }
        }
        Ok(run)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::scan_paths;
