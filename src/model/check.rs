//! The one gate every ONNX file passes before either engine (tract, or the differentiable `nn`)
//! builds anything from it. A file that either engine would refuse, crash on or exhaust memory
//! with is refused here, with a sentence, before any allocation that its contents size:
//!
//! | check | limit |
//! |---|---|
//! | file size | 1 byte ..= [`MAX_MODEL_BYTES`] |
//! | graph | one graph, ≤ [`MAX_NODES`] nodes in topological order, one image input, one output that a node computes, of shape [1, classes ≥ 2] for one image |
//! | declared input | absent, or `[N, 3, 32, 32]` float (`N` symbolic or ≥ 1) |
//! | weights | float32/int64 tensors hold what their dims declare; every float is finite |
//! | windows (Conv, pools) | kernel, stride, dilation in 1 ..= [`MAX_WINDOW`]; pads in 0 ..= [`MAX_WINDOW`]; group ≥ 1 |
//! | Conv | `kernel_shape` = the weight's spatial dims; groups divide the output channels; bias = one value per output channel |
//! | BatchNormalization | scale, bias, mean, variance: vectors of one length |
//! | intermediate values | ≤ [`MAX_ACTIVATION_BYTES`] for one image, from tract's shapes (computed, never allocated) |
//!
//! The bounds are far above what a 32×32 classifier needs (the committed ResNet-9: 29 nodes,
//! windows ≤ 4, 1.2 MB of intermediate values for one image) and far below what a browser tab
//! survives.

use super::onnx::INPUT_SIDE;
use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};
use tract_onnx::pb::{tensor_shape_proto::dimension, type_proto, GraphProto, ModelProto, NodeProto, TensorProto};
use tract_onnx::prelude::*;

/// Largest ONNX file accepted, in bytes. Our models are ~2 MB; this leaves room for uploads
/// while refusing files that would exhaust a browser tab's memory.
pub const MAX_MODEL_BYTES: usize = 64 * 1024 * 1024;

/// Most nodes a graph may have (a 20,000-node chain of identities took 1.2 GB in tract).
pub const MAX_NODES: usize = 1_000;

/// Largest kernel, stride, dilation or pad of a Conv or pooling window, in pixels.
pub const MAX_WINDOW: i64 = 64;

/// Most bytes the graph's computed (non-constant) values may take for one image.
pub const MAX_ACTIVATION_BYTES: usize = 128 * 1024 * 1024;

/// A file that passed every check: its protobuf, its op list, and tract's typed graph for one
/// `[1, 3, 32, 32]` image (not yet optimised).
pub struct Checked {
    pub proto: ModelProto,
    pub typed: TypedModel,
    /// ONNX operation types (sorted, unique; `domain:op` outside the default domain).
    pub ops: Vec<String>,
}

/// Check `bytes` as an image classifier's ONNX file (the table above).
pub fn check(bytes: &[u8]) -> Result<Checked> {
    if bytes.is_empty() {
        return Err(Error::Model("the file is empty".into()));
    }
    if bytes.len() > MAX_MODEL_BYTES {
        return Err(Error::Model(format!(
            "the file is {:.1} MB; the limit is {} MB",
            bytes.len() as f64 / 1048576.0,
            MAX_MODEL_BYTES / 1048576
        )));
    }
    let onnx = tract_onnx::onnx();
    let proto = guard(|| {
        let mut reader = bytes;
        onnx.proto_model_for_read(&mut reader).map_err(|e| Error::Model(format!("not a valid ONNX model ({})", root_cause(&e))))
    })?;
    let graph = proto.graph.as_ref().ok_or_else(|| Error::Model("the file holds no graph".into()))?;
    structure(graph)?;
    let ops = {
        let mut v: Vec<String> = graph.node.iter().map(op_name).collect();
        v.sort();
        v.dedup();
        v
    };
    let typed = guard(|| {
        let model = onnx
            .model_for_proto_model(&proto)
            .map_err(|e| Error::Model(format!("the ONNX graph could not be read ({})", root_cause(&e))))?;
        model
            .with_input_fact(0, f32::fact([1, 3, INPUT_SIDE, INPUT_SIDE]).into())
            .and_then(|m| m.into_typed())
            .map_err(|e| {
                Error::Model(format!(
                    "the graph does not accept a [N, 3, 32, 32] float input or uses an unsupported operation ({})",
                    root_cause(&e)
                ))
            })
    })?;
    budget(&typed)?;
    logits_shape(&typed)?;
    Ok(Checked { proto, typed, ops })
}

