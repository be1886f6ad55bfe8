//! Build a [`Network`] from an ONNX file: tract's protobuf reader parses the bytes; this
//! module maps nodes and initializers onto `nn` layers.

use super::{ops::Window, Network, Node, Op, Param};
use crate::error::{Error, Result};
use crate::model::onnx::INPUT_SIDE;
use ndarray::{ArrayD, IxDyn};
use std::collections::HashMap;
use tract_onnx::pb::{AttributeProto, NodeProto, TensorProto};

/// A constant: an initializer or a `Constant` node's value.
enum Const {
    F32(ArrayD<f32>),
    I64(Vec<i64>),
}

fn tensor(t: &TensorProto) -> Result<Const> {
    if t.data_location == Some(1) || !t.external_data.is_empty() {
        return Err(Error::Model(format!("tensor `{}` keeps its data in an external file, which the browser cannot read", t.name)));
    }
    let dims: Vec<usize> = t.dims.iter().map(|&d| usize::try_from(d)).collect::<std::result::Result<_, _>>().map_err(|_| Error::Model(format!("tensor `{}` has a negative dimension", t.name)))?;
    let len = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| Error::Model(format!("tensor `{}` is absurdly large", t.name)))?;
    match t.data_type {
        1 => {
            let data: Vec<f32> = if !t.raw_data.is_empty() {
                t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
            } else {
                t.float_data.clone()
            };
            if data.len() != len {
                return Err(Error::Model(format!("tensor `{}` declares {len} values but holds {}", t.name, data.len())));
            }
            Ok(Const::F32(ArrayD::from_shape_vec(IxDyn(&dims), data).map_err(|e| Error::Model(e.to_string()))?))
        }
        7 => {
            let data: Vec<i64> = if !t.raw_data.is_empty() {
                t.raw_data.chunks_exact(8).map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])).collect()
            } else {
                t.int64_data.clone()
            };
            if data.len() != len {
                return Err(Error::Model(format!("tensor `{}` declares {len} values but holds {}", t.name, data.len())));
            }
            Ok(Const::I64(data))
        }
        other => Err(Error::Model(format!("tensor `{}` has data type {other}; only float32 weights and int64 shapes are supported", t.name))),
    }
}

fn attr<'a>(n: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

fn ints(n: &NodeProto, name: &str) -> Option<Vec<usize>> {
    attr(n, name).map(|a| a.ints.iter().map(|&v| v.max(0) as usize).collect())
}

fn int(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map(|a| a.i).unwrap_or(default)
}

fn float(n: &NodeProto, name: &str, default: f32) -> f32 {
    attr(n, name).map(|a| a.f).unwrap_or(default)
}

fn window(n: &NodeProto, kernel: Option<(usize, usize)>) -> Result<Window> {
    let name = &n.op_type;
    let k = match ints(n, "kernel_shape") {
        Some(k) if k.len() == 2 => (k[0], k[1]),
        Some(k) => return Err(Error::Model(format!("{name}: only 2-D kernels are supported, got {k:?}"))),
        None => kernel.ok_or_else(|| Error::Model(format!("{name} has no kernel_shape")))?,
    };
    let stride = match ints(n, "strides") {
        Some(s) if s.len() == 2 => (s[0], s[1]),
        None => (1, 1),
        Some(s) => return Err(Error::Model(format!("{name}: strides {s:?}"))),
    };
    let pads = match ints(n, "pads") {
        Some(p) if p.len() == 4 => (p[0], p[1], p[2], p[3]),
        None => (0, 0, 0, 0),
        Some(p) => return Err(Error::Model(format!("{name}: pads {p:?}"))),
    };
    if let Some(d) = ints(n, "dilations") {
        if d.iter().any(|&v| v != 1) {
            return Err(Error::Model(format!("{name}: dilated kernels are not supported by the differentiable engine")));
        }
    }
    if let Some(a) = attr(n, "auto_pad") {
        let s = String::from_utf8_lossy(&a.s);
        if s != "NOTSET" && s != "VALID" {
            return Err(Error::Model(format!("{name}: auto_pad {s} is not supported by the differentiable engine")));
        }
    }
    if int(n, "ceil_mode", 0) != 0 {
        return Err(Error::Model(format!("{name}: ceil_mode is not supported by the differentiable engine")));
    }
    if k.0 == 0 || k.1 == 0 || stride.0 == 0 || stride.1 == 0 {
        return Err(Error::Model(format!("{name}: zero kernel or stride")));
    }
    Ok(Window { kernel: k, stride, pads })
}

/// Ops the engine mirrors (for the error message).
pub const SUPPORTED: &[&str] = &[
    "Conv", "BatchNormalization", "Relu", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Flatten", "Reshape", "Gemm", "MatMul", "Identity", "Dropout", "Constant",
];

