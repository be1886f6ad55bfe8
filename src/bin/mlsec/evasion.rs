//! The evasion lab's commands, façades over [`mlsec::labs::evasion`] and the defences:
//! `mlsec attack` (one attack, optionally through a defence, on the class-interleaved test
//! images), `mlsec certify` (randomized smoothing) and `mlsec detect` (feature squeezing).

use mlsec::attacks::evasion::run::{self, AttackKind, AttackSpec};
use mlsec::data::cifar::{self, Split};
use mlsec::labs::evasion;
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Differentiable;
use mlsec::rng::Rng;
use mlsec::tensor::{parse_eps, Batch};
use mlsec::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Attack the first N class-interleaved test images and report robust accuracy.
    Attack {
        #[command(flatten)]
        args: AttackArgs,
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
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, _matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Attack { args } => attack(args),
            Cmd::Certify { model, data, sigma, n, samples, n0, alpha, seed, json } => certify(&model, data.as_deref(), sigma, n, samples, n0, alpha, seed, json),
            Cmd::Detect { model, data, attack, eps, n, fpr, seed, json } => detect(&model, data.as_deref(), &attack, &eps, n, fpr, seed, json),
    })
}


/// Load a model for white-box work (the lab's [`evasion::load_model`] over the file).
pub fn load_differentiable(path: &Path, seed: u64) -> Result<(Box<dyn Differentiable + Send + Sync>, Option<String>)> {
    let bytes = mlsec::model::check::read_file(path)?;
    evasion::load_model(&bytes, seed)
}

/// `mlsec attack`'s own flags beside the lab's settings.
#[derive(clap::Args, Debug)]
pub struct AttackArgs {
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub params: evasion::Params,
    #[command(flatten)]
    pub out: crate::cli::Output,
}

pub fn attack(a: AttackArgs) -> Result<()> {
    let p = a.params.check()?;
    if a.out.dry_run {
        crate::cli::print_json(p.params())?;
        return Ok(());
    }
    let (model, fallback) = load_differentiable(&a.model, p.params().seed)?;
    if let Some(why) = &fallback {
        eprintln!("mlsec: {why}\nmlsec: white-box attacks use NES-estimated gradients over tract");
    }
    let samples = cifar::load(&cifar::data_dir(a.data.as_deref()), Split::Test, Some(p.params().n))?;
    let labels: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let x = samples.batch(0, samples.len())?;
    let t0 = Instant::now();
    let quiet = a.out.json;
    let mut rep = evasion::run(&p, model.as_ref(), &a.model.display().to_string(), &x, &labels, &mut |done, total| {
        if !quiet {
            eprint!("\r{done}/{total} images");
        }
    })?;
    rep.seconds = t0.elapsed().as_secs_f64();
    if a.out.json {
        crate::cli::print_json(&rep)?;
    } else {
        eprintln!();
        println!("attack     {:?} ε = {:.2}/255 ({:?}), defence {}{}", rep.attack, rep.eps_255, rep.norm, rep.defense, if rep.adaptive { " (adaptive)" } else { "" });
        if rep.params.policy != "probs" {
            println!("answers    {} (the output policy the attacker queried through)", rep.params.policy);
        }
        println!("images     {} (seed {})", rep.images, rep.seed);
        println!("clean      {:.1}%", 100.0 * rep.clean_acc);
        println!("robust     {:.1}%", 100.0 * rep.robust_acc);
        println!("success    {:.1}% of correctly classified", 100.0 * rep.asr);
        println!("L∞ / L2    {:.2}/255 / {:.3} (mean over successes)", rep.linf_mean * 255.0, rep.l2_mean);
        println!("queries    {:.0} per image (mean)", rep.queries_mean);
        println!("time       {:.1} s", rep.seconds);
    }
    Ok(())
}

