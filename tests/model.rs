//! The committed model through tract, natively: accuracy on real test images, the reference
//! logits the wasm test compares against, and bad model files.

mod common;

use mlsec::data::cifar::{self, Split};
use mlsec::model::onnx::{OnnxClassifier, MAX_MODEL_BYTES};
use mlsec::model::Classifier;
use mlsec::tensor::Batch;

fn model() -> OnnxClassifier {
    OnnxClassifier::from_bytes(common::MODEL).expect("the committed model loads")
}

#[test]
fn committed_model_classifies_200_interleaved_test_images() {
    let dir = cifar::data_dir(None);
    let samples = cifar::load(&dir, Split::Test, Some(200)).expect("CIFAR-10 zip (set MLSEC_DATA)");
    // the --n prefix is class-balanced
    for c in 0..10u8 {
        assert_eq!(samples.labels.iter().filter(|&&l| l == c).count(), 20);
    }
    let m = model();
    let pred = m.predict(&samples.batch(0, 200).unwrap()).unwrap();
    let truth: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let acc = mlsec::metrics::accuracy(&pred, &truth, 10);
    assert!(acc.accuracy >= 0.85, "accuracy on --n 200 is {}", acc.accuracy);
}

#[test]
fn reference_logits() {
    let m = model();
    let x = Batch::from_nchw(&common::known_images(), common::KNOWN, 3, 32, 32).unwrap();
    let logits = m.logits(&x).unwrap();
    if std::env::var_os("MLSEC_BLESS").is_some() {
        let rows: Vec<String> = logits
            .rows()
            .into_iter()
            .map(|r| format!("[{}]", r.iter().map(|v| format!("{v:.7}")).collect::<Vec<_>>().join(", ")))
            .collect();
        let text = format!("{{\"logits\": [\n{}\n]}}\n", rows.join(",\n"));
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference_logits.json"), text).unwrap();
        return;
    }
    let want = common::reference_logits();
    assert_eq!(want.len(), common::KNOWN, "reference file out of date: rerun with MLSEC_BLESS=1");
    for (i, row) in logits.rows().into_iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            assert!((v - want[i][j]).abs() < 1e-5, "image {i} class {j}: {v} vs {} (model changed? rerun with MLSEC_BLESS=1)", want[i][j]);
        }
    }
}

#[test]
fn every_batch_size_gives_the_same_logits() {
    // more sizes than the per-size plan cache holds, twice, so plans are evicted and rebuilt
    let m = model();
    let imgs = common::known_images();
    let per = 3 * 32 * 32;
    let mut big = Vec::new();
    for k in 0..9 {
        big.extend_from_slice(&imgs[(k % common::KNOWN) * per..(k % common::KNOWN + 1) * per]);
    }
    let x = Batch::from_nchw(&big, 9, 3, 32, 32).unwrap();
    let all = m.logits(&x).unwrap();
    for _ in 0..2 {
        for n in 1..=9 {
            let part = m.logits(&x.slice(0, n).unwrap()).unwrap();
            for i in 0..n {
                for j in 0..m.classes() {
                    assert!((part[[i, j]] - all[[i, j]]).abs() < 1e-4, "batch {n}, image {i}");
                }
            }
        }
    }
}

#[test]
fn bad_model_files_are_clear_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("text", b"this is not an onnx file at all".to_vec()),
        ("truncated", common::MODEL[..common::MODEL.len() / 2].to_vec()),
        ("oversized", vec![0u8; MAX_MODEL_BYTES + 1]),
        ("random", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
    ];
    for (name, bytes) in cases {
        let err = OnnxClassifier::from_bytes(&bytes).expect_err(name).to_string();
        assert!(err.starts_with("the model could not be loaded"), "{name}: {err}");
    }
}

