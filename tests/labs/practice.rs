//! Interview practice: the scenarios' shape, the concept matcher on strong, weak, empty,
//! paraphrased and near-miss answers, the Markdown export, and the hands-on checks.

use mlsec::labs::practice::{self, hands_on, report, Params};
use std::collections::BTreeSet;

fn covered(id: &str, answer: &str) -> BTreeSet<String> {
    let f = practice::check(&practice::scenario(id).unwrap(), answer);
    f.points.iter().filter(|p| p.covered).map(|p| p.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_scenarios_are_the_guides_five_and_more_each_with_a_rubric() {
    let all = practice::scenarios();
    assert!(all.len() >= 10, "{} scenarios", all.len());
    for id in ["evasion", "extraction", "backdoor", "stride", "investigate"] {
        assert!(all.iter().any(|s| s.id == id), "the guide's scenario {id}");
    }
    let ids: BTreeSet<&str> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    let labs = ["evasion", "extraction", "poisoning", "scanner", "threats", "classify"];
    for s in &all {
        assert!(s.points.len() >= 4 && !s.outline.is_empty() && s.minutes > 0, "{}", s.id);
        for p in &s.points {
            assert!(p.need >= 1 && p.need <= p.concepts.len(), "{}/{}", s.id, p.id);
            if let Some(l) = &p.link {
                let lab = l.strip_prefix("#lab=").and_then(|r| r.split('&').next()).unwrap_or("");
                assert!(labs.contains(&lab), "{}/{}: {l}", s.id, p.id);
            }
        }
    }
    assert_eq!(all.iter().filter(|s| s.task.is_some()).count(), 3, "hands-on tasks for scenarios 1–3");
    assert!(practice::scenario("nope").unwrap_err().to_string().contains("investigate"));
    assert!(Params { scenario: Some("nope".into()), seed: 0 }.check().is_err());
    assert!(Params { scenario: None, seed: 1 << 60 }.check().is_err());
}

#[test]
fn the_matcher_finds_the_points_of_strong_weak_and_empty_answers() {
    let strong = "First I would freeze the training pipeline and snapshot the data and logs as evidence. \
        Then compare the recent batches with the historical baseline using statistical tests (a chi-square test per token, KS on lengths). \
        Next inspect performance slices: accuracy per class and per source, to see which subgroups degraded. \
        Check the provenance and access logs for who uploaded what. \
        And work with data engineering and the security team throughout.";
    assert_eq!(covered("investigate", strong), set(&["baseline", "slices", "logs", "collaborate", "preserve"]));
    let weak = "I would retrain the model and see if it gets better.";
    assert!(covered("investigate", weak).is_empty());
    let f = practice::check(&practice::scenario("investigate").unwrap(), "");
    assert_eq!((f.covered, f.total, f.words), (0, 5, 0));
    assert!(f.points.iter().all(|p| !p.missing.is_empty()), "each missed point says what to add");
}

#[test]
fn paraphrases_match_and_near_misses_do_not() {
    // paraphrases: other words, other forms of the same words
    assert!(covered("investigate", "Compare last month's reference data to the new batches with a Kolmogorov-Smirnov test for drift.").contains("baseline"));
    assert!(covered("investigate", "Look at recall per class to find cohorts where it degrades.").contains("slices"));
    assert!(covered("investigate", "Trace the lineage: who uploaded each record?").contains("logs"));
    assert!(covered("investigate", "Escalate to incident response.").contains("collaborate"));
    assert!(covered("extraction", "Throttle each API key, and return only the label instead of probabilities.").is_superset(&set(&["limit", "outputs"])));
    assert!(covered("evasion", "Adversarially training the network costs some clean accuracy.").contains("adv-training"));
    assert!(covered("supply-chain", "torch.load unpickles the file, and __reduce__ can run code on the host.").contains("exec"));
    assert!(covered("rate-limiting", "A token bucket per API key; over the limit, answer 429 with Retry-After.").is_superset(&set(&["algorithm", "keys", "response"])));
    // near-misses: a concept alone where the point needs two, or a word that only looks alike
    assert!(!covered("investigate", "We have a baseline model in production.").contains("baseline"), "a baseline without a test");
    assert!(!covered("investigate", "I would test the model on new data.").contains("baseline"), "a test without a baseline");
    assert!(!covered("investigate", "Read the blog and the catalogue.").contains("logs"), "blog is not log");
    assert!(!covered("evasion", "Adversarial training makes it robust.").contains("adv-training"), "no word on its cost");
    assert!(!covered("stride", "Spoofing, tampering, repudiation, information disclosure, denial of service, elevation of privilege.").contains("spoofing"), "categories without controls");
    let stride = "Draw a data-flow diagram with trust boundaries. Spoofing: adversarial examples, answered by adversarial training. \
        Tampering: data poisoning, answered by provenance and scanning. Repudiation: forged logs, answered by hash-chained audit logs. \
        Information disclosure: membership inference, answered by DP-SGD. Denial of service: query flooding, answered by rate limiting. \
        Elevation of privilege: model extraction, answered by least privilege and PRADA.";
    assert_eq!(covered("stride", stride).len(), 7);
    // bounded and deterministic
    let long = "baseline drift ".repeat(2000);
    let f = practice::check(&practice::scenario("investigate").unwrap(), &long);
    assert!(f.truncated);
    assert_eq!(practice::check(&practice::scenario("stride").unwrap(), stride), practice::check(&practice::scenario("stride").unwrap(), stride));
}

#[test]
fn the_export_recomputes_the_scores_from_the_answers() {
    let mut p = report::Progress::default();
    p.answers.insert("investigate".into(), "Compare with the historical baseline using a chi-square test.".into());
    p.hands_on.insert("backdoor".into(), report::Recorded { passed: true, message: "Passed: the poison came from honeypot.".into() });
    let md = report::markdown(&p);
    assert!(md.contains("Investigate a suspected poisoning") && md.contains("Covered 1 of 5 points"));
    assert!(md.contains("- [x] Compares recent data with historical baselines"));
    assert!(md.contains("**Hands-on**: passed"));
    assert!(!md.contains("Model-file supply chain"), "unanswered scenarios are left out");
    let json = serde_json::to_string(&p).unwrap();
    assert!(serde_json::from_str::<report::Progress>(&json).is_ok());
}

#[test]
fn the_hands_on_checks_use_the_cores_ground_truth() {
    // poisoning: of every source and account, exactly the drawn pair passes
    let corpus = mlsec::data::spam::Corpus::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/spam-assassin.bin"))).expect("run ./build.sh build first");
    let ev = hands_on::poisoning_evidence(5, &corpus).unwrap();
    let mut accounts: BTreeSet<String> = ev.uploaders.iter().map(|u| u.uploader.clone()).collect();
    accounts.extend(["partner-api-legacy", "svc-sync-old", "etl-backfill", "contractor-7"].map(String::from));
    let passing: Vec<(String, String)> = ev.sources.iter().flat_map(|s| accounts.iter().map(move |a| (s.clone(), a.clone()))).filter(|(s, a)| hands_on::check_poisoning(5, s, a).passed).collect();
    assert_eq!(passing.len(), 1, "{passing:?}");
    assert!(ev.uploaders.iter().any(|u| u.uploader == passing[0].1), "the account is in the evidence");
    assert!(hands_on::check_poisoning(5, &passing[0].0.to_uppercase(), &format!(" {} ", passing[0].1)).passed, "case and spaces do not matter");

    // evasion: the drawn image is one the robust model gets right; the verdict follows PGD's outcome
    let robust = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9_robust.onnx")).unwrap();
    let samples = mlsec::data::cifar::load(&mlsec::data::cifar::data_dir(None), mlsec::data::cifar::Split::Test, Some(1000)).unwrap();
    let big = hands_on::check_evasion(3, 16.0, &robust, &samples).unwrap();
    assert_eq!(big.passed, big.fooled);
    assert_eq!(big.before, big.task.class);
    let huge = hands_on::check_evasion(3, 64.0, &robust, &samples).unwrap();
    assert!(huge.fooled && !huge.passed, "above the task's ε it fails even when fooled: {}", huge.message);
    assert!(hands_on::check_evasion(3, 0.0, &robust, &samples).is_err());
    assert!(hands_on::check_evasion(3, f64::NAN, &robust, &samples).is_err());

    // extraction: PRADA blocking stops the synthetic-query thief and leaves the natural client alone
    let model = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/cifar10_resnet9.onnx")).unwrap();
    let r = hands_on::check_extraction(0, "probs", "block", &model, &samples, &mut |_, _| {}).unwrap();
    assert!(r.passed && r.thief_blocked > 0 && r.client_blocked == 0, "{}", r.message);
    assert!(hands_on::check_extraction(0, "probs", "sometimes", &model, &samples, &mut |_, _| {}).is_err());
    // a thief PRADA never catches (W 0.938 > δ 0.93 throughout): the right control is said to be right
    let miss = hands_on::check_extraction(3_141_592_653_589, "probs", "block", &model, &samples, &mut |_, _| {}).unwrap();
    assert!(!miss.passed && miss.thief_blocked == 0 && miss.message.starts_with("The right control"), "{}", miss.message);
    let alert = hands_on::check_extraction(3_141_592_653_589, "probs", "alert", &model, &samples, &mut |_, _| {}).unwrap();
    assert!(alert.message.starts_with("Not yet"), "{}", alert.message);
}
