//! Networks built from a short description instead of an ONNX file: the extraction lab's
//! surrogate CNNs, initialised from a seed so the same seed gives the same surrogate.
//!
//! A stage is Conv 3×3 (padding 1, bias) → Relu → MaxPool 2×2; after the stages a hidden
//! Gemm → Relu and the output Gemm. He-normal weights (Kaiming), zero biases. No BatchNorm: the
//! engine's BatchNormalization is the inference form, so a surrogate trained from scratch here
//! goes without it (Adam copes at this depth).

use super::ops::Window;
use super::{Network, Node, Op, Param};
use crate::error::{Error, Result};
use crate::rng::Rng;
use ndarray::{ArrayD, IxDyn};

/// A surrogate architecture: channel widths of the convolution stages and the hidden width.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CnnSpec {
    pub widths: Vec<usize>,
    pub hidden: usize,
    pub classes: usize,
}

impl CnnSpec {
    /// Named architectures the lab offers: `cnn-s` (3 stages 16/32/64, hidden 64) and `cnn-m`
    /// (32/64/128, hidden 128).
    pub fn named(name: &str, classes: usize) -> Result<CnnSpec> {
        let (widths, hidden) = match name {
            "cnn-s" => (vec![16, 32, 64], 64),
            "cnn-m" => (vec![32, 64, 128], 128),
            other => return Err(Error::InvalidArgument(format!("unknown surrogate architecture {other:?}: use cnn-s or cnn-m"))),
        };
        Ok(CnnSpec { widths, hidden, classes })
    }
}

/// Input side of the surrogates (CIFAR-10).
const SIDE: usize = 32;

struct Graph {
    rng: Rng,
    params: Vec<Param>,
    nodes: Vec<Node>,
    values: usize,
}

impl Graph {
    fn push(&mut self, op: Op, input: usize) -> usize {
        self.nodes.push(Node { op, inputs: vec![input], output: self.values });
        self.values += 1;
        self.values - 1
    }

    fn param(&mut self, name: String, value: ArrayD<f32>) -> usize {
        self.params.push(Param { name, value, trainable: true });
        self.params.len() - 1
    }

    fn he(&mut self, name: String, shape: &[usize], fan_in: usize) -> usize {
        let sd = (2.0 / fan_in as f32).sqrt();
        let rng = &mut self.rng;
        let v = ArrayD::from_shape_fn(IxDyn(shape), |_| sd * rng.normal());
        self.param(name, v)
    }

    fn zeros(&mut self, name: String, n: usize) -> usize {
        self.param(name, ArrayD::zeros(IxDyn(&[n])))
    }

    fn gemm(&mut self, name: &str, inp: usize, outp: usize, x: usize) -> usize {
        let b = self.he(format!("{name}.weight"), &[outp, inp], inp);
        let c = self.zeros(format!("{name}.bias"), outp);
        self.push(Op::Gemm { b, c: Some(c), alpha: 1.0, beta: 1.0, trans_b: true }, x)
    }
}

impl Network {
    /// A fresh CNN of `spec` on `[N, 3, 32, 32]` inputs, weights drawn from `seed`.
    pub fn cnn(spec: &CnnSpec, seed: u64) -> Result<Network> {
        if spec.widths.is_empty() || spec.widths.len() > 5 || spec.widths.iter().chain([&spec.hidden, &spec.classes]).any(|&w| w == 0 || w > 1024) || spec.classes < 2 {
            return Err(Error::InvalidArgument("a surrogate needs 1–5 stages, widths in 1..=1024 and at least 2 classes".into()));
        }
        let mut g = Graph { rng: Rng::seeded(seed), params: Vec::new(), nodes: Vec::new(), values: 1 };
        let conv = Window { kernel: (3, 3), stride: (1, 1), pads: (1, 1, 1, 1) };
        let pool = Window { kernel: (2, 2), stride: (2, 2), pads: (0, 0, 0, 0) };
        let (mut x, mut cin, mut side) = (0usize, 3usize, SIDE);
        for (i, &c) in spec.widths.iter().enumerate() {
            let w = g.he(format!("conv{i}.weight"), &[c, cin, 3, 3], cin * 9);
            let b = g.zeros(format!("conv{i}.bias"), c);
            x = g.push(Op::Conv { w, b: Some(b), win: conv, group: 1 }, x);
            x = g.push(Op::Relu, x);
            x = g.push(Op::MaxPool { win: pool }, x);
            cin = c;
            side /= 2;
        }
        x = g.push(Op::Flatten { axis: 1 }, x);
        x = g.gemm("fc1", cin * side * side, spec.hidden, x);
        x = g.push(Op::Relu, x);
        let out = g.gemm("fc2", spec.hidden, spec.classes, x);
        let Graph { params, nodes, values, .. } = g;
        Ok(Network { nodes, params, values, output: out, classes: spec.classes, input_side: SIDE })
    }
}
