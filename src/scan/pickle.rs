//! A pickle walker: follows the opcode stream of protocols 0–5 with a symbolic stack and memo
//! to find which callables a pickle imports and calls, and in what chain. It never executes
//! or unpickles anything.
//!
//! Beyond imports (GLOBAL, STACK_GLOBAL, INST), it flags the constructs that only attacks need:
//! - STACK_GLOBAL whose module or name is not a literal string (computed at load time, e.g.
//!   modelscan issue #85's `numpy.prod.a`/`numpy.prod.b` resolved through the memo);
//! - BUILD or SETITEM/APPEND applied to an imported object (setattr/`__setitem__` on module
//!   state, the other half of #85);
//! - calling the result of a call (`builtins.dict.get(numpy.__builtins__, 'eval')(...)`, #89);
//! - extension-registry codes (EXT1/2/4), which name a callable by number.
//!
//! Opcode semantics follow CPython's `Lib/pickle.py` and `Lib/pickletools.py`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::rc::Rc;

use serde::Serialize;

use super::policy::{classify, Verdict};
use super::{Ctx, Severity, PICKLE_REMEDIATION};

/// What may follow the first pickle in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// A plain pickle file: further pickles are scanned while they parse; other trailing bytes
    /// are a LOW finding.
    Trailing,
    /// Legacy `torch.save`: magic number, protocol, sys info, the object, storage keys, then
    /// raw tensor bytes (not pickle).
    TorchLegacy,
}

/// One disassembled opcode (for the lab page).
#[derive(Debug, Clone, Serialize)]
pub struct Op {
    pub offset: u64,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// Set when a finding points at this opcode.
    pub flagged: bool,
}

/// The disassembly of one pickle.
#[derive(Debug, Clone, Serialize)]
pub struct Disassembly {
    pub member: Option<String>,
    pub start: u64,
    pub ops: Vec<Op>,
    /// More opcodes followed than were kept.
    pub truncated: bool,
}

/// Whether the first bytes look like a protocol 0/1 pickle.
pub fn looks_like(head: &[u8]) -> bool {
    match head.first() {
        Some(0x80) => head.get(1).is_some_and(|&p| p <= 5),
        Some(b) => b"(]}clNdIJKSVX".contains(b) && head.len() > 1,
        None => false,
    }
}

// ---------------------------------------------------------------- byte sources

/// Sequential bytes with a position and a cheap skip.
pub(crate) trait ByteSource {
    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()>;
    fn skip(&mut self, n: u64) -> io::Result<()>;
    fn read_line(&mut self, max: usize) -> io::Result<Option<Vec<u8>>>;
    fn pos(&self) -> u64;
    /// Next byte without consuming it, or `None` at the end.
    fn peek(&mut self) -> io::Result<Option<u8>>;
}

/// A `Read + Seek` source (files, browser `File`s, slices): skips by seeking.
pub(crate) struct SeekSource<R: Read + Seek> {
    inner: BufReader<R>,
    pos: u64,
}

impl<R: Read + Seek> SeekSource<R> {
    pub fn new(r: R, pos: u64) -> Self {
        SeekSource { inner: BufReader::with_capacity(256 << 10, r), pos }
    }
}

/// A `Read`-only source (a compressed zip member): skips by reading.
pub(crate) struct ReadSource<R: Read> {
    inner: BufReader<R>,
    pos: u64,
}

impl<R: Read> ReadSource<R> {
    pub fn new(r: R) -> Self {
        ReadSource { inner: BufReader::with_capacity(256 << 10, r), pos: 0 }
    }
}

fn line<B: BufRead>(r: &mut B, max: usize, pos: &mut u64) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            out.extend_from_slice(&buf[..i]);
            r.consume(i + 1);
            *pos += i as u64 + 1;
            return Ok(Some(out));
        }
        let n = buf.len();
        out.extend_from_slice(buf);
        r.consume(n);
        *pos += n as u64;
        if out.len() > max {
            return Ok(None);
        }
    }
}

macro_rules! impl_common {
    () => {
        fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
            self.inner.read_exact(buf)?;
            self.pos += buf.len() as u64;
            Ok(())
        }
        fn read_line(&mut self, max: usize) -> io::Result<Option<Vec<u8>>> {
            line(&mut self.inner, max, &mut self.pos)
        }
        fn pos(&self) -> u64 {
            self.pos
        }
        fn peek(&mut self) -> io::Result<Option<u8>> {
            Ok(self.inner.fill_buf()?.first().copied())
        }
    };
}

impl<R: Read + Seek> ByteSource for SeekSource<R> {
    impl_common!();
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let n = i64::try_from(n).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "skip too large"))?;
        self.inner.seek_relative(n)?;
        self.pos += n as u64;
        Ok(())
    }
}

