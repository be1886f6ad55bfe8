//! The poisoning lab's pipeline: the SpamAssassin corpus as training data that arrives in
//! batches from named sources, with an ingestion log, a fixed test split, and the filters.
//!
//! The provenance (source, uploader, ingest time, batch) is simulated, seeded and shown; the
//! messages are the real corpus. The 2002 release is the historical baseline (batch 0); the
//! 2003 release arrives as recent batches 1–4. A fifth of spam-2 is held aside as the
//! attacker's own spam (never trained on or tested), a quarter of every group is the test split.

pub mod features;
pub mod filter;
pub mod provenance;

use crate::data::spam::{Corpus, Group};
use crate::rng::Rng;
use crate::{Error, Result};
use features::{hashed_counts, log_l2, numeric, tokenize, Sparse, Vocab, DIM};
use filter::{Filter, Kind, Metrics, TrainConfig};
use provenance::{content_hash, IngestLog, Verdict};
use serde::Serialize;

/// Where a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Honeypot,
    UserReports,
    PartnerFeed,
    InternalLabellers,
    /// The attacker's own spam (held aside; never ingested by the pipeline).
    Attacker,
}

impl Source {
    pub const PIPELINE: [Source; 4] = [Source::Honeypot, Source::UserReports, Source::PartnerFeed, Source::InternalLabellers];

    pub fn name(self) -> &'static str {
        match self {
            Source::Honeypot => "honeypot",
            Source::UserReports => "user-reports",
            Source::PartnerFeed => "partner-feed",
            Source::InternalLabellers => "internal-labellers",
            Source::Attacker => "attacker",
        }
    }

    pub fn parse(s: &str) -> Result<Source> {
        Source::PIPELINE
            .into_iter()
            .find(|x| x.name() == s.trim())
            .ok_or_else(|| Error::InvalidArgument(format!("unknown source {s:?}: use honeypot, user-reports, partner-feed or internal-labellers")))
    }

    /// The accounts allowed to upload for this source.
    pub fn uploaders(self) -> &'static [&'static str] {
        match self {
            Source::Honeypot => &["svc-honeypot"],
            Source::UserReports => &["svc-report-button"],
            Source::PartnerFeed => &["svc-partner-sync"],
            Source::InternalLabellers => &["alice", "bob", "chen", "dana"],
            Source::Attacker => &[],
        }
    }

    /// The UTC hours [from, to) in which this source uploads.
    pub fn hours(self) -> (u32, u32) {
        match self {
            Source::Honeypot => (0, 24),
            Source::UserReports => (7, 23),
            Source::PartnerFeed => (5, 7),
            Source::InternalLabellers => (9, 18),
            Source::Attacker => (0, 24),
        }
    }
}

/// Which split a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Test,
    Attacker,
}

/// A record's provenance.
#[derive(Clone, Debug, Serialize)]
pub struct Meta {
    pub id: u32,
    /// The corpus group, or `None` for an injected record.
    #[serde(serialize_with = "group_name")]
    pub group: Option<Group>,
    pub name: String,
    pub source: Source,
    pub uploader: String,
    /// Unix seconds.
    pub ingest: i64,
    pub batch: u8,
    pub split: Split,
    /// Ground truth for scoring the forensics (never read by a detector).
    pub poison: bool,
}

fn group_name<S: serde::Serializer>(g: &Option<Group>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(g.map(Group::name).unwrap_or("injected"))
}

/// One record with its features.
#[derive(Clone, Debug)]
pub struct Doc {
    pub subject: String,
    pub from: String,
    pub body: String,
    pub html: bool,
    pub tokens: Vec<u32>,
    /// Hashed unigram + bigram counts (naive Bayes).
    pub counts: Sparse,
    /// `log_l2(counts)` (logistic regression, MLP).
    pub x: Sparse,
    pub numeric: [f64; 6],
    /// The label as ingested: true = spam.
    pub label: bool,
    /// The true class.
    pub truth: bool,
    pub meta: Meta,
}

/// Start of the baseline period (2002-09-02) and of the recent batches (2003-02-03), Unix seconds.
pub const BASELINE_START: i64 = 1_030_924_800;
pub const RECENT_START: i64 = 1_044_230_400;
/// Number of recent batches.
pub const RECENT_BATCHES: u8 = 4;
const DAY: i64 = 86_400;

