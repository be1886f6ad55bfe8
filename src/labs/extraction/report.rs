//! The extraction lab's reports: one round of queries, and a finished attack (what
//! `mlsec extract --json` prints and the page shows).

use super::params::Params;
use crate::attacks::extraction::{transfer, Point};
use serde::Serialize;

/// What one round of queries did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RoundReport {
    pub sent: usize,
    pub answered: usize,
    pub abstained: usize,
    /// 429s received (each re-sent after its retry-after).
    pub rate_limited: usize,
    /// Calls refused because the key was blocked or out of quota (the attack stops).
    pub blocked: usize,
    /// Simulated time the attacker's calls have taken so far, seconds.
    pub clock_s: f64,
}

/// A finished attack, as `mlsec extract --json` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct ExtractReport {
    pub strategy: String,
    pub policy: String,
    pub arch: String,
    pub budget: usize,
    pub seed: u64,
    pub prada: bool,
    pub fidelity: f64,
    pub accuracy: f64,
    /// Queries sent (answered or not).
    pub queries: usize,
    pub answered: usize,
    pub abstained: usize,
    pub rate_limited: usize,
    pub blocked: usize,
    /// Keys PRADA flagged (0 or 1: the attacker's), and at which query.
    pub alerts: usize,
    pub alert_at: Option<usize>,
    pub prada_w: Option<f64>,
    /// Simulated duration of the attack under the rate limit.
    pub simulated_s: f64,
    pub eval_images: usize,
    /// Victim accuracy on the evaluation half (the surrogate's ceiling on accuracy).
    pub victim_accuracy: f64,
    pub curve: Vec<Point>,
    pub transfer: Option<transfer::TransferReport>,
    pub log_entries: usize,
    pub log_verified: bool,
    pub seconds: f64,
    /// The settings that produced it (when the run came from [`Params`]).
    pub params: Option<Params>,
}

