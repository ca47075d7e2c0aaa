//! Frame memory: per-thread bump arenas, the explicit handles and the scoped guard.

pub(crate) mod arena;
pub(crate) mod boxed;
pub(crate) mod collect_in;
pub(crate) mod drain_filter;
pub(crate) mod guard;
pub(crate) mod handles;
pub(crate) mod registry;
pub(crate) mod slices;
pub(crate) mod string;
pub(crate) mod string_conv;
pub(crate) mod try_with;
pub(crate) mod vec;

pub(crate) use registry::tag_changed_on_current_thread;
