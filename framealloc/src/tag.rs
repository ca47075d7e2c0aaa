//! Allocation tags: names that every allocation is accounted to.
//!
//! A tag is interned once into a small integer id (global table); the thread's *current*
//! tag lives in a const thread-local, pushed and popped by RAII guards (`alloc.tag(..)`,
//! `with_tag`, `#[alloc_tag]`), so reading it on the allocation path is one load with no
//! hashing and no lock. The tag stack is per thread, not per allocator: `#[alloc_tag]`
//! does not know which allocator the body will use. Untagged allocations count as
//! `"untagged"` (id 0).

use core::cell::{Cell, RefCell};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A tag's interned id. 0 is `"untagged"`.
pub(crate) type TagId = u32;

/// The name of tag 0.
pub const UNTAGGED: &str = "untagged";

struct Table {
    names: Vec<&'static str>,
    ids: HashMap<&'static str, TagId>,
}

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        Mutex::new(Table {
            names: vec![UNTAGGED],
            ids: HashMap::from([(UNTAGGED, 0)]),
        })
    })
}

/// Entries of the per-thread intern cache.
const CACHE_SLOTS: usize = 8;

thread_local! {
    /// The thread's current tag.
    static CURRENT: Cell<TagId> = const { Cell::new(0) };
    /// Tag guards alive on this thread, innermost last (see [`TagGuard`]'s `depth`).
    static DEPTH: Cell<u64> = const { Cell::new(0) };
    /// Recently interned names: compared by content, so no hashing on a hit.
    static CACHE: RefCell<[(&'static str, TagId); CACHE_SLOTS]> =
        const { RefCell::new([(UNTAGGED, 0); CACHE_SLOTS]) };
    static CACHE_NEXT: Cell<usize> = const { Cell::new(0) };
}

/// The id of `name`, interning it (once per process) if new.
pub(crate) fn intern(name: &str) -> TagId {
    let cached = CACHE
        .try_with(|c| {
            c.borrow()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, id)| id)
        })
        .ok()
        .flatten();
    if let Some(id) = cached {
        return id;
    }
    let (interned, id) = intern_slow(name);
    let _ = CACHE.try_with(|c| {
        let slot = CACHE_NEXT.with(|n| {
            let i = n.get();
            n.set((i + 1) % CACHE_SLOTS);
            i
        });
        c.borrow_mut()[slot] = (interned, id);
    });
    id
}

#[cold]
fn intern_slow(name: &str) -> (&'static str, TagId) {
    let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((&interned, &id)) = table.ids.get_key_value(name) {
        return (interned, id);
    }
    // One copy per distinct name for the life of the process.
    let interned: &'static str = Box::leak(name.to_owned().into_boxed_str());
    // Ids stop short of `u32::MAX` (the "not interned yet" mark of `StaticTag`); past
    // four billion names, new names are accounted as untagged.
    let Some(id) = TagId::try_from(table.names.len())
        .ok()
        .filter(|&id| id < TagId::MAX)
    else {
        return (UNTAGGED, 0);
    };
    table.names.push(interned);
    table.ids.insert(interned, id);
    (interned, id)
}

/// A tag name in serialized data: deserializing interns it, giving the `&'static str`
/// that stats and events hold (one copy per distinct name for the life of the process).
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
#[serde(transparent)]
pub(crate) struct Name(pub(crate) &'static str);

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Ok(Name(intern_slow(&name).0))
    }
}

/// The name of an interned tag.
pub(crate) fn name_of(id: TagId) -> &'static str {
    let table = table().lock().unwrap_or_else(PoisonError::into_inner);
    table.names.get(id as usize).copied().unwrap_or(UNTAGGED)
}

/// The calling thread's current tag (always "untagged" under `minimal`).
#[inline(always)]
pub(crate) fn current() -> TagId {
    if cfg!(feature = "minimal") {
        return 0;
    }
    CURRENT.try_with(Cell::get).unwrap_or(0)
}

/// Set the current tag, returning the previous one.
fn replace(id: TagId) -> TagId {
    CURRENT.try_with(|c| c.replace(id)).unwrap_or(0)
}

