//! `#[alloc_tag(ARGS)] ITEM` on arbitrary text (`ARGS 0xFF ITEM`): a spanned error or an
//! expansion, never a panic.
#![no_main]

use framealloc_fuzz::{check_alloc_tag, split, tokens};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((args, item)) = split(data) else { return };
    // Valid items exercise the argument parser; the fuzzed item the item parser.
    let item = if item.is_empty() { "fn f() {}" } else { item };
    if let (Some(args), Some(item)) = (tokens(args), tokens(item)) {
        check_alloc_tag(args, item);
    }
});
