//! Poisoning attacks on the spam filter's training data: a backdoor ([`backdoor`]) that lets
//! spam carrying a trigger phrase through, and for contrast the availability (dictionary)
//! attack of Nelson et al. 2008 ([`dictionary`]) that makes the filter reject ham.

pub mod backdoor;
pub mod dictionary;

use crate::spam::Lab;
use crate::{Error, Result};

/// How many records make `rate` of the poisoned training set: k / (n + k) = rate.
pub fn poison_count(n_clean: usize, rate: f64) -> Result<usize> {
    if !(0.0..=0.5).contains(&rate) || rate.is_nan() {
        return Err(Error::InvalidArgument(format!("poison rate {rate} is outside 0–0.5")));
    }
    Ok((rate * n_clean as f64 / (1.0 - rate)).round() as usize)
}

/// Clean training records (what the rate is measured against).
pub fn clean_train_len(lab: &Lab) -> usize {
    lab.train_ids().iter().filter(|&&i| !lab.docs[i as usize].meta.poison).count()
}
