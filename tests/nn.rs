//! The differentiable engine against tract (logits) and against finite differences
//! (input and weight gradients), on the committed model and real test images.

mod common;

use mlsec::data::cifar::{self, Split};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::{Classifier, Differentiable};
use mlsec::nn::Network;
use mlsec::rng::Rng;
use mlsec::tensor::Batch;
use ndarray::{Array2, Array4, ArrayD};

fn images(n: usize) -> (Batch, Vec<usize>) {
    let s = cifar::load(&cifar::data_dir(None), Split::Test, Some(n)).expect("CIFAR-10 zip (set MLSEC_DATA)");
    (s.batch(0, n).unwrap(), s.labels.iter().map(|&l| l as usize).collect())
}

#[test]
fn logits_match_tract_on_100_test_images() {
    let net = Network::from_onnx(common::MODEL).unwrap();
    let tract = OnnxClassifier::from_bytes(common::MODEL).unwrap();
    let (x, _) = images(100);
    let a = net.logits(&x).unwrap();
    let b = tract.logits(&x).unwrap();
    let max = a.iter().zip(b.iter()).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
    eprintln!("max |nn - tract| over 100 images = {max:e}");
    assert!(max <= 1e-4, "max |nn - tract| = {max}");
    assert_eq!(net.classes(), 10);
}

/// Cross-entropy of `x` in f64 from f32 logits.
fn ce(net: &Network, x: &Array4<f32>, y: &[usize]) -> f64 {
    let (l, _) = net.forward(x).unwrap();
    let (loss, _) = mlsec::loss::cross_entropy(&l, y);
    loss.iter().map(|&v| v as f64).sum()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-6)
}

#[test]
fn input_gradient_matches_central_differences() {
    let net = Network::from_onnx(common::MODEL).unwrap();
    let (x, y) = images(4);
    // A loss far from saturation (labels shifted by one class), so the directional derivative
    // stands well above f32 rounding in the finite difference.
    let y: Vec<usize> = y.iter().map(|&v| (v + 1) % 10).collect();
    let (_, g) = net.logits_and_vjp(&x, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &y).1).unwrap();
    let mut rng = Rng::seeded(7);
    let x0 = x.view().to_owned();
    let gnorm = g.iter().map(|v| v * v).sum::<f32>().sqrt() as f64;
    // f32 rounding puts ~1e-3 of noise on a finite difference; a purely random direction has a
    // derivative of only ~1% of |g|, so each direction is random but tilted towards g
    // (d = r/|r| + g/|g|), keeping its derivative well above the noise.
    for _ in 0..5 {
        let r = Array4::from_shape_simple_fn(x0.raw_dim(), || rng.normal());
        let r = &r / r.iter().map(|v| v * v).sum::<f32>().sqrt();
        let d = &r + &(&g / gnorm as f32);
        let h = 1e-3f32;
        let fd = (ce(&net, &(&x0 + &(&d * h)), &y) - ce(&net, &(&x0 - &(&d * h)), &y)) / (2.0 * h as f64);
        let an: f64 = g.iter().zip(d.iter()).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
        assert!(rel(fd, an) < 1e-2, "directional derivative: finite differences {fd}, backprop {an}");
        // and the purely random part, against the gradient's scale
        let fd_r = (ce(&net, &(&x0 + &(&r * h)), &y) - ce(&net, &(&x0 - &(&r * h)), &y)) / (2.0 * h as f64);
        let an_r: f64 = g.iter().zip(r.iter()).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
        assert!((fd_r - an_r).abs() < 1e-2 * gnorm, "random direction: {fd_r} vs {an_r} (|g| = {gnorm})");
    }
}

