//! safetensors: no code can hide in it, but a hostile header can still crash or exhaust a
//! loader. Checked: the header length (≤ 100 MB, inside the file), UTF-8 JSON object, each
//! tensor's dtype, shape and `data_offsets` (consistent with dtype × shape, inside the data,
//! contiguous without overlaps, as the reference loader demands), and `__metadata__` (a map
//! of strings, not oversized).
//!
//! Hand-written rather than the `safetensors` crate: the crate validates a whole in-memory
//! buffer and stops at the first error, while a scanner must read only the header of a
//! multi-GB file (streamed in the browser) and name every problem it sees.

use std::io::Read;

use serde_json::Value;

use super::{Ctx, Severity};

/// The reference implementation's header limit.
const MAX_HEADER: u64 = 100_000_000;
/// Metadata larger than this is reported (it is meant for a few short strings).
const MAX_METADATA: usize = 64 << 10;

const REMEDIATION: &str = "Do not load this file; re-export the weights with the safetensors library from a trusted copy.";

/// Whether the first bytes look like a safetensors header (u64 length, then `{`).
pub fn looks_like(head: &[u8]) -> bool {
    head.len() >= 9 && head[8] == b'{' && {
        let n = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
        n > 1 && n <= MAX_HEADER
    }
}

fn dtype_size(d: &str) -> Option<u64> {
    Some(match d {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 1,
        "I16" | "U16" | "F16" | "BF16" => 2,
        "I32" | "U32" | "F32" => 4,
        "I64" | "U64" | "F64" | "C64" => 8,
        _ => return None,
    })
}

pub(crate) fn scan<R: Read>(ctx: &mut Ctx, r: &mut R, len: u64) {
    let mut b = [0u8; 8];
    if len < 8 || r.read_exact(&mut b).is_err() {
        ctx.unscannable(Some(0), "the file is shorter than a safetensors header length");
        return;
    }
    let n = u64::from_le_bytes(b);
    if n > MAX_HEADER {
        ctx.push(Severity::High, "safetensors.header-size", Some(0), None, None,
            format!("The header claims {n} bytes (the format's limit is {MAX_HEADER}): a loader would allocate that much before reading anything."), REMEDIATION);
        return;
    }
    if 8 + n > len {
        ctx.push(Severity::High, "safetensors.truncated", Some(0), None, None,
            format!("The header claims {n} bytes but the file has only {} after the length field.", len - 8), REMEDIATION);
        return;
    }
    let mut header = vec![0u8; n as usize];
    if r.read_exact(&mut header).is_err() {
        ctx.unscannable(Some(8), "the header could not be read");
        return;
    }
    let text = match std::str::from_utf8(&header) {
        Ok(t) => t,
        Err(_) => {
            ctx.push(Severity::High, "safetensors.header-json", Some(8), None, None, "The header is not UTF-8.", REMEDIATION);
            return;
        }
    };
    let json: Value = match serde_json::from_str(text.trim_end_matches(' ')) {
        Ok(v) => v,
        Err(e) => {
            ctx.push(Severity::High, "safetensors.header-json", Some(8), None, None, format!("The header is not valid JSON ({e})."), REMEDIATION);
            return;
        }
    };
    let Value::Object(map) = json else {
        ctx.push(Severity::High, "safetensors.header-json", Some(8), None, None, "The header is not a JSON object.", REMEDIATION);
        return;
    };
    let data_len = len - 8 - n;
    let mut spans: Vec<(u64, u64, String)> = Vec::new();
    for (name, v) in &map {
        if name == "__metadata__" {
            let ok = v.as_object().is_some_and(|m| m.values().all(Value::is_string));
            if !ok {
                ctx.push(Severity::High, "safetensors.metadata", Some(8), None, None,
                    "__metadata__ is not a map of strings, which loaders reject.", REMEDIATION);
            }
            let size = v.to_string().len();
            if size > MAX_METADATA {
                ctx.push(Severity::Medium, "safetensors.metadata", Some(8), None, None,
                    format!("__metadata__ is {size} bytes (over {MAX_METADATA}): oversized metadata can hide payloads or exhaust tools that display it."), REMEDIATION);
            }
            continue;
        }
        let bad = |ctx: &mut Ctx, why: String| {
            ctx.push(Severity::High, "safetensors.tensor", Some(8), None, None, format!("Tensor {name:?}: {why}."), REMEDIATION);
        };
        let Some(t) = v.as_object() else {
            bad(ctx, "its entry is not an object".into());
            continue;
        };
        let dtype = t.get("dtype").and_then(Value::as_str).unwrap_or("");
        let Some(size) = dtype_size(dtype) else {
            bad(ctx, format!("unknown dtype {dtype:?}"));
            continue;
        };
        let shape: Option<Vec<u64>> = t.get("shape").and_then(Value::as_array).and_then(|a| a.iter().map(Value::as_u64).collect());
        let Some(shape) = shape else {
            bad(ctx, "shape is not a list of non-negative integers".into());
            continue;
        };
        let offs: Option<Vec<u64>> = t.get("data_offsets").and_then(Value::as_array).and_then(|a| a.iter().map(Value::as_u64).collect());
        let Some([begin, end]) = offs.as_deref().and_then(|o| <[u64; 2]>::try_from(o).ok()) else {
            bad(ctx, "data_offsets is not a pair of non-negative integers".into());
            continue;
        };
        let need = shape.iter().try_fold(size, |a, &d| a.checked_mul(d));
        let Some(need) = need else {
            bad(ctx, format!("shape {shape:?} overflows: a loader would allocate an absurd amount of memory"));
            continue;
        };
        if begin > end {
            bad(ctx, format!("data_offsets [{begin}, {end}] run backwards"));
            continue;
        }
        if end - begin != need {
            bad(ctx, format!("data_offsets [{begin}, {end}] hold {} bytes but {dtype} × {shape:?} needs {need}", end - begin));
        }
        if end > data_len {
            ctx.push(Severity::High, "safetensors.truncated", Some(8), None, None,
                format!("Tensor {name:?} ends at byte {end} of the data, which has only {data_len} (out of bounds or truncated)."), REMEDIATION);
            continue;
        }
        spans.push((begin, end, name.clone()));
    }
    spans.sort();
    let mut at = 0u64;
    for (begin, end, name) in &spans {
        if *begin < at {
            ctx.push(Severity::High, "safetensors.overlap", Some(8), None, None,
                format!("Tensor {name:?} starts at {begin}, inside the previous tensor (which ends at {at}): overlapping tensors alias memory."), REMEDIATION);
        } else if *begin > at {
            ctx.push(Severity::Medium, "safetensors.gap", Some(8), None, None,
                format!("{} unaccounted bytes before tensor {name:?} (at {at}..{begin}): the reference loader refuses gaps, and they can hide data.", begin - at), REMEDIATION);
        }
        at = at.max(*end);
    }
    if at < data_len && !spans.is_empty() {
        ctx.push(Severity::Medium, "safetensors.gap", Some(8 + n + at), None, None,
            format!("{} bytes after the last tensor are not part of any tensor.", data_len - at), REMEDIATION);
    }
}