impl<R: Read> ByteSource for ReadSource<R> {
    impl_common!();
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        self.pos += copied;
        if copied < n {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- symbolic values

/// Longest string kept verbatim (longer ones are truncated; they cannot name a module).
const KEEP_STR: usize = 1024;
/// Children kept per container (the rest are counted, not stored).
const KEEP_CHILDREN: usize = 64;
/// Longest text line accepted by protocol-0 opcodes.
const MAX_LINE: usize = 1 << 20;

#[derive(Debug, Clone)]
enum Val {
    None,
    Bool(bool),
    Int(Option<i64>),
    Float,
    Str(Rc<str>, bool),
    Bytes(u64),
    Tuple(Vec<Rc<Node>>),
    List(Vec<Rc<Node>>),
    Dict(Vec<(Rc<Node>, Rc<Node>)>),
    Set(Vec<Rc<Node>>),
    Global { module: Rc<str>, name: Rc<str> },
    Call { func: Rc<Node>, args: Rc<Node> },
    Built { obj: Rc<Node>, state: Rc<Node> },
    PersId(Rc<Node>),
    Ext(u32),
    Buffer,
    Unknown,
}

#[derive(Debug, Clone)]
struct Node {
    val: Val,
    depth: u32,
    offset: u64,
}

impl Node {
    fn leaf(val: Val, offset: u64) -> Rc<Node> {
        Rc::new(Node { val, depth: 1, offset })
    }
}

fn quote(s: &str, truncated: bool) -> String {
    let mut t: String = s.chars().take(40).collect();
    if truncated || s.chars().count() > 40 {
        t.push('…');
    }
    format!("{t:?}").replace('"', "'")
}

fn render_into(n: &Node, out: &mut String, budget: usize) {
    if out.len() > budget {
        if !out.ends_with('…') {
            out.push('…');
        }
        return;
    }
    let list = |out: &mut String, items: &[Rc<Node>], open: &str, close: &str| {
        out.push_str(open);
        for (i, c) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            render_into(c, out, budget);
        }
        out.push_str(close);
    };
    match &n.val {
        Val::None => out.push_str("None"),
        Val::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Val::Int(Some(i)) => out.push_str(&i.to_string()),
        Val::Int(None) => out.push_str("<int>"),
        Val::Float => out.push_str("<float>"),
        Val::Str(s, t) => out.push_str(&quote(s, *t)),
        Val::Bytes(len) => out.push_str(&format!("<{len} bytes>")),
        Val::Tuple(v) => list(out, v, "(", ")"),
        Val::List(v) => list(out, v, "[", "]"),
        Val::Set(v) => list(out, v, "{", "}"),
        Val::Dict(kv) => {
            out.push('{');
            for (i, (k, v)) in kv.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(k, out, budget);
                out.push_str(": ");
                render_into(v, out, budget);
            }
            out.push('}');
        }
        Val::Global { module, name } => {
            out.push_str(module);
            out.push('.');
            out.push_str(name);
        }
        Val::Call { func, args } => {
            render_into(func, out, budget);
            match &args.val {
                Val::Tuple(v) => list(out, v, "(", ")"),
                _ => {
                    out.push_str("(*");
                    render_into(args, out, budget);
                    out.push(')');
                }
            }
        }
        Val::Built { obj, state } => {
            render_into(obj, out, budget);
            out.push_str(".__setstate__(");
            render_into(state, out, budget);
            out.push(')');
        }
        Val::PersId(p) => {
            out.push_str("persistent_id(");
            render_into(p, out, budget);
            out.push(')');
        }
        Val::Ext(c) => out.push_str(&format!("extension_code({c})")),
        Val::Buffer => out.push_str("<out-of-band buffer>"),
        Val::Unknown => out.push('?'),
    }
}

fn render(n: &Node) -> String {
    let mut s = String::new();
    render_into(n, &mut s, 300);
    s
}

/// Globals referenced anywhere inside a value (bounded walk).
fn globals_in(n: &Node, out: &mut Vec<(Rc<str>, Rc<str>)>, budget: &mut usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let mut each = |c: &Node, out: &mut Vec<(Rc<str>, Rc<str>)>| globals_in(c, out, budget);
    match &n.val {
        Val::Global { module, name } => out.push((module.clone(), name.clone())),
        Val::Tuple(v) | Val::List(v) | Val::Set(v) => v.iter().for_each(|c| each(c, out)),
        Val::Dict(kv) => kv.iter().for_each(|(k, v)| {
            each(k, out);
            each(v, out)
        }),
        Val::Call { func, args } => {
            each(func, out);
            each(args, out)
        }
        Val::Built { obj, state } => {
            each(obj, out);
            each(state, out)
        }
        Val::PersId(p) => each(p, out),
        _ => {}
    }
}

// ---------------------------------------------------------------- the walker

struct Walker<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    stack: Vec<Rc<Node>>,
    marks: Vec<usize>,
    memo: HashMap<u64, Rc<Node>>,
    /// (module, name) -> index of its import finding in ctx.findings
    imports: HashMap<(Rc<str>, Rc<str>), usize>,
    dis: Option<Disassembly>,
    nesting_reported: bool,
    proto: u8,
    /// The pickle held the legacy torch magic number.
    torch_magic: bool,
}

enum Stop {
    /// Reached STOP.
    Done,
    /// Malformed, truncated or over a limit (a finding was recorded).
    Failed,
}

type Res<T> = std::result::Result<T, String>;

fn op_name(op: u8) -> Option<&'static str> {
    Some(match op {
        b'(' => "MARK",
        b'.' => "STOP",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'J' => "BININT",
        b'K' => "BININT1",
        b'L' => "LONG",
        b'M' => "BININT2",
        b'N' => "NONE",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        b'R' => "REDUCE",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'X' => "BINUNICODE",
        b'a' => "APPEND",
        b'b' => "BUILD",
        b'c' => "GLOBAL",
        b'd' => "DICT",
        b'}' => "EMPTY_DICT",
        b'e' => "APPENDS",
        b'g' => "GET",
        b'h' => "BINGET",
        b'i' => "INST",
        b'j' => "LONG_BINGET",
        b'l' => "LIST",
        b']' => "EMPTY_LIST",
        b'o' => "OBJ",
        b'p' => "PUT",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        b's' => "SETITEM",
        b't' => "TUPLE",
        b')' => "EMPTY_TUPLE",
        b'u' => "SETITEMS",
        b'G' => "BINFLOAT",
        0x80 => "PROTO",
        0x81 => "NEWOBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        0x88 => "NEWTRUE",
        0x89 => "NEWFALSE",
        0x8a => "LONG1",
        0x8b => "LONG4",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => return None,
    })
}

fn eof(e: io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "the pickle is truncated (it ends before its STOP opcode)".into()
    } else {
        format!("read error ({e})")
    }
}

impl<'c, 'a> Walker<'c, 'a> {
    fn new(ctx: &'c mut Ctx<'a>, start: u64) -> Self {
        let dis = (ctx.limits.disassembly_ops > 0)
            .then(|| Disassembly { member: ctx.member.clone(), start, ops: Vec::new(), truncated: false });
        Walker {
            ctx,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            imports: HashMap::new(),
            dis,
            nesting_reported: false,
            proto: 0,
            torch_magic: false,
        }
    }