/// An active tag scope: allocations on this thread are accounted to the tag until the
/// guard drops (on every exit path, unwinding included), which restores the previous tag.
///
/// Made by [`SmartAlloc::tag`](crate::SmartAlloc::tag); `with_tag` and `#[alloc_tag]`
/// use it. `!Send`: the tag belongs to the thread that pushed it.
///
/// Dropping a guard restores the tag that was current when it was made and ends every
/// tag scope opened inside it: if guards are dropped out of order, the inner guards
/// dropped later change nothing (the thread is back at the outer guard's previous tag,
/// not at a tag whose guard is gone).
#[must_use = "the tag is popped as soon as the guard drops"]
pub struct TagGuard {
    previous: TagId,
    tag: TagId,
    /// Guards alive on this thread when this one was made, itself included.
    depth: u64,
    _thread: PhantomData<*const ()>,
}

impl TagGuard {
    pub(crate) fn push(tag: TagId) -> TagGuard {
        if cfg!(feature = "minimal") {
            // Tag recording is compiled out: the guard only marks the scope.
            return TagGuard {
                previous: 0,
                tag: 0,
                depth: 0,
                _thread: PhantomData,
            };
        }
        // Saturating: `mem::forget` of guards in a loop must not wrap the depth.
        let depth = DEPTH
            .try_with(|d| {
                let depth = d.get().saturating_add(1);
                d.set(depth);
                depth
            })
            .unwrap_or(u64::MAX);
        let previous = replace(tag);
        // Frame growth so far belongs to the previous tag; from here on, to `tag`.
        crate::frame::tag_changed_on_current_thread();
        TagGuard {
            previous,
            tag,
            depth,
            _thread: PhantomData,
        }
    }

    /// The tag this guard pushed.
    pub fn name(&self) -> &'static str {
        name_of(self.tag)
    }
}

impl Drop for TagGuard {
    fn drop(&mut self) {
        if cfg!(feature = "minimal") {
            return;
        }
        let open = DEPTH
            .try_with(|d| {
                if d.get() < self.depth {
                    // An outer guard was dropped first and ended this scope already.
                    return false;
                }
                d.set(self.depth - 1);
                true
            })
            .unwrap_or(true);
        if !open {
            return;
        }
        replace(self.previous);
        // Frame growth since the push belongs to this guard's tag.
        crate::frame::tag_changed_on_current_thread();
    }
}

impl core::fmt::Debug for TagGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TagGuard")
            .field("tag", &self.name())
            .finish()
    }
}

/// A tag named in source (by `#[alloc_tag]`): interned on first use, then a single load.
#[doc(hidden)]
pub struct StaticTag {
    name: &'static str,
    id: AtomicU32,
}

impl StaticTag {
    /// A tag for `name`, not yet interned.
    pub const fn new(name: &'static str) -> Self {
        StaticTag {
            name,
            id: AtomicU32::new(u32::MAX),
        }
    }

    /// Push this tag for the calling thread.
    pub fn push(&self) -> TagGuard {
        if cfg!(feature = "minimal") {
            return TagGuard::push(0);
        }
        let mut id = self.id.load(Ordering::Relaxed);
        if id == u32::MAX {
            id = intern(self.name);
            self.id.store(id, Ordering::Relaxed);
        }
        TagGuard::push(id)
    }
}

/// A tag declared in source with `#[alloc_tag]`, collected at link time: tools and
/// reports can list every tag in the binary with [`registered_tags`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagInfo {
    /// The tag's name.
    pub name: &'static str,
    /// Its budget in bytes, if the attribute set one.
    pub budget: Option<u64>,
    /// `module_path!()` of the annotated item.
    pub module_path: &'static str,
    /// `file!()` of the annotated item.
    pub file: &'static str,
    /// `line!()` of the annotated item.
    pub line: u32,
}

inventory::collect!(TagInfo);

/// Every tag declared with `#[alloc_tag]` anywhere in the binary.
pub fn registered_tags() -> impl Iterator<Item = &'static TagInfo> {
    inventory::iter::<TagInfo>.into_iter()
}
