//! One entry point for every evasion attack, and the evaluation report the CLI, the wasm
//! layer and the tests share: clean and robust accuracy, attack success rate, perturbation
//! norms, queries and confidence, overall and per class.

use super::apgd::{Apgd, ApgdParams};
use super::cw::{CarliniWagner, CwParams};
use super::deepfool::{DeepFool, DeepFoolParams};
use super::fgsm::{Fgsm, FgsmParams};
use super::hsja::{HopSkipJump, HsjaParams};
use super::pgd::{Pgd, PgdParams};
use super::simba::{Simba, SimbaParams};
use super::square::{Square, SquareParams};
use super::{Adversarial, Goal};
use crate::error::{Error, Result};
use crate::model::{argmax_rows, softmax, Differentiable};
use crate::rng::Rng;
use crate::tensor::{norms, Batch, Norm};
use serde::{Deserialize, Serialize};

/// The attacks, by CLI name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttackKind {
    /// One signed-gradient step.
    Fgsm,
    /// Projected gradient descent with random start.
    Pgd,
    /// Auto-PGD (cross-entropy).
    Apgd,
    /// Carlini & Wagner L2.
    Cw,
    /// DeepFool (L2).
    Deepfool,
    /// Square Attack (score-based, L∞).
    Square,
    /// HopSkipJump (decision-based, L2).
    Hsja,
    /// SimBA (score-based, pixel basis, L∞).
    Simba,
}

impl AttackKind {
    /// Parse a CLI/URL name.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "fgsm" => AttackKind::Fgsm,
            "pgd" => AttackKind::Pgd,
            "apgd" | "apgd-ce" => AttackKind::Apgd,
            "cw" | "c&w" | "cw-l2" => AttackKind::Cw,
            "deepfool" => AttackKind::Deepfool,
            "square" => AttackKind::Square,
            "hsja" | "hopskipjump" => AttackKind::Hsja,
            "simba" => AttackKind::Simba,
            other => return Err(Error::InvalidArgument(format!("unknown attack `{other}`; use fgsm, pgd, apgd, cw, deepfool, square, hsja or simba"))),
        })
    }

    /// Iterations when none are asked for (each attack's own `Params::default()`); `None`
    /// for attacks without them.
    pub fn default_steps(self) -> Option<usize> {
        match self {
            AttackKind::Pgd => Some(PgdParams::default().steps),
            AttackKind::Apgd => Some(ApgdParams::default().steps),
            AttackKind::Cw => Some(CwParams::default().steps),
            AttackKind::Deepfool => Some(DeepFoolParams::default().steps),
            _ => None,
        }
    }

    /// Query budget per image when none is asked for (black-box attacks only).
    pub fn default_queries(self) -> Option<usize> {
        match self {
            AttackKind::Square => Some(SquareParams::default().max_queries),
            AttackKind::Hsja => Some(HsjaParams::default().max_queries),
            AttackKind::Simba => Some(SimbaParams::default().max_queries),
            _ => None,
        }
    }

    /// Every attack's name and defaults, for the page and `--help`-like listings.
    pub fn all() -> [AttackKind; 8] {
        [AttackKind::Fgsm, AttackKind::Pgd, AttackKind::Apgd, AttackKind::Cw, AttackKind::Deepfool, AttackKind::Square, AttackKind::Hsja, AttackKind::Simba]
    }

    /// Whether the attack needs gradients.
    pub fn white_box(self) -> bool {
        matches!(self, AttackKind::Fgsm | AttackKind::Pgd | AttackKind::Apgd | AttackKind::Cw | AttackKind::Deepfool)
    }

    /// The norm the attack's budget is measured in, given the requested one.
    pub fn norm(self, requested: Norm) -> Norm {
        match self {
            AttackKind::Cw | AttackKind::Deepfool | AttackKind::Hsja => Norm::L2,
            AttackKind::Square | AttackKind::Simba => Norm::Linf,
            _ => requested,
        }
    }

    /// Minimum-norm attacks search for the smallest perturbation; ε only filters their result.
    pub fn minimal_norm(self) -> bool {
        matches!(self, AttackKind::Cw | AttackKind::Deepfool | AttackKind::Hsja)
    }
}

