//! `mlsec eval` and `mlsec pack`: the classify lab's façade ([`mlsec::labs::classify`]).

use mlsec::data::cifar;
use mlsec::labs::classify::{self, Params};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Accuracy of an ONNX classifier on CIFAR-10, through tract.
    Eval {
        /// Path to the ONNX model.
        #[arg(long)]
        model: PathBuf,
        /// Folder holding cifar10-jpeg.zip (default: $MLSEC_DATA, else ../shared/datasets).
        #[arg(long)]
        data: Option<PathBuf>,
        #[command(flatten)]
        params: Params,
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
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, _matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Eval { model, data, params, json } => eval(&model, data.as_deref(), &params, json),
            Cmd::Bench { model, seconds, json } => bench(model, seconds, json),
            Cmd::Pack { data, n, out } => pack(data.as_deref(), n, &out),
    })
}


fn now() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// Accuracy of an ONNX model on a CIFAR-10 split (a table, or the report as JSON).
pub fn eval(model: &Path, data: Option<&Path>, params: &Params, json: bool) -> mlsec::Result<()> {
    let p = params.check()?;
    let bytes = mlsec::model::check::read_file(model)?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let samples = cifar::load(&cifar::data_dir(data), p.split, p.n)?;
    let report = classify::evaluate(&clf, &model.display().to_string(), &samples, &p, now)?;
    if json {
        crate::cli::print_json(&report)?;
    } else {
        println!("model      {}", report.model);
        println!("split      {} ({} images)", report.split, report.images);
        println!("accuracy   {:.2}%", 100.0 * report.accuracy);
        for (name, a) in &report.per_class {
            println!("  {:<11} {:.2}%", name, 100.0 * a);
        }
        println!("speed      {:.0} images/s (tract, batch {}, forward only)", report.images_per_second, p.batch);
    }
    Ok(())
}

/// Pack the first `n` class-interleaved test images into the site's sample file.
pub fn pack(data: Option<&Path>, n: usize, out: &Path) -> mlsec::Result<()> {
    let samples = cifar::load(&cifar::data_dir(data), cifar::Split::Test, Some(n))?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| mlsec::Error::io(parent.display().to_string(), e))?;
    }
    std::fs::write(out, cifar::pack(&samples)).map_err(|e| mlsec::Error::io(out.display().to_string(), e))?;
    eprintln!("packed {} test images into {}", samples.len(), out.display());
    Ok(())
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
        crate::cli::print_json(&report)?;
    } else {
        println!("tract native: {b1:.3} ms/image at batch 1, {b32:.3} ms/image at batch 32");
        println!("nn native: forward {nn32:.3} ms/image, forward+input gradient {step32:.3} ms/image (batch 32)");
    }
    Ok(())
}
