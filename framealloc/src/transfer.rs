//! Moving frame data to another thread: `TransferHandle` and `IntoTransfer`.

use core::fmt;

use crate::{FrameBox, FrameVec, SmartAlloc};

/// Something that can leave frame memory as an owned `T`, ready to cross threads.
///
/// The type parameter is what keeps the implementations apart (a parameterless trait
/// with a blanket impl for every `Send` type would overlap with the frame handles):
///
/// | input | `T` | cost |
/// |---|---|---|
/// | any `T: Send` | `T` | none (moved as is) |
/// | `FrameVec<'_, U>` | `Vec<U>` | one copy of the elements into a system-heap `Vec` |
/// | `FrameBox<'_, U>` | `U` | one move out of frame memory |
/// | `FrameBox<'_, [U]>` | `Vec<U>` | one copy of the elements into a system-heap `Vec` |
pub trait IntoTransfer<T> {
    /// Move the value out of frame memory.
    fn into_transfer(self) -> T;
}

impl<T: Send> IntoTransfer<T> for T {
    fn into_transfer(self) -> T {
        self
    }
}

impl<U> IntoTransfer<Vec<U>> for FrameVec<'_, U> {
    fn into_transfer(self) -> Vec<U> {
        self.into_vec()
    }
}

impl<U> IntoTransfer<U> for FrameBox<'_, U> {
    fn into_transfer(self) -> U {
        FrameBox::into_inner(self)
    }
}

impl<U> IntoTransfer<Vec<U>> for FrameBox<'_, [U]> {
    fn into_transfer(self) -> Vec<U> {
        FrameBox::into_vec(self)
    }
}

/// An owned payload that has left frame memory and may be sent to another thread.
///
/// Made by [`SmartAlloc::frame_box_for_transfer`]. It is `Send` exactly when the payload
/// is; the receiving side calls [`receive`](Self::receive) to take the value. A handle
/// that is never received drops its payload like any owned value.
///
/// ```
/// use std::sync::mpsc;
/// use framealloc::{SmartAlloc, TransferHandle};
///
/// let alloc = SmartAlloc::new(Default::default());
/// let (channel, rx) = mpsc::channel::<TransferHandle<Vec<u32>>>();
/// let worker = std::thread::spawn(move || {
///     let data = rx.recv().unwrap().receive();
///     data.iter().sum::<u32>()
/// });
///
/// alloc.begin_frame();
/// let mut data = alloc.frame_vec::<u32>();
/// data.extend(1..=10);
/// let handle = alloc.frame_box_for_transfer(data);
/// channel.send(handle).unwrap();
/// alloc.end_frame();
///
/// assert_eq!(worker.join().unwrap(), 55);
/// ```
pub struct TransferHandle<T> {
    payload: T,
}

impl<T> TransferHandle<T> {
    /// Take the payload.
    pub fn receive(self) -> T {
        self.payload
    }

    /// Look at the payload without taking it.
    pub fn get(&self) -> &T {
        &self.payload
    }
}

impl<T: fmt::Debug> fmt::Debug for TransferHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransferHandle")
            .field("payload", &self.payload)
            .finish()
    }
}

impl SmartAlloc {
    /// Move frame data (a `FrameVec`, a `FrameBox`, or any `Send` value) out of frame
    /// memory into a [`TransferHandle`] that can be sent to another thread.
    ///
    /// Frame handles are `!Send` because frame memory belongs to its thread; this is the
    /// way across. The copy it costs is listed on [`IntoTransfer`].
    ///
    /// ```
    /// use framealloc::SmartAlloc;
    ///
    /// let alloc = SmartAlloc::new(Default::default());
    /// alloc.begin_frame();
    /// let mut hits = alloc.frame_vec::<u32>();
    /// hits.extend([1, 2, 3]);
    /// let handle = alloc.frame_box_for_transfer(hits); // TransferHandle<Vec<u32>>: Send
    /// alloc.end_frame();
    /// let sum = std::thread::spawn(move || handle.receive().iter().sum::<u32>()).join().unwrap();
    /// assert_eq!(sum, 6);
    /// ```
    pub fn frame_box_for_transfer<T: Send>(&self, x: impl IntoTransfer<T>) -> TransferHandle<T> {
        TransferHandle {
            payload: x.into_transfer(),
        }
    }
}