#[test]
fn wrong_input_shapes_are_errors() {
    let m = model();
    let x = Batch::from_nchw(&vec![0.5; 3 * 16 * 16], 1, 3, 16, 16).unwrap();
    assert!(m.logits(&x).is_err());
    assert!(Batch::from_nchw(&[0.5; 10], 1, 3, 32, 32).is_err());
    assert!(Batch::from_nchw(&vec![2.0; 3 * 32 * 32], 1, 3, 32, 32).is_err());
}

/// Hostile variants of the committed model (issue 16): each is refused by both engines with a
/// sentence — natively and, since the same gate runs in wasm, in the page — never a panic, an
/// abort on allocation or a silent run.
mod hostile {
    use super::common;
    use mlsec::model::onnx::OnnxClassifier;
    use mlsec::nn::Network;
    use prost::Message;
    use tract_onnx::pb::{self, AttributeProto, ModelProto, NodeProto, TensorProto};
    use tract_onnx::prelude::Framework;

    fn proto() -> ModelProto {
        let mut r = common::MODEL;
        tract_onnx::onnx().proto_model_for_read(&mut r).expect("the committed model parses")
    }

    fn mutate(f: impl FnOnce(&mut pb::GraphProto)) -> Vec<u8> {
        let mut m = proto();
        f(m.graph.as_mut().unwrap());
        m.encode_to_vec()
    }

    fn conv(g: &mut pb::GraphProto) -> &mut NodeProto {
        g.node.iter_mut().find(|n| n.op_type == "Conv").expect("a Conv")
    }

