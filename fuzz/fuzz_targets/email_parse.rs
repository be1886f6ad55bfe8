//! Any bytes as a raw e-mail (the poisoning lab's "inspect your own e-mail"), and any text
//! through the HTML-to-text step: no panic, bounded output.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlsec::data::email::{html_text, parse_email, MAX_BODY_CHARS};

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = parse_email(data) {
        assert!(e.body.chars().count() <= MAX_BODY_CHARS);
    }
    let _ = html_text(&String::from_utf8_lossy(data));
});
