//! The poisoning lab: train the clean filter, inject a backdoor, measure it, investigate,
//! remediate, and the differentially private alternative. Its settings: [`params::Params`].

pub mod params;
pub mod report;
pub use params::{Params, ValidParams};
pub use report::{CurvePoint, DictionaryReport, DpReport, DpSide, ForensicsReport, PoisonReport, SweepReport, TriggerPoint};

use crate::attacks::poisoning::{backdoor, dictionary};
use crate::spam::filter::Kind;
use crate::spam::{Lab, Source};
use crate::Result;

/// Reset the lab, train the clean filter, inject `cfg`, train the poisoned one, score both.
pub fn poison(lab: &mut Lab, kind: Kind, cfg: &backdoor::Backdoor) -> Result<PoisonReport> {
    lab.reset();
    let clean_f = lab.train(kind, cfg.seed)?;
    let clean = lab.evaluate(&clean_f);
    let asr_clean_model = backdoor::asr(lab, &clean_f, &cfg.trigger, cfg.insertions(), cfg.seed)?;
    let ids = backdoor::inject(lab, cfg)?;
    let f = lab.train(kind, cfg.seed)?;
    let poisoned_metrics = lab.evaluate(&f);
    let asr = backdoor::asr(lab, &f, &cfg.trigger, cfg.insertions(), cfg.seed)?;
    Ok(PoisonReport {
        model: kind,
        seed: cfg.seed,
        trigger: cfg.trigger.clone(),
        rate: cfg.rate,
        source: cfg.source,
        insertions: cfg.insertions(),
        poisoned: ids.len(),
        train_size: lab.train_ids().len(),
        clean_acc: clean.accuracy,
        poisoned_acc: poisoned_metrics.accuracy,
        clean,
        poisoned_metrics,
        asr,
        asr_clean_model,
        poison_ids: ids,
    })
}


/// `cfg`'s attack with `n` triggers drawn by `cfg.seed` ([`backdoor::random_trigger`]) in
/// place of its own.
pub fn sweep(lab: &mut Lab, kind: Kind, cfg: &backdoor::Backdoor, n: usize) -> Result<SweepReport> {
    if n == 0 || n > 100 {
        return Err(crate::Error::InvalidArgument("sweep 1 to 100 triggers".into()));
    }
    let mut triggers = Vec::with_capacity(n);
    for i in 0..n {
        let c = backdoor::Backdoor { trigger: backdoor::random_trigger(cfg.seed, i), ..cfg.clone() };
        let r = poison(lab, kind, &c)?;
        triggers.push(TriggerPoint { trigger: c.trigger, insertions: r.insertions, asr: r.asr, clean_acc: r.clean_acc, poisoned_acc: r.poisoned_acc });
    }
    let mean_asr = triggers.iter().map(|t| t.asr).sum::<f64>() / n as f64;
    let min_asr = triggers.iter().map(|t| t.asr).fold(f64::INFINITY, f64::min);
    let max_accuracy_drop = triggers.iter().map(|t| t.clean_acc - t.poisoned_acc).fold(f64::NEG_INFINITY, f64::max);
    Ok(SweepReport { model: kind, seed: cfg.seed, rate: cfg.rate, triggers, mean_asr, min_asr, max_accuracy_drop })
}

/// The poison rates of the attack-success curve (the page and `mlsec poison --curve`).
pub const CURVE_RATES: [f64; 8] = [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1];

/// ASR and clean accuracy at each rate (the lab is left poisoned at the last rate).
pub fn curve(lab: &mut Lab, kind: Kind, cfg: &backdoor::Backdoor, rates: &[f64]) -> Result<Vec<CurvePoint>> {
    let mut out = Vec::with_capacity(rates.len());
    for &rate in rates {
        lab.reset();
        let ids = backdoor::inject(lab, &backdoor::Backdoor { rate, ..cfg.clone() })?;
        let f = lab.train(kind, cfg.seed)?;
        out.push(CurvePoint { rate, poisoned: ids.len(), clean_acc: lab.evaluate(&f).accuracy, asr: backdoor::asr(lab, &f, &cfg.trigger, cfg.insertions(), cfg.seed)? });
    }
    Ok(out)
}

pub fn dictionary_attack(lab: &mut Lab, kind: Kind, rate: f64, words: usize, seed: u64) -> Result<DictionaryReport> {
    lab.reset();
    let clean = lab.evaluate(&lab.train(kind, seed)?);
    let ids = dictionary::inject(lab, rate, words, Source::UserReports, seed)?;
    let attacked = lab.evaluate(&lab.train(kind, seed)?);
    lab.reset();
    Ok(DictionaryReport { model: kind, rate, words, poisoned: ids.len(), clean, attacked })
}

/// Inject `cfg`, investigate, remove what at least two signals flag, retrain.
pub fn forensics(lab: &mut Lab, kind: Kind, cfg: &backdoor::Backdoor) -> Result<ForensicsReport> {
    use crate::defenses::forensics;
    lab.reset();
    let ids = backdoor::inject(lab, cfg)?;
    let inv = forensics::investigate(lab, kind, cfg.seed)?;
    let remediation = forensics::remediate(lab, kind, &inv.flagged, &cfg.trigger, cfg.insertions(), cfg.seed)?;
    Ok(ForensicsReport { model: kind, seed: cfg.seed, poisoned: ids.len(), precision: inv.score.precision, recall: inv.score.recall, investigation: inv, remediation })
}

pub fn dp(lab: &mut Lab, dp: &crate::privacy::dpsgd::DpConfig, cfg: &backdoor::Backdoor) -> Result<DpReport> {
    lab.reset();
    let ids = backdoor::inject(lab, cfg)?;
    let train = lab.train_ids();
    let private = crate::privacy::dpsgd::train(lab, &train, dp)?;
    let plain = lab.train(Kind::Lr, cfg.seed)?;
    let probes = lab.triggered_test_spam(&cfg.trigger, cfg.insertions(), cfg.seed)?;
    let test = lab.test_ids();
    let side = |is_spam: &dyn Fn(&crate::spam::Doc) -> bool| {
        let docs = lab.docs_of(&test);
        let ham = docs.iter().filter(|d| !d.truth).count().max(1);
        DpSide {
            accuracy: docs.iter().filter(|d| is_spam(d) == d.truth).count() as f64 / docs.len().max(1) as f64,
            false_positive_rate: docs.iter().filter(|d| !d.truth && is_spam(d)).count() as f64 / ham as f64,
            asr: probes.iter().filter(|d| !is_spam(d)).count() as f64 / probes.len().max(1) as f64,
        }
    };
    let private_side = side(&|d| private.is_spam(lab, d));
    let plain_side = side(&|d| plain.is_spam(d));
    Ok(DpReport { config: dp.clone(), steps: private.steps, epsilon: private.spent.epsilon, order: private.spent.order, poisoned: ids.len(), private: private_side, non_private: plain_side })
}
