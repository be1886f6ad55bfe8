//! Networks built from a short description instead of an ONNX file: the extraction lab's
//! surrogate CNNs, initialised from a seed so the same seed gives the same surrogate.
//!
//! A stage is one or more Conv 3×3 (padding 1) → [BatchNorm] → Relu, then MaxPool 2×2; after
//! the stages a hidden Gemm → Relu and the output Gemm. He-normal weights (Kaiming), zero
//! biases; a BatchNorm starts as the identity (γ 1, β 0, running mean 0, variance 1) and is
//! trained with batch statistics ([`Network::forward_train`]); its convolution has no bias.

use super::ops::Window;
use super::{Network, Node, Op, Param};
use crate::error::{Error, Result};
use crate::rng::Rng;
use ndarray::{ArrayD, IxDyn};

/// A surrogate architecture: channel widths of the convolution stages, convolutions per
/// stage, whether each is batch-normalised, and the hidden width.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CnnSpec {
    pub widths: Vec<usize>,
    pub convs: usize,
    pub batch_norm: bool,
    pub hidden: usize,
    pub classes: usize,
}

impl CnnSpec {
    /// Named architectures the lab offers: `cnn-s` (3 stages 16/32/64, hidden 64), `cnn-m`
    /// (32/64/128, hidden 128), `cnn-bn` (cnn-m with BatchNorm after each convolution) and
    /// `vgg-bn` (two batch-normalised convolutions per stage, VGG-style).
    pub fn named(name: &str, classes: usize) -> Result<CnnSpec> {
        let (widths, convs, batch_norm, hidden) = match name {
            "cnn-s" => (vec![16, 32, 64], 1, false, 64),
            "cnn-m" => (vec![32, 64, 128], 1, false, 128),
            "cnn-bn" => (vec![32, 64, 128], 1, true, 128),
            "vgg-bn" => (vec![32, 64, 128], 2, true, 128),
            other => return Err(Error::InvalidArgument(format!("unknown surrogate architecture {other:?}: use {}", NAMES.join(", ")))),
        };
        Ok(CnnSpec { widths, convs, batch_norm, hidden, classes })
    }
}

/// The named architectures, smallest first.
pub const NAMES: [&str; 4] = ["cnn-s", "cnn-m", "cnn-bn", "vgg-bn"];

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

    fn batch_norm(&mut self, name: &str, c: usize, x: usize) -> usize {
        let scale = self.param(format!("{name}.weight"), ArrayD::ones(IxDyn(&[c])));
        let bias = self.zeros(format!("{name}.bias"), c);
        let mean = self.zeros(format!("{name}.running_mean"), c);
        let var = self.param(format!("{name}.running_var"), ArrayD::ones(IxDyn(&[c])));
        self.params[mean].trainable = false;
        self.params[var].trainable = false;
        self.push(Op::BatchNorm { scale, bias, mean, var, eps: 1e-5 }, x)
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
        if spec.convs == 0 || spec.convs > 4 || spec.widths.is_empty() || spec.widths.len() > 5 || spec.widths.iter().chain([&spec.hidden, &spec.classes]).any(|&w| w == 0 || w > 1024) || spec.classes < 2 {
            return Err(Error::InvalidArgument("a surrogate needs 1–5 stages of 1–4 convolutions, widths in 1..=1024 and at least 2 classes".into()));
        }
        let mut g = Graph { rng: Rng::seeded(seed), params: Vec::new(), nodes: Vec::new(), values: 1 };
        let conv = Window { kernel: (3, 3), stride: (1, 1), pads: (1, 1, 1, 1) };
        let pool = Window { kernel: (2, 2), stride: (2, 2), pads: (0, 0, 0, 0) };
        let (mut x, mut cin, mut side) = (0usize, 3usize, SIDE);
        for (i, &c) in spec.widths.iter().enumerate() {
            for j in 0..spec.convs {
                let name = if spec.convs == 1 { format!("conv{i}") } else { format!("conv{i}_{j}") };
                let w = g.he(format!("{name}.weight"), &[c, cin, 3, 3], cin * 9);
                if spec.batch_norm {
                    x = g.push(Op::Conv { w, b: None, win: conv, group: 1 }, x);
                    x = g.batch_norm(&format!("{name}.bn"), c, x);
                } else {
                    let b = g.zeros(format!("{name}.bias"), c);
                    x = g.push(Op::Conv { w, b: Some(b), win: conv, group: 1 }, x);
                }
                x = g.push(Op::Relu, x);
                cin = c;
            }
            x = g.push(Op::MaxPool { win: pool }, x);
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
