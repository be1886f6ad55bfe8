//! Evaluation metrics.

use serde::Serialize;

/// Accuracy overall and per class.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Accuracy {
    /// Fraction correct over all images, in [0, 1].
    pub accuracy: f64,
    /// Fraction correct per true class (NaN-free: a class with no image gets 0 and count 0).
    pub per_class: Vec<f64>,
    /// Images per true class.
    pub per_class_count: Vec<usize>,
    /// Number of images.
    pub images: usize,
}

/// Accuracy of `predicted` against `truth` over `classes` classes.
pub fn accuracy(predicted: &[usize], truth: &[usize], classes: usize) -> Accuracy {
    let mut hit = vec![0usize; classes];
    let mut count = vec![0usize; classes];
    for (&p, &t) in predicted.iter().zip(truth) {
        if t < classes {
            count[t] += 1;
            if p == t {
                hit[t] += 1;
            }
        }
    }
    let images = predicted.len().min(truth.len());
    let correct: usize = hit.iter().sum();
    Accuracy {
        accuracy: if images == 0 { 0.0 } else { correct as f64 / images as f64 },
        per_class: hit.iter().zip(&count).map(|(&h, &c)| if c == 0 { 0.0 } else { h as f64 / c as f64 }).collect(),
        per_class_count: count,
        images,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_class() {
        let a = accuracy(&[0, 1, 1, 2], &[0, 1, 2, 2], 3);
        assert_eq!(a.accuracy, 0.75);
        assert_eq!(a.per_class, vec![1.0, 1.0, 0.5]);
        assert_eq!(a.per_class_count, vec![1, 1, 2]);
    }
}
