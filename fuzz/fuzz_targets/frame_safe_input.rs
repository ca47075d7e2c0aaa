//! `#[derive(FrameSafe)] INPUT` on arbitrary text: a spanned error or an expansion, never
//! a panic.
#![no_main]

use framealloc_fuzz::{check_frame_safe, tokens};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Some(item) = tokens(text) {
        check_frame_safe(item);
    }
});
