//! The threat model: an ML deployment as a data-flow diagram (zones, elements, flows), STRIDE
//! for ML per element, each threat with its MITRE ATLAS techniques, OWASP ML Top 10 entry and
//! NIST AI 100-2 class, a demo link into the lab that shows it, and the controls that answer it,
//! each with a measurement the core runs on demand ([`measure`]). The default model is
//! [`catalogue`]; a user's changes are [`Edits`] laid over it ([`Model::with`]); [`report`]
//! writes Markdown and Open Threat Model (OTM 0.2.0) JSON.

mod catalogue;
pub mod measure;
pub mod params;
pub mod report;

pub use catalogue::catalogue;
pub use params::{Params, ValidParams};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A trust zone of the diagram. `trust`: 0 (hostile) – 100 (fully trusted), OTM's trustRating.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub trust: u8,
    pub description: String,
}

/// What a diagram element is (the data-flow diagram's three shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Outside the system: a person or another system.
    External,
    /// Code that transforms data.
    Process,
    /// Data at rest.
    Store,
}

/// One element of the system, inside one zone; `lab`: the lab that is an instance of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Element {
    pub id: String,
    pub name: String,
    pub shape: Shape,
    pub zone: String,
    pub description: String,
    #[serde(default)]
    pub lab: Option<String>,
}

/// Data moving from one element to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub id: String,
    pub name: String,
    pub source: String,
    pub destination: String,
}

/// STRIDE, read for ML systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stride {
    Spoofing,
    Tampering,
    Repudiation,
    InformationDisclosure,
    DenialOfService,
    ElevationOfPrivilege,
}

impl Stride {
    pub const ALL: [Stride; 6] = [Stride::Spoofing, Stride::Tampering, Stride::Repudiation, Stride::InformationDisclosure, Stride::DenialOfService, Stride::ElevationOfPrivilege];

    pub fn name(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information disclosure",
            Stride::DenialOfService => "Denial of service",
            Stride::ElevationOfPrivilege => "Elevation of privilege",
        }
    }
}

/// Where a threat stands for the team that owns the system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Open,
    Mitigated,
    Accepted,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Mitigated => "mitigated",
            Status::Accepted => "accepted",
        }
    }
}

/// An entry of a public catalogue: an ATLAS technique or mitigation, an OWASP ML Top 10 entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    pub id: String,
    pub name: String,
}

/// A link into a lab with the settings that show a threat: `#lab=<lab>&k=v…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demo {
    pub lab: String,
    /// URL keys and values, as the lab's page reads them (the CLI's spelling of each value).
    pub params: BTreeMap<String, String>,
    /// What to look at once it opens.
    pub shows: String,
}

impl Demo {
    /// The page's hash: `#lab=…&key=value…` (keys in order, values URL-encoded).
    pub fn hash(&self) -> String {
        let mut s = format!("#lab={}", encode(&self.lab));
        for (k, v) in &self.params {
            s.push('&');
            s.push_str(&encode(k));
            s.push('=');
            s.push_str(&encode(v));
        }
        s
    }
}

/// `application/x-www-form-urlencoded` as `URLSearchParams` writes it.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A threat to one element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub id: String,
    pub name: String,
    pub stride: Stride,
    pub element: String,
    /// What the attacker wants.
    pub goal: String,
    /// What the attacker knows (white-box, black-box, …).
    pub knowledge: String,
    /// What the attacker can do.
    pub capability: String,
    #[serde(default)]
    pub atlas: Vec<Ref>,
    /// OWASP Machine Learning Security Top 10 (2023) entries; empty where none fits (`owasp_note` says why).
    #[serde(default)]
    pub owasp: Vec<Ref>,
    #[serde(default)]
    pub owasp_note: String,
    /// NIST AI 100-2 E2025 (adversarial ML taxonomy): the attacker's objective and the attack class.
    #[serde(default)]
    pub nist: String,
    #[serde(default)]
    pub demo: Option<Demo>,
    /// Ids of the controls that answer it.
    #[serde(default)]
    pub controls: Vec<String>,
    /// What is left once the controls are in place.
    #[serde(default)]
    pub residual: String,
    /// 1 (rare) – 5 (expected); 1 (minor) – 5 (severe).
    pub likelihood: u8,
    pub impact: u8,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub notes: String,
}

/// A control, and what it measurably buys ([`measure::run`] of its `measure`, if any).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub name: String,
    pub description: String,
    /// ATLAS mitigations it implements.
    #[serde(default)]
    pub atlas: Vec<Ref>,
    /// The measurement the core runs for it ([`measure::Measure`]'s name).
    #[serde(default)]
    pub measure: Option<measure::Measure>,
}

/// A whole threat model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub zones: Vec<Zone>,
    pub elements: Vec<Element>,
    pub flows: Vec<Flow>,
    pub threats: Vec<Threat>,
    pub controls: Vec<Control>,
}

/// A user's changes to the default model: the page keeps these (localStorage), the CLI reads
/// them from a file (`--edits`). Unknown threat ids in `status`/`notes` are refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Edits {
    pub status: BTreeMap<String, Status>,
    pub notes: BTreeMap<String, String>,
    pub elements: Vec<Element>,
    pub flows: Vec<Flow>,
    pub threats: Vec<Threat>,
}

/// Bounds on what a user may add: the model stays small enough to render and store.
pub const MAX_ADDED: usize = 200;
/// Longest text field, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest id or name, in characters.
pub const MAX_NAME: usize = 120;

