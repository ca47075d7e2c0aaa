//! `cargo fa`: a static analyser for [framealloc](https://docs.rs/framealloc) misuse that
//! compiles but misbehaves at run time: an explicit frame left open on an early return,
//! a frame open across `.await`, a leaked frame guard, a tag name with a typo, ...
//!
//! Install with `cargo install --path cargo-fa` and run `cargo fa` in a package or
//! workspace; `cargo fa --list` lists the checks and `cargo fa --explain FA101` explains
//! one. The guide is `docs/cargo-fa.md`.
//!
//! The library is what the binary runs; [`analyze()`] checks one source text, which is how
//! the tests drive each lint:
//!
//! ```
//! let found = cargo_fa::analyze(
//!     "fn f(alloc: &framealloc::SmartAlloc) -> Result<(), E> {
//!          alloc.begin_frame();
//!          load()?;
//!          alloc.end_frame();
//!          Ok(())
//!      }",
//! );
//! assert_eq!(found[0].code, "FA101");
//! assert_eq!(found[0].primary().line_start, 2);
//! ```
//!
//! The analysis sees syntax only (no types, no name resolution): receivers are recognised
//! by method names and local bindings.

pub mod analyze;
pub mod cli;
pub mod config;
pub mod diag;
pub mod lints;
pub mod project;

pub use analyze::{Analysis, SourceFile, analyze, analyze_files};
pub use diag::{Diagnostic, SourceLines, Span, Summary};
pub use lints::{LINTS, Level, Lint};
