//! The privacy lab: a victim trained on few records leaks which records they were. The
//! loss-threshold attack and LiRA (online and offline) score every member and non-member; the
//! ROC, AUC and TPR at 1% and 0.1% FPR measure the leak; DP-SGD's victim is audited — the
//! empirical ε each attack proves must stay below the accountant's. Its settings:
//! [`params::Params`]. Steps: [`PrivacyRun::new`] trains the victim, each
//! [`PrivacyRun::step`] one shadow (progress, and the page's cancel between steps),
//! [`PrivacyRun::report`] scores them. Model inversion (MIFace) against an image classifier:
//! [`invert`], with its own settings ([`params::InvertParams`]).

pub mod committed;
pub mod invert;
pub mod params;
pub mod report;
pub use params::{InvertParams, Params, ValidInvert, ValidParams};
pub use report::{AttackReport, Audit, Curve, Exposed, PrivacyReport, Scores, VictimReport};

use crate::privacy::dpsgd::{self, DpConfig, DpFilter};
use crate::privacy::lira::{self, Accumulator};
use crate::privacy::shadow::ShadowAttack;
use crate::privacy::loss_threshold;
use crate::privacy::membership::roc;
use crate::rng::Rng;
use crate::privacy::label_only::LabelOnly;
use crate::spam::features::{hashed_counts, log_l2};
use crate::spam::filter::{logistic_loss, Filter, Kind, Logistic, TrainConfig};
use crate::spam::Lab;
use crate::{Error, Result};

/// A trained spam victim, plain (logistic regression) or private.
enum Victim {
    Plain(Logistic),
    Private(DpFilter),
}

impl Victim {
    fn train(lab: &Lab, ids: &[u32], epochs: usize, dp: Option<&DpConfig>, seed: u64) -> Result<Victim> {
        Ok(match dp {
            Some(cfg) => Victim::Private(dpsgd::train(lab, ids, &DpConfig { seed, ..cfg.clone() })?),
            None => match lab.train_on(ids, Kind::Lr, &TrainConfig { epochs, ..TrainConfig::for_kind(Kind::Lr) }, seed)? {
                Filter::Lr(m) => Victim::Plain(m),
                _ => return Err(Error::Data("the spam victim must be logistic regression".into())),
            },
        })
    }

    /// Log-odds of spam of a token sequence (a perturbed e-mail), featurized as in training.
    fn logit_tokens(&self, lab: &Lab, tokens: &[u32]) -> f32 {
        match self {
            Victim::Plain(m) => log_l2(&hashed_counts(tokens, &lab.vocab, lab.dim)).dot(&m.w) + m.b,
            Victim::Private(f) => f.logit_tokens(lab, tokens),
        }
    }

    fn logit(&self, lab: &Lab, id: u32) -> f32 {
        let d = &lab.docs[id as usize];
        match self {
            Victim::Plain(m) => d.x.dot(&m.w) + m.b,
            Victim::Private(f) => f.logit(lab, d),
        }
    }
}

/// One run in steps.
pub struct PrivacyRun {
    v: ValidParams,
    /// The pool: members first, then non-members (record ids in the lab).
    pool: Vec<u32>,
    members: usize,
    target: Victim,
    acc: Accumulator,
    /// Every shadow's answers (φ, class, member of that shadow) for the shadow-model attack.
    answers: Vec<(f64, usize, bool)>,
    rng: Rng,
}

