//! The evasion lab: one attack (optionally through a defence, naive or adaptive) on a set of
//! test images ([`run`], `mlsec attack`), on one image in the page ([`attack_one`]), or as an
//! exact tally that the page's worker pool merges ([`tally`]). The attacks themselves live in
//! [`crate::attacks::evasion`], the defences in [`crate::defenses`].

pub mod params;
pub mod report;

pub use params::{Params, ValidParams};
pub use report::{ClassAccuracy, Report, Side, Single};
pub use crate::labs::classify::{class_name, Ranked};

use crate::api::policy::{Answered, Policy, Postprocessor};
use crate::attacks::evasion::run::{self, Tally};
use crate::attacks::evasion::Adversarial;
use crate::defenses;
use crate::error::Result;
use crate::model::estimated::Estimated;
use crate::model::onnx::OnnxClassifier;
use crate::model::{softmax, Classifier, Differentiable};
use crate::nn::Network;
use crate::rng::Rng;
use crate::tensor::{norms, Batch};

/// NES gradient estimation when the exact engine cannot mirror the graph: 50 query pairs at
/// σ 0.001 per gradient.
const NES_SAMPLES: usize = 50;
const NES_SIGMA: f32 = 0.001;

/// A model for white-box work from ONNX bytes: the exact `nn` mirror when it supports the
/// graph, else tract behind NES gradient estimation, with the reason the mirror was refused.
pub fn load_model(bytes: &[u8], seed: u64) -> Result<(Box<dyn Differentiable + Send + Sync>, Option<String>)> {
    match Network::from_onnx(bytes) {
        Ok(net) => Ok((Box::new(net), None)),
        Err(e) => {
            let tract = OnnxClassifier::from_bytes(bytes)?;
            Ok((Box::new(Estimated::new(tract, NES_SAMPLES, NES_SIGMA, seed)?), Some(e.to_string())))
        }
    }
}

/// `classifier` behind NES gradient estimates, seeded from the run seed.
pub fn estimated<C: Classifier>(classifier: C, seed: u64) -> Result<Estimated<C>> {
    Estimated::new(classifier, NES_SAMPLES, NES_SIGMA, seed)
}

/// `f` on `target` as the attacker sees it: through the output policy, unless that is the
/// model's own probabilities (randomized policies draw from the run seed's "evasion/policy").
fn answered<T>(p: &ValidParams, target: &dyn Differentiable, f: impl FnOnce(&dyn Differentiable) -> Result<T>) -> Result<T> {
    if p.policy == Policy::Probs {
        return f(target);
    }
    p.policy.check_classes(target.classes())?;
    f(&Answered::new(target, &p.policy, Rng::derive(p.params().seed, "evasion/policy")))
}

/// Attack `x` (`[N, 3, 32, 32]` in [0, 1], true `labels`) batch by batch through the defence;
/// `progress(done, total)` after each batch. `model_name` is reported as given; `seconds` is
/// the caller's to fill (a clock is not the same on every target).
pub fn run(p: &ValidParams, model: &dyn Differentiable, model_name: &str, x: &Batch, labels: &[usize], progress: &mut dyn FnMut(usize, usize)) -> Result<Report> {
    let params = p.params();
    defenses::with_defence(model, &params.defense, p.adaptive, params.seed, |defended| answered(p, defended, |target| {
        let spec = &p.spec;
        let goal = run::goal_for(spec, labels, target.classes())?;
        let mut rng = Rng::seeded(params.seed);
        let mut adv = x.view().to_owned();
        let mut queries = Vec::with_capacity(x.len());
        for start in (0..x.len()).step_by(params.batch) {
            let end = (start + params.batch).min(x.len());
            let idx: Vec<usize> = (start..end).collect();
            let r = run::run(spec, target, &x.slice(start, end)?, &goal.subset(&idx), &mut rng)?;
            adv.slice_mut(ndarray::s![start..end, .., .., ..]).assign(&r.x.view());
            queries.extend(r.queries);
            progress(end, x.len());
        }
        let adv = Adversarial { x: Batch::new(adv)?, queries };
        let rep = run::report(target, x, labels, &goal, &adv)?;
        let per_class = (0..rep.per_class_robust.len())
            .map(|c| (class_name(c, target.classes()), ClassAccuracy { clean: rep.per_class_clean[c], robust: rep.per_class_robust[c] }))
            .collect();
        Ok(Report {
            params: params.clone(),
            model: model_name.to_string(),
            attack: spec.attack,
            norm: spec.attack.norm(spec.norm),
            eps: spec.eps,
            eps_255: spec.eps * 255.0,
            steps: spec.steps.or(spec.attack.default_steps()),
            targeted: spec.target,
            defense: p.defense.clone(),
            adaptive: params.adaptive,
            gradient: target.gradient_kind(),
            seed: params.seed,
            images: rep.images,
            clean_acc: rep.clean_acc,
            robust_acc: rep.robust_acc,
            asr: rep.asr,
            linf_mean: rep.linf.mean,
            linf_median: rep.linf.median,
            l2_mean: rep.l2.mean,
            l2_median: rep.l2.median,
            l0_mean: rep.l0.mean,
            l0_median: rep.l0.median,
            queries_mean: rep.queries.mean,
            queries_median: rep.queries.median,
            confidence_clean: rep.confidence_clean,
            confidence_adv: rep.confidence_adv,
            per_class,
            seconds: 0.0,
        })
    }))
}