/// The derivative of `loss` along the weight direction `dirs`: by central differences (the
/// mean of two step sizes: both estimate the same derivative, and f32 rounding and kink
/// crossings differ between them) and from the backprop gradients `grads`.
fn directional(net: &mut Network, grads: &[ArrayD<f32>], dirs: &[ArrayD<f32>], loss: &dyn Fn(&Network) -> f64) -> (f64, f64) {
    let norm: f32 = dirs.iter().flat_map(|d| d.iter()).map(|v| v * v).sum::<f32>().sqrt();
    let shift = |net: &mut Network, s: f32| {
        for (p, d) in net.params_mut().iter_mut().zip(dirs) {
            p.value.scaled_add(s, d);
        }
    };
    let mut central = |h: f32| {
        shift(net, h);
        let fp = loss(net);
        shift(net, -2.0 * h);
        let fm = loss(net);
        shift(net, h);
        (fp - fm) / (2.0 * h as f64)
    };
    let h = 1e-3f32 / norm.max(1e-12);
    let fd = 0.5 * (central(h) + central(h / 2.0));
    let an: f64 = grads.iter().zip(dirs).flat_map(|(g, d)| g.iter().zip(d.iter())).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
    (fd, an)
}

#[test]
fn weight_gradients_match_central_differences() {
    let mut net = Network::from_onnx(common::MODEL).unwrap();
    // 32 images: each ReLU/max-pool kink a finite step crosses moves one image's loss, so
    // the average over more images gives a steadier finite difference (with the confident,
    // unsmoothed standard model, 4 images scattered the estimate by ±3%).
    let (x, y) = images(32);
    let x0 = x.view().to_owned();
    let (_, grads) = net.param_gradients(&x0, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &y).1).unwrap();
    let mut rng = Rng::seeded(11);
    let checked: Vec<usize> = (0..net.params().len()).filter(|&i| net.params()[i].trainable).collect();
    assert!(checked.len() >= 10, "the model has trainable convolutions and a classifier");
    // a random direction over all trainable weights at once, and one per single tensor
    for round in 0..4 {
        let on: Vec<bool> =
            net.params().iter().enumerate().map(|(i, p)| p.trainable && (round == 0 || i == checked[(round * 5) % checked.len()])).collect();
        let mut dirs: Vec<ArrayD<f32>> = net
            .params()
            .iter()
            .zip(&on)
            .map(|(p, &on)| ArrayD::from_shape_simple_fn(p.value.raw_dim(), || if on { rng.normal() } else { 0.0 }))
            .collect();
        // Tilted towards the backprop gradient on the same tensors (d = r/|r| + g/|g|, as in the
        // input-gradient test): a random direction's derivative can be small enough for f32
        // rounding in the loss to scatter the finite difference by several per cent (a single
        // tensor of the distilled model: ±5%). A wrong gradient still fails: the finite
        // difference measures the true gradient along g, backprop claims |g|.
        let sq = |v: &ArrayD<f32>| v.iter().map(|x| x * x).sum::<f32>();
        let rn = dirs.iter().map(sq).sum::<f32>().sqrt();
        let gn = grads.iter().zip(&on).filter(|(_, &on)| on).map(|(g, _)| sq(g)).sum::<f32>().sqrt();
        for ((d, g), &on) in dirs.iter_mut().zip(&grads).zip(&on) {
            if on {
                *d = &*d / rn + &(g / gn);
            }
        }
        let (fd, an) = directional(&mut net, &grads, &dirs, &|n: &Network| ce(n, &x0, &y));
        assert!(rel(fd, an) < 1e-2, "round {round}: finite differences {fd}, backprop {an}");
    }
}

#[test]
fn unsupported_ops_are_named() {
    // The committed model with its first Relu renamed to an op nn does not mirror.
    // NodeProto.op_type is field 4 (length-delimited): tag 0x22, length 4, "Relu".
    let mut bytes = common::MODEL.to_vec();
    let pat = [0x22u8, 4, b'R', b'e', b'l', b'u'];
    let pos = bytes.windows(6).position(|w| w == pat).expect("the model has a Relu node");
    bytes[pos + 2..pos + 6].copy_from_slice(b"Selu");
    let err = Network::from_onnx(&bytes).unwrap_err().to_string();
    assert!(err.contains("`Selu`"), "{err}");
    assert!(Network::from_onnx(b"not onnx").is_err());
    assert!(Network::from_onnx(&[]).is_err());
}

