//! The dictionary attack of Nelson et al. 2008 ("Exploiting machine learning to subvert your
//! spam filter"): an availability attack. The attacker sends spam-labelled messages that
//! contain a whole dictionary of ordinary words, so the filter learns that ordinary words
//! mean spam and starts rejecting ham. Nelson et al. used a Usenet dictionary; ours is the
//! most frequent words of the baseline's ham, a stand-in for the attacker's knowledge of
//! what legitimate mail looks like.

use super::{clean_train_len, poison_count};
use crate::rng::Rng;
use crate::spam::{ingest_time, Lab, Meta, Source, Split};
use crate::Result;
use std::collections::HashMap;

/// Inject `rate` of dictionary messages (`words` words each) through `source`; returns their ids.
pub fn inject(lab: &mut Lab, rate: f64, words: usize, source: Source, seed: u64) -> Result<Vec<u32>> {
    let k = poison_count(clean_train_len(lab), rate)?;
    let mut df: HashMap<u32, usize> = HashMap::new();
    for d in lab.docs.iter().filter(|d| d.meta.batch == 0 && !d.truth && d.meta.split == Split::Train) {
        let mut t = d.tokens.clone();
        t.sort_unstable();
        t.dedup();
        for w in t {
            *df.entry(w).or_default() += 1;
        }
    }
    let mut top: Vec<(u32, usize)> = df.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let body: Vec<&str> = top.iter().take(words.clamp(10, 20_000)).map(|(w, _)| lab.vocab.word(*w)).collect();
    let body = body.join(" ");
    let mut rng = Rng::derive(seed, "dictionary/carriers");
    let mut ids = Vec::with_capacity(k);
    for j in 0..k {
        let meta = Meta { id: 0, group: None, name: format!("dictionary-{j:04}"), source, uploader: source.uploaders().first().copied().unwrap_or("attacker").into(), ingest: ingest_time(4, source, &mut rng), batch: 4, split: Split::Train, poison: true };
        let doc = lab.make_doc("newsletter", "", &body, false, true, true, meta);
        ids.push(lab.push(doc));
    }
    Ok(ids)
}
