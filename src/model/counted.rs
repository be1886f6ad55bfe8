//! [`Counted`]: a model that counts what an attack asks of it — images scored (queries) and
//! images differentiated (gradient evaluations) — and reports the counts as it goes, so the
//! page can show an attack's progress without any attack knowing about it.

use super::{Classifier, Differentiable, GradientKind};
use crate::error::Result;
use crate::tensor::Batch;
use ndarray::{Array2, Array4};
use std::cell::{Cell, RefCell};

/// What an attack has asked of the model so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Calls {
    /// Images scored (forward passes, one per image; a gradient evaluation counts here too).
    pub queries: usize,
    /// Images differentiated (input gradients: exact or estimated).
    pub gradients: usize,
}

/// `inner`, counted; `report` runs after every gradient evaluation and every `every` queries.
pub struct Counted<'a> {
    inner: &'a dyn Differentiable,
    calls: Cell<Calls>,
    last: Cell<usize>,
    every: usize,
    report: RefCell<&'a mut dyn FnMut(Calls)>,
}

impl<'a> Counted<'a> {
    pub fn new(inner: &'a dyn Differentiable, every: usize, report: &'a mut dyn FnMut(Calls)) -> Self {
        Counted { inner, calls: Cell::new(Calls::default()), last: Cell::new(0), every: every.max(1), report: RefCell::new(report) }
    }

    /// The counts so far.
    pub fn calls(&self) -> Calls {
        self.calls.get()
    }

    fn add(&self, queries: usize, gradients: usize) {
        let mut c = self.calls.get();
        c.queries += queries;
        c.gradients += gradients;
        self.calls.set(c);
        if gradients > 0 || c.queries >= self.last.get() + self.every {
            self.last.set(c.queries);
            if let Ok(mut f) = self.report.try_borrow_mut() {
                f(c);
            }
        }
    }
}

impl Classifier for Counted<'_> {
    fn logits(&self, x: &Batch) -> Result<Array2<f32>> {
        let l = self.inner.logits(x)?;
        self.add(x.len(), 0);
        Ok(l)
    }

    fn classes(&self) -> usize {
        self.inner.classes()
    }
}

impl Differentiable for Counted<'_> {
    fn logits_and_vjp(&self, x: &Batch, seed: &dyn Fn(&Array2<f32>) -> Array2<f32>) -> Result<(Array2<f32>, Array4<f32>)> {
        let r = self.inner.logits_and_vjp(x, seed)?;
        self.add(x.len(), x.len());
        Ok(r)
    }

    fn gradient_kind(&self) -> GradientKind {
        self.inner.gradient_kind()
    }
}
