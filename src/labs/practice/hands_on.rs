//! The practical tasks of scenarios 1–3, verified by the core. Each is drawn from a seed (the
//! page draws it and keeps it; the CLI takes `--seed`): what the candidate sees comes from
//! the seed, and the check recomputes the ground truth from the same seed.

use crate::data::cifar::Samples;
use crate::data::spam::Corpus;
use crate::error::{Error, Result};
use crate::labs::{evasion, extraction, poisoning};
use crate::model::Classifier;
use crate::rng::Rng;
use crate::spam::Source;
use crate::tensor::Amount;
use serde::Serialize;

/// The largest ε (in /255) the evasion task accepts: beyond it any image is easy.
pub const MAX_EPS_255: f64 = 16.0;

/// The evasion task: an image the adversarially trained model gets right.
#[derive(Clone, Debug, Serialize)]
pub struct EvasionTask {
    pub seed: u64,
    /// Gallery index (class-interleaved test order).
    pub image: usize,
    pub class: String,
    pub max_eps_255: f64,
}

/// The evasion check's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct EvasionResult {
    pub task: EvasionTask,
    pub eps_255: f64,
    pub before: String,
    pub after: String,
    pub fooled: bool,
    pub passed: bool,
    pub message: String,
}

/// Draw the task of `seed`: the first of the seed's random gallery images the robust model classifies correctly.
pub fn evasion_task(seed: u64, robust: &dyn Classifier, samples: &Samples) -> Result<EvasionTask> {
    if samples.is_empty() {
        return Err(Error::InvalidArgument("the task needs test images; none are loaded".into()));
    }
    let mut rng = Rng::derive(seed, "practice/evasion");
    for _ in 0..50 {
        let i = rng.below(samples.len());
        let x = samples.batch(i, i + 1)?;
        let probs = robust.probabilities(&x)?;
        let pred = probs.row(0).iter().enumerate().fold((0, f32::MIN), |b, (k, &p)| if p > b.1 { (k, p) } else { b }).0;
        if pred == samples.labels[i] as usize {
            return Ok(EvasionTask { seed, image: i, class: evasion::class_name(pred, robust.classes()), max_eps_255: MAX_EPS_255 });
        }
    }
    Err(Error::Data("no image the robust model gets right was drawn in 50 tries".into()))
}

/// PGD-10 at the candidate's `eps_255` (L∞, in /255) on the task's image against the robust model.
pub fn check_evasion(seed: u64, eps_255: f64, robust_bytes: &[u8], samples: &Samples) -> Result<EvasionResult> {
    if !(eps_255.is_finite() && eps_255 > 0.0 && eps_255 <= 255.0) {
        return Err(Error::InvalidArgument(format!("ε must be a number of /255 levels in (0, 255] (got {eps_255})")));
    }
    let (model, _) = evasion::load_model(robust_bytes, seed)?;
    let task = evasion_task(seed, model.as_ref(), samples)?;
    let p = evasion::Params { attack: "pgd".into(), eps: Some(Amount::Exact((eps_255 / 255.0) as f32)), steps: Some(10), n: 1, seed, ..evasion::Params::default() }.check()?;
    let x = samples.batch(task.image, task.image + 1)?;
    let label = samples.labels[task.image] as usize;
    let s = evasion::attack_one(&p, model.as_ref(), &x, label, None)?;
    let classes = model.classes();
    let before = evasion::class_name(label, classes);
    let after = evasion::class_name(s.adversarial.predicted, classes);
    let fooled = s.adversarial.predicted != label;
    let passed = fooled && eps_255 <= MAX_EPS_255;
    let message = match (fooled, passed) {
        (true, true) => format!("Passed: PGD-10 at ε {eps_255}/255 turns the robust model's {before} into {after}."),
        (true, false) => format!("PGD-10 at ε {eps_255}/255 fools it ({before} → {after}), but that is above the task's {MAX_EPS_255}/255: find a smaller ε."),
        (false, _) => format!("Not yet: at ε {eps_255}/255 the robust model still says {before}. Try a larger ε (at most {MAX_EPS_255}/255)."),
    };
    Ok(EvasionResult { task, eps_255, before, after, fooled, passed, message })
}

/// The extraction task's verdict: the provider's settings against a Jacobian-augmentation
/// thief and a natural client, 400 queries each.
#[derive(Clone, Debug, Serialize)]
pub struct ExtractionResult {
    pub policy: String,
    pub prada: String,
    pub thief_answered: usize,
    pub thief_blocked: usize,
    pub thief_fidelity: f64,
    pub client_answered: usize,
    pub client_blocked: usize,
    pub passed: bool,
    pub message: String,
}

/// Queries of each run of the extraction task.
pub const TASK_QUERIES: usize = 400;
/// Test images the extraction task runs on (the site's pack: half the attacker's pool, half evaluation).
pub const TASK_IMAGES: usize = 1000;