fn op_name(n: &NodeProto) -> String {
    if n.domain.is_empty() || n.domain == "ai.onnx" {
        n.op_type.clone()
    } else {
        format!("{}:{}", n.domain, n.op_type)
    }
}

fn node_name(n: &NodeProto) -> String {
    if n.name.is_empty() {
        n.op_type.clone()
    } else {
        format!("{} ({})", n.name, n.op_type)
    }
}

/// Everything that can be checked on the protobuf alone.
fn structure(g: &GraphProto) -> Result<()> {
    if g.node.len() > MAX_NODES {
        return Err(Error::Model(format!("the graph has {} nodes; the limit is {MAX_NODES}", g.node.len())));
    }
    if !g.sparse_initializer.is_empty() {
        return Err(Error::Model("sparse initializers are not supported".into()));
    }
    let inits: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    for t in &g.initializer {
        tensor(t)?;
    }
    let inputs: Vec<_> = g.input.iter().filter(|i| !inits.contains(i.name.as_str())).collect();
    if inputs.len() != 1 {
        return Err(Error::Model(format!("the model must have exactly one image input, found {}", inputs.len())));
    }
    declared_input(inputs[0])?;
    if g.output.len() != 1 {
        return Err(Error::Model(format!("the model must have exactly one output (the logits), found {}", g.output.len())));
    }
    // ranks where they follow from the input's 4 and the constants' dims (axis checks below)
    let mut ranks: HashMap<String, usize> = g.initializer.iter().map(|t| (t.name.clone(), t.dims.len())).collect();
    ranks.insert(inputs[0].name.clone(), 4);
    let mut known: HashSet<&str> = inits.clone();
    known.insert(inputs[0].name.as_str());
    for n in &g.node {
        let name = node_name(n);
        for i in n.input.iter().filter(|i| !i.is_empty()) {
            if !known.contains(i.as_str()) {
                return Err(Error::Model(format!("{name} reads `{i}`, which no earlier node computes")));
            }
        }
        if n.output.is_empty() || n.output.iter().any(|o| o.is_empty()) {
            return Err(Error::Model(format!("{name} has an unnamed or missing output")));
        }
        for a in &n.attribute {
            if let Some(t) = &a.t {
                tensor(t)?;
            }
            for t in &a.tensors {
                tensor(t)?;
            }
            if a.g.is_some() || !a.graphs.is_empty() {
                return Err(Error::Model(format!("{name}: subgraphs (If, Loop, Scan) are not supported")));
            }
        }
        node(g, n, &name)?;
        axes(n, &name, &mut ranks)?;
        known.extend(n.output.iter().map(|s| s.as_str()));
    }
    let out = &g.output[0].name;
    if !g.node.iter().any(|n| n.output.contains(out)) {
        return Err(Error::Model(format!("the graph output `{out}` is never computed")));
    }
    Ok(())
}

