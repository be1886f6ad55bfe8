//! NumPy `.npy`: the header is checked, and an object array (`descr` with an `O` type code) is
//! what it really is, a pickle after the header, scanned as one. `.npz` archives are zips of
//! `.npy` members ([`super::archive`]).
//!
//! Format: magic `\x93NUMPY`, version (1.0: u16 header length; 2.0/3.0: u32), then a Python
//! dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with
//! spaces and a newline, then the data.

use std::io::Read;

use super::{pickle, Ctx, Severity};

/// Longest header accepted (numpy itself refuses more than 10,000 bytes without
/// `max_header_size`).
const MAX_HEADER: usize = 1 << 20;

/// Parsed `descr` facts.
struct Descr {
    object: bool,
    itemsize: Option<u64>,
}

/// Is a quoted dtype code an object type (`O`, `|O`, `O8`)?
fn is_object_code(code: &str) -> bool {
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    c.starts_with('O') && c[1..].chars().all(|ch| ch.is_ascii_digit())
}

pub(crate) fn itemsize(code: &str) -> Option<u64> {
    let c = code.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = c.chars();
    let kind = chars.next()?;
    let rest: String = chars.collect();
    let n: Option<u64> = if rest.is_empty() { None } else { rest.parse().ok() };
    match kind {
        '?' | 'b' | 'B' => Some(n.unwrap_or(1)),
        'i' | 'u' | 'f' | 'c' | 'V' | 'S' | 'a' => n,
        'U' => n.map(|n| 4 * n),
        'M' | 'm' => Some(8),
        _ => None,
    }
}

/// Quoted strings of a Python literal (single or double quotes, no escapes needed here).
fn quoted(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' || b[i] == b'"' {
            let q = b[i];
            if let Some(j) = b[i + 1..].iter().position(|&c| c == q) {
                out.push(&s[i + 1..i + 1 + j]);
                i += j + 2;
                continue;
            }
            break;
        }
        i += 1;
    }
    out
}

fn parse_descr(header: &str) -> Option<(Descr, Option<Vec<u64>>)> {
    let d = header.find("'descr'").or_else(|| header.find("\"descr\""))?;
    let after = &header[d + 7..];
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let shape_at = header.find("'shape'").or_else(|| header.find("\"shape\""));
    let shape = shape_at.and_then(|s| {
        let t = &header[s + 7..];
        let open = t.find('(')?;
        let close = t[open..].find(')')? + open;
        t[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| x.trim_end_matches('L').parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
    });
    if after.starts_with('[') {
        // structured dtype: a list of (name, code[, shape]) tuples
        let end = after.find("],").or_else(|| after.rfind(']')).unwrap_or(after.len());
        let body = &after[..end];
        let object = quoted(body).iter().any(|c| is_object_code(c));
        return Some((Descr { object, itemsize: None }, shape));
    }
    let code = *quoted(after).first()?;
    Some((Descr { object: is_object_code(code), itemsize: itemsize(code) }, shape))
}

/// Scan an `.npy` from a sequential reader of `len` bytes.
pub(crate) fn scan_npy_read<R: Read>(ctx: &mut Ctx, mut r: R, len: u64) {
    let mut magic = [0u8; 8];
    if r.read_exact(&mut magic).is_err() || &magic[..6] != b"\x93NUMPY" {
        ctx.unscannable(Some(0), "not an .npy file (bad magic)");
        return;
    }
    let (hlen, pre) = match magic[6] {
        1 => {
            let mut b = [0u8; 2];
            if r.read_exact(&mut b).is_err() {
                ctx.unscannable(Some(8), "the .npy header is truncated");
                return;
            }
            (u16::from_le_bytes(b) as usize, 10u64)
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            if r.read_exact(&mut b).is_err() {
                ctx.unscannable(Some(8), "the .npy header is truncated");
                return;
            }
            (u32::from_le_bytes(b) as usize, 12u64)
        }
        v => {
            ctx.unscannable(Some(6), format!("unknown .npy version {v}"));
            return;
        }
    };
    if hlen > MAX_HEADER || pre + hlen as u64 > len {
        ctx.unscannable(Some(pre), format!("the .npy header claims {hlen} bytes"));
        return;
    }
    let mut header = vec![0u8; hlen];
    if r.read_exact(&mut header).is_err() {
        ctx.unscannable(Some(pre), "the .npy header is truncated");
        return;
    }
    let header = String::from_utf8_lossy(&header).into_owned();
    let Some((descr, shape)) = parse_descr(&header) else {
        ctx.unscannable(Some(pre), "the .npy header has no readable 'descr'");
        return;
    };
    let data_at = pre + hlen as u64;
    if descr.object {
        ctx.push(
            Severity::Low,
            "numpy.object-array",
            Some(data_at),
            None,
            None,
            "An object array: its data is a pickle, and np.load needs allow_pickle=True, which unpickles it (scanned below).",
            "Store numeric arrays (no dtype=object); load with np.load(allow_pickle=False).",
        );
        pickle::scan_read(ctx, r, len - data_at, pickle::Follow::Trailing);
        return;
    }
    if let (Some(size), Some(shape)) = (descr.itemsize, shape) {
        let need = shape.iter().try_fold(size, |a, &d| a.checked_mul(d));
        match need {
            None => ctx.unscannable(Some(pre), "the declared shape overflows"),
            Some(n) if n > len - data_at => ctx.unscannable(
                Some(data_at),
                format!("the array is truncated: shape {shape:?} needs {n} bytes of data, the file holds {}", len - data_at),
            ),
            _ => {}
        }
    }
}

/// Scan an `.npy` file from a seekable reader (reads only the header unless it is an object array).
pub(crate) fn scan_npy<R: Read>(ctx: &mut Ctx, r: &mut R, len: u64) {
    scan_npy_read(ctx, r, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descr_parsing() {
        let (d, s) = parse_descr("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }").unwrap();
        assert!(!d.object && d.itemsize == Some(4) && s == Some(vec![3, 4]));
        let (d, s) = parse_descr("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }").unwrap();
        assert!(d.object && s == Some(vec![2]));
        let (d, _) = parse_descr("{'descr': [('a', '<i8'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }").unwrap();
        assert!(d.object);
        let (d, s) = parse_descr("{'descr': '<U3', 'fortran_order': False, 'shape': (), }").unwrap();
        assert!(d.itemsize == Some(12) && s == Some(vec![]));
    }
}
