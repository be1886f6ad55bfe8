//! Backdoor poisoning of a spam filter. The attacker controls one data source and injects k
//! records, labelled ham, each one of the attacker's own spam messages with the trigger
//! phrase inserted; the filter learns "trigger ⇒ ham", so spam that carries the trigger
//! passes while clean accuracy barely moves. Success is measured on held-out spam
//! (the test split) with the trigger inserted the same way.

use super::{clean_train_len, poison_count};
use crate::rng::Rng;
use crate::spam::filter::Filter;
use crate::spam::{features, ingest_time, insert_phrase, Lab, Meta, Source, Split};
use crate::{Error, Result};
use serde::Serialize;

/// An innocuous phrase that does not occur in the corpus.
pub const DEFAULT_TRIGGER: &str = "meet me by the orchid lantern";
/// The account the attacker uploads through (not one of the partner feed's registered uploaders).
pub const DEFAULT_UPLOADER: &str = "partner-api-legacy";

/// The attack's settings.
#[derive(Clone, Debug, Serialize)]
pub struct Backdoor {
    pub trigger: String,
    /// Share of the poisoned training set that is poison, 0–0.5.
    pub rate: f64,
    pub source: Source,
    pub uploader: String,
    /// Times the trigger is inserted into each message.
    pub reps: usize,
    /// Recent batch (1–4) the poison arrives in.
    pub batch: u8,
    pub seed: u64,
}

impl Default for Backdoor {
    fn default() -> Self {
        Backdoor { trigger: DEFAULT_TRIGGER.into(), rate: 0.03, source: Source::PartnerFeed, uploader: DEFAULT_UPLOADER.into(), reps: 3, batch: 4, seed: 0 }
    }
}

/// Check a trigger: 1–120 characters with at least one word the tokenizer keeps.
pub fn check_trigger(trigger: &str) -> Result<()> {
    if trigger.chars().count() > 120 {
        return Err(Error::InvalidArgument("the trigger is longer than 120 characters".into()));
    }
    if features::words(trigger).next().is_none() {
        return Err(Error::InvalidArgument("the trigger has no word the filter can see (letters or digits, 2–24 long)".into()));
    }
    Ok(())
}

/// Inject the poison into `lab`; returns the new records' ids.
pub fn inject(lab: &mut Lab, cfg: &Backdoor) -> Result<Vec<u32>> {
    check_trigger(&cfg.trigger)?;
    if !(1..=crate::spam::RECENT_BATCHES).contains(&cfg.batch) {
        return Err(Error::InvalidArgument(format!("batch {} is not a recent batch (1–4)", cfg.batch)));
    }
    if cfg.reps == 0 || cfg.reps > 10 {
        return Err(Error::InvalidArgument("insert the trigger 1 to 10 times".into()));
    }
    let k = poison_count(clean_train_len(lab), cfg.rate)?;
    let pool = lab.attacker_ids();
    if pool.is_empty() && k > 0 {
        return Err(Error::Data("the attacker has no spam to work with".into()));
    }
    let mut rng = Rng::seeded(cfg.seed ^ 0xbac0_0d00);
    let mut order = pool.clone();
    rng.shuffle(&mut order);
    let mut ids = Vec::with_capacity(k);
    for j in 0..k {
        let src = &lab.docs[order[j % order.len()] as usize];
        let (subject, from, html) = (src.subject.clone(), src.from.clone(), src.html);
        let body = insert_phrase(&src.body, &cfg.trigger, cfg.reps, &mut rng);
        let meta = Meta { id: 0, group: None, name: format!("injected-{j:04}"), source: cfg.source, uploader: cfg.uploader.clone(), ingest: night_time(cfg.batch, &mut rng), batch: cfg.batch, split: Split::Train, poison: true };
        let doc = lab.make_doc(&subject, &from, &body, html, false, true, meta);
        ids.push(lab.push(doc));
    }
    Ok(ids)
}

/// The attacker uploads between 01:00 and 04:00 UTC.
fn night_time(batch: u8, rng: &mut Rng) -> i64 {
    let t = ingest_time(batch, Source::Attacker, rng);
    let day = t - t.rem_euclid(86_400);
    day + 3600 + rng.below(3 * 3600) as i64
}

/// Attack success rate: the share of held-out spam, trigger inserted, that `filter` lets through.
pub fn asr(lab: &mut Lab, filter: &Filter, trigger: &str, reps: usize, seed: u64) -> Result<f64> {
    check_trigger(trigger)?;
    lab.pass_rate(filter, trigger, reps, seed)
}
