//! Differential privacy and membership inference: the Rényi-DP accountant for the
//! Poisson-subsampled Gaussian mechanism ([`rdp`]), DP-SGD for the logistic-regression spam
//! filter ([`dpsgd`]), membership-inference metrics and the DP audit's empirical ε
//! ([`membership`]), the loss-threshold attack ([`loss_threshold`]), LiRA ([`lira`]) and model
//! inversion ([`inversion`], MIFace), the label-only attack ([`label_only`]) and the shadow-model
//! attack ([`shadow`], Shokri et al.).

pub mod dpsgd;
pub mod inversion;
pub mod label_only;
pub mod lira;
pub mod loss_threshold;
pub mod membership;
pub mod rdp;
pub mod shadow;