/// What to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttackSpec {
    /// Which attack.
    pub attack: AttackKind,
    /// Budget ε in pixel units (for minimum-norm attacks: results beyond ε count as failures;
    /// 0 = no limit).
    pub eps: f32,
    /// Requested norm (PGD, APGD, FGSM).
    pub norm: Norm,
    /// Iterations (`None`: [`AttackKind::default_steps`]).
    pub steps: Option<usize>,
    /// PGD step size (default ε/4).
    pub step: Option<f32>,
    /// Query budget of black-box attacks (`None`: [`AttackKind::default_queries`]).
    pub queries: Option<usize>,
    /// Targeted attack towards this class.
    pub target: Option<usize>,
}

impl AttackSpec {
    /// Defaults for an attack at ε.
    pub fn new(attack: AttackKind, eps: f32) -> Self {
        AttackSpec { attack, eps, norm: Norm::Linf, steps: None, step: None, queries: None, target: None }
    }
}

/// Run an attack on a batch.
pub fn run(spec: &AttackSpec, model: &dyn Differentiable, x: &Batch, goal: &Goal, rng: &mut Rng) -> Result<Adversarial> {
    let eps = spec.eps;
    let need_eps = || -> Result<f32> {
        if eps > 0.0 {
            Ok(eps)
        } else {
            Err(Error::InvalidArgument(format!("{:?} needs a budget ε > 0", spec.attack)))
        }
    };
    let norm = spec.attack.norm(spec.norm);
    let steps = spec.steps.or(spec.attack.default_steps()).unwrap_or(0);
    let queries = spec.queries.or(spec.attack.default_queries()).unwrap_or(0);
    let mut adv = match spec.attack {
        AttackKind::Fgsm => Fgsm::new(FgsmParams { eps: need_eps()?, norm })?.generate(model, x, goal)?,
        AttackKind::Pgd => {
            let e = need_eps()?;
            Pgd::new(PgdParams { eps: e, step: spec.step.unwrap_or(e / 4.0), steps, norm, ..PgdParams::default() })?.generate(model, x, goal, rng)?
        }
        AttackKind::Apgd => Apgd::new(ApgdParams { eps: need_eps()?, steps, norm })?.generate(model, x, goal, rng)?,
        AttackKind::Cw => CarliniWagner::new(CwParams { steps, ..Default::default() })?.generate(model, x, goal)?,
        AttackKind::Deepfool => DeepFool::new(DeepFoolParams { steps, ..Default::default() })?.generate(model, x, goal)?,
        AttackKind::Square => Square::new(SquareParams { eps: need_eps()?, max_queries: queries, ..Default::default() })?.generate(model, x, goal, rng)?,
        AttackKind::Hsja => HopSkipJump::new(HsjaParams { max_queries: queries, ..Default::default() })?.generate(model, x, goal, rng)?,
        AttackKind::Simba => Simba::new(SimbaParams { eps: need_eps()?, max_queries: queries })?.generate(model, x, goal, rng)?,
    };
    if spec.attack.minimal_norm() && eps > 0.0 {
        // Beyond the budget the attack failed: keep the clean image.
        let d = adv.x.view().to_owned() - x.view();
        let mut arr = adv.x.view().to_owned();
        for i in 0..x.len() {
            if norms(d.view(), i).l2 > eps + 1e-6 {
                arr.index_axis_mut(ndarray::Axis(0), i).assign(&x.view().index_axis(ndarray::Axis(0), i));
            }
        }
        adv.x = Batch::new(arr)?;
    }
    Ok(adv)
}

/// Mean and median of a list (0 when empty).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
}

