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

/// A global allocator that forwards every call to `System` and runs `hook` after each
/// allocation and each free: for the tests of a `#[global_allocator]` built on framealloc
/// (each such test binary declares its own `static`). With `poison_frees` returning true,
/// a block being freed is first overwritten with `0xDD`, so a use after free reads that
/// pattern instead of plausible values.
pub struct HookedSystem {
    hook: fn(),
    poison_frees: fn() -> bool,
}

impl HookedSystem {
    /// Forward to `System`, calling `hook` after every call; never poison.
    pub const fn new(hook: fn()) -> Self {
        HookedSystem {
            hook,
            poison_frees: || false,
        }
    }

    /// As [`new`](Self::new), poisoning freed blocks while `poison_frees()` is true.
    pub const fn poisoning(hook: fn(), poison_frees: fn() -> bool) -> Self {
        HookedSystem { hook, poison_frees }
    }
}

// SAFETY: forwards every call to `System` unchanged (a block being freed may first be
// overwritten, which its caller no longer reads); the hook runs after the block is
// obtained (or given back) and never touches it.
unsafe impl std::alloc::GlobalAlloc for HookedSystem {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { std::alloc::System.alloc(layout) };
        (self.hook)();
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if (self.poison_frees)() {
            // SAFETY: the caller gives the block back: nothing reads it any more.
            unsafe { ptr.write_bytes(0xDD, layout.size()) };
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        (self.hook)();
    }
}
