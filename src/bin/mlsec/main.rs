//! `mlsec`: the command line over the same library the browser runs.
//!
//! Exit codes: 0 success, 1 the command ran but failed its check, 2 usage or I/O error.
//! On wasm32 (built only because `cargo test --target wasm32…` builds every binary) it is empty.

#[cfg(not(target_arch = "wasm32"))]
mod classify;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod evasion;
#[cfg(not(target_arch = "wasm32"))]
mod extraction;
#[cfg(not(target_arch = "wasm32"))]
mod poisoning;
#[cfg(not(target_arch = "wasm32"))]
mod practice;
#[cfg(not(target_arch = "wasm32"))]
mod privacy;
#[cfg(not(target_arch = "wasm32"))]
mod scanner;
#[cfg(not(target_arch = "wasm32"))]
mod threats;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
