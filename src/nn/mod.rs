//! `nn`: a small differentiable engine that mirrors an ONNX classifier.
//!
//! tract runs ONNX forward only; attacks need input gradients and training needs weight
//! gradients. [`Network::from_onnx`] reads the *same* ONNX file (graph + initializers) and
//! builds layers with forward and backward passes: Conv, BatchNormalization (the inference
//! form, or batch statistics in [`Network::forward_train`]),
//! Relu, Add, Sub/Mul/Div by a constant, MaxPool, AveragePool, GlobalAveragePool,
//! Flatten/Reshape, Gemm/MatMul, Identity/Dropout. Its logits are cross-checked against tract
//! and its gradients against finite differences (tests/nn.rs).
//!
//! A model with an operation outside that list is refused with an error naming the operation;
//! it still runs in tract, and white-box attacks reach it through
//! [`crate::model::estimated::Estimated`] gradients.

mod build;
mod onnx;
pub mod ops;
pub mod optim;

pub use build::{CnnSpec, NAMES as CNN_NAMES};

use crate::error::{Error, Result};
use crate::model::{Classifier, Differentiable};
use crate::tensor::Batch;
use ndarray::{Array2, Array4, ArrayD, Axis, Ix2, Ix4, IxDyn};
use ops::Window;

/// A named parameter tensor (ONNX initializer) of the network.
#[derive(Clone, Debug)]
pub struct Param {
    /// The initializer's name in the ONNX file.
    pub name: String,
    /// Its value.
    pub value: ArrayD<f32>,
    /// False for constants an optimiser must not change (BatchNorm statistics, Sub/Div
    /// constants folded into Add/Mul).
    pub trainable: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Conv { w: usize, b: Option<usize>, win: Window, group: usize },
    BatchNorm { scale: usize, bias: usize, mean: usize, var: usize, eps: f32 },
    Relu,
    Add,
    AddParam { p: usize },
    MulParam { p: usize },
    MaxPool { win: Window },
    AvgPool { win: Window, count_pad: bool },
    GlobalAvgPool,
    Flatten { axis: usize },
    Reshape { shape: Vec<i64> },
    Gemm { b: usize, c: Option<usize>, alpha: f32, beta: f32, trans_b: bool },
    MatMul { b: usize },
    Identity,
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub op: Op,
    pub inputs: Vec<usize>,
    pub output: usize,
}

/// A differentiable network: nodes in topological order over numbered values; value 0 is the
/// input `[N, 3, H, W]`, `output` the logits `[N, classes]`.
#[derive(Clone, Debug)]
pub struct Network {
    nodes: Vec<Node>,
    params: Vec<Param>,
    values: usize,
    output: usize,
    classes: usize,
    input_side: usize,
}

/// What a forward pass keeps for the backward pass.
pub struct Tape {
    values: Vec<Option<ArrayD<f32>>>,
    argmax: Vec<Option<Vec<u32>>>,
    /// Per node, in a training pass, a BatchNorm's batch statistics.
    batch_stats: Vec<Option<BatchStats>>,
}

/// Logits, parameter gradients and batch statistics of one training pass.
pub type TrainGradients = (Array2<f32>, Vec<ArrayD<f32>>, Vec<BatchStats>);

/// One BatchNormalization's statistics over a training batch (per channel, biased variance),
/// and the parameters its running estimates live in.
#[derive(Clone, Debug)]
pub struct BatchStats {
    pub mean_param: usize,
    pub var_param: usize,
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
    /// Values per channel the statistics were taken over (N·H·W).
    pub count: usize,
}

/// `x` (`[N, C, ...]`) as a contiguous slice and its channel count and run length: the values
/// of channel `ch` of image `i` are the run `(i·C + ch)·len ..` of length `len`.
fn channel_runs(x: &ArrayD<f32>, c: usize) -> Result<(ndarray::CowArray<'_, f32, IxDyn>, usize)> {
    if x.ndim() < 2 || x.shape()[1] != c || c == 0 {
        return Err(Error::Shape(format!("BatchNormalization over {c} channels got {:?}", x.shape())));
    }
    let len: usize = x.shape()[2..].iter().product();
    if len == 0 || x.is_empty() {
        return Err(Error::Shape(format!("BatchNormalization of an empty input {:?}", x.shape())));
    }
    Ok((x.as_standard_layout(), len))
}

