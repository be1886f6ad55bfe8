//! A token bucket: `burst` tokens at most, refilled at `rate` per second. A call takes one token
//! or is refused with the time until the next one (an HTTP 429 with Retry-After).

/// Token bucket over a caller-supplied clock in milliseconds (simulated in the lab, so runs
/// are reproducible).
#[derive(Clone, Debug)]
pub struct TokenBucket {
    pub rate: f64,
    pub burst: f64,
    tokens: f64,
    last_ms: f64,
}

impl TokenBucket {
    /// Starts full. `rate` > 0 tokens/s, `burst` ≥ 1.
    pub fn new(rate: f64, burst: f64) -> TokenBucket {
        let burst = burst.max(1.0);
        TokenBucket { rate: rate.max(1e-9), burst, tokens: burst, last_ms: 0.0 }
    }

    /// Take one token at time `now_ms`; `Err(retry_after_ms)` when empty.
    pub fn try_take(&mut self, now_ms: f64) -> Result<(), f64> {
        if now_ms > self.last_ms {
            self.tokens = (self.tokens + (now_ms - self.last_ms) / 1000.0 * self.rate).min(self.burst);
            self.last_ms = now_ms;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.rate * 1000.0)
        }
    }
}
