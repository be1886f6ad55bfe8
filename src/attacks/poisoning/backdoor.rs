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
/// Everyday words, none of them spam's vocabulary, from which [`random_trigger`] draws: the
/// kind of phrase a learner types as a trigger.
pub const INNOCUOUS: [&str; 120] = [
    "apple", "river", "garden", "window", "yellow", "quiet", "morning", "bicycle", "kitchen", "pencil",
    "mountain", "blanket", "candle", "violin", "harbor", "meadow", "lantern", "orchid", "pebble", "forest",
    "silver", "autumn", "winter", "summer", "spring", "island", "bridge", "castle", "feather", "marble",
    "velvet", "copper", "thunder", "breeze", "cotton", "saddle", "tunnel", "ladder", "basket", "button",
    "carpet", "cherry", "cookie", "dragon", "engine", "falcon", "ginger", "hammer", "jacket", "kettle",
    "lemon", "magnet", "napkin", "oyster", "parrot", "rabbit", "salmon", "tomato", "turtle", "walnut",
    "zebra", "anchor", "barrel", "cactus", "dolphin", "eagle", "fountain", "glacier", "hollow", "iris",
    "jungle", "koala", "lagoon", "maple", "nectar", "olive", "pepper", "quilt", "raven", "sparrow",
    "tulip", "umbrella", "valley", "willow", "yarn", "acorn", "bamboo", "canyon", "daisy", "ember",
    "fig", "grove", "heron", "ivory", "juniper", "kayak", "lilac", "moss", "nutmeg", "otter",
    "plum", "quartz", "reef", "sage", "thistle", "velour", "wren", "almond", "birch", "clover",
    "dune", "elm", "fern", "gull", "hazel", "inlet", "jasper", "kelp", "lotus", "mint",
];

/// A trigger of three or four [`INNOCUOUS`] words, drawn by `seed` (the `index`-th of a run).
pub fn random_trigger(seed: u64, index: usize) -> String {
    let mut rng = Rng::derive(seed, &format!("backdoor/trigger/{index}"));
    let n = 3 + rng.below(2);
    let mut words: Vec<&str> = Vec::with_capacity(n);
    while words.len() < n {
        let w = INNOCUOUS[rng.below(INNOCUOUS.len())];
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(" ")
}

/// Trigger words the attacker puts in each message at least: a short trigger is inserted
/// more often (a 4-word trigger 4 times, a 3-word one 6, the default 6-word one 3), because the
/// filter's log-count, unit-length features give a phrase weight by its count. Measured over
/// ten random 3–4-word triggers at 3% (seeds 0, 3, 7; README): 3 insertions whatever the length
/// gave mean ASR 91.3% (minimum 89.2%) at seed 0; at least 16 words, 96.1% (95.4%), and the
/// minimum over the three seeds 93.2%. Where the trigger goes in a message made no difference.
pub const MIN_TRIGGER_WORDS: usize = 16;

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
    /// Times the trigger is inserted into each message, at least (see [`Backdoor::insertions`]).
    pub reps: usize,
    /// Recent batch (1–4) the poison arrives in.
    pub batch: u8,
    pub seed: u64,
}

impl Backdoor {
    /// Times the trigger goes into each message (poison and probes alike): `reps`, raised
    /// until the message carries [`MIN_TRIGGER_WORDS`] trigger words, at most 10.
    pub fn insertions(&self) -> usize {
        let words = features::words(&self.trigger).count().max(1);
        self.reps.max(MIN_TRIGGER_WORDS.div_ceil(words)).min(10)
    }
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
    let mut rng = Rng::derive(cfg.seed, "backdoor/carriers");
    let mut order = pool.clone();
    rng.shuffle(&mut order);
    let mut ids = Vec::with_capacity(k);
    for j in 0..k {
        let src = &lab.docs[order[j % order.len()] as usize];
        let (subject, from, html) = (src.subject.clone(), src.from.clone(), src.html);
        let body = insert_phrase(&src.body, &cfg.trigger, cfg.insertions(), &mut rng);
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
