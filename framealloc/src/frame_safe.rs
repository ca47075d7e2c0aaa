//! The `FrameSafe` marker trait.

use core::cell::Cell;
use core::marker::{PhantomData, PhantomPinned};
use core::mem::{ManuallyDrop, MaybeUninit};
use core::num::{
    NonZeroI8, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI128, NonZeroIsize, NonZeroU8,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU128, NonZeroUsize, Saturating, Wrapping,
};
use core::ops::{Range, RangeFrom, RangeInclusive, RangeTo, RangeToInclusive};
use core::time::Duration;

/// A value of this type may be abandoned in frame memory without running any code.
///
/// # What `frame.alloc` accepts
///
/// [`Frame::alloc`](crate::Frame::alloc) (and `try_alloc`, `alloc_with`,
/// `alloc_slice_fill_with`) hands out plain `&mut T` whose memory is reused when the frame
/// ends *without* dropping the value. It accepts every type that has no destructor — every
/// `Copy` type (a `Copy` type cannot have one), including foreign ones such as
/// `glam::Vec3`, `Ipv4Addr`, `Duration` or `TypeId`; every `FrameSafe` type; and
/// `ManuallyDrop<T>`, which has opted out of its destructor (abandoning it only leaks).
/// A `String`, `Vec`, `Box`, a type with `Drop` or a struct with such a field is a
/// compile error when the call is built, with a message naming the fix: values with
/// destructors belong in a [`FrameBox`](crate::FrameBox) or
/// [`FrameVec`](crate::FrameVec), which run them.
///
/// That check is a `const { assert!(!core::mem::needs_drop::<T>()) }` in the method, not
/// a `T: FrameSafe` bound: a bound cannot accept "`Copy` or `FrameSafe`" on stable Rust
/// (a blanket `impl<T: Copy> FrameSafe for T` collides with `#[derive(FrameSafe)]` on a
/// type that is also `Copy`, and a derive cannot see a `Copy` derived in the same
/// attribute or implemented by hand). The cost: it fires at monomorphisation, so
/// `cargo build` reports it and `cargo check` does not. `docs/macros.md` weighs the
/// alternatives.
///
/// # What the trait is for
///
/// `FrameSafe` is the check at the *definition*: `#[derive(FrameSafe)]` proves, under
/// `cargo check`, that a type of yours has no destructor (the error points at the
/// offending field), and `T: FrameSafe` states the requirement in your own generic code.
///
/// Implemented for primitives, `&T`/`&mut T` (any `T`), raw pointers, arrays, tuples (up
/// to 12), `Option`, `Result`, `PhantomData`, `MaybeUninit`, `ManuallyDrop`, `Cell`,
/// `Wrapping`, `Saturating`, `NonZero`, ranges, `Duration`, `TypeId`, `Layout` and the
/// `std::net` addresses — never for `String`, `Vec`, `Box`, `Rc`, `Arc` or anything that
/// implements `Drop`. Derive it for your own types with `#[derive(FrameSafe)]` (it works
/// next to `#[derive(Clone, Copy)]` in any order and with a hand-written `impl Copy`), or
/// implement it by hand. A field of a foreign `Copy` type that does not implement
/// `FrameSafe` (e.g. `glam::Vec3`) needs neither: `frame.alloc` takes any `Copy` type, so
/// derive `Copy` for the struct instead.
///
/// # Safety
///
/// Implement it only for types whose values may be forgotten without any code running:
/// no `Drop` impl on the type, and every field `FrameSafe`. Violating this does not
/// cause undefined behaviour in framealloc itself, but it silently leaks resources and
/// breaks the promise the trait makes to the rest of the program (code may rely on it
/// to skip destructors of values it knows are `FrameSafe`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be abandoned in frame memory: it may own resources or run a destructor",
    label = "`{Self}` is not `FrameSafe`: values that need dropping go in `frame_box`/`frame_vec`; plain data of your own: `#[derive(FrameSafe)]`",
    note = "`frame.alloc` never runs destructors; use `frame.frame_box(..)` or `frame.frame_vec()` for types with destructors (`String`, `Vec`, `Box`, types with `Drop`)",
    note = "for your own plain-data types, add `#[derive(FrameSafe)]`"
)]
pub unsafe trait FrameSafe {}

macro_rules! frame_safe {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: a primitive or plain std type with no destructor and no owned
            // resources.
            unsafe impl FrameSafe for $t {}
        )*
    };
}

frame_safe!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    Duration,
    NonZeroU8,
    NonZeroU16,
    NonZeroU32,
    NonZeroU64,
    NonZeroU128,
    NonZeroUsize,
    NonZeroI8,
    NonZeroI16,
    NonZeroI32,
    NonZeroI64,
    NonZeroI128,
    NonZeroIsize,
    PhantomPinned,
    core::cmp::Ordering,
    core::convert::Infallible,
    std::time::Instant,
    std::time::SystemTime,
    core::any::TypeId,
    core::alloc::Layout,
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    std::net::SocketAddr,
    std::net::SocketAddrV4,
    std::net::SocketAddrV6,
);

