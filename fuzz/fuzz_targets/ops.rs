//! The model of `tests/ops.rs` driven by libFuzzer: every 8 bytes are one operation of
//! the same language the proptest model uses, checked after every step.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    framealloc_tests::ops::run_bytes(data);
});