    fn set_ints(n: &mut NodeProto, name: &str, v: &[i64]) {
        n.attribute.retain(|a| a.name != name);
        n.attribute.push(AttributeProto { name: name.into(), ints: v.to_vec(), r#type: 7, ..Default::default() });
    }

    fn set_int(n: &mut NodeProto, name: &str, v: i64) {
        n.attribute.retain(|a| a.name != name);
        n.attribute.push(AttributeProto { name: name.into(), i: v, r#type: 2, ..Default::default() });
    }

    fn init<'a>(g: &'a mut pb::GraphProto, name: &str) -> &'a mut TensorProto {
        g.initializer.iter_mut().find(|t| t.name == name).expect("initializer")
    }

    fn floats(t: &mut TensorProto) -> Vec<f32> {
        if t.raw_data.is_empty() {
            t.float_data.clone()
        } else {
            t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        }
    }

    fn set_floats(t: &mut TensorProto, v: &[f32]) {
        t.raw_data = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        t.float_data.clear();
    }

    fn set_input_dims(g: &mut pb::GraphProto, dims: &[i64]) {
        use pb::tensor_shape_proto::{dimension::Value, Dimension};
        let inits: Vec<String> = g.initializer.iter().map(|t| t.name.clone()).collect();
        let input = g.input.iter_mut().find(|i| !inits.contains(&i.name)).unwrap();
        let Some(pb::type_proto::Value::TensorType(t)) = input.r#type.as_mut().and_then(|t| t.value.as_mut()) else { panic!("typed input") };
        t.shape = Some(pb::TensorShapeProto {
            dim: dims.iter().map(|&d| Dimension { value: Some(if d < 0 { Value::DimParam("N".into()) } else { Value::DimValue(d) }), ..Default::default() }).collect(),
        });
    }

    /// A three-node classifier: a 1×1 Conv to `channels` outputs (weights `w`, padded by `pad`),
    /// GlobalAveragePool, Flatten. The header (IR, opset) is the committed model's.
    fn tiny(channels: i64, w: f32, pad: i64) -> Vec<u8> {
        mutate(|g| {
            let input = g.input.iter().find(|i| i.name == g.node[0].input[0]).unwrap().clone();
            let n = (channels * 3) as usize;
            let weights: Vec<f32> = (0..n).map(|i| if i == 1 { w } else { 0.01 * (i % 7) as f32 }).collect();
            let w = TensorProto { name: "w".into(), dims: vec![channels, 3, 1, 1], data_type: 1, raw_data: weights.iter().flat_map(|x| x.to_le_bytes()).collect(), ..Default::default() };
            let mut c = NodeProto { op_type: "Conv".into(), input: vec![input.name.clone(), "w".into()], output: vec!["c".into()], ..Default::default() };
            set_ints(&mut c, "pads", &[pad; 4]);
            let pool = NodeProto { op_type: "GlobalAveragePool".into(), input: vec!["c".into()], output: vec!["p".into()], ..Default::default() };
            let flat = NodeProto { op_type: "Flatten".into(), input: vec!["p".into()], output: vec!["logits".into()], ..Default::default() };
            g.node = vec![c, pool, flat];
            g.initializer = vec![w];
            g.input = vec![input];
            g.output[0].name = "logits".into();
            g.output[0].r#type = None;
            g.value_info.clear();
        })
    }

    /// The page's e2e test uploads these: written by `MLSEC_BLESS=1`, else checked unchanged.
    fn fixture(name: &str, bytes: &[u8]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        if std::env::var_os("MLSEC_BLESS").is_some() {
            std::fs::write(&path, bytes).unwrap();
        } else {
            assert!(std::fs::read(&path).ok().as_deref() == Some(bytes), "{name} is stale: MLSEC_BLESS=1 cargo test --test model hostile");
        }
    }

    #[test]
    fn the_tiny_graph_itself_loads_in_both_engines() {
        let ok = tiny(10, 0.5, 0);
        let tract = OnnxClassifier::from_bytes(&ok).expect("tract");
        let nn = Network::from_onnx(&ok).expect("nn");
        assert_eq!((mlsec::model::Classifier::classes(&tract), mlsec::model::Classifier::classes(&nn)), (10, 10));
    }

    /// Both engines refuse `bytes`, and say `want`.
    fn refused(case: &str, bytes: &[u8], want: &str) {
        let tract = OnnxClassifier::from_bytes(bytes).map(|_| ()).expect_err(case).to_string();
        let nn = Network::from_onnx(bytes).map(|_| ()).expect_err(case).to_string();
        let lab = mlsec::labs::evasion::load_model(bytes, 0).map(|_| ()).expect_err(case).to_string();
        for (engine, e) in [("tract", &tract), ("nn", &nn), ("evasion lab", &lab)] {
            assert!(e.contains(want), "{case} ({engine}): `{e}` does not say `{want}`");
            assert!(!e.contains("panic"), "{case} ({engine}): {e}");
        }
    }

    #[test]
    fn malformed_convolutions_are_refused_by_both_engines() {
        let long_bias = mutate(|g| {
            let b = conv(g).input[2].clone();
            let t = init(g, &b);
            let mut v = floats(t);
            v.push(0.5);
            set_floats(t, &v);
            t.dims = vec![v.len() as i64];
        });
        refused("bias longer than the output channels", &long_bias, "one value per output channel");
        refused("kernel_shape unlike the weight", &mutate(|g| set_ints(conv(g), "kernel_shape", &[5, 5])), "disagrees with the weight");
        refused("huge pads", &mutate(|g| set_ints(conv(g), "pads", &[100_000, 100_000, 100_000, 100_000])), "pads");
        refused("negative pads", &mutate(|g| set_ints(conv(g), "pads", &[-1, -1, -1, -1])), "pads");
        refused("stride 0", &mutate(|g| set_ints(conv(g), "strides", &[0, 0])), "strides");
        refused("group 0", &mutate(|g| set_int(conv(g), "group", 0)), "group 0");
        let pool = mutate(|g| {
            let n = g.node.iter_mut().find(|n| n.op_type == "MaxPool").expect("a MaxPool");
            set_ints(n, "kernel_shape", &[40_000, 40_000]);
        });
        refused("huge pooling kernel", &pool, "kernel_shape");
    }

    #[test]
    fn graphs_without_a_usable_output_or_input_are_refused() {
        refused("no outputs", &mutate(|g| g.output.clear()), "exactly one output");
        refused("an undefined output", &mutate(|g| g.output[0].name = "nowhere".into()), "never computed");
        refused("input [N, 3, 64, 64]", &mutate(|g| set_input_dims(g, &[-1, 3, 64, 64])), "[N, 3, 32, 32]");
        refused("input [N, 3, 1e9, 1e9]", &mutate(|g| set_input_dims(g, &[-1, 3, 1_000_000_000, 1_000_000_000])), "[N, 3, 32, 32]");
        refused("one channel", &mutate(|g| set_input_dims(g, &[-1, 1, 32, 32])), "[N, 3, 32, 32]");
        // and the committed model's own declaration passes
        assert!(OnnxClassifier::from_bytes(&mutate(|g| set_input_dims(g, &[1, 3, 32, 32]))).is_ok());
    }

    #[test]
    fn non_finite_weights_are_refused() {
        for (case, v) in [("NaN", f32::NAN), ("infinity", f32::INFINITY)] {
            let bytes = mutate(|g| {
                let w = conv(g).input[1].clone();
                let t = init(g, &w);
                let mut x = floats(t);
                x[7] = v;
                set_floats(t, &x);
            });
            refused(case, &bytes, "NaN or infinite");
        }
        let nan = tiny(10, f32::NAN, 0);
        refused("NaN in a tiny graph", &nan, "NaN or infinite");
        fixture("hostile_nan.onnx", &nan);
    }

    #[test]
    fn graphs_that_would_exhaust_memory_are_refused_before_allocating() {
        // 20,000 identities after the logits: 1.2 GB in tract before the node limit
        let chain = mutate(|g| {
            let mut last = g.output[0].name.clone();
            for i in 0..20_000 {
                let out = format!("id{i}");
                g.node.push(NodeProto { op_type: "Identity".into(), input: vec![last.clone()], output: vec![out.clone()], ..Default::default() });
                last = out;
            }
            g.output[0].name = last;
        });
        refused("a 20,000-node chain", &chain, "the limit is 1000");
        // a window within bounds whose output is 4,096 channels of 160×160 (419 MB for one image)
        let wide = tiny(4096, 0.0, 64);
        fixture("hostile_wide.onnx", &wide);
        refused("4,096 channels at 160×160", &wide, "intermediate values");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_before_reading() {
        use mlsec::model::check::read_file;
        let e = read_file(std::path::Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let dir = std::env::temp_dir().join(format!("mlsec-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = read_file(&dir).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let fifo = dir.join("model.onnx");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        if made {
            // opening a FIFO for reading would block until a writer comes: it must not be opened
            let e = read_file(&fifo).unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        let big = dir.join("big.onnx");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(300 * 1024 * 1024).unwrap(); // sparse: no 300 MB written or read
        let e = read_file(&big).unwrap_err().to_string();
        assert!(e.contains("the limit is 64 MB"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read_file(std::path::Path::new("models/cifar10_resnet9.onnx")).unwrap(), common::MODEL);
    }
}

/// Inputs the fuzzer (`fuzz/`, target onnx_load) found that reached a panic inside tract's shape
/// inference (caught natively by the guard, a trap in the browser): each is refused by the gate
/// with a sentence, never reaching tract.
#[test]
fn fuzzer_finds_are_refused_before_tract() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for (engine, r) in [
            ("tract", OnnxClassifier::from_bytes(&bytes).map(|_| ())),
            ("nn", mlsec::nn::Network::from_onnx(&bytes).map(|_| ())),
        ] {
            let e = r.expect_err(&format!("{} ({engine})", path.display())).to_string();
            assert!(!e.contains("panic"), "{} ({engine}): {e}", path.display());
        }
        n += 1;
    }
    assert!(n >= 1);
}
