//! Optimisers over a [`Network`](super::Network)'s trainable parameters.

use super::Param;
use crate::error::{Error, Result};
use ndarray::ArrayD;

fn check(params: &[Param], grads: &[ArrayD<f32>]) -> Result<()> {
    if params.len() != grads.len() || params.iter().zip(grads).any(|(p, g)| p.value.shape() != g.shape()) {
        return Err(Error::Shape("gradients do not match the parameters".into()));
    }
    Ok(())
}

/// Stochastic gradient descent with momentum and decoupled-from-nothing (L2) weight decay.
#[derive(Clone, Debug)]
pub struct Sgd {
    /// Learning rate (> 0).
    pub lr: f32,
    /// Momentum in [0, 1).
    pub momentum: f32,
    /// L2 weight decay (≥ 0), added to the gradient.
    pub weight_decay: f32,
    velocity: Vec<ArrayD<f32>>,
}

impl Sgd {
    /// Checked constructor.
    pub fn new(lr: f32, momentum: f32, weight_decay: f32) -> Result<Self> {
        let ok = lr > 0.0 && lr.is_finite() && (0.0..1.0).contains(&momentum) && weight_decay >= 0.0 && weight_decay.is_finite();
        if !ok {
            return Err(Error::InvalidArgument(format!("SGD needs lr > 0, momentum in [0, 1), weight decay ≥ 0 (got {lr}, {momentum}, {weight_decay})")));
        }
        Ok(Sgd { lr, momentum, weight_decay, velocity: Vec::new() })
    }

    /// One update `θ ← θ − lr · v`, `v ← μ v + (g + λ θ)`, on trainable parameters.
    pub fn step(&mut self, params: &mut [Param], grads: &[ArrayD<f32>]) -> Result<()> {
        check(params, grads)?;
        if self.velocity.is_empty() {
            self.velocity = params.iter().map(|p| ArrayD::zeros(p.value.raw_dim())).collect();
        }
        for ((p, g), v) in params.iter_mut().zip(grads).zip(self.velocity.iter_mut()) {
            if !p.trainable {
                continue;
            }
            let (mu, wd, lr) = (self.momentum, self.weight_decay, self.lr);
            ndarray::Zip::from(&mut p.value).and(g).and(v).for_each(|t, &g, v| {
                *v = mu * *v + g + wd * *t;
                *t -= lr * *v;
            });
        }
        Ok(())
    }
}

/// Adam (Kingma & Ba 2015).
#[derive(Clone, Debug)]
pub struct Adam {
    /// Learning rate (> 0).
    pub lr: f32,
    /// First-moment decay.
    pub beta1: f32,
    /// Second-moment decay.
    pub beta2: f32,
    /// Denominator guard.
    pub eps: f32,
    /// Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): each step also moves every
    /// trainable value by −lr·decay·θ; 0 is plain Adam.
    pub weight_decay: f32,
    m: Vec<ArrayD<f32>>,
    v: Vec<ArrayD<f32>>,
    t: i32,
}

impl Adam {
    /// Adam with the usual β = (0.9, 0.999), ε = 1e-8.
    pub fn new(lr: f32) -> Result<Self> {
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(Error::InvalidArgument(format!("Adam needs lr > 0, got {lr}")));
        }
        Ok(Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, m: Vec::new(), v: Vec::new(), t: 0 })
    }

    /// One bias-corrected update on trainable parameters.
    pub fn step(&mut self, params: &mut [Param], grads: &[ArrayD<f32>]) -> Result<()> {
        check(params, grads)?;
        if self.m.is_empty() {
            self.m = params.iter().map(|p| ArrayD::zeros(p.value.raw_dim())).collect();
            self.v = self.m.clone();
        }
        self.t += 1;
        let (b1, b2, eps, lr, wd) = (self.beta1, self.beta2, self.eps, self.lr, self.weight_decay);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            if !p.trainable {
                continue;
            }
            ndarray::Zip::from(&mut p.value).and(g).and(&mut self.m[i]).and(&mut self.v[i]).for_each(|t, &g, m, v| {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *t -= lr * ((*m / c1) / ((*v / c2).sqrt() + eps) + wd * *t);
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    fn quad(opt: &mut dyn FnMut(&mut [Param], &[ArrayD<f32>])) -> f32 {
        // minimise (θ - 3)²
        let mut p = vec![Param { name: "t".into(), value: ArrayD::zeros(IxDyn(&[1])), trainable: true }];
        for _ in 0..500 {
            let g = p[0].value.mapv(|t| 2.0 * (t - 3.0));
            opt(&mut p, &[g]);
        }
        p[0].value[[0]]
    }

    #[test]
    fn optimisers_minimise_a_quadratic() {
        let mut sgd = Sgd::new(0.05, 0.9, 0.0).unwrap();
        assert!((quad(&mut |p, g| sgd.step(p, g).unwrap()) - 3.0).abs() < 1e-3);
        let mut adam = Adam::new(0.05).unwrap();
        assert!((quad(&mut |p, g| adam.step(p, g).unwrap()) - 3.0).abs() < 1e-2);
        assert!(Sgd::new(-1.0, 0.0, 0.0).is_err());
        assert!(Adam::new(f32::NAN).is_err());
    }

    #[test]
    fn adamw_decay_is_decoupled_from_the_gradient() {
        // zero gradients: plain Adam stays put, AdamW shrinks by (1 − lr·decay) each step
        let mut p = vec![Param { name: "w".into(), value: ArrayD::from_elem(IxDyn(&[2]), 2.0), trainable: true }];
        let zero = [ArrayD::zeros(IxDyn(&[2]))];
        let mut adam = Adam::new(0.1).unwrap();
        adam.step(&mut p, &zero).unwrap();
        assert_eq!(p[0].value[[0]], 2.0);
        adam.weight_decay = 0.5;
        adam.step(&mut p, &zero).unwrap();
        assert!((p[0].value[[1]] - 2.0 * (1.0 - 0.05)).abs() < 1e-6);
        // on the quadratic it settles a little short of the minimum: 2(θ − 3)/|·| balances 0.1·θ
        let mut adamw = Adam::new(0.01).unwrap();
        adamw.weight_decay = 0.1;
        let t = quad(&mut |p, g| adamw.step(p, g).unwrap());
        assert!(t < 2.99 && t > 2.0, "{t}");
    }
}
