//! Zip containers: PyTorch checkpoints (`archive/data.pkl` and every other `*.pkl` member),
//! NumPy `.npz` (each `.npy` member), Keras 3 `.keras` (`config.json`), and generic zips.
//!
//! Only the members that can carry code are decompressed, each through a bounded reader; the
//! tensor data members of a checkpoint are never read. Member counts, total decompressed bytes
//! and suspicious compression ratios are bounded with findings (zip bombs), and member names
//! that climb out of the archive (`../`, absolute paths) are reported (zip-slip).

use std::io::{Read, Seek};

use super::{keras, numpy, pickle, Ctx, Format, Severity, PICKLE_REMEDIATION};

/// Compression ratio above which a large member is reported as a possible zip bomb.
const BOMB_RATIO: u64 = 1000;

fn traverses(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.split('/').any(|p| p == "..") || n.as_bytes().get(1) == Some(&b':')
}

pub(crate) fn scan<R: Read + Seek>(ctx: &mut Ctx, reader: &mut R, format: Format) {
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(z) => z,
        Err(e) => {
            ctx.unscannable(Some(0), format!("not a readable zip archive ({e})"));
            return;
        }
    };
    let limits = ctx.limits.clone();
    if zip.len() > limits.max_members {
        ctx.push(
            Severity::High,
            "scan.limit",
            None,
            None,
            None,
            format!("The archive has {} members, more than the scanner's limit ({}); the rest were not checked.", zip.len(), limits.max_members),
            "Inspect the archive by other means; re-export the model as safetensors.",
        );
    }
    let mut decompressed = 0u64;
    let mut code_members = 0usize;
    let mut torchscript = false;
    for i in 0..zip.len().min(limits.max_members) {
        let (name, size, csize, encrypted, dir) = match zip.by_index_raw(i) {
            Ok(f) => (String::from_utf8_lossy(f.name_raw()).into_owned(), f.size(), f.compressed_size(), f.encrypted(), f.is_dir()),
            Err(e) => {
                ctx.member = None;
                ctx.unscannable(None, format!("member {i} of the archive is unreadable ({e})"));
                continue;
            }
        };
        if dir {
            continue;
        }
        if ctx.out_of_time(None) {
            break;
        }
        ctx.member = Some(name.clone());
        if traverses(&name) {
            ctx.push(
                Severity::High,
                "zip.path-traversal",
                None,
                None,
                None,
                format!("The member name {name:?} points outside the archive: extracting it would write anywhere on disk (zip-slip)."),
                "Do not extract this archive; rebuild it from trusted files.",
            );
        }
        let lower = name.to_ascii_lowercase();
        let kind = if lower.ends_with(".pkl") || lower.ends_with(".pickle") {
            Some(Format::Pickle)
        } else if lower.ends_with(".npy") && matches!(format, Format::Npz | Format::Zip) {
            Some(Format::Npy)
        } else if format == Format::Keras && lower.rsplit('/').next() == Some("config.json") {
            Some(Format::Keras)
        } else {
            None
        };
        if format == Format::TorchZip && (lower.contains("/code/") || lower.starts_with("code/")) && lower.ends_with(".py") {
            torchscript = true;
        }
        let Some(kind) = kind else { continue };
        code_members += 1;
        if encrypted {
            ctx.unscannable(None, "the member is encrypted");
            continue;
        }
        if size > (1 << 30) && csize.saturating_mul(BOMB_RATIO) < size {
            ctx.push(
                Severity::High,
                "zip.bomb",
                None,
                None,
                None,
                format!("The member expands from {csize} to {size} bytes (more than {BOMB_RATIO}:1): a possible zip bomb; it was not decompressed."),
                "Do not open this archive.",
            );
            continue;
        }
        decompressed = decompressed.saturating_add(size);
        if decompressed > limits.max_decompressed {
            ctx.push(
                Severity::High,
                "scan.limit",
                None,
                None,
                None,
                format!("The archive decompresses to more than the scanner's limit ({} bytes); later members were not checked.", limits.max_decompressed),
                "Inspect the archive by other means.",
            );
            break;
        }
        let file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                ctx.unscannable(None, format!("the member cannot be decompressed ({e})"));
                continue;
            }
        };
        // Never trust the declared size alone: read at most that many bytes.
        let bounded = file.take(size);
        match kind {
            Format::Pickle => pickle::scan_read(ctx, bounded, size, pickle::Follow::Trailing),
            Format::Npy => numpy::scan_npy_read(ctx, bounded, size),
            _ => keras::scan_config_reader(ctx, bounded, size),
        }
    }
    ctx.member = None;
    if torchscript {
        ctx.push(
            Severity::Medium,
            "torch.torchscript",
            None,
            None,
            None,
            "The archive is a TorchScript program (code/*.py): torch.jit.load compiles and runs the code it contains.",
            "Load only TorchScript from trusted sources; exchange weights as safetensors.",
        );
    }
    if code_members == 0 {
        let what = match format {
            Format::TorchZip => "a PyTorch checkpoint without any pickle member (no data.pkl)",
            Format::Keras => "a .keras archive without config.json",
            Format::Npz => "an .npz archive without .npy members",
            _ => "",
        };
        if !what.is_empty() {
            ctx.unscannable(None, format!("it is {what}"));
        } else {
            ctx.push(
                Severity::Medium,
                "scan.unsupported",
                None,
                None,
                None,
                "A zip archive with no model members the scanner recognises (*.pkl, *.npy, config.json): nothing was checked.",
                PICKLE_REMEDIATION,
            );
        }
    }
}
