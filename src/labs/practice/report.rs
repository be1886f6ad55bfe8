//! A candidate's practice as Markdown: each answered scenario with its answer and what the
//! matcher found (recomputed here from the answer, not read from storage).

use super::{check, scenarios};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A hands-on task's outcome as the page recorded it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Recorded {
    pub passed: bool,
    #[serde(default)]
    pub message: String,
}

/// What the page keeps: answers and hands-on outcomes by scenario id.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    pub answers: BTreeMap<String, String>,
    pub hands_on: BTreeMap<String, Recorded>,
}

pub fn markdown(p: &Progress) -> String {
    let mut o = String::from("# ML-security interview practice\n\n");
    o.push_str("Scores are a keyword-level check of which rubric points an answer names (MLSec Playground's concept matcher), not a grade.\n");
    let mut total = (0, 0);
    for s in scenarios() {
        let answer = p.answers.get(&s.id).map(|a| a.trim()).unwrap_or("");
        let task = p.hands_on.get(&s.id);
        if answer.is_empty() && task.is_none() {
            continue;
        }
        o.push_str(&format!("\n## {}\n\n> {}\n\n", s.title, s.prompt));
        if !answer.is_empty() {
            let f = check(&s, answer);
            total = (total.0 + f.covered, total.1 + f.total);
            o.push_str("**Answer**:\n\n");
            for line in answer.lines() {
                o.push_str(&format!("    {line}\n"));
            }
            o.push_str(&format!("\n**Covered {} of {} points**:\n\n", f.covered, f.total));
            for pt in &f.points {
                let how = if pt.covered { format!("(found: {})", pt.found.join(", ")) } else { format!("(missing: {})", pt.missing.join(", ")) };
                o.push_str(&format!("- [{}] {} {}\n", if pt.covered { "x" } else { " " }, pt.text, how));
            }
        }
        if let Some(t) = task {
            o.push_str(&format!("\n**Hands-on**: {} — {}\n", if t.passed { "passed" } else { "not passed" }, t.message));
        }
    }
    if total.1 > 0 {
        o.push_str(&format!("\nIn all: {} of {} rubric points covered.\n", total.0, total.1));
    }
    o
}