impl PrivacyRun {
    /// Draw the members and non-members by the seed and train the victim.
    pub fn new(lab: &Lab, v: &ValidParams) -> Result<PrivacyRun> {
        let p = v.params();
        if p.victim != "spam" {
            return Err(Error::InvalidArgument(format!("the {} victim is attacked by committed::run, not in shadow steps", p.victim)));
        }
        let draw = |mut ids: Vec<u32>, n: usize, label: &str| -> Result<Vec<u32>> {
            if ids.len() < n {
                return Err(Error::InvalidArgument(format!("the corpus has {} such records; asked for {n}", ids.len())));
            }
            Rng::derive(p.seed, label).shuffle(&mut ids);
            ids.truncate(n);
            Ok(ids)
        };
        let members = draw(lab.train_ids(), p.members, "privacy/members")?;
        let others = draw(lab.test_ids(), p.nonmembers, "privacy/non-members")?;
        let target = Victim::train(lab, &members, p.epochs, v.dp.as_ref(), Rng::derive_seed(p.seed, "privacy/victim"))?;
        let pool: Vec<u32> = members.iter().chain(&others).copied().collect();
        let acc = Accumulator::new(pool.len(), &v.lira)?;
        Ok(PrivacyRun { v: v.clone(), pool, members: members.len(), target, acc, answers: Vec::new(), rng: Rng::derive(p.seed, "privacy/shadows") })
    }

