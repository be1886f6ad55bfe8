//! The rubric's concept matcher: deterministic and keyword-level, not a grader. An answer and
//! each concept's phrases are lowercased, split into words and stemmed (Snowball English, the
//! `rust-stemmers` crate); a phrase matches where its stems appear in a row in the answer's.
//! A point is covered when at least `need` of its concepts have a matching phrase.

use rust_stemmers::{Algorithm, Stemmer};

/// Longest answer read, in characters (a longer one is cut there, and the feedback says so).
pub const MAX_ANSWER: usize = 20_000;

/// The words of `text`, lowercased and stemmed. Letters and digits make words; `&`, `+`, `/`
/// and `.` inside a word stay (`c&w`, `l2`, `torch.load`), other punctuation separates.
pub fn stems(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<String>| {
        let t = w.trim_matches(|c: char| c == '.' || c == '/' || c == '&' || c == '+');
        if !t.is_empty() {
            out.push(stemmer.stem(t).into_owned());
        }
        w.clear();
    };
    for c in lower.chars() {
        if c.is_alphanumeric() || c == '_' || ((c == '&' || c == '+' || c == '.' || c == '/') && !word.is_empty()) || c == 'ε' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Does `phrase` (already stemmed) occur in `answer` (stemmed)? A one-word phrase ending in
/// `*` matches any word that starts with it (`anomal*`: anomaly, anomalous, anomalies).
pub fn contains(answer: &[String], phrase: &[String], prefix: bool) -> bool {
    if phrase.is_empty() || phrase.len() > answer.len() {
        return false;
    }
    if prefix && phrase.len() == 1 {
        return answer.iter().any(|w| w.starts_with(phrase[0].as_str()));
    }
    answer.windows(phrase.len()).any(|w| w == phrase)
}

/// A concept's alternatives, compiled: (the phrase as written, its stems, is it a prefix).
pub struct Concept {
    pub phrases: Vec<(String, Vec<String>, bool)>,
}

impl Concept {
    pub fn new(alternatives: &[String]) -> Concept {
        let phrases = alternatives
            .iter()
            .map(|a| match a.strip_suffix('*') {
                Some(p) => (a.clone(), vec![p.to_lowercase()], true),
                None => (a.clone(), stems(a), false),
            })
            .collect();
        Concept { phrases }
    }

    /// The first alternative found in `answer`, if any.
    pub fn found(&self, answer: &[String]) -> Option<&str> {
        self.phrases.iter().find(|(_, s, prefix)| contains(answer, s, *prefix)).map(|(p, _, _)| p.as_str())
    }
}
