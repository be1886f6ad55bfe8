//! Statistical tests for the forensics: the G-test of independence on a 2×2 table,
//! Benjamini–Hochberg q-values, the two-sample Kolmogorov–Smirnov test (asymptotic p-value),
//! the population stability index and a one-sided two-proportion z-test. Distributions come
//! from `statrs`; the Kolmogorov limit distribution is not in statrs, so it is here (the two
//! classical series, each where it converges fast).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// G statistic and p-value (χ², 1 degree of freedom) for the table [[a, n1−a], [c, n2−c]].
pub fn g_test_2x2(a: usize, n1: usize, c: usize, n2: usize) -> (f64, f64) {
    let obs = [a as f64, (n1 - a.min(n1)) as f64, c as f64, (n2 - c.min(n2)) as f64];
    let total = (n1 + n2) as f64;
    if total == 0.0 {
        return (0.0, 1.0);
    }
    let rows = [n1 as f64, n2 as f64];
    let cols = [(a + c) as f64, total - (a + c) as f64];
    let mut g = 0.0;
    for (k, &o) in obs.iter().enumerate() {
        let e = rows[k / 2] * cols[k % 2] / total;
        if o > 0.0 && e > 0.0 {
            g += o * (o / e).ln();
        }
    }
    let g = (2.0 * g).max(0.0);
    (g, chi2_sf(g, 1.0))
}

/// Survival function of χ² with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input's order.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for rank in (0..m).rev() {
        let i = order[rank];
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// Kolmogorov's limiting survival function Q(x) = P(K > x) (`scipy.special.kolmogorov`).
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < 1.0 {
        // 1 − √(2π)/x Σ exp(−(2k−1)²π²/(8x²)): converges fast for small x
        let s: f64 = (1..=20).map(|k| (-(((2 * k - 1) as f64).powi(2)) * std::f64::consts::PI.powi(2) / (8.0 * x * x)).exp()).sum();
        (1.0 - (2.0 * std::f64::consts::PI).sqrt() / x * s).clamp(0.0, 1.0)
    } else {
        let s: f64 = (1..=100).map(|k| if k % 2 == 1 { 1.0 } else { -1.0 } * (-2.0 * (k * k) as f64 * x * x).exp()).sum();
        (2.0 * s).clamp(0.0, 1.0)
    }
}

/// Two-sample KS: D = sup |F₁ − F₂| and the asymptotic p-value Q(√(n₁n₂/(n₁+n₂))·D).
pub fn ks_2samp(a: &[f64], b: &[f64]) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 1.0);
    }
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_by(f64::total_cmp);
    y.sort_by(f64::total_cmp);
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0f64);
    while i < x.len() && j < y.len() {
        let v = x[i].min(y[j]);
        while i < x.len() && x[i] <= v {
            i += 1;
        }
        while j < y.len() && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n1 - j as f64 / n2).abs());
    }
    let en = n1 * n2 / (n1 + n2);
    (d, kolmogorov_sf(en.sqrt() * d))
}

/// Population stability index of `current` against `baseline` over the baseline's deciles
/// (shares floored at 1e-4): Σ (c − b)·ln(c/b). Above 0.25 is a major shift by convention.
pub fn psi(baseline: &[f64], current: &[f64]) -> f64 {
    if baseline.is_empty() || current.is_empty() {
        return 0.0;
    }
    let mut s = baseline.to_vec();
    s.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..10).map(|k| s[(k * s.len() / 10).min(s.len() - 1)]).collect();
    edges.dedup();
    let bin = |v: f64| edges.iter().take_while(|&&e| v > e).count();
    let nb = edges.len() + 1;
    let share = |xs: &[f64]| {
        let mut h = vec![0f64; nb];
        for &v in xs {
            h[bin(v)] += 1.0;
        }
        h.into_iter().map(|c| (c / xs.len() as f64).max(1e-4)).collect::<Vec<_>>()
    };
    let (b, c) = (share(baseline), share(current));
    b.iter().zip(&c).map(|(b, c)| (c - b) * (c / b).ln()).sum()
}

