//! The per-peer cache of inventory the remote is known to have.

use std::fmt;
use std::hash::Hash;
use std::time::{Duration, Instant};

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Default number of entries of [`KnownInventory::default`] (dcrd's value).
pub const DEFAULT_INVENTORY_CAPACITY: usize = 1000;

/// Default time an entry of [`KnownInventory::default`] stays known
/// (15 minutes, dcrd's value).
pub const DEFAULT_INVENTORY_TTL: Duration = Duration::from_secs(15 * 60);

/// Per-peer LRU set of inventory the remote is known to have, with expiry.
///
/// Keys are compared by value (`Hash + Eq`), so two inventory vectors built
/// separately from the same type and hash are the same entry. The index uses
/// hashbrown's default hasher (foldhash, randomly seeded), so keys chosen by
/// an untrusted remote cannot be crafted to collide.
///
/// Hand-written rather than the `lru` crate: that allocates a node per new
/// key and frees one per eviction, which for a 1000-item `inv` was half of
/// the receive path's work besides hashing. Here entries live in a slab that
/// is reused once full, linked by index in recency order.
///
/// Time is injected: methods take `now` and the cache never reads a clock.
/// An entry inserted (or re-inserted) at `t` is known for `now` in
/// `t .. t + ttl` and has expired **at** `t + ttl` (the bound is exclusive).
/// A TTL of zero therefore makes every lookup miss; a TTL so large that
/// `t + ttl` is not representable means the entry never expires.
///
/// Recency: [`insert`](Self::insert) makes an entry the most recently used and
/// resets its expiry; [`contains`](Self::contains) does **not** refresh
/// recency (as in dcrd, a lookup peeks). With `now` non-decreasing, the least
/// recently used entry is thus also the one that expires first, so eviction
/// at capacity drops the oldest information first.
///
/// Expired entries are removed when a lookup finds them or when they are
/// evicted; until then they count in [`len`](Self::len).
///
/// Capacity 0 gives a cache that stores nothing (every lookup misses).
///
/// Not thread-safe by design: each peer owns its own cache in its task. The
/// cache is `Send` when `K` is.
pub struct KnownInventory<K> {
    /// The slot of every entry, found by its key's hash. Indexes, not keys: the keys live in `slots`.
    index: HashTable<u32>,
    /// The entries, at most `capacity`; a slot that is evicted or removed is used again, so inserting never
    /// allocates once the cache is full.
    slots: Vec<Slot<K>>,
    /// Slots of removed entries, for reuse.
    free: Vec<u32>,
    /// The least and the most recently used entry: the ends of a list through the slots.
    oldest: u32,
    newest: u32,
    hasher: DefaultHashBuilder,
    capacity: usize,
    ttl: Duration,
}

/// Marks the end of the recency list.
const NONE: u32 = u32::MAX;

struct Slot<K> {
    key: K,
    expiry: Expiry,
    older: u32,
    newer: u32,
}

/// When an entry stops being known; `None` when `inserted + ttl` overflows
/// `Instant`, i.e. never.
type Expiry = Option<Instant>;

impl<K: Hash + Eq> KnownInventory<K> {
    /// Creates an empty cache holding at most `capacity` entries, each known
    /// for `ttl` after its last insertion; capacity 0 gives a cache that
    /// stores nothing. Nothing is allocated until the first insertion.
    ///
    /// # Panics
    /// If `capacity` does not fit in a `u32` (the cache indexes its entries with one).
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        assert!(
            capacity < NONE as usize,
            "a known-inventory cache holds fewer than 2^32 entries"
        );
        Self {
            index: HashTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            oldest: NONE,
            newest: NONE,
            hasher: DefaultHashBuilder::default(),
            capacity,
            ttl,
        }
    }

    /// Records that the remote has `key` as of `now`: inserts it, or refreshes
    /// it if present (its expiry becomes `now + ttl` and it becomes the most
    /// recently used). A new key in a full cache evicts the least recently
    /// inserted entry.
    pub fn insert(&mut self, key: K, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        let expiry = now.checked_add(self.ttl);
        let hash = self.hasher.hash_one(&key);
        if let Some(&at) = self.index.find(hash, |&i| self.slots[i as usize].key == key) {
            self.slots[at as usize].expiry = expiry;
            self.unlink(at);
            self.link_newest(at);
            return;
        }
        if self.index.capacity() == 0 {
            // Room for twice the capacity, the size a full table under constant insertion and eviction
            // ends up at anyway: removals leave tombstones, and a table is rebuilt in place only when it is
            // at most half full, so one sized just above the capacity would double once, minutes in.
            self.index.reserve(2 * self.capacity, |_| 0);
        }
        let at = match self.free.pop() {
            Some(at) => at,
            None if self.slots.len() < self.capacity => {
                self.slots.push(Slot {
                    key,
                    expiry,
                    older: NONE,
                    newer: NONE,
                });
                let at = (self.slots.len() - 1) as u32;
                self.link_new(at, hash);
                return;
            }
            // Full: the least recently used entry makes way.
            None => {
                let at = self.oldest;
                self.forget(at);
                at
            }
        };
        let slot = &mut self.slots[at as usize];
        slot.key = key;
        slot.expiry = expiry;
        self.link_new(at, hash);
    }

    /// Whether `key` is known at `now`. An expired entry is removed.
    pub fn contains(&mut self, key: &K, now: Instant) -> bool {
        let hash = self.hasher.hash_one(key);
        let Some(&at) = self.index.find(hash, |&i| self.slots[i as usize].key == *key) else {
            return false;
        };
        if is_live(self.slots[at as usize].expiry, now) {
            return true;
        }
        self.forget(at);
        self.free.push(at);
        false
    }

    /// Forgets `key`, if present.
    pub fn remove(&mut self, key: &K) {
        let hash = self.hasher.hash_one(key);
        if let Some(&at) = self.index.find(hash, |&i| self.slots[i as usize].key == *key) {
            self.forget(at);
            self.free.push(at);
        }
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        (self.oldest, self.newest) = (NONE, NONE);
    }

    /// Number of entries, expired ones not yet removed included.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most entries the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How long an entry stays known after its last insertion.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Indexes the entry in slot `at` (its key hashing to `hash`) as the most recently used.
    fn link_new(&mut self, at: u32, hash: u64) {
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.index
            .insert_unique(hash, at, |&i| hasher.hash_one(&slots[i as usize].key));
        self.link_newest(at);
    }

    /// Takes the entry in slot `at` out of the index and the recency list; the slot is then unused.
    fn forget(&mut self, at: u32) {
        let hash = self.hasher.hash_one(&self.slots[at as usize].key);
        if let Ok(entry) = self.index.find_entry(hash, |&i| i == at) {
            entry.remove();
        }
        self.unlink(at);
    }

    fn unlink(&mut self, at: u32) {
        let Slot { older, newer, .. } = self.slots[at as usize];
        match older {
            NONE => self.oldest = newer,
            o => self.slots[o as usize].newer = newer,
        }
        match newer {
            NONE => self.newest = older,
            n => self.slots[n as usize].older = older,
        }
    }

    fn link_newest(&mut self, at: u32) {
        let previous = self.newest;
        let slot = &mut self.slots[at as usize];
        (slot.older, slot.newer) = (previous, NONE);
        match previous {
            NONE => self.oldest = at,
            p => self.slots[p as usize].newer = at,
        }
        self.newest = at;
    }
}

