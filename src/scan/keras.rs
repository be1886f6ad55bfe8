//! Keras: `Lambda` layers carry Python code (marshalled bytecode in legacy H5 files, which
//! runs when the model is loaded; source or bytecode in `.keras` files), and custom objects
//! make the loader import modules named by the file.
//!
//! `.keras` archives hold the architecture in `config.json` ([`super::archive`] hands it here).
//! Legacy H5 files hold it in the `model_config` attribute. There is no native HDF5 library
//! (the scanner must also run in wasm), and none is needed: HDF5 stores attribute strings
//! (fixed-length in the object header, variable-length in a global heap collection) as
//! contiguous, uncompressed bytes, so the scanner streams the file looking for the JSON
//! objects Keras writes (`{"class_name": ...`, `{"module": ...`) and parses each one it finds.

use std::io::{Read, Seek, SeekFrom};

use serde_json::Value;

use super::{Ctx, Severity};

/// Largest JSON config read.
const MAX_CONFIG: u64 = 64 << 20;

const REMEDIATION: &str = "Load Keras models only from trusted sources, with keras.models.load_model(..., safe_mode=True); rebuild Lambda layers as regular layers and register custom objects explicitly.";

/// Built-in Keras 2 class names (legacy configs carry no `module` field).
const BUILTIN: &[&str] = &[
    "Sequential", "Functional", "Model", "InputLayer", "Input", "Dense", "Conv1D", "Conv2D", "Conv3D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
    "DepthwiseConv1D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Flatten",
    "Reshape", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
    "GaussianNoise", "GaussianDropout", "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "UnitNormalization", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
    "Embedding", "LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells", "RNN",
    "Bidirectional", "TimeDistributed", "ConvLSTM2D", "Add", "Concatenate", "Multiply", "Average", "Maximum",
    "Minimum", "Subtract", "Dot", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D",
    "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "Permute", "RepeatVector",
    "Masking", "Rescaling", "Normalization", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation",
    "RandomZoom", "RandomCrop", "RandomTranslation", "RandomContrast", "RandomBrightness", "MultiHeadAttention",
    "Attention", "AdditiveAttention", "StringLookup", "IntegerLookup", "TextVectorization", "Discretization",
    "CategoryEncoding", "Hashing", "HashedCrossing", "Identity", "Wrapper",
    // initializers, regularizers, constraints, optimizers, losses, policies
    "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Zeros", "Ones",
    "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal", "Orthogonal", "VarianceScaling",
    "L1", "L2", "L1L2", "OrthogonalRegularizer", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "RadialConstraint",
    "Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion",
    "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay", "InverseTimeDecay", "PolynomialDecay",
    "DTypePolicy", "Policy", "FloatDTypePolicy", "__tuple__", "TensorShape",
];

fn is_keras_module(m: &str) -> bool {
    let root = m.split('.').next().unwrap_or(m);
    matches!(root, "keras" | "tf_keras" | "tensorflow" | "builtins")
}

struct Walk<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    offset: Option<u64>,
    found_lambda: usize,
    custom: std::collections::BTreeSet<String>,
    depth_reported: bool,
}

