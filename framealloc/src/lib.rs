#![doc = include_str!("../../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod config;
mod error;
mod frame;
mod frame_safe;
mod smart_alloc;
mod transfer;

pub use config::{AllocConfig, MisusePolicy};
pub use error::Error;
pub use frame::boxed::FrameBox;
pub use frame::guard::{Frame, FrameAllocator};
pub use frame::vec::{FrameVec, FrameVecIntoIter};
pub use frame_safe::FrameSafe;
pub use smart_alloc::SmartAlloc;
pub use transfer::{IntoTransfer, TransferHandle};

pub(crate) use smart_alloc::fail;

/// Items used by the code that `framealloc-macros` generates. Not part of the public
/// API: names and signatures may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::frame::guard::Frame;
    pub use crate::smart_alloc::SmartAlloc;
}
