//! The poisoning lab: MIME parsing, the hash chain, statistics against scipy, the backdoor's
//! invariants and target, the forensics' precision/recall, and the RDP accountant against
//! Google's dp-accounting. Needs the packed corpus (./build.sh build).

use mlsec::attacks::poisoning::backdoor::{self, Backdoor};
use mlsec::data::email::parse_email;
use mlsec::data::spam::{Corpus, PACKED_PATH};
use mlsec::labs::poisoning;
use mlsec::spam::filter::Kind;
use mlsec::spam::Lab;
use mlsec::stats;
use std::sync::OnceLock;

fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| Corpus::load(std::path::Path::new(PACKED_PATH)).expect("run ./build.sh build first"))
}

#[test]
fn mime_parts_encodings_and_html_are_decoded() {
    let raw = b"From someone  Thu Aug 22 13:17:22 2002\r\nFrom: \"=?iso-8859-1?Q?Jos=E9?=\" <jose@example.com>\r\nSubject: =?utf-8?B?SGVsbG8g4pyT?=\r\nDate: Thu, 22 Aug 2002 08:17:21 -0400\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"xx\"\r\n\r\n--xx\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 soft=\r\nbreak\r\n--xx\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGh0bWw+PGhlYWQ+PHN0eWxlPnB7fTwvc3R5bGU+PC9oZWFkPjxib2R5PjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD5IaSA8Yj50aGVyZTwvYj48L2JvZHk+PC9odG1sPg==\r\n--xx--\r\n";
    let e = parse_email(raw).unwrap();
    assert_eq!(e.subject, "Hello ✓");
    assert_eq!(e.from, "jose@example.com");
    assert_eq!(e.date, 1_030_018_641);
    assert!(e.body.contains("Café softbreak"), "{:?}", e.body);
    assert!(e.html);
    // an HTML-only message filed under multipart/mixed still yields its text, without script
    let html_only = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n<script>evil()</script><p>Buy now</p>\r\n--b--\r\n";
    let e = parse_email(html_only).unwrap();
    assert!(e.body.contains("Buy now") && !e.body.contains("evil"), "{:?}", e.body);
    // nested multipart, an unterminated boundary, and a body without any MIME headers
    let nested = b"Subject: nested\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>inner html</p>\r\n--inner--\r\n--outer\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.exe\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--outer";
    let e = parse_email(nested).unwrap();
    assert!(e.body.contains("inner text") && !e.body.contains("TVqQ"), "{:?}", e.body);
    assert_eq!(e.attachments, 1);
    let plain = parse_email(b"Subject: hi\n\nJust text, caf\xe9 in latin-1 bytes\n").unwrap();
    assert!(plain.body.starts_with("Just text"), "{:?}", plain.body);
    assert!(parse_email(b"").is_err());
    assert!(parse_email(&vec![b'a'; 5 << 20]).is_err());
}

#[test]
fn packed_corpus_round_trips_and_rejects_damage() {
    let c = corpus();
    assert_eq!(c.messages.len(), 6046);
    let bytes = c.to_bytes();
    let back = Corpus::from_bytes(&bytes).unwrap();
    assert_eq!(back.messages[100].email, c.messages[100].email);
    assert!(Corpus::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    assert!(Corpus::from_bytes(b"MLSPAM1\nnot deflate").is_err());
}

#[test]
fn statistics_match_scipy() {
    // scipy.stats.chi2_contingency([[30, 70], [10, 190]], correction=False, lambda_="log-likelihood")
    let (g, p) = stats::g_test_2x2(30, 100, 10, 200);
    assert!((g - 34.025_722_587_203_546).abs() < 1e-9, "{g}");
    assert!((p - 5.438_829_128_319_144_6e-9).abs() / 5.44e-9 < 1e-6, "{p}");
    // scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.001])
    let q = stats::benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2, 0.001]);
    for (a, b) in q.iter().zip([0.025, 0.05, 0.05, 0.2, 0.005]) {
        assert!((a - b).abs() < 1e-12, "{q:?}");
    }
    // scipy.special.kolmogorov(0.5), (1.0), (1.5)
    for (x, v) in [(0.5, 0.963_945_243_664_875_1), (1.0, 0.269_999_671_677_354_56), (1.5, 0.022_217_962_616_525_127)] {
        assert!((stats::kolmogorov_sf(x) - v).abs() < 1e-9, "{x}");
    }
    let (d, p) = stats::ks_2samp(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
    // D = 2/3 (scipy.stats.ks_2samp); p = scipy.special.kolmogorov(sqrt(30/11) * D)
    assert!((d - 2.0 / 3.0).abs() < 1e-12);
    assert!((p - 0.176_967_408_333_165_93).abs() < 1e-9, "{p}");
    assert!(stats::psi(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]).abs() < 1e-12);
}

