//! Lab scenarios: the steps a lab page and the CLI both run, composed from the core's attacks
//! and defences, each returning one serialisable report (so the page and `mlsec … --json`
//! show the same computed numbers).

pub mod extraction;
pub mod poisoning;
