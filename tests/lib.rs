//! Shared helpers for the integration tests.

/// A plain-data type used across tests (what the guide calls `Entity`).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Entity {
    /// Identifier.
    pub id: u32,
    /// Position.
    pub pos: [f32; 3],
}

// SAFETY: plain data, no destructor.
unsafe impl framealloc::FrameSafe for Entity {}

/// Loop count that stays small under Miri.
pub const fn iterations(native: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { native }
}

pub mod counting;
pub mod ops;
