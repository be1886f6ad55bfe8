//! Seeded randomness. Every random choice in the crate takes a `&mut Rng` made here from a
//! seed the user can see; [`fresh_seed`] is the one place that asks the OS (or, on wasm, the
//! browser's `crypto.getRandomValues`) for entropy, and only to pick a seed to show.

use rand::{RngExt, SeedableRng};

/// The crate's random number generator (ChaCha12 via `rand::rngs::StdRng`).
pub struct Rng {
    inner: rand::rngs::StdRng,
    seed: u64,
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn seeded(seed: u64) -> Self {
        Rng { inner: rand::rngs::StdRng::seed_from_u64(seed), seed }
    }

    /// The stream named `label` of the run seed `seed`: independent streams for independent
    /// uses of one run seed (`Rng::derive(seed, "backdoor/triggers")`); the one way the crate
    /// turns a run seed into a generator for one use.
    pub fn derive(seed: u64, label: &str) -> Self {
        Rng { inner: rand::rngs::StdRng::seed_from_u64(Self::derive_seed(seed, label)), seed }
    }

    /// The 64-bit seed of stream `label` (for code that takes a seed, not an `Rng`): the label
    /// hashed with FNV-1a, mixed into `seed` by SplitMix64's finaliser.
    pub fn derive_seed(seed: u64, label: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in label.as_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut z = seed ^ h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The seed this generator started from (shown in the UI and reports).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        self.inner.random::<f32>()
    }

    /// Uniform integer in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.inner.random_range(0..n.max(1))
    }

    /// Fisher–Yates shuffle in place (draws `below(i + 1)` for i = n−1 … 1).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }

    /// Standard normal via Box–Muller.
    pub fn normal(&mut self) -> f32 {
        let u1 = self.inner.random::<f32>().max(f32::MIN_POSITIVE);
        let u2 = self.inner.random::<f32>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
    }
}

/// A fresh seed from the platform's entropy source; falls back to 0 if none is available.
pub fn fresh_seed() -> u64 {
    let mut b = [0u8; 8];
    match getrandom::fill(&mut b) {
        Ok(()) => u64::from_le_bytes(b) >> 11, // 53 bits: exact as a JS number
        Err(_) => 0,
    }
}