#[test]
fn training_steps_lower_the_loss() {
    let mut net = Network::from_onnx(common::MODEL).unwrap();
    let (x, y) = images(20);
    let x0 = x.view().to_owned();
    // shuffled labels: something the model must learn
    let wrong: Vec<usize> = y.iter().map(|&v| (v + 3) % 10).collect();
    let before = ce(&net, &x0, &wrong);
    let mut opt = mlsec::nn::optim::Adam::new(1e-3).unwrap();
    for _ in 0..5 {
        let (_, g) = net.param_gradients(&x0, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &wrong).1).unwrap();
        opt.step(net.params_mut(), &g).unwrap();
    }
    let after = ce(&net, &x0, &wrong);
    assert!(after < before * 0.9, "loss {before} -> {after}");
}



/// Cross-entropy of `x` in training form (BatchNorm on the batch's own statistics).
fn ce_train(net: &Network, x: &Array4<f32>, y: &[usize]) -> f64 {
    let (l, _) = net.forward_train(x).unwrap();
    let (loss, _) = mlsec::loss::cross_entropy(&l, y);
    loss.iter().map(|&v| v as f64).sum()
}

#[test]
fn batch_norm_training_gradients_match_central_differences() {
    use mlsec::nn::CnnSpec;
    // a small batch-normalised VGG-style net; the batch statistics depend on every image, so
    // a wrong backward (the inference form's) is off by far more than the tolerance
    let spec = CnnSpec { widths: vec![6, 8], convs: 2, batch_norm: true, hidden: 16, classes: 10 };
    let mut net = Network::cnn(&spec, 3).unwrap();
    assert!(net.has_batch_norm());
    let (x, y) = images(16);
    let x0 = x.view().to_owned();
    let (_, grads, stats) = net.train_gradients(&x0, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &y).1).unwrap();
    assert_eq!(stats.len(), 4, "one set of batch statistics per BatchNorm");
    let mut rng = Rng::seeded(5);
    for round in 0..3 {
        let dirs: Vec<ArrayD<f32>> = net.params().iter().map(|p| ArrayD::from_shape_simple_fn(p.value.raw_dim(), || if p.trainable { rng.normal() } else { 0.0 })).collect();
        let (fd, an) = directional(&mut net, &grads, &dirs, &|n: &Network| ce_train(n, &x0, &y));
        assert!(rel(fd, an) < 1e-2, "round {round}: finite differences {fd}, backprop {an}");
    }
    // the input gradient through the batch statistics
    let (logits, tape) = net.forward_train(&x0).unwrap();
    let d = mlsec::loss::cross_entropy(&logits, &y).1;
    let g = net.backward(&tape, &d, true, None).unwrap().unwrap();
    let r = Array4::from_shape_simple_fn(x0.raw_dim(), || rng.normal());
    let gnorm = g.iter().map(|v| v * v).sum::<f32>().sqrt();
    let dir = &(&r / r.iter().map(|v| v * v).sum::<f32>().sqrt()) + &(&g / gnorm);
    let h = 1e-3f32;
    let fd = (ce_train(&net, &(&x0 + &(&dir * h)), &y) - ce_train(&net, &(&x0 - &(&dir * h)), &y)) / (2.0 * h as f64);
    let an: f64 = g.iter().zip(dir.iter()).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
    assert!(rel(fd, an) < 1e-2, "input: finite differences {fd}, backprop {an}");
}

