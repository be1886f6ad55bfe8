//! The extraction lab's command line: `mlsec extract` (a façade over
//! [`mlsec::labs::extraction`]) and `mlsec flood`, the lab's rate-limit check — one key floods the mock API while a
//! benign key keeps its pace; nothing may be lost from the audit log.

use mlsec::api::flood::Flood;
use mlsec::labs::extraction::params::PRESETS;
use mlsec::labs::extraction::{ExtractionLab, Params};
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Classifier;
use mlsec::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Steal the victim through the mock API: a query strategy, a budget, a surrogate trained on the answers.
    Extract {
        #[command(flatten)]
        args: ExtractArgs,
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
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Extract { args } => extract(args, matches),
            Cmd::Flood { model, queries, rate, burst, interval_ms, seed, json } => flood(&model, queries, rate, burst, interval_ms, seed, json),
    })
}


pub fn flood(model: &Path, queries: usize, rate: f64, burst: f64, interval_ms: f64, seed: u64, json: bool) -> Result<()> {
    let spec = Flood { queries, rate, burst, interval_ms, seed };
    spec.check()?;
    let t = Instant::now();
    let bytes = mlsec::model::check::read_file(model)?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let victim = |x: &[f32], n: usize| -> Result<Vec<f32>> { Ok(clf.probabilities(&mlsec::data::cifar::images(x, n)?)?.into_iter().collect()) };
    let (mut r, _) = spec.run(clf.classes(), victim)?;
    r.seconds = t.elapsed().as_secs_f64();
    if json {
        crate::cli::print_json(&r)?;
    } else {
        println!("flood: {} calls in {:.1} s (one per {} ms) at rate {} /s, burst {}: {} admitted (bound {:.0}), {} refused with 429", queries, r.duration_s, interval_ms, rate, burst, r.admitted, r.bound, r.refused);
        println!("benign key: {}/{} served; audit log: {} entries, {}", r.benign_served, r.benign_sent, r.log_entries, if r.log_verified { "chain verified, nothing lost" } else { "VERIFICATION FAILED" });
    }
    if r.within_bound && r.log_verified && r.benign_served == r.benign_sent {
        Ok(())
    } else {
        Err(Error::Data("the rate limit or the audit log failed its check".into()))
    }
}

/// `mlsec extract`'s options: the lab's [`Params`] (every default stated there), a preset
/// under them, and what only the command line has (files, image count, threads, output).
#[derive(clap::Args)]
pub struct ExtractArgs {
    /// Start from this preset (full: the README's recipe; quick: the page's first run); flags given override it.
    #[arg(long, default_value = PRESETS[0], value_parser = clap::builder::PossibleValuesParser::new(PRESETS))]
    pub preset: String,
    #[command(flatten)]
    pub params: Params,
    #[arg(long, default_value = "models/cifar10_resnet9.onnx")]
    pub model: std::path::PathBuf,
    /// Folder holding cifar10-jpeg.zip (default: $MLSEC_DATA, else ../shared/datasets).
    #[arg(long)]
    pub data: Option<std::path::PathBuf>,
    /// Test images used (class-interleaved order): the k-th image of each class goes to the attacker's pool when k is even, else to the evaluation half.
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// Training threads (0: every core, at most 4); the result is the same for any count.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub out: crate::cli::Output,
}

/// `mlsec extract`: `matches` are the subcommand's, to tell the flags given from the defaults.
pub fn extract(a: ExtractArgs, matches: &clap::ArgMatches) -> Result<()> {
    let t = Instant::now();
    let params = crate::cli::over_preset(&a.params, &Params::preset(&a.preset)?, matches)?;
    let mut valid = params.check()?;
    if a.out.dry_run {
        crate::cli::print_json(&params)?;
        return Ok(());
    }
    valid.steal.threads = a.threads;
    let bytes = mlsec::model::check::read_file(&a.model)?;
    let dir = mlsec::data::cifar::data_dir(a.data.as_deref());
    let samples = mlsec::data::cifar::load(&dir, mlsec::data::cifar::Split::Test, Some(a.n))?;
    let mut lab = ExtractionLab::open(&bytes, &samples, &valid)?;
    let json = a.out.json;
    let r = lab.run_all(
        &valid,
        &mut |p| {
            if !json {
                eprintln!("{:>6} queries{} fidelity {:5.1}%  accuracy {:5.1}%  loss {:.3}  ({:.0} s)", p.queries, if p.polished { " +polish" } else { "        " }, 100.0 * p.fidelity, 100.0 * p.accuracy, p.loss, t.elapsed().as_secs_f64());
            }
            true
        },
        &|| t.elapsed().as_secs_f64(),
    )?;
    if json {
        crate::cli::print_json(&r)?;
        return Ok(());
    }
    println!(
        "{} queries ({}, policy {}, {}; seed {}): fidelity {:.1}%, accuracy {:.1}% (victim {:.1}%) on {} held-out images",
        r.queries, r.strategy, r.policy, r.arch, r.seed, 100.0 * r.fidelity, 100.0 * r.accuracy, 100.0 * r.victim_accuracy, r.eval_images
    );
    println!(
        "answered {}, abstained {}, 429s {}, blocked {}; simulated time {:.0} s; PRADA {}",
        r.answered, r.abstained, r.rate_limited, r.blocked, r.simulated_s,
        if !r.prada { "off".to_string() } else if r.alerts > 0 { format!("ALERT at query {}", r.alert_at.unwrap_or(0)) } else { format!("no alert (W {:.3})", r.prada_w.unwrap_or(f64::NAN)) }
    );
    if let Some(tr) = &r.transfer {
        println!("transfer: PGD-{} at {:.0}/255 on the surrogate fools the victim on {:.1}% of {} images (surrogate {:.1}%; random sign noise {:.1}%)", tr.steps, params.eps, 100.0 * tr.transfer_rate, tr.images, 100.0 * tr.surrogate_rate, 100.0 * tr.noise_rate);
    }
    println!("audit log: {} entries, {}; {:.1} s", r.log_entries, if r.log_verified { "chain verified" } else { "VERIFICATION FAILED" }, r.seconds);
    Ok(())
}