/// `mlsec certify`: randomized smoothing on the first `n` interleaved test images.
#[allow(clippy::too_many_arguments)]
pub fn certify(model: &Path, data: Option<&Path>, sigma: f32, n: usize, samples: usize, n0: usize, alpha: f64, seed: u64, json: bool) -> Result<()> {
    use mlsec::defenses::smoothing::{Smoothed, SmoothingParams};
    if !(1..=cifar::TEST_IMAGES).contains(&n) {
        return Err(Error::InvalidArgument(format!("--n must be between 1 and {} images", cifar::TEST_IMAGES)));
    }
    let bytes = mlsec::model::check::read_file(model)?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let s = cifar::load(&cifar::data_dir(data), Split::Test, Some(n))?;
    let x = s.batch(0, s.len())?;
    let labels: Vec<usize> = s.labels.iter().map(|&l| l as usize).collect();
    let sm = Smoothed::new(&clf, SmoothingParams { sigma, n0, n: samples, alpha, batch: 100 })?;
    let t0 = Instant::now();
    let certs = sm.certify(&x, &mut Rng::seeded(seed))?;
    let seconds = t0.elapsed().as_secs_f64();
    let radii = [0.0, 0.125, 0.25, 0.5, 0.75, 1.0];
    let certified: Vec<serde_json::Value> = radii
        .iter()
        .map(|&r| {
            let k = certs.iter().zip(&labels).filter(|(c, &y)| c.class == Some(y) && c.radius >= r).count();
            serde_json::json!({"radius": r, "accuracy": k as f64 / certs.len().max(1) as f64})
        })
        .collect();
    let abstain = certs.iter().filter(|c| c.class.is_none()).count() as f64 / certs.len().max(1) as f64;
    let correct: Vec<f64> = certs.iter().zip(&labels).filter(|(c, &y)| c.class == Some(y)).map(|(c, _)| c.radius).collect();
    let out = serde_json::json!({
        "model": model.display().to_string(), "sigma": sigma, "images": certs.len(), "n0": n0, "samples": samples,
        "alpha": alpha, "confidence": 1.0 - alpha, "seed": seed,
        "certified_accuracy": certified, "abstain_rate": abstain,
        "mean_radius_correct": if correct.is_empty() { 0.0 } else { correct.iter().sum::<f64>() / correct.len() as f64 },
        "seconds": seconds,
    });
    if json {
        crate::cli::print_json(&out)?;
    } else {
        println!("randomized smoothing σ = {sigma}, {} images, n0 = {n0}, n = {samples}, confidence {:.3}% (seed {seed})", certs.len(), 100.0 * (1.0 - alpha));
        for v in &certified {
            println!("  certified accuracy at L2 radius {:.3}: {:.1}%", v["radius"].as_f64().unwrap_or(0.0), 100.0 * v["accuracy"].as_f64().unwrap_or(0.0));
        }
        println!("  abstained on {:.1}%", 100.0 * abstain);
    }
    Ok(())
}

/// `mlsec detect`: calibrate feature squeezing at 5% false positives on `n` clean images, then
/// measure false positives on `n` other clean images and detection of successful adversarials
/// crafted on those.
#[allow(clippy::too_many_arguments)]
pub fn detect(model_path: &Path, data: Option<&Path>, attack: &str, eps: &str, n: usize, fpr: f64, seed: u64, json: bool) -> Result<()> {
    use mlsec::defenses::detector::squeezing::FeatureSqueezing;
    if !(1..=cifar::TEST_IMAGES / 2).contains(&n) {
        return Err(Error::InvalidArgument(format!("--n must be between 1 and {} (it takes 2n test images)", cifar::TEST_IMAGES / 2)));
    }
    let kind = AttackKind::parse(attack)?;
    let spec = AttackSpec::new(kind, parse_eps(eps, kind.norm(mlsec::tensor::Norm::Linf))?);
    let (model, _) = load_differentiable(model_path, seed)?;
    let s = cifar::load(&cifar::data_dir(data), Split::Test, Some(2 * n))?;
    let calib = s.batch(0, n)?;
    let x = s.batch(n, s.len())?;
    let labels: Vec<usize> = s.labels[n..].iter().map(|&l| l as usize).collect();
    let mut det = FeatureSqueezing::cifar()?;
    let threshold = det.calibrate(model.as_ref(), &calib, fpr)?;
    let clean_flags = det.detect(model.as_ref(), &x)?;
    let goal = run::goal_for(&spec, &labels, model.classes())?;
    let mut rng = Rng::seeded(seed);
    let mut adv = x.view().to_owned();
    for start in (0..x.len()).step_by(50) {
        let end = (start + 50).min(x.len());
        let idx: Vec<usize> = (start..end).collect();
        let r = run::run(&spec, model.as_ref(), &x.slice(start, end)?, &goal.subset(&idx), &mut rng)?;
        adv.slice_mut(ndarray::s![start..end, .., .., ..]).assign(&r.x.view());
    }
    let adv = Batch::new(adv)?;
    let pred_clean = model.predict(&x)?;
    let pred_adv = model.predict(&adv)?;
    let adv_flags = det.detect(model.as_ref(), &adv)?;
    let successful: Vec<usize> = (0..x.len()).filter(|&i| pred_clean[i] == labels[i] && goal.met(i, pred_adv[i])).collect();
    let detected = successful.iter().filter(|&&i| adv_flags[i]).count();
    let out = serde_json::json!({
        "model": model_path.display().to_string(), "detector": "feature squeezing (5-bit depth, 2x2 median)",
        "attack": kind, "eps": spec.eps, "eps_255": spec.eps * 255.0, "seed": seed,
        "calibration_images": n, "target_fpr": fpr, "threshold": threshold,
        "heldout_clean_images": x.len(),
        "heldout_fpr": clean_flags.iter().filter(|&&f| f).count() as f64 / x.len().max(1) as f64,
        "successful_adversarials": successful.len(),
        "detection_rate": if successful.is_empty() { 0.0 } else { detected as f64 / successful.len() as f64 },
    });
    if json {
        crate::cli::print_json(&out)?;
    } else {
        println!("feature squeezing: threshold {threshold:.4} (calibrated at {:.0}% FPR on {n} clean images)", 100.0 * fpr);
        println!("  false positives on {} other clean images: {:.1}%", x.len(), 100.0 * out["heldout_fpr"].as_f64().unwrap_or(0.0));
        println!("  detected {detected} of {} successful {:?} adversarials ({:.1}%)", successful.len(), kind, 100.0 * out["detection_rate"].as_f64().unwrap_or(0.0));
    }
    Ok(())
}