/// Per-channel mean and biased variance of `x` (`[N, C, ...]`), two-pass in f64.
fn channel_stats(x: &ArrayD<f32>, c: usize) -> Result<(Vec<f32>, Vec<f32>, usize)> {
    let (xs, len) = channel_runs(x, c)?;
    let xs = xs.as_slice().ok_or_else(|| Error::Shape("non-contiguous BatchNormalization input".into()))?;
    let count = xs.len() / c;
    if count == 0 || len == 0 {
        return Err(Error::Shape("BatchNormalization of an empty batch".into()));
    }
    let (mut sum, mut sq) = (vec![0f64; c], vec![0f64; c]);
    for (j, run) in xs.chunks(len).enumerate() {
        sum[j % c] += run.iter().map(|&v| v as f64).sum::<f64>();
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / count as f64).collect();
    for (j, run) in xs.chunks(len).enumerate() {
        let m = mean[j % c];
        sq[j % c] += run.iter().map(|&v| (v as f64 - m) * (v as f64 - m)).sum::<f64>();
    }
    Ok((mean.iter().map(|&m| m as f32).collect(), sq.iter().map(|s| (s / count as f64) as f32).collect(), count))
}

fn shape_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Shape(format!("{what}: {e}"))
}

fn as4<'a>(a: &'a ArrayD<f32>, what: &str) -> Result<ndarray::ArrayView4<'a, f32>> {
    a.view().into_dimensionality::<Ix4>().map_err(|_| Error::Shape(format!("{what} needs a 4-D [N, C, H, W] input, got {:?}", a.shape())))
}

fn as2<'a>(a: &'a ArrayD<f32>, what: &str) -> Result<ndarray::ArrayView2<'a, f32>> {
    a.view().into_dimensionality::<Ix2>().map_err(|_| Error::Shape(format!("{what} needs a 2-D input, got {:?}", a.shape())))
}

/// Sum `g` over the axes that broadcasting stretched, so it has `shape`.
fn reduce_to(g: &ArrayD<f32>, shape: &[usize]) -> ArrayD<f32> {
    let mut r = g.clone();
    while r.ndim() > shape.len() {
        r = r.sum_axis(Axis(0));
    }
    for (ax, &d) in shape.iter().enumerate() {
        if d == 1 && r.shape()[ax] != 1 {
            r = r.sum_axis(Axis(ax)).insert_axis(Axis(ax));
        }
    }
    r
}

impl Network {
    /// Build from ONNX bytes. Errors name every unsupported operation.
    pub fn from_onnx(bytes: &[u8]) -> Result<Network> {
        onnx::build(bytes)
    }

