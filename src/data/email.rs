//! One RFC 822 e-mail message → the fields the poisoning lab uses.
//!
//! MIME structure, quoted-printable, base64, RFC 2047 encoded words and charsets are decoded
//! by the `mail-parser` crate; HTML bodies are reduced to text by it too (script, style and
//! head contents are dropped). What comes out is plain text: the page shows it with
//! `textContent`, never as HTML.

use crate::{Error, Result};
use mail_parser::MessageParser;

/// Messages larger than this are refused (the corpus's largest is under 1 MiB).
pub const MAX_RAW_BYTES: usize = 4 << 20;
/// Bodies are cut to this many characters for features and display.
pub const MAX_BODY_CHARS: usize = 6000;

/// The parts of a message the filters and forensics read.
#[derive(Clone, Debug, PartialEq)]
pub struct Email {
    pub subject: String,
    /// The sender's address (empty if none).
    pub from: String,
    /// `Date:` header as Unix seconds (0 if missing or unparseable).
    pub date: i64,
    /// Every text body part (HTML converted to text), joined, at most [`MAX_BODY_CHARS`].
    pub body: String,
    /// Whether the message had an HTML part.
    pub html: bool,
    pub attachments: u32,
    /// Size of the raw message in bytes.
    pub raw_bytes: u32,
}

/// Parse one raw message (an mbox `From ` first line is skipped).
pub fn parse_email(raw: &[u8]) -> Result<Email> {
    if raw.len() > MAX_RAW_BYTES {
        return Err(Error::Data(format!(
            "the message is {} bytes; messages over {} MiB are refused",
            raw.len(),
            MAX_RAW_BYTES >> 20
        )));
    }
    let mut bytes = raw;
    if bytes.starts_with(b"From ") {
        bytes = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => &bytes[i + 1..],
            None => &[],
        };
    }
    let msg = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| Error::Data("this is not an e-mail message: no header lines were found".into()))?;
    let mut body = String::new();
    for part in msg.text_bodies() {
        let t = match &part.body {
            mail_parser::PartType::Text(t) => t.to_string(),
            mail_parser::PartType::Html(h) => html_text(h),
            _ => continue,
        };
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&t);
        if body.len() > MAX_BODY_CHARS * 4 {
            break;
        }
    }
    if body.trim().is_empty() {
        // an HTML or text part that the MIME structure filed as an attachment (multipart/mixed
        // spam does this): its text is still what the reader sees
        for part in msg.parts.iter() {
            let t = match &part.body {
                mail_parser::PartType::Text(t) => t.to_string(),
                mail_parser::PartType::Html(h) => html_text(h),
                _ => continue,
            };
            body.push_str(&t);
            body.push('\n');
            if body.len() > MAX_BODY_CHARS * 4 {
                break;
            }
        }
    }
    Ok(Email {
        subject: clean(msg.subject().unwrap_or(""), 300),
        from: clean(msg.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or(""), 200),
        date: msg.date().map(|d| d.to_timestamp()).unwrap_or(0),
        body: clean(&body, MAX_BODY_CHARS),
        html: msg.html_body_count() > 0 && msg.html_bodies().any(|p| matches!(p.body, mail_parser::PartType::Html(_))),
        attachments: msg.attachment_count() as u32,
        raw_bytes: raw.len() as u32,
    })
}

/// The text of an HTML part: mail-parser's `html_to_text` after the values of quoted
/// attributes are dropped. That function ends a tag at the first `>`, also inside a quoted
/// value, so `<img alt="a>b" src=x>` leaked `b" src=x>` into the text (issue 16); no value of
/// an attribute is text a reader sees, so dropping them loses nothing.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.chars().peekable();
    let mut in_tag = false;
    while let Some(c) = chars.next() {
        match c {
            '<' if !in_tag => {
                in_tag = chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '/');
                out.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
            }
            '"' | '\'' if in_tag => {
                // skip to the closing quote (or the end: an unclosed value swallows the rest of the tag)
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    mail_parser::decoders::html::html_to_text(&out)
}

/// At most `max` characters, control characters other than newline and tab removed, CRLF → LF.
pub fn clean(s: &str, max: usize) -> String {
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_gt_in_an_attribute_does_not_leak_into_the_text() {
        let t = html_text(r#"<p>Hello <img alt="a>b" src='x>y' onerror="alert(1)">world</p><a title='">'>link</a>"#);
        assert!(!t.contains('>') && !t.contains('"') && !t.contains("alert"), "{t:?}");
        assert!(t.contains("Hello") && t.contains("world") && t.contains("link"), "{t:?}");
        // apostrophes in text and comments are text, not quotes
        let t = html_text("<p>don't stop</p><!-- it's a comment -->still here");
        assert!(t.contains("don't stop") && t.contains("still here"), "{t:?}");
        let raw = b"From: a@b.c\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n<b title=\"x>y\">bold</b> text\r\n";
        let e = parse_email(raw).unwrap();
        assert!(e.html && e.body.contains("bold") && !e.body.contains("y\""), "{:?}", e.body);
    }
}
