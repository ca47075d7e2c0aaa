//! The framealloc examples live beside this file; run them from the repository root,
//! e.g. `cargo run --example 01_hello_framealloc`.
