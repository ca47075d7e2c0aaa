//! Pool memory: size-class pages for small persistent objects.

pub(crate) mod allocator;
pub(crate) mod arc;
pub(crate) mod boxed;
pub(crate) mod page;
pub(crate) mod raw;
pub(crate) mod size_class;
pub(crate) mod thread_heap;