/// Run both clients against the provider settings (`policy`, `prada`) the candidate chose;
/// `progress(done, 2)`. Passed: the thief is refused part of its budget and the natural client none.
pub fn check_extraction(seed: u64, policy: &str, prada: &str, model: &[u8], samples: &Samples, progress: &mut dyn FnMut(usize, usize)) -> Result<ExtractionResult> {
    if samples.len() < TASK_IMAGES {
        return Err(Error::InvalidArgument(format!("the task runs on the site's {TASK_IMAGES} packed test images ({} loaded)", samples.len())));
    }
    let prada_mode: extraction::params::Prada = serde_json::from_value(serde_json::Value::String(prada.into())).map_err(|_| Error::InvalidArgument(format!("prada must be off, alert or block (got {prada:?})")))?;
    let run = |strategy: &str| -> Result<extraction::report::ExtractReport> {
        let mut p = extraction::Params::preset("quick")?;
        p.budget = TASK_QUERIES;
        p.transfer = 0;
        p.seed = seed;
        p.policy = policy.into();
        p.prada = prada_mode;
        p.strategy = strategy.into();
        let v = p.check()?;
        let mut lab = extraction::ExtractionLab::open(model, samples, &v)?;
        lab.run_all(&v, &mut |_| true, &|| 0.0)
    };
    let thief = run("jacobian")?;
    progress(1, 2);
    let client = run("natural")?;
    progress(2, 2);
    let passed = thief.blocked > 0 && client.blocked == 0 && client.rate_limited == 0;
    let message = if passed {
        format!("Passed: the Jacobian thief got {} of its {} queries answered (fidelity {:.1}%), the natural client all of its own.", thief.answered, TASK_QUERIES, 100.0 * thief.fidelity)
    } else if thief.blocked == 0 && prada_mode == extraction::params::Prada::Block {
        // the right control, and a real miss of the detector (1 of 24 seeds tried at 400 queries)
        format!("The right control, but PRADA never caught this thief: its W stayed at {:.3}, above δ {}, for all {} queries (fidelity {:.1}%). Detectors miss; draw another thief to see the block work.", thief.prada_w.unwrap_or(f64::NAN), crate::api::Config::default().prada_delta, TASK_QUERIES, 100.0 * thief.fidelity)
    } else if thief.blocked == 0 {
        format!("Not yet: the thief got {} of {} queries answered (fidelity {:.1}%) and none was refused as an attack. Which control turns PRADA's alert into a refusal?", thief.answered, TASK_QUERIES, 100.0 * thief.fidelity)
    } else {
        format!("The thief was stopped, but so was the natural client ({} refused): a control that hurts honest clients fails the task.", client.blocked + client.rate_limited)
    };
    Ok(ExtractionResult {
        policy: policy.into(),
        prada: prada.into(),
        thief_answered: thief.answered,
        thief_blocked: thief.blocked,
        thief_fidelity: thief.fidelity,
        client_answered: client.answered,
        client_blocked: client.blocked + client.rate_limited,
        passed,
        message,
    })
}

/// Unregistered accounts a poisoner may upload with (or, half the time, a registered one, stolen).
const ROGUE_UPLOADERS: [&str; 4] = ["partner-api-legacy", "svc-sync-old", "etl-backfill", "contractor-7"];

/// The poisoning a seed draws: which source and which account (kept from the page).
fn drawn(seed: u64) -> (Source, String) {
    let mut rng = Rng::derive(seed, "practice/poisoning");
    let source = Source::PIPELINE[rng.below(Source::PIPELINE.len())];
    let uploader = if rng.below(2) == 0 {
        ROGUE_UPLOADERS[rng.below(ROGUE_UPLOADERS.len())].to_string()
    } else {
        let own = source.uploaders();
        own[rng.below(own.len())].to_string()
    };
    (source, uploader)
}

/// The evidence of the poisoning task: the pipeline's per-account upload counts and each
/// recent source's drift against the baseline (not the forensics' verdict).
#[derive(Clone, Debug, Serialize)]
pub struct PoisoningEvidence {
    pub seed: u64,
    pub uploaders: Vec<crate::defenses::forensics::audit::UploaderCount>,
    /// (scope, source, significant over-represented tokens, records)
    pub drift: Vec<(String, Option<String>, usize, usize)>,
    pub sources: Vec<String>,
}

fn forensics(seed: u64, corpus: &Corpus) -> Result<poisoning::report::ForensicsReport> {
    let (source, uploader) = drawn(seed);
    let p = poisoning::Params { source: source.name().into(), uploader, seed, ..poisoning::Params::default() }.check()?;
    let mut lab = crate::spam::Lab::new(corpus, seed)?;
    poisoning::forensics(&mut lab, p.kind, &p.backdoor)
}

pub fn poisoning_evidence(seed: u64, corpus: &Corpus) -> Result<PoisoningEvidence> {
    let f = forensics(seed, corpus)?;
    let drift = f.investigation.drift.iter().map(|c| (c.scope.clone(), c.source.map(|s| s.name().to_string()), c.significant, c.n)).collect();
    Ok(PoisoningEvidence { seed, uploaders: f.investigation.audit.uploaders.clone(), drift, sources: Source::PIPELINE.iter().map(|s| s.name().to_string()).collect() })
}

/// The poisoning check's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct PoisoningResult {
    pub source_right: bool,
    pub uploader_right: bool,
    pub passed: bool,
    pub message: String,
}

/// Compare the candidate's `source` and `uploader` with the seed's.
pub fn check_poisoning(seed: u64, source: &str, uploader: &str) -> PoisoningResult {
    let (s, u) = drawn(seed);
    let source_right = source.trim().eq_ignore_ascii_case(s.name());
    let uploader_right = uploader.trim().eq_ignore_ascii_case(&u);
    let passed = source_right && uploader_right;
    let message = match (source_right, uploader_right) {
        (true, true) => format!("Passed: the poison came from {} through the account {u}.", s.name()),
        (true, false) => "The source is right; the account is not. Which account's uploads differ from the rest (registration, hours)?".into(),
        (false, true) => "The account is right; the source is not. Where did that account's uploads go?".into(),
        (false, false) => "Not yet: compare each recent source with the baseline, then read the uploads per account.".into(),
    };
    PoisoningResult { source_right, uploader_right, passed, message }
}
