//! A full known-inventory cache under constant churn keeps the memory it had when it first filled.

use coinpeer_cache::KnownInventory;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts the bytes live on the heap, and allocations, made by the thread that asked to be counted: the test
/// harness's own threads allocate now and then too (its progress notices, say).
struct Counting;

/// Signed: the counted thread may free what it allocated before it was counted.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call goes to the system allocator with the caller's arguments; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn key(i: u64) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&i.to_le_bytes());
    k
}

#[test]
fn a_cache_holds_nothing_empty_and_under_churn_stays_at_the_size_it_filled_to() {
    let now = Instant::now();
    COUNTED.with(|c| c.set(true));
    let before = LIVE.load(Ordering::SeqCst);
    let mut known = KnownInventory::new(1000, Duration::from_secs(900));
    // An empty cache holds only the list's two sentinel nodes, no table.
    let empty = LIVE.load(Ordering::SeqCst) - before;
    assert!(empty <= 256, "an empty cache holds {empty} bytes");
    for i in 0..1001 {
        known.insert(key(i), now);
    }
    let full = LIVE.load(Ordering::SeqCst) - before;
    // Tombstones left by evictions would make a table sized just above the capacity double after a few
    // thousand insertions; a hundred thousand is far past that point.
    let mut most = full;
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    for i in 1001..100_000 {
        known.insert(key(i), now);
        most = most.max(LIVE.load(Ordering::SeqCst) - before);
    }
    assert_eq!(known.len(), 1000);
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        allocations,
        "a full cache inserts without allocating"
    );
    assert_eq!(most, full, "the cache grew from {full} to {most} bytes under churn");
    // And what it holds is in proportion: the entries plus an index of twice the capacity.
    assert!(full < 100_000, "{full} bytes for 1000 entries");
    println!("a full cache of 1000 holds {full} bytes");
}