    /// Shadows trained so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.acc.count, self.v.lira.shadows)
    }

    /// Train the next shadow; true once all are trained.
    pub fn step(&mut self, lab: &Lab) -> Result<bool> {
        if self.acc.count < self.v.lira.shadows {
            let (ids, member) = self.acc.split(&mut self.rng);
            // by index, not drawn: the same seeds on 32-bit wasm and 64-bit native
            let seed = Rng::derive_seed(self.v.params().seed, &format!("privacy/shadow/{}", self.acc.count));
            let sub: Vec<u32> = ids.iter().map(|&i| self.pool[i]).collect();
            let shadow = Victim::train(lab, &sub, self.v.params().epochs, self.v.dp.as_ref(), seed)?;
            let phi = self.phi(lab, &shadow);
            self.acc.add(&member, &phi)?;
            for (i, (&f, &m)) in phi.iter().zip(&member).enumerate() {
                self.answers.push((f, usize::from(lab.docs[self.pool[i] as usize].label), m));
            }
        }
        Ok(self.acc.count >= self.v.lira.shadows)
    }

    fn phi(&self, lab: &Lab, m: &Victim) -> Vec<f64> {
        self.pool.iter().map(|&i| lira::phi_binary(m.logit(lab, i) as f64, lab.docs[i as usize].label)).collect()
    }

    /// Score every attack (all shadows must be trained).
    pub fn report(&self, lab: &Lab) -> Result<PrivacyReport> {
        let p = self.v.params();
        let (done, total) = self.progress();
        if done < total {
            return Err(Error::InvalidArgument(format!("{done} of {total} shadows trained: step until done")));
        }
        let m = self.members;
        let logits: Vec<f32> = self.pool.iter().map(|&i| self.target.logit(lab, i)).collect();
        let labels: Vec<bool> = self.pool.iter().map(|&i| lab.docs[i as usize].label).collect();
        let loss: Vec<f32> = logits.iter().zip(&labels).map(|(&z, &y)| logistic_loss(z, y)).collect();
        let right = |r: std::ops::Range<usize>| r.clone().filter(|&i| (logits[i] > 0.0) == labels[i]).count() as f64 / r.len().max(1) as f64;
        let shadows = self.acc.finish();
        let phi: Vec<f64> = logits.iter().zip(&labels).map(|(&z, &y)| lira::phi_binary(z as f64, y)).collect();
        let online = shadows.online(&phi)?;
        let offline = shadows.offline(&phi)?;
        let yeom = loss_threshold::scores(&loss);
        let shokri = ShadowAttack::fit(&self.answers, 2)?;
        let shadow_scores: Vec<f64> = phi.iter().zip(&labels).map(|(&f, &y)| shokri.score(f, usize::from(y))).collect();
        let records: Vec<(&[u32], bool)> = self.pool.iter().map(|&i| (lab.docs[i as usize].tokens.as_slice(), lab.docs[i as usize].label)).collect();
        let label_only = LabelOnly { queries: p.label_only_queries, drop: p.label_only_drop }.scores(&records, &mut Rng::derive(p.seed, "privacy/label-only"), &|t| self.target.logit_tokens(lab, t) > 0.0)?;
        let attack = |key: &str, name: &str, paper: &str, s: &[f64]| -> Result<AttackReport> {
            let r = roc(&s[..m], &s[m..])?;
            Ok(AttackReport {
                key: key.into(),
                name: name.into(),
                paper: paper.into(),
                auc: r.auc,
                tpr_at_1pct: r.tpr_at(0.01),
                tpr_at_01pct: r.tpr_at(0.001),
                epsilon_lower_bound: r.epsilon_lower_bound(p.delta, 0.05)?,
                roc: Curve { fpr: r.fpr.clone(), tpr: r.tpr.clone() },
            })
        };
        let attacks = vec![
            attack("loss", "loss threshold", "Yeom et al. 2018", &yeom)?,
            attack("shadow", "shadow-model classifier", "Shokri et al. 2017", &shadow_scores)?,
            attack("lira_online", "LiRA, online", "Carlini et al. 2022", &online)?,
            attack("lira_offline", "LiRA, offline", "Carlini et al. 2022", &offline)?,
            attack("label_only", "label-only (word dropout)", "Choquette-Choo et al. 2021", &label_only)?,
        ];
        let mean_train_loss = loss[..m].iter().sum::<f32>() / m.max(1) as f32;
        let global_threshold = loss_threshold::global_threshold(&loss[..m], &loss[m..], mean_train_loss);
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| online[b].total_cmp(&online[a]));
        let exposed = order.iter().take(5).map(|&i| {
            let d = &lab.docs[self.pool[i] as usize];
            Exposed { id: self.pool[i], subject: d.subject.chars().take(120).collect(), label: if d.label { "spam" } else { "ham" }, score: online[i], loss: loss[i] as f64 }
        }).collect();
        let (model, epsilon, order_, steps) = match &self.target {
            Victim::Plain(_) => ("logistic regression".to_string(), None, None, None),
            Victim::Private(f) => ("DP-SGD logistic regression".to_string(), Some(f.spent.epsilon), Some(f.spent.order), Some(f.steps)),
        };
        let audit = epsilon.map(|eps| {
            let best = attacks.iter().max_by(|a, b| a.epsilon_lower_bound.epsilon.total_cmp(&b.epsilon_lower_bound.epsilon));
            let (emp, by) = best.map(|a| (a.epsilon_lower_bound.epsilon, a.name.clone())).unwrap_or((0.0, String::new()));
            Audit { accountant_epsilon: eps, empirical_epsilon: emp, by, holds: emp <= eps }
        });
        Ok(PrivacyReport {
            params: p.clone(),
            seed: p.seed,
            victim: VictimReport { model, members: m, nonmembers: self.pool.len() - m, member_accuracy: right(0..m), nonmember_accuracy: right(m..self.pool.len()), epsilon, order: order_, steps },
            global_threshold,
            attacks,
            exposed,
            audit,
            shadows: total,
            scores: Scores {
                ids: self.pool.clone(),
                member: (0..self.pool.len()).map(|i| i < m).collect(),
                by_attack: vec![("loss".into(), yeom), ("shadow".into(), shadow_scores), ("lira_online".into(), online), ("lira_offline".into(), offline), ("label_only".into(), label_only)],
            },
        })
    }
}

/// The whole run; `progress(done, total)` after each shadow.
pub fn run(lab: &Lab, v: &ValidParams, progress: &mut dyn FnMut(usize, usize)) -> Result<PrivacyReport> {
    let mut r = PrivacyRun::new(lab, v)?;
    while !r.step(lab)? {
        let (d, t) = r.progress();
        progress(d, t);
    }
    let (d, t) = r.progress();
    progress(d, t);
    r.report(lab)
}
