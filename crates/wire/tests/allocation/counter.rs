//! A global allocator that follows, per thread and only while a measurement runs, the bytes the thread holds
//! and the most it held at once.
//!
//! A reallocation is counted as the new block allocated before the old one is freed, as if it moved: the
//! measured peak is then an upper bound whatever the system allocator does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = HELD.try_with(|h| {
                let now = h.get() + delta;
                h.set(now);
                let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
            });
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches only
// thread-locals with const initialisers and no destructors, so it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize);
        note(-(layout.size() as isize));
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// What a measured call cost this thread, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The most held at once while it ran.
    pub peak: usize,
    /// Still held when it returned (by its result).
    pub retained: usize,
}

/// Runs `f` and measures it; its result is dropped after the measurement.
pub fn measure<R>(f: impl FnOnce() -> R) -> Usage {
    HELD.with(|h| h.set(0));
    PEAK.with(|p| p.set(0));
    MEASURING.with(|m| m.set(true));
    let result = std::hint::black_box(f());
    MEASURING.with(|m| m.set(false));
    let usage = Usage {
        peak: PEAK.with(Cell::get).max(0) as usize,
        retained: HELD.with(Cell::get).max(0) as usize,
    };
    drop(result);
    usage
}
