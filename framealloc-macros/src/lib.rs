//! Procedural macros for [`framealloc`](https://docs.rs/framealloc).
//!
//! The macros (`#[frame_scope]`, `#[alloc_tag]`, `#[derive(FrameSafe)]`) are being
//! built in their own issue; until then this crate is an empty placeholder that the
//! runtime crate depends on so the workspace layout is final.
#![forbid(unsafe_code)]
