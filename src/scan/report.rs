//! Output formats for scan results: a human table, JSON, and SARIF 2.1.0 (for code-scanning
//! dashboards in CI).

use serde_json::{json, Value};

use super::{FileReport, Severity};

/// A human-readable table, one finding per block.
pub fn text(reports: &[FileReport], skipped: &[String]) -> String {
    let mut out = String::new();
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    for r in reports {
        let verdict = match r.worst() {
            None => "clean".to_string(),
            Some(s) => format!("{} finding(s), worst {}", r.findings.len(), s.as_str()),
        };
        out.push_str(&format!("{}  [{}, {} bytes]  {}\n", r.file, r.format.as_str(), r.bytes, verdict));
        for f in &r.findings {
            let place = match (&f.member, f.offset) {
                (Some(m), Some(o)) => format!("{m} @ byte {o}"),
                (Some(m), None) => m.clone(),
                (None, Some(o)) => format!("byte {o}"),
                (None, None) => String::new(),
            };
            out.push_str(&format!("  {:<8} {:<28} {}\n", f.severity.as_str(), f.rule, place));
            if let Some(g) = &f.global {
                out.push_str(&format!("           global: {g}\n"));
            }
            if let Some(c) = &f.chain {
                out.push_str(&format!("           chain:  {c}\n"));
            }
            out.push_str(&format!("           {}\n           fix: {}\n", f.message, f.remediation));
        }
    }
    for s in skipped {
        out.push_str(&format!("{s}  [skipped: not a model file]\n"));
    }
    out.push_str(&format!("{} file(s) scanned, {} finding(s)\n", reports.len(), total));
    out
}

/// JSON: `{"files": [...], "skipped": [...], "summary": {...}}`.
pub fn json(reports: &[FileReport], skipped: &[String]) -> Value {
    let count = |s: Severity| reports.iter().flat_map(|r| &r.findings).filter(|f| f.severity == s).count();
    json!({
        "files": reports,
        "skipped": skipped,
        "summary": {
            "files": reports.len(),
            "findings": reports.iter().map(|r| r.findings.len()).sum::<usize>(),
            "critical": count(Severity::Critical),
            "high": count(Severity::High),
            "medium": count(Severity::Medium),
            "low": count(Severity::Low),
        }
    })
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// SARIF 2.1.0 log with one run; rules are the distinct rule ids.
pub fn sarif(reports: &[FileReport]) -> Value {
    let mut rules: Vec<&str> = reports.iter().flat_map(|r| r.findings.iter().map(|f| f.rule)).collect();
    rules.sort();
    rules.dedup();
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|r| r.findings.iter())
        .map(|f| {
            let mut text = f.message.clone();
            if let Some(g) = &f.global {
                text.push_str(&format!(" Global: {g}."));
            }
            if let Some(c) = &f.chain {
                text.push_str(&format!(" Chain: {c}."));
            }
            if let Some(m) = &f.member {
                text.push_str(&format!(" Member: {m}."));
            }
            text.push_str(&format!(" Fix: {}", f.remediation));
            let mut region = json!({});
            if let Some(o) = f.offset {
                region = json!({ "byteOffset": o, "byteLength": 1 });
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": rules.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file.replace('\\', "/") },
                        "region": region,
                    }
                }],
                "properties": {
                    "severity": f.severity.as_str(),
                    "member": f.member,
                    "global": f.global,
                    "chain": f.chain,
                }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mlsec scan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| json!({ "id": r, "shortDescription": { "text": r } })).collect::<Vec<_>>(),
            }},
            "artifacts": reports.iter().map(|r| json!({ "location": { "uri": r.file.replace('\\', "/") }, "length": r.bytes })).collect::<Vec<_>>(),
            "results": results,
        }]
    })
}
