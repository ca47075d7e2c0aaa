//! framealloc integration tests: one binary, a module per area.

mod bad_input;
mod budgets;
mod bumpalo_tests;
mod collections;
mod crate_docs;
mod debug;
mod explicit;
mod guide;
mod heap;
#[cfg(feature = "minimal")]
mod minimal;
mod model;
mod pool;
mod scoped;
mod serde_json_stats;
#[cfg(not(feature = "minimal"))]
mod stats;
mod threads;
mod transfer;