// SAFETY: references own nothing and have no destructor, whatever they point to.
unsafe impl<T: ?Sized> FrameSafe for &T {}
// SAFETY: as for `&T`.
unsafe impl<T: ?Sized> FrameSafe for &mut T {}
// SAFETY: raw pointers own nothing and have no destructor.
unsafe impl<T: ?Sized> FrameSafe for *const T {}
// SAFETY: as for `*const T`.
unsafe impl<T: ?Sized> FrameSafe for *mut T {}
// SAFETY: `NonNull` is a raw pointer.
unsafe impl<T: ?Sized> FrameSafe for core::ptr::NonNull<T> {}
// SAFETY: zero-sized marker with no destructor, whatever `T` is.
unsafe impl<T: ?Sized> FrameSafe for PhantomData<T> {}
// SAFETY: `MaybeUninit` never drops its contents.
unsafe impl<T> FrameSafe for MaybeUninit<T> {}
// SAFETY: `ManuallyDrop` never drops its contents; abandoning one that owns resources only
// leaks them, which its user opted into.
unsafe impl<T: ?Sized> FrameSafe for ManuallyDrop<T> {}
// SAFETY: arrays and slices drop only their elements, which are `FrameSafe`.
unsafe impl<T: FrameSafe, const N: usize> FrameSafe for [T; N] {}
// SAFETY: as for arrays.
unsafe impl<T: FrameSafe> FrameSafe for [T] {}
// SAFETY: `str` is bytes.
unsafe impl FrameSafe for str {}
// SAFETY: `Option` drops only its payload, which is `FrameSafe`.
unsafe impl<T: FrameSafe> FrameSafe for Option<T> {}
// SAFETY: `Cell` drops only its payload, which is `FrameSafe`.
unsafe impl<T: FrameSafe + ?Sized> FrameSafe for Cell<T> {}
// SAFETY: `Wrapping` drops only its payload, which is `FrameSafe`.
unsafe impl<T: FrameSafe> FrameSafe for Wrapping<T> {}
// SAFETY: `Saturating` drops only its payload, which is `FrameSafe`.
unsafe impl<T: FrameSafe> FrameSafe for Saturating<T> {}
// SAFETY: ranges drop only their bounds, which are `FrameSafe`.
unsafe impl<T: FrameSafe> FrameSafe for Range<T> {}
// SAFETY: as for `Range`.
unsafe impl<T: FrameSafe> FrameSafe for RangeInclusive<T> {}
// SAFETY: as for `Range`.
unsafe impl<T: FrameSafe> FrameSafe for RangeFrom<T> {}
// SAFETY: as for `Range`.
unsafe impl<T: FrameSafe> FrameSafe for RangeTo<T> {}
// SAFETY: as for `Range`.
unsafe impl<T: FrameSafe> FrameSafe for RangeToInclusive<T> {}
// SAFETY: `Result` drops only its payloads, which are `FrameSafe`.
unsafe impl<T: FrameSafe, E: FrameSafe> FrameSafe for Result<T, E> {}

macro_rules! frame_safe_tuple {
    ($($name:ident)+) => {
        // SAFETY: a tuple drops only its fields, which are all `FrameSafe`.
        unsafe impl<$($name: FrameSafe),+> FrameSafe for ($($name,)+) {}
    };
}

frame_safe_tuple!(A);
frame_safe_tuple!(A B);
frame_safe_tuple!(A B C);
frame_safe_tuple!(A B C D);
frame_safe_tuple!(A B C D E);
frame_safe_tuple!(A B C D E F);
frame_safe_tuple!(A B C D E F G);
frame_safe_tuple!(A B C D E F G H);
frame_safe_tuple!(A B C D E F G H I);
frame_safe_tuple!(A B C D E F G H I J);
frame_safe_tuple!(A B C D E F G H I J K);
frame_safe_tuple!(A B C D E F G H I J K L);

/// The compile-time check of the guard methods that abandon values (`frame.alloc` and
/// friends): `$t` must have no destructor. Evaluated when the method is instantiated (a
/// post-monomorphisation error: `cargo build` reports it, `cargo check` does not); rustc
/// then names the type in its "the above error was encountered while instantiating `fn
/// Frame::alloc::<T>`" note, pointing at the caller's line.
///
/// `$method` names the method, `$fix` says what to call instead ("use `…`").
macro_rules! assert_no_destructor {
    ($t:ty, $method:literal, $fix:literal) => {
        const {
            assert!(
                !::core::mem::needs_drop::<$t>(),
                concat!(
                    "`",
                    $method,
                    "` would never run this type's destructor (it owns a `String`, `Vec`, `Box`, \
                     ... or implements `Drop`; the type is named in the \"instantiating\" note \
                     below): ",
                    $fix,
                    ", which runs it; or wrap the value in `ManuallyDrop` to leak it on purpose. \
                     `#[derive(FrameSafe)]` on your own type points at the field that needs dropping"
                )
            )
        }
    };
}
pub(crate) use assert_no_destructor;