/// Attack one image (`x`: `[1, 3, 32, 32]`) of true class `label`; `note`: why the exact
/// gradient engine was not used, if it was not.
pub fn attack_one(p: &ValidParams, model: &dyn Differentiable, x: &Batch, label: usize, note: Option<String>) -> Result<Single> {
    let params = p.params();
    defenses::with_defence(model, &params.defense, p.adaptive, params.seed, |defended| answered(p, defended, |target| {
        let spec = &p.spec;
        let goal = run::goal_for(spec, &[label], target.classes())?;
        let adv = run::run(spec, target, x, &goal, &mut Rng::seeded(params.seed))?;
        let side = |b: &Batch| -> Result<Side> {
            let row: Vec<f32> = softmax(&target.logits(b)?).row(0).to_vec();
            let top: Vec<Ranked> = crate::labs::classify::ranked(&row, 3, target.classes());
            Ok(Side { predicted: top.first().map(|t| t.class).unwrap_or(0), probabilities: row, top })
        };
        let clean = side(x)?;
        let adversarial = side(&adv.x)?;
        let delta = adv.x.view().to_owned() - x.view();
        let nm = norms(delta.view(), 0);
        let scale = if nm.linf > 0.0 { 0.5 / nm.linf } else { 1.0 };
        let vis = Batch::new(delta.mapv(|d| (0.5 + scale * d).clamp(0.0, 1.0)))?;
        Ok(Single {
            attack: spec.attack,
            norm: spec.attack.norm(spec.norm),
            eps: spec.eps,
            defense: p.defense.clone(),
            policy: p.policy.name(),
            adaptive: params.adaptive,
            seed: params.seed,
            gradient: target.gradient_kind(),
            gradient_note: note,
            label,
            targeted: spec.target,
            success: goal.met(0, adversarial.predicted),
            clean,
            adversarial,
            linf: nm.linf,
            l2: nm.l2,
            l0: nm.l0,
            queries: adv.queries.first().copied().unwrap_or(0),
            adv: adv.x.view().iter().copied().collect(),
            adv_rgba: adv.x.to_rgba(0)?,
            delta_rgba: vis.to_rgba(0)?,
            delta_scale: scale,
        })
    }))
}

/// Attack `x` with true `labels` in one batch and count (exactly) what [`Tally::summary`]
/// turns into rates: tallies of disjoint image sets merge. At ε 0 nothing is perturbed.
pub fn tally(p: &ValidParams, model: &dyn Differentiable, x: &Batch, labels: &[usize]) -> Result<Tally> {
    let params = p.params();
    let spec = &p.spec;
    defenses::with_defence(model, &params.defense, p.adaptive, params.seed, |defended| answered(p, defended, |target| {
        let goal = run::goal_for(spec, labels, target.classes())?;
        let adv = if spec.eps == 0.0 && !spec.attack.minimal_norm() {
            Adversarial { x: x.clone(), queries: vec![0; x.len()] }
        } else {
            run::run(spec, target, x, &goal, &mut Rng::seeded(params.seed))?
        };
        let rep = run::report(target, x, labels, &goal, &adv)?;
        Ok(Tally::of(x, &adv, labels, &goal, &rep))
    }))
}
