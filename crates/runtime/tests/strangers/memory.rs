//! Resident memory, and the bytes on the heap as counted by this test's global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The process's resident anonymous memory (heap, stacks) in bytes: `RssAnon` of `/proc/self/status`, or
/// `VmRSS` on kernels without it. Anonymous memory leaves out pages of the test binary's code, which fault
/// in as new code paths first run and would otherwise count as growth.
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let kb = line.strip_prefix(name)?.trim().strip_suffix("kB")?;
            kb.trim().parse::<u64>().ok()
        })
    };
    let kb = field("RssAnon:").or_else(|| field("VmRSS:")).expect("RssAnon or VmRSS");
    kb * 1024
}

/// Counts the bytes allocated on the heap and not freed yet, and the most there were since
/// [`reset_heap_peak`]: what the process holds, exactly, where the resident memory also shows what the
/// allocator keeps after a free, and is rounded to pages.
struct CountingAllocator;

static HEAP_LIVE: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);

impl CountingAllocator {
    fn grew(by: usize) {
        let live = HEAP_LIVE.fetch_add(by, Ordering::Relaxed) + by;
        HEAP_PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

// SAFETY: every call goes to the system allocator with the caller's arguments; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        HEAP_LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            HEAP_LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            Self::grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Bytes on the heap now.
pub(crate) fn heap_live() -> u64 {
    HEAP_LIVE.load(Ordering::Relaxed) as u64
}

/// Starts a new peak at what is on the heap now.
pub(crate) fn reset_heap_peak() {
    HEAP_PEAK.store(HEAP_LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// The most bytes on the heap at once since [`reset_heap_peak`].
pub(crate) fn heap_peak() -> u64 {
    HEAP_PEAK.load(Ordering::Relaxed) as u64
}

/// The settled resident memory: the smallest of a few readings over `over`, so that a transient allocation
/// (a read buffer in flight) does not count.
pub(crate) async fn settled_resident(over: Duration) -> u64 {
    let mut least = u64::MAX;
    let end = Instant::now() + over;
    while Instant::now() < end {
        least = least.min(resident());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    least
}

/// Samples the resident memory every millisecond on its own thread (not a tokio task, which a busy runtime
/// could starve right at the peak) and keeps the highest reading.
pub(crate) struct PeakSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, usize)>,
}

impl PeakSampler {
    pub(crate) fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut peak, mut samples) = (0, 0);
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(resident());
                samples += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            (peak, samples)
        });
        PeakSampler { stop, thread }
    }

    /// The highest reading and how many readings were taken.
    pub(crate) fn finish(self) -> (u64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("sampler thread")
    }
}

pub(crate) fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}
