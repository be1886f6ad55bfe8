//! Fast Gradient Sign Method (Goodfellow, Shlens & Szegedy, "Explaining and Harnessing
//! Adversarial Examples", ICLR 2015, <https://arxiv.org/abs/1412.6572>): one step of size ε
//! along the sign of the loss gradient (L∞), or along the normalised gradient (L2). Targeted:
//! one step down the cross-entropy of the target.

use super::{ce_ascent, check_pos, Adversarial, Goal};
use crate::error::Result;
use crate::model::Differentiable;
use crate::tensor::{project, Batch, Norm};

/// FGSM parameters.
#[derive(Clone, Debug)]
pub struct FgsmParams {
    /// Step and budget ε (pixel units, [0, 1]).
    pub eps: f32,
    /// L∞ (sign step) or L2 (normalised step).
    pub norm: Norm,
}

/// The attack, with checked parameters.
pub struct Fgsm(FgsmParams);

impl Fgsm {
    /// Checks 0 < ε ≤ 1 (L∞) or ≤ 64 (L2).
    pub fn new(p: FgsmParams) -> Result<Self> {
        check_pos("eps", p.eps, if p.norm == Norm::Linf { 1.0 } else { 64.0 })?;
        Ok(Fgsm(p))
    }

    /// One gradient step per image.
    pub fn generate(&self, model: &dyn Differentiable, x: &Batch, goal: &Goal) -> Result<Adversarial> {
        goal.check(x.len(), model.classes())?;
        let x0 = x.view().to_owned();
        let (_, g) = ce_ascent(model, &x0, goal)?;
        let mut adv = x0.clone();
        // one PGD step of size ε (sign step for L∞, normalised step for L2)
        super::pgd::step(&mut adv, &g, self.0.eps, self.0.norm);
        project(&mut adv, x0.view(), self.0.eps, self.0.norm);
        Ok(Adversarial { x: Batch::new(adv)?, queries: vec![1; x.len()] })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{images, Linear};
    use super::*;
    use crate::loss::cross_entropy;
    use crate::model::Classifier;
    use crate::tensor::norms;

    #[test]
    fn stays_in_the_ball_and_raises_the_loss() {
        let m = Linear::new(10);
        let (x, y) = images(&m, 6);
        for norm in [Norm::Linf, Norm::L2] {
            let eps = if norm == Norm::Linf { 4.0 / 255.0 } else { 0.5 };
            let adv = Fgsm::new(FgsmParams { eps, norm }).unwrap().generate(&m, &x, &Goal::Untargeted(y.clone())).unwrap();
            let d = adv.x.view().to_owned() - x.view();
            for i in 0..6 {
                let n = norms(d.view(), i);
                assert!(if norm == Norm::Linf { n.linf <= eps + 1e-6 } else { n.l2 <= eps + 1e-4 });
            }
            let before: f32 = cross_entropy(&m.logits(&x).unwrap(), &y).0.iter().sum();
            let after: f32 = cross_entropy(&m.logits(&adv.x).unwrap(), &y).0.iter().sum();
            assert!(after > before, "{norm:?}: {before} -> {after}");
        }
        assert!(Fgsm::new(FgsmParams { eps: 0.0, norm: Norm::Linf }).is_err());
        assert!(Fgsm::new(FgsmParams { eps: f32::NAN, norm: Norm::Linf }).is_err());
    }
}
