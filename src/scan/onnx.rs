//! ONNX: the graph cannot run Python, but a model file can still make its loader read files
//! outside its folder (`external_data` locations that are absolute or climb out with `..`),
//! load native code (operators from custom domains need a shared library registered by the
//! user), or allocate absurd memory (declared tensor sizes). Nested graphs (If/Loop/Scan
//! bodies, functions, training graphs) are walked with a depth limit.
//!
//! The file is walked as a stream of protobuf fields (the wire format of `onnx.proto`), not
//! decoded: prost (tract's decoder) needs the whole file in memory and copies every tensor's
//! `raw_data` out of it, so a 1 GB model took 2 GB to check. Here weights are skipped by
//! seeking, and what is kept (names, dimensions, locations) is capped: memory stays small
//! whatever the file's size.

use std::collections::BTreeSet;
use std::io::{self, BufReader, Read, Seek};

use super::{Ctx, Severity};

/// Operator domains that ship with ONNX runtimes (no user library needed).
const KNOWN_DOMAINS: &[&str] = &["", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training", "com.microsoft", "com.microsoft.nchwc", "org.pytorch.aten"];
/// A declared tensor larger than this is reported.
const MAX_DECLARED_BYTES: u64 = 16 << 30;

const REMEDIATION: &str = "Load only ONNX files from trusted sources; keep external data beside the model and review custom operators.";

fn elem_bits(data_type: i32) -> Option<u64> {
    Some(match data_type {
        1 | 6 | 12 => 32,
        2 | 3 | 9 | 17..=20 => 8,
        4 | 5 | 10 | 16 => 16,
        7 | 11 | 13 | 14 => 64,
        15 => 128,
        21..=23 => 4,
        8 => 8, // strings: at least a byte each
        _ => return None,
    })
}

/// Strings (names, domains, locations) are kept up to this many bytes.
const MAX_STRING: u64 = 64 << 10;
/// Dimensions kept per tensor (more is reported).
const MAX_DIMS: usize = 64;
/// External-data entries kept per tensor.
const MAX_ENTRIES: usize = 64;
/// Distinct custom operators named in the finding.
const MAX_CUSTOM: usize = 1000;

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

/// A protobuf wire-format reader over a seekable stream, with the byte position.
struct Wire<R> {
    r: BufReader<R>,
    pos: u64,
    len: u64,
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

impl<R: Read + Seek> Wire<R> {
    fn byte(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.r.read_exact(&mut b).map_err(|e| if e.kind() == io::ErrorKind::UnexpectedEof { bad("the file ends inside a field") } else { e })?;
        self.pos += 1;
        Ok(b[0])
    }

    fn varint(&mut self) -> io::Result<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("a varint longer than 10 bytes"))
    }

    /// The next field's number and wire type.
    fn key(&mut self) -> io::Result<(u64, u8)> {
        let k = self.varint()?;
        let (field, wt) = (k >> 3, (k & 7) as u8);
        if field == 0 {
            return Err(bad("field number 0"));
        }
        Ok((field, wt))
    }

    /// A length prefix, checked against the end of the message that holds it.
    fn length(&mut self, end: u64) -> io::Result<u64> {
        let n = self.varint()?;
        match self.pos.checked_add(n) {
            Some(e) if e <= end => Ok(n),
            _ => Err(bad(format!("a field of {n} bytes at byte {} runs past the end of its message", self.pos))),
        }
    }

    fn skip_bytes(&mut self, n: u64) -> io::Result<()> {
        let n = i64::try_from(n).map_err(|_| bad("a field longer than the file"))?;
        self.r.seek_relative(n)?;
        self.pos += n as u64;
        Ok(())
    }

    /// Skip a field's value of wire type `wt`.
    fn skip(&mut self, wt: u8, end: u64) -> io::Result<()> {
        match wt {
            VARINT => self.varint().map(drop),
            FIXED64 => self.skip_bytes(8),
            LEN => {
                let n = self.length(end)?;
                self.skip_bytes(n)
            }
            FIXED32 => self.skip_bytes(4),
            _ => Err(bad(format!("wire type {wt} at byte {}", self.pos))),
        }?;
        if self.pos > end {
            return Err(bad("a field runs past the end of its message"));
        }
        Ok(())
    }

    /// A length-delimited string, at most [`MAX_STRING`] bytes kept; true when cut.
    fn string(&mut self, end: u64) -> io::Result<(String, bool)> {
        let n = self.length(end)?;
        let keep = n.min(MAX_STRING);
        let mut buf = vec![0u8; keep as usize];
        self.r.read_exact(&mut buf)?;
        self.pos += keep;
        self.skip_bytes(n - keep)?;
        Ok((String::from_utf8_lossy(&buf).into_owned(), n > keep))
    }

    /// The end position of a length-delimited submessage.
    fn message(&mut self, wt: u8, end: u64) -> io::Result<u64> {
        if wt != LEN {
            return Err(bad(format!("a message field of wire type {wt} at byte {}", self.pos)));
        }
        let n = self.length(end)?;
        Ok(self.pos + n)
    }

    /// Repeated int64 values, packed or not, appended to `out` up to `max` of them; the
    /// count of values seen.
    fn int64s(&mut self, wt: u8, end: u64, out: &mut Vec<i64>, max: usize) -> io::Result<usize> {
        if wt == VARINT {
            let v = self.varint()? as i64;
            if out.len() < max {
                out.push(v);
            }
            return Ok(1);
        }
        let stop = self.message(wt, end)?;
        let mut n = 0;
        while self.pos < stop {
            let v = self.varint()? as i64;
            if out.len() < max {
                out.push(v);
            }
            n += 1;
        }
        if self.pos != stop {
            return Err(bad("a packed field runs past its length"));
        }
        Ok(n)
    }
}

