//! The extraction lab: the provider's mock API over the victim, the attacker's query loop
//! against it (pacing itself by the published rate limit, re-sending what is refused with a
//! 429, stopping when blocked or out of quota), the surrogate's training and scoring, and the
//! transfer attack. The page steps through it; `mlsec extract` runs it whole
//! ([`ExtractionLab::run_all`]). Its settings are [`params::Params`]; its reports
//! [`report::ExtractReport`] and [`report::RoundReport`].

pub mod params;
pub mod report;

use crate::api::policy::Answer;
use crate::api::ratelimit::TokenBucket;
use crate::api::{Api, Config, KeyStatus, Refusal};
use crate::attacks::extraction::{transfer, EvalSet, Point, StealConfig, Stealer, IMAGE};
use crate::data::cifar::Samples;
use crate::model::onnx::OnnxClassifier;
use crate::model::Classifier;
use crate::tensor::Batch;
use crate::{Error, Result};
pub use params::{Params, Prada, ValidParams};
pub use report::{ExtractReport, RoundReport};
use std::rc::Rc;

/// The victim behind the API: `n` CHW images → `n × classes` probabilities.
pub type Victim = Box<dyn FnMut(&[f32], usize) -> Result<Vec<f32>>>;

/// The attacker's API key, and the benign clients' keys shown on the provider's console.
pub const ATTACKER: &str = "attacker";
pub const KEYS: [&str; 3] = [ATTACKER, "mobile-app", "partner"];

/// Calls per API request batch (the victim runs once per batch).
const CHUNK: usize = 64;

pub struct ExtractionLab {
    victim: Rc<OnnxClassifier>,
    pub api: Api<Victim>,
    pub pool: Batch,
    pub eval: EvalSet,
    classes: usize,
    clock_ms: f64,
    /// The attacker's mirror of the published rate limit.
    pacing: TokenBucket,
    pub stealer: Option<Stealer>,
    totals: RoundReport,
    benign_due: [f64; 2],
    benign_next: usize,
}

