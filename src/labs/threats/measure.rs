//! What each control measurably buys: a small run of the same core as the lab it belongs to,
//! with and without the control, on the resources the caller loads (the page fetches them, the
//! CLI reads them from disk). Every number of a [`Measurement`] is computed here; its `shown`
//! strings are what the page and the reports print.

use super::ValidParams;
use crate::api::flood::Flood;
use crate::attacks::evasion::run as attack;
use crate::data::cifar::Samples;
use crate::data::spam::Corpus;
use crate::error::{Error, Result};
use crate::labs::{evasion, extraction, poisoning};
use crate::model::onnx::OnnxClassifier;
use crate::model::{Classifier, Differentiable};
use crate::rng::Rng;
use crate::scan::{self, Limits, Severity};
use crate::tensor::Amount;
use serde::{Deserialize, Serialize};

/// The measurements the core can run, one per control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// PGD-10 at ε 8/255: robust accuracy of the standard and the adversarially trained model.
    AdversarialTraining,
    /// PGD-10 at ε 8/255: no defence, JPEG 75 against a naive attacker, JPEG 75 against BPDA.
    InputSanitisation,
    /// Clean and PGD inputs: how many wrong answers are acted on with and without τ = 0.9.
    ConfidenceThreshold,
    /// A steal with full probabilities and one with labels only: fidelity.
    LabelOnly,
    /// A flood with and without the token bucket: calls admitted, the benign key served.
    RateLimit,
    /// The Jacobian-augmentation steal and the natural one, PRADA alerting: when each is flagged.
    Prada,
    /// The flood's log: verified, then one entry edited and one deleted: where each is found.
    HashChain,
    /// The forensics' precision and recall on the poisoned records, and the source they name.
    Provenance,
    /// Backdoor ASR and clean accuracy before and after removing the flagged records.
    Remediation,
    /// Non-private vs DP-SGD: ε, clean accuracy, backdoor ASR.
    DpSgd,
    /// The scanner on the hostile and benign sample files.
    Scanning,
}

/// What a measurement needs loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// The standard model's ONNX bytes.
    Model,
    /// The adversarially trained model's ONNX bytes.
    Robust,
    /// Class-interleaved test images.
    Samples,
    /// The SpamAssassin corpus (packed).
    Spam,
    /// The scanner's sample files.
    ScanSamples,
}

impl Measure {
    pub const ALL: [Measure; 11] = [
        Measure::AdversarialTraining,
        Measure::InputSanitisation,
        Measure::ConfidenceThreshold,
        Measure::LabelOnly,
        Measure::RateLimit,
        Measure::Prada,
        Measure::HashChain,
        Measure::Provenance,
        Measure::Remediation,
        Measure::DpSgd,
        Measure::Scanning,
    ];

    pub fn needs(self) -> &'static [Need] {
        use Measure::*;
        match self {
            AdversarialTraining => &[Need::Model, Need::Robust, Need::Samples],
            InputSanitisation | ConfidenceThreshold | LabelOnly | Prada => &[Need::Model, Need::Samples],
            RateLimit | HashChain => &[Need::Model],
            Provenance | Remediation | DpSgd => &[Need::Spam],
            Scanning => &[Need::ScanSamples],
        }
    }

    pub fn parse(s: &str) -> Result<Measure> {
        serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| Error::InvalidArgument(format!("no measurement {s:?}")))
    }
}

/// One figure of a measurement: `value` as computed, `shown` as printed (a percentage, a count).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub label: String,
    /// None: nothing to count (an alert that never came).
    pub value: Option<f64>,
    pub shown: String,
}

/// A control's measured effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub measure: Measure,
    /// One sentence built from the rows.
    pub summary: String,
    pub rows: Vec<Row>,
    /// What was run (sizes, settings, seed).
    pub setup: String,
    pub seed: u64,
    /// Wall-clock seconds (the caller's to fill: a clock is not the same on every target).
    pub seconds: f64,
}