    /// The parameters, in initializer order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Mutable parameters (for optimisers).
    pub fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }

    /// Number of trainable scalars.
    pub fn trainable_len(&self) -> usize {
        self.params.iter().filter(|p| p.trainable).map(|p| p.value.len()).sum()
    }

    /// Forward pass over `[N, 3, S, S]` keeping what backward needs (inference form:
    /// BatchNormalization uses its running statistics).
    pub fn forward(&self, x: &Array4<f32>) -> Result<(Array2<f32>, Tape)> {
        self.forward_mode(x, false)
    }

    /// Forward pass in training form: each BatchNormalization normalises with the batch's own
    /// mean and variance (Ioffe & Szegedy 2015), which the tape keeps for the backward pass and
    /// for [`Network::update_running_stats`].
    pub fn forward_train(&self, x: &Array4<f32>) -> Result<(Array2<f32>, Tape)> {
        self.forward_mode(x, true)
    }

    /// Whether any node is a BatchNormalization.
    pub fn has_batch_norm(&self) -> bool {
        self.nodes.iter().any(|n| matches!(n.op, Op::BatchNorm { .. }))
    }

    /// Move each BatchNormalization's running mean and variance towards the batch statistics
    /// of `stats` (several tapes' statistics — a batch split over threads — are pooled first):
    /// running ← (1 − momentum)·running + momentum·batch, the variance unbiased as in PyTorch.
    pub fn update_running_stats(&mut self, stats: &[BatchStats], momentum: f32) -> Result<()> {
        use std::collections::BTreeMap;
        // pool per BatchNorm: total count, Σ count·mean, Σ count·(var + mean²)
        type Pool = (usize, Vec<f64>, Vec<f64>);
        let mut pooled: BTreeMap<(usize, usize), Pool> = BTreeMap::new();
        for st in stats {
            let e = pooled.entry((st.mean_param, st.var_param)).or_insert_with(|| (0, vec![0.0; st.mean.len()], vec![0.0; st.mean.len()]));
            if e.1.len() != st.mean.len() || st.var.len() != st.mean.len() {
                return Err(Error::Shape("batch statistics of different widths for one BatchNormalization".into()));
            }
            e.0 += st.count;
            for c in 0..st.mean.len() {
                e.1[c] += st.count as f64 * st.mean[c] as f64;
                e.2[c] += st.count as f64 * (st.var[c] as f64 + (st.mean[c] as f64).powi(2));
            }
        }
        for ((mi, vi), (count, sm, ssq)) in pooled {
            let n = count.max(1) as f64;
            for (c, (s, q)) in sm.iter().zip(&ssq).enumerate() {
                let mean = s / n;
                let var = (q / n - mean * mean).max(0.0) * if count > 1 { n / (n - 1.0) } else { 1.0 };
                let rm = self.params.get_mut(mi).and_then(|p| p.value.as_slice_mut()).and_then(|v| v.get_mut(c)).ok_or_else(|| Error::Shape("running mean out of range".into()))?;
                *rm = (1.0 - momentum) * *rm + momentum * mean as f32;
                let rv = self.params.get_mut(vi).and_then(|p| p.value.as_slice_mut()).and_then(|v| v.get_mut(c)).ok_or_else(|| Error::Shape("running variance out of range".into()))?;
                *rv = (1.0 - momentum) * *rv + momentum * var as f32;
            }
        }
        Ok(())
    }

    fn forward_mode(&self, x: &Array4<f32>, train: bool) -> Result<(Array2<f32>, Tape)> {
        let (_, c, h, w) = x.dim();
        if c != 3 || h != self.input_side || w != self.input_side {
            return Err(Error::Shape(format!(
                "the network takes [N, 3, {s}, {s}] images, got {:?}",
                x.shape(),
                s = self.input_side
            )));
        }
        let mut values: Vec<Option<ArrayD<f32>>> = vec![None; self.values];
        let mut argmax: Vec<Option<Vec<u32>>> = vec![None; self.nodes.len()];
        let mut batch_stats: Vec<Option<BatchStats>> = vec![None; self.nodes.len()];
        values[0] = Some(x.clone().into_dyn());
        for (k, node) in self.nodes.iter().enumerate() {
            let get = |i: usize| -> Result<&ArrayD<f32>> {
                values[node.inputs[i]].as_ref().ok_or_else(|| Error::Model("graph value used before it is computed".into()))
            };
            let p = |i: usize| &self.params[i].value;
            let out: ArrayD<f32> = match &node.op {
                Op::Conv { w, b, win, group } => {
                    let xv = as4(get(0)?, "Conv")?;
                    let wv = p(*w).view().into_dimensionality::<Ix4>().map_err(|e| shape_err("Conv weight", e))?;
                    if xv.dim().1 != wv.dim().1 * group {
                        return Err(Error::Shape(format!("Conv expects {} input channels, got {}", wv.dim().1 * group, xv.dim().1)));
                    }
                    if win.output(xv.dim().2, xv.dim().3).is_none() {
                        return Err(Error::Shape("Conv kernel larger than its padded input".into()));
                    }
                    let bias = b.map(|b| p(b).as_slice().map(|s| s.to_vec())).flatten();
                    ops::conv_forward(xv, wv, bias.as_deref(), win, *group).into_dyn()
                }
                Op::BatchNorm { scale, bias, mean, var, eps } if train => {
                    let xv = get(0)?;
                    let (bm, bv, count) = channel_stats(xv, p(*scale).len())?;
                    let (a, b) = bn_affine(p(*scale), p(*bias), &ArrayD::from_shape_vec(IxDyn(&[bm.len()]), bm.clone()).map_err(|e| shape_err("BatchNorm", e))?, &ArrayD::from_shape_vec(IxDyn(&[bv.len()]), bv.clone()).map_err(|e| shape_err("BatchNorm", e))?, *eps);
                    batch_stats[k] = Some(BatchStats { mean_param: *mean, var_param: *var, mean: bm, var: bv, count });
                    channel_affine(xv, &a, &b)?
                }
                Op::BatchNorm { scale, bias, mean, var, eps } => {
                    let xv = get(0)?;
                    let (a, b) = bn_affine(p(*scale), p(*bias), p(*mean), p(*var), *eps);
                    channel_affine(xv, &a, &b)?
                }
                Op::Relu => get(0)?.mapv(|v| v.max(0.0)),
                Op::Add => {
                    let (a, b) = (get(0)?, get(1)?);
                    if a.shape() != b.shape() {
                        return Err(Error::Shape(format!("Add of {:?} and {:?}", a.shape(), b.shape())));
                    }
                    a + b
                }
                Op::AddParam { p: pi } => broadcast_op(get(0)?, p(*pi), |a, b| a + b)?,
                Op::MulParam { p: pi } => broadcast_op(get(0)?, p(*pi), |a, b| a * b)?,
                Op::MaxPool { win } => {
                    let xv = as4(get(0)?, "MaxPool")?;
                    if win.output(xv.dim().2, xv.dim().3).is_none() {
                        return Err(Error::Shape("MaxPool window larger than its input".into()));
                    }
                    let (y, arg) = ops::maxpool_forward(xv, win);
                    argmax[k] = Some(arg);
                    y.into_dyn()
                }
                Op::AvgPool { win, count_pad } => {
                    let xv = as4(get(0)?, "AveragePool")?;
                    if win.output(xv.dim().2, xv.dim().3).is_none() {
                        return Err(Error::Shape("AveragePool window larger than its input".into()));
                    }
                    ops::avgpool_forward(xv, win, *count_pad).into_dyn()
                }
                Op::GlobalAvgPool => {
                    let xv = as4(get(0)?, "GlobalAveragePool")?;
                    let (n, c, h, w) = xv.dim();
                    let m = xv.to_shape((n, c, h * w)).map_err(|e| shape_err("GlobalAveragePool", e))?.mean_axis(Axis(2)).ok_or_else(|| Error::Shape("empty GlobalAveragePool input".into()))?;
                    m.into_shape_with_order(IxDyn(&[n, c, 1, 1])).map_err(|e| shape_err("GlobalAveragePool", e))?
                }
                Op::Flatten { axis } => {
                    let xv = get(0)?;
                    let a = (*axis).min(xv.ndim());
                    let rows: usize = xv.shape()[..a].iter().product();
                    let cols: usize = xv.shape()[a..].iter().product();
                    xv.to_shape(IxDyn(&[rows, cols])).map_err(|e| shape_err("Flatten", e))?.to_owned()
                }
                Op::Reshape { shape } => {
                    let xv = get(0)?;
                    let target = reshape_target(xv.shape(), shape)?;
                    xv.to_shape(IxDyn(&target)).map_err(|e| shape_err("Reshape", e))?.to_owned()
                }
                Op::Gemm { b, c, alpha, beta, trans_b } => {
                    let a = as2(get(0)?, "Gemm")?;
                    let bm = as2(p(*b), "Gemm weight")?;
                    let bm = if *trans_b { bm.t() } else { bm };
                    if a.dim().1 != bm.dim().0 {
                        return Err(Error::Shape(format!("Gemm of {:?} by {:?}", a.dim(), bm.dim())));
                    }
                    let mut y = a.dot(&bm) * *alpha;
                    if let Some(c) = c {
                        let cv = p(*c);
                        let yd = broadcast_op(&y.clone().into_dyn(), &cv.mapv(|v| v * *beta), |a, b| a + b)?;
                        y = yd.into_dimensionality::<Ix2>().map_err(|e| shape_err("Gemm", e))?;
                    }
                    y.into_dyn()
                }
                Op::MatMul { b } => {
                    let a = as2(get(0)?, "MatMul")?;
                    let bm = as2(p(*b), "MatMul weight")?;
                    if a.dim().1 != bm.dim().0 {
                        return Err(Error::Shape(format!("MatMul of {:?} by {:?}", a.dim(), bm.dim())));
                    }
                    a.dot(&bm).into_dyn()
                }
                Op::Identity => get(0)?.clone(),
            };
            values[node.output] = Some(out);
        }
        let out = values[self.output].as_ref().ok_or_else(|| Error::Model("the graph output is never computed".into()))?;
        let logits = out
            .view()
            .into_dimensionality::<Ix2>()
            .map_err(|_| Error::Shape(format!("the network output must be [N, classes], got {:?}", out.shape())))?
            .to_owned();
        // a Reshape can fold the batch into the rows: one row an image, or the answer is not the images'
        if logits.nrows() != x.shape()[0] {
            return Err(Error::Shape(format!("the network output must have one row an image ({} images), got {:?}", x.shape()[0], logits.shape())));
        }
        Ok((logits, Tape { values, argmax, batch_stats }))
    }

    /// Backward pass from `dlogits` = ∂L/∂logits. Returns ∂L/∂input when `want_input`, and adds
    /// ∂L/∂θ into `param_grads` (one array per parameter, shaped like it) when given.
    pub fn backward(&self, tape: &Tape, dlogits: &Array2<f32>, want_input: bool, mut param_grads: Option<&mut Vec<ArrayD<f32>>>) -> Result<Option<Array4<f32>>> {
        let mut grads: Vec<Option<ArrayD<f32>>> = vec![None; self.values];
        grads[self.output] = Some(dlogits.clone().into_dyn());
        let want_params = param_grads.is_some();
        for (k, node) in self.nodes.iter().enumerate().rev() {
            let Some(dy) = grads[node.output].take() else { continue };
            let val = |i: usize| -> Result<&ArrayD<f32>> {
                tape.values[node.inputs[i]].as_ref().ok_or_else(|| Error::Model("tape is missing a value".into()))
            };
            let p = |i: usize| &self.params[i].value;
            // Whether the first input needs a gradient at all (the input image only if asked).
            let need_in = node.inputs[0] != 0 || want_input;
            let mut add_param = |idx: usize, g: ArrayD<f32>| {
                if let Some(pg) = param_grads.as_deref_mut() {
                    if self.params[idx].trainable {
                        pg[idx] += &g;
                    }
                }
            };
            let dx: Option<ArrayD<f32>> = match &node.op {
                Op::Conv { w, b, win, group } => {
                    let xv = as4(val(0)?, "Conv")?;
                    let wv = p(*w).view().into_dimensionality::<Ix4>().map_err(|e| shape_err("Conv weight", e))?;
                    let dyv = as4(&dy, "Conv gradient")?;
                    let mut dw = if want_params { Some(Array4::<f32>::zeros(wv.dim())) } else { None };
                    let mut db = if want_params && b.is_some() { Some(vec![0f32; wv.dim().0]) } else { None };
                    let dx = ops::conv_backward(xv, wv, dyv, win, *group, need_in, dw.as_mut(), db.as_deref_mut());
                    if let Some(dw) = dw {
                        add_param(*w, dw.into_dyn());
                    }
                    if let (Some(bi), Some(db)) = (b, db) {
                        add_param(*bi, ArrayD::from_shape_vec(IxDyn(&[db.len()]), db).map_err(|e| shape_err("Conv bias", e))?);
                    }
                    dx.map(|d| d.into_dyn())
                }
                Op::BatchNorm { scale, bias, eps, .. } if tape.batch_stats[k].is_some() => {
                    // y = γ·x̂ + β with x̂ = (x − μ_B)/σ_B: the batch statistics depend on x, so
                    // dx = γ/σ_B · (dy − mean(dy) − x̂·mean(dy·x̂)), per channel.
                    let st = tape.batch_stats[k].as_ref().ok_or_else(|| Error::Model("tape is missing BatchNorm statistics".into()))?;
                    let c = st.mean.len();
                    let (xs, len) = channel_runs(val(0)?, c)?;
                    let (gs, _) = channel_runs(&dy, c)?;
                    let (xs, gs) = match (xs.as_slice(), gs.as_slice()) {
                        (Some(a), Some(b)) if a.len() == b.len() => (a, b),
                        _ => return Err(Error::Shape("BatchNormalization gradient does not match its input".into())),
                    };
                    let inv: Vec<f32> = st.var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
                    let (mut sdy, mut sdyx) = (vec![0f64; c], vec![0f64; c]);
                    for (j, (xr, gr)) in xs.chunks(len).zip(gs.chunks(len)).enumerate() {
                        let ch = j % c;
                        let (m, iv) = (st.mean[ch], inv[ch]);
                        sdy[ch] += gr.iter().map(|&g| g as f64).sum::<f64>();
                        sdyx[ch] += xr.iter().zip(gr).map(|(&x, &g)| (g * (x - m) * iv) as f64).sum::<f64>();
                    }
                    let to_arr = |v: &[f64]| ArrayD::from_shape_vec(IxDyn(&[c]), v.iter().map(|&x| x as f32).collect()).map_err(|e| shape_err("BatchNorm", e));
                    add_param(*scale, to_arr(&sdyx)?);
                    add_param(*bias, to_arr(&sdy)?);
                    let gamma = p(*scale);
                    let m = st.count as f32;
                    let mut d = Vec::with_capacity(xs.len());
                    for (j, (xr, gr)) in xs.chunks(len).zip(gs.chunks(len)).enumerate() {
                        let ch = j % c;
                        let (mu, iv) = (st.mean[ch], inv[ch]);
                        let (k1, k2, k3) = (gamma[[ch]] * iv, sdy[ch] as f32 / m, sdyx[ch] as f32 / m);
                        d.extend(xr.iter().zip(gr).map(|(&x, &g)| k1 * (g - k2 - (x - mu) * iv * k3)));
                    }
                    Some(ArrayD::from_shape_vec(dy.raw_dim(), d).map_err(|e| shape_err("BatchNorm gradient", e))?)
                }
                Op::BatchNorm { scale, bias, mean, var, eps } => {
                    let (a, _) = bn_affine(p(*scale), p(*bias), p(*mean), p(*var), *eps);
                    if want_params {
                        let c = a.len();
                        let (xs, len) = channel_runs(val(0)?, c)?;
                        let (gs, _) = channel_runs(&dy, c)?;
                        let (xs, gs) = match (xs.as_slice(), gs.as_slice()) {
                            (Some(a), Some(b)) if a.len() == b.len() => (a, b),
                            _ => return Err(Error::Shape("BatchNormalization gradient does not match its input".into())),
                        };
                        let mut ds = vec![0f32; c];
                        let mut dbias = vec![0f32; c];
                        let (mean_v, var_v) = (p(*mean), p(*var));
                        for (j, (xr, gr)) in xs.chunks(len).zip(gs.chunks(len)).enumerate() {
                            let ch = j % c;
                            let (mu, iv) = (mean_v[[ch]], 1.0 / (var_v[[ch]] + eps).sqrt());
                            ds[ch] += xr.iter().zip(gr).map(|(&x, &g)| g * (x - mu) * iv).sum::<f32>();
                            dbias[ch] += gr.iter().sum::<f32>();
                        }
                        add_param(*scale, ArrayD::from_shape_vec(IxDyn(&[c]), ds).map_err(|e| shape_err("BatchNorm", e))?);
                        add_param(*bias, ArrayD::from_shape_vec(IxDyn(&[c]), dbias).map_err(|e| shape_err("BatchNorm", e))?);
                    }
                    Some(channel_affine(&dy, &a, &vec![0.0; a.len()])?)
                }
                Op::Relu => {
                    let xv = val(0)?;
                    let mut d = dy;
                    d.zip_mut_with(xv, |g, &x| {
                        if x <= 0.0 {
                            *g = 0.0
                        }
                    });
                    Some(d)
                }
                Op::Add => {
                    accumulate(&mut grads, node.inputs[1], dy.clone());
                    Some(dy)
                }
                Op::AddParam { p: pi } => {
                    add_param(*pi, reduce_to(&dy, p(*pi).shape()));
                    Some(dy)
                }
                Op::MulParam { p: pi } => {
                    if want_params && self.params[*pi].trainable {
                        let prod = broadcast_op(&dy, val(0)?, |a, b| a * b)?;
                        add_param(*pi, reduce_to(&prod, p(*pi).shape()));
                    }
                    Some(broadcast_op(&dy, p(*pi), |a, b| a * b)?)
                }
                Op::MaxPool { .. } => {
                    let xv = as4(val(0)?, "MaxPool")?;
                    let arg = tape.argmax[k].as_ref().ok_or_else(|| Error::Model("tape is missing MaxPool indices".into()))?;
                    Some(ops::maxpool_backward(as4(&dy, "MaxPool gradient")?, arg, (xv.dim().2, xv.dim().3)).into_dyn())
                }
                Op::AvgPool { win, count_pad } => {
                    let xv = as4(val(0)?, "AveragePool")?;
                    Some(ops::avgpool_backward(as4(&dy, "AveragePool gradient")?, win, *count_pad, (xv.dim().2, xv.dim().3)).into_dyn())
                }
                Op::GlobalAvgPool => {
                    let xv = as4(val(0)?, "GlobalAveragePool")?;
                    let (n, c, h, w) = xv.dim();
                    let g = as4(&dy, "GlobalAveragePool gradient")?;
                    let scale = 1.0 / (h * w) as f32;
                    Some(Array4::from_shape_fn((n, c, h, w), |(i, ch, _, _)| g[[i, ch, 0, 0]] * scale).into_dyn())
                }
                Op::Flatten { .. } | Op::Reshape { .. } | Op::Identity => {
                    let shape = val(0)?.shape().to_vec();
                    Some(dy.to_shape(IxDyn(&shape)).map_err(|e| shape_err("Reshape gradient", e))?.to_owned())
                }
                Op::Gemm { b, c, alpha, beta, trans_b } => {
                    let a = as2(val(0)?, "Gemm")?;
                    let g = as2(&dy, "Gemm gradient")?;
                    let bm = as2(p(*b), "Gemm weight")?;
                    if want_params {
                        // y = alpha * a·B' with B' = B or Bᵀ.
                        let d_bprime = a.t().dot(&g) * *alpha;
                        let d_b = if *trans_b { d_bprime.t().to_owned() } else { d_bprime };
                        add_param(*b, d_b.into_dyn());
                        if let Some(ci) = c {
                            add_param(*ci, reduce_to(&(dy.mapv(|v| v * *beta)), p(*ci).shape()));
                        }
                    }
                    let bprime = if *trans_b { bm.t() } else { bm };
                    Some((g.dot(&bprime.t()) * *alpha).into_dyn())
                }
                Op::MatMul { b } => {
                    let a = as2(val(0)?, "MatMul")?;
                    let g = as2(&dy, "MatMul gradient")?;
                    let bm = as2(p(*b), "MatMul weight")?;
                    if want_params {
                        add_param(*b, a.t().dot(&g).into_dyn());
                    }
                    Some(g.dot(&bm.t()).into_dyn())
                }
            };
            if let Some(dx) = dx {
                if need_in {
                    accumulate(&mut grads, node.inputs[0], dx);
                }
            }
        }
        if !want_input {
            return Ok(None);
        }
        let g = grads[0].take().ok_or_else(|| Error::Model("the output does not depend on the input".into()))?;
        Ok(Some(g.into_dimensionality::<Ix4>().map_err(|e| shape_err("input gradient", e))?))
    }

    /// Logits and ∂(Σ seed ⊙ logits)/∂θ for every parameter (zeros for constants).
    pub fn param_gradients(&self, x: &Array4<f32>, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Vec<ArrayD<f32>>)> {
        let (logits, tape) = self.forward(x)?;
        let d = seed(&logits);
        let mut grads: Vec<ArrayD<f32>> = self.params.iter().map(|p| ArrayD::zeros(p.value.raw_dim())).collect();
        self.backward(&tape, &d, false, Some(&mut grads))?;
        Ok((logits, grads))
    }

    /// [`Network::param_gradients`] in training form ([`Network::forward_train`]), with the
    /// batch statistics of every BatchNormalization.
    pub fn train_gradients(&self, x: &Array4<f32>, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<TrainGradients> {
        let (logits, mut tape) = self.forward_train(x)?;
        let d = seed(&logits);
        let mut grads: Vec<ArrayD<f32>> = self.params.iter().map(|p| ArrayD::zeros(p.value.raw_dim())).collect();
        self.backward(&tape, &d, false, Some(&mut grads))?;
        let stats = tape.batch_stats.iter_mut().filter_map(Option::take).collect();
        Ok((logits, grads, stats))
    }
}

