//! Model-file scanner: finds code that loading a model file would run, without loading it.
//!
//! Nothing is ever unpickled, imported or executed: pickles are walked opcode by opcode with
//! a symbolic stack and memo ([`pickle`]); containers (zip checkpoints, `.npz`, `.keras`) are
//! opened member by member with bounded reads ([`archive`]); NumPy, safetensors, ONNX and Keras
//! files are checked by their own rules ([`numpy`], [`safetensors`], [`onnx`], [`keras`]).
//!
//! Semantics are an allowlist: the globals a plain PyTorch state dict, NumPy array or Python
//! container needs are safe ([`policy`]); known code-execution primitives are CRITICAL; any
//! other import is at least MEDIUM. What cannot be parsed is a HIGH finding, never silence, and
//! every walk is bounded ([`Limits`]) so hostile files end in a finding, not a crash.
//!
//! Readers are `Read + Seek`, so a 1 GB checkpoint is scanned by reading only what the format
//! needs (the pickle members of a zip, the header of a safetensors file), natively from a file
//! and in the browser from a `File` through `FileReaderSync`.

pub mod archive;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod policy;
pub mod report;
pub mod safetensors;

use std::io::{Read, Seek, SeekFrom};

use serde::Serialize;

/// How bad a finding is. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Worth knowing; not a risk on its own.
    Low,
    /// Unknown code would be imported, or the file needs an unsafe loader option.
    Medium,
    /// The file could not be fully checked, or uses a construct only attacks need.
    High,
    /// Loading the file runs attacker-chosen code or reads arbitrary files.
    Critical,
}

impl Severity {
    /// Parse `critical|high|medium|low` (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            _ => None,
        }
    }

    /// `CRITICAL`, `HIGH`, `MEDIUM` or `LOW`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Low => "LOW",
        }
    }
}

/// One problem found in a file.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable rule identifier, e.g. `pickle.dangerous-global` (SARIF `ruleId`).
    pub rule: &'static str,
    /// The scanned file as given (path or upload name).
    pub file: String,
    /// The archive member, e.g. `archive/data.pkl`, when the file is a container.
    pub member: Option<String>,
    /// Byte offset of the offending opcode/record inside the member (or the file).
    pub offset: Option<u64>,
    /// `module.name` of the imported callable, when there is one.
    pub global: Option<String>,
    /// How the callable is reached and called, e.g. `builtins.getattr(numpy, '__builtins__')`.
    pub chain: Option<String>,
    /// One sentence: what is wrong and what loading would do.
    pub message: String,
    /// What to do instead.
    pub remediation: String,
}

/// What a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Pickle,
    /// A zlib- or gzip-compressed pickle (`joblib.dump(..., compress=N)`).
    CompressedPickle,
    TorchZip,
    TorchLegacy,
    Npy,
    Npz,
    Keras,
    KerasH5,
    Onnx,
    Safetensors,
    Zip,
    Unsupported,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::CompressedPickle => "compressed-pickle",
            Format::TorchZip => "torch-zip",
            Format::TorchLegacy => "torch-legacy",
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Keras => "keras",
            Format::KerasH5 => "keras-h5",
            Format::Onnx => "onnx",
            Format::Safetensors => "safetensors",
            Format::Zip => "zip",
            Format::Unsupported => "unsupported",
        }
    }
}

/// The result of scanning one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: Format,
    pub bytes: u64,
    pub findings: Vec<Finding>,
    /// Pickle disassemblies (for the lab page), one per scanned pickle, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disassembly: Vec<pickle::Disassembly>,
}

impl FileReport {
    /// The highest severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Resource bounds: hitting one ends the walk with a HIGH finding.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Pickle stack depth (values on the stack, marks included).
    pub max_stack: usize,
    /// Pickle memo entries.
    pub max_memo: usize,
    /// Pickle opcodes per pickle.
    pub max_ops: u64,
    /// Nesting depth of containers and nested ONNX graphs / Keras configs.
    pub max_nesting: usize,
    /// Members of one archive.
    pub max_members: usize,
    /// Bytes decompressed from one archive, in total.
    pub max_decompressed: u64,
    /// Ops kept in a pickle disassembly (0 = none).
    pub disassembly_ops: usize,
    /// Wall-clock budget for one file, in seconds, checked while walking.
    pub max_seconds: f64,
    /// Seconds since some fixed origin (`None`: no time limit). Natively `Instant`; the wasm
    /// layer passes the browser's clock (`std::time::Instant` is unavailable on wasm32).
    pub clock: Option<fn() -> f64>,
}

#[cfg(not(target_arch = "wasm32"))]
fn native_clock() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// A deadline derived from [`Limits::max_seconds`] and [`Limits::clock`].
#[derive(Clone, Copy)]
pub(crate) struct Deadline {
    clock: Option<fn() -> f64>,
    at: f64,
}