/// One-sided p-value that x1/n1 > x2/n2 (pooled two-proportion z-test).
pub fn two_proportion_greater(x1: usize, n1: usize, x2: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let p = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return if p1 > p2 { 0.0 } else { 1.0 };
    }
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.sf((p1 - p2) / se),
        Err(_) => f64::NAN,
    }
}

/// Shapiro–Wilk W and its p-value for 3 ≤ n ≤ 5000, by Royston's (1992, 1995) approximations
/// (algorithm AS R94, which `scipy.stats.shapiro` also uses). Returns `None` for fewer than 3
/// values or a constant sample.
pub fn shapiro_wilk(x: &[f64]) -> Option<(f64, f64)> {
    let n = x.len();
    if !(3..=5000).contains(&n) {
        return None;
    }
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    let mean = s.iter().sum::<f64>() / n as f64;
    let ss: f64 = s.iter().map(|v| (v - mean) * (v - mean)).sum();
    if ss <= 0.0 {
        return None;
    }
    let norm = Normal::new(0.0, 1.0).ok()?;
    let nf = n as f64;
    // coefficients a_i (antisymmetric): a_{n+1-i} = −a_i
    let m: Vec<f64> = (1..=n).map(|i| norm.inverse_cdf((i as f64 - 0.375) / (nf + 0.25))).collect();
    let mm: f64 = m.iter().map(|v| v * v).sum();
    let mut a = vec![0f64; n];
    if n == 3 {
        a[0] = -std::f64::consts::FRAC_1_SQRT_2;
        a[2] = std::f64::consts::FRAC_1_SQRT_2;
    } else {
        let u = 1.0 / nf.sqrt();
        let poly = |c: &[f64]| c.iter().rev().fold(0.0, |acc, k| acc * u + k);
        let an = m[n - 1] / mm.sqrt() + poly(&[0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056]);
        if n > 5 {
            let an1 = m[n - 2] / mm.sqrt() + poly(&[0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582663]);
            let phi = (mm - 2.0 * m[n - 1].powi(2) - 2.0 * m[n - 2].powi(2)) / (1.0 - 2.0 * an * an - 2.0 * an1 * an1);
            for i in 2..n - 2 {
                a[i] = m[i] / phi.sqrt();
            }
            a[n - 1] = an;
            a[n - 2] = an1;
            a[0] = -an;
            a[1] = -an1;
        } else {
            let phi = (mm - 2.0 * m[n - 1].powi(2)) / (1.0 - 2.0 * an * an);
            for i in 1..n - 1 {
                a[i] = m[i] / phi.sqrt();
            }
            a[n - 1] = an;
            a[0] = -an;
        }
    }
    let num: f64 = a.iter().zip(&s).map(|(a, v)| a * v).sum();
    let w = (num * num / ss).min(1.0);
    let p = if n == 3 {
        let p = 6.0 / std::f64::consts::PI * (w.sqrt().asin() - 0.75f64.sqrt().asin());
        p.clamp(0.0, 1.0)
    } else if n <= 11 {
        let gamma = 0.459 * nf - 2.273;
        let y = -(gamma - (1.0 - w).ln()).ln();
        let mu = 0.5440 - 0.39978 * nf + 0.025054 * nf * nf - 0.0006714 * nf.powi(3);
        let sigma = (1.3822 - 0.77857 * nf + 0.062767 * nf * nf - 0.0020322 * nf.powi(3)).exp();
        norm.sf((y - mu) / sigma)
    } else {
        let l = nf.ln();
        let mu = 0.0038915 * l.powi(3) - 0.083751 * l * l - 0.31082 * l - 1.5861;
        let sigma = (0.0030302 * l * l - 0.082676 * l - 0.4803).exp();
        norm.sf(((1.0 - w).ln() - mu) / sigma)
    };
    Some((w, p))
}
