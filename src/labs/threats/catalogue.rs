//! The default threat model: the ML deployment our labs are instances of. ATLAS ids and names
//! are MITRE ATLAS 5.6's (checked against `../shared/reference/atlas-5.6.json` by the tests);
//! OWASP entries are the Machine Learning Security Top 10 (2023); the text is ours.

use super::measure::Measure;
use super::{Control, Demo, Element, Flow, Model, Ref, Shape, Status, Stride, Threat, Zone};

fn r(id: &str, name: &str) -> Ref {
    Ref { id: id.into(), name: name.into() }
}

fn zone(id: &str, name: &str, trust: u8, description: &str) -> Zone {
    Zone { id: id.into(), name: name.into(), trust, description: description.into() }
}

fn element(id: &str, name: &str, shape: Shape, zone: &str, lab: Option<&str>, description: &str) -> Element {
    Element { id: id.into(), name: name.into(), shape, zone: zone.into(), description: description.into(), lab: lab.map(Into::into) }
}

fn flow(id: &str, name: &str, source: &str, destination: &str) -> Flow {
    Flow { id: id.into(), name: name.into(), source: source.into(), destination: destination.into() }
}

fn demo(lab: &str, params: &[(&str, &str)], shows: &str) -> Option<Demo> {
    Some(Demo { lab: lab.into(), params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), shows: shows.into() })
}

fn control(id: &str, name: &str, atlas: Vec<Ref>, measure: Measure, description: &str) -> Control {
    Control { id: id.into(), name: name.into(), description: description.into(), atlas, measure: Some(measure) }
}

struct T<'a> {
    id: &'a str,
    name: &'a str,
    stride: Stride,
    element: &'a str,
    goal: &'a str,
    knowledge: &'a str,
    capability: &'a str,
    atlas: Vec<Ref>,
    owasp: Vec<Ref>,
    owasp_note: &'a str,
    nist: &'a str,
    demo: Option<Demo>,
    controls: &'a [&'a str],
    residual: &'a str,
    likelihood: u8,
    impact: u8,
}

impl T<'_> {
    fn build(self) -> Threat {
        Threat {
            id: self.id.into(),
            name: self.name.into(),
            stride: self.stride,
            element: self.element.into(),
            goal: self.goal.into(),
            knowledge: self.knowledge.into(),
            capability: self.capability.into(),
            atlas: self.atlas,
            owasp: self.owasp,
            owasp_note: self.owasp_note.into(),
            nist: self.nist.into(),
            demo: self.demo,
            controls: self.controls.iter().map(|c| c.to_string()).collect(),
            residual: self.residual.into(),
            likelihood: self.likelihood,
            impact: self.impact,
            status: Status::Open,
            notes: String::new(),
        }
    }
}

