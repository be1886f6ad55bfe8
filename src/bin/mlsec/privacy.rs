//! `mlsec privacy`: membership inference against the spam filter — the loss threshold and
//! LiRA, ROC figures, the most exposed members, and DP-SGD's audit. A façade over
//! [`mlsec::labs::privacy`].

use mlsec::labs::privacy::params::PRESETS;
use mlsec::labs::privacy::{self, Params};
use mlsec::{Error, Result};

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Membership inference on the spam filter: loss threshold and LiRA, ROC at low FPR, the DP-SGD audit.
    #[command(visible_alias = "mia")]
    Privacy {
        #[command(flatten)]
        args: Args,
    },
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Privacy { args } => privacy(args, matches),
    })
}


/// `mlsec privacy`'s options: the lab's [`Params`] (every default stated there), a preset
/// under them, the corpus file and the output.
#[derive(clap::Args)]
pub struct Args {
    /// Start from this preset (full: 64 shadows; quick: the page's 16); flags given override it.
    #[arg(long, default_value = PRESETS[0], value_parser = clap::builder::PossibleValuesParser::new(PRESETS))]
    pub preset: String,
    #[command(flatten)]
    pub params: Params,
    #[command(flatten)]
    pub corpus: crate::cli::SpamCorpus,
    /// Also write every record's score under every attack to this CSV file (id, member, one column an attack).
    #[arg(long)]
    pub scores: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub out: crate::cli::Output,
}

use crate::cli::to_json as json;

/// `matches` are the subcommand's, to tell the flags given from the defaults.
fn privacy(a: Args, matches: &clap::ArgMatches) -> Result<()> {
    let params = crate::cli::over_preset(&a.params, &Params::preset(&a.preset)?, matches)?;
    let v = params.check()?;
    let out = crate::cli::print;
    if a.out.dry_run {
        return out(&json(&params)?);
    }
    let lab = a.corpus.lab(params.seed)?;
    let quiet = a.out.json;
    // opened before the run, so that a path that cannot be written fails at once
    let scores = match &a.scores {
        Some(path) => Some((path, std::fs::File::create(path).map_err(|e| Error::io(path.display().to_string(), e))?)),
        None => None,
    };
    let r = privacy::run(&lab, &v, &mut |d, t| if !quiet && (d % 8 == 0 || d == t) { eprintln!("shadow {d}/{t}") })?;
    if let Some((path, mut file)) = scores {
        use std::io::Write;
        file.write_all(r.scores.csv().as_bytes()).map_err(|e| Error::io(path.display().to_string(), e))?;
    }
    if a.out.json {
        return out(&json(&r)?);
    }
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut s = format!(
        "{} on {} members and {} non-members (seed {}): accuracy {} on its members, {} held out{}\n",
        r.victim.model, r.victim.members, r.victim.nonmembers, r.seed, pct(r.victim.member_accuracy), pct(r.victim.nonmember_accuracy),
        r.victim.epsilon.map(|e| format!("; ε = {e:.2} at δ = {}", params.delta)).unwrap_or_default()
    );
    s += &format!("{:<16} {:>6} {:>10} {:>11} {:>14}\n", "attack", "AUC", "TPR@1%FPR", "TPR@0.1%FPR", "empirical ε ≥");
    for x in &r.attacks {
        s += &format!("{:<16} {:>6.3} {:>10} {:>11} {:>14.2}\n", x.name, x.auc, pct(x.tpr_at_1pct), pct(x.tpr_at_01pct), x.epsilon_lower_bound.epsilon);
    }
    s += &format!("global threshold (loss ≤ mean training loss): TPR {}, FPR {}\n", pct(r.global_threshold.0), pct(r.global_threshold.1));
    s += &format!("LiRA with {} shadows; the members it is surest of:\n", r.shadows);
    for e in &r.exposed {
        s += &format!("  #{:<5} {:<4} score {:>7.2}  loss {:.4}  {}\n", e.id, e.label, e.score, e.loss, e.subject);
    }
    if let Some(a) = &r.audit {
        s += &format!("audit: the attacks prove ε ≥ {:.2} ({}); the accountant says ε = {:.2}: {}\n", a.empirical_epsilon, a.by, a.accountant_epsilon, if a.holds { "consistent" } else { "VIOLATED — a bug in DP-SGD or the accountant" });
    }
    out(s.trim_end())?;
    match &r.audit {
        Some(a) if !a.holds => Err(Error::Data("the empirical ε exceeds the accountant's".into())),
        _ => Ok(()),
    }
}