    fn node(&mut self, val: Val, children: &[&Rc<Node>], offset: u64) -> Rc<Node> {
        let depth = 1 + children.iter().map(|c| c.depth).max().unwrap_or(0);
        if depth as usize > self.ctx.limits.max_nesting {
            if !self.nesting_reported {
                self.nesting_reported = true;
                let max = self.ctx.limits.max_nesting;
                self.ctx.push(
                    Severity::High,
                    "scan.limit",
                    Some(offset),
                    None,
                    None,
                    format!("Objects nest deeper than the scanner's limit ({max}); deeper structure was not analysed."),
                    PICKLE_REMEDIATION,
                );
            }
            return Node::leaf(Val::Unknown, offset);
        }
        Rc::new(Node { val, depth, offset })
    }

    /// A value about to be stored inside a container in place: kept if the container stays
    /// within the nesting limit, else replaced by an opaque leaf (so no value tree, and no
    /// recursive drop, ever gets deeper than the limit).
    fn shallow(&mut self, it: Rc<Node>, offset: u64) -> Rc<Node> {
        if (it.depth as usize) < self.ctx.limits.max_nesting {
            return it;
        }
        let _ = self.node(Val::Unknown, &[&it, &it], offset); // reports the limit once
        Node::leaf(Val::Unknown, offset)
    }