/// A hostile or benign sample file for the scanner.
#[derive(Clone, Debug)]
pub struct ScanSample {
    pub name: String,
    pub bytes: Vec<u8>,
    pub hostile: bool,
}

/// What the caller loaded; a measurement whose [`Measure::needs`] are missing says so.
#[derive(Default)]
pub struct Resources {
    pub model: Option<Vec<u8>>,
    pub robust: Option<Vec<u8>>,
    pub samples: Option<Samples>,
    pub spam: Option<Corpus>,
    pub scan: Vec<ScanSample>,
}

impl Resources {
    fn model(&self) -> Result<&[u8]> {
        self.model.as_deref().ok_or_else(|| missing("the standard model"))
    }
    fn robust(&self) -> Result<&[u8]> {
        self.robust.as_deref().ok_or_else(|| missing("the adversarially trained model"))
    }
    fn samples(&self, n: usize) -> Result<&Samples> {
        let s = self.samples.as_ref().ok_or_else(|| missing("the test images"))?;
        if s.len() < n {
            return Err(Error::InvalidArgument(format!("the measurement needs {n} test images; {} are loaded", s.len())));
        }
        Ok(s)
    }
    fn spam(&self) -> Result<&Corpus> {
        self.spam.as_ref().ok_or_else(|| missing("the SpamAssassin corpus"))
    }
}

fn missing(what: &str) -> Error {
    Error::InvalidArgument(format!("this measurement needs {what}, which is not loaded"))
}

fn pct(label: &str, v: f64) -> Row {
    Row { label: label.into(), value: Some(v), shown: format!("{:.1}%", 100.0 * v) }
}

fn count(label: &str, v: usize) -> Row {
    Row { label: label.into(), value: Some(v as f64), shown: thousands(v) }
}

fn text(label: &str, v: impl Into<Option<f64>>, shown: String) -> Row {
    Row { label: label.into(), value: v.into(), shown }
}