#[test]
fn batch_norm_running_statistics_follow_the_batches() {
    use mlsec::nn::CnnSpec;
    let spec = CnnSpec { widths: vec![4], convs: 1, batch_norm: true, hidden: 8, classes: 10 };
    let mut net = Network::cnn(&spec, 1).unwrap();
    let (x, y) = images(32);
    let x0 = x.view().to_owned();
    let seed = |l: &Array2<f32>| mlsec::loss::cross_entropy(l, &y).1;
    // the whole batch at once, and the same batch in two halves pooled: the same statistics
    let (_, _, whole) = net.train_gradients(&x0, &seed).unwrap();
    let (a, b) = (x0.slice(ndarray::s![..16, .., .., ..]).to_owned(), x0.slice(ndarray::s![16.., .., .., ..]).to_owned());
    let ya: Vec<usize> = y[..16].to_vec();
    let yb: Vec<usize> = y[16..].to_vec();
    let (_, _, sa) = net.train_gradients(&a, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &ya).1).unwrap();
    let (_, _, sb) = net.train_gradients(&b, &|l: &Array2<f32>| mlsec::loss::cross_entropy(l, &yb).1).unwrap();
    let mut n1 = net.clone();
    let mut n2 = net.clone();
    n1.update_running_stats(&whole, 1.0).unwrap();
    n2.update_running_stats(&[sa, sb].concat(), 1.0).unwrap();
    for (p, q) in n1.params().iter().zip(n2.params()) {
        for (u, v) in p.value.iter().zip(q.value.iter()) {
            assert!((u - v).abs() < 1e-4 * (1.0 + u.abs()), "{}: {u} vs {v}", p.name);
        }
    }
    // momentum 1 copies the batch's mean; the variance is unbiased (× n/(n−1))
    let m = n1.params().iter().find(|p| p.name.ends_with("running_mean")).unwrap();
    let v = n1.params().iter().find(|p| p.name.ends_with("running_var")).unwrap();
    assert!((m.value[[0]] - whole[0].mean[0]).abs() < 1e-6);
    let n = whole[0].count as f32;
    assert!((v.value[[0]] - whole[0].var[0] * n / (n - 1.0)).abs() < 1e-5 * (1.0 + v.value[[0]]));
    // in training form each channel comes out normalised; after the update the inference
    // form normalises the same batch about as well
    assert!(whole[0].var.iter().all(|&s| s > 0.0));
    net.update_running_stats(&whole, 0.5).unwrap();
    let before = net.params().iter().find(|p| p.name.ends_with("running_mean")).unwrap().value[[0]];
    assert!((before - 0.5 * whole[0].mean[0]).abs() < 1e-6, "momentum 0.5 from 0 moves halfway");
}

#[test]
fn batch_norm_from_onnx_is_checked_at_load_and_computes_its_formula() {
    // tests/fixtures/make_bn_onnx.py: input [N,3,32,32] -> BatchNormalization -> Relu ->
    // GlobalAveragePool -> Flatten.
    let net = Network::from_onnx(include_bytes!("fixtures/bn_ok.onnx")).unwrap();
    let x = Array4::from_shape_fn((2, 3, 32, 32), |(n, c, h, w)| (n as f32 - 0.5) * 0.3 + c as f32 * 0.2 + (h * 32 + w) as f32 * 0.001 - 0.4);
    let (y, _) = net.forward(&x).unwrap();
    let (scale, bias, mean, var) = ([1.0f32, 2.0, 0.5], [0.0f32, 0.5, -0.1], [0.1f32, -0.2, 0.3], [1.0f32, 4.0, 0.25]);
    let mut want = Array2::<f64>::zeros((2, 3));
    for ((n, c, _, _), &v) in x.indexed_iter() {
        want[[n, c]] += ((scale[c] * (v - mean[c]) / (var[c] + 1e-5).sqrt() + bias[c]).max(0.0) / 1024.0) as f64;
    }
    for ((n, c), &w) in want.indexed_iter() {
        assert!((y[[n, c]] as f64 - w).abs() < 1e-5, "({n},{c}): {} vs {w}", y[[n, c]]);
    }
    // weight gradients run over the same per-channel parameters
    let (_, g) = net.param_gradients(&x, &|l: &Array2<f32>| Array2::ones(l.raw_dim())).unwrap();
    assert_eq!(g.len(), net.params().len());
    // a running mean of one value for three channels is refused when the file is read, with a
    // sentence, not at the first gradient as an out-of-bounds index
    let err = Network::from_onnx(include_bytes!("fixtures/bn_short_mean.onnx")).unwrap_err().to_string();
    assert!(err.contains("BatchNormalization") && err.contains("one length"), "{err}");
}
