//! `mlsec privacy`: membership inference against the spam filter — the loss threshold and
//! LiRA, ROC figures, the most exposed members, and DP-SGD's audit. A façade over
//! [`mlsec::labs::privacy`].

use mlsec::data::spam::{Corpus, PACKED_PATH};
use mlsec::labs::privacy::params::PRESETS;
use mlsec::labs::privacy::{self, Params};
use mlsec::spam::Lab;
use mlsec::{Error, Result};
use std::path::PathBuf;

/// `mlsec privacy`'s options: the lab's [`Params`] (every default stated there), a preset
/// under them, the corpus file and the output.
#[derive(clap::Args)]
pub struct Args {
    /// Start from this preset (full: 64 shadows; quick: the page's 16); flags given override it.
    #[arg(long, default_value = PRESETS[0], value_parser = clap::builder::PossibleValuesParser::new(PRESETS))]
    pub preset: String,
    #[command(flatten)]
    pub params: Params,
    /// The packed corpus (default: www/data/spam-assassin.bin, written by ./build.sh build).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
    /// Print the settings this run would use (JSON) and stop.
    #[arg(long)]
    pub dry_run: bool,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Data(e.to_string()))
}

/// `matches` are the subcommand's, to tell the flags given from the defaults.
pub fn run(a: Args, matches: &clap::ArgMatches) -> Result<()> {
    let given = |id: &str| matches!(matches.value_source(id), Some(clap::parser::ValueSource::CommandLine));
    let params = mlsec::labs::overlay(&a.params, &Params::preset(&a.preset)?, &given)?;
    let v = params.check()?;
    let out = |s: &str| crate::cli::write_stdout(s).map_err(|e| Error::Data(e.to_string()));
    if a.dry_run {
        return out(&json(&params)?);
    }
    let path = a.corpus.unwrap_or_else(|| PathBuf::from(PACKED_PATH));
    let lab = Lab::new(&Corpus::load(&path)?, params.seed)?;
    let quiet = a.json;
    let r = privacy::run(&lab, &v, &mut |d, t| if !quiet && (d % 8 == 0 || d == t) { eprintln!("shadow {d}/{t}") })?;
    if a.json {
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
