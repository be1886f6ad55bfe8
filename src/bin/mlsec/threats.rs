//! `mlsec threats`: the threat model with its controls' measured effects, as Markdown, Open
//! Threat Model 0.2.0 or JSON — a façade over [`mlsec::labs::threats`]. `--quick` runs the
//! page's small measurements; `--no-measure` writes the model alone.

use mlsec::data::cifar;
use mlsec::labs::threats::{self, measure, params::Format, report, Edits, Params};
use mlsec::{Error, Result};
use std::path::PathBuf;
use std::time::Instant;

/// The lab's commands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// The threat model (STRIDE for ML, ATLAS/OWASP ids) with its controls' measured effects: md, otm or json.
    Threats {
        #[command(flatten)]
        args: Args,
    },
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Threats { args } => threats(args, matches),
    })
}


/// Images loaded for the measurements: the site's packed sample, so the CLI and the page
/// measure on the same images.
const SAMPLES: usize = 1000;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub params: Params,
    /// Start from the page's small runs (n 20, budget 400, calls 300); flags given override them.
    #[arg(long)]
    pub quick: bool,
    /// Write the model without running any measurement.
    #[arg(long)]
    pub no_measure: bool,
    /// Measure only these controls (comma-separated ids, e.g. adv-training,rate-limit).
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// A JSON file of edits (statuses, notes, added elements and threats), as the page exports them.
    #[arg(long)]
    pub edits: Option<PathBuf>,
    #[arg(long, default_value = "models/cifar10_resnet9.onnx")]
    pub model: PathBuf,
    #[arg(long, default_value = "models/cifar10_resnet9_robust.onnx")]
    pub robust: PathBuf,
    /// Folder holding cifar10-jpeg.zip (default: $MLSEC_DATA, else ../shared/datasets).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The packed SpamAssassin corpus (written by ./build.sh build).
    #[arg(long, default_value = "www/data/spam-assassin.bin")]
    pub corpus: PathBuf,
    /// The scanner's sample corpus (manifest.json, malicious/, benign/).
    #[arg(long, default_value = "tests/fixtures/scan")]
    pub scan_samples: PathBuf,
    /// Demo links in the Markdown are relative to this address (e.g. https://example.org/mlsec/).
    #[arg(long, default_value = "")]
    pub site: String,
}

/// The scanner's sample files, with what the manifest says of each.
pub fn scan_samples(dir: &std::path::Path) -> Result<Vec<measure::ScanSample>> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).map_err(|e| Error::Data(format!("{}: {e}", dir.join("manifest.json").display())))?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Data(format!("manifest.json: {e}")))?;
    let mut out = Vec::new();
    let hostile = m["malicious"].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let benign: Vec<String> = m["benign"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    for (names, folder, is_hostile) in [(hostile, "malicious", true), (benign, "benign", false)] {
        for name in names {
            let path = dir.join(folder).join(&name);
            let bytes = std::fs::read(&path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
            out.push(measure::ScanSample { name, bytes, hostile: is_hostile });
        }
    }
    Ok(out)
}

fn threats(a: Args, matches: &clap::ArgMatches) -> Result<()> {
    let preset = Params::preset(if a.quick { "quick" } else { "full" })?;
    let params = crate::cli::over_preset(&a.params, &preset, matches)?;
    let p = params.check()?;
    let edits: Edits = match &a.edits {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| Error::InvalidArgument(format!("{}: not a threat-model edits file ({e})", path.display())))?
        }
        None => Edits::default(),
    };
    let model = threats::catalogue().with(&edits)?;
    let measured = if a.no_measure {
        report::Measured::new()
    } else {
        let mut needs = std::collections::BTreeSet::new();
        for c in &model.controls {
            if let Some(m) = c.measure {
                if a.only.as_ref().is_none_or(|o| o.contains(&c.id)) {
                    needs.extend(m.needs().iter().map(|n| format!("{n:?}")));
                }
            }
        }
        let mut res = measure::Resources::default();
        if needs.contains("Model") {
            res.model = Some(mlsec::model::check::read_file(&a.model)?);
        }
        if needs.contains("Robust") {
            res.robust = Some(mlsec::model::check::read_file(&a.robust)?);
        }
        if needs.contains("Samples") {
            res.samples = Some(cifar::load(&cifar::data_dir(a.data.as_deref()), cifar::Split::Test, Some(SAMPLES))?);
        }
        if needs.contains("Spam") {
            let bytes = std::fs::read(&a.corpus).map_err(|e| Error::Data(format!("{}: {e} (./build.sh build writes it)", a.corpus.display())))?;
            res.spam = Some(mlsec::data::spam::Corpus::from_bytes(&bytes)?);
        }
        if needs.contains("ScanSamples") {
            res.scan = scan_samples(&a.scan_samples)?;
        }
        let t = Instant::now();
        threats::measure_controls(&model, &res, &p, a.only.as_deref(), &mut |c, d, n| eprintln!("{c}: {d}/{n} ({:.0} s)", t.elapsed().as_secs_f64()), &|| t.elapsed().as_secs_f64())?
    };
    let out = match p.format {
        Format::Markdown => report::markdown(&model, &measured, &a.site),
        Format::Otm => crate::cli::to_json(&report::otm(&model, &measured))?,
        Format::Json => crate::cli::to_json(&report::Bundle { model: &model, measured: &measured })?,
    };
    crate::cli::print(&out)
}
