//! `mlsec privacy`: membership inference against the spam filter — the loss threshold and
//! LiRA, ROC figures, the most exposed members, and DP-SGD's audit. A façade over
//! [`mlsec::labs::privacy`].

use mlsec::labs::privacy::params::PRESETS;
use mlsec::labs::privacy::{self, InvertParams, Params};
use std::path::PathBuf;
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
    /// Model inversion (MIFace): reconstruct what an image classifier thinks each class looks like.
    Invert {
        #[command(flatten)]
        args: InvertArgs,
    },
}

/// Run one of the lab's commands; `matches` are the subcommand's.
pub fn run(cmd: Cmd, matches: &clap::ArgMatches) -> std::process::ExitCode {
    crate::cli::exit(match cmd {
            Cmd::Privacy { args } => privacy(args, matches),
            Cmd::Invert { args } => invert(args),
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
    /// The committed victim's model.
    #[arg(long, default_value = "models/cifar10_resnet9.onnx")]
    pub model: PathBuf,
    /// Folder holding cifar10-jpeg.zip, for the committed victim (default: $MLSEC_DATA, else ../shared/datasets).
    #[arg(long)]
    pub data: Option<PathBuf>,
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
    if params.victim == "committed" {
        return committed(&a, &v);
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
    s += &format!("{:<26} {:>6} {:>10} {:>11} {:>14}\n", "attack", "AUC", "TPR@1%FPR", "TPR@0.1%FPR", "empirical ε ≥");
    for x in &r.attacks {
        s += &format!("{:<26} {:>6.3} {:>10} {:>11} {:>14.2}\n", x.name, x.auc, pct(x.tpr_at_1pct), pct(x.tpr_at_01pct), x.epsilon_lower_bound.epsilon);
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

/// `mlsec invert`'s options: the inversion's [`InvertParams`] (every default stated there), the
/// model, the reference images and the output.
#[derive(clap::Args)]
pub struct InvertArgs {
    #[command(flatten)]
    pub params: InvertParams,
    #[arg(long, default_value = "models/cifar10_resnet9.onnx")]
    pub model: PathBuf,
    /// The packed test sample whose class means the reconstructions are compared with (./build.sh build writes it).
    #[arg(long, default_value = "www/data/cifar10-test.bin")]
    pub samples: PathBuf,
    /// Write each reconstruction as a PNG (invert-<class>-<name>.png) into this folder.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub out: crate::cli::Output,
}

fn invert(a: InvertArgs) -> Result<()> {
    let bytes = mlsec::model::check::read_file(&a.model)?;
    let (model, fallback) = mlsec::labs::evasion::load_model(&bytes, 0)?;
    let v = a.params.check(model.classes())?;
    if a.out.dry_run {
        return crate::cli::print_json(v.params());
    }
    if let Some(why) = fallback {
        eprintln!("mlsec: {why}\nmlsec: the gradients are NES estimates over tract (slow, and rougher images)");
    }
    let packed = std::fs::read(&a.samples).map_err(|e| Error::io(a.samples.display().to_string(), e))?;
    let samples = mlsec::data::cifar::unpack(&packed)?;
    let reference = samples.batch(0, samples.len())?;
    let labels: Vec<usize> = samples.labels.iter().map(|&l| l as usize).collect();
    let quiet = a.out.json;
    let t = std::time::Instant::now();
    let (r, images) = privacy::invert::invert(&v, model.as_ref(), &a.model.display().to_string(), &reference, &labels, &mut |d, n| {
        if !quiet && (d % 50 == 0 || d == n) {
            eprintln!("step {d}/{n} ({:.0} s)", t.elapsed().as_secs_f64());
        }
    })?;
    if let Some(dir) = &a.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let (_, _, h, w) = images.dim();
        let (h, w) = (h as u32, w as u32);
        let save = |img: &image::RgbaImage, name: &str| {
            let path = dir.join(name);
            img.save(&path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))
        };
        // and all of them side by side, 4× (nearest neighbour), as invert-all.png
        let mut strip = image::RgbaImage::new(4 * w * r.classes.len() as u32, 4 * h);
        for (i, c) in r.classes.iter().enumerate() {
            let img = image::RgbaImage::from_raw(w, h, images.to_rgba(i)?).ok_or_else(|| Error::Data("an image of the wrong size".into()))?;
            save(&img, &format!("invert-{}-{}.png", c.class, c.name))?;
            let big = image::imageops::resize(&img, 4 * w, 4 * h, image::imageops::FilterType::Nearest);
            image::imageops::replace(&mut strip, &big, i64::from(4 * w * i as u32), 0);
        }
        save(&strip, "invert-all.png")?;
    }
    if a.out.json {
        return crate::cli::print_json(&r);
    }
    let mut s = format!("MIFace on {} ({} steps, lr {}, tv {}, l2 {}):\n", r.model, r.steps, r.params.lr, r.params.tv, r.params.l2);
    s += &format!("{:<11} {:>8} {:>6} {:>13} {:>12}\n", "class", "p(class)", "steps", "r(own mean)", "nearest mean");
    for c in &r.classes {
        s += &format!("{:<11} {:>8.3} {:>6} {:>13.3} {:>12}\n", c.name, c.probability, c.steps, c.mean_correlation, c.nearest_mean);
    }
    s += &format!("{} of {} nearest their own class's mean of {} test images; {:.0} s", r.nearest_own_mean, r.classes.len(), r.reference_images, t.elapsed().as_secs_f64());
    crate::cli::print(&s)
}

/// `mlsec mia --victim committed`: the first `members` class-interleaved training images against
/// the first `nonmembers` test images, through each output policy.
fn committed(a: &Args, v: &privacy::ValidParams) -> Result<()> {
    use mlsec::data::cifar;
    let p = v.params();
    if a.scores.is_some() {
        return Err(Error::InvalidArgument("--scores is for the spam victim's attacks".into()));
    }
    let t = std::time::Instant::now();
    let bytes = mlsec::model::check::read_file(&a.model)?;
    let clf = mlsec::model::onnx::OnnxClassifier::from_bytes(&bytes)?;
    let dir = cifar::data_dir(a.data.as_deref());
    let train = cifar::load(&dir, cifar::Split::Train, Some(p.members))?;
    let test = cifar::load(&dir, cifar::Split::Test, Some(p.nonmembers))?;
    let labels = |s: &cifar::Samples| s.labels.iter().map(|&l| l as usize).collect::<Vec<_>>();
    let r = privacy::committed::run(&clf, &a.model.display().to_string(), &train.batch(0, train.len())?, &labels(&train), &test.batch(0, test.len())?, &labels(&test), &v.policies, p.delta, p.seed)?;
    if a.out.json {
        return crate::cli::print_json(&r);
    }
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut s = format!("{}: accuracy {} on {} training images (members), {} on {} test images\n", r.model, pct(r.member_accuracy), r.members, pct(r.nonmember_accuracy), r.nonmembers);
    s += &format!("{:<12} {:>6} {:>10} {:>11} {:>14}\n", "policy", "AUC", "TPR@1%FPR", "TPR@0.1%FPR", "empirical ε ≥");
    for x in &r.attacks {
        s += &format!("{:<12} {:>6.3} {:>10} {:>11} {:>14.2}\n", x.key, x.auc, pct(x.tpr_at_1pct), pct(x.tpr_at_01pct), x.epsilon_lower_bound.epsilon);
    }
    s += &format!("the confidence threshold (Yeom et al.) on what each policy shows; {:.0} s", t.elapsed().as_secs_f64());
    crate::cli::print(&s)
}
