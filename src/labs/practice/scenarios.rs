//! The scenarios: the five of the role's skill guide and five more a hiring panel for an ML
//! security or secure-deployment role asks. Each rubric point lists the concepts a strong answer
//! names, with the synonyms and spellings the matcher accepts.

use super::{Point, Scenario, Task};

fn pt(id: &str, text: &str, need: usize, concepts: &[&[&str]], link: Option<&str>) -> Point {
    Point {
        id: id.into(),
        text: text.into(),
        concepts: concepts.iter().map(|c| c.iter().map(|s| s.to_string()).collect()).collect(),
        need,
        link: link.map(Into::into),
    }
}

fn sc(id: &str, title: &str, minutes: u32, prompt: &str, points: Vec<Point>, outline: &[&str], task: Option<Task>) -> Scenario {
    Scenario { id: id.into(), title: title.into(), prompt: prompt.into(), minutes, points, outline: outline.iter().map(|s| s.to_string()).collect(), task }
}

// Concepts shared by several rubrics.
const RATE_LIMIT: &[&str] = &["rate limit", "rate limiting", "rate-limit", "throttle", "throttling", "token bucket", "leaky bucket", "quota"];
const LOGS: &[&str] = &["audit log", "access log", "logs", "logging", "log", "audit trail"];
const PROVENANCE: &[&str] = &["provenance", "lineage", "data origin", "where the data came from", "source of the data", "uploader"];

