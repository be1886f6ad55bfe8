//! PRADA (Juuti, Szyller, Marchal & Asokan 2019, "PRADA: protecting against DNN model stealing
//! attacks"), per API key. For each query with predicted class c, d = the smallest L2 distance
//! to that key's growing set G_c; d joins the distance set D, and the query joins G_c when d
//! exceeds the threshold T_c = max(T_c, mean − std of the distances that grew G_c). Natural
//! queries give roughly normal distances; synthetic ones (small steps from a seed set) do not:
//! when the Shapiro–Wilk W of D falls below δ the key is flagged.
//!
//! Images are compared after 4×4 average pooling (3×8×8 = 192 values) so the per-query cost
//! stays small in the browser; the paper compares raw inputs.

use crate::stats::shapiro_wilk;
use serde::Serialize;

/// The side of a pooling cell: PRADA compares 4×4-pooled images.
const POOL: usize = 4;

/// Pool a CIFAR image (CHW, [`cifar::IMAGE`] values) by 4×4 cells: 3×8×8.
pub fn pooled(x: &[f32]) -> Vec<f32> {
    use crate::data::cifar::{CHANNELS, IMAGE, SIDE};
    if x.len() != IMAGE {
        return x.to_vec();
    }
    let (side, cells) = (SIDE / POOL, (SIDE / POOL) * (SIDE / POOL));
    let mut out = vec![0f32; CHANNELS * cells];
    for c in 0..CHANNELS {
        for i in 0..SIDE {
            for j in 0..SIDE {
                out[c * cells + (i / POOL) * side + j / POOL] += x[c * SIDE * SIDE + i * SIDE + j] / (POOL * POOL) as f32;
            }
        }
    }
    out
}

#[derive(Clone, Debug, Serialize)]
pub struct PradaState {
    pub queries: usize,
    pub w: Option<f64>,
    pub alert: bool,
    /// The query count at the first alert.
    pub alert_at: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Prada {
    /// Alert when W < δ.
    pub delta: f64,
    /// Distances needed before testing.
    pub min_distances: usize,
    growing: Vec<Vec<Vec<f32>>>,
    grew_by: Vec<Vec<f64>>,
    threshold: Vec<f64>,
    distances: Vec<f64>,
    pub state: PradaState,
}

impl Prada {
    pub fn new(classes: usize, delta: f64, min_distances: usize) -> Prada {
        Prada {
            delta,
            min_distances: min_distances.max(3),
            growing: vec![Vec::new(); classes],
            grew_by: vec![Vec::new(); classes],
            threshold: vec![0.0; classes],
            distances: Vec::new(),
            state: PradaState { queries: 0, w: None, alert: false, alert_at: None },
        }
    }

    /// Record one query (its pooled image and predicted class); returns whether the key is flagged.
    pub fn observe(&mut self, x: &[f32], class: usize) -> bool {
        self.state.queries += 1;
        let Some(g) = self.growing.get_mut(class) else { return self.state.alert };
        let v = pooled(x);
        if g.is_empty() {
            g.push(v);
            return self.state.alert;
        }
        let d = g.iter().map(|y| y.iter().zip(&v).map(|(a, b)| (a - b) * (a - b)).sum::<f32>()).fold(f32::INFINITY, f32::min).sqrt() as f64;
        self.distances.push(d);
        if d > self.threshold[class] {
            g.push(v);
            let gb = &mut self.grew_by[class];
            gb.push(d);
            let n = gb.len() as f64;
            let mean = gb.iter().sum::<f64>() / n;
            let sd = (gb.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
            self.threshold[class] = self.threshold[class].max(mean - sd);
        }
        if self.distances.len() >= self.min_distances {
            let tail = &self.distances[self.distances.len().saturating_sub(5000)..];
            if let Some((w, _)) = shapiro_wilk(tail) {
                self.state.w = Some(w);
                if w < self.delta && !self.state.alert {
                    self.state.alert = true;
                    self.state.alert_at = Some(self.state.queries);
                }
            }
        }
        self.state.alert
    }
}
