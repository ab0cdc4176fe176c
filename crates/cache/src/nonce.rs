//! The process-wide cache of nonces sent in our `version` messages.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lru::LruCache;

/// Default number of sent nonces remembered by [`NonceCache::default`]
/// (the value btcd and dcrd use).
pub const DEFAULT_NONCE_CAPACITY: usize = 50;

/// LRU set of the nonces we sent in our `version` messages, used to detect a
/// connection to ourselves.
///
/// Cloning is cheap and clones share the same entries (an [`Arc`] inside), so
/// one cache can be handed to every peer of a process; all methods take
/// `&self` and are safe to call from several threads at once.
///
/// Recency: [`insert`](Self::insert) makes a nonce the most recently used;
/// [`contains`](Self::contains) does **not** refresh it. Lookups happen while
/// handshaking with remotes, and they should not keep an old nonce alive at
/// the expense of the nonces of handshakes still in progress.
///
/// Capacity 0 gives a cache that stores nothing: `contains` is always `false`,
/// which disables self-connection detection.
#[derive(Clone)]
pub struct NonceCache {
    // `None` when the capacity is 0 (lru's capacity is a `NonZeroUsize`).
    inner: Option<Arc<Mutex<LruCache<u64, ()>>>>,
    // Kept outside the lock so reading it never contends.
    capacity: usize,
}

impl NonceCache {
    /// Creates an empty cache holding at most `capacity` nonces; 0 gives a
    /// cache that stores nothing.
    pub fn new(capacity: usize) -> Self {
        let inner = NonZeroUsize::new(capacity).map(|cap| Arc::new(Mutex::new(LruCache::new(cap))));
        Self { inner, capacity }
    }

    /// Remembers `nonce` as the most recently sent one, evicting the least
    /// recently inserted nonce if the cache is full. Re-inserting a nonce
    /// already present only refreshes its recency.
    pub fn insert(&self, nonce: u64) {
        if let Some(mut cache) = self.lock() {
            cache.put(nonce, ());
        }
    }

    /// Whether `nonce` is one we sent (and have not evicted yet). Does not
    /// refresh the nonce's recency.
    pub fn contains(&self, nonce: u64) -> bool {
        self.lock().is_some_and(|cache| cache.contains(&nonce))
    }

    /// Number of nonces currently remembered.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |cache| cache.len())
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Maximum number of nonces remembered (0 for a cache that stores nothing).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> Option<MutexGuard<'_, LruCache<u64, ()>>> {
        // No caller code runs under the lock and hashing a u64 cannot panic,
        // so a poisoned lock cannot hold a half-updated cache: keep using it.
        self.inner
            .as_ref()
            .map(|inner| inner.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Default for NonceCache {
    /// A cache of [`DEFAULT_NONCE_CAPACITY`] nonces.
    fn default() -> Self {
        Self::new(DEFAULT_NONCE_CAPACITY)
    }
}

/// Two handles are equal when they are the same cache (clones of one another), not when they happen to
/// hold the same nonces: what self-connection detection shares is the cache itself.
impl PartialEq for NonceCache {
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for NonceCache {}

impl fmt::Debug for NonceCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_cache_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<NonceCache>();
    }

    #[test]
    fn debug_shows_len_and_capacity() {
        let cache = NonceCache::new(3);
        cache.insert(1);
        assert_eq!(format!("{cache:?}"), "NonceCache { len: 1, capacity: 3 }");
    }
}