/// The declared input, where the file declares one: `[N, 3, 32, 32]` float.
fn declared_input(i: &tract_onnx::pb::ValueInfoProto) -> Result<()> {
    let Some(type_proto::Value::TensorType(t)) = i.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Ok(());
    };
    if t.elem_type != 0 && t.elem_type != 1 {
        return Err(Error::Model(format!("the input `{}` must be float32 (ONNX type 1), got type {}", i.name, t.elem_type)));
    }
    let Some(shape) = &t.shape else { return Ok(()) };
    let dims: Vec<Option<i64>> = shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(dimension::Value::DimValue(v)) => Some(*v),
            _ => None,
        })
        .collect();
    let want = [None, Some(3), Some(INPUT_SIDE as i64), Some(INPUT_SIDE as i64)];
    let shown = || dims.iter().map(|d| d.map_or("?".to_string(), |v| v.to_string())).collect::<Vec<_>>().join(", ");
    let fits = dims.len() == 4
        && dims.iter().zip(want).all(|(d, w)| match (d, w) {
            (Some(d), Some(w)) => *d == w,
            (Some(d), None) => *d >= 1,
            (None, _) => true,
        });
    if !fits {
        return Err(Error::Model(format!(
            "the input `{}` is declared as [{}]; the lab's models take [N, 3, 32, 32] RGB images",
            i.name,
            shown()
        )));
    }
    Ok(())
}

/// A constant's dims and length; every float finite.
fn tensor(t: &TensorProto) -> Result<()> {
    let name = &t.name;
    if t.dims.iter().any(|&d| d < 0) {
        return Err(Error::Model(format!("tensor `{name}` has a negative dimension")));
    }
    let len = t
        .dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d as usize))
        .filter(|&l| l <= MAX_MODEL_BYTES)
        .ok_or_else(|| Error::Model(format!("tensor `{name}` declares more values than the file can hold")))?;
    // tract loads raw data of these types only (others reach an `unimplemented!`: the fuzzer's
    // fifth find); the lab's models need numbers and booleans, nothing else
    const LOADABLE: [i32; 12] = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13];
    if !LOADABLE.contains(&t.data_type) {
        return Err(Error::Model(format!(
            "tensor `{name}` has ONNX data type {}; the lab's models hold numbers (float, double, half, signed and unsigned integers) or booleans",
            t.data_type
        )));
    }
    let (held, finite) = match t.data_type {
        1 if !t.raw_data.is_empty() => {
            if t.raw_data.len() % 4 != 0 {
                return Err(Error::Model(format!("tensor `{name}` holds {} bytes, not a whole number of float32 values", t.raw_data.len())));
            }
            (t.raw_data.len() / 4, t.raw_data.chunks_exact(4).all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite()))
        }
        1 => (t.float_data.len(), t.float_data.iter().all(|v| v.is_finite())),
        7 if !t.raw_data.is_empty() => (t.raw_data.len() / 8, true),
        7 => (t.int64_data.len(), true),
        _ => (len, true),
    };
    if t.data_location == Some(1) || !t.external_data.is_empty() {
        return Err(Error::Model(format!("tensor `{name}` keeps its data in an external file, which the browser cannot read")));
    }
    if held != len {
        return Err(Error::Model(format!("tensor `{name}` declares {len} values but holds {held}")));
    }
    if !finite {
        return Err(Error::Model(format!("tensor `{name}` holds NaN or infinite weights")));
    }
    Ok(())
}

fn ints<'a>(n: &'a NodeProto, key: &str) -> Option<&'a [i64]> {
    n.attribute.iter().find(|a| a.name == key).map(|a| a.ints.as_slice())
}

fn init<'a>(g: &'a GraphProto, n: &NodeProto, i: usize) -> Option<&'a TensorProto> {
    let name = n.input.get(i).filter(|s| !s.is_empty())?;
    g.initializer.iter().find(|t| &t.name == name)
}

/// Inputs an operation needs at least (tract's shape rules index them unchecked: the fuzzer
/// found a Flatten whose input list was empty). Operations not listed need one.
fn min_inputs(op: &str) -> usize {
    match op {
        "Constant" | "RandomNormal" | "RandomUniform" => 0,
        "BatchNormalization" => 5,
        "Where" => 3,
        "Conv" | "ConvTranspose" | "Gemm" | "MatMul" | "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Reshape" | "Gather" | "Equal" | "Less"
        | "Greater" | "PRelu" | "Expand" | "Tile" => 2,
        _ => 1,
    }
}

