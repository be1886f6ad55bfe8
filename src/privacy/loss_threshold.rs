//! Loss-threshold membership inference (Yeom, Giacomelli, Fredrikson & Jha 2018, "Privacy Risk
//! in Machine Learning: Analyzing the Connection to Overfitting"): a model fits its training
//! records better than others, so a record of low loss is guessed a member. The score is the
//! negated loss; sweeping its threshold gives the ROC ([`super::membership::roc`]), and the
//! global-threshold baseline is the one point of it at the mean training loss.

use super::membership::{roc, Roc};
use crate::Result;

/// Membership scores (−loss; higher: more likely a member) from per-record losses.
pub fn scores(losses: &[f32]) -> Vec<f64> {
    losses.iter().map(|&l| -(l as f64)).collect()
}

/// The attack's ROC from the losses of members and of non-members.
pub fn attack(member_losses: &[f32], nonmember_losses: &[f32]) -> Result<Roc> {
    roc(&scores(member_losses), &scores(nonmember_losses))
}

/// Yeom et al.'s global threshold: guess "member" when the loss is at most the mean loss over
/// the training set; (TPR, FPR) of that one guess.
pub fn global_threshold(member_losses: &[f32], nonmember_losses: &[f32], train_mean: f32) -> (f64, f64) {
    let rate = |v: &[f32]| v.iter().filter(|&&l| l <= train_mean).count() as f64 / v.len().max(1) as f64;
    (rate(member_losses), rate(nonmember_losses))
}
