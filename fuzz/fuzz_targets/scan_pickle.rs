//! Any bytes as a pickle: the walker must end in findings, never panic, hang or allocate
//! without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlsec::scan::{scan_bytes, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { disassembly_ops: 64, ..Limits::default() };
    let _ = scan_bytes("fuzz.pkl", data, &limits);
});
