//! ONNX: the graph cannot run Python, but a model file can still make its loader read files
//! outside its folder (`external_data` locations that are absolute or climb out with `..`),
//! load native code (operators from custom domains need a shared library registered by the
//! user), or allocate absurd memory (declared tensor sizes). Nested graphs (If/Loop/Scan
//! bodies, functions, training graphs) are walked with a depth limit.
//!
//! Parsing uses tract-onnx's protobuf types (prost), the same decoder the model loader uses.

use std::io::Read;

use tract_onnx::pb::{GraphProto, ModelProto, NodeProto, TensorProto};
use tract_onnx::prelude::Framework;

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

struct Walk<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    depth_reported: bool,
    custom: std::collections::BTreeSet<String>,
}

impl Walk<'_, '_> {
    fn tensor(&mut self, t: &TensorProto, owner: &str) {
        let name = if t.name.is_empty() { owner.to_string() } else { t.name.clone() };
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
            Some(b) if !t.raw_data.is_empty() && t.raw_data.len() as u64 != b && t.data_type != 8 => self.ctx.push(
                Severity::High, "onnx.tensor-size", None, None, None,
                format!("Tensor {name:?} declares {b} bytes but carries {} bytes of raw data.", t.raw_data.len()), REMEDIATION),
            _ => {}
        }
        let external = t.data_location == Some(1) || !t.external_data.is_empty();
        if external {
            let loc = t.external_data.iter().find(|e| e.key == "location").map(|e| e.value.clone()).unwrap_or_default();
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
            }
        }
    }

    fn node(&mut self, n: &NodeProto, depth: usize) {
        if !KNOWN_DOMAINS.contains(&n.domain.as_str()) {
            self.custom.insert(format!("{}::{}", n.domain, n.op_type));
        }
        for a in &n.attribute {
            if let Some(t) = &a.t {
                self.tensor(t, &format!("{}.{}", n.name, a.name));
            }
            for t in &a.tensors {
                self.tensor(t, &format!("{}.{}", n.name, a.name));
            }
            if let Some(g) = &a.g {
                self.graph(g, depth + 1);
            }
            for g in &a.graphs {
                self.graph(g, depth + 1);
            }
        }
    }

    fn graph(&mut self, g: &GraphProto, depth: usize) {
        if depth > self.ctx.limits.max_nesting {
            if !self.depth_reported {
                self.depth_reported = true;
                let max = self.ctx.limits.max_nesting;
                self.ctx.push(Severity::High, "scan.limit", None, None, None,
                    format!("Graphs nest deeper than the scanner's limit ({max}); deeper subgraphs were not checked."), REMEDIATION);
            }
            return;
        }
        for t in &g.initializer {
            self.tensor(t, "initializer");
        }
        for s in &g.sparse_initializer {
            if let Some(v) = &s.values {
                self.tensor(v, "sparse initializer");
            }
        }
        for n in &g.node {
            self.node(n, depth);
        }
    }
}

pub(crate) fn scan<R: Read>(ctx: &mut Ctx, r: &mut R, len: u64) {
    if len > ctx.limits.max_in_memory {
        let max = ctx.limits.max_in_memory;
        ctx.push(Severity::High, "scan.limit", None, None, None,
            format!("The ONNX file is {len} bytes, more than the scanner reads into memory ({max}); it was not checked."), REMEDIATION);
        return;
    }
    let mut bytes = Vec::with_capacity(len as usize);
    if let Err(e) = r.take(len).read_to_end(&mut bytes) {
        ctx.unscannable(None, format!("read error ({e})"));
        return;
    }
    let model: ModelProto = match tract_onnx::onnx().proto_model_for_read(&mut bytes.as_slice()) {
        Ok(m) => m,
        Err(e) => {
            ctx.unscannable(None, format!("not a valid ONNX protobuf ({e})"));
            return;
        }
    };
    drop(bytes);
    let mut w = Walk { ctx, depth_reported: false, custom: Default::default() };
    for o in &model.opset_import {
        if !KNOWN_DOMAINS.contains(&o.domain.as_str()) {
            w.custom.insert(format!("{}::*", o.domain));
        }
    }
    match &model.graph {
        Some(g) => w.graph(g, 0),
        None => w.ctx.unscannable(None, "the model has no graph"),
    }
    for f in &model.functions {
        for n in &f.node {
            w.node(n, 1);
        }
    }
    for t in &model.training_info {
        for g in [&t.initialization, &t.algorithm].into_iter().flatten() {
            w.graph(g, 1);
        }
    }
    let custom: Vec<String> = w.custom.iter().filter(|c| !c.ends_with("::*") || !w.custom.iter().any(|o| o.starts_with(c.trim_end_matches('*')) && o != *c)).cloned().collect();
    if !custom.is_empty() {
        let list = custom.join(", ");
        w.ctx.push(Severity::Medium, "onnx.custom-op", None, None, Some(list.clone()),
            format!("Uses operators from custom domains ({list}): running it needs a native operator library, which is code you must trust."),
            REMEDIATION);
    }
}
