//! The crate's error type. Every fallible library call returns [`Result`]; messages are
//! sentences a learner can act on, because the wasm layer shows them as they are.

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not a usable ONNX model (parse error, wrong shape, unsupported op, too big).
    #[error("the model could not be loaded: {0}")]
    Model(String),
    /// Running a loaded model failed.
    #[error("the model could not run: {0}")]
    Inference(String),
    /// An uploaded file is not a decodable image, or is too large.
    #[error("the image could not be read: {0}")]
    Image(String),
    /// A dataset file is missing or malformed.
    #[error("{0}")]
    Data(String),
    /// A caller passed an argument outside its documented range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Tensor shapes do not fit together.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// Filesystem errors (native only).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wrap an I/O error with what was being done, e.g. the path.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

/// `v` as a whole number in `lo..=hi`, checked before any cast (`as` would saturate 300 to
/// 255 and truncate 2.5 to 2): otherwise a sentence naming `what` and its range.
pub fn whole(what: &str, v: f64, lo: u64, hi: u64) -> Result<u64> {
    if v.is_finite() && v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
        Ok(v as u64)
    } else {
        Err(Error::InvalidArgument(format!("{what} must be a whole number in {lo}..={hi}, got {v}")))
    }
}

/// A seed from JavaScript (a number): a whole number in 0..=2⁵³ (the integers a double holds exactly).
pub fn seed(v: f64) -> Result<u64> {
    whole("the seed", v, 0, 1 << 53)
}
