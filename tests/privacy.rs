//! Membership inference on the spam filter: the loss-threshold attack finds the members of an
//! overfit filter, and the DP audit's empirical ε never exceeds the accountant's. Needs the
//! packed corpus (./build.sh build).

use mlsec::data::spam::{Corpus, PACKED_PATH};
use mlsec::privacy::dpsgd::{self, DpConfig};
use mlsec::privacy::lira::{self, LiraConfig};
use mlsec::privacy::loss_threshold;
use mlsec::privacy::membership::roc;
use mlsec::rng::Rng;
use mlsec::spam::filter::{Kind, TrainConfig};
use mlsec::spam::Lab;

fn lab() -> Lab {
    let c = Corpus::load(std::path::Path::new(PACKED_PATH)).expect("run ./build.sh build first");
    Lab::new(&c, 0).unwrap()
}

#[test]
fn an_overfit_filter_leaks_its_members_and_dp_sgd_keeps_the_audit_below_its_epsilon() {
    let lab = lab();
    // few members, many epochs: a filter that overfits visibly
    let pick = |mut ids: Vec<u32>, label: &str| -> Vec<u32> {
        Rng::derive(0, label).shuffle(&mut ids);
        ids.truncate(400);
        ids
    };
    let members = pick(lab.train_ids(), "test/members");
    let others = pick(lab.test_ids(), "test/non-members");
    let cfg = TrainConfig { epochs: 60, ..TrainConfig::for_kind(Kind::Lr) };
    let plain = lab.train_on(&members, Kind::Lr, &cfg, 0).unwrap();
    let loss = |ids: &[u32]| -> Vec<f32> { ids.iter().map(|&i| plain.loss(&lab.docs[i as usize])).collect() };
    let (lm, ln) = (loss(&members), loss(&others));
    let r = loss_threshold::attack(&lm, &ln).unwrap();
    let mean = lm.iter().sum::<f32>() / lm.len() as f32;
    let (tpr, fpr) = loss_threshold::global_threshold(&lm, &ln, mean);
    let plain_bound = r.epsilon_lower_bound(1e-5, 0.05).unwrap();
    eprintln!("plain: AUC {:.3}, TPR@1% {:.3}, global threshold TPR {tpr:.3} FPR {fpr:.3}, empirical ε ≥ {:.2}", r.auc, r.tpr_at(0.01), plain_bound.epsilon);
    assert!(r.auc > 0.6, "AUC {}", r.auc);
    assert!(tpr > fpr, "{tpr} {fpr}");
    // the audit is not vacuous: it proves a non-private filter is not ε-DP for small ε
    assert!(plain_bound.epsilon > 0.5, "{plain_bound:?}");

    for (sigma, seed) in [(1.0, 0), (0.6, 1)] {
        let dp = dpsgd::train(&lab, &members, &DpConfig { q: 0.05, sigma, epochs: 10.0, seed, ..DpConfig::default() }).unwrap();
        let dl = |ids: &[u32]| -> Vec<f32> { ids.iter().map(|&i| dp.loss(&lab, &lab.docs[i as usize])).collect() };
        let r = loss_threshold::attack(&dl(&members), &dl(&others)).unwrap();
        let b = r.epsilon_lower_bound(1e-5, 0.05).unwrap();
        eprintln!("DP-SGD σ {sigma}: ε {:.2}, AUC {:.3}, TPR@1% {:.3}, empirical ε ≥ {:.2}", dp.spent.epsilon, r.auc, r.tpr_at(0.01), b.epsilon);
        assert!(b.epsilon <= dp.spent.epsilon, "the audit's lower bound {} exceeds the accountant's ε {}: a bug in DP-SGD or the accountant", b.epsilon, dp.spent.epsilon);
    }
}

