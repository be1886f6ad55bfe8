//! `mlsec`: the command line over the same library the browser runs.
//!
//! Exit codes: 0 success, 1 the command ran but failed its check, 2 usage or I/O error.
//! On wasm32 (built only because `cargo test --target wasm32…` builds every binary) it is empty.

/// The labs' command-line façades, one line each: `src/bin/mlsec/<lab>.rs` holds
/// `#[derive(clap::Subcommand)] pub enum Cmd` (its commands, flattened into `mlsec`'s) and
/// `pub fn run(cmd: Cmd, matches: &clap::ArgMatches) -> ExitCode` (`matches`: the subcommand's).
macro_rules! labs {
    ($($lab:ident),* $(,)?) => {
        $(
            #[cfg(not(target_arch = "wasm32"))]
            mod $lab;
        )*

        /// Every lab's commands, in the order of the registry.
        #[cfg(not(target_arch = "wasm32"))]
        #[derive(clap::Subcommand)]
        #[allow(non_camel_case_types)]
        enum Cmd {
            $(
                #[command(flatten)]
                $lab($lab::Cmd),
            )*
        }

        #[cfg(not(target_arch = "wasm32"))]
        fn run(cmd: Cmd, matches: &clap::ArgMatches) -> std::process::ExitCode {
            match cmd {
                $(Cmd::$lab(c) => $lab::run(c, matches),)*
            }
        }
    };
}

labs!(classify, evasion, extraction, poisoning, privacy, scanner, threats, practice);

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
