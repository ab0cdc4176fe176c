//! The per-peer cache of inventory the remote is known to have.

use std::fmt;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use lru::LruCache;

/// Default number of entries of [`KnownInventory::default`] (dcrd's value).
pub const DEFAULT_INVENTORY_CAPACITY: usize = 1000;

/// Default time an entry of [`KnownInventory::default`] stays known
/// (15 minutes, dcrd's value).
pub const DEFAULT_INVENTORY_TTL: Duration = Duration::from_secs(15 * 60);

/// Per-peer LRU set of inventory the remote is known to have, with expiry.
///
/// Keys are compared by value (`Hash + Eq`), so two inventory vectors built
/// separately from the same type and hash are the same entry. The map uses
/// lru's default hasher (hashbrown's foldhash, randomly seeded per process),
/// so keys chosen by an untrusted remote cannot be crafted to collide.
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
    // Unbounded for lru, bounded here: `LruCache::new` reserves room for every entry up front, which for
    // 1000 items is ~16 KiB per peer before the peer has announced anything.
    entries: LruCache<K, Expiry>,
    capacity: usize,
    // Whether the map was given its steady size, once the cache first filled (see `insert`).
    sized: bool,
    ttl: Duration,
}

/// When an entry stops being known; `None` when `inserted + ttl` overflows
/// `Instant`, i.e. never.
type Expiry = Option<Instant>;

impl<K: Hash + Eq> KnownInventory<K> {
    /// Creates an empty cache holding at most `capacity` entries, each known
    /// for `ttl` after its last insertion; capacity 0 gives a cache that
    /// stores nothing.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: LruCache::unbounded(),
            capacity,
            sized: false,
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
        self.entries.put(key, now.checked_add(self.ttl));
        if self.entries.len() > self.capacity {
            self.entries.pop_lru();
            if !self.sized {
                self.resize_for_churn();
            }
        }
    }

    /// Moves the entries into a map with room for twice the capacity, the size a full cache under constant
    /// insertion and eviction ends up at anyway: removals leave tombstones in the hash table, and once they
    /// fill it the table is rebuilt in place only if it is at most half full, so a table sized just above
    /// the capacity doubles at some point. Doing it when the cache first fills keeps a busy peer's memory
    /// flat from then on (about 140 KB for 1000 hashes) instead of stepping up once, minutes later.
    fn resize_for_churn(&mut self) {
        let room = NonZeroUsize::new(2 * self.capacity + 1).expect("capacity + 1 is not zero");
        let mut sized = LruCache::new(room);
        // Least recently used first, so that the order is kept.
        while let Some((key, expiry)) = self.entries.pop_lru() {
            sized.put(key, expiry);
        }
        self.entries = sized;
        self.sized = true;
    }

    /// Whether the remote is known to have `key` at `now`: present and not
    /// expired. An expired entry is removed. Does not refresh recency or
    /// expiry.
    pub fn contains(&mut self, key: &K, now: Instant) -> bool {
        match self.entries.peek(key).copied() {
            None => false,
            Some(expiry) if is_live(expiry, now) => true,
            Some(_) => {
                self.entries.pop(key);
                false
            }
        }
    }

    /// Forgets `key` if present.
    pub fn remove(&mut self, key: &K) {
        self.entries.pop(key);
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of entries stored, including expired ones not yet removed by a
    /// lookup or evicted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Maximum number of entries (0 for a cache that stores nothing).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How long an entry stays known after its last insertion.
    pub fn ttl(&self) -> Duration {
        self.ttl
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