/// The lab: every record, the ingestion log, and what has been injected or removed.
pub struct Lab {
    pub vocab: Vocab,
    pub docs: Vec<Doc>,
    pub log: IngestLog,
    pub seed: u64,
    pub dim: u32,
    clean_docs: usize,
    clean_log: usize,
    /// Records taken out of training by the remediation step.
    pub removed: Vec<bool>,
}

/// A pseudo-random ingest time inside `source`'s hours for `batch`.
pub fn ingest_time(batch: u8, source: Source, rng: &mut Rng) -> i64 {
    let (day0, days) = if batch == 0 { (BASELINE_START, 28) } else { (RECENT_START + 7 * DAY * (batch as i64 - 1), 7) };
    let (h0, h1) = source.hours();
    day0 + DAY * rng.below(days) as i64 + 3600 * (h0 + rng.below((h1 - h0) as usize) as u32) as i64 + rng.below(3600) as i64
}

impl Lab {
    /// Build the lab from the corpus; `seed` fixes the splits, sources and times.
    pub fn new(corpus: &Corpus, seed: u64) -> Result<Lab> {
        if corpus.messages.is_empty() {
            return Err(Error::Data("the corpus is empty".into()));
        }
        let mut rng = Rng::derive(seed, "spam/splits");
        let mut lab = Lab { vocab: Vocab::default(), docs: Vec::with_capacity(corpus.messages.len() + 512), log: IngestLog::default(), seed, dim: DIM, clean_docs: 0, clean_log: 0, removed: Vec::new() };
        // split per group: a shuffled order, the first quarter test, (spam-2) the next fifth the attacker's
        let mut split = vec![Split::Train; corpus.messages.len()];
        let mut batch = vec![0u8; corpus.messages.len()];
        for g in Group::ALL {
            let mut ids: Vec<usize> = (0..corpus.messages.len()).filter(|&i| corpus.messages[i].group == g).collect();
            rng.shuffle(&mut ids);
            let n_test = ids.len() / 4;
            let n_att = if g == Group::Spam2 { ids.len() / 5 } else { 0 };
            for (k, &i) in ids.iter().enumerate() {
                split[i] = if k < n_test { Split::Test } else if k < n_test + n_att { Split::Attacker } else { Split::Train };
                batch[i] = if g.is_recent() { 1 + (k % RECENT_BATCHES as usize) as u8 } else { 0 };
            }
        }
        for (i, m) in corpus.messages.iter().enumerate() {
            let spam = m.group.is_spam();
            let source = if split[i] == Split::Attacker {
                Source::Attacker
            } else {
                let u = rng.uniform();
                if spam {
                    if u < 0.5 { Source::Honeypot } else if u < 0.8 { Source::UserReports } else { Source::PartnerFeed }
                } else if u < 0.2 {
                    Source::UserReports
                } else if u < 0.5 {
                    Source::PartnerFeed
                } else {
                    Source::InternalLabellers
                }
            };
            let ups = source.uploaders();
            let uploader = if ups.is_empty() { "attacker".to_string() } else { ups[rng.below(ups.len())].to_string() };
            let meta = Meta { id: i as u32, group: Some(m.group), name: m.name.clone(), source, uploader, ingest: ingest_time(batch[i], source, &mut rng), batch: batch[i], split: split[i], poison: false };
            let e = &m.email;
            let doc = lab.make_doc(&e.subject, &e.from, &e.body, e.html, spam, spam, meta);
            lab.push(doc);
        }
        lab.clean_docs = lab.docs.len();
        lab.clean_log = lab.log.entries.len();
        Ok(lab)
    }

    /// Tokenize and featurize a message into a record (not yet stored).
    #[allow(clippy::too_many_arguments)]
    pub fn make_doc(&mut self, subject: &str, from: &str, body: &str, html: bool, label: bool, truth: bool, meta: Meta) -> Doc {
        let tokens = tokenize(&format!("{subject}\n{body}"), &mut self.vocab);
        let counts = hashed_counts(&tokens, &self.vocab, self.dim);
        let x = log_l2(&counts);
        let numeric = numeric(subject, body, html, tokens.len());
        Doc { subject: subject.into(), from: from.into(), body: body.into(), html, tokens, counts, x, numeric, label, truth, meta }
    }

    /// A record for a message that is only scored, never stored (a triggered test spam, a pasted e-mail).
    pub fn probe(&mut self, subject: &str, body: &str, html: bool, truth: bool) -> Doc {
        let meta = Meta { id: u32::MAX, group: None, name: String::new(), source: Source::Attacker, uploader: String::new(), ingest: 0, batch: 0, split: Split::Test, poison: false };
        self.make_doc(subject, "", body, html, truth, truth, meta)
    }