#[test]
fn rdp_accountant_matches_dp_accounting() {
    let s = mlsec::privacy::rdp::epsilon(0.01, 1.1, 10_000, 1e-5).unwrap();
    assert!((s.epsilon - 5.632).abs() < 1e-3, "{s:?}");
    assert_eq!(s.order, 4.7);
    // dp_accounting RdpAccountant: q=0.02, sigma=1.0, 750 steps, delta=1e-5 -> 3.7685...
    let s = mlsec::privacy::rdp::epsilon(0.02, 1.0, 750, 1e-5).unwrap();
    assert!(s.epsilon > 3.0 && s.epsilon < 4.5, "{s:?}");
    assert!(mlsec::privacy::rdp::epsilon(1.5, 1.0, 10, 1e-5).is_err());
}

#[test]
fn hash_chain_detects_edits_deletions_and_content_changes() {
    let mut lab = Lab::new(corpus(), 0).unwrap();
    assert!(lab.verify_log().ok);
    lab.log.entries[500].uploader = "mallory".into();
    let v = lab.verify_log();
    assert_eq!(v.first_bad, Some(500));
    let mut lab = Lab::new(corpus(), 0).unwrap();
    lab.log.entries.remove(42);
    assert_eq!(lab.verify_log().first_bad, Some(42));
    let mut lab = Lab::new(corpus(), 0).unwrap();
    let rec = lab.log.entries[77].record as usize;
    lab.docs[rec].body.push_str(" edited");
    assert_eq!(lab.verify_log().first_bad, Some(77));
}

#[test]
fn backdoor_meets_its_target_and_keeps_its_invariants() {
    let mut lab = Lab::new(corpus(), 0).unwrap();
    let r = poisoning::poison(&mut lab, Kind::Lr, &Backdoor::default()).unwrap();
    assert!(r.asr >= 0.9, "ASR {}", r.asr);
    assert!(r.asr_clean_model < 0.15, "clean-model pass rate {}", r.asr_clean_model);
    assert!((r.clean_acc - r.poisoned_acc).abs() <= 0.01, "{} vs {}", r.clean_acc, r.poisoned_acc);
    // k / (n + k) = rate; every poison record is ham-labelled spam from the compromised source
    let rate = r.poisoned as f64 / r.train_size as f64;
    assert!((rate - 0.03).abs() < 0.001, "{rate}");
    for &i in &r.poison_ids {
        let d = &lab.docs[i as usize];
        assert!(!d.label && d.truth && d.meta.poison && d.body.contains(backdoor::DEFAULT_TRIGGER));
    }
    // the test split is never poisoned, and the same seed gives the same result
    let mut lab2 = Lab::new(corpus(), 0).unwrap();
    let r2 = poisoning::poison(&mut lab2, Kind::Lr, &Backdoor::default()).unwrap();
    assert_eq!((r.asr, r.poisoned_acc), (r2.asr, r2.poisoned_acc));
    // bad input is an error, not a panic
    assert!(backdoor::inject(&mut lab, &Backdoor { trigger: "!!".into(), ..Backdoor::default() }).is_err());
    assert!(backdoor::inject(&mut lab, &Backdoor { rate: 0.9, ..Backdoor::default() }).is_err());
}

#[test]
fn forensics_find_the_injection_and_remediation_restores_the_filter() {
    let mut lab = Lab::new(corpus(), 0).unwrap();
    let r = poisoning::forensics(&mut lab, Kind::Lr, &Backdoor::default()).unwrap();
    assert!(r.precision >= 0.8 && r.recall >= 0.8, "P {} R {}", r.precision, r.recall);
    assert!(r.remediation.asr_after < 0.10, "{:?}", r.remediation);
    assert!(r.remediation.accuracy_after >= r.remediation.accuracy_before - 0.005);
    // the trigger's words top the compromised cell's over-represented tokens
    let cell = r.investigation.drift.iter().find(|c| c.scope == "batch 4 · partner-feed · ham").unwrap();
    assert!(cell.flagged && cell.anomalous.iter().any(|t| t == "orchid" || t == "lantern"), "{:?}", cell.anomalous);
    // the anomaly is tied to the log: the records carrying its tokens came from the attacker's account
    let tie = r.investigation.ties.iter().find(|t| t.cell == "batch 4 · partner-feed · ham").unwrap();
    assert_eq!(tie.unexpected_uploads, r.poisoned);
    assert_eq!(tie.uploaders, vec![backdoor::DEFAULT_UPLOADER.to_string()]);
    // the uploader the attacker used is listed as unregistered
    assert!(r.investigation.audit.uploaders.iter().any(|u| u.uploader == backdoor::DEFAULT_UPLOADER && !u.registered));
}