fn accumulate(grads: &mut [Option<ArrayD<f32>>], id: usize, g: ArrayD<f32>) {
    match grads[id].as_mut() {
        Some(acc) => *acc += &g,
        None => grads[id] = Some(g),
    }
}

fn bn_affine(scale: &ArrayD<f32>, bias: &ArrayD<f32>, mean: &ArrayD<f32>, var: &ArrayD<f32>, eps: f32) -> (Vec<f32>, Vec<f32>) {
    let a: Vec<f32> = scale.iter().zip(var.iter()).map(|(s, v)| s / (v + eps).sqrt()).collect();
    let b: Vec<f32> = bias.iter().zip(mean.iter()).zip(&a).map(|((b, m), a)| b - m * a).collect();
    (a, b)
}

/// `y[:, c, ...] = a[c] * x[:, c, ...] + b[c]`.
fn channel_affine(x: &ArrayD<f32>, a: &[f32], b: &[f32]) -> Result<ArrayD<f32>> {
    let c = a.len();
    let (xs, len) = channel_runs(x, c)?;
    let xs = xs.as_slice().ok_or_else(|| Error::Shape("non-contiguous BatchNormalization input".into()))?;
    let mut y = Vec::with_capacity(xs.len());
    for (j, run) in xs.chunks(len).enumerate() {
        let (ac, bc) = (a[j % c], b[j % c]);
        y.extend(run.iter().map(|&v| ac * v + bc));
    }
    ArrayD::from_shape_vec(x.raw_dim(), y).map_err(|e| shape_err("BatchNormalization", e))
}

