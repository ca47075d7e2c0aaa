//! `#[frame_scope(ARGS)] ITEM` on arbitrary text (`ARGS 0xFF ITEM`): a spanned error or an
//! expansion, never a panic.
#![no_main]

use framealloc_fuzz::{check_frame_scope, split, tokens};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((args, item)) = split(data) else { return };
    let item = if item.is_empty() {
        "fn f(alloc: &SmartAlloc) -> u32 { 1 }"
    } else {
        item
    };
    if let (Some(args), Some(item)) = (tokens(args), tokens(item)) {
        check_frame_scope(args, item);
    }
});
