//! Model inversion in steps (MIFace, [`crate::privacy::inversion`]): [`InvertRun::new`] over a
//! differentiable model, each [`InvertRun::step`] one descent step for every class (progress,
//! and the page's cancel, between them), [`InvertRun::report`] the reconstructions and how they
//! compare with the class means of reference images the user can see.

use super::params::ValidInvert;
use super::report::{InvertReport, InvertedClass};
use crate::data::cifar::CLASSES;
use crate::model::Differentiable;
use crate::privacy::inversion::{correlation, Inverter};
use crate::tensor::Batch;
use crate::{Error, Result};

/// One inversion run.
#[derive(Debug)]
pub struct InvertRun {
    v: ValidInvert,
    inv: Inverter,
}

impl InvertRun {
    /// Grey starts for the classes of `v`, shaped as `reference`'s images (`[3, 32, 32]` for CIFAR-10).
    pub fn new(v: &ValidInvert, model: &dyn Differentiable, shape: (usize, usize, usize)) -> Result<InvertRun> {
        Ok(InvertRun { v: v.clone(), inv: Inverter::new(&v.config, &v.classes, model.classes(), shape)? })
    }

    /// Steps taken, and at most.
    pub fn progress(&self) -> (usize, usize) {
        self.inv.progress()
    }

    /// One step; true once done.
    pub fn step(&mut self, model: &dyn Differentiable) -> Result<bool> {
        self.inv.step(model)
    }

    /// The images so far `[classes, C, H, W]`.
    pub fn images(&self) -> Result<Batch> {
        self.inv.images()
    }

    /// The reconstructions' figures; `reference` (images and labels, e.g. the site's test sample)
    /// gives each class's mean image to compare with.
    pub fn report(&self, model: &str, reference: &Batch, labels: &[usize]) -> Result<InvertReport> {
        let (n, c, h, w) = reference.dim();
        if labels.len() != n {
            return Err(Error::InvalidArgument(format!("{n} reference images but {} labels", labels.len())));
        }
        let images = self.inv.images()?;
        let (_, ic, ih, iw) = images.dim();
        if (c, h, w) != (ic, ih, iw) {
            return Err(Error::InvalidArgument("the reference images are not the model's shape".into()));
        }
        let classes = labels.iter().copied().max().map_or(0, |m| m + 1).max(self.v.classes.iter().copied().max().map_or(0, |m| m + 1));
        let d = c * h * w;
        let mut means = vec![vec![0.0f32; d]; classes];
        let mut counts = vec![0usize; classes];
        let view = reference.view();
        for (i, &y) in labels.iter().enumerate() {
            counts[y] += 1;
            for (m, &v) in means[y].iter_mut().zip(view.index_axis(ndarray::Axis(0), i).iter()) {
                *m += v;
            }
        }
        for (m, &k) in means.iter_mut().zip(&counts) {
            m.iter_mut().for_each(|v| *v /= k.max(1) as f32);
        }
        let iv = images.view();
        let out: Vec<InvertedClass> = self
            .inv
            .results()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let x: Vec<f32> = iv.index_axis(ndarray::Axis(0), i).iter().copied().collect();
                let corr: Vec<f64> = means.iter().zip(&counts).map(|(m, &k)| if k > 0 { correlation(&x, m) } else { f64::NEG_INFINITY }).collect();
                let nearest = (0..classes).max_by(|&a, &b| corr[a].total_cmp(&corr[b])).unwrap_or(0);
                InvertedClass {
                    class: r.class,
                    name: CLASSES.get(r.class).copied().unwrap_or("?").to_string(),
                    probability: r.probability as f64,
                    steps: r.steps,
                    smoothness: r.smoothness as f64,
                    mean_correlation: corr.get(r.class).copied().unwrap_or(0.0),
                    nearest_mean: CLASSES.get(nearest).copied().unwrap_or("?").to_string(),
                }
            })
            .collect();
        let own = out.iter().filter(|c| c.nearest_mean == c.name).count();
        Ok(InvertReport { params: self.v.params().clone(), model: model.to_string(), steps: self.inv.progress().0, reference_images: n, nearest_own_mean: own, classes: out })
    }
}

/// The whole inversion; `progress(step, steps)` after each step.
pub fn invert(v: &ValidInvert, model: &dyn Differentiable, name: &str, reference: &Batch, labels: &[usize], progress: &mut dyn FnMut(usize, usize)) -> Result<(InvertReport, Batch)> {
    let (_, c, h, w) = reference.dim();
    let mut run = InvertRun::new(v, model, (c, h, w))?;
    while !run.step(model)? {
        let (d, t) = run.progress();
        progress(d, t);
    }
    let (d, t) = run.progress();
    progress(d, t);
    Ok((run.report(name, reference, labels)?, run.images()?))
}