fn check_id(what: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.chars().count() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::InvalidArgument(format!("{what} id {id:?} must be 1–64 letters, digits, '-' or '_'")));
    }
    Ok(())
}

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(Error::InvalidArgument(format!("{what} is longer than {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::InvalidArgument(format!("{what} holds a control character")));
    }
    Ok(())
}

impl Model {
    /// The default model with `edits` laid over it, checked.
    pub fn with(mut self, edits: &Edits) -> Result<Model> {
        if edits.elements.len() + edits.flows.len() + edits.threats.len() > MAX_ADDED {
            return Err(Error::InvalidArgument(format!("at most {MAX_ADDED} added elements, flows and threats")));
        }
        self.elements.extend(edits.elements.iter().cloned());
        self.flows.extend(edits.flows.iter().cloned());
        self.threats.extend(edits.threats.iter().cloned());
        for (id, s) in &edits.status {
            let t = self.threats.iter_mut().find(|t| &t.id == id).ok_or_else(|| Error::InvalidArgument(format!("no threat {id:?} to set the status of")))?;
            t.status = *s;
        }
        for (id, n) in &edits.notes {
            let t = self.threats.iter_mut().find(|t| &t.id == id).ok_or_else(|| Error::InvalidArgument(format!("no threat {id:?} to note")))?;
            t.notes = n.clone();
        }
        self.check()?;
        Ok(self)
    }

    /// Ids unique and well formed, every reference resolves, texts bounded, scores in 1–5.
    pub fn check(&self) -> Result<()> {
        let mut ids = BTreeSet::new();
        let mut unique = |what: &str, id: &str| -> Result<()> {
            check_id(what, id)?;
            if !ids.insert(id.to_string()) {
                return Err(Error::InvalidArgument(format!("{what} id {id:?} is used twice")));
            }
            Ok(())
        };
        for z in &self.zones {
            unique("zone", &z.id)?;
            check_text("a zone's name", &z.name, MAX_NAME)?;
            check_text("a zone's description", &z.description, MAX_TEXT)?;
            if z.trust > 100 {
                return Err(Error::InvalidArgument(format!("zone {:?}: trust is 0–100", z.id)));
            }
        }
        for e in &self.elements {
            unique("element", &e.id)?;
            check_text("an element's name", &e.name, MAX_NAME)?;
            check_text("an element's description", &e.description, MAX_TEXT)?;
            if !self.zones.iter().any(|z| z.id == e.zone) {
                return Err(Error::InvalidArgument(format!("element {:?} is in no known zone ({:?})", e.id, e.zone)));
            }
        }
        let element = |id: &str| self.elements.iter().any(|e| e.id == id);
        for f in &self.flows {
            unique("flow", &f.id)?;
            check_text("a flow's name", &f.name, MAX_NAME)?;
            if !element(&f.source) || !element(&f.destination) {
                return Err(Error::InvalidArgument(format!("flow {:?} joins an element that does not exist", f.id)));
            }
        }
        for c in &self.controls {
            unique("control", &c.id)?;
        }
        for t in &self.threats {
            unique("threat", &t.id)?;
            check_text("a threat's name", &t.name, MAX_NAME)?;
            for (what, s) in [("goal", &t.goal), ("knowledge", &t.knowledge), ("capability", &t.capability), ("residual risk", &t.residual), ("notes", &t.notes), ("NIST class", &t.nist), ("OWASP note", &t.owasp_note)] {
                check_text(&format!("threat {:?}'s {what}", t.id), s, MAX_TEXT)?;
            }
            if !element(&t.element) {
                return Err(Error::InvalidArgument(format!("threat {:?} names an element that does not exist ({:?})", t.id, t.element)));
            }
            for c in &t.controls {
                if !self.controls.iter().any(|k| &k.id == c) {
                    return Err(Error::InvalidArgument(format!("threat {:?} names a control that does not exist ({c:?})", t.id)));
                }
            }
            for r in t.atlas.iter().chain(&t.owasp) {
                check_text("a reference's id", &r.id, MAX_NAME)?;
                check_text("a reference's name", &r.name, MAX_NAME)?;
            }
            if !(1..=5).contains(&t.likelihood) || !(1..=5).contains(&t.impact) {
                return Err(Error::InvalidArgument(format!("threat {:?}: likelihood and impact are 1–5", t.id)));
            }
            if let Some(d) = &t.demo {
                check_id("a demo's lab", &d.lab)?;
                for (k, v) in &d.params {
                    check_text("a demo's key", k, MAX_NAME)?;
                    check_text("a demo's value", v, MAX_NAME)?;
                }
            }
        }
        Ok(())
    }

    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn element(&self, id: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.id == id)
    }
}

/// Measure the controls of `model` named in `only` (all with a measurement when `None`), in
/// the model's order; `progress(control, done, total)`; `clock()` in seconds times each.
pub fn measure_controls(model: &Model, res: &measure::Resources, p: &ValidParams, only: Option<&[String]>, progress: &mut dyn FnMut(&str, usize, usize), clock: &dyn Fn() -> f64) -> Result<report::Measured> {
    if let Some(ids) = only {
        for id in ids {
            if model.control(id).and_then(|c| c.measure).is_none() {
                return Err(Error::InvalidArgument(format!("no control {id:?} with a measurement (they are: {})", model.controls.iter().filter(|c| c.measure.is_some()).map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "))));
            }
        }
    }
    let mut out = report::Measured::new();
    for c in &model.controls {
        let Some(m) = c.measure else { continue };
        if only.is_some_and(|ids| !ids.contains(&c.id)) {
            continue;
        }
        let t = clock();
        let mut x = measure::run(m, res, p, &mut |d, n| progress(&c.id, d, n))?;
        x.seconds = clock() - t;
        out.insert(c.id.clone(), x);
    }
    Ok(out)
}