fn broadcast_op(x: &ArrayD<f32>, p: &ArrayD<f32>, f: impl Fn(f32, f32) -> f32) -> Result<ArrayD<f32>> {
    let pb = p.broadcast(x.raw_dim()).ok_or_else(|| Error::Shape(format!("cannot broadcast {:?} to {:?}", p.shape(), x.shape())))?;
    let mut y = x.clone();
    y.zip_mut_with(&pb, |a, &b| *a = f(*a, b));
    Ok(y)
}

fn reshape_target(input: &[usize], shape: &[i64]) -> Result<Vec<usize>> {
    let total: usize = input.iter().product();
    let mut out = Vec::with_capacity(shape.len());
    let mut infer = None;
    for (i, &d) in shape.iter().enumerate() {
        match d {
            0 => out.push(*input.get(i).ok_or_else(|| Error::Shape("Reshape copies a missing dimension".into()))?),
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1)
            }
            d if d > 0 => out.push(d as usize),
            _ => return Err(Error::Shape(format!("Reshape to {shape:?} is not supported"))),
        }
    }
    if let Some(i) = infer {
        let known: usize = out.iter().product();
        if known == 0 || !total.is_multiple_of(known) {
            return Err(Error::Shape(format!("cannot reshape {input:?} to {shape:?}")));
        }
        out[i] = total / known;
    }
    if out.iter().product::<usize>() != total {
        return Err(Error::Shape(format!("cannot reshape {input:?} to {shape:?}")));
    }
    Ok(out)
}