    fn pop(&mut self) -> Res<Rc<Node>> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err("stack underflow (a malformed or crafted pickle)".into());
        }
        self.stack.pop().ok_or_else(|| "stack underflow".to_string())
    }

    fn push(&mut self, n: Rc<Node>) -> Res<()> {
        if self.stack.len() + self.marks.len() >= self.ctx.limits.max_stack {
            return Err(format!("the stack grows past the scanner's limit ({} entries)", self.ctx.limits.max_stack));
        }
        self.stack.push(n);
        Ok(())
    }

    fn pop_mark(&mut self) -> Res<Vec<Rc<Node>>> {
        let m = self.marks.pop().ok_or_else(|| "an opcode needs a MARK that is not there".to_string())?;
        if m > self.stack.len() {
            return Err("corrupt MARK".into());
        }
        Ok(self.stack.split_off(m))
    }

    fn top_mut(&mut self) -> Res<&mut Rc<Node>> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err("stack underflow (a malformed or crafted pickle)".into());
        }
        self.stack.last_mut().ok_or_else(|| "stack underflow".to_string())
    }

    fn memo_put(&mut self, idx: u64, off: u64) -> Res<()> {
        let top = self.top_mut()?.clone();
        if self.memo.len() >= self.ctx.limits.max_memo && !self.memo.contains_key(&idx) {
            return Err(format!("the memo grows past the scanner's limit ({} entries)", self.ctx.limits.max_memo));
        }
        let _ = off;
        self.memo.insert(idx, top);
        Ok(())
    }

    fn memo_get(&mut self, idx: u64) -> Res<()> {
        let v = self.memo.get(&idx).cloned().ok_or_else(|| format!("memo entry {idx} is read before it is written"))?;
        self.push(v)
    }

    fn import(&mut self, module: &str, name: &str, off: u64) -> Rc<Node> {
        let module: Rc<str> = Rc::from(module);
        let name: Rc<str> = Rc::from(name);
        let key = (module.clone(), name.clone());
        if !self.imports.contains_key(&key) {
            let full = format!("{module}.{name}");
            match classify(&module, &name) {
                Verdict::Safe => {}
                Verdict::Dangerous(why) => {
                    self.imports.insert(key.clone(), self.ctx.findings.len());
                    self.ctx.push(
                        Severity::Critical,
                        "pickle.dangerous-global",
                        Some(off),
                        Some(full.clone()),
                        None,
                        format!("Imports {full} ({why}): unpickling this file hands attacker-chosen arguments to it."),
                        PICKLE_REMEDIATION,
                    );
                }
                Verdict::Unknown => {
                    self.imports.insert(key.clone(), self.ctx.findings.len());
                    self.ctx.push(
                        Severity::Medium,
                        "pickle.unknown-global",
                        Some(off),
                        Some(full.clone()),
                        None,
                        format!(
                            "Imports {full}, which is not among the globals plain weights need: unpickling imports that module and may call it."
                        ),
                        PICKLE_REMEDIATION,
                    );
                }
            }
        }
        self.node(Val::Global { module, name }, &[], off)
    }

    /// Record a call; returns the call node.
    fn call(&mut self, func: Rc<Node>, args: Rc<Node>, how: &'static str, off: u64) -> Rc<Node> {
        let node = self.node(Val::Call { func: func.clone(), args: args.clone() }, &[&func, &args], off);
        let chain = render(&node);
        let mut refs = Vec::new();
        let mut budget = 4096;
        globals_in(&node, &mut refs, &mut budget);
        let mut dangerous = false;
        for (m, n) in &refs {
            if let Some(&i) = self.imports.get(&(m.clone(), n.clone())) {
                let f = &mut self.ctx.findings[i];
                dangerous |= f.severity == Severity::Critical;
                if f.chain.is_none() {
                    f.chain = Some(chain.clone());
                }
            }
        }
        if !matches!(func.val, Val::Global { .. }) {
            let what = match &func.val {
                Val::Call { .. } => "the result of another call",
                Val::Built { .. } => "an object modified by BUILD",
                Val::Ext(_) => "a callable named by an extension code",
                Val::Str(..) | Val::Bytes(_) | Val::Int(_) => "a literal",
                _ => "a computed value",
            };
            self.ctx.push(
                if dangerous { Severity::Critical } else { Severity::High },
                "pickle.indirect-call",
                Some(off),
                None,
                Some(chain),
                format!("{how} calls {what}: plain weights never do this, code-execution gadgets do."),
                PICKLE_REMEDIATION,
            );
        }
        node
    }

    fn mutate_global(&mut self, target: &Rc<Node>, opname: &str, off: u64) {
        // An object already modified by BUILD is still the imported object.
        let mut t = target;
        while let Val::Built { obj, .. } = &t.val {
            t = obj;
        }
        if let Val::Global { module, name } = &t.val {
            let full = format!("{module}.{name}");
            self.ctx.push(
                Severity::Critical,
                "pickle.mutates-global",
                Some(off),
                Some(full.clone()),
                Some(render(target)),
                format!("{opname} modifies the imported object {full} itself (setattr/__setitem__ on module state): a known way to smuggle an import past scanners (modelscan #85)."),
                PICKLE_REMEDIATION,
            );
        }
    }

    fn text_int(line: &[u8]) -> Option<i64> {
        let s = std::str::from_utf8(line).ok()?.trim();
        let s = s.strip_suffix('L').unwrap_or(s);
        match s {
            "00" => Some(0),
            "01" => Some(1),
            _ => s.parse().ok(),
        }
    }

    fn read_str<S: ByteSource>(&mut self, src: &mut S, len: u64) -> Res<(Rc<str>, bool)> {
        let keep = len.min(KEEP_STR as u64) as usize;
        let mut buf = vec![0u8; keep];
        src.read_exact(&mut buf).map_err(eof)?;
        src.skip(len - keep as u64).map_err(eof)?;
        Ok((Rc::from(String::from_utf8_lossy(&buf).as_ref()), len > keep as u64))
    }

    fn le(src: &mut impl ByteSource, n: usize) -> Res<u64> {
        let mut b = [0u8; 8];
        src.read_exact(&mut b[..n]).map_err(eof)?;
        Ok(u64::from_le_bytes(b))
    }

    fn record(&mut self, off: u64, name: &'static str, arg: Option<String>) {
        let max = self.ctx.limits.disassembly_ops;
        if let Some(d) = self.dis.as_mut() {
            if d.ops.len() < max {
                d.ops.push(Op { offset: off, name, arg, flagged: false });
            } else {
                d.truncated = true;
            }
        }
    }

    /// Walk one pickle from the current position to its STOP.
    fn run<S: ByteSource>(&mut self, src: &mut S) -> Stop {
        match self.run_inner(src) {
            Ok(()) => Stop::Done,
            Err((off, why)) => {
                self.ctx.unscannable(Some(off), why);
                Stop::Failed
            }
        }
    }

    fn run_inner<S: ByteSource>(&mut self, src: &mut S) -> std::result::Result<(), (u64, String)> {
        let mut ops: u64 = 0;
        loop {
            let off = src.pos();
            let mut b = [0u8; 1];
            src.read_exact(&mut b).map_err(|e| (off, eof(e)))?;
            ops += 1;
            if ops > self.ctx.limits.max_ops {
                return Err((off, format!("more than {} opcodes", self.ctx.limits.max_ops)));
            }
            if ops % 65_536 == 0 && self.ctx.out_of_time(Some(off)) {
                return Ok(()); // the time-limit finding is recorded; stop quietly
            }
            let op = b[0];
            let name = op_name(op).ok_or_else(|| (off, format!("unknown opcode 0x{op:02x}")))?;
            let stop = self.step(src, op, name, off).map_err(|e| (off, e))?;
            if stop {
                return Ok(());
            }
        }
    }

    fn line<S: ByteSource>(src: &mut S) -> Res<Vec<u8>> {
        match src.read_line(MAX_LINE).map_err(eof)? {
            Some(l) => Ok(l),
            None => Err("a text argument is unterminated or longer than 1 MiB".into()),
        }
    }

    /// One opcode. Returns true at STOP.
    fn step<S: ByteSource>(&mut self, src: &mut S, op: u8, name: &'static str, off: u64) -> Res<bool> {
        let leaf = |v: Val| Node::leaf(v, off);
        match op {
            b'(' => {
                self.record(off, name, None);
                if self.stack.len() + self.marks.len() >= self.ctx.limits.max_stack {
                    return Err("too many MARKs".into());
                }
                self.marks.push(self.stack.len());
            }
            b'.' => {
                self.record(off, name, None);
                return Ok(true);
            }
            b'0' => {
                self.record(off, name, None);
                if self.stack.len() > self.marks.last().copied().unwrap_or(0) {
                    self.stack.pop();
                } else {
                    self.pop_mark()?;
                }
            }
            b'1' => {
                self.record(off, name, None);
                self.pop_mark()?;
            }
            b'2' => {
                self.record(off, name, None);
                let t = self.top_mut()?.clone();
                self.push(t)?;
            }
            b'F' => {
                let l = Self::line(src)?;
                self.record(off, name, Some(String::from_utf8_lossy(&l).into_owned()));
                self.push(leaf(Val::Float))?;
            }
            b'I' | b'L' => {
                let l = Self::line(src)?;
                let v = Self::text_int(&l);
                self.record(off, name, Some(String::from_utf8_lossy(&l).into_owned()));
                let val = match (op, v) {
                    (b'I', Some(0)) if l == b"00" => Val::Bool(false),
                    (b'I', Some(1)) if l == b"01" => Val::Bool(true),
                    _ => Val::Int(v),
                };
                self.push(leaf(val))?;
            }
            b'J' => {
                let v = Self::le(src, 4)? as u32 as i32 as i64;
                self.record(off, name, Some(v.to_string()));
                self.push(leaf(Val::Int(Some(v))))?;
            }
            b'K' => {
                let v = Self::le(src, 1)? as i64;
                self.record(off, name, Some(v.to_string()));
                self.push(leaf(Val::Int(Some(v))))?;
            }
            b'M' => {
                let v = Self::le(src, 2)? as i64;
                self.record(off, name, Some(v.to_string()));
                self.push(leaf(Val::Int(Some(v))))?;
            }
            0x8a | 0x8b => {
                let n = if op == 0x8a { Self::le(src, 1)? } else { Self::le(src, 4)? as u32 as i32 as i64 as u64 };
                if (n as i64) < 0 {
                    return Err("LONG4 with a negative length".into());
                }
                let keep = n.min(16) as usize;
                let mut wide = [0u8; 16];
                src.read_exact(&mut wide[..keep]).map_err(eof)?;
                src.skip(n - keep as u64).map_err(eof)?;
                if wide[..keep] == TORCH_MAGIC_LE {
                    self.torch_magic = true;
                }
                let mut b = [0u8; 8];
                b.copy_from_slice(&wide[..8]);
                let v = if n <= 8 && keep > 0 {
                    let neg = b[keep - 1] & 0x80 != 0;
                    let fill = if neg { 0xff } else { 0 };
                    for x in b.iter_mut().skip(keep) {
                        *x = fill;
                    }
                    Some(i64::from_le_bytes(b))
                } else if n == 0 {
                    Some(0)
                } else {
                    None
                };
                self.record(off, name, Some(v.map(|v| v.to_string()).unwrap_or_else(|| format!("<{n}-byte int>"))));
                self.push(leaf(Val::Int(v)))?;
            }
            b'N' => {
                self.record(off, name, None);
                self.push(leaf(Val::None))?;
            }
            0x88 | 0x89 => {
                self.record(off, name, None);
                self.push(leaf(Val::Bool(op == 0x88)))?;
            }
            b'G' => {
                src.skip(8).map_err(eof)?;
                self.record(off, name, None);
                self.push(leaf(Val::Float))?;
            }
            b'S' => {
                let l = Self::line(src)?;
                let s = String::from_utf8_lossy(&l);
                let s = s.trim();
                // the quotes off both ends; the last character may be any (multi-byte) one
                let inner = match s.strip_prefix(['\'', '"']) {
                    Some(rest) if !rest.is_empty() => rest.char_indices().last().map_or(rest, |(i, _)| &rest[..i]),
                    _ => s,
                };
                let t = inner.len() > KEEP_STR;
                let v: Rc<str> = Rc::from(&inner[..inner.floor_char_boundary(KEEP_STR)]);
                self.record(off, name, Some(quote(&v, t)));
                self.push(leaf(Val::Str(v, t)))?;
            }
            b'V' => {
                let l = Self::line(src)?;
                let s = String::from_utf8_lossy(&l).into_owned();
                let t = s.len() > KEEP_STR;
                let v: Rc<str> = Rc::from(&s[..s.floor_char_boundary(KEEP_STR)]);
                self.record(off, name, Some(quote(&v, t)));
                self.push(leaf(Val::Str(v, t)))?;
            }
            b'T' | b'U' | b'X' | 0x8c | 0x8d => {
                let len = match op {
                    b'U' | 0x8c => Self::le(src, 1)?,
                    b'T' | b'X' => Self::le(src, 4)?,
                    _ => Self::le(src, 8)?,
                };
                let (v, t) = self.read_str(src, len)?;
                self.record(off, name, Some(quote(&v, t)));
                self.push(leaf(Val::Str(v, t)))?;
            }
            b'B' | b'C' | 0x8e | 0x96 => {
                let len = match op {
                    b'C' => Self::le(src, 1)?,
                    b'B' => Self::le(src, 4)?,
                    _ => Self::le(src, 8)?,
                };
                src.skip(len).map_err(eof)?;
                self.record(off, name, Some(format!("<{len} bytes>")));
                self.push(leaf(Val::Bytes(len)))?;
            }
            b')' => {
                self.record(off, name, None);
                self.push(leaf(Val::Tuple(Vec::new())))?;
            }
            b']' => {
                self.record(off, name, None);
                self.push(leaf(Val::List(Vec::new())))?;
            }
            b'}' => {
                self.record(off, name, None);
                self.push(leaf(Val::Dict(Vec::new())))?;
            }
            0x8f => {
                self.record(off, name, None);
                self.push(leaf(Val::Set(Vec::new())))?;
            }
            b't' | b'l' | 0x91 => {
                self.record(off, name, None);
                let items = self.pop_mark()?;
                let refs: Vec<&Rc<Node>> = items.iter().take(KEEP_CHILDREN).collect();
                let kept: Vec<Rc<Node>> = items.iter().take(KEEP_CHILDREN).cloned().collect();
                let v = match op {
                    b't' => Val::Tuple(kept),
                    b'l' => Val::List(kept),
                    _ => Val::Set(kept),
                };
                let n = self.node(v, &refs, off);
                self.push(n)?;
            }
            0x85..=0x87 => {
                self.record(off, name, None);
                let k = (op - 0x84) as usize;
                let mut items = Vec::with_capacity(k);
                for _ in 0..k {
                    items.push(self.pop()?);
                }
                items.reverse();
                let refs: Vec<&Rc<Node>> = items.iter().collect();
                let n = self.node(Val::Tuple(items.clone()), &refs, off);
                self.push(n)?;
            }
            b'd' => {
                self.record(off, name, None);
                let items = self.pop_mark()?;
                if items.len() % 2 != 0 {
                    return Err("DICT with an odd number of items".into());
                }
                let kv: Vec<(Rc<Node>, Rc<Node>)> =
                    items.chunks(2).take(KEEP_CHILDREN).map(|c| (c[0].clone(), c[1].clone())).collect();
                let refs: Vec<&Rc<Node>> = items.iter().take(2 * KEEP_CHILDREN).collect();
                let n = self.node(Val::Dict(kv), &refs, off);
                self.push(n)?;
            }
            b'a' | b'e' | 0x90 => {
                self.record(off, name, None);
                let items = if op == b'a' { vec![self.pop()?] } else { self.pop_mark()? };
                let target = self.top_mut()?.clone();
                self.mutate_global(&target, name, off);
                let items: Vec<Rc<Node>> = items.into_iter().map(|it| self.shallow(it, off)).collect();
                let mut val = target.val.clone();
                if let Val::List(v) | Val::Set(v) = &mut val {
                    for it in items {
                        if v.len() < KEEP_CHILDREN {
                            v.push(it);
                        }
                    }
                    let refs: Vec<&Rc<Node>> = match &val {
                        Val::List(v) | Val::Set(v) => v.iter().collect(),
                        _ => Vec::new(),
                    };
                    let depth = 1 + refs.iter().map(|c| c.depth).max().unwrap_or(0);
                    let n = Rc::new(Node { val: val.clone(), depth, offset: target.offset });
                    *self.top_mut()? = n;
                }
            }
            b's' | b'u' => {
                self.record(off, name, None);
                let items = if op == b's' {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    vec![k, v]
                } else {
                    self.pop_mark()?
                };
                if items.len() % 2 != 0 {
                    return Err("SETITEMS with an odd number of items".into());
                }
                let target = self.top_mut()?.clone();
                self.mutate_global(&target, name, off);
                let items: Vec<Rc<Node>> = items.into_iter().map(|it| self.shallow(it, off)).collect();
                if let Val::Dict(kv) = &target.val {
                    let mut kv = kv.clone();
                    for c in items.chunks(2) {
                        if kv.len() < KEEP_CHILDREN {
                            kv.push((c[0].clone(), c[1].clone()));
                        }
                    }
                    let depth = 1 + kv.iter().map(|(a, b)| a.depth.max(b.depth)).max().unwrap_or(0);
                    let n = Rc::new(Node { val: Val::Dict(kv), depth, offset: target.offset });
                    *self.top_mut()? = n;
                }
            }
            b'c' | b'i' => {
                let module = Self::line(src)?;
                let nm = Self::line(src)?;
                let module = String::from_utf8_lossy(&module).trim().to_string();
                let nm = String::from_utf8_lossy(&nm).trim().to_string();
                self.record(off, name, Some(format!("{module} {nm}")));
                let g = self.import(&module, &nm, off);
                if op == b'c' {
                    self.push(g)?;
                } else {
                    let args = self.pop_mark()?;
                    let refs: Vec<&Rc<Node>> = args.iter().collect();
                    let tuple = self.node(Val::Tuple(args.clone()), &refs, off);
                    let c = self.call(g, tuple, "INST", off);
                    self.push(c)?;
                }
            }
            0x93 => {
                self.record(off, name, None);
                let nm = self.pop()?;
                let module = self.pop()?;
                match (&module.val, &nm.val) {
                    (Val::Str(m, false), Val::Str(n, false)) => {
                        let (m, n) = (m.clone(), n.clone());
                        if let Some(d) = self.dis.as_mut() {
                            if let Some(last) = d.ops.last_mut() {
                                last.arg = Some(format!("{m} {n}"));
                            }
                        }
                        let g = self.import(&m, &n, off);
                        self.push(g)?;
                    }
                    _ => {
                        let computed = |v: &Val| matches!(v, Val::Global { .. } | Val::Call { .. } | Val::Built { .. } | Val::Ext(_) | Val::PersId(_));
                        let chain = format!("STACK_GLOBAL({}, {})", render(&module), render(&nm));
                        let (sev, why) = if computed(&module.val) || computed(&nm.val) {
                            (Severity::Critical, "its module or name is computed while loading (e.g. read back from a modified object through the memo), so what it imports cannot be known before running it (modelscan #85)")
                        } else {
                            (Severity::High, "its module or name is not a plain string (CPython refuses this; only crafted files do it)")
                        };
                        self.ctx.push(
                            sev,
                            "pickle.dynamic-import",
                            Some(off),
                            None,
                            Some(chain),
                            format!("STACK_GLOBAL imports a callable whose name the scanner cannot read: {why}."),
                            PICKLE_REMEDIATION,
                        );
                        let n = self.node(Val::Global { module: Rc::from("?"), name: Rc::from("?") }, &[], off);
                        self.push(n)?;
                    }
                }
            }
            b'R' => {
                self.record(off, name, None);
                let args = self.pop()?;
                let func = self.pop()?;
                let c = self.call(func, args, "REDUCE", off);
                self.push(c)?;
            }
            0x81 => {
                self.record(off, name, None);
                let args = self.pop()?;
                let cls = self.pop()?;
                let c = self.call(cls, args, "NEWOBJ", off);
                self.push(c)?;
            }
            0x92 => {
                self.record(off, name, None);
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let both = self.node(Val::Tuple(vec![args.clone(), kwargs.clone()]), &[&args, &kwargs], off);
                let c = self.call(cls, both, "NEWOBJ_EX", off);
                self.push(c)?;
            }
            b'o' => {
                self.record(off, name, None);
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err("OBJ without a class".into());
                }
                let cls = items.remove(0);
                let refs: Vec<&Rc<Node>> = items.iter().collect();
                let tuple = self.node(Val::Tuple(items.clone()), &refs, off);
                let c = self.call(cls, tuple, "OBJ", off);
                self.push(c)?;
            }
            b'b' => {
                self.record(off, name, None);
                let state = self.pop()?;
                let obj = self.top_mut()?.clone();
                self.mutate_global(&obj, name, off);
                let n = self.node(Val::Built { obj: obj.clone(), state: state.clone() }, &[&obj, &state], off);
                *self.top_mut()? = n;
                if let Some(array) = joblib_array(&obj, &state) {
                    self.skip_joblib_array(src, array)?;
                }
            }
            b'p' => {
                let l = Self::line(src)?;
                let idx = Self::text_int(&l).filter(|&i| i >= 0).ok_or("PUT with a bad index")? as u64;
                self.record(off, name, Some(idx.to_string()));
                self.memo_put(idx, off)?;
            }
            b'q' | b'r' => {
                let idx = if op == b'q' { Self::le(src, 1)? } else { Self::le(src, 4)? };
                self.record(off, name, Some(idx.to_string()));
                self.memo_put(idx, off)?;
            }
            0x94 => {
                self.record(off, name, None);
                let idx = self.memo.len() as u64;
                self.memo_put(idx, off)?;
            }
            b'g' => {
                let l = Self::line(src)?;
                let idx = Self::text_int(&l).filter(|&i| i >= 0).ok_or("GET with a bad index")? as u64;
                self.record(off, name, Some(idx.to_string()));
                self.memo_get(idx)?;
            }
            b'h' | b'j' => {
                let idx = if op == b'h' { Self::le(src, 1)? } else { Self::le(src, 4)? };
                self.record(off, name, Some(idx.to_string()));
                self.memo_get(idx)?;
            }
            0x80 => {
                let p = Self::le(src, 1)? as u8;
                self.record(off, name, Some(p.to_string()));
                if p > 5 {
                    return Err(format!("unsupported pickle protocol {p}"));
                }
                self.proto = p;
            }
            0x95 => {
                let n = Self::le(src, 8)?;
                self.record(off, name, Some(n.to_string()));
            }
            0x82..=0x84 => {
                let code = match op {
                    0x82 => Self::le(src, 1)?,
                    0x83 => Self::le(src, 2)?,
                    _ => Self::le(src, 4)?,
                } as u32;
                self.record(off, name, Some(code.to_string()));
                self.ctx.push(
                    Severity::High,
                    "pickle.extension-code",
                    Some(off),
                    None,
                    Some(format!("extension_code({code})")),
                    format!("{name} names a callable by extension-registry code {code} (copyreg), which the scanner cannot resolve: plain weights never use it."),
                    PICKLE_REMEDIATION,
                );
                self.push(leaf(Val::Ext(code)))?;
            }
            b'P' => {
                let l = Self::line(src)?;
                self.record(off, name, Some(String::from_utf8_lossy(&l).into_owned()));
                let id = leaf(Val::Str(Rc::from(String::from_utf8_lossy(&l).as_ref()), false));
                let n = self.node(Val::PersId(id.clone()), &[&id], off);
                self.push(n)?;
            }
            b'Q' => {
                self.record(off, name, None);
                let id = self.pop()?;
                let n = self.node(Val::PersId(id.clone()), &[&id], off);
                self.push(n)?;
            }
            0x97 => {
                self.record(off, name, None);
                self.push(leaf(Val::Buffer))?;
            }
            0x98 => {
                self.record(off, name, None);
                self.top_mut()?;
            }
            _ => return Err(format!("unknown opcode 0x{op:02x}")),
        }
        Ok(false)
    }

    /// joblib writes each NumPy array's bytes straight into the pickle stream right after the
    /// BUILD of its `NumpyArrayWrapper` (a padding-length byte and padding first when the state
    /// names `numpy_array_alignment_bytes`); object arrays are a nested pickle instead.
    fn skip_joblib_array<S: ByteSource>(&mut self, src: &mut S, a: JoblibArray) -> Res<()> {
        if a.object {
            let mut nested = Walker::new(self.ctx, src.pos());
            let done = nested.run_inner(src);
            nested.finish();
            return done.map_err(|(_, why)| format!("in a joblib object array: {why}"));
        }
        if a.aligned {
            let pad = Self::le(src, 1)?;
            src.skip(pad).map_err(eof)?;
        }
        let bytes = a.bytes.ok_or("a joblib array whose size cannot be read from its wrapper")?;
        src.skip(bytes).map_err(eof)
    }

    fn finish(mut self) {
        for &i in self.imports.values() {
            let f = &mut self.ctx.findings[i];
            if f.chain.is_none() {
                f.chain = Some(format!("{} imported (not called directly)", f.global.as_deref().unwrap_or("?")));
            }
        }
        if let Some(mut d) = self.dis.take() {
            let flagged: std::collections::HashSet<u64> = self
                .ctx
                .findings
                .iter()
                .filter(|f| f.member == d.member)
                .filter_map(|f| f.offset)
                .collect();
            for op in &mut d.ops {
                op.flagged = flagged.contains(&op.offset);
            }
            self.ctx.disassembly.push(d);
        }
    }
}

