//! Attacks, by family (ART's taxonomy). Evasion attacks live in [`evasion`].

pub mod evasion;