fn thousands(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Run `m` on `res` with the settings' sizes and seed; `progress(done, total)` between steps.
pub fn run(m: Measure, res: &Resources, p: &ValidParams, progress: &mut dyn FnMut(usize, usize)) -> Result<Measurement> {
    let q = p.params();
    let (summary, rows, setup) = match m {
        Measure::AdversarialTraining => adversarial_training(res, q.n, q.seed, progress)?,
        Measure::InputSanitisation => input_sanitisation(res, q.n, q.seed, progress)?,
        Measure::ConfidenceThreshold => confidence_threshold(res, q.n, q.seed, progress)?,
        Measure::LabelOnly => label_only(res, q.budget, q.seed, progress)?,
        Measure::Prada => prada(res, q.budget, q.seed, progress)?,
        Measure::RateLimit => rate_limit(res, q.calls, q.seed, progress)?,
        Measure::HashChain => hash_chain(res, q.calls, q.seed, progress)?,
        Measure::Provenance => provenance(res, q.seed, progress)?,
        Measure::Remediation => remediation(res, q.seed, progress)?,
        Measure::DpSgd => dp_sgd(res, q.seed, progress)?,
        Measure::Scanning => scanning(res, progress)?,
    };
    Ok(Measurement { measure: m, summary, rows, setup, seed: q.seed, seconds: 0.0 })
}

type Out = (String, Vec<Row>, String);

/// The evasion lab's settings for PGD-10 at L∞ 8/255 through `defense` (adaptive: BPDA).
fn pgd_params(n: usize, defense: &str, adaptive: bool, seed: u64) -> Result<evasion::ValidParams> {
    evasion::Params { attack: "pgd".into(), eps: Some(Amount::Bare(8.0)), steps: Some(10), n, defense: defense.into(), adaptive, seed, ..evasion::Params::default() }.check()
}

/// PGD-10 at L∞ 8/255 through `defense` (adaptive: BPDA) on the first `n` images.
fn pgd(model: &dyn Differentiable, samples: &Samples, n: usize, defense: &str, adaptive: bool, seed: u64) -> Result<evasion::report::Report> {
    let v = pgd_params(n, defense, adaptive, seed)?;
    let x = samples.batch(0, n)?;
    let labels: Vec<usize> = samples.labels[..n].iter().map(|&l| l as usize).collect();
    evasion::run(&v, model, "", &x, &labels, &mut |_, _| {})
}

fn adversarial_training(res: &Resources, n: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let s = res.samples(n)?;
    let (standard, _) = evasion::load_model(res.model()?, seed)?;
    let a = pgd(standard.as_ref(), s, n, "none", false, seed)?;
    progress(1, 2);
    let (robust, _) = evasion::load_model(res.robust()?, seed)?;
    let b = pgd(robust.as_ref(), s, n, "none", false, seed)?;
    progress(2, 2);
    let rows = vec![
        pct("standard model: robust accuracy under PGD-10", a.robust_acc),
        pct("adversarially trained: robust accuracy under PGD-10", b.robust_acc),
        pct("standard model: clean accuracy", a.clean_acc),
        pct("adversarially trained: clean accuracy", b.clean_acc),
    ];
    let summary = format!(
        "Robust accuracy under PGD-10 at ε 8/255 goes from {} to {}; clean accuracy from {} to {}.",
        rows[0].shown, rows[1].shown, rows[2].shown, rows[3].shown
    );
    Ok((summary, rows, format!("PGD-10, L∞ ε 8/255, the first {n} class-interleaved test images, seed {seed}")))
}

fn input_sanitisation(res: &Resources, n: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let s = res.samples(n)?;
    let (model, _) = evasion::load_model(res.model()?, seed)?;
    let none = pgd(model.as_ref(), s, n, "none", false, seed)?;
    progress(1, 3);
    let naive = pgd(model.as_ref(), s, n, "jpeg:75", false, seed)?;
    progress(2, 3);
    let adaptive = pgd(model.as_ref(), s, n, "jpeg:75", true, seed)?;
    progress(3, 3);
    let rows = vec![
        pct("no defence: robust accuracy", none.robust_acc),
        pct("JPEG 75, naive attacker: robust accuracy", naive.robust_acc),
        pct("JPEG 75, adaptive attacker (BPDA): robust accuracy", adaptive.robust_acc),
        pct("JPEG 75: clean accuracy", naive.clean_acc),
    ];
    let summary = format!(
        "JPEG re-encoding lifts robust accuracy from {} to {} against an attacker who ignores it, and to {} against one who adapts (BPDA).",
        rows[0].shown, rows[1].shown, rows[2].shown
    );
    Ok((summary, rows, format!("PGD-10, L∞ ε 8/255, the first {n} test images, standard model, seed {seed}")))
}

/// τ of the confidence threshold.
const TAU: f32 = 0.9;

fn confidence_threshold(res: &Resources, n: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let s = res.samples(n)?;
    let (model, _) = evasion::load_model(res.model()?, seed)?;
    let v = pgd_params(n, "none", false, seed)?;
    let x = s.batch(0, n)?;
    let labels: Vec<usize> = s.labels[..n].iter().map(|&l| l as usize).collect();
    let goal = attack::goal_for(&v.spec, &labels, model.classes())?;
    let adv = attack::run(&v.spec, model.as_ref(), &x, &goal, &mut Rng::seeded(seed))?;
    progress(1, 2);
    // (answered, answered and wrong) at threshold τ
    let tally = |probs: &ndarray::Array2<f32>, tau: f32| -> (usize, usize) {
        let mut answered = 0;
        let mut wrong = 0;
        for (row, &y) in probs.rows().into_iter().zip(&labels) {
            let (arg, top) = row.iter().enumerate().fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b });
            if top >= tau {
                answered += 1;
                wrong += (arg != y) as usize;
            }
        }
        (answered, wrong)
    };
    let clean = model.probabilities(&x)?;
    let bad = model.probabilities(&adv.x)?;
    progress(2, 2);
    let (_, adv_wrong_all) = tally(&bad, 0.0);
    let (_, adv_wrong_tau) = tally(&bad, TAU);
    let (clean_ans, _) = tally(&clean, TAU);
    let (_, clean_wrong_all) = tally(&clean, 0.0);
    let (_, clean_wrong_tau) = tally(&clean, TAU);
    let f = |k: usize| k as f64 / n as f64;
    let rows = vec![
        pct("adversarial inputs answered wrongly, every answer given", f(adv_wrong_all)),
        pct("adversarial inputs answered wrongly, abstaining below τ 0.9", f(adv_wrong_tau)),
        pct("clean inputs answered wrongly, every answer given", f(clean_wrong_all)),
        pct("clean inputs answered wrongly, abstaining below τ 0.9", f(clean_wrong_tau)),
        pct("clean inputs still answered at τ 0.9 (coverage)", f(clean_ans)),
    ];
    let summary = format!(
        "Abstaining below 90% confidence cuts the wrong answers acted on from {} to {} of the adversarial inputs, and answers {} of the clean ones.",
        rows[0].shown, rows[1].shown, rows[4].shown
    );
    Ok((summary, rows, format!("PGD-10 (L∞ ε 8/255, not aware of the threshold) on the first {n} test images, standard model, seed {seed}")))
}