    /// Store a record; pipeline records (not the attacker's pool) are written to the log.
    pub fn push(&mut self, mut doc: Doc) -> u32 {
        let id = self.docs.len() as u32;
        doc.meta.id = id;
        if doc.meta.split != Split::Attacker {
            self.log.append(id, doc.meta.source.name(), &doc.meta.uploader, doc.meta.ingest, doc.meta.batch, doc.label, content_hash(&doc.subject, &doc.body));
        }
        self.docs.push(doc);
        self.removed.push(false);
        id
    }

    /// Undo every injection and removal.
    pub fn reset(&mut self) {
        self.docs.truncate(self.clean_docs);
        self.log.truncate(self.clean_log);
        self.removed = vec![false; self.clean_docs];
    }

    /// Number of records of the clean corpus (injected ones come after).
    pub fn clean_len(&self) -> usize {
        self.clean_docs
    }

    /// The training records (injected included, removed excluded).
    pub fn train_ids(&self) -> Vec<u32> {
        self.ids(|d| d.meta.split == Split::Train)
    }

    pub fn test_ids(&self) -> Vec<u32> {
        self.ids(|d| d.meta.split == Split::Test)
    }

    pub fn attacker_ids(&self) -> Vec<u32> {
        self.ids(|d| d.meta.split == Split::Attacker)
    }

    fn ids(&self, keep: impl Fn(&Doc) -> bool) -> Vec<u32> {
        self.docs.iter().enumerate().filter(|(i, d)| keep(d) && !self.removed[*i]).map(|(i, _)| i as u32).collect()
    }

    pub fn docs_of(&self, ids: &[u32]) -> Vec<&Doc> {
        ids.iter().filter_map(|&i| self.docs.get(i as usize)).collect()
    }

    /// Train a filter on the given records.
    pub fn train_on(&self, ids: &[u32], kind: Kind, cfg: &TrainConfig, seed: u64) -> Result<Filter> {
        filter::train(kind, &self.docs_of(ids), self.dim, cfg, &mut Rng::seeded(seed))
    }

    /// Train on the current training set (defaults).
    pub fn train(&self, kind: Kind, seed: u64) -> Result<Filter> {
        self.train_on(&self.train_ids(), kind, &TrainConfig::for_kind(kind), seed)
    }

    /// Metrics on the test split.
    pub fn evaluate(&self, f: &Filter) -> Metrics {
        filter::metrics(f, &self.docs_of(&self.test_ids()))
    }

    /// The share of held-out spam that `filter` lets through once `phrase` is inserted `reps`
    /// times (a backdoor's attack success rate when the phrase is its trigger).
    pub fn pass_rate(&mut self, filter: &Filter, phrase: &str, reps: usize, seed: u64) -> Result<f64> {
        let probes = self.triggered_test_spam(phrase, reps, seed)?;
        Ok(probes.iter().filter(|d| !filter.is_spam(d)).count() as f64 / probes.len() as f64)
    }

    /// The held-out spam with `phrase` inserted `reps` times (seeded positions), as probes.
    pub fn triggered_test_spam(&mut self, phrase: &str, reps: usize, seed: u64) -> Result<Vec<Doc>> {
        let mut rng = Rng::derive(seed, "spam/trigger-probes");
        let spam: Vec<u32> = self.test_ids().into_iter().filter(|&i| self.docs[i as usize].truth).collect();
        if spam.is_empty() {
            return Err(Error::Data("no held-out spam to test the phrase on".into()));
        }
        let mut out = Vec::with_capacity(spam.len());
        for i in &spam {
            let (subject, body, html) = {
                let d = &self.docs[*i as usize];
                (d.subject.clone(), d.body.clone(), d.html)
            };
            out.push(self.probe(&subject, &insert_phrase(&body, phrase, reps.max(1), &mut rng), html, true));
        }
        Ok(out)
    }

    /// Verify the ingestion log against the records as they are now.
    pub fn verify_log(&self) -> Verdict {
        self.log.verify(|r| self.docs.get(r as usize).map(|d| content_hash(&d.subject, &d.body)))
    }
}

/// `body` with `phrase` inserted `reps` times at line breaks chosen by `rng`.
pub fn insert_phrase(body: &str, phrase: &str, reps: usize, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    for _ in 0..reps {
        let at = rng.below(lines.len() + 1);
        lines.insert(at, phrase.to_owned());
    }
    lines.join("\n")
}