pub(super) fn build(bytes: &[u8]) -> Result<Network> {
    // The shared gate: what tract refuses (or would exhaust memory on), `nn` refuses too.
    let checked = crate::model::check::check(bytes)?;
    drop(checked.typed);
    let proto = checked.proto;
    let graph = proto.graph.as_ref().ok_or_else(|| Error::Model("the file holds no graph".into()))?;

    let unsupported: Vec<String> = {
        let mut v: Vec<String> = graph
            .node
            .iter()
            .filter(|n| !(n.domain.is_empty() || n.domain == "ai.onnx") || !SUPPORTED.contains(&n.op_type.as_str()))
            .map(|n| if n.domain.is_empty() { n.op_type.clone() } else { format!("{}:{}", n.domain, n.op_type) })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if !unsupported.is_empty() {
        return Err(Error::Model(format!(
            "the differentiable engine does not support the operation{} {}; this model still runs in tract for black-box attacks and estimated-gradient white-box attacks",
            if unsupported.len() > 1 { "s" } else { "" },
            unsupported.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        )));
    }

    let mut consts: HashMap<String, Const> = HashMap::new();
    for t in &graph.initializer {
        consts.insert(t.name.clone(), tensor(t)?);
    }
    let inputs: Vec<&str> = graph.input.iter().map(|i| i.name.as_str()).filter(|n| !consts.contains_key(*n)).collect();
    if inputs.len() != 1 {
        return Err(Error::Model(format!("the model must have exactly one image input, found {}", inputs.len())));
    }
    let out_name = graph.output.first().map(|o| o.name.clone()).ok_or_else(|| Error::Model("the graph declares no output".into()))?;

    let mut ids: HashMap<String, usize> = HashMap::new();
    ids.insert(inputs[0].to_string(), 0);
    let mut values = 1usize;
    let mut params: Vec<Param> = Vec::new();
    let mut param_ids: HashMap<String, usize> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();

    for n in &graph.node {
        let name = if n.name.is_empty() { n.op_type.clone() } else { format!("{} ({})", n.name, n.op_type) };
        if n.op_type == "Constant" {
            let t = attr(n, "value").and_then(|a| a.t.as_ref()).ok_or_else(|| Error::Model(format!("{name}: only tensor-valued Constant nodes are supported")))?;
            let out = n.output.first().ok_or_else(|| Error::Model(format!("{name} has no output")))?;
            consts.insert(out.clone(), tensor(t)?);
            continue;
        }
        let mut param = |pname: &str, trainable: bool| -> Result<usize> {
            if let Some(&i) = param_ids.get(pname) {
                return Ok(i);
            }
            match consts.get(pname) {
                Some(Const::F32(a)) => {
                    params.push(Param { name: pname.to_string(), value: a.clone(), trainable });
                    param_ids.insert(pname.to_string(), params.len() - 1);
                    Ok(params.len() - 1)
                }
                Some(Const::I64(_)) => Err(Error::Model(format!("{name}: `{pname}` must be a float tensor"))),
                None => Err(Error::Model(format!("{name}: `{pname}` must be a constant weight for the differentiable engine"))),
            }
        };
        let value = |vname: &str| -> Result<usize> {
            ids.get(vname).copied().ok_or_else(|| Error::Model(format!("{name} reads `{vname}`, which no earlier node computes")))
        };
        let input = |i: usize| -> Result<&str> {
            n.input.get(i).map(|s| s.as_str()).filter(|s| !s.is_empty()).ok_or_else(|| Error::Model(format!("{name} is missing input {i}")))
        };
        let opt_input = |i: usize| -> Option<&str> { n.input.get(i).map(|s| s.as_str()).filter(|s| !s.is_empty()) };
        let (op, ins): (Op, Vec<usize>) = match n.op_type.as_str() {
            "Conv" => {
                let w = param(input(1)?, true)?;
                let b = match opt_input(2) { Some(b) => Some(param(b, true)?), None => None };
                let wshape = params[w].value.shape().to_vec();
                if wshape.len() != 4 {
                    return Err(Error::Model(format!("{name}: only 2-D convolutions are supported")));
                }
                let group = int(n, "group", 1).max(1) as usize;
                if !wshape[0].is_multiple_of(group) {
                    return Err(Error::Model(format!("{name}: {} output channels do not split into {group} groups", wshape[0])));
                }
                (Op::Conv { w, b, win: window(n, Some((wshape[2], wshape[3])))?, group }, vec![value(input(0)?)?])
            }
            "BatchNormalization" => {
                let scale = param(input(1)?, true)?;
                let bias = param(input(2)?, true)?;
                let mean = param(input(3)?, false)?;
                let var = param(input(4)?, false)?;
                // The kernels index all four by channel: one length for all, one dimension each.
                let shapes: Vec<&[usize]> = [scale, bias, mean, var].iter().map(|&i| params[i].value.shape()).collect();
                if shapes.iter().any(|s| s.len() != 1 || s[0] == 0 || s[0] != shapes[0][0]) {
                    return Err(Error::Model(format!(
                        "{name}: BatchNormalization's scale, bias, mean and variance must be vectors of one length (got {shapes:?})"
                    )));
                }
                (Op::BatchNorm { scale, bias, mean, var, eps: float(n, "epsilon", 1e-5) }, vec![value(input(0)?)?])
            }
            "Relu" => (Op::Relu, vec![value(input(0)?)?]),
            "Add" | "Sub" | "Mul" | "Div" => {
                let (a, b) = (input(0)?, input(1)?);
                let (a_const, b_const) = (consts.contains_key(a), consts.contains_key(b));
                match (n.op_type.as_str(), a_const, b_const) {
                    ("Add", false, false) => (Op::Add, vec![value(a)?, value(b)?]),
                    ("Add", true, false) => (Op::AddParam { p: param(a, true)? }, vec![value(b)?]),
                    ("Add", false, true) => (Op::AddParam { p: param(b, true)? }, vec![value(a)?]),
                    ("Mul", true, false) => (Op::MulParam { p: param(a, true)? }, vec![value(b)?]),
                    ("Mul", false, true) => (Op::MulParam { p: param(b, true)? }, vec![value(a)?]),
                    ("Sub", false, true) | ("Div", false, true) => {
                        let Some(Const::F32(c)) = consts.get(b) else {
                            return Err(Error::Model(format!("{name}: `{b}` must be a float constant")));
                        };
                        // x - c = x + (-c); x / c = x * (1/c): constants, not trained.
                        let (folded, op) = if n.op_type == "Sub" { (c.mapv(|v| -v), "add") } else { (c.mapv(|v| 1.0 / v), "mul") };
                        params.push(Param { name: format!("{b}:{op}"), value: folded, trainable: false });
                        let p = params.len() - 1;
                        (if op == "add" { Op::AddParam { p } } else { Op::MulParam { p } }, vec![value(a)?])
                    }
                    _ => return Err(Error::Model(format!("{name}: only a computed value combined with a constant (or Add of two values) is supported"))),
                }
            }
            "MaxPool" => {
                if n.output.len() > 1 {
                    return Err(Error::Model(format!("{name}: the Indices output is not supported")));
                }
                (Op::MaxPool { win: window(n, None)? }, vec![value(input(0)?)?])
            }
            "AveragePool" => (Op::AvgPool { win: window(n, None)?, count_pad: int(n, "count_include_pad", 0) != 0 }, vec![value(input(0)?)?]),
            "GlobalAveragePool" => (Op::GlobalAvgPool, vec![value(input(0)?)?]),
            "Flatten" => {
                let axis = int(n, "axis", 1);
                if axis < 0 {
                    return Err(Error::Model(format!("{name}: negative axis is not supported")));
                }
                (Op::Flatten { axis: axis as usize }, vec![value(input(0)?)?])
            }
            "Reshape" => {
                let shape = match consts.get(input(1)?) {
                    Some(Const::I64(s)) => s.clone(),
                    _ => return Err(Error::Model(format!("{name}: the target shape must be a constant int64 tensor"))),
                };
                (Op::Reshape { shape }, vec![value(input(0)?)?])
            }
            "Gemm" => {
                if int(n, "transA", 0) != 0 {
                    return Err(Error::Model(format!("{name}: transA is not supported")));
                }
                let b = param(input(1)?, true)?;
                let c = match opt_input(2) { Some(c) => Some(param(c, true)?), None => None };
                if params[b].value.ndim() != 2 {
                    return Err(Error::Model(format!("{name}: the weight must be 2-D")));
                }
                (Op::Gemm { b, c, alpha: float(n, "alpha", 1.0), beta: float(n, "beta", 1.0), trans_b: int(n, "transB", 0) != 0 }, vec![value(input(0)?)?])
            }
            "MatMul" => {
                let b = param(input(1)?, true)?;
                if params[b].value.ndim() != 2 {
                    return Err(Error::Model(format!("{name}: the weight must be 2-D")));
                }
                (Op::MatMul { b }, vec![value(input(0)?)?])
            }
            "Identity" | "Dropout" => (Op::Identity, vec![value(input(0)?)?]),
            other => return Err(Error::Model(format!("the differentiable engine does not support the operation `{other}`"))),
        };
        let out = n.output.first().filter(|s| !s.is_empty()).ok_or_else(|| Error::Model(format!("{name} has no output")))?;
        ids.insert(out.clone(), values);
        nodes.push(Node { op, inputs: ins, output: values });
        values += 1;
    }
    let output = *ids.get(&out_name).ok_or_else(|| Error::Model(format!("the graph output `{out_name}` is never computed")))?;
    let mut net = Network { nodes, params, values, output, classes: 0, input_side: INPUT_SIDE };
    // One forward pass on a blank image checks every shape and yields the class count.
    let probe = ndarray::Array4::<f32>::zeros((1, 3, INPUT_SIDE, INPUT_SIDE));
    let (logits, _) = net.forward(&probe)?;
    let classes = logits.dim().1;
    if !(2..=1000).contains(&classes) {
        return Err(Error::Model(format!("the output must be [N, classes] logits with 2 to 1000 classes, got {classes}")));
    }
    net.classes = classes;
    Ok(net)
}
