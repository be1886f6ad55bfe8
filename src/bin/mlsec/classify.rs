//! `mlsec eval` and `mlsec pack`: the classify lab's façade ([`mlsec::labs::classify`]).

use mlsec::data::cifar;
use mlsec::labs::classify::{self, Params};
use mlsec::model::onnx::OnnxClassifier;
use std::path::Path;

fn now() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// Accuracy of an ONNX model on a CIFAR-10 split (a table, or the report as JSON).
pub fn eval(model: &Path, data: Option<&Path>, params: &Params, json: bool) -> mlsec::Result<()> {
    let p = params.check()?;
    let bytes = mlsec::model::check::read_file(model)?;
    let clf = OnnxClassifier::from_bytes(&bytes)?;
    let samples = cifar::load(&cifar::data_dir(data), p.split, p.n)?;
    let report = classify::evaluate(&clf, &model.display().to_string(), &samples, &p, now)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| mlsec::Error::Data(e.to_string()))?);
    } else {
        println!("model      {}", report.model);
        println!("split      {} ({} images)", report.split, report.images);
        println!("accuracy   {:.2}%", 100.0 * report.accuracy);
        for (name, a) in &report.per_class {
            println!("  {:<11} {:.2}%", name, 100.0 * a);
        }
        println!("speed      {:.0} images/s (tract, batch {}, forward only)", report.images_per_second, p.batch);
    }
    Ok(())
}

/// Pack the first `n` class-interleaved test images into the site's sample file.
pub fn pack(data: Option<&Path>, n: usize, out: &Path) -> mlsec::Result<()> {
    let samples = cifar::load(&cifar::data_dir(data), cifar::Split::Test, Some(n))?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| mlsec::Error::io(parent.display().to_string(), e))?;
    }
    std::fs::write(out, cifar::pack(&samples)).map_err(|e| mlsec::Error::io(out.display().to_string(), e))?;
    eprintln!("packed {} test images into {}", samples.len(), out.display());
    Ok(())
}
