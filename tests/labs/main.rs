//! The labs' tests, one module per lab (`tests/labs/<lab>.rs`), one test binary.

mod classify;
mod evasion;
mod extraction;
mod practice;
mod privacy;
mod scanner;
mod threats;
