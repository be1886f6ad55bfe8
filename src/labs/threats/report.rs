//! The threat model written out: Markdown (a readable report) and Open Threat Model 0.2.0
//! JSON (`../shared/reference/otm-0.2.0.schema.json`; the tests validate against it), each
//! with the measurements that were run (`measured`, by control id).

use super::measure::Measurement;
use super::{Model, Status, Stride};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The measurements of a report, by control id.
pub type Measured = BTreeMap<String, Measurement>;

/// The model and its measurements as one JSON document (`mlsec threats --format json`).
#[derive(Serialize)]
pub struct Bundle<'a> {
    pub model: &'a Model,
    pub measured: &'a Measured,
}

/// A Markdown table cell: one line, no column breaks.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Markdown report. `site`: the address demo links are relative to (`""`: the page itself).
pub fn markdown(m: &Model, measured: &Measured, site: &str) -> String {
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(format!("# Threat model: {}", m.name.replace('\n', " ")));
    line(String::new());
    line(m.description.clone());
    line(String::new());
    line(format!(
        "Written by MLSec Playground {}. STRIDE per element; MITRE ATLAS 5.6 ids; OWASP Machine Learning Security Top 10 (2023); NIST AI 100-2 E2025 classes. Every measured effect below was computed by the playground's core for this report ({} of {} controls measured).",
        env!("CARGO_PKG_VERSION"),
        m.controls.iter().filter(|c| measured.contains_key(&c.id)).count(),
        m.controls.len()
    ));
    line(String::new());
    line("## The system".into());
    line(String::new());
    line("| Zone | Trust (0–100) | Elements |".into());
    line("|---|---|---|".into());
    for z in &m.zones {
        let names: Vec<String> = m.elements.iter().filter(|e| e.zone == z.id).map(|e| cell(&e.name)).collect();
        line(format!("| {} | {} | {} |", cell(&z.name), z.trust, names.join(", ")));
    }
    line(String::new());
    line("| Element | Kind | Zone | Lab | What it is |".into());
    line("|---|---|---|---|---|".into());
    for e in &m.elements {
        let zone = m.zones.iter().find(|z| z.id == e.zone).map(|z| z.name.as_str()).unwrap_or("");
        let kind = match e.shape {
            super::Shape::External => "external entity",
            super::Shape::Process => "process",
            super::Shape::Store => "data store",
        };
        line(format!("| {} | {kind} | {} | {} | {} |", cell(&e.name), cell(zone), e.lab.as_deref().map(cell).unwrap_or_default(), cell(&e.description)));
    }
    line(String::new());
    line("Data flows:".into());
    line(String::new());
    let name = |id: &str| m.element(id).map(|e| e.name.clone()).unwrap_or_else(|| id.to_string());
    for f in &m.flows {
        line(format!("- {} → {}: {}", name(&f.source), name(&f.destination), f.name.replace('\n', " ")));
    }
    line(String::new());
    line("## Threats".into());
    line(String::new());
    line("| Threat | STRIDE | Element | ATLAS | OWASP | Status |".into());
    line("|---|---|---|---|---|---|".into());
    for t in &m.threats {
        let atlas: Vec<String> = t.atlas.iter().map(|r| cell(&r.id)).collect();
        let owasp: Vec<String> = t.owasp.iter().map(|r| cell(&r.id)).collect();
        line(format!("| {} | {} | {} | {} | {} | {} |", cell(&t.name), t.stride.name(), cell(&name(&t.element)), atlas.join(", "), if owasp.is_empty() { "—".into() } else { owasp.join(", ") }, t.status.name()));
    }
    for s in Stride::ALL {
        for t in m.threats.iter().filter(|t| t.stride == s) {
            line(String::new());
            line(format!("### {}: {}", s.name(), t.name.replace('\n', " ")));
            line(String::new());
            line(format!("- **Element**: {}", name(&t.element)));
            line(format!("- **Attacker**: goal — {} Knowledge — {} Capability — {}", t.goal, t.knowledge, t.capability));
            let refs: Vec<String> = t.atlas.iter().map(|r| format!("{} {}", r.id, r.name)).collect();
            line(format!("- **MITRE ATLAS**: {}", if refs.is_empty() { "—".into() } else { refs.join("; ") }));
            let ow: Vec<String> = t.owasp.iter().map(|r| format!("{} {}", r.id, r.name)).collect();
            line(format!("- **OWASP ML Top 10**: {}{}", if ow.is_empty() { "none".into() } else { ow.join("; ") }, if t.owasp_note.is_empty() { String::new() } else { format!(" ({})", t.owasp_note) }));
            if !t.nist.is_empty() {
                line(format!("- **NIST AI 100-2**: {}", t.nist));
            }
            line(format!("- **Risk**: likelihood {}/5, impact {}/5; status **{}**", t.likelihood, t.impact, t.status.name()));
            if let Some(d) = &t.demo {
                line(format!("- **See it**: [{}]({}{}) — {}", d.lab, site, d.hash(), d.shows));
            }
            if !t.controls.is_empty() {
                line("- **Controls**:".into());
                for id in &t.controls {
                    let Some(c) = m.control(id) else { continue };
                    let effect = measured.get(id).map(|x| x.summary.clone()).unwrap_or_else(|| "not measured in this report".into());
                    line(format!("  - {}: {}", c.name, effect));
                }
            }
            if !t.residual.is_empty() {
                line(format!("- **Residual risk**: {}", t.residual));
            }
            if !t.notes.is_empty() {
                line(format!("- **Notes**: {}", t.notes.replace('\n', " ")));
            }
        }
    }
    line(String::new());
    line("## Controls and what they measurably buy".into());
    for c in &m.controls {
        line(String::new());
        line(format!("### {}", c.name));
        line(String::new());
        line(c.description.clone());
        if !c.atlas.is_empty() {
            let refs: Vec<String> = c.atlas.iter().map(|r| format!("{} {}", r.id, r.name)).collect();
            line(String::new());
            line(format!("ATLAS mitigations: {}.", refs.join("; ")));
        }
        line(String::new());
        match measured.get(&c.id) {
            Some(x) => {
                line(format!("Measured ({}; {:.1} s): {}", x.setup, x.seconds, x.summary));
                line(String::new());
                line("| Figure | Value |".into());
                line("|---|---|".into());
                for r in &x.rows {
                    line(format!("| {} | {} |", cell(&r.label), cell(&r.shown)));
                }
            }
            None => line("Not measured in this report.".into()),
        }
    }
    o
}

