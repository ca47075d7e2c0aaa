//! Procedural macros for [`framealloc`](https://docs.rs/framealloc), re-exported there as
//! `framealloc::{FrameSafe, alloc_tag, frame_scope}`; use them through `framealloc`.
//!
//! - [`#[derive(FrameSafe)]`](macro@FrameSafe) implements `framealloc::FrameSafe` for a
//!   plain-data struct or enum, checked at compile time.
//! - [`#[frame_scope]`](macro@frame_scope) opens a `Frame` guard for a function body and
//!   shadows the allocator parameter with it, so frame data cannot escape the body.
//! - [`#[alloc_tag("name")]`](macro@alloc_tag) accounts a function body's allocations to
//!   a tag and registers the tag (and its budget) at link time.
//!
//! - [`#[fa_allow(FA101, reason = "..")]`](macro@fa_allow) marks an item for `cargo fa`
//!   (the item is unchanged).
//!
//! Generated code refers only to `::framealloc::...` paths. Every misuse is a spanned
//! compile error; the macros never panic.
#![forbid(unsafe_code)]

#[macro_use]
mod error;
mod alloc_tag;
mod fa_allow;
mod frame_safe;
mod frame_scope;
mod func;

use proc_macro::TokenStream;

/// Derives `framealloc::FrameSafe`: "a value of this type may be abandoned in frame memory
/// without running any code".
///
/// For structs (named, tuple, unit) and enums. The derive
///
/// - asserts that every field's type is `FrameSafe` (the error points at the field);
/// - adds a `FrameSafe` bound to every type parameter (not to lifetimes or const
///   parameters);
/// - rejects a type that implements `Drop` (E0119 on the private
///   `FrameSafeTypesMustNotImplementDrop` trait);
/// - rejects unions: implement the trait by hand with `unsafe impl` if that is sound.
///
/// It works next to `Copy` in any form (same or separate `#[derive]`, hand-written `impl
/// Copy`): `FrameSafe` has no blanket impl for `Copy` types to collide with; `frame.alloc`
/// accepts `Copy` types on its own (see `docs/macros.md`).
///
/// ```ignore
/// use framealloc::{FrameSafe, SmartAlloc};
///
/// #[derive(FrameSafe, Clone, Copy)]
/// struct Particle<'a, T, const N: usize> {
///     pos: [T; N],
///     name: &'a str,
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// let frame = alloc.frame();
/// let p = frame.alloc(Particle { pos: [0.0_f32; 3], name: "spark" });
/// assert_eq!(p.name, "spark");
/// ```
#[proc_macro_derive(FrameSafe)]
pub fn derive_frame_safe(input: TokenStream) -> TokenStream {
    frame_safe::derive(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Opens a frame for the duration of a function body.
///
/// - `#[frame_scope]` finds the parameter typed `&SmartAlloc` (also `&mut SmartAlloc`,
///   `&Arc<SmartAlloc>`), opens `Frame` on it and shadows the parameter with `&Frame`, so
///   the body compiles unchanged while `alloc.frame_vec()` now borrows the guard and cannot
///   be returned. `Frame` derefs to `SmartAlloc`: passing `alloc` on to a
///   `fn(&SmartAlloc)` keeps working.
/// - `#[frame_scope(self.alloc)]` opens the frame on a place expression for the whole
///   body; the body's own `self.alloc.frame_vec()` calls run inside it, runtime-checked.
/// - `#[frame_scope(frame = self.alloc)]` opens it on the expression and binds `frame` to
///   the `&Frame`, so allocations through `frame` are compile-time-checked.
///
/// `?`, early `return` and panics all end the frame (the guard is a local of the body).
/// `async fn` and `const fn` are rejected with a spanned error. In edition 2021 crates a
/// tail expression whose temporaries borrow the frame must be bound to a local first
/// (edition 2024 drops tail temporaries before locals).
///
/// ```ignore
/// use framealloc::{SmartAlloc, frame_scope};
///
/// #[frame_scope]
/// fn sum_of_squares(alloc: &SmartAlloc, n: u32) -> u32 {
///     let mut v = alloc.frame_vec::<u32>();
///     v.extend((1..=n).map(|x| x * x));
///     v.iter().sum()
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// assert_eq!(sum_of_squares(&alloc, 3), 14);
/// assert!(!alloc.is_in_frame());
/// ```
#[proc_macro_attribute]
pub fn frame_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    frame_scope::frame_scope(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Accounts the allocations a function body makes on this thread to a tag, and registers
/// the tag at link time.
///
/// - `#[alloc_tag("physics")]` pushes the tag for the body (RAII: popped on every exit
///   path, `?`, `return` and panics included) and submits a `framealloc::TagInfo`
///   (`name`, `budget`, `module_path`, `file`, `line`) that `framealloc::registered_tags()`
///   lists. The tag is interned once into a `'static` id, so later calls do no hashing.
/// - `#[alloc_tag("physics", budget = "8 MiB")]` or `budget = 8388608` records a budget in
///   bytes. A budget string is `"<integer> <unit>"` with exactly one space and a
///   case-sensitive unit: `B`, `KB`/`MB`/`GB` (x1000) or `KiB`/`MiB`/`GiB` (x1024).
///
/// Works on free functions, methods, generic functions and with `#[frame_scope]` in either
/// order. An empty or non-literal name, a malformed budget, unknown or duplicate arguments,
/// a non-fn item, `const fn` and `async fn` are spanned compile errors (a tag belongs to a
/// thread, and an `async fn` can move between threads at every `.await`).
///
/// ```ignore
/// use framealloc::{SmartAlloc, alloc_tag};
///
/// #[alloc_tag("physics", budget = "8 MiB")]
/// fn step(alloc: &SmartAlloc) -> &'static str {
///     alloc.current_tag()
/// }
///
/// let alloc = SmartAlloc::new(Default::default());
/// assert_eq!(step(&alloc), "physics");
/// assert_eq!(alloc.current_tag(), "untagged");
/// ```
#[proc_macro_attribute]
pub fn alloc_tag(args: TokenStream, item: TokenStream) -> TokenStream {
    // Errors are emitted with the unchanged item (no cascade), so this cannot fail.
    alloc_tag::alloc_tag(args.into(), item.into()).into()
}

/// Allows `cargo fa` lints on an item: `#[fa_allow(FA101, FA201, reason = "..")]`.
///
/// A no-op for the compiler (the item is returned unchanged); `cargo fa` reads it from the
/// source and does not report the listed codes anywhere in the item. The arguments are one
/// or more codes (`FA` and three digits) and an optional non-empty `reason = ".."`;
/// anything else is a spanned compile error. `#[allow(framealloc::FA101)]` cannot be used
/// instead: an unknown tool name in `allow` is error E0710 on stable Rust.
///
/// ```ignore
/// #[framealloc::fa_allow(FA105, reason = "dropped at the end of every frame")]
/// struct FrameContext<'f> {
///     contacts: framealloc::FrameVec<'f, u32>,
/// }
/// ```
#[proc_macro_attribute]
pub fn fa_allow(args: TokenStream, item: TokenStream) -> TokenStream {
    let item2: proc_macro2::TokenStream = item.into();
    match fa_allow::fa_allow(args.into(), item2.clone()) {
        Ok(out) => out.into(),
        // Keep the item so one bad argument does not cascade into "unknown item" errors.
        Err(e) => {
            let mut out = e.into_compile_error();
            out.extend(item2);
            out.into()
        }
    }
}