impl Deadline {
    pub fn start(l: &Limits) -> Self {
        Deadline { clock: l.clock, at: l.clock.map(|c| c() + l.max_seconds).unwrap_or(f64::INFINITY) }
    }
    pub fn passed(&self) -> bool {
        self.clock.is_some_and(|c| c() > self.at)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 20,
            max_memo: 1 << 22,
            max_ops: 1 << 31,
            max_nesting: 64,
            max_members: 100_000,
            max_decompressed: 16 << 30,
            disassembly_ops: 0,
            max_seconds: 300.0,
            #[cfg(not(target_arch = "wasm32"))]
            clock: Some(native_clock),
            #[cfg(target_arch = "wasm32")]
            clock: None,
        }
    }
}

/// A seekable byte source: a file natively, a `File` in the browser, a slice in tests.
pub trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

/// Extensions that name a pickle file.
pub const PICKLE_EXTENSIONS: &[&str] = &["pkl", "pickle", "joblib", "dill", "dat", "data"];
/// Extensions that name a PyTorch checkpoint (zip or legacy).
pub const TORCH_EXTENSIONS: &[&str] = &["pt", "pth", "bin", "ckpt"];
/// Every extension the scanner treats as a model file in a directory walk.
pub const MODEL_EXTENSIONS: &[&str] = &[
    "pkl", "pickle", "joblib", "dill", "dat", "data", "pt", "pth", "bin", "ckpt", "npy", "npz", "keras", "h5",
    "hdf5", "onnx", "safetensors", "gz", "z",
];

fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((_, e)) => e.to_ascii_lowercase(),
        None => String::new(),
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Recognise a file from its first bytes and its name.
pub fn sniff(name: &str, head: &[u8]) -> Format {
    let ext = extension(name);
    if head.starts_with(ZIP_MAGIC) || (head.starts_with(b"PK\x05\x06")) {
        return match ext.as_str() {
            "npz" => Format::Npz,
            "keras" => Format::Keras,
            e if TORCH_EXTENSIONS.contains(&e) => Format::TorchZip,
            _ => Format::Zip,
        };
    }
    if head.starts_with(NPY_MAGIC) {
        return Format::Npy;
    }
    if head.starts_with(HDF5_MAGIC) {
        return Format::KerasH5;
    }
    if ext == "onnx" {
        return Format::Onnx;
    }
    if safetensors::looks_like(head) || ext == "safetensors" {
        return Format::Safetensors;
    }
    let proto_pickle = head.len() >= 2 && head[0] == 0x80 && head[1] <= 5;
    let zlib = head.len() >= 2 && head[0] & 0x0f == 8 && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    if (zlib || gzip) && (PICKLE_EXTENSIONS.contains(&ext.as_str()) || matches!(ext.as_str(), "gz" | "z" | "zlib")) {
        return Format::CompressedPickle;
    }
    if TORCH_EXTENSIONS.contains(&ext.as_str()) && (proto_pickle || pickle::looks_like(head)) {
        return Format::TorchLegacy;
    }
    if PICKLE_EXTENSIONS.contains(&ext.as_str()) || proto_pickle {
        return Format::Pickle;
    }
    if matches!(ext.as_str(), "h5" | "hdf5") {
        return Format::KerasH5;
    }
    if ext == "npy" {
        return Format::Npy;
    }
    Format::Unsupported
}

/// Whether a directory walk should scan this file (a model extension or a recognised magic).
pub fn is_candidate(name: &str, head: &[u8]) -> bool {
    MODEL_EXTENSIONS.contains(&extension(name).as_str()) || sniff(name, head) != Format::Unsupported
}

/// Helpers shared by the format modules for building findings.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub member: Option<String>,
    pub limits: &'a Limits,
    pub findings: Vec<Finding>,
    pub disassembly: Vec<pickle::Disassembly>,
    pub deadline: Deadline,
    timed_out: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a str, limits: &'a Limits) -> Self {
        Ctx { file, member: None, limits, findings: Vec::new(), disassembly: Vec::new(), deadline: Deadline::start(limits), timed_out: false }
    }

    /// True (once a HIGH finding is recorded) when the file's time budget is spent.
    pub fn out_of_time(&mut self, offset: Option<u64>) -> bool {
        if self.timed_out {
            return true;
        }
        if !self.deadline.passed() {
            return false;
        }
        self.timed_out = true;
        let secs = self.limits.max_seconds;
        self.push(
            Severity::High,
            "scan.limit",
            offset,
            None,
            None,
            format!("Scanning took longer than the scanner's limit ({secs} s); the rest of the file was not checked."),
            "Inspect the file by other means; re-export the model as safetensors.",
        );
        true
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        offset: Option<u64>,
        global: Option<String>,
        chain: Option<String>,
        message: impl Into<String>,
        remediation: impl Into<String>,
    ) {
        self.findings.push(Finding {
            severity,
            rule,
            file: self.file.to_string(),
            member: self.member.clone(),
            offset,
            global,
            chain,
            message: message.into(),
            remediation: remediation.into(),
        });
    }

    /// A HIGH "could not be scanned" finding.
    pub fn unscannable(&mut self, offset: Option<u64>, why: impl Into<String>) {
        self.push(
            Severity::High,
            "scan.unparseable",
            offset,
            None,
            None,
            format!("Could not be scanned: {}.", why.into()),
            "Do not load this file; re-export the model from a trusted source, preferably as safetensors.",
        );
    }
}