fn stat(mut v: Vec<f64>) -> Stat {
    if v.is_empty() {
        return Stat::default();
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len();
    let median = if m % 2 == 1 { v[m / 2] } else { (v[m / 2 - 1] + v[m / 2]) / 2.0 };
    Stat { mean: v.iter().sum::<f64>() / m as f64, median }
}

/// The outcome of attacking a set of images.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Images attacked.
    pub images: usize,
    /// Accuracy on the clean images.
    pub clean_acc: f64,
    /// Accuracy on the adversarial images.
    pub robust_acc: f64,
    /// Among images the model got right (and, if targeted, not already of the target class):
    /// the fraction whose adversarial meets the goal.
    pub asr: f64,
    /// L0 (values changed by more than half an 8-bit level) of successful adversarials.
    pub l0: Stat,
    /// L2 of successful adversarials.
    pub l2: Stat,
    /// L∞ of successful adversarials.
    pub linf: Stat,
    /// Model evaluations per image.
    pub queries: Stat,
    /// Mean probability the model gives its prediction on the adversarial images.
    pub confidence_adv: f64,
    /// Mean probability of the prediction on clean images.
    pub confidence_clean: f64,
    /// Robust accuracy per true class.
    pub per_class_robust: Vec<f64>,
    /// Clean accuracy per true class.
    pub per_class_clean: Vec<f64>,
    /// Clean predictions.
    pub pred_clean: Vec<usize>,
    /// Adversarial predictions.
    pub pred_adv: Vec<usize>,
}

/// Score an attack's output against the true labels and the goal.
pub fn report(model: &dyn Differentiable, x: &Batch, labels: &[usize], goal: &Goal, adv: &Adversarial) -> Result<Report> {
    let n = x.len();
    let classes = model.classes();
    let pc = softmax(&model.logits(x)?);
    let pa = softmax(&model.logits(&adv.x)?);
    let (pred_clean, pred_adv) = (argmax_rows(&pc), argmax_rows(&pa));
    let d = adv.x.view().to_owned() - x.view();
    let (mut l0, mut l2, mut linf) = (Vec::new(), Vec::new(), Vec::new());
    let (mut eligible, mut success) = (0usize, 0usize);
    let mut per = vec![(0usize, 0usize, 0usize); classes];
    for i in 0..n {
        let y = labels[i];
        if y < classes {
            per[y].0 += 1;
            per[y].1 += (pred_clean[i] == y) as usize;
            per[y].2 += (pred_adv[i] == y) as usize;
        }
        let skip = matches!(goal, Goal::Targeted(t) if t[i] == y);
        if pred_clean[i] == y && !skip {
            eligible += 1;
            if goal.met(i, pred_adv[i]) {
                success += 1;
                let nm = norms(d.view(), i);
                l0.push(nm.l0 as f64);
                l2.push(nm.l2 as f64);
                linf.push(nm.linf as f64);
            }
        }
    }
    let frac = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let conf = |p: &ndarray::Array2<f32>, pr: &[usize]| if n == 0 { 0.0 } else { pr.iter().enumerate().map(|(i, &c)| p[[i, c]] as f64).sum::<f64>() / n as f64 };
    Ok(Report {
        images: n,
        clean_acc: frac(pred_clean.iter().zip(labels).filter(|(p, y)| p == y).count(), n),
        robust_acc: frac(pred_adv.iter().zip(labels).filter(|(p, y)| p == y).count(), n),
        asr: frac(success, eligible),
        l0: stat(l0),
        l2: stat(l2),
        linf: stat(linf),
        queries: stat(adv.queries.iter().map(|&q| q as f64).collect()),
        confidence_adv: conf(&pa, &pred_adv),
        confidence_clean: conf(&pc, &pred_clean),
        per_class_robust: per.iter().map(|&(c, _, r)| frac(r, c)).collect(),
        per_class_clean: per.iter().map(|&(c, k, _)| frac(k, c)).collect(),
        pred_clean,
        pred_adv,
    })
}

/// The goal for `labels` under `spec` (targeted when it names a class).
pub fn goal_for(spec: &AttackSpec, labels: &[usize], classes: usize) -> Result<Goal> {
    match spec.target {
        Some(t) if t >= classes => Err(Error::InvalidArgument(format!("target class {t} does not exist (the model has {classes})"))),
        Some(t) => Ok(Goal::Targeted(vec![t; labels.len()])),
        None => Ok(Goal::Untargeted(labels.to_vec())),
    }
}

