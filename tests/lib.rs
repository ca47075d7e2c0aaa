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

/// The system-allocator call a [`CountingAlloc`] hook is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemCall {
    /// `alloc`.
    Alloc,
    /// `dealloc` (with the block's layout).
    Dealloc,
    /// `realloc` (with the old layout).
    Realloc,
}

/// A `#[global_allocator]` for the structural tests (zero system allocations in a steady
/// state): forwards every call to `System`, calling the hook first. The hook runs inside
/// the allocator, so it must not allocate (a `const` thread-local `Cell` through
/// `try_with`, or an atomic).
pub struct CountingAlloc(pub fn(SystemCall, std::alloc::Layout));

// SAFETY: forwards every call to `System` with the caller's arguments; the hook only
// observes them.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        (self.0)(SystemCall::Alloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        (self.0)(SystemCall::Dealloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        (self.0)(SystemCall::Realloc, layout);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}
