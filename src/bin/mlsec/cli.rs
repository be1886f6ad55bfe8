//! The native command line's shared parts (clap is a native-only dependency): the root parser
//! over the labs' commands ([`crate::Cmd`], generated from the registry in `main.rs`), the flags
//! and printing every lab shares, and the exit codes.

use clap::{CommandFactory, FromArgMatches, Parser};
use mlsec::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "mlsec", version, about = "MLSec Playground command line")]
struct Cli {
    #[command(subcommand)]
    cmd: crate::Cmd,
}

/// The output flags of a lab's run commands.
#[derive(clap::Args, Debug)]
pub struct Output {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print the settings this run would use (JSON) and stop.
    #[arg(long)]
    pub dry_run: bool,
}

/// The spam labs' corpus flag.
#[derive(clap::Args, Debug)]
pub struct SpamCorpus {
    /// The packed corpus (default: www/data/spam-assassin.bin, written by ./build.sh build).
    #[arg(long)]
    pub corpus: Option<std::path::PathBuf>,
}

impl SpamCorpus {
    /// The corpus loaded and split by `seed`.
    pub fn lab(&self, seed: u64) -> Result<mlsec::spam::Lab> {
        let path = self.corpus.clone().unwrap_or_else(|| mlsec::data::spam::PACKED_PATH.into());
        mlsec::spam::Lab::new(&mlsec::data::spam::Corpus::load(&path)?, seed)
    }
}

/// `v` as pretty JSON.
pub fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Data(e.to_string()))
}

/// Print `v` as pretty JSON (see [`write_stdout`]).
pub fn print_json<T: Serialize>(v: &T) -> Result<()> {
    print(&to_json(v)?)
}

/// Print `text` (see [`write_stdout`]), an I/O failure as the command's error.
pub fn print(text: &str) -> Result<()> {
    write_stdout(text).map_err(|e| Error::Data(format!("the output could not be written ({e})")))
}

/// A lab's settings: `params` (what clap parsed) over `preset`, where only the flags given on the
/// command line (`matches`: the subcommand's) override the preset.
pub fn over_preset<P: Serialize + DeserializeOwned>(params: &P, preset: &P, matches: &clap::ArgMatches) -> Result<P> {
    let given = |id: &str| matches!(matches.value_source(id), Some(clap::parser::ValueSource::CommandLine));
    mlsec::labs::overlay(params, preset, &given)
}

/// The exit code of a command that ran: 0, or the error said and 2.
pub fn exit(r: Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mlsec: {e}");
            ExitCode::from(2)
        }
    }
}


/// Write `text` and a newline to stdout: `Ok` on a closed pipe (`| head`: the reader has what
/// it wanted), the error on any other failure (a full disk).
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// The reports are printed with `println!` in many places, which panics when stdout fails.
/// This hook turns exactly that panic into what a command-line tool should do: end quietly on
/// a closed pipe, or say why and exit 2 (a full disk); any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(why) = msg.strip_prefix("failed printing to stdout: ") {
            if why.contains("Broken pipe") || why.contains("os error 32") {
                std::process::exit(0);
            }
            eprintln!("mlsec: the output could not be written ({why})");
            std::process::exit(2);
        }
        default(info);
    }));
}

pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    // the matches are kept: a lab's façade tells the flags given from its preset's defaults
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let sub = matches.subcommand().map(|(_, m)| m).unwrap_or(&matches);
    crate::run(cli.cmd, sub)
}