/// A quick-preset steal of `budget` queries over the packed images, without the transfer attack.
fn steal(res: &Resources, budget: usize, seed: u64, set: impl FnOnce(&mut extraction::Params)) -> Result<extraction::report::ExtractReport> {
    let mut params = extraction::Params::preset("quick")?;
    params.budget = budget;
    params.transfer = 0;
    params.seed = seed;
    set(&mut params);
    let v = params.check()?;
    let s = res.samples(2)?;
    let mut lab = extraction::ExtractionLab::open(res.model()?, s, &v)?;
    lab.run_all(&v, &mut |_| true, &|| 0.0)
}

fn label_only(res: &Resources, budget: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let probs = steal(res, budget, seed, |p| p.policy = "probs".into())?;
    progress(1, 2);
    let label = steal(res, budget, seed, |p| p.policy = "label".into())?;
    progress(2, 2);
    let rows = vec![
        pct("fidelity, full probabilities", probs.fidelity),
        pct("fidelity, labels only", label.fidelity),
        pct("victim's accuracy (the ceiling)", probs.victim_accuracy),
    ];
    let summary = format!(
        "At {} queries the stolen copy agrees with the victim on {} of held-out images with full probabilities and on {} with labels only.",
        thousands(budget), rows[0].shown, rows[1].shown
    );
    let setup = format!("natural queries, the lab's quick surrogate (cnn-s, {} epochs a round), {} evaluation images, seed {seed}", extraction::Params::preset("quick")?.epochs, probs.eval_images);
    Ok((summary, rows, setup))
}

fn prada(res: &Resources, budget: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let jac = steal(res, budget, seed, |p| {
        p.strategy = "jacobian".into();
        p.prada = extraction::params::Prada::Alert;
    })?;
    progress(1, 2);
    let nat = steal(res, budget, seed, |p| p.prada = extraction::params::Prada::Alert)?;
    progress(2, 2);
    let at = |r: &extraction::report::ExtractReport| match r.alert_at {
        Some(q) => (Some(q as f64), format!("after {} queries", thousands(q))),
        None => (None, format!("not flagged in {} queries", thousands(r.queries))),
    };
    let (jv, js) = at(&jac);
    let (nv, ns) = at(&nat);
    let rows = vec![
        text("Jacobian-augmentation thief flagged", jv, js.clone()),
        text("natural-image thief flagged", nv, ns.clone()),
        pct("Jacobian thief's fidelity", jac.fidelity),
        pct("natural thief's fidelity", nat.fidelity),
    ];
    let summary = format!("PRADA flags the synthetic-query thief {js}; the thief who sends natural images is {ns}.");
    Ok((summary, rows, format!("two steals of {} queries, PRADA alerting (δ 0.93 from the 300th distance), seed {seed}", thousands(budget))))
}