/// Open Threat Model 0.2.0.
pub fn otm(m: &Model, measured: &Measured) -> Value {
    let state = |s: Status| s.name();
    let components: Vec<Value> = m
        .elements
        .iter()
        .map(|e| {
            let threats: Vec<Value> = m
                .threats
                .iter()
                .filter(|t| t.element == e.id)
                .map(|t| {
                    let mitigations: Vec<Value> = t
                        .controls
                        .iter()
                        .map(|c| json!({ "mitigation": c, "state": if t.status == Status::Mitigated { "implemented" } else { "recommended" } }))
                        .collect();
                    json!({ "threat": t.id, "state": state(t.status), "mitigations": mitigations })
                })
                .collect();
            json!({
                "id": e.id,
                "name": e.name,
                "type": match e.shape { super::Shape::External => "external-entity", super::Shape::Process => "process", super::Shape::Store => "data-store" },
                "description": e.description,
                "parent": { "trustZone": e.zone },
                "threats": threats,
                "tags": e.lab.iter().map(|l| format!("lab:{l}")).collect::<Vec<_>>(),
            })
        })
        .collect();
    let threats: Vec<Value> = m
        .threats
        .iter()
        .map(|t| {
            let mut tags: Vec<String> = t.atlas.iter().map(|r| r.id.clone()).collect();
            tags.extend(t.owasp.iter().map(|r| r.id.clone()));
            json!({
                "id": t.id,
                "name": t.name,
                "description": format!("Goal: {} Knowledge: {} Capability: {}", t.goal, t.knowledge, t.capability),
                "categories": [t.stride.name()],
                "risk": {
                    "likelihood": 20 * t.likelihood as u32,
                    "likelihoodComment": format!("{}/5", t.likelihood),
                    "impact": 20 * t.impact as u32,
                    "impactComment": format!("{}/5", t.impact),
                },
                "tags": tags,
                "attributes": {
                    "atlas": t.atlas,
                    "owasp": t.owasp,
                    "owaspNote": t.owasp_note,
                    "nist": t.nist,
                    "residualRisk": t.residual,
                    "demo": t.demo.as_ref().map(|d| d.hash()),
                    "notes": t.notes,
                },
            })
        })
        .collect();
    let mitigations: Vec<Value> = m
        .controls
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "description": c.description,
                // OTM wants a number; a measurement is not one score, so none is invented
                "riskReduction": 0,
                "attributes": {
                    "riskReductionNote": "not scored: see the measurement",
                    "atlas": c.atlas,
                    "measurement": measured.get(&c.id),
                },
            })
        })
        .collect();
    json!({
        "otmVersion": "0.2.0",
        "project": {
            "name": m.name,
            "id": "mlsec-playground-threat-model",
            "description": m.description,
            "tags": ["STRIDE", "MITRE ATLAS 5.6", "OWASP ML Top 10"],
            "attributes": { "generator": format!("MLSec Playground {}", env!("CARGO_PKG_VERSION")) },
        },
        "representations": [{ "name": "Data-flow diagram", "id": "dfd", "type": "diagram" }],
        "trustZones": m.zones.iter().map(|z| json!({ "id": z.id, "name": z.name, "type": "trust-zone", "description": z.description, "risk": { "trustRating": z.trust } })).collect::<Vec<_>>(),
        "components": components,
        "dataflows": m.flows.iter().map(|f| json!({ "id": f.id, "name": f.name, "source": f.source, "destination": f.destination })).collect::<Vec<_>>(),
        "threats": threats,
        "mitigations": mitigations,
    })
}
