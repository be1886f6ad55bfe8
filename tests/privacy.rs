//! Membership inference on the spam filter: the loss-threshold attack finds the members of an
//! overfit filter, and the DP audit's empirical ε never exceeds the accountant's. Needs the
//! packed corpus (./build.sh build).

use mlsec::data::spam::{Corpus, PACKED_PATH};
use mlsec::privacy::dpsgd::{self, DpConfig};
use mlsec::privacy::loss_threshold;
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