fn flood(res: &Resources, calls: usize, rate: f64, seed: u64) -> Result<(crate::api::flood::FloodReport, crate::api::audit::AuditLog)> {
    let clf = OnnxClassifier::from_bytes(res.model()?)?;
    let classes = clf.classes();
    let victim = |x: &[f32], n: usize| -> Result<Vec<f32>> { Ok(clf.probabilities(&crate::data::cifar::images(x, n)?)?.into_iter().collect()) };
    let (r, api) = Flood { queries: calls, rate, burst: 100.0, interval_ms: 1.0, seed }.run(classes, victim)?;
    Ok((r, api.log))
}

fn rate_limit(res: &Resources, calls: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let (open, _) = flood(res, calls, 1e9, seed)?;
    progress(1, 2);
    let (limited, _) = flood(res, calls, 50.0, seed)?;
    progress(2, 2);
    let rows = vec![
        count("flooding key's calls admitted, no limit", open.admitted),
        count("flooding key's calls admitted, 50/s (burst 100)", limited.admitted),
        text("token bucket's bound", limited.bound, format!("{:.0}", limited.bound)),
        text("benign key served, with the limit", limited.benign_served as f64, format!("{} of {}", limited.benign_served, limited.benign_sent)),
    ];
    let summary = format!(
        "A key sending {} calls in {:.1} simulated seconds gets {} answered without a limit and {} with the token bucket, while the benign key gets {}.",
        thousands(calls), limited.duration_s, rows[0].shown, rows[1].shown, rows[3].shown
    );
    Ok((summary, rows, format!("one call a simulated ms from the flooding key, a benign key at a quarter of the rate, seed {seed}")))
}

fn hash_chain(res: &Resources, calls: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let (r, mut log) = flood(res, calls, 50.0, seed)?;
    progress(1, 2);
    let intact = log.first_bad();
    let entries = log.entries.len();
    // edit an answered call in the middle: its status and answer
    let edited = entries / 2;
    let e = log.entries.get_mut(edited).ok_or_else(|| Error::Data("the flood logged nothing".into()))?;
    e.status = if e.status == "ok" { "rate-limited".into() } else { "ok".into() };
    e.output.clear();
    let found_edit = log.first_bad();
    // restore nothing: a second copy shows a deletion on its own
    let (_, mut log2) = flood(res, calls, 50.0, seed)?;
    let deleted = entries / 3;
    log2.entries.remove(deleted);
    let found_delete = log2.first_bad();
    progress(2, 2);
    let at = |f: Option<usize>| match f {
        Some(i) => (Some(i as f64), format!("entry #{i}")),
        None => (None, "not detected".into()),
    };
    let (ev, es) = at(found_edit);
    let (dv, ds) = at(found_delete);
    let rows = vec![
        count("entries logged", entries),
        text("chain before tampering", if intact.is_none() { 1.0 } else { 0.0 }, if intact.is_none() { "verifies".into() } else { "broken".into() }),
        text(&format!("entry #{edited} edited: the chain breaks at"), ev, es.clone()),
        text(&format!("entry #{deleted} deleted: the chain breaks at"), dv, ds.clone()),
    ];
    let summary = format!("Of {} logged calls, editing entry #{edited} is found at {es} and deleting entry #{deleted} at {ds}.", thousands(entries));
    Ok((summary, rows, format!("the audit log of a {}-call flood ({} answered), seed {seed}", thousands(calls), thousands(r.admitted + r.benign_served))))
}

fn spam_lab(res: &Resources, seed: u64) -> Result<(crate::spam::Lab, poisoning::ValidParams)> {
    let p = poisoning::Params { seed, ..poisoning::Params::default() }.check()?;
    Ok((crate::spam::Lab::new(res.spam()?, seed)?, p))
}