/// Counts and sums of a [`Report`], so reports of disjoint image sets (e.g. from several
/// workers) merge exactly; [`Tally::summary`] turns them into rates and means.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Tally {
    /// Images.
    pub images: usize,
    /// Correct on clean images.
    pub clean_correct: usize,
    /// Correct on adversarial images.
    pub robust_correct: usize,
    /// Images the attack could be scored on (correct when clean, not already the target).
    pub eligible: usize,
    /// Eligible images whose adversarial meets the goal.
    pub success: usize,
    /// Sums over successful adversarials.
    pub sum_l0: f64,
    /// Sum of L2.
    pub sum_l2: f64,
    /// Sum of L∞.
    pub sum_linf: f64,
    /// Model evaluations summed over all images.
    pub sum_queries: f64,
}

/// Rates and means of a [`Tally`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Images.
    pub images: usize,
    /// Clean accuracy.
    pub clean_acc: f64,
    /// Robust accuracy.
    pub robust_acc: f64,
    /// Attack success rate among eligible images.
    pub asr: f64,
    /// Mean L0 over successes.
    pub l0_mean: f64,
    /// Mean L2 over successes.
    pub l2_mean: f64,
    /// Mean L∞ over successes.
    pub linf_mean: f64,
    /// Mean model evaluations per image.
    pub queries_mean: f64,
}

impl Tally {
    /// Tally a report (needs the per-image norms, so it takes the inputs again).
    pub fn of(x: &Batch, adv: &Adversarial, labels: &[usize], goal: &Goal, rep: &Report) -> Tally {
        let d = adv.x.view().to_owned() - x.view();
        let mut t = Tally { images: rep.images, sum_queries: adv.queries.iter().map(|&q| q as f64).sum(), ..Default::default() };
        for i in 0..rep.images {
            let y = labels[i];
            t.clean_correct += (rep.pred_clean[i] == y) as usize;
            t.robust_correct += (rep.pred_adv[i] == y) as usize;
            let skip = matches!(goal, Goal::Targeted(tg) if tg[i] == y);
            if rep.pred_clean[i] == y && !skip {
                t.eligible += 1;
                if goal.met(i, rep.pred_adv[i]) {
                    t.success += 1;
                    let nm = norms(d.view(), i);
                    t.sum_l0 += nm.l0 as f64;
                    t.sum_l2 += nm.l2 as f64;
                    t.sum_linf += nm.linf as f64;
                }
            }
        }
        t
    }

    /// Add another tally of a disjoint image set.
    pub fn merge(&mut self, o: &Tally) {
        self.images += o.images;
        self.clean_correct += o.clean_correct;
        self.robust_correct += o.robust_correct;
        self.eligible += o.eligible;
        self.success += o.success;
        self.sum_l0 += o.sum_l0;
        self.sum_l2 += o.sum_l2;
        self.sum_linf += o.sum_linf;
        self.sum_queries += o.sum_queries;
    }

    /// Rates and means.
    pub fn summary(&self) -> Summary {
        let r = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
        Summary {
            images: self.images,
            clean_acc: r(self.clean_correct as f64, self.images),
            robust_acc: r(self.robust_correct as f64, self.images),
            asr: r(self.success as f64, self.eligible),
            l0_mean: r(self.sum_l0, self.success),
            l2_mean: r(self.sum_l2, self.success),
            linf_mean: r(self.sum_linf, self.success),
            queries_mean: r(self.sum_queries, self.images),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_merge_exactly() {
        let a = Tally { images: 3, clean_correct: 3, robust_correct: 1, eligible: 3, success: 2, sum_l2: 1.0, sum_queries: 30.0, ..Default::default() };
        let b = Tally { images: 1, clean_correct: 0, robust_correct: 0, eligible: 0, success: 0, sum_queries: 10.0, ..Default::default() };
        let mut m = a.clone();
        m.merge(&b);
        let s = m.summary();
        assert_eq!((s.images, s.clean_acc, s.robust_acc), (4, 0.75, 0.25));
        assert!((s.asr - 2.0 / 3.0).abs() < 1e-12 && s.l2_mean == 0.5 && s.queries_mean == 10.0);
        assert_eq!(Tally::default().summary().asr, 0.0);
    }
}
