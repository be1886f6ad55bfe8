//! `mlsec practice`: the interview scenarios — a list, one scenario's prompt and rubric, or the
//! concept matcher's verdict on an answer (`--answer FILE`, `-` for stdin). A façade over
//! [`mlsec::labs::practice`]; the check is keyword-level, not a grade.

use mlsec::labs::practice::{self, Params};
use mlsec::{Error, Result};
use std::io::Read;
use std::path::PathBuf;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Interview practice: list the scenarios, show one, or check an answer against its rubric.
    Practice {
        #[command(flatten)]
        args: Args,
    },
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, _matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Practice { args } => practice(args),
    })
}


#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub params: Params,
    /// An answer to check (a text file, or - for standard input).
    #[arg(long)]
    pub answer: Option<PathBuf>,
    /// Also print the model answer's outline.
    #[arg(long)]
    pub outline: bool,
    #[arg(long)]
    pub json: bool,
}

use crate::cli::to_json as json;

fn practice(a: Args) -> Result<()> {
    let p = a.params.check()?;
    let Some(s) = p.scenario else {
        if a.answer.is_some() {
            return Err(Error::InvalidArgument("--answer needs --scenario (mlsec practice lists them)".into()));
        }
        let all = practice::scenarios();
        let out = if a.json { json(&all)? } else { all.iter().map(|s| format!("{:<14} {} ({} min{})", s.id, s.title, s.minutes, if s.task.is_some() { ", hands-on in the page" } else { "" })).collect::<Vec<_>>().join("\n") };
        return crate::cli::print(&out);
    };
    let Some(path) = a.answer else {
        let out = if a.json {
            json(&s)?
        } else {
            let mut o = format!("{}\n\n{}\n\nA strong answer covers:\n", s.title, s.prompt);
            for pt in &s.points {
                o.push_str(&format!("- {}\n", pt.text));
            }
            if a.outline {
                o.push_str("\nOutline:\n");
                for l in &s.outline {
                    o.push_str(&format!("- {l}\n"));
                }
            }
            o
        };
        return crate::cli::print(out.trim_end());
    };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().take(1 << 20).read_to_string(&mut text).map_err(|e| Error::Data(format!("stdin: {e}")))?;
    } else {
        let meta = std::fs::metadata(&path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        if !meta.is_file() || meta.len() > 1 << 20 {
            return Err(Error::InvalidArgument(format!("{}: an answer is a text file of at most 1 MiB", path.display())));
        }
        text = std::fs::read_to_string(&path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    }
    let f = practice::check(&s, &text);
    let out = if a.json {
        json(&f)?
    } else {
        let mut o = format!("{}: {} of {} points covered (a keyword-level check, not a grade)\n", s.title, f.covered, f.total);
        for pt in &f.points {
            let how = if pt.covered { format!("found: {}", pt.found.join(", ")) } else { format!("missing: {}", pt.missing.join(", ")) };
            o.push_str(&format!("[{}] {} ({how})\n", if pt.covered { "x" } else { " " }, pt.text));
        }
        if f.truncated {
            o.push_str(&format!("(only the first {} characters were read)\n", practice::matcher::MAX_ANSWER));
        }
        o
    };
    crate::cli::print(out.trim_end())
}