/// Remediation text shared by pickle-based findings.
pub const PICKLE_REMEDIATION: &str = "Do not load it with pickle/torch.load; if you must, use torch.load(weights_only=True) \
     or re-export the weights as safetensors from a trusted copy.";

/// Scan one file or upload. Never panics on hostile input; I/O errors become findings.
pub fn scan<R: Source>(name: &str, reader: &mut R, len: u64, limits: &Limits) -> FileReport {
    let mut head = [0u8; 16];
    let got = if reader.seek(SeekFrom::Start(0)).is_ok() { read_head(reader, &mut head) } else { 0 };
    let format = sniff(name, &head[..got]);
    let mut ctx = Ctx::new(name, limits);
    if let Err(e) = reader.seek(SeekFrom::Start(0)) {
        ctx.unscannable(None, format!("seek failed ({e})"));
    } else {
        match format {
            Format::Pickle => pickle::scan_stream(&mut ctx, reader, 0, len, pickle::Follow::Trailing),
            Format::CompressedPickle => {
                let limit = limits.max_decompressed;
                if head[0] == 0x1f {
                    let d = flate2::read::GzDecoder::new(std::io::BufReader::new(reader)).take(limit);
                    pickle::scan_read(&mut ctx, d, u64::MAX, pickle::Follow::Trailing)
                } else {
                    let d = flate2::read::ZlibDecoder::new(std::io::BufReader::new(reader)).take(limit);
                    pickle::scan_read(&mut ctx, d, u64::MAX, pickle::Follow::Trailing)
                }
            }
            Format::TorchLegacy => pickle::scan_stream(&mut ctx, reader, 0, len, pickle::Follow::TorchLegacy),
            Format::TorchZip | Format::Npz | Format::Keras | Format::Zip => archive::scan(&mut ctx, reader, format),
            Format::Npy => numpy::scan_npy(&mut ctx, reader, len),
            Format::KerasH5 => keras::scan_h5(&mut ctx, reader, len),
            Format::Onnx => onnx::scan(&mut ctx, reader, len),
            Format::Safetensors => safetensors::scan(&mut ctx, reader, len),
            Format::Unsupported => ctx.push(
                Severity::Medium,
                "scan.unsupported",
                None,
                None,
                None,
                "Unsupported format: the scanner does not recognise this file, so it was not checked.",
                "Convert the model to safetensors or ONNX, or check it by other means before loading it.",
            ),
        }
    }
    let mut findings = ctx.findings;
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.offset.cmp(&b.offset)));
    FileReport { file: name.to_string(), format, bytes: len, findings, disassembly: ctx.disassembly }
}

/// Scan an in-memory buffer.
pub fn scan_bytes(name: &str, bytes: &[u8], limits: &Limits) -> FileReport {
    scan(name, &mut std::io::Cursor::new(bytes), bytes.len() as u64, limits)
}

fn read_head<R: Read>(r: &mut R, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats() {
        assert_eq!(sniff("a.pkl", b"\x80\x04"), Format::Pickle);
        assert_eq!(sniff("noext", b"\x80\x02}q\x00."), Format::Pickle);
        assert_eq!(sniff("m.pt", b"PK\x03\x04"), Format::TorchZip);
        assert_eq!(sniff("m.pt", b"\x80\x02\x8a\x0al"), Format::TorchLegacy);
        assert_eq!(sniff("a.npz", b"PK\x03\x04"), Format::Npz);
        assert_eq!(sniff("a.npy", b"\x93NUMPY\x01\x00"), Format::Npy);
        assert_eq!(sniff("m.h5", b"\x89HDF\r\n\x1a\n"), Format::KerasH5);
        assert_eq!(sniff("m.onnx", b"\x08\x07"), Format::Onnx);
        assert_eq!(sniff("README.md", b"# hello"), Format::Unsupported);
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
    }
}
