//! Insert and lookup costs of the peer caches, at capacity.
//!
//! Goals, checked by the report of `cargo xtask bench` (dcrd's Go LRU for comparison: insert 109 ns, lookup
//! 41 ns): insert under 100 ns, lookup under 40 ns.

use std::hint::black_box;
use std::time::Instant;

use coinpeer_cache::{
    KnownInventory, NonceCache, DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL, DEFAULT_NONCE_CAPACITY,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// A 36-byte inventory vector, as the peer keys `KnownInventory`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct InvVect {
    kind: u32,
    hash: [u8; 32],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` distinct nonces, random-looking like real ones.
fn nonces(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    (0..n).map(|_| splitmix64(&mut state)).collect()
}

/// `n` distinct inventory vectors with random-looking hashes.
fn invs(n: usize, seed: u64) -> Vec<InvVect> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            let mut hash = [0u8; 32];
            for chunk in hash.chunks_exact_mut(8) {
                chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
            }
            InvVect { kind: 1, hash }
        })
        .collect()
}

/// Steps through `keys` cyclically; a pool larger than the cache makes every
/// insert a new key that evicts the oldest one.
struct Cycle<T> {
    keys: Vec<T>,
    next: usize,
}

impl<T: Copy> Cycle<T> {
    fn new(keys: Vec<T>) -> Self {
        Self { keys, next: 0 }
    }

    #[inline]
    fn next(&mut self) -> T {
        let key = self.keys[self.next];
        self.next += 1;
        if self.next == self.keys.len() {
            self.next = 0;
        }
        key
    }
}

fn nonce_cache(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache-nonce");
    let cap = DEFAULT_NONCE_CAPACITY;
    let present = nonces(cap, 1);

    let full = || {
        let cache = NonceCache::new(cap);
        for &n in &present {
            cache.insert(n);
        }
        cache
    };

    group.bench_function("insert-new-evicting", |b| {
        let cache = full();
        let mut keys = Cycle::new(nonces(4 * cap, 2));
        b.iter(|| cache.insert(black_box(keys.next())));
    });
    group.bench_function("insert-existing-refresh", |b| {
        let cache = full();
        let mut keys = Cycle::new(present.clone());
        b.iter(|| cache.insert(black_box(keys.next())));
    });
    group.bench_function("contains-hit", |b| {
        let cache = full();
        let mut keys = Cycle::new(present.clone());
        b.iter(|| black_box(cache.contains(black_box(keys.next()))));
    });
    group.bench_function("contains-miss", |b| {
        let cache = full();
        let mut keys = Cycle::new(nonces(cap, 3));
        b.iter(|| black_box(cache.contains(black_box(keys.next()))));
    });
    group.finish();
}

fn known_inventory(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache-known-inventory");
    let cap = DEFAULT_INVENTORY_CAPACITY;
    let present = invs(cap, 1);
    // One clock read for the whole run: the cache never reads the clock, and
    // the caller's `Instant::now()` is not part of its cost.
    let now = Instant::now();

    let full = || {
        let mut known = KnownInventory::new(cap, DEFAULT_INVENTORY_TTL);
        for &inv in &present {
            known.insert(inv, now);
        }
        known
    };

    group.bench_function("insert-new-evicting", |b| {
        let mut known = full();
        let mut keys = Cycle::new(invs(4 * cap, 2));
        b.iter(|| known.insert(black_box(keys.next()), black_box(now)));
    });
    group.bench_function("insert-existing-refresh", |b| {
        let mut known = full();
        let mut keys = Cycle::new(present.clone());
        b.iter(|| known.insert(black_box(keys.next()), black_box(now)));
    });
    group.bench_function("contains-hit", |b| {
        let mut known = full();
        let mut keys = Cycle::new(present.clone());
        b.iter(|| black_box(known.contains(black_box(&keys.next()), black_box(now))));
    });
    group.bench_function("contains-miss", |b| {
        let mut known = full();
        let mut keys = Cycle::new(invs(cap, 3));
        b.iter(|| black_box(known.contains(black_box(&keys.next()), black_box(now))));
    });
    group.finish();
}

criterion_group!(benches, nonce_cache, known_inventory);
criterion_main!(benches);
