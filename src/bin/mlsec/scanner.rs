//! `mlsec scan PATH... [--format text|json|sarif] [--fail-on LEVEL] [--disassemble]`: the
//! model-file scanner as a CI gate, a façade over [`mlsec::labs::scanner`].
//! Exit 0: nothing at or above the threshold; 1: findings; 2: usage error, or a path that could
//! not be scanned (reported beside the others). A closed pipe (`| head`) ends it quietly; a
//! write that fails otherwise (a full disk) is an error, exit 2.

use mlsec::labs::scanner::{self, Params};
use std::path::PathBuf;
use std::process::ExitCode;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Scan model files for code that loading them would run (exit 1 on findings at or above --fail-on).
    Scan {
        #[command(flatten)]
        args: Args,
    },
}

pub fn run(cmd: Cmd, _matches: &clap::ArgMatches) -> ExitCode {
    match cmd {
        Cmd::Scan { args } => scan(args),
    }
}


#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (walked recursively).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub params: Params,
}

fn scan(a: Args) -> ExitCode {
    let result = a.params.check().and_then(|p| scanner::scan_paths(&a.paths, &p).map(|run| (p, run)));
    match result {
        Ok((p, run)) => {
            let code = run.exit_code(&p);
            match crate::cli::write_stdout(&run.render(&p)) {
                Ok(()) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("mlsec scan: the report could not be written ({e})");
                    ExitCode::from(2)
                }
            }
        }
        Err(e) => {
            eprintln!("mlsec scan: {e}");
            ExitCode::from(2)
        }
    }
}