/// What the checks need of a `TensorProto` (its data is skipped, its length kept).
#[derive(Default)]
struct Tensor {
    name: String,
    dims: Vec<i64>,
    ndims: usize,
    data_type: i32,
    raw_len: u64,
    data_location: Option<u64>,
    external: Vec<(String, String, bool)>,
}

struct Walk<'c, 'a, R> {
    ctx: &'c mut Ctx<'a>,
    w: Wire<R>,
    depth_reported: bool,
    custom: BTreeSet<String>,
}

impl<R: Read + Seek> Walk<'_, '_, R> {
    fn check_time(&mut self) -> io::Result<()> {
        if self.ctx.out_of_time(None) {
            return Err(bad("out of time"));
        }
        Ok(())
    }

    fn tensor(&mut self, end: u64, owner: &str) -> io::Result<()> {
        let mut t = Tensor::default();
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match (f, wt) {
                (1, _) => t.ndims += self.w.int64s(wt, end, &mut t.dims, MAX_DIMS)?,
                (2, VARINT) => t.data_type = self.w.varint()? as i32,
                (8, LEN) => t.name = self.w.string(end)?.0,
                (9, LEN) => {
                    let n = self.w.length(end)?;
                    t.raw_len = n;
                    self.w.skip_bytes(n)?;
                }
                (13, LEN) => {
                    let stop = self.w.message(wt, end)?;
                    let (mut key, mut value, mut cut) = (String::new(), String::new(), false);
                    while self.w.pos < stop {
                        let (f, wt) = self.w.key()?;
                        match (f, wt) {
                            (1, LEN) => key = self.w.string(stop)?.0,
                            (2, LEN) => (value, cut) = self.w.string(stop)?,
                            _ => self.w.skip(wt, stop)?,
                        }
                    }
                    if t.external.len() < MAX_ENTRIES {
                        t.external.push((key, value, cut));
                    }
                }
                (14, VARINT) => t.data_location = Some(self.w.varint()?),
                _ => self.w.skip(wt, end)?,
            }
        }
        self.judge(&t, owner);
        Ok(())
    }

    /// The declared size against the data carried and the scanner's bound.
    fn judge_size(&mut self, t: &Tensor, name: &str) {
        if t.ndims > MAX_DIMS {
            self.ctx.push(Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares {} dimensions: no loader expects more than {MAX_DIMS}.", t.ndims), REMEDIATION);
            return;
        }
        if t.dims.iter().any(|&d| d < 0) {
            self.ctx.push(Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares a negative dimension {:?}.", t.dims), REMEDIATION);
            return;
        }
        let elems = t.dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d as u64));
        let bytes = match (elems, elem_bits(t.data_type)) {
            (Some(e), Some(bits)) => e.checked_mul(bits).map(|b| b.div_ceil(8)),
            (Some(_), None) => {
                self.ctx.push(Severity::Medium, "onnx.tensor-type", None, None, None,
                    format!("Tensor {name:?} has an unknown data type {}.", t.data_type), REMEDIATION);
                return;
            }
            (None, _) => None,
        };
        match bytes {
            None => self.ctx.push(Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares dimensions {:?} whose size overflows: a loader would try to allocate an absurd amount of memory.", t.dims), REMEDIATION),
            Some(b) if b > MAX_DECLARED_BYTES => self.ctx.push(Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares {b} bytes ({:?}), more than {MAX_DECLARED_BYTES}: loading it would exhaust memory.", t.dims), REMEDIATION),
            Some(b) if t.raw_len != 0 && t.raw_len != b && t.data_type != 8 => self.ctx.push(
                Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares {b} bytes but carries {} bytes of raw data.", t.raw_len), REMEDIATION),
            _ => {}
        }
    }

    /// A tensor's checks: its size, then (whatever its type) where its data is read from.
    fn judge(&mut self, t: &Tensor, owner: &str) {
        let name = if t.name.is_empty() { owner.to_string() } else { t.name.clone() };
        self.judge_size(t, &name);
        let external = t.data_location == Some(1) || !t.external.is_empty();
        if external {
            let (loc, cut) = t.external.iter().find(|e| e.0 == "location").map(|e| (e.1.clone(), e.2)).unwrap_or_default();
            let norm = loc.replace('\\', "/");
            let absolute = norm.starts_with('/') || norm.as_bytes().get(1) == Some(&b':') || norm.starts_with("//");
            let climbs = norm.split('/').any(|p| p == "..");
            if loc.is_empty() {
                self.ctx.push(Severity::High, "onnx.external-data", None, None, None,
                    format!("Tensor {name:?} is stored externally but names no location."), REMEDIATION);
            } else if absolute || climbs {
                self.ctx.push(Severity::Critical, "onnx.external-data", None, None, Some(format!("{name} -> {loc}")),
                    format!("Tensor {name:?} reads its data from {loc:?}, outside the model's folder: loading the model reads (and may leak) arbitrary files."),
                    REMEDIATION);
            } else if cut {
                self.ctx.push(Severity::High, "onnx.external-data", None, None, None,
                    format!("Tensor {name:?} names an external location longer than {MAX_STRING} bytes, longer than any real path; it was not checked whole."), REMEDIATION);
            }
        }
    }

    /// A `SparseTensorProto`: its values are a tensor.
    fn sparse(&mut self, end: u64, owner: &str) -> io::Result<()> {
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            if f == 1 {
                let stop = self.w.message(wt, end)?;
                self.tensor(stop, owner)?;
            } else {
                self.w.skip(wt, end)?;
            }
        }
        Ok(())
    }

    fn node(&mut self, end: u64, depth: usize) -> io::Result<()> {
        self.check_time()?;
        let (mut name, mut op_type, mut domain) = (String::new(), String::new(), String::new());
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match (f, wt) {
                (3, LEN) => name = self.w.string(end)?.0,
                (4, LEN) => op_type = self.w.string(end)?.0,
                (7, LEN) => domain = self.w.string(end)?.0,
                (5, _) => {
                    let stop = self.w.message(wt, end)?;
                    self.attribute(stop, &name, depth)?;
                }
                _ => self.w.skip(wt, end)?,
            }
        }
        if !KNOWN_DOMAINS.contains(&domain.as_str()) && self.custom.len() < MAX_CUSTOM {
            self.custom.insert(format!("{domain}::{op_type}"));
        }
        Ok(())
    }

    fn attribute(&mut self, end: u64, node: &str, depth: usize) -> io::Result<()> {
        let mut name = String::new();
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match (f, wt) {
                (1, LEN) => name = self.w.string(end)?.0,
                (5 | 10, _) => {
                    let stop = self.w.message(wt, end)?;
                    self.tensor(stop, &format!("{node}.{name}"))?;
                }
                (22 | 23, _) => {
                    let stop = self.w.message(wt, end)?;
                    self.sparse(stop, &format!("{node}.{name}"))?;
                }
                (6 | 11, _) => {
                    let stop = self.w.message(wt, end)?;
                    self.graph(stop, depth + 1)?;
                }
                _ => self.w.skip(wt, end)?,
            }
        }
        Ok(())
    }

    fn graph(&mut self, end: u64, depth: usize) -> io::Result<()> {
        if depth > self.ctx.limits.max_nesting {
            if !self.depth_reported {
                self.depth_reported = true;
                let max = self.ctx.limits.max_nesting;
                self.ctx.push(Severity::High, "scan.limit", None, None, None,
                    format!("Graphs nest deeper than the scanner's limit ({max}); deeper subgraphs were not checked."), REMEDIATION);
            }
            return self.w.skip_bytes(end - self.w.pos);
        }
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match f {
                1 => {
                    let stop = self.w.message(wt, end)?;
                    self.node(stop, depth)?;
                }
                5 => {
                    let stop = self.w.message(wt, end)?;
                    self.tensor(stop, "initializer")?;
                }
                15 => {
                    let stop = self.w.message(wt, end)?;
                    self.sparse(stop, "sparse initializer")?;
                }
                _ => self.w.skip(wt, end)?,
            }
        }
        Ok(())
    }

    /// `OperatorSetIdProto`: its domain.
    fn opset(&mut self, end: u64) -> io::Result<()> {
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            if (f, wt) == (1, LEN) {
                let domain = self.w.string(end)?.0;
                if !KNOWN_DOMAINS.contains(&domain.as_str()) && self.custom.len() < MAX_CUSTOM {
                    self.custom.insert(format!("{domain}::*"));
                }
            } else {
                self.w.skip(wt, end)?;
            }
        }
        Ok(())
    }

    /// `FunctionProto` (nodes at depth 1) and `TrainingInfoProto` (graphs at depth 1).
    fn function(&mut self, end: u64, training: bool) -> io::Result<()> {
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match (training, f) {
                (false, 7) => {
                    let stop = self.w.message(wt, end)?;
                    self.node(stop, 1)?;
                }
                (false, 9) => {
                    let stop = self.w.message(wt, end)?;
                    self.opset(stop)?;
                }
                (true, 1 | 2) => {
                    let stop = self.w.message(wt, end)?;
                    self.graph(stop, 1)?;
                }
                _ => self.w.skip(wt, end)?,
            }
        }
        Ok(())
    }

    /// `ModelProto`; true when it holds a graph.
    fn model(&mut self) -> io::Result<bool> {
        let end = self.w.len;
        let mut graph = false;
        while self.w.pos < end {
            let (f, wt) = self.w.key()?;
            match f {
                7 => {
                    let stop = self.w.message(wt, end)?;
                    self.graph(stop, 0)?;
                    graph = true;
                }
                8 => {
                    let stop = self.w.message(wt, end)?;
                    self.opset(stop)?;
                }
                20 | 25 => {
                    let stop = self.w.message(wt, end)?;
                    self.function(stop, f == 20)?;
                }
                _ => self.w.skip(wt, end)?,
            }
        }
        Ok(graph)
    }
}

/// Check the ONNX model in `r` (`len` bytes from the start).
pub(crate) fn scan<R: Read + Seek>(ctx: &mut Ctx, r: &mut R, len: u64) {
    let mut walk = Walk { ctx, w: Wire { r: BufReader::new(r), pos: 0, len }, depth_reported: false, custom: BTreeSet::new() };
    match walk.model() {
        Ok(true) => {}
        Ok(false) => walk.ctx.unscannable(None, "the model has no graph"),
        Err(_) if walk.ctx.out_of_time(None) => {}
        Err(e) => {
            let at = walk.w.pos;
            walk.ctx.unscannable(None, format!("not a valid ONNX protobuf ({e}; at byte {at})"));
        }
    }
    let custom: Vec<String> = walk.custom.iter().filter(|c| !c.ends_with("::*") || !walk.custom.iter().any(|o| o.starts_with(c.trim_end_matches('*')) && o != *c)).cloned().collect();
    if !custom.is_empty() {
        let list = custom.join(", ");
        walk.ctx.push(Severity::Medium, "onnx.custom-op", None, None, Some(list.clone()),
            format!("Uses operators from custom domains ({list}): running it needs a native operator library, which is code you must trust."),
            REMEDIATION);
    }
}
