//! Interview practice: scenarios a hiring panel for an ML-security role asks, each with a
//! prompt, a rubric (the points a strong answer covers, each a set of concepts with synonyms),
//! a model-answer outline and links into the labs; [`check`] says which points an answer
//! covers — a keyword-level concept matcher ([`matcher`]), not a grader — and [`hands_on`]
//! verifies the practical tasks of the first three scenarios with the core.

pub mod hands_on;
pub mod matcher;
pub mod params;
pub mod report;
mod scenarios;

pub use params::{Params, ValidParams};
pub use scenarios::scenarios;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One point of a rubric: covered when at least `need` of `concepts` appear in the answer.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub id: String,
    /// What a strong answer says.
    pub text: String,
    /// Each concept is a list of alternative phrases (synonyms, spellings; `word*`: any word
    /// starting with it).
    pub concepts: Vec<Vec<String>>,
    pub need: usize,
    /// A page hash (`#lab=…`) that shows it in a lab.
    pub link: Option<String>,
}

/// What the hands-on task of a scenario is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Find an ε at which PGD fools the adversarially trained model on a drawn image.
    Evasion,
    /// Set the provider's controls so a synthetic-query thief is stopped and a natural client is not.
    Extraction,
    /// Name the compromised source and the uploader of a drawn poisoning.
    Poisoning,
}

/// One interview scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub prompt: String,
    /// A suggested answer time, minutes (the page's timer offers it).
    pub minutes: u32,
    pub points: Vec<Point>,
    /// The model answer's outline, revealed on request.
    pub outline: Vec<String>,
    pub task: Option<Task>,
}

/// One point's verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointFeedback {
    pub id: String,
    pub text: String,
    pub covered: bool,
    /// The phrases found, one per concept found.
    pub found: Vec<String>,
    /// For each concept not found, its first phrase (what to add).
    pub missing: Vec<String>,
    pub link: Option<String>,
}

/// What the matcher says of an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub scenario: String,
    pub covered: usize,
    pub total: usize,
    pub points: Vec<PointFeedback>,
    /// Words read (the answer is cut at [`matcher::MAX_ANSWER`] characters).
    pub words: usize,
    pub truncated: bool,
}

/// The scenario `id`.
pub fn scenario(id: &str) -> Result<Scenario> {
    scenarios().into_iter().find(|s| s.id == id).ok_or_else(|| Error::InvalidArgument(format!("no scenario {id:?} (they are: {})", scenarios().iter().map(|s| s.id.clone()).collect::<Vec<_>>().join(", "))))
}

/// Which of `s`'s rubric points `answer` covers.
pub fn check(s: &Scenario, answer: &str) -> Feedback {
    let truncated = answer.chars().count() > matcher::MAX_ANSWER;
    let text: String = answer.chars().take(matcher::MAX_ANSWER).collect();
    let words = matcher::stems(&text);
    let points: Vec<PointFeedback> = s
        .points
        .iter()
        .map(|p| {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for c in &p.concepts {
                match matcher::Concept::new(c).found(&words) {
                    Some(f) => found.push(f.to_string()),
                    None => missing.push(c.first().cloned().unwrap_or_default()),
                }
            }
            PointFeedback { id: p.id.clone(), text: p.text.clone(), covered: found.len() >= p.need, found, missing, link: p.link.clone() }
        })
        .collect();
    Feedback { scenario: s.id.clone(), covered: points.iter().filter(|p| p.covered).count(), total: points.len(), points, words: words.len(), truncated }
}
