//! Differential privacy: the Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism
//! ([`rdp`]) and DP-SGD for the logistic-regression spam filter ([`dpsgd`]).

pub mod dpsgd;
pub mod rdp;
