//! Text → features: a word tokenizer, an interning vocabulary, unigram + bigram counts hashed
//! into a fixed number of buckets, and a few numeric features for the distribution tests.
//!
//! The hash is FNV-1a (written here: ten lines, stable across platforms and releases, which a
//! std `Hasher` does not promise), so a word maps to the same bucket natively and in wasm.

use std::collections::HashMap;

/// Default number of hashed buckets for the filters (2^17).
pub const DIM: u32 = 1 << 17;

/// FNV-1a, 64 bit.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Words ↔ ids, with each word's hash cached.
#[derive(Clone, Debug, Default)]
pub struct Vocab {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    hashes: Vec<u64>,
}

impl Vocab {
    pub fn intern(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.ids.get(w) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(w.to_owned(), id);
        self.words.push(w.to_owned());
        self.hashes.push(fnv1a(w.as_bytes()));
        id
    }
    pub fn id(&self, w: &str) -> Option<u32> {
        self.ids.get(w).copied()
    }
    pub fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map(String::as_str).unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.words.len()
    }
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
    fn hash(&self, id: u32) -> u64 {
        self.hashes.get(id as usize).copied().unwrap_or(0)
    }
}

/// Lower-cased words: runs of letters and digits, 2 to 24 characters, at most 3,000 per text.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            let n = w.chars().count();
            (2..=24).contains(&n)
        })
        .map(str::to_lowercase)
        .take(3000)
}

/// The ids of `text`'s words, interning new ones.
pub fn tokenize(text: &str, vocab: &mut Vocab) -> Vec<u32> {
    words(text).map(|w| vocab.intern(&w)).collect()
}

/// A sparse vector: sorted, distinct indices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sparse {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl Sparse {
    pub fn dot(&self, w: &[f32]) -> f32 {
        self.idx.iter().zip(&self.val).map(|(&i, &v)| w.get(i as usize).copied().unwrap_or(0.0) * v).sum()
    }
    pub fn norm_sq(&self) -> f32 {
        self.val.iter().map(|v| v * v).sum()
    }
}

/// Unigram and bigram counts hashed into `dim` buckets (`dim` a power of two).
pub fn hashed_counts(tokens: &[u32], vocab: &Vocab, dim: u32) -> Sparse {
    let mask = dim.max(2).next_power_of_two() as u64 - 1;
    let mut keys: Vec<u32> = Vec::with_capacity(tokens.len() * 2);
    for (i, &t) in tokens.iter().enumerate() {
        let h = vocab.hash(t);
        keys.push(((h >> 7) & mask) as u32);
        if let Some(&next) = tokens.get(i + 1) {
            let hb = h.rotate_left(23) ^ vocab.hash(next).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            keys.push(((hb >> 7) & mask) as u32);
        }
    }
    keys.sort_unstable();
    let mut out = Sparse::default();
    for k in keys {
        if out.idx.last() == Some(&k) {
            if let Some(v) = out.val.last_mut() {
                *v += 1.0;
            }
        } else {
            out.idx.push(k);
            out.val.push(1.0);
        }
    }
    out
}

/// log(1 + count), scaled to unit L2 norm: the input of logistic regression and the MLP.
pub fn log_l2(counts: &Sparse) -> Sparse {
    let val: Vec<f32> = counts.val.iter().map(|c| c.ln_1p()).collect();
    let n = val.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    Sparse { idx: counts.idx.clone(), val: val.into_iter().map(|v| v / n).collect() }
}

/// Names of [`numeric`]'s features, in order.
pub const NUMERIC: [&str; 6] = ["characters", "words", "uppercase share", "links", "exclamation marks", "html"];

/// Numeric features of a message for the Kolmogorov–Smirnov and PSI tests.
pub fn numeric(subject: &str, body: &str, html: bool, n_words: usize) -> [f64; 6] {
    let letters = body.chars().filter(|c| c.is_alphabetic()).count().max(1);
    let upper = body.chars().filter(|c| c.is_uppercase()).count();
    let links = body.matches("http").count() + body.matches("www.").count();
    let bangs = body.matches('!').count() + subject.matches('!').count();
    [
        (subject.chars().count() + body.chars().count()) as f64,
        n_words as f64,
        upper as f64 / letters as f64,
        links as f64,
        bangs as f64,
        html as u8 as f64,
    ]
}
