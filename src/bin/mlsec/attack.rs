//! `mlsec attack`: run one evasion attack (optionally against a defence) on the
//! class-interleaved test images and report robust accuracy.

use mlsec::attacks::evasion::run::{self, AttackKind, AttackSpec};
use mlsec::attacks::evasion::Adversarial;
use mlsec::data::cifar::{self, Split};
use mlsec::defenses::{preprocessor, Adaptivity, Defended};
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
    let pre = preprocessor::parse(&a.defense)?;
    let (model, fallback) = load_differentiable(&a.model, a.seed)?;
    if let Some(why) = &fallback {
        eprintln!("mlsec: {why}\nmlsec: white-box attacks use NES-estimated gradients over tract");
    }
    let adaptivity = if a.adaptive { Adaptivity::Adaptive { eot: a.eot } } else { Adaptivity::Naive };
    let defended = Defended::new(model.as_ref(), pre.as_ref(), adaptivity, a.seed ^ 0x5eed)?;
    let target: &dyn Differentiable = if a.defense == "none" { model.as_ref() } else { &defended };

    let samples = cifar::load(&cifar::data_dir(a.data.as_deref()), Split::Test, Some(a.n))?;
    let labels: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let x = samples.batch(0, samples.len())?;
    let goal = run::goal_for(&spec, &labels, target.classes())?;
    let mut rng = Rng::seeded(a.seed);
    let t0 = Instant::now();
    let mut adv = x.view().to_owned();
    let mut queries = Vec::with_capacity(x.len());
    for start in (0..x.len()).step_by(a.batch) {
        let end = (start + a.batch).min(x.len());
        let xb = x.slice(start, end)?;
        let idx: Vec<usize> = (start..end).collect();
        let r = run::run(&spec, target, &xb, &goal.subset(&idx), &mut rng)?;
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
        "defense": pre.name(),
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
        println!("attack     {:?} ε = {:.2}/255 ({:?}), defence {}{}", kind, spec.eps * 255.0, kind.norm(spec.norm), pre.name(), if a.adaptive { " (adaptive)" } else { "" });
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
