//! Behaviour of `NonceCache`.

use coinpeer_cache::{NonceCache, DEFAULT_NONCE_CAPACITY};

#[test]
fn default_holds_fifty_nonces() {
    let cache = NonceCache::default();
    assert_eq!(DEFAULT_NONCE_CAPACITY, 50);
    assert_eq!(cache.capacity(), 50);
    assert!(cache.is_empty());
}

#[test]
fn inserted_nonce_is_contained_and_others_are_not() {
    let cache = NonceCache::new(4);
    cache.insert(0xdead_beef);
    assert!(cache.contains(0xdead_beef));
    assert!(!cache.contains(0xdead_bef0));
    assert_eq!(cache.len(), 1);
    assert!(!cache.is_empty());
}

#[test]
fn insert_at_capacity_evicts_least_recently_inserted() {
    let cache = NonceCache::new(3);
    for nonce in 1..=3 {
        cache.insert(nonce);
    }
    cache.insert(4);
    assert!(!cache.contains(1));
    assert!(cache.contains(2) && cache.contains(3) && cache.contains(4));
    assert_eq!(cache.len(), 3);

    cache.insert(5);
    assert!(!cache.contains(2));
    assert_eq!(cache.len(), 3);
}

#[test]
fn reinsert_refreshes_recency() {
    let cache = NonceCache::new(3);
    for nonce in 1..=3 {
        cache.insert(nonce);
    }
    cache.insert(1); // 1 is now the most recent; 2 is the oldest.
    assert_eq!(cache.len(), 3);
    cache.insert(4);
    assert!(cache.contains(1));
    assert!(!cache.contains(2));
}

#[test]
fn lookup_does_not_refresh_recency() {
    let cache = NonceCache::new(3);
    for nonce in 1..=3 {
        cache.insert(nonce);
    }
    assert!(cache.contains(1)); // Must not save 1 from eviction.
    cache.insert(4);
    assert!(!cache.contains(1));
    assert!(cache.contains(2));
}

#[test]
fn clones_share_entries() {
    let cache = NonceCache::new(4);
    let clone = cache.clone();
    clone.insert(7);
    assert!(cache.contains(7));
    assert_eq!(cache.len(), 1);
}

#[test]
fn capacity_zero_stores_nothing() {
    let cache = NonceCache::new(0);
    cache.insert(1);
    assert!(!cache.contains(1));
    assert_eq!(cache.len(), 0);
    assert!(cache.is_empty());
    assert_eq!(cache.capacity(), 0);
}

#[test]
fn concurrent_inserts_from_several_threads_are_all_kept() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 200;
    let cache = NonceCache::new((THREADS * PER_THREAD) as usize);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let cache = cache.clone();
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    let nonce = t << 32 | i;
                    cache.insert(nonce);
                    // Our own insert is visible at once to this thread.
                    assert!(cache.contains(nonce));
                }
            });
        }
        // A concurrent reader sees a consistent, bounded cache.
        let reader = &cache;
        s.spawn(move || {
            for _ in 0..1000 {
                assert!(reader.len() <= reader.capacity());
                assert!(!reader.contains(u64::MAX));
            }
        });
    });
    assert_eq!(cache.len(), (THREADS * PER_THREAD) as usize);
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            assert!(cache.contains(t << 32 | i));
        }
    }
}

#[test]
fn concurrent_inserts_beyond_capacity_stay_bounded() {
    let cache = NonceCache::new(50);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let cache = &cache;
            s.spawn(move || {
                for i in 0..1000u64 {
                    cache.insert(t << 32 | i);
                    assert!(cache.len() <= 50);
                }
            });
        }
    });
    assert_eq!(cache.len(), 50);
    // The 50 kept are the last 50 inserts overall, whatever the interleaving;
    // since each thread inserts in order, each kept nonce is among the last
    // 50 of its own thread.
    let kept = (0..4u64)
        .flat_map(|t| (0..1000u64).map(move |i| (t, i)))
        .filter(|&(t, i)| cache.contains(t << 32 | i))
        .inspect(|&(_, i)| assert!(i >= 950))
        .count();
    assert_eq!(kept, 50);
}