/// What the scanner needs to step over a joblib array.
struct JoblibArray {
    object: bool,
    aligned: bool,
    bytes: Option<u64>,
}

fn dict_get<'n>(d: &'n Node, key: &str) -> Option<&'n Rc<Node>> {
    match &d.val {
        Val::Dict(kv) => kv.iter().find(|(k, _)| matches!(&k.val, Val::Str(s, false) if &**s == key)).map(|(_, v)| v),
        _ => None,
    }
}

/// If `obj` is a `joblib.numpy_pickle.NumpyArrayWrapper` instance and `state` its state dict,
/// the array's layout.
fn joblib_array(obj: &Node, state: &Node) -> Option<JoblibArray> {
    let Val::Call { func, .. } = &obj.val else { return None };
    if !matches!(&func.val, Val::Global { module, name } if &**module == "joblib.numpy_pickle" && &**name == "NumpyArrayWrapper") {
        return None;
    }
    // dtype: numpy.dtype(code, align, copy), usually followed by a BUILD of its state
    let mut dt = dict_get(state, "dtype")?;
    while let Val::Built { obj, .. } = &dt.val {
        dt = obj;
    }
    let code = match &dt.val {
        Val::Call { args, .. } => match &args.val {
            Val::Tuple(a) => match a.first().map(|c| &c.val) {
                Some(Val::Str(c, false)) => Some(c.to_string()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let object = code.as_deref().is_some_and(|c| c.trim_start_matches(['<', '>', '|', '=']).starts_with('O'));
    let count = match dict_get(state, "shape").map(|s| &s.val) {
        Some(Val::Tuple(dims)) => dims.iter().try_fold(1u64, |acc, d| match d.val {
            Val::Int(Some(v)) if v >= 0 => acc.checked_mul(v as u64),
            _ => None,
        }),
        _ => None,
    };
    let itemsize = code.as_deref().and_then(super::numpy::itemsize);
    let bytes = match (count, itemsize) {
        (Some(c), Some(i)) => c.checked_mul(i),
        _ => None,
    };
    Some(JoblibArray { object, aligned: dict_get(state, "numpy_array_alignment_bytes").is_some(), bytes })
}

/// The legacy torch magic number (`torch.serialization.MAGIC_NUMBER`, 0x1950a86a20f9469cfc6c),
/// as LONG1 stores it: little-endian two's complement.
const TORCH_MAGIC_LE: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/// Scan the pickle(s) of a `Read + Seek` source starting at `start` and ending at `end`.
pub(crate) fn scan_stream<R: Read + Seek>(ctx: &mut Ctx, reader: &mut R, start: u64, end: u64, follow: Follow) {
    if let Err(e) = reader.seek(io::SeekFrom::Start(start)) {
        ctx.unscannable(Some(start), format!("seek failed ({e})"));
        return;
    }
    let mut src = SeekSource::new(reader, start);
    walk(ctx, &mut src, end, follow);
}

/// Scan the pickle(s) of a sequential source (a zip member) of `len` bytes.
pub(crate) fn scan_read<R: Read>(ctx: &mut Ctx, reader: R, len: u64, follow: Follow) {
    let mut src = ReadSource::new(reader);
    walk(ctx, &mut src, len, follow);
}

fn walk<S: ByteSource>(ctx: &mut Ctx, src: &mut S, end: u64, follow: Follow) {
    let mut index = 0usize;
    loop {
        let start = src.pos();
        let mut w = Walker::new(ctx, start);
        let outcome = w.run(src);
        let first_value = w.torch_magic && w.stack.len() == 1;
        w.finish();
        if ctx.out_of_time(Some(src.pos())) {
            return;
        }
        if matches!(outcome, Stop::Failed) {
            return;
        }
        index += 1;
        let more = src.pos() < end && matches!(src.peek(), Ok(Some(_)));
        match follow {
            Follow::TorchLegacy => {
                // Pickles 1–5 are magic, protocol, sys info, the object, storage keys.
                if index == 1 && !first_value {
                    return; // not a legacy checkpoint: torch.load stops after this pickle
                }
                if index >= 5 || !more {
                    if index < 5 {
                        ctx.unscannable(Some(src.pos()), "the legacy checkpoint ends before its storage keys");
                    }
                    return;
                }
            }
            Follow::Trailing => {
                if !more {
                    return;
                }
                if index >= 1000 {
                    ctx.unscannable(Some(src.pos()), "more than 1000 pickles in one file");
                    return;
                }
                let next = match src.peek() {
                    Ok(Some(b)) => b,
                    _ => return, // the end of a stream of unknown length
                };
                if op_name(next).is_none() {
                    let left = if end == u64::MAX { "More".to_string() } else { format!("{}", end - src.pos()) };
                    ctx.push(
                        Severity::Low,
                        "pickle.trailing-data",
                        Some(src.pos()),
                        None,
                        None,
                        format!("{left} bytes follow the pickle's STOP and are not pickle data; a second pickle.load() on this file would read them."),
                        "Make sure nothing reads past the first pickle; prefer safetensors for weights.",
                    );
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{scan_bytes, Limits, Severity};

    fn worst(bytes: &[u8]) -> Option<Severity> {
        scan_bytes("t.pkl", bytes, &Limits::default()).worst()
    }

    #[test]
    fn plain_containers_are_clean() {
        // pickle.dumps({'a': [1, 2.0, 'x'], 'b': (None, True)}, protocol=4)
        let p = b"\x80\x04\x95#\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01G@\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94e\x8c\x01b\x94N\x88\x86\x94u.";
        assert_eq!(worst(p), None, "{:?}", scan_bytes("t.pkl", p, &Limits::default()).findings);
    }

    #[test]
    fn os_system_via_reduce_is_critical_with_chain() {
        let p = b"cos\nsystem\n(S'echo pwned'\ntR.";
        let r = scan_bytes("t.pkl", p, &Limits::default());
        let f = &r.findings[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.global.as_deref(), Some("os.system"));
        assert_eq!(f.chain.as_deref(), Some("os.system('echo pwned')"));
        assert_eq!(f.offset, Some(0));
    }

    #[test]
    fn truncated_and_garbage_are_high() {
        assert_eq!(worst(b"\x80\x04}\x94(\x8c\x01a"), Some(Severity::High));
        assert_eq!(worst(b"\x80\x04\xff"), Some(Severity::High));
        assert_eq!(worst(b"\x80\x04t."), Some(Severity::High)); // TUPLE without MARK
    }

    #[test]
    fn nesting_through_append_and_the_memo_is_bounded() {
        // memo[0] = []; 200k times: new = []; new.append(memo[0]); memo[0] = new
        let mut p = b"\x80\x02]q\x000".to_vec();
        for _ in 0..200_000 {
            p.extend_from_slice(b"]h\x00aq\x000");
        }
        p.extend_from_slice(b"h\x00.");
        let r = scan_bytes("t.pkl", &p, &Limits::default());
        assert!(r.findings.iter().any(|f| f.rule == "scan.limit"), "{:?}", r.findings);
    }

    #[test]
    fn a_spent_time_budget_ends_the_walk_with_a_finding() {
        let mut p = b"\x80\x04".to_vec();
        for _ in 0..300_000 {
            p.extend_from_slice(b"N0");
        }
        p.push(b'.');
        let r = scan_bytes("t.pkl", &p, &Limits { max_seconds: 0.0, ..Limits::default() });
        assert!(r.findings.iter().any(|f| f.rule == "scan.limit" && f.message.contains("longer than")), "{:?}", r.findings);
        assert!(scan_bytes("t.pkl", &p, &Limits::default()).findings.is_empty());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut p = b"\x80\x04".to_vec();
        p.push(b'N');
        p.extend(std::iter::repeat_n(0x85u8, 200_000)); // TUPLE1 x 200k
        p.push(b'.');
        let r = scan_bytes("t.pkl", &p, &Limits::default());
        assert_eq!(r.worst(), Some(Severity::High));
        assert!(r.findings.iter().any(|f| f.rule == "scan.limit"));
    }
}
