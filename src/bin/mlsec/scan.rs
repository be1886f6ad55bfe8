//! `mlsec scan PATH... [--format text|json|sarif] [--fail-on LEVEL] [--disassemble]`: the
//! model-file scanner as a CI gate, a façade over [`mlsec::labs::scanner`].
//! Exit 0: nothing at or above the threshold; 1: findings; 2: usage or I/O error.

use mlsec::labs::scanner::{self, Params};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (walked recursively).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub params: Params,
}

pub fn run(a: Args) -> ExitCode {
    let result = a.params.check().and_then(|p| scanner::scan_paths(&a.paths, &p).map(|run| (p, run)));
    match result {
        Ok((p, run)) => {
            println!("{}", run.render(&p));
            if run.fails(&p) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("mlsec scan: {e}");
            ExitCode::from(2)
        }
    }
}
