//! Detectors that flag inputs as adversarial.

pub mod squeezing;
