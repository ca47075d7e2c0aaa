//! The argument parsers of framealloc-macros against random token streams: every input
//! must give a spanned `syn::Error` (turned into `compile_error!`) or an expansion, never
//! a panic.
//!
//! A proc-macro crate can export only its macros, so this file compiles the macros'
//! parse → validate → expand modules as ordinary code, through `#[path]` (they refer to
//! each other as `crate::…`, so this file must be a crate root). It is the root of the
//! `macro_parsers` test binary of framealloc-tests (a proptest over random token
//! strings, CI-sized) and of the fuzz crate's library (`fuzz/Cargo.toml`), whose
//! libFuzzer targets call [`check_alloc_tag`], [`check_frame_scope`] and
//! [`check_frame_safe`] with raw bytes.
// The macros' own unit tests come along (they run here too); the entry points in
// `framealloc-macros/src/lib.rs` are the only code not compiled here.
#![allow(unreachable_pub, missing_docs)]
// Not under Miri: the macros have no unsafe code (`forbid(unsafe_code)`), and parsing
// under the interpreter would take minutes of the core Miri step.
#![cfg(not(miri))]

#[macro_use]
#[path = "../framealloc-macros/src/error.rs"]
mod error;
#[path = "../framealloc-macros/src/alloc_tag/mod.rs"]
mod alloc_tag;
#[path = "../framealloc-macros/src/frame_safe.rs"]
mod frame_safe;
#[path = "../framealloc-macros/src/frame_scope/mod.rs"]
mod frame_scope;
#[path = "../framealloc-macros/src/func.rs"]
mod func;

use core::str::FromStr;

use proc_macro2::TokenStream;

/// `text` as tokens, or `None` if it does not lex (the compiler would reject it before
/// any macro runs).
pub fn tokens(text: &str) -> Option<TokenStream> {
    TokenStream::from_str(text).ok()
}

/// Split a fuzz input into an argument text and an item text at the first `0xFF` byte
/// (never part of UTF-8); both must be UTF-8.
pub fn split(bytes: &[u8]) -> Option<(&str, &str)> {
    let at = bytes.iter().position(|&b| b == 0xFF).unwrap_or(bytes.len());
    let args = core::str::from_utf8(&bytes[..at]).ok()?;
    let item = core::str::from_utf8(bytes.get(at + 1..).unwrap_or_default()).ok()?;
    Some((args, item))
}

/// An error must carry a message and turn into `compile_error!` tokens.
fn check_error(e: &syn::Error) {
    for single in e.clone() {
        assert!(!single.to_string().is_empty(), "an error without a message");
    }
    let tokens = e.to_compile_error().to_string();
    assert!(
        tokens.contains("compile_error"),
        "not a compile error: {tokens}"
    );
}

/// `#[alloc_tag(args)] item`: parse and validate, then expand what is valid.
pub fn check_alloc_tag(args: TokenStream, item: TokenStream) {
    if let Err(e) = alloc_tag::parse_and_validate(args.clone(), item.clone()) {
        check_error(&e);
    }
    // The entry point itself (infallible: errors become `compile_error!` + the item).
    let _ = alloc_tag::alloc_tag(args, item);
}

/// `#[frame_scope(args)] item`.
pub fn check_frame_scope(args: TokenStream, item: TokenStream) {
    if let Err(e) = frame_scope::frame_scope(args, item) {
        check_error(&e);
    }
}

/// `#[derive(FrameSafe)] item`.
pub fn check_frame_safe(item: TokenStream) {
    if let Err(e) = frame_safe::derive(item) {
        check_error(&e);
    }
}

/// All three on one input (the proptest's entry point).
pub fn check_all(args: &str, item: &str) {
    let (Some(args), Some(item)) = (tokens(args), tokens(item)) else {
        return;
    };
    check_alloc_tag(args.clone(), item.clone());
    check_frame_scope(args, item.clone());
    check_frame_safe(item);
}

#[cfg(test)]
mod random_tokens {
    use proptest::prelude::*;

    /// Token soup: fragments of Rust around the macros' grammar (names, budgets, `=`,
    /// `frame`, paths, fn items, generics, attributes), in any order.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "\"physics\"",
            "\"\"",
            "\"8 MiB\"",
            "\"1.5 KB\"",
            "\"8  MiB\"",
            "budget",
            "=",
            ",",
            "8388608",
            "0",
            "18446744073709551616",
            "-1",
            "frame",
            "self",
            ".",
            "alloc",
            "a",
            "b",
            "::",
            "framealloc",
            "SmartAlloc",
            "&",
            "&mut",
            "'a",
            "<",
            ">",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            "fn",
            "async",
            "const",
            "unsafe",
            "pub",
            "struct",
            "enum",
            "union",
            "impl",
            "Drop",
            "for",
            "T",
            "where",
            ":",
            ";",
            "->",
            "u32",
            "#",
            "!",
            "#[frame_scope]",
            "#[alloc_tag(\"x\")]",
            "return",
            "?",
            "'static",
            "dyn",
            "mut",
            "alloc: &SmartAlloc",
            "x: u32",
            "1u8",
            "'c'",
            "r#fn",
            "..",
            "_",
            "+",
            "|",
        ])
    }

    fn soup(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..max).prop_map(|v| v.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 512 },
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn macro_parsers_never_panic(args in soup(12), item in soup(24)) {
            super::check_all(&args, &item);
        }

        #[test]
        fn macro_parsers_on_valid_items(args in soup(12)) {
            super::check_all(&args, "fn step(alloc: &SmartAlloc) -> u32 { 1 }");
            super::check_all(&args, "struct P<'a, T> { x: &'a T, y: [u8; 4] }");
        }

        #[test]
        fn macro_parsers_on_arbitrary_text(args in "\\PC{0,40}", item in "\\PC{0,80}") {
            super::check_all(&args, &item);
        }
    }
}