fn provenance(res: &Resources, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let (mut lab, p) = spam_lab(res, seed)?;
    let f = poisoning::forensics(&mut lab, p.kind, &p.backdoor)?;
    progress(1, 1);
    let findings = &f.investigation.audit.findings;
    let named = findings.first().map(|x| format!("{} / {}", x.source, x.uploader)).unwrap_or_else(|| "none".into());
    let rows = vec![
        count("poisoned records injected", f.poisoned),
        count("records flagged", f.investigation.flagged.len()),
        pct("precision (flagged that are poison)", f.precision),
        pct("recall (poison that is flagged)", f.recall),
        text("source / uploader the provenance audit names", findings.len() as f64, named.clone()),
    ];
    let summary = format!("The forensics flag {} records with precision {} and recall {}; the provenance audit names {named}.", rows[1].shown, rows[2].shown, rows[3].shown);
    Ok((summary, rows, format!("the poisoning lab's default attack ({} filter, rate {:.0}%, source {}), seed {seed}", p.kind.name(), 100.0 * p.backdoor.rate, p.backdoor.source.name())))
}

fn remediation(res: &Resources, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let (mut lab, p) = spam_lab(res, seed)?;
    let f = poisoning::forensics(&mut lab, p.kind, &p.backdoor)?;
    progress(1, 1);
    let m = &f.remediation;
    let rows = vec![
        pct("backdoor success, poisoned filter", m.asr_before),
        pct("backdoor success, after remediation", m.asr_after),
        pct("clean accuracy, poisoned filter", m.accuracy_before),
        pct("clean accuracy, after remediation", m.accuracy_after),
        count("records removed", m.removed),
    ];
    let summary = format!(
        "Removing the {} flagged records and retraining takes the backdoor from {} to {}, at clean accuracy {} → {}.",
        rows[4].shown, rows[0].shown, rows[1].shown, rows[2].shown, rows[3].shown
    );
    Ok((summary, rows, format!("the poisoning lab's default attack and forensics ({} filter), seed {seed}", p.kind.name())))
}

fn dp_sgd(res: &Resources, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    let (mut lab, p) = spam_lab(res, seed)?;
    lab.reset();
    let d = poisoning::dp(&mut lab, &p.dp, &p.backdoor)?;
    progress(1, 1);
    let rows = vec![
        text("ε of the DP-SGD run (δ as set)", d.epsilon, format!("ε = {:.2} at δ = {}", d.epsilon, d.config.delta)),
        pct("clean accuracy, non-private", d.non_private.accuracy),
        pct("clean accuracy, DP-SGD", d.private.accuracy),
        pct("backdoor success, non-private", d.non_private.asr),
        pct("backdoor success, DP-SGD", d.private.asr),
    ];
    let summary = format!(
        "DP-SGD at {} costs accuracy ({} → {}) and weakens the memorised backdoor ({} → {}).",
        rows[0].shown, rows[1].shown, rows[2].shown, rows[3].shown, rows[4].shown
    );
    Ok((summary, rows, format!("the poisoning lab's DP-SGD (q {}, σ {}, clip {}, {} epochs) on the poisoned training set, seed {seed}", d.config.q, d.config.sigma, d.config.clip, d.config.epochs)))
}

fn scanning(res: &Resources, progress: &mut dyn FnMut(usize, usize)) -> Result<Out> {
    if res.scan.is_empty() {
        return Err(missing("the scanner's sample files"));
    }
    let gate = Severity::Medium;
    let (mut hostile, mut caught, mut benign, mut false_alarms) = (0, 0, 0, 0);
    for (i, s) in res.scan.iter().enumerate() {
        let flagged = scan::scan_bytes(&s.name, &s.bytes, &Limits::default()).worst().is_some_and(|w| w >= gate);
        if s.hostile {
            hostile += 1;
            caught += flagged as usize;
        } else {
            benign += 1;
            false_alarms += flagged as usize;
        }
        progress(i + 1, res.scan.len());
    }
    let rows = vec![
        text("hostile files that fail the gate", caught as f64, format!("{caught} of {hostile}")),
        text("benign files that fail the gate", false_alarms as f64, format!("{false_alarms} of {benign}")),
    ];
    let summary = format!("At the CI gate (medium and above) the scanner fails {} hostile files and {} benign ones; loading without it would run every one.", rows[0].shown, rows[1].shown);
    Ok((summary, rows, "the scanner's sample corpus (crafted hostile files, real torch/NumPy/Keras/ONNX output), no code run".into()))
}