impl<K: Hash + Eq> Default for KnownInventory<K> {
    /// A cache of [`DEFAULT_INVENTORY_CAPACITY`] entries expiring after
    /// [`DEFAULT_INVENTORY_TTL`].
    fn default() -> Self {
        Self::new(DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL)
    }
}

impl<K: Hash + Eq> fmt::Debug for KnownInventory<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownInventory")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// Whether an entry with `expiry` is still known at `now` (expiry exclusive).
fn is_live(expiry: Expiry, now: Instant) -> bool {
    // A match rather than `Option::is_none_or`, which needs Rust 1.82.
    match expiry {
        Some(at) => now < at,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_inventory_is_send_when_key_is() {
        fn assert_send<T: Send>() {}
        assert_send::<KnownInventory<[u8; 32]>>();
    }

    #[test]
    fn overflowing_expiry_never_expires() {
        let now = Instant::now();
        let mut known = KnownInventory::new(4, Duration::MAX);
        known.insert(1u8, now);
        assert!(known.contains(&1, now + Duration::from_secs(100 * 365 * 24 * 3600)));
    }

    #[test]
    fn debug_shows_len_capacity_and_ttl() {
        let mut known = KnownInventory::new(3, Duration::from_secs(2));
        known.insert(1u8, Instant::now());
        assert_eq!(format!("{known:?}"), "KnownInventory { len: 1, capacity: 3, ttl: 2s }");
    }
}