/// Split the samples in two class-balanced halves: the k-th image of each class (in sample
/// order) goes to the attacker's pool when k is even, to the evaluation half (never queried)
/// when k is odd. (Even and odd *positions* of the class-interleaved order would split the
/// classes themselves — 0, 2, 4, 6, 8 against 1, 3, 5, 7, 9 — when the class count is even.)
pub fn halves(s: &Samples) -> Result<(Batch, Batch, Vec<usize>)> {
    let n = s.len();
    if n < 4 {
        return Err(Error::InvalidArgument("the extraction lab needs at least 4 images".into()));
    }
    let all = s.batch(0, n)?;
    let v = all.view();
    let flat = v.as_slice().ok_or_else(|| Error::Shape("non-contiguous batch".into()))?;
    let (mut pool, mut eval, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = [0usize; 256];
    for i in 0..n {
        let img = &flat[i * IMAGE..(i + 1) * IMAGE];
        let c = s.labels[i] as usize;
        seen[c] += 1;
        if seen[c] % 2 == 1 {
            pool.extend_from_slice(img);
        } else {
            eval.extend_from_slice(img);
            labels.push(s.labels[i] as usize);
        }
    }
    if labels.is_empty() {
        return Err(Error::InvalidArgument("the evaluation half is empty: every class has a single image".into()));
    }
    let np = pool.len() / IMAGE;
    Ok((crate::data::cifar::images(&pool, np)?, crate::data::cifar::images(&eval, labels.len())?, labels))
}

impl ExtractionLab {
    /// The victim model's ONNX bytes, the images (interleaved by class), the provider's settings.
    pub fn new(model: &[u8], samples: &Samples, config: Config) -> Result<ExtractionLab> {
        let victim = Rc::new(OnnxClassifier::from_bytes(model)?);
        let classes = victim.classes();
        config.policy.check_classes(classes)?;
        let (pool, eval_x, labels) = halves(samples)?;
        let victim_labels = victim.predict(&eval_x)?;
        let eval = EvalSet { x: eval_x, labels, victim: victim_labels };
        let api = Self::make_api(&victim, classes, config.clone());
        let pacing = TokenBucket::new(config.rate, config.burst);
        Ok(ExtractionLab { victim, api, pool, eval, classes, clock_ms: 0.0, pacing, stealer: None, totals: RoundReport::default(), benign_due: [0.0; 2], benign_next: 0 })
    }

    /// The lab with the provider's settings of `p` (the attack starts with [`Self::start`]).
    pub fn open(model: &[u8], samples: &Samples, p: &ValidParams) -> Result<ExtractionLab> {
        Self::new(model, samples, p.api.clone())
    }

    fn make_api(victim: &Rc<OnnxClassifier>, classes: usize, config: Config) -> Api<Victim> {
        let v = Rc::clone(victim);
        let f: Victim = Box::new(move |x: &[f32], n: usize| Ok(v.probabilities(&crate::data::cifar::images(x, n)?)?.into_iter().collect()));
        Api::new(config, classes, &KEYS, f)
    }

    /// New provider settings: a fresh API (keys, buckets, PRADA state, log) and no attack.
    pub fn configure(&mut self, config: Config) -> Result<()> {
        config.policy.check_classes(self.classes)?;
        self.pacing = TokenBucket::new(config.rate, config.burst);
        self.api = Self::make_api(&self.victim, self.classes, config);
        self.stealer = None;
        self.clock_ms = 0.0;
        self.totals = RoundReport::default();
        self.benign_next = 0;
        self.benign_due = [0.0; 2];
        Ok(())
    }

    /// Start an attack (the API keeps its state: a second attack from the same key is seen by
    /// PRADA and the quota as more of the same client).
    pub fn start(&mut self, cfg: StealConfig) -> Result<()> {
        self.stealer = Some(Stealer::new(cfg, self.classes, self.pool.len())?);
        self.totals = RoundReport { clock_s: self.clock_ms / 1000.0, ..RoundReport::default() };
        Ok(())
    }

    fn stealer(&mut self) -> Result<&mut Stealer> {
        self.stealer.as_mut().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))
    }

    /// Send the next round's queries through the API; `None` when the attack is over.
    pub fn query_round(&mut self) -> Result<Option<RoundReport>> {
        // borrow the pool beside the stealer (cloning it copied every pool image each round)
        let st = self.stealer.as_mut().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))?;
        if st.done() {
            return Ok(None);
        }
        let queries = st.plan_round(&self.pool)?;
        let n = queries.len() / IMAGE;
        let mut answers: Vec<Option<Answer>> = vec![None; n];
        let mut sent = vec![false; n];
        let mut round = RoundReport::default();
        let mut pending: Vec<usize> = (0..n).collect();
        let mut stopped = false;
        while !pending.is_empty() && !stopped {
            let chunk: Vec<usize> = pending.drain(..pending.len().min(CHUNK)).collect();
            let mut times = Vec::with_capacity(chunk.len());
            let mut xs = Vec::with_capacity(chunk.len() * IMAGE);
            for &i in &chunk {
                while let Err(wait) = self.pacing.try_take(self.clock_ms) {
                    self.clock_ms += wait;
                }
                times.push(self.clock_ms);
                xs.extend_from_slice(&queries[i * IMAGE..(i + 1) * IMAGE]);
            }
            // the other clients' calls that fall before this batch's last one, first
            self.benign_traffic(times.last().copied().unwrap_or(self.clock_ms))?;
            let replies = self.api.query_batch(ATTACKER, &times, &xs)?;
            let mut retry = Vec::new();
            for ((&i, r), &at) in chunk.iter().zip(replies).zip(&times) {
                sent[i] = true;
                match r {
                    Ok(a) => {
                        round.answered += 1;
                        if a.label.is_none() {
                            round.abstained += 1;
                        }
                        answers[i] = Some(a);
                    }
                    Err(Refusal::RateLimited { retry_after_ms }) => {
                        round.rate_limited += 1;
                        self.clock_ms = self.clock_ms.max(at + retry_after_ms);
                        retry.push(i);
                    }
                    Err(_) => {
                        round.blocked += 1;
                        stopped = true;
                    }
                }
            }
            retry.extend(pending);
            pending = retry;
        }
        // what was sent (answered or refused) counts against the budget; what never left does not
        let idx: Vec<usize> = (0..n).filter(|&i| sent[i]).collect();
        let mut sent_x = Vec::with_capacity(idx.len() * IMAGE);
        for &i in &idx {
            sent_x.extend_from_slice(&queries[i * IMAGE..(i + 1) * IMAGE]);
        }
        let sent_answers: Vec<Option<Answer>> = idx.iter().map(|&i| answers[i].take()).collect();
        let sent_n = idx.len();
        let st = self.stealer()?;
        st.record(&sent_x, &sent_answers)?;
        if stopped {
            st.stop();
        }
        round.sent = sent_n;
        round.clock_s = self.clock_ms / 1000.0;
        let t = &mut self.totals;
        t.sent += round.sent;
        t.answered += round.answered;
        t.abstained += round.abstained;
        t.rate_limited += round.rate_limited;
        t.blocked += round.blocked;
        t.clock_s = round.clock_s;
        Ok(Some(round))
    }

    /// The other clients' ordinary traffic while the attacker works: "mobile-app" calls twice a
    /// second, "partner" once, with natural images from the evaluation half (the attacker's
    /// pool is not theirs), every call due up to `until_ms` on the simulated clock. The
    /// provider's console shows them served beside the attacker, and PRADA quiet on them.
    fn benign_traffic(&mut self, until_ms: f64) -> Result<()> {
        let eval = self.eval.x.view();
        let flat = eval.as_slice().ok_or_else(|| Error::Shape("non-contiguous batch".into()))?;
        let m = self.eval.labels.len();
        for (k, (key, every_ms)) in [(KEYS[1], 500.0), (KEYS[2], 1000.0)].into_iter().enumerate() {
            let mut times = Vec::new();
            let mut xs = Vec::new();
            while self.benign_due[k] <= until_ms && m > 0 {
                times.push(self.benign_due[k]);
                let i = self.benign_next % m;
                self.benign_next = self.benign_next.wrapping_add(7919); // a prime stride through the half
                xs.extend_from_slice(&flat[i * IMAGE..(i + 1) * IMAGE]);
                self.benign_due[k] += every_ms;
            }
            if !times.is_empty() {
                self.api.query_batch(key, &times, &xs)?;
            }
        }
        Ok(())
    }

    pub fn train_epoch(&mut self) -> Result<f64> {
        self.stealer()?.train_epoch()
    }

    pub fn evaluate(&mut self) -> Result<Point> {
        let eval = &self.eval;
        let st = self.stealer.as_mut().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))?;
        st.evaluate(eval)
    }

    /// PGD on the surrogate, sent to the victim, on up to `images` evaluation images.
    pub fn transfer(&self, eps: f32, steps: usize, images: usize, seed: u64) -> Result<transfer::TransferReport> {
        let st = self.stealer.as_ref().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))?;
        transfer::transfer(st.surrogate(), self.victim.as_ref(), &self.eval.x, &self.eval.labels, eps, steps, images, seed)
    }

    /// [`Self::transfer`] in steps (progress and cancel between them): begin, step until false, finish.
    pub fn transfer_begin(&self, eps: f32, steps: usize, images: usize, seed: u64) -> Result<transfer::TransferRun> {
        self.stealer.as_ref().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))?;
        transfer::TransferRun::new(self.victim.as_ref(), &self.eval.x, &self.eval.labels, eps, steps, images, seed)
    }

    /// The next images of `run`; false when it is done.
    pub fn transfer_step(&self, run: &mut transfer::TransferRun) -> Result<bool> {
        let st = self.stealer.as_ref().ok_or_else(|| Error::InvalidArgument("the attack was reset during the transfer attack".into()))?;
        run.step(st.surrogate())
    }

    pub fn transfer_finish(&self, run: transfer::TransferRun) -> Result<transfer::TransferReport> {
        let st = self.stealer.as_ref().ok_or_else(|| Error::InvalidArgument("the attack was reset during the transfer attack".into()))?;
        run.finish(st.surrogate(), self.victim.as_ref())
    }

    pub fn totals(&self) -> &RoundReport {
        &self.totals
    }

    pub fn keys(&self) -> Vec<KeyStatus> {
        self.api.status()
    }

    /// Victim accuracy on the evaluation half.
    pub fn victim_accuracy(&self) -> f64 {
        let e = &self.eval;
        e.victim.iter().zip(&e.labels).filter(|(a, b)| a == b).count() as f64 / e.labels.len().max(1) as f64
    }

    /// Run the whole attack: every round, `epochs` of training after each, a curve point per
    /// round, then the polish and its point. `progress(point)` returns false to stop.
    pub fn run(&mut self, cfg: StealConfig, progress: &mut dyn FnMut(&Point) -> bool) -> Result<()> {
        let (epochs, polish) = (cfg.epochs, cfg.polish);
        self.start(cfg)?;
        while self.query_round()?.is_some() {
            for _ in 0..epochs {
                self.train_epoch()?;
            }
            let p = self.evaluate()?;
            if !progress(&p) {
                return Ok(());
            }
        }
        if polish > 0 {
            self.polish(polish)?;
            let p = self.evaluate()?;
            progress(&p);
        }
        Ok(())
    }

    /// Epoch `e` of a polish of `epochs` (see [`Stealer::polish_epoch`]); the mean loss.
    pub fn polish_epoch(&mut self, e: usize, epochs: usize) -> Result<f64> {
        self.stealer()?.polish_epoch(e, epochs)
    }

    /// The whole attack of `p` (rounds, polish, the transfer attack when `p.transfer > 0`)
    /// and its report; `progress(point)` returns false to stop early. `seconds` times the run.
    pub fn run_all(&mut self, p: &ValidParams, progress: &mut dyn FnMut(&Point) -> bool, seconds: &dyn Fn() -> f64) -> Result<ExtractReport> {
        self.run(p.steal.clone(), progress)?;
        let q = p.params();
        let transfer = if q.transfer > 0 { Some(self.transfer(q.eps / 255.0, 10, q.transfer, q.seed)?) } else { None };
        let mut r = self.report(transfer, seconds())?;
        r.params = Some(q.clone());
        Ok(r)
    }

    /// The final polish (see [`Stealer::polish`]).
    pub fn polish(&mut self, epochs: usize) -> Result<()> {
        self.stealer()?.polish(epochs, &mut |_, _| true)
    }

    /// The report of the attack so far.
    pub fn report(&self, transfer: Option<transfer::TransferReport>, seconds: f64) -> Result<ExtractReport> {
        let st = self.stealer.as_ref().ok_or_else(|| Error::InvalidArgument("no attack has been started".into()))?;
        let key = self.api.status().into_iter().find(|k| k.key == ATTACKER);
        let last = st.curve.last();
        let t = &self.totals;
        Ok(ExtractReport {
            strategy: st.config.strategy.name().into(),
            policy: self.api.config.policy.to_string(),
            arch: st.config.arch.clone(),
            budget: st.config.budget,
            seed: st.config.seed,
            prada: self.api.config.prada,
            fidelity: last.map_or(0.0, |p| p.fidelity),
            accuracy: last.map_or(0.0, |p| p.accuracy),
            queries: t.sent,
            answered: t.answered,
            abstained: t.abstained,
            rate_limited: t.rate_limited,
            blocked: t.blocked,
            alerts: key.as_ref().map_or(0, |k| k.prada.alert as usize),
            alert_at: key.as_ref().and_then(|k| k.prada.alert_at),
            prada_w: key.as_ref().and_then(|k| k.prada.w),
            simulated_s: t.clock_s,
            eval_images: self.eval.labels.len(),
            victim_accuracy: self.victim_accuracy(),
            curve: st.curve.clone(),
            transfer,
            log_entries: self.api.log.entries.len(),
            log_verified: self.api.log.first_bad().is_none(),
            seconds,
            params: None,
        })
    }
}
