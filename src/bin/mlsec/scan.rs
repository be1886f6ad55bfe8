//! `mlsec scan PATH... [--format text|json|sarif] [--fail-on LEVEL]`: the model-file scanner as
//! a CI gate. Directories are walked recursively (symlinked directories are not followed);
//! files in them that are neither named nor shaped like model files are listed as skipped.
//! Exit 0: nothing at or above the threshold; 1: findings; 2: usage or I/O error.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mlsec::scan::{self, report, FileReport, Limits, Severity};

pub struct Args {
    pub paths: Vec<PathBuf>,
    pub format: String,
    pub fail_on: String,
    pub disassemble: bool,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
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

fn scan_file(path: &Path, explicit: bool, limits: &Limits) -> std::io::Result<Option<FileReport>> {
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

pub fn run(a: Args) -> ExitCode {
    let Some(threshold) = Severity::parse(&a.fail_on) else {
        eprintln!("mlsec scan: --fail-on must be critical, high, medium or low (got {:?})", a.fail_on);
        return ExitCode::from(2);
    };
    if !matches!(a.format.as_str(), "text" | "json" | "sarif") {
        eprintln!("mlsec scan: --format must be text, json or sarif (got {:?})", a.format);
        return ExitCode::from(2);
    }
    if a.paths.is_empty() {
        eprintln!("mlsec scan: name at least one file or directory");
        return ExitCode::from(2);
    }
    let limits = Limits { disassembly_ops: if a.disassemble { 100_000 } else { 0 }, ..Limits::default() };
    let mut reports = Vec::new();
    let mut skipped = Vec::new();
    for p in &a.paths {
        let (files, explicit) = if p.is_dir() {
            let mut v = Vec::new();
            if let Err(e) = walk(p, &mut v) {
                eprintln!("mlsec scan: {}: {e}", p.display());
                return ExitCode::from(2);
            }
            (v, false)
        } else {
            (vec![p.clone()], true)
        };
        for f in files {
            match scan_file(&f, explicit, &limits) {
                Ok(Some(r)) => reports.push(r),
                Ok(None) => skipped.push(f.display().to_string()),
                Err(e) => {
                    eprintln!("mlsec scan: {}: {e}", f.display());
                    return ExitCode::from(2);
                }
            }
        }
    }
    let out = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&report::json(&reports, &skipped)).unwrap_or_default(),
        "sarif" => serde_json::to_string_pretty(&report::sarif(&reports)).unwrap_or_default(),
        _ => report::text(&reports, &skipped),
    };
    println!("{out}");
    let fail = reports.iter().any(|r| r.worst().is_some_and(|w| w >= threshold));
    if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