/// Images per forward pass when a large batch is split (bounds the tape's memory).
const CHUNK: usize = 64;

impl Classifier for Network {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        let mut out = Array2::<f32>::zeros((x.len(), self.classes));
        for start in (0..x.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(x.len());
            let chunk = x.view().slice(ndarray::s![start..end, .., .., ..]).to_owned();
            let (l, _) = self.forward(&chunk)?;
            if l.ncols() != self.classes {
                return Err(Error::Shape(format!("the network gave {} scores an image; it has {} classes", l.ncols(), self.classes)));
            }
            out.slice_mut(ndarray::s![start..end, ..]).assign(&l);
        }
        Ok(out)
    }

    fn classes(&self) -> usize {
        self.classes
    }
}

impl Differentiable for Network {
    /// One forward and backward pass over the whole batch (the seed sees every row at once, so
    /// it can index its labels by row; callers bound the batch size).
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        let (logits, tape) = self.forward(&x.view().to_owned())?;
        let d = seed(&logits);
        if d.dim() != logits.dim() {
            return Err(Error::Shape(format!("loss gradient {:?} for logits {:?}", d.dim(), logits.dim())));
        }
        let g = self.backward(&tape, &d, true, None)?.ok_or_else(|| Error::Model("no input gradient".into()))?;
        Ok((logits, g))
    }
}