impl Walk<'_, '_> {
    fn visit(&mut self, v: &Value, depth: usize) {
        if depth > self.ctx.limits.max_nesting {
            if !self.depth_reported {
                self.depth_reported = true;
                self.ctx.push(Severity::High, "scan.limit", self.offset, None, None,
                    "The Keras config nests deeper than the scanner's limit; deeper parts were not checked.", REMEDIATION);
            }
            return;
        }
        match v {
            Value::Object(m) => {
                if let Some(class) = m.get("class_name").and_then(Value::as_str) {
                    let cfg = m.get("config");
                    let name = cfg.and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("?");
                    if class == "Lambda" {
                        self.found_lambda += 1;
                        let func = cfg.and_then(|c| c.get("function")).map(|f| {
                            let s = f.to_string();
                            s.chars().take(80).collect::<String>()
                        });
                        self.ctx.push(
                            Severity::Critical,
                            "keras.lambda",
                            self.offset,
                            Some(format!("Lambda:{name}")),
                            func.map(|f| format!("layer {name:?} function = {f}")),
                            format!("Lambda layer {name:?} carries Python code that runs when the model is loaded (legacy H5) or called."),
                            REMEDIATION,
                        );
                    } else {
                        let module = m.get("module").and_then(Value::as_str);
                        let registered = m.get("registered_name").and_then(Value::as_str);
                        let custom = match module {
                            Some(md) => !is_keras_module(md),
                            None => !BUILTIN.contains(&class),
                        } || registered.is_some_and(|r| r.contains('>'));
                        if custom {
                            let what = match (module, registered) {
                                (Some(md), _) if !is_keras_module(md) => format!("{md}.{class}"),
                                (_, Some(r)) if r.contains('>') => r.to_string(),
                                _ => class.to_string(),
                            };
                            self.custom.insert(what);
                        }
                    }
                }
                for (k, c) in m {
                    if k != "function" {
                        self.visit(c, depth + 1);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|c| self.visit(c, depth + 1)),
            Value::String(s) if depth < 8 && s.trim_start().starts_with('{') && s.contains("class_name") => {
                // configs embedded as JSON strings (e.g. `training_config`)
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    self.visit(&inner, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn finish(self) {
        if !self.custom.is_empty() {
            let list: Vec<String> = self.custom.into_iter().collect();
            let list = list.join(", ");
            self.ctx.push(
                Severity::Medium,
                "keras.custom-object",
                self.offset,
                None,
                Some(list.clone()),
                format!("The model names custom objects ({list}): loading it imports and runs code from those modules."),
                REMEDIATION,
            );
        }
    }
}

/// Scan one parsed Keras config.
fn scan_config(ctx: &mut Ctx, v: &Value, offset: Option<u64>) {
    let mut w = Walk { ctx, offset, found_lambda: 0, custom: Default::default(), depth_reported: false };
    w.visit(v, 0);
    w.finish();
}

/// Scan a `config.json` (a `.keras` member) from a reader of `len` bytes.
pub(crate) fn scan_config_reader<R: Read>(ctx: &mut Ctx, r: R, len: u64) {
    if len > MAX_CONFIG {
        ctx.unscannable(None, format!("config.json is {len} bytes, over the scanner's {MAX_CONFIG}"));
        return;
    }
    let mut text = Vec::new();
    if let Err(e) = r.take(MAX_CONFIG).read_to_end(&mut text) {
        ctx.unscannable(None, format!("read error ({e})"));
        return;
    }
    match serde_json::from_slice::<Value>(&text) {
        Ok(v) => scan_config(ctx, &v, None),
        Err(e) => ctx.unscannable(None, format!("config.json is not valid JSON ({e})")),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Scan a legacy Keras H5 file: find and check every Keras JSON config in it.
pub(crate) fn scan_h5<R: Read + Seek>(ctx: &mut Ctx, r: &mut R, len: u64) {
    const WINDOW: usize = 8 << 20;
    const NEEDLES: [&[u8]; 2] = [b"{\"class_name\"", b"{\"module\""];
    let overlap = 16usize;
    let mut pos = 0u64;
    let mut buf = vec![0u8; WINDOW];
    let mut configs = 0usize;
    while pos < len {
        if ctx.out_of_time(Some(pos)) {
            return;
        }
        if r.seek(SeekFrom::Start(pos)).is_err() {
            ctx.unscannable(Some(pos), "seek failed");
            return;
        }
        let want = ((len - pos) as usize).min(WINDOW);
        if r.read_exact(&mut buf[..want]).is_err() {
            ctx.unscannable(Some(pos), "the file is truncated");
            return;
        }
        let hay = &buf[..want];
        let hit = NEEDLES.iter().filter_map(|n| find(hay, n)).min();
        match hit {
            Some(i) => {
                let at = pos + i as u64;
                let take = (len - at).min(MAX_CONFIG);
                let mut json = vec![0u8; take as usize];
                if r.seek(SeekFrom::Start(at)).is_err() || r.read_exact(&mut json).is_err() {
                    ctx.unscannable(Some(at), "read error");
                    return;
                }
                let mut it = serde_json::Deserializer::from_slice(&json).into_iter::<Value>();
                match it.next() {
                    Some(Ok(v)) if v.get("config").is_some() || v.get("class_name").is_some() => {
                        configs += 1;
                        scan_config(ctx, &v, Some(at));
                        pos = at + it.byte_offset().max(1) as u64;
                    }
                    _ => pos = at + 1,
                }
            }
            None => {
                if want < WINDOW {
                    break;
                }
                pos += (want - overlap) as u64;
            }
        }
        if configs > 10_000 {
            ctx.unscannable(Some(pos), "more than 10,000 embedded configs");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ctx, Limits, Severity};
    use super::*;

    #[test]
    fn lambda_and_custom_objects() {
        let l = Limits::default();
        let mut ctx = Ctx::new("m.keras", &l);
        let cfg: Value = serde_json::from_str(r#"{"class_name":"Sequential","config":{"layers":[
            {"class_name":"Dense","config":{"name":"d","kernel_initializer":{"class_name":"GlorotUniform","config":{}}}},
            {"class_name":"Lambda","config":{"name":"evil","function":["4wEAAAAA", null, null]}},
            {"module":"evilpkg.layers","class_name":"Backdoor","config":{"name":"b"},"registered_name":"evilpkg>Backdoor"}]}}"#).unwrap();
        scan_config(&mut ctx, &cfg, None);
        let sev: Vec<Severity> = ctx.findings.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::Critical, Severity::Medium], "{:?}", ctx.findings);
        assert!(ctx.findings[1].message.contains("evilpkg.layers.Backdoor"));
        let mut ctx = Ctx::new("ok.keras", &l);
        let ok: Value = serde_json::from_str(r#"{"module":"keras","class_name":"Sequential","config":{"layers":[{"module":"keras.layers","class_name":"Dense","config":{"name":"d"},"registered_name":null}]}}"#).unwrap();
        scan_config(&mut ctx, &ok, None);
        assert!(ctx.findings.is_empty());
    }
}