pub fn scenarios() -> Vec<Scenario> {
    vec![
        sc(
            "evasion",
            "Attack and defend a CIFAR-10 classifier",
            15,
            "You own an image classifier (a ResNet-9 on CIFAR-10) that partners will query with their own images. How would you find out how robust it is, and what would you deploy to defend it? Say how you would measure both.",
            vec![
                pt("threat-model", "States the threat model first: white-box or black-box access, and the perturbation budget and its norm.", 2, &[&["white-box", "white box", "black-box", "black box", "threat model", "gradient access", "attacker knowledge"], &["epsilon", "ε", "budget", "norm", "l-infinity", "linf", "l∞", "l2", "perturbation size"]], None),
                pt("strong-attack", "Evaluates with a strong iterative attack (PGD, APGD/AutoAttack, C&W), not FGSM alone.", 1, &[&["pgd", "projected gradient", "apgd", "auto-pgd", "autoattack", "carlini", "c&w", "iterative attack"]], Some("#lab=evasion&attack=pgd&eps=8")),
                pt("adaptive", "Attacks every defence adaptively (BPDA through transformations, EOT over randomness) and watches for gradient masking.", 1, &[&["adaptive attack", "adaptive", "bpda", "eot", "expectation over transformation", "gradient masking", "obfuscated gradient"]], Some("#lab=evasion&attack=pgd&eps=8&defense=jpeg%3A75&adaptive=1")),
                pt("adv-training", "Deploys adversarial training as the main defence and states its cost in clean accuracy.", 2, &[&["adversarial training", "adversarially trained", "adversarially train", "train on adversarial", "madry", "trades"], &["clean accuracy", "accuracy drop", "trade-off", "tradeoff", "trade off", "cost"]], Some("#lab=evasion&model=robust&attack=pgd&eps=8")),
                pt("measure", "Reports robust accuracy against ε (a curve) or certified radii, on enough images.", 1, &[&["robust accuracy", "robustness curve", "accuracy under attack", "certified", "randomized smoothing", "randomised smoothing", "certificate"]], Some("#lab=evasion")),
                pt("black-box", "Covers query-based black-box attacks and transfer from a surrogate, since partners only see answers.", 1, &[&["square attack", "hopskipjump", "hsja", "simba", "query-based", "query based", "transfer attack", "transferability", "surrogate", "black-box attack", "black box attack"]], Some("#lab=evasion&attack=square")),
            ],
            &[
                "Threat model: who queries, with what access (white-/black-box), what budget (L∞ 8/255 is the CIFAR convention).",
                "Attack: PGD/APGD with random restarts, then black-box (Square, HSJA) and transfer from a surrogate; report robust accuracy vs ε.",
                "Defend: adversarial training (PGD or FGSM-RS), at a cost in clean accuracy; input transformations only with adaptive evaluation (BPDA/EOT).",
                "Measure: robust accuracy curve, certified radii (randomized smoothing), and re-run the evaluation on every model release.",
            ],
            Some(Task::Evasion),
        ),
        sc(
            "extraction",
            "An attacker is stealing a proprietary model through its public API",
            15,
            "Your company serves a proprietary classifier through a public prediction API. You suspect a competitor is stealing it through queries. How do you confirm it, limit it, and what would you change in the API?",
            vec![
                pt("detect", "Detects it from per-key telemetry: query volumes and the distribution of queries (PRADA-style tests).", 2, &[&["prada", "query distribution", "distribution of queries", "telemetry", "monitoring", "monitor", "anomaly detection", "anomal*", "detect"], &["per key", "per-key", "api key", "each key", "per account", "per client", "queries", "query"]], Some("#lab=extraction&strategy=jacobian&prada=alert")),
                pt("limit", "Limits the query rate and total volume per key.", 1, &[RATE_LIMIT], Some("#lab=extraction&rate=5&burst=10")),
                pt("outputs", "Reduces what each answer reveals: top-1 labels, rounded or no probabilities.", 1, &[&["label only", "label-only", "labels only", "only the label", "top-1", "top 1", "top-k", "round", "rounding", "truncate", "no probabilities", "confidence scores", "logits"]], Some("#lab=extraction&policy=label")),
                pt("evidence", "Keeps evidence to prove theft: tamper-evident logs, watermarks or fingerprints.", 1, &[&["watermark", "watermarking", "fingerprint", "fingerprinting", "canary", "hash chain", "hash-chained", "tamper-evident", "evidence", "audit log"]], None),
                pt("access", "Tightens access: authentication, account verification, blocking or revoking keys, terms of use.", 1, &[&["authentication", "authenticate", "account verification", "verify accounts", "block", "blocking", "revoke", "revoking", "access control", "terms of service", "terms of use"]], Some("#lab=extraction&prada=block")),
                pt("fidelity", "Quantifies the theft: the fidelity (agreement) of a surrogate against the number of queries.", 1, &[&["fidelity", "agreement", "surrogate", "replica", "stolen copy", "clone"]], Some("#lab=extraction&budget=2000")),
            ],
            &[
                "Confirm: per-key telemetry (volume, timing, query distribution), PRADA-style distance tests; synthetic queries stand out, natural ones do not.",
                "Limit: rate limits and quotas per key and per account; verification to slow Sybil keys.",
                "Reduce the signal: top-1 labels or rounded scores (soft labels make distillation cheap).",
                "Prove it: hash-chained audit logs, watermarks/fingerprints; quantify with a surrogate's fidelity vs queries.",
            ],
            Some(Task::Extraction),
        ),
        sc(
            "backdoor",
            "A backdoored spam-filter pipeline",
            15,
            "Spam that contains one particular phrase is getting through your company's spam filter, yet the filter's accuracy on your test set has not changed. What do you think happened, and what do you do about it?",
            vec![
                pt("diagnose", "Names it: a backdoor (trigger) planted by poisoning the training data.", 1, &[&["backdoor", "trigger", "poisoning", "poisoned", "data poisoning"]], Some("#lab=poisoning")),
                pt("trace", "Traces the training data: provenance of recent records, their sources and uploaders.", 1, &[PROVENANCE], Some("#lab=poisoning")),
                pt("find", "Finds the poison: drift against the baseline, outliers, spectral signatures or activation clustering.", 1, &[&["drift", "baseline", "outlier", "outliers", "spectral signature", "activation clustering", "clustering", "anomal*", "distribution shift"]], Some("#lab=poisoning")),
                pt("remediate", "Removes the flagged records, retrains, and verifies that the attack success rate fell.", 2, &[&["remove", "removing", "retrain", "re-train", "roll back", "rollback", "purge", "drop the"], &["attack success", "asr", "verify", "re-test", "retest", "measure", "check that"]], Some("#lab=poisoning")),
                pt("prevent", "Prevents a repeat: access control on sources, validation of uploads, DP-SGD or robust training, monitoring.", 1, &[&["dp-sgd", "differential privacy", "access control", "least privilege", "validate", "validation", "sanitise", "sanitize", "sanitisation", "sanitization", "robust training", "monitoring"]], Some("#lab=poisoning")),
            ],
            &[
                "Hypothesis: a backdoor — a few poisoned training records teach the filter that the phrase means ham; clean accuracy hides it.",
                "Trace: which batches, sources and uploaders contributed recent data (provenance log).",
                "Find: per-source drift tests against the historical baseline, performance slices, detectors on the model's features.",
                "Fix and verify: remove flagged records, retrain, measure the trigger's success rate and clean accuracy; then lock down the source.",
            ],
            Some(Task::Poisoning),
        ),
        sc(
            "stride",
            "Structure a threat model of an ML system with STRIDE",
            20,
            "Walk me through a threat model of an ML system — data ingestion, training, a model registry and a public prediction API — using STRIDE. For each category give a concrete threat and a control.",
            vec![
                pt("dfd", "Starts from a data-flow diagram with trust boundaries.", 2, &[&["data flow", "data-flow", "dfd", "diagram", "architecture"], &["trust boundary", "trust boundaries", "boundary", "boundaries", "trust zone"]], Some("#lab=threats")),
                pt("spoofing", "Spoofing: adversarial inputs (evasion), with adversarial training or input validation.", 2, &[&["spoofing", "spoof", "evasion", "adversarial example", "adversarial input", "input manipulation"], &["adversarial training", "input validation", "sanitisation", "sanitization", "detection", "authentication"]], Some("#lab=threats&element=model")),
                pt("tampering", "Tampering: poisoned data or model files, with provenance, signing and scanning.", 2, &[&["tampering", "tamper", "poisoning", "poison", "backdoor"], &["provenance", "signing", "signature", "hash", "integrity check", "scan", "scanning", "access control"]], Some("#lab=threats&element=ingestion")),
                pt("repudiation", "Repudiation: missing or forgeable logs, with tamper-evident (hash-chained) audit logs.", 2, &[&["repudiation", "repudiate", "deny", "deniability"], &["audit log", "logs", "logging", "hash chain", "hash-chained", "tamper-evident", "signed log"]], Some("#lab=threats&element=logs")),
                pt("disclosure", "Information disclosure: membership inference or inversion, with DP or restricted outputs.", 2, &[&["information disclosure", "membership inference", "model inversion", "privacy", "leak", "leakage"], &["differential privacy", "dp-sgd", "label only", "label-only", "rounding", "round", "output"]], Some("#lab=threats&element=serving")),
                pt("dos", "Denial of service: query flooding, with rate limits and quotas.", 2, &[&["denial of service", "dos", "flood", "flooding", "exhaust", "availability"], RATE_LIMIT], Some("#lab=threats&element=serving")),
                pt("eop", "Elevation of privilege: model extraction or over-privileged components, with access control and detection.", 2, &[&["elevation of privilege", "privilege escalation", "extraction", "steal", "stealing", "theft"], &["least privilege", "access control", "prada", "authorization", "authorisation", "rate limit", "detection"]], Some("#lab=threats&element=serving")),
            ],
            &[
                "Diagram: sources → ingestion → training → registry → serving → clients, with trust boundaries between each owner.",
                "S: adversarial inputs → adversarial training, input checks. T: poisoned data / model files → provenance, scanning, signing.",
                "R: forged logs → hash-chained audit logs. I: membership inference → DP-SGD, label-only outputs.",
                "D: query floods → rate limits, quotas. E: extraction / over-privileged services → access control, PRADA, least privilege.",
                "For each: the measured effect of the control and the residual risk.",
            ],
            None,
        ),
        sc(
            "investigate",
            "Investigate a suspected poisoning: what do you do first?",
            10,
            "A model retrained last week is behaving oddly on some inputs and someone suspects data poisoning. What do you do first, and then?",
            vec![
                pt("baseline", "Compares recent data with historical baselines using statistical tests.", 2, &[&["baseline", "historical", "previous data", "reference data", "earlier data", "last known good"], &["statistical test", "hypothesis test", "drift", "distribution shift", "ks test", "kolmogorov", "chi-square", "chi square", "g-test", "psi", "population stability"]], Some("#lab=poisoning")),
                pt("slices", "Inspects performance slices for anomalous degradation on subgroups.", 2, &[&["slice", "slices", "subgroup", "subgroups", "segment", "per-class", "per class", "cohort", "subpopulation"], &["performance", "accuracy", "degradation", "degrade", "error rate", "false negative", "false positive", "recall"]], Some("#lab=poisoning")),
                pt("logs", "Checks provenance and access logs.", 1, &[&["provenance", "access log", "audit log", "logs", "lineage", "who uploaded", "uploader"]], Some("#lab=poisoning")),
                pt("collaborate", "Works with data engineering and security (incident response), not alone.", 1, &[&["data engineering", "data engineers", "security team", "incident response", "collaborate", "escalate", "stakeholders", "soc"]], None),
                pt("preserve", "Preserves evidence and freezes the pipeline before changing anything.", 1, &[&["preserve", "snapshot", "freeze", "pause", "quarantine", "evidence", "stop ingestion", "roll back", "rollback"]], None),
            ],
            &[
                "First: freeze retraining and snapshot the data, model and logs (evidence); roll back to the last good model if users are at risk.",
                "Compare recent batches with the historical baseline: per-source, per-label distribution tests (G-test, KS, PSI) with multiple-testing control.",
                "Inspect performance slices: which subgroups degraded against the previous model.",
                "Check provenance and access logs: uploaders, times, accounts; verify the log's integrity.",
                "Collaborate with data engineering and security; remediate and verify.",
            ],
            None,
        ),
        sc(
            "supply-chain",
            "Model-file supply chain and unsafe deserialization",
            10,
            "Your team downloads pretrained checkpoints (.pt, .pkl, .h5) from a public model hub. What can go wrong, and what gate would you put in CI?",
            vec![
                pt("exec", "Loading a pickle-based file runs code: __reduce__/GLOBAL in torch.load or pickle.load can execute anything.", 2, &[&["pickle", "__reduce__", "reduce", "deserialization", "deserialisation", "deserialize", "torch.load", "unpickle", "unpickling"], &["code execution", "arbitrary code", "runs code", "run code", "execute", "rce", "os.system", "remote code"]], Some("#lab=scanner&sample=malicious%2Fos_system_p0.pkl")),
                pt("formats", "Prefers formats without code: safetensors, ONNX, or weights_only loading.", 1, &[&["safetensors", "onnx", "weights_only", "weights only", "safe format", "gguf"]], Some("#lab=scanner")),
                pt("scan", "Scans files before loading (opcodes, archive members, Keras layers) as a CI gate.", 2, &[&["scan", "scanner", "scanning", "modelscan", "picklescan", "static analysis", "opcodes"], &["ci", "pipeline", "gate", "pull request", "fail the build", "block the merge", "before loading"]], Some("#lab=scanner")),
                pt("integrity", "Pins what is loaded: digests, signatures, provenance of the model.", 1, &[&["signature", "signing", "signed", "hash", "digest", "checksum", "sha256", "sha-256", "pin", "provenance"]], None),
                pt("isolate", "Loads untrusted files in isolation with least privilege.", 1, &[&["sandbox", "isolation", "isolated", "container", "least privilege", "separate environment", "no network"]], None),
            ],
            &[
                "Risk: pickle-based checkpoints (.pt, .pkl, joblib) execute code on load; Keras Lambda layers and ONNX external data reach outside the file.",
                "Gate: scan every model file in CI (pickle opcodes, zip members, layer configs) and fail on findings; record the digest.",
                "Prefer code-free formats (safetensors, ONNX) and torch.load(weights_only=True).",
                "Pin digests/signatures of approved models; load anything new in a sandbox without secrets or network.",
            ],
            None,
        ),
        sc(
            "membership",
            "Membership inference and differential privacy",
            15,
            "A hospital asks whether its diagnosis model leaks which patients were in its training set. How would you measure that, and what would you do about it?",
            vec![
                pt("attack", "Measures it with a membership-inference attack: loss or confidence thresholds, shadow models, LiRA.", 1, &[&["membership inference", "membership attack", "shadow model", "shadow models", "lira", "likelihood ratio", "loss threshold", "confidence threshold"]], None),
                pt("metric", "Reports the true-positive rate at a low false-positive rate, not only AUC.", 1, &[&["true positive rate", "tpr", "low false positive", "false positive rate", "fpr", "auc", "roc"]], None),
                pt("overfit", "Links the leak to overfitting (the train–test gap) and memorisation.", 1, &[&["overfitting", "overfit", "generalization gap", "generalisation gap", "train-test gap", "memorization", "memorisation", "memorize", "memorise"]], None),
                pt("dp", "Trains with DP-SGD: per-example clipping and noise, ε from an accountant.", 2, &[&["differential privacy", "differentially private", "dp-sgd", "dp sgd"], &["noise", "clipping", "clip", "accountant", "epsilon", "ε", "privacy budget"]], Some("#lab=poisoning&q=0.02&sigma=1&epochs=15")),
                pt("utility", "States the utility cost of privacy.", 1, &[&["accuracy cost", "utility", "trade-off", "tradeoff", "trade off", "accuracy drop", "cost in accuracy", "loses accuracy"]], Some("#lab=poisoning")),
                pt("outputs", "Restricts outputs (labels only, rounding) and notes label-only attacks still work.", 1, &[&["label only", "label-only", "labels only", "top-1", "rounding", "round", "fewer outputs"]], None),
            ],
            &[
                "Measure: a membership-inference attack (loss threshold, shadow models, LiRA) on known members and non-members; report TPR at 0.1% / 1% FPR.",
                "Cause: overfitting and memorisation of rare records.",
                "Fix: DP-SGD (per-example clipping + Gaussian noise, ε from the RDP accountant), regularisation, fewer outputs.",
                "Trade-off: accuracy falls as ε falls; audit the ε empirically.",
            ],
            None,
        ),
        sc(
            "rate-limiting",
            "Rate limiting and abuse detection on an inference API",
            10,
            "Design the rate limiting and abuse detection for a public inference API that charges per call. What do you limit, how, and what do you watch for?",
            vec![
                pt("algorithm", "Uses a concrete algorithm: token or leaky bucket, sliding window.", 1, &[&["token bucket", "leaky bucket", "sliding window", "fixed window", "gcra"]], Some("#lab=threats&element=serving")),
                pt("keys", "Limits per key, per account and per IP, not only globally.", 1, &[&["per key", "per-key", "per account", "per-account", "per ip", "per user", "per-user", "per client", "api key"]], None),
                pt("quotas", "Adds quotas and cost controls (spend alerts, budgets).", 1, &[&["quota", "quotas", "spend", "billing", "cost alert", "budget"]], None),
                pt("abuse", "Detects abuse patterns beyond volume: query distributions (PRADA), anomalies.", 1, &[&["prada", "anomal*", "abuse detection", "query distribution", "pattern", "patterns", "behaviour", "behavior"]], Some("#lab=extraction&strategy=jacobian&prada=alert")),
                pt("sybil", "Handles many keys (Sybils): account verification, reputation.", 1, &[&["sybil", "many accounts", "many keys", "multiple keys", "multiple accounts", "botnet", "account verification", "kyc", "reputation"]], None),
                pt("response", "Answers over-limit calls with 429 and Retry-After, and logs them.", 1, &[&["429", "retry-after", "retry after", "backoff", "back off", "too many requests"]], None),
            ],
            &[
                "Token bucket per key and per account (rate + burst), a daily quota, and a global limit to protect capacity.",
                "429 with Retry-After; every call logged (key, time, input digest, outcome).",
                "Detection beyond volume: query-distribution tests (PRADA), unusual timing, class coverage.",
                "Sybils: verification, reputation, cost alerts per account.",
            ],
            None,
        ),
        sc(
            "serving",
            "Securing a model-serving deployment",
            15,
            "You are deploying a model behind an HTTP inference service in Kubernetes. What do you put in place to secure it end to end?",
            vec![
                pt("authn", "Authenticates and authorises every caller (API keys, OAuth, mTLS).", 1, &[&["authentication", "authenticate", "authorization", "authorisation", "mtls", "oauth", "api key", "iam"]], None),
                pt("input", "Validates inputs: size, type, schema; rejects malformed requests.", 1, &[&["input validation", "validate input", "validate inputs", "size limit", "schema", "malformed", "sanitise", "sanitize"]], None),
                pt("integrity", "Verifies the model artifact: registry, digest or signature, scan before deploy.", 1, &[&["signature", "signed", "hash", "digest", "checksum", "model registry", "integrity", "scan"]], Some("#lab=scanner")),
                pt("isolation", "Isolates the service: containers, least privilege, network policies, no secrets in the image.", 1, &[&["sandbox", "container", "isolation", "least privilege", "network policy", "network policies", "seccomp", "non-root"]], None),
                pt("monitoring", "Monitors and logs: audit logs, drift and abuse alerts.", 1, &[&["monitoring", "monitor", "audit log", "logging", "telemetry", "alerting", "alerts", "drift"]], None),
                pt("outputs", "Controls outputs and volume: output policy, confidence thresholds, rate limits.", 1, &[&["output policy", "label only", "label-only", "rate limit", "rate limiting", "confidence threshold", "abstain", "rounding"]], Some("#lab=threats&element=serving")),
            ],
            &[
                "Identity: authenticated callers (mTLS inside, keys/OAuth outside), authorisation per endpoint.",
                "Inputs: strict size and schema limits; decode untrusted images safely.",
                "Artifact: deploy only scanned, digest-pinned models from the registry.",
                "Runtime: non-root containers, network policies, least privilege, no secrets in images.",
                "Operations: rate limits, output policy, audit logs, drift and abuse alerts.",
            ],
            None,
        ),
        sc(
            "model-leak",
            "Incident response after a model leak",
            15,
            "Your proprietary model's weights have appeared on a public forum. Walk me through your response.",
            vec![
                pt("contain", "Contains it: revokes and rotates the credentials and access paths involved.", 1, &[&["contain", "containment", "revoke", "rotate", "credentials", "access keys", "disable access"]], None),
                pt("scope", "Scopes it from logs: what leaked, when, through whom (timeline, root cause).", 2, &[&["scope", "forensics", "forensic", "timeline", "root cause", "how it leaked"], LOGS], None),
                pt("evidence", "Preserves evidence and confirms it is theirs (watermark, fingerprint, hashes).", 1, &[&["watermark", "fingerprint", "preserve evidence", "evidence", "hash of the weights", "attribution"]], None),
                pt("impact", "Assesses the impact: white-box attacks on the live model, exposure of training data.", 1, &[&["white-box", "white box", "adversarial examples", "evasion", "transfer", "membership inference", "training data", "model inversion"]], Some("#lab=evasion&attack=pgd")),
                pt("harden", "Reduces the damage: retrain or harden the live model, change what the API reveals.", 1, &[&["retrain", "new model", "replace the model", "fine-tune", "adversarial training", "harden", "rotate the model"]], None),
                pt("communicate", "Communicates: legal, customers, regulators as required.", 1, &[&["notify", "notification", "disclose", "disclosure", "communicate", "stakeholders", "customers", "regulator", "legal"]], None),
            ],
            &[
                "Contain: revoke the credentials and paths that could have leaked it; take the copy down where possible.",
                "Scope: audit logs and the registry's access history — what, when, who; preserve evidence.",
                "Impact: an attacker with weights has white-box attacks against the live model and may probe training data.",
                "Recover: harden or replace the live model (adversarial training, new weights), restrict outputs; notify legal, customers and regulators as needed.",
            ],
            None,
        ),
    ]
}
