//! `mlsec attack`: run one evasion attack (optionally against a defence) on the
//! class-interleaved test images and report robust accuracy.

use mlsec::attacks::evasion::run::{self, AttackKind, AttackSpec};
use mlsec::attacks::evasion::Adversarial;
use mlsec::data::cifar::{self, Split};
use mlsec::defenses;
use mlsec::model::estimated::Estimated;
use mlsec::model::onnx::OnnxClassifier;
use mlsec::model::Differentiable;
use mlsec::nn::Network;
use mlsec::rng::Rng;
use mlsec::tensor::{parse_eps, Batch, Norm};
use mlsec::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Load a model for white-box work: the exact `nn` mirror when it supports the graph, else
/// tract behind NES gradient estimation (said on stderr and in the report).
pub fn load_differentiable(path: &Path, seed: u64) -> Result<(Box<dyn Differentiable + Send + Sync>, Option<String>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    match Network::from_onnx(&bytes) {
        Ok(net) => Ok((Box::new(net), None)),
        Err(e) => {
            let tract = OnnxClassifier::from_bytes(&bytes)?;
            Ok((Box::new(Estimated::new(tract, 50, 0.001, seed)?), Some(e.to_string())))
        }
    }
}

pub struct Args {
    pub model: PathBuf,
    pub data: Option<PathBuf>,
    pub attack: String,
    pub eps: Option<String>,
    pub norm: String,
    pub steps: Option<usize>,
    pub step: Option<String>,
    pub queries: Option<usize>,
    pub targeted: Option<usize>,
    pub defense: String,
    pub adaptive: bool,
    pub eot: usize,
    pub n: usize,
    pub batch: usize,
    pub seed: u64,
    pub json: bool,
}

pub fn attack(a: Args) -> Result<()> {
    let kind = AttackKind::parse(&a.attack)?;
    let norm = Norm::parse(&a.norm)?;
    // Default budgets: none for minimum-norm attacks, 0.5 for L2, 8/255 for L∞.
    let eps = match a.eps.as_deref() {
        Some(e) => parse_eps(e)?,
        None if kind.minimal_norm() => 0.0,
        None if kind.norm(norm) == Norm::L2 => 0.5,
        None => 8.0 / 255.0,
    };
    let mut spec = AttackSpec::new(kind, eps);
    spec.norm = norm;
    spec.steps = a.steps;
    spec.step = a.step.as_deref().map(parse_eps).transpose()?;
    spec.queries = a.queries;
    spec.target = a.targeted;
    if a.batch == 0 || a.n == 0 {
        return Err(Error::InvalidArgument("--n and --batch must be at least 1".into()));
    }
    // The defence's name as reported (also validates it before the model loads).
    let defense_name = defenses::defence_name(&a.defense)?;
    let (model, fallback) = load_differentiable(&a.model, a.seed)?;
    if let Some(why) = &fallback {
        eprintln!("mlsec: {why}\nmlsec: white-box attacks use NES-estimated gradients over tract");
    }
    // `with_defence` seeds randomized defences from `seed ^ 0x5eed`, as before.
    defenses::with_defence(model.as_ref(), &a.defense, a.adaptive.then_some(a.eot), a.seed, |target| {
        attack_through(&a, kind, &spec, target, &defense_name)
    })
}