/// The default model (every user starts from it; [`super::Edits`] change it).
pub fn catalogue() -> Model {
    let zones = vec![
        zone("suppliers", "Data suppliers", 20, "Partners and users who send records; their accounts are the operator's, their machines are not."),
        zone("data", "Data platform", 60, "Where records are ingested, labelled and turned into a training set."),
        zone("supply", "Build and model supply chain", 70, "Training jobs, model files, the registry they are published to, and the third-party models pulled into it."),
        zone("production", "Production", 80, "The serving API, the model behind it, and the logs that record what happened."),
        zone("public", "Clients and the public", 10, "Whoever holds an API key, and whatever acts on the answers. Nothing here is under the operator's control."),
    ];
    let elements = vec![
        element("sources", "Data sources", Shape::External, "suppliers", Some("poisoning"), "Partner feeds, user reports, honeypots, contracted labellers: each uploads records under its own accounts."),
        element("ingestion", "Ingestion and labelling", Shape::Process, "data", Some("poisoning"), "Accepts records, attaches their provenance (source, uploader, time, batch) and labels."),
        element("training", "Training pipeline", Shape::Process, "supply", Some("poisoning"), "Trains the model on the accepted records; DP-SGD, when enabled, runs here."),
        element("registry", "Model registry and packaging", Shape::Store, "supply", Some("scanner"), "Model files (pickle-based checkpoints, ONNX, safetensors, Keras), ours and third-party ones."),
        element("serving", "Serving API", Shape::Process, "production", Some("extraction"), "Authenticates keys, rate-limits them, applies the output policy and logs every call."),
        element("model", "Model (its input surface)", Shape::Process, "production", Some("evasion"), "The classifier itself: whatever input reaches it is turned into a prediction."),
        element("logs", "Audit and ingestion logs", Shape::Store, "production", Some("extraction"), "Hash-chained records of every API call and every ingested record."),
        element("clients", "Clients", Shape::External, "public", Some("extraction"), "Applications and people with an API key; one of them may be an attacker."),
        element("interpretation", "Output interpretation", Shape::Process, "public", Some("evasion"), "The downstream decision taken on an answer (block the e-mail, accept the image)."),
    ];
    let flows = vec![
        flow("f-records", "records with provenance", "sources", "ingestion"),
        flow("f-trainset", "labelled training set", "ingestion", "training"),
        flow("f-publish", "trained model file", "training", "registry"),
        flow("f-deploy", "deployed model", "registry", "serving"),
        flow("f-infer", "inputs and scores", "serving", "model"),
        flow("f-query", "queries", "clients", "serving"),
        flow("f-answer", "answers (through the output policy)", "serving", "clients"),
        flow("f-act", "predictions acted on", "clients", "interpretation"),
        flow("f-audit", "audit entries", "serving", "logs"),
        flow("f-ingestlog", "ingestion log entries", "ingestion", "logs"),
    ];
    let controls = vec![
        control("adv-training", "Adversarial training", vec![r("AML.M0003", "Model Hardening")], Measure::AdversarialTraining, "Train on PGD examples (FGSM-RS here) so the model is robust within a stated ε and norm."),
        control("input-sanitisation", "Input sanitisation (JPEG re-encoding)", vec![r("AML.M0010", "Input Restoration")], Measure::InputSanitisation, "Transform every input before the model (JPEG 75). Cheap, and breaks naive attacks; an attacker who knows it adapts (BPDA)."),
        control("confidence-threshold", "Output confidence thresholding", vec![r("AML.M0015", "Adversarial Input Detection")], Measure::ConfidenceThreshold, "Answer only when the top probability is at least τ (0.9); abstain otherwise, so low-confidence inputs are not acted on."),
        control("label-only", "Label-only answers", vec![r("AML.M0002", "Passive AI Output Obfuscation")], Measure::LabelOnly, "Return the top class, not the probability vector, so a thief cannot distil soft labels."),
        control("rate-limit", "Per-key rate limiting", vec![r("AML.M0004", "Restrict Number of AI Model Queries")], Measure::RateLimit, "A token bucket per key (50 calls/s, burst 100): a flooding key gets 429s while others are served."),
        control("prada", "PRADA query-distribution detection", vec![r("AML.M0024", "AI Telemetry Logging"), r("AML.M0019", "Control Access to AI Models and Data in Production")], Measure::Prada, "Juuti et al. 2019: flag a key whose queries' distances to its earlier queries stop looking natural (Shapiro–Wilk W below δ = 0.93, calibrated on natural clients)."),
        control("audit-log", "Hash-chained audit log", vec![r("AML.M0024", "AI Telemetry Logging")], Measure::HashChain, "Every call (key, time, input digest, status, answer) chained by SHA-256: an edited or deleted entry breaks the chain where it was changed."),
        control("provenance", "Provenance checks and forensics", vec![r("AML.M0025", "Maintain AI Dataset Provenance")], Measure::Provenance, "Each record carries source, uploader, time and batch; forensics compare recent batches with the historical baseline, slice by source and audit the provenance to flag the poison."),
        control("remediation", "Remediation: remove the flagged records and retrain", vec![r("AML.M0007", "Sanitize Training Data")], Measure::Remediation, "Drop what the forensics flagged and train again; measure the backdoor and the clean accuracy after."),
        control("dp-sgd", "DP-SGD", vec![], Measure::DpSgd, "Per-example clipping and Gaussian noise with an RDP accountant: a stated (ε, δ) bound on what any one training record can change."),
        control("scanning", "Model-file scanning", vec![r("AML.M0016", "Vulnerability Scanning"), r("AML.M0014", "Verify AI Artifacts")], Measure::Scanning, "Read pickle opcodes (without running them), zip members, ONNX external data, Keras layers and safetensors headers before anything loads a file."),
    ];
    let threats = vec![
        T {
            id: "evasion",
            name: "Adversarial examples spoof the model's input",
            stride: Stride::Spoofing,
            element: "model",
            goal: "An input a person sees as unchanged is classified as another class (any, or one the attacker picks).",
            knowledge: "White-box (weights and gradients, or a stolen copy) or black-box (answers only).",
            capability: "Changes each input within a small budget (L∞ 8/255, L2 0.5); a black-box attacker also needs queries.",
            atlas: vec![r("AML.T0015", "Evade AI Model"), r("AML.T0043", "Craft Adversarial Data")],
            owasp: vec![r("ML01", "Input Manipulation Attack")],
            owasp_note: "",
            nist: "Integrity violation: evasion (white-box gradient attacks, black-box score- and decision-based attacks).",
            demo: demo("evasion", &[("img", "0"), ("attack", "pgd"), ("eps", "8"), ("seed", "0")], "PGD at ε 8/255 on image #0: the prediction changes within the budget."),
            controls: &["adv-training", "input-sanitisation", "confidence-threshold"],
            residual: "Adversarial training holds only within its training budget and norm: a larger ε, an L2 attack or more steps still succeed, and clean accuracy drops. A transformation without training falls to an attacker who adapts to it.",
            likelihood: 4,
            impact: 4,
        }
        .build(),
        T {
            id: "poisoning",
            name: "A backdoor planted through a compromised data source",
            stride: Stride::Tampering,
            element: "ingestion",
            goal: "Spam carrying a trigger phrase passes the filter, while clean accuracy stays where it was so nobody notices.",
            knowledge: "Which sources feed the pipeline; not the model's weights.",
            capability: "Uploads a few percent of the training records through one source's account.",
            atlas: vec![r("AML.T0020", "Poison Training Data"), r("AML.T0043.004", "Insert Backdoor Trigger")],
            owasp: vec![r("ML02", "Data Poisoning Attack")],
            owasp_note: "",
            nist: "Integrity violation: backdoor poisoning (training-time data poisoning).",
            demo: demo("poisoning", &[("filter", "lr"), ("source", "partner-feed"), ("seed", "0")], "Run the attack: the trigger's attack success rate next to an unchanged clean accuracy; then investigate."),
            controls: &["provenance", "remediation", "dp-sgd"],
            residual: "Forensics find poison that leaves traces (an unregistered uploader, odd hours, drift in one source). A poisoner with a legitimate account, normal hours and a natural-looking trigger leaves fewer; clean-label poisons need other tests.",
            likelihood: 3,
            impact: 4,
        }
        .build(),
        T {
            id: "log-forgery",
            name: "Edited or missing logs let an attacker deny what they did",
            stride: Stride::Repudiation,
            element: "logs",
            goal: "Remove or alter the record of a theft's queries or a poisoner's uploads, so the incident cannot be reconstructed or attributed.",
            knowledge: "Where the logs are kept and their format.",
            capability: "Write access to the log store (an insider, or a compromised host).",
            atlas: vec![r("AML.T0024.002", "Extract AI Model"), r("AML.T0020", "Poison Training Data")],
            owasp: vec![],
            owasp_note: "The ML Top 10 has no logging entry: the log is the evidence for ML05 (theft) and ML02 (poisoning).",
            nist: "Outside the taxonomy: an operational (audit) control, not an attack on learning.",
            demo: demo("extraction", &[("strategy", "natural"), ("budget", "400"), ("seed", "0")], "Steal, then tamper with a log entry and verify: the chain breaks at the entry that was changed."),
            controls: &["audit-log", "provenance"],
            residual: "A hash chain shows that an entry changed, not who changed it, and an attacker who rewrites the whole chain is caught only if its head hash is kept elsewhere (a write-once store, a signed checkpoint).",
            likelihood: 2,
            impact: 3,
        }
        .build(),
        T {
            id: "membership",
            name: "Membership inference and model inversion through the answers",
            stride: Stride::InformationDisclosure,
            element: "serving",
            goal: "Learn whether a given record was in the training set, or reconstruct what training records look like.",
            knowledge: "Black-box answers (scores or labels); often data from the same distribution.",
            capability: "Queries, and shadow models trained on similar data.",
            atlas: vec![r("AML.T0024.000", "Infer Training Data Membership"), r("AML.T0024.001", "Invert AI Model")],
            owasp: vec![r("ML04", "Membership Inference Attack"), r("ML03", "Model Inversion Attack")],
            owasp_note: "",
            nist: "Privacy compromise: membership inference and data reconstruction.",
            demo: demo("privacy", &[("members", "300"), ("seed", "0")], "LiRA against a spam filter trained on 300 e-mails: its true-positive rate at 1% FPR is far above chance; tick DP-SGD and the leak closes, under the accountant's ε."),
            controls: &["dp-sgd", "label-only"],
            residual: "ε bounds one record's influence on the run it covers, at a cost in accuracy; label-only attacks still work on overfit models. The privacy lab measures membership on the spam filter only (not on the image models yet); its model inversion (MIFace) makes the committed image models sure of class prototypes — recognisable ones from the robust model — which at CIFAR-10's classes reveal no one training image.",
            likelihood: 3,
            impact: 4,
        }
        .build(),
        T {
            id: "flooding",
            name: "Query flooding exhausts the API",
            stride: Stride::DenialOfService,
            element: "serving",
            goal: "Deny service to other clients, or run up the operator's cost.",
            knowledge: "The endpoint and a key.",
            capability: "Many calls a second from one key (or from many).",
            atlas: vec![r("AML.T0029", "Denial of AI Service"), r("AML.T0034", "Cost Harvesting")],
            owasp: vec![],
            owasp_note: "The ML Top 10 has no availability entry (the LLM Top 10's LLM10, Unbounded Consumption, is its counterpart).",
            nist: "Availability violation.",
            demo: demo("extraction", &[("rate", "5"), ("burst", "10"), ("budget", "400"), ("seed", "0")], "At 5 calls/s the same steal is rate-limited: watch the 429 count and the simulated time."),
            controls: &["rate-limit"],
            residual: "A per-key limit does not stop many keys: pair it with quotas, account verification and cost alerts.",
            likelihood: 3,
            impact: 3,
        }
        .build(),
        T {
            id: "extraction",
            name: "Model extraction: a working copy through the answers",
            stride: Stride::ElevationOfPrivilege,
            element: "serving",
            goal: "A model that agrees with the victim: free use of it, and white-box attacks (evasion, inversion) against the copy that transfer to the original.",
            knowledge: "Black-box: the task and the input domain.",
            capability: "A query budget, public images of the same kind, training compute.",
            atlas: vec![r("AML.T0024.002", "Extract AI Model"), r("AML.T0005.001", "Train Proxy via Replication")],
            owasp: vec![r("ML05", "Model Theft")],
            owasp_note: "",
            nist: "Privacy compromise: model extraction.",
            demo: demo("extraction", &[("strategy", "natural"), ("budget", "2000"), ("policy", "probs"), ("prada", "alert"), ("seed", "0")], "A 2,000-query steal with full probabilities: fidelity climbs while PRADA sees natural-looking queries."),
            controls: &["label-only", "prada", "rate-limit"],
            residual: "Natural queries look like normal traffic (PRADA does not flag them); label-only answers cost a thief little against a confident victim (compare the two fidelities measured here); the copy transfers adversarial examples to the original.",
            likelihood: 3,
            impact: 4,
        }
        .build(),
        T {
            id: "malicious-file",
            name: "A model file that runs code when it is loaded",
            stride: Stride::Tampering,
            element: "registry",
            goal: "Code execution on every host that loads the model (training, evaluation, serving).",
            knowledge: "The loader: pickle-based formats run what the file says.",
            capability: "Publish a model on a hub, or replace one in a registry or a pull request.",
            atlas: vec![r("AML.T0010.003", "Model"), r("AML.T0011", "User Execution"), r("AML.T0058", "Publish Poisoned Models")],
            owasp: vec![r("ML06", "AI Supply Chain Attacks")],
            owasp_note: "",
            nist: "Supply-chain compromise (model): integrity and availability of every host that loads it.",
            demo: demo("scanner", &[("sample", "malicious/os_system_p0.pkl")], "A protocol-0 pickle that calls os.system: the opcodes that would run it are highlighted."),
            controls: &["scanning"],
            residual: "A scanner knows the constructs it knows: a new gadget, a format it cannot parse, or weights that are themselves poisoned pass. Prefer formats without code (safetensors, ONNX) and pin digests or signatures.",
            likelihood: 3,
            impact: 5,
        }
        .build(),
        T {
            id: "output-integrity",
            name: "Answers acted on without a check",
            stride: Stride::Tampering,
            element: "interpretation",
            goal: "A downstream system acts on a wrong answer: an adversarial input's, or one altered between the API and the client.",
            knowledge: "The downstream decision rule.",
            capability: "Crafts inputs, or sits on the path between the API and its client.",
            atlas: vec![r("AML.T0031", "Erode AI Model Integrity"), r("AML.T0048", "External Harms")],
            owasp: vec![r("ML09", "Output Integrity Attack")],
            owasp_note: "",
            nist: "Integrity violation (of the system's output, downstream of the model).",
            demo: demo("evasion", &[("img", "0"), ("attack", "square"), ("policy", "abstain:0.9"), ("seed", "0")], "Square against an API that abstains below 90% confidence: the attack must reach a confident wrong answer."),
            controls: &["confidence-threshold", "audit-log"],
            residual: "A confident adversarial example passes any threshold, and a threshold trades coverage for safety; transport integrity (TLS, signed answers) is outside what these labs show.",
            likelihood: 3,
            impact: 3,
        }
        .build(),
    ];
    Model {
        name: "ML deployment: a classifier behind a public API".into(),
        description: "A model trained on records from several sources, published through a registry, and served behind a prediction API to clients who act on its answers. Each lab of MLSec Playground is one element of it.".into(),
        zones,
        elements,
        flows,
        threats,
        controls,
    }
}
