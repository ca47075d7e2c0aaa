//! Allocation tags: names that every allocation is accounted to.
//!
//! A tag is interned once into a small integer id (global table); the thread's *current*
//! tag lives in a const thread-local, pushed and popped by RAII guards (`alloc.tag(..)`,
//! `with_tag`, `#[alloc_tag]`), so reading it on the allocation path is one load with no
//! hashing and no lock. The tag stack is per thread, not per allocator: `#[alloc_tag]`
//! does not know which allocator the body will use. Untagged allocations count as
//! `"untagged"` (id 0).

use core::cell::{Cell, RefCell};
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

/// Distinct tags with statistics and budgets of their own ("untagged" included): later
/// ones are accounted under "untagged" (`counters::shard` and `budget` size their tables
/// by it).
pub(crate) const TRACKED_TAGS: TagId = 4096;

#[cold]
fn intern_slow(name: &str) -> (&'static str, TagId) {
    let (interned, id) = intern_locked(name);
    if id == TRACKED_TAGS {
        // The first name past the tracked ones: say so once (after the lock: the logger
        // is user code and may intern tags itself).
        crate::callout::warn(format_args!(
            "framealloc: more than {TRACKED_TAGS} distinct tags; \"{interned}\" and every \
             later new tag are accounted under \"untagged\" in stats and cannot have a budget"
        ));
    }
    (interned, id)
}

fn intern_locked(name: &str) -> (&'static str, TagId) {
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

/// Enter a tag scope: one more scope is open on this thread; returns the new depth.
/// Saturating: `mem::forget` of guards in a loop must not wrap the depth.
pub(crate) fn enter_scope() -> u64 {
    DEPTH
        .try_with(|d| {
            let depth = d.get().saturating_add(1);
            d.set(depth);
            depth
        })
        .unwrap_or(u64::MAX)
}

/// Leave the scope entered at `depth`: returns whether it was still open (an outer scope
/// left first has ended it already).
pub(crate) fn leave_scope(depth: u64) -> bool {
    DEPTH
        .try_with(|d| {
            if d.get() < depth {
                return false;
            }
            d.set(depth - 1);
            true
        })
        .unwrap_or(true)
}

/// Make `id` the thread's current tag; returns the previous one.
pub(crate) fn set_current(id: TagId) -> TagId {
    replace(id)
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

    /// The tag's id, interned on first use (`push` is in `tag_scope`).
    pub(crate) fn id(&self) -> TagId {
        let mut id = self.id.load(Ordering::Relaxed);
        if id == u32::MAX {
            id = intern(self.name);
            self.id.store(id, Ordering::Relaxed);
        }
        id
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