/// Per-operation attribute checks (windows, Conv weights and bias, BatchNormalization vectors).
fn node(g: &GraphProto, n: &NodeProto, name: &str) -> Result<()> {
    let given = n.input.iter().take_while(|i| !i.is_empty()).count();
    let need = min_inputs(&n.op_type);
    if given < need {
        return Err(Error::Model(format!("{name} has {given} input(s); it needs at least {need}")));
    }
    let windowed = matches!(n.op_type.as_str(), "Conv" | "ConvTranspose" | "MaxPool" | "AveragePool" | "LpPool");
    if windowed {
        let range = |key: &str, lo: i64| -> Result<()> {
            if let Some(v) = ints(n, key) {
                if let Some(bad) = v.iter().find(|&&x| x < lo || x > MAX_WINDOW) {
                    return Err(Error::Model(format!("{name}: {key} {v:?} holds {bad}; each must be in {lo}..={MAX_WINDOW}")));
                }
            }
            Ok(())
        };
        range("kernel_shape", 1)?;
        range("strides", 1)?;
        range("dilations", 1)?;
        range("pads", 0)?;
        // one entry per spatial axis in each list (pads: a begin and an end each); tract
        // indexes them by axis unchecked (the fuzzer's fourth find: an empty `strides`)
        let mut axes: Option<(&str, usize)> = None;
        for key in ["kernel_shape", "strides", "dilations", "pads"] {
            let Some(v) = ints(n, key) else { continue };
            let per = if key == "pads" { 2 } else { 1 };
            if v.is_empty() || v.len() % per != 0 {
                return Err(Error::Model(format!("{name}: {key} {v:?} must give {} for each spatial axis", if per == 2 { "a begin and an end" } else { "one value" })));
            }
            let count = v.len() / per;
            match axes {
                Some((first, k)) if k != count => {
                    return Err(Error::Model(format!("{name}: {key} is for {count} spatial axes but {first} for {k}")));
                }
                _ => axes = Some((key, count)),
            }
        }
        if let (Some((key, k)), Some(w)) = (axes, init(g, n, 1).filter(|_| n.op_type.starts_with("Conv"))) {
            if w.dims.len() >= 3 && w.dims.len() - 2 != k {
                return Err(Error::Model(format!("{name}: {key} is for {k} spatial axes but the weight has {}", w.dims.len() - 2)));
            }
        }
        if matches!(n.op_type.as_str(), "MaxPool" | "AveragePool" | "LpPool") && ints(n, "kernel_shape").is_none() {
            return Err(Error::Model(format!("{name} has no kernel_shape")));
        }
    }
    match n.op_type.as_str() {
        "Conv" | "ConvTranspose" => {
            let group = n.attribute.iter().find(|a| a.name == "group").map_or(1, |a| a.i);
            if group < 1 {
                return Err(Error::Model(format!("{name}: group {group}; it must be at least 1")));
            }
            if let Some(w) = init(g, n, 1) {
                if w.dims.len() < 3 {
                    return Err(Error::Model(format!("{name}: the weight has shape {:?}; a convolution's weight is [out, in/group, kH, kW]", w.dims)));
                }
                if let Some(k) = ints(n, "kernel_shape") {
                    if k != &w.dims[2..] {
                        return Err(Error::Model(format!("{name}: kernel_shape {k:?} disagrees with the weight's {:?}", &w.dims[2..])));
                    }
                }
                let out = if n.op_type == "Conv" { w.dims[0] } else { w.dims[1] * group };
                if n.op_type == "Conv" && out % group != 0 {
                    return Err(Error::Model(format!("{name}: {out} output channels do not split into {group} groups")));
                }
                if let Some(b) = init(g, n, 2) {
                    if b.dims.len() != 1 || b.dims[0] != out {
                        return Err(Error::Model(format!("{name}: the bias has shape {:?}; it must hold one value per output channel ({out})", b.dims)));
                    }
                }
            }
        }
        "BatchNormalization" => {
            let shapes: Vec<&[i64]> = (1..5).filter_map(|i| init(g, n, i)).map(|t| t.dims.as_slice()).collect();
            if shapes.iter().any(|s| s.len() != 1 || s[0] == 0 || s[0] != shapes[0][0]) {
                return Err(Error::Model(format!(
                    "{name}: BatchNormalization's scale, bias, mean and variance must be vectors of one length (got {shapes:?})"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Axis attributes against the rank of the value they index, where the rank is known, and the
/// rank of each output. tract's shape inference indexes shapes by these attributes unchecked
/// (the fuzzer found `Flatten` with axis 9 on a rank-4 value: a panic natively caught, a trap in
/// the browser; and a BatchNormalization of a 1-D value: an out-of-bounds read in release), so
/// they are checked here first. Where a rank is unknown (an operation not followed here) the
/// check is skipped: tract's own rules then decide.
fn axes(n: &NodeProto, name: &str, ranks: &mut HashMap<String, usize>) -> Result<()> {
    let rank = |i: usize| n.input.get(i).and_then(|v| ranks.get(v)).copied();
    let attr_i = |key: &str| n.attribute.iter().find(|a| a.name == key).map(|a| a.i);
    let attr_ints = |key: &str| n.attribute.iter().find(|a| a.name == key).map(|a| a.ints.clone());
    let within = |key: &str, v: i64, r: usize, inclusive: bool| -> Result<()> {
        let r = r as i64;
        let hi = if inclusive { r } else { r - 1 };
        if v < -r || v > hi {
            return Err(Error::Model(format!("{name}: {key} {v} is outside the {r}-dimensional input's axes")));
        }
        Ok(())
    };
    let r0 = rank(0);
    // operations that read a data format (N, C, spatial axes) index the shape unchecked in
    // tract (`get_unchecked`): a BatchNormalization fed a 1-D weight read out of bounds
    let least = match n.op_type.as_str() {
        "BatchNormalization" => 2,
        "Conv" | "ConvTranspose" | "MaxPool" | "AveragePool" | "LpPool" | "GlobalAveragePool" | "GlobalMaxPool" | "InstanceNormalization" | "LRN" => 3,
        _ => 0,
    };
    if let Some(r) = r0.filter(|&r| r < least) {
        return Err(Error::Model(format!("{name} needs an input with at least {least} axes (N, C, …), got {r}")));
    }
    // a window's lists have one entry per spatial axis of the input (pads two)
    if let (Some(r), true) = (r0, matches!(n.op_type.as_str(), "Conv" | "ConvTranspose" | "MaxPool" | "AveragePool" | "LpPool")) {
        for (key, per) in [("kernel_shape", 1), ("strides", 1), ("dilations", 1), ("pads", 2), ("output_padding", 1)] {
            if let Some(v) = attr_ints(key).filter(|v| v.len() != per * (r - 2)) {
                return Err(Error::Model(format!("{name}: {key} {v:?} does not fit the input's {} spatial axes", r - 2)));
            }
        }
    }
    let out: Option<usize> = match n.op_type.as_str() {
        "Identity" | "Dropout" | "Relu" | "LeakyRelu" | "Sigmoid" | "Tanh" | "Elu" | "Selu" | "HardSigmoid" | "Clip" | "Neg" | "Abs" | "Exp" | "Log"
        | "Sqrt" | "BatchNormalization" | "Conv" | "ConvTranspose" | "MaxPool" | "AveragePool" | "LpPool" | "GlobalAveragePool" | "GlobalMaxPool" | "Cast"
        | "Pad" | "Slice" | "Resize" | "Upsample" | "InstanceNormalization" | "LRN" => r0,
        op if UNARY.contains(&op) => r0,
        "Softmax" | "LogSoftmax" | "Hardmax" => {
            match (r0, attr_i("axis")) {
                (Some(r), Some(a)) => within("axis", a, r, false)?,
                (None, Some(_)) => return Err(unknown_rank(name, &n.op_type)),
                _ => {}
            }
            r0
        }
        "Flatten" => {
            // the fuzzer's sixth find: a Flatten with axis 120 behind a Sinh, whose rank the
            // gate did not follow, so the axis went unchecked into tract
            let r = r0.ok_or_else(|| unknown_rank(name, "Flatten"))?;
            within("axis", attr_i("axis").unwrap_or(1), r, true)?;
            Some(2)
        }
        "Concat" => {
            let rs: Vec<Option<usize>> = (0..n.input.len()).map(rank).collect();
            match (rs.first().copied().flatten(), attr_i("axis")) {
                (Some(r), Some(a)) => within("axis", a, r, false)?,
                (None, Some(_)) => return Err(unknown_rank(name, "Concat")),
                _ => {}
            }
            rs.first().copied().flatten()
        }
        "Transpose" => {
            if let (Some(r), Some(p)) = (r0, attr_ints("perm")) {
                let mut sorted = p.clone();
                sorted.sort();
                if sorted != (0..r as i64).collect::<Vec<_>>() {
                    return Err(Error::Model(format!("{name}: perm {p:?} is not a permutation of the {r} axes")));
                }
            }
            r0
        }
        "Gather" | "Split" | "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1" | "ReduceL2" | "ReduceLogSumExp" | "ReduceSumSquare" | "ArgMax" | "ArgMin" | "Squeeze" | "Unsqueeze" => {
            let grows = n.op_type == "Unsqueeze";
            let listed = attr_ints("axes").unwrap_or_default();
            match r0 {
                Some(r) => {
                    let count = if grows { r + listed.len() } else { r };
                    for a in listed.iter().copied().chain(attr_i("axis")) {
                        within("axis", a, count, false)?;
                    }
                    let keep = attr_i("keepdims").unwrap_or(1) != 0;
                    match n.op_type.as_str() {
                        "Unsqueeze" if n.input.len() == 1 => Some(count),
                        "Squeeze" if n.input.len() == 1 && !listed.is_empty() => Some(r - listed.len().min(r)),
                        "Split" => Some(r),
                        "ArgMax" | "ArgMin" => Some(if keep { r } else { r.saturating_sub(1) }),
                        op if op.starts_with("Reduce") && n.input.len() == 1 => Some(if keep { r } else if listed.is_empty() { 0 } else { r - listed.len().min(r) }),
                        "Gather" => rank(1).map(|q| (r + q).saturating_sub(1)),
                        _ => None,
                    }
                }
                // tract indexes the input's shape by these attributes: unchecked, they must not pass
                None if !listed.is_empty() || attr_i("axis").is_some() => return Err(unknown_rank(name, &n.op_type)),
                None => None,
            }
        }
        op if BROADCAST.contains(&op) => (0..n.input.len()).map(rank).collect::<Option<Vec<_>>>().and_then(|v| v.into_iter().max()),
        "Gemm" => Some(2),
        _ => None,
    };
    for o in &n.output {
        match out {
            Some(r) => ranks.insert(o.clone(), r),
            None => ranks.remove(o),
        };
    }
    if n.op_type == "Constant" {
        if let Some(t) = n.attribute.iter().find(|a| a.name == "value").and_then(|a| a.t.as_ref()) {
            if let Some(o) = n.output.first() {
                ranks.insert(o.clone(), t.dims.len());
            }
        }
    }
    Ok(())
}

/// Elementwise operations of one input: the output has the input's rank.
const UNARY: [&str; 33] = [
    "Sinh", "Cosh", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Asinh", "Acosh", "Atanh", "Erf", "Floor", "Ceil", "Round", "Sign", "Reciprocal", "Not",
    "Softplus", "Softsign", "HardSwish", "Mish", "Gelu", "IsNaN", "IsInf", "ThresholdedRelu", "Celu", "Shrink", "Dropout", "Identity", "Relu", "Sigmoid", "Tanh",
];
/// Elementwise operations that broadcast their inputs: the output has the largest rank.
const BROADCAST: [&str; 21] = [
    "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "And", "Or", "Xor", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Mod", "BitShift", "Where", "PRelu",
];

fn unknown_rank(name: &str, op: &str) -> Error {
    Error::Model(format!("{name}: the gate cannot check this {op}'s axes, because the rank of its input is not known here (it comes through an operation the gate does not follow)"))
}

/// The computed values' bytes for one image, from tract's typed shapes.
/// For one image the output must be one row of at least two class scores: a graph that folds
/// the batch into its rows (a Reshape or Flatten on the wrong axis) would answer for images it
/// was not given (a fuzz find: 96 rows for one image, which the `nn` engine then copied out of
/// bounds).
fn logits_shape(typed: &TypedModel) -> Result<()> {
    let fact = typed
        .output_outlets()
        .ok()
        .and_then(|o| o.first().copied())
        .and_then(|o| typed.outlet_fact(o).ok())
        .ok_or_else(|| Error::Model("the graph has no output".into()))?;
    match fact.shape.as_concrete() {
        Some(&[1, c]) if c >= 2 => Ok(()),
        Some(s) => Err(Error::Model(format!("the model must answer one row of class scores an image ([1, classes] for one image); it gives {s:?}"))),
        None => Err(Error::Model("the output's shape does not follow from a [1, 3, 32, 32] input".into())),
    }
}

fn budget(typed: &TypedModel) -> Result<()> {
    let mut total: usize = 0;
    for node in typed.nodes() {
        for o in &node.outputs {
            if o.fact.konst.is_some() {
                continue;
            }
            let Some(shape) = o.fact.shape.as_concrete() else { continue };
            let bytes = shape
                .iter()
                .try_fold(o.fact.datum_type.size_of(), |a, &d| a.checked_mul(d))
                .unwrap_or(usize::MAX);
            total = total.saturating_add(bytes);
        }
    }
    if total > MAX_ACTIVATION_BYTES {
        return Err(Error::Model(format!(
            "the graph's intermediate values would take {} MB for one 32×32 image; the limit is {} MB",
            total / 1048576,
            MAX_ACTIVATION_BYTES / 1048576
        )));
    }
    Ok(())
}

pub(super) fn root_cause(e: &TractError) -> String {
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    chain.join(": ")
}

/// Run `f`, turning a panic inside tract into an error on native targets. (On wasm32 a panic
/// traps the instance; the page's worker client restarts the worker and reports it. The checks
/// above exist so that no known input gets that far.)
pub(super) fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(_) => Err(Error::Model("the ONNX runtime failed on this model (internal panic)".into())),
        }
    }
    #[cfg(target_arch = "wasm32")]
    {
        f()
    }
}

/// Read a model file through the size cap: a FIFO, a device or a directory is refused before
/// reading, and no more than [`MAX_MODEL_BYTES`] + 1 bytes are ever read.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(shown.clone(), e))?;
    if !meta.is_file() {
        return Err(Error::Model(format!("{shown} is not a regular file")));
    }
    if meta.len() > MAX_MODEL_BYTES as u64 {
        return Err(Error::Model(format!(
            "{shown} is {:.1} MB; the limit is {} MB",
            meta.len() as f64 / 1048576.0,
            MAX_MODEL_BYTES / 1048576
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_MODEL_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io(shown.clone(), e))?;
    if bytes.len() > MAX_MODEL_BYTES {
        return Err(Error::Model(format!("{shown} grew past the {} MB limit while being read", MAX_MODEL_BYTES / 1048576)));
    }
    Ok(bytes)
}
