//! Attacks, by family (ART's taxonomy): evasion attacks on the image classifier live in
//! [`evasion`], poisoning attacks on the spam filter in [`poisoning`].

pub mod evasion;
pub mod extraction;
pub mod poisoning;