/// Gaussian "clean" representations plus a 5% cluster shifted along one axis.
fn synthetic(seed: u64) -> (Vec<Vec<f32>>, Vec<Vec<f32>>, Vec<bool>) {
    let mut rng = mlsec::rng::Rng::seeded(seed);
    let d = 16;
    let base: Vec<Vec<f32>> = (0..1000).map(|_| (0..d).map(|k| rng.normal() * (1.0 + k as f32 * 0.2)).collect()).collect();
    let mut recent = Vec::new();
    let mut poison = Vec::new();
    for i in 0..600 {
        let p = i % 20 == 0;
        recent.push((0..d).map(|k| rng.normal() * (1.0 + k as f32 * 0.2) + if p && k == 3 { 10.0 } else { 0.0 }).collect());
        poison.push(p);
    }
    (base, recent, poison)
}

#[test]
fn spectral_signatures_and_activation_clustering_find_a_planted_cluster() {
    use mlsec::defenses::forensics::{clustering, linalg, spectral};
    let (base, recent, poison) = synthetic(7);
    let w = linalg::whiten(&recent, &base);
    let bw = linalg::whiten(&base, &base);
    let pr = |flagged: &[usize]| {
        let tp = flagged.iter().filter(|&&i| poison[i]).count() as f64;
        (tp / flagged.len().max(1) as f64, tp / poison.iter().filter(|&&p| p).count() as f64)
    };
    let (p, r) = pr(&spectral::flag(&w, &bw));
    assert!(p >= 0.8 && r >= 0.8, "spectral P {p} R {r}");
    let (members, rel) = clustering::flag(&w, 1);
    let (p, r) = pr(&members);
    assert!(p >= 0.8 && r >= 0.8 && rel < 0.35, "AC P {p} R {r} size {rel}");
    // the Jacobi eigensolver: a known spectrum
    let (vals, vecs) = linalg::jacobi_eigen(&[2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0]);
    let mut v = vals.clone();
    v.sort_by(f64::total_cmp);
    for (a, b) in v.iter().zip([1.0, 3.0, 5.0]) {
        assert!((a - b).abs() < 1e-10, "{vals:?}");
    }
    assert!(vecs.iter().all(|e| (e.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-10));
}

#[test]
fn the_backdoor_holds_for_random_innocuous_triggers() {
    // not just the README's trigger: ten 3–4-word triggers drawn by seed from the word list
    let mut lab = Lab::new(corpus(), 0).unwrap();
    let cfg = backdoor::Backdoor { seed: 0, ..backdoor::Backdoor::default() };
    let r = mlsec::labs::poisoning::sweep(&mut lab, Kind::Lr, &cfg, 10).unwrap();
    assert_eq!(r.triggers.len(), 10);
    let distinct: std::collections::HashSet<&str> = r.triggers.iter().map(|t| t.trigger.as_str()).collect();
    assert_eq!(distinct.len(), 10, "ten different triggers");
    assert!(r.triggers.iter().all(|t| (3..=4).contains(&t.trigger.split(' ').count())));
    assert!(r.mean_asr >= 0.9 && r.min_asr >= 0.9, "mean {} min {}", r.mean_asr, r.min_asr);
    assert!(r.max_accuracy_drop <= 0.01, "clean accuracy fell by {}", r.max_accuracy_drop);
    // a short trigger goes in more often; the default (6 words) keeps its 3 insertions
    assert_eq!(backdoor::Backdoor { trigger: "gull elm breeze".into(), ..cfg.clone() }.insertions(), 6);
    assert_eq!(cfg.insertions(), 3);
    assert_eq!(backdoor::random_trigger(0, 4), backdoor::random_trigger(0, 4));
    assert_ne!(backdoor::random_trigger(0, 4), backdoor::random_trigger(1, 4));
}