fn attack_through(a: &Args, kind: AttackKind, spec: &AttackSpec, target: &dyn Differentiable, defense_name: &str) -> Result<()> {
    let samples = cifar::load(&cifar::data_dir(a.data.as_deref()), Split::Test, Some(a.n))?;
    let labels: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let x = samples.batch(0, samples.len())?;
    let goal = run::goal_for(spec, &labels, target.classes())?;
    let mut rng = Rng::seeded(a.seed);
    let t0 = Instant::now();
    let mut adv = x.view().to_owned();
    let mut queries = Vec::with_capacity(x.len());
    for start in (0..x.len()).step_by(a.batch) {
        let end = (start + a.batch).min(x.len());
        let xb = x.slice(start, end)?;
        let idx: Vec<usize> = (start..end).collect();
        let r = run::run(spec, target, &xb, &goal.subset(&idx), &mut rng)?;
        adv.slice_mut(ndarray::s![start..end, .., .., ..]).assign(&r.x.view());
        queries.extend(r.queries);
        if !a.json {
            eprint!("\r{end}/{} images", x.len());
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let adv = Adversarial { x: Batch::new(adv)?, queries };
    let rep = run::report(target, &x, &labels, &goal, &adv)?;
    let mut per_class = serde_json::Map::new();
    for (i, name) in cifar::CLASSES.iter().enumerate().take(rep.per_class_robust.len()) {
        per_class.insert(name.to_string(), serde_json::json!({"clean": rep.per_class_clean[i], "robust": rep.per_class_robust[i]}));
    }
    let out = serde_json::json!({
        "model": a.model.display().to_string(),
        "attack": kind,
        "norm": kind.norm(spec.norm),
        "eps": spec.eps,
        "eps_255": spec.eps * 255.0,
        "steps": spec.steps,
        "targeted": spec.target,
        "defense": defense_name,
        "adaptive": a.adaptive,
        "gradient": target.gradient_kind(),
        "seed": a.seed,
        "images": rep.images,
        "clean_acc": rep.clean_acc,
        "robust_acc": rep.robust_acc,
        "asr": rep.asr,
        "linf_mean": rep.linf.mean, "linf_median": rep.linf.median,
        "l2_mean": rep.l2.mean, "l2_median": rep.l2.median,
        "l0_mean": rep.l0.mean, "l0_median": rep.l0.median,
        "queries_mean": rep.queries.mean, "queries_median": rep.queries.median,
        "confidence_clean": rep.confidence_clean,
        "confidence_adv": rep.confidence_adv,
        "per_class": per_class,
        "seconds": seconds,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| Error::Data(e.to_string()))?);
    } else {
        eprintln!();
        println!("attack     {:?} ε = {:.2}/255 ({:?}), defence {}{}", kind, spec.eps * 255.0, kind.norm(spec.norm), defense_name, if a.adaptive { " (adaptive)" } else { "" });
        println!("images     {} (seed {})", rep.images, a.seed);
        println!("clean      {:.1}%", 100.0 * rep.clean_acc);
        println!("robust     {:.1}%", 100.0 * rep.robust_acc);
        println!("success    {:.1}% of correctly classified", 100.0 * rep.asr);
        println!("L∞ / L2    {:.2}/255 / {:.3} (mean over successes)", rep.linf.mean * 255.0, rep.l2.mean);
        println!("queries    {:.0} per image (mean)", rep.queries.mean);
        println!("time       {:.1} s", seconds);
    }
    Ok(())
}

/// `mlsec certify`: randomized smoothing on the first `n` interleaved test images.
#[allow(clippy::too_many_arguments)]
pub fn certify(model: &Path, data: Option<&Path>, sigma: f32, n: usize, samples: usize, n0: usize, alpha: f64, seed: u64, json: bool) -> Result<()> {
    use mlsec::defenses::smoothing::{Smoothed, SmoothingParams};
    let bytes = std::fs::read(model).map_err(|e| Error::io(model.display().to_string(), e))?;
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
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| Error::Data(e.to_string()))?);
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
    let kind = AttackKind::parse(attack)?;
    let spec = AttackSpec::new(kind, parse_eps(eps)?);
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
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| Error::Data(e.to_string()))?);
    } else {
        println!("feature squeezing: threshold {threshold:.4} (calibrated at {:.0}% FPR on {n} clean images)", 100.0 * fpr);
        println!("  false positives on {} other clean images: {:.1}%", x.len(), 100.0 * out["heldout_fpr"].as_f64().unwrap_or(0.0));
        println!("  detected {detected} of {} successful {:?} adversarials ({:.1}%)", successful.len(), kind, 100.0 * out["detection_rate"].as_f64().unwrap_or(0.0));
    }
    Ok(())
}