#[test]
fn lira_finds_more_members_at_a_low_false_positive_rate_than_the_loss_threshold() {
    let lab = lab();
    let mut members = lab.train_ids();
    Rng::derive(0, "test/lira-members").shuffle(&mut members);
    members.truncate(300);
    let mut others = lab.test_ids();
    Rng::derive(0, "test/lira-others").shuffle(&mut others);
    others.truncate(300);
    let pool: Vec<u32> = members.iter().chain(&others).copied().collect();
    let cfg = TrainConfig { epochs: 60, ..TrainConfig::for_kind(Kind::Lr) };
    let phi_of = |f: &mlsec::spam::filter::Filter| -> Vec<f64> {
        pool.iter().map(|&i| { let d = &lab.docs[i as usize]; lira::phi_binary(f.logit(d) as f64, d.label) }).collect()
    };
    let target = lab.train_on(&members, Kind::Lr, &cfg, 0).unwrap();
    let mut trained = 0;
    let s = lira::shadows(pool.len(), &LiraConfig { shadows: 16, fixed_variance: true }, &mut Rng::derive(0, "test/lira"), |ids, seed| {
        let sub: Vec<u32> = ids.iter().map(|&i| pool[i]).collect();
        Ok(phi_of(&lab.train_on(&sub, Kind::Lr, &cfg, seed)?))
    }, |k| { trained = k; Ok(()) }).unwrap();
    assert_eq!(trained, 16);
    let t = phi_of(&target);
    let m = members.len();
    let online = s.online(&t).unwrap();
    let offline = s.offline(&t).unwrap();
    let lira_on = roc(&online[..m], &online[m..]).unwrap();
    let lira_off = roc(&offline[..m], &offline[m..]).unwrap();
    let loss: Vec<f32> = pool.iter().map(|&i| target.loss(&lab.docs[i as usize])).collect();
    let yeom = loss_threshold::attack(&loss[..m], &loss[m..]).unwrap();
    eprintln!("LiRA online AUC {:.3} TPR@1% {:.3}; offline AUC {:.3} TPR@1% {:.3}; loss AUC {:.3} TPR@1% {:.3}",
        lira_on.auc, lira_on.tpr_at(0.01), lira_off.auc, lira_off.tpr_at(0.01), yeom.auc, yeom.tpr_at(0.01));
    assert!(lira_on.tpr_at(0.01) > yeom.tpr_at(0.01), "LiRA {} vs loss {}", lira_on.tpr_at(0.01), yeom.tpr_at(0.01));
    assert!(lira_on.tpr_at(0.01) > 0.03, "{}", lira_on.tpr_at(0.01));
    assert!(lira_on.auc > yeom.auc, "{} vs {}", lira_on.auc, yeom.auc);
}

#[test]
fn lira_against_dp_sgd_stays_below_the_accountants_epsilon() {
    let lab = lab();
    let mut members = lab.train_ids();
    Rng::derive(1, "test/lira-members").shuffle(&mut members);
    members.truncate(300);
    let mut others = lab.test_ids();
    Rng::derive(1, "test/lira-others").shuffle(&mut others);
    others.truncate(300);
    let pool: Vec<u32> = members.iter().chain(&others).copied().collect();
    let dp = |ids: &[u32], seed: u64| dpsgd::train(&lab, ids, &DpConfig { q: 0.05, sigma: 1.0, epochs: 10.0, seed, ..DpConfig::default() });
    let phi_of = |f: &dpsgd::DpFilter| -> Vec<f64> {
        pool.iter().map(|&i| { let d = &lab.docs[i as usize]; lira::phi_binary(f.logit(&lab, d) as f64, d.label) }).collect()
    };
    let target = dp(&members, 7).unwrap();
    let s = lira::shadows(pool.len(), &LiraConfig { shadows: 16, fixed_variance: true }, &mut Rng::derive(1, "test/lira"), |ids, seed| {
        let sub: Vec<u32> = ids.iter().map(|&i| pool[i]).collect();
        Ok(phi_of(&dp(&sub, seed)?))
    }, |_| Ok(())).unwrap();
    let on = s.online(&phi_of(&target)).unwrap();
    let r = roc(&on[..members.len()], &on[members.len()..]).unwrap();
    let b = r.epsilon_lower_bound(1e-5, 0.05).unwrap();
    eprintln!("LiRA on DP-SGD (ε {:.2}): AUC {:.3}, TPR@1% {:.3}, empirical ε ≥ {:.2}", target.spent.epsilon, r.auc, r.tpr_at(0.01), b.epsilon);
    assert!(b.epsilon <= target.spent.epsilon, "{b:?} vs ε {}", target.spent.epsilon);
    assert!(r.auc < 0.6, "AUC {}", r.auc);
}
