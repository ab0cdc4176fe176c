//! Regression tests from a review of the memory and speed changes (shedding, the event queue).

mod support;

use coinpeer_runtime::{async_trait, Bitcoin, BitcoinListener, Peer, PeerEvent, PeerEvents};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tokio::sync::Semaphore;

const NET: Network = Network::BITCOIN_REGTEST;

/// Counts the bytes the current thread holds on the heap: a test on a current-thread runtime sees its peers'
/// memory and nothing of the tests running beside it.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: isize) {
    let _ = LIVE.try_with(|n| n.set(n.get() + bytes));
}

// SAFETY: every call goes to the system allocator with the caller's arguments; only a counter is added (a
// const thread-local without a destructor, which never allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

/// The idle shed is the task's timer: a peer closing in the middle of a burst used to keep the burst's room
/// (its send queue's encoding buffer, event room, outcome waiters, and the event stream's queue) for as long
/// as the application held its handles: 350 KB for this pair.
#[tokio::test(start_paused = true)]
async fn a_peer_closed_while_busy_lets_its_burst_buffers_go() {
    let (a, b) = pair(
        quiet::<Bitcoin>(NET).build(),
        quiet::<Bitcoin>(NET).events(1024).build(),
    )
    .await;
    let mut events = b.events().expect("configured");
    // First, the handshake's event.
    assert!(matches!(events.recv().await, Some(PeerEvent::Connected(_))));
    // Quiet: both have let go of what the handshake used.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = live();

    let handles: Vec<_> = (0..500).map(|i| a.queue_message(Message::Ping(i))).collect();
    for _ in 0..500 {
        assert!(matches!(events.recv().await, Some(PeerEvent::Message { .. })));
    }
    // Closed at once, well within the 250 ms after which an open peer would shed.
    a.disconnect();
    a.wait_for_disconnect().await;
    b.wait_for_disconnect().await;
    assert!(matches!(events.recv().await, Some(PeerEvent::Disconnected(_))));
    assert!(events.recv().await.is_none());
    drop(handles);
    settle().await;

    // Both handles and the stream are still held; the tasks and their sockets are gone.
    let closed = live();
    assert!(
        closed <= idle + 4096,
        "two closed peers hold {} bytes more than when they were idle and open",
        closed - idle
    );
    assert!(!a.is_connected() && !b.is_connected());
}

/// Longer than the quiet moment (250 ms) after which a peer's task lets go of its burst buffers.
const QUIET: Duration = Duration::from_millis(300);

/// Sends `n` pings from `a`; `b`'s stream is read now or, with `late`, only once `b` has gone quiet.
async fn ping_burst(a: &Peer<Bitcoin>, events: &mut PeerEvents<Bitcoin>, n: u64, late: bool) {
    for i in 0..n {
        drop(a.queue_message(Message::Ping(i)));
    }
    if late {
        settle().await;
        tokio::time::sleep(QUIET).await;
    }
    for _ in 0..n {
        assert!(matches!(events.recv().await, Some(PeerEvent::Message { .. })));
    }
    tokio::time::sleep(QUIET).await;
}

/// When the task goes quiet while events still wait for the application, their queue's room used to stay until
/// the next read or write (the next ping, minutes later, or never with pings off): 100 KB for 500 events.
#[tokio::test(start_paused = true)]
async fn events_read_after_the_peer_went_quiet_let_their_room_go() {
    let (a, b) = pair(
        quiet::<Bitcoin>(NET).build(),
        quiet::<Bitcoin>(NET).events(1024).build(),
    )
    .await;
    let mut events = b.events().expect("configured");
    // First, the handshake's event.
    assert!(matches!(events.recv().await, Some(PeerEvent::Connected(_))));
    // The same burst read at once: what the in-memory pipe keeps of it is there before the measure.
    ping_burst(&a, &mut events, 500, false).await;
    let quiet = live();
    ping_burst(&a, &mut events, 500, true).await;
    let after = live();
    assert!(
        after <= quiet + 1024,
        "a quiet pair holds {} bytes more after a burst read late",
        after - quiet
    );
    assert!(a.is_connected() && b.is_connected());
}

/// Listener calls each waiting for a permit from the test.
struct Gate(Arc<Semaphore>);

#[async_trait]
impl BitcoinListener for Gate {
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _items: &Vec<Inventory>) {
        self.0.acquire().await.expect("never closed").forget();
    }
}

/// Sends `n` invs from `a`; `gate` lets the listener take them now or, with `late`, only once the peer has gone
/// quiet.
async fn inv_burst(a: &Peer<Bitcoin>, gate: &Semaphore, n: usize, late: bool) {
    if !late {
        gate.add_permits(n);
    }
    for i in 0..n {
        let item = Inventory::new(InvType::TX, Hash256([i as u8; 32]));
        drop(a.queue_message(Message::Inv(vec![item])));
    }
    settle().await;
    if late {
        tokio::time::sleep(QUIET).await;
        gate.add_permits(n);
        settle().await;
    }
    assert_eq!(gate.available_permits(), 0, "every call ran");
    tokio::time::sleep(QUIET).await;
}

/// The same for listener calls still queued when the peer went quiet (fewer than the 64 that pause reading).
#[tokio::test(start_paused = true)]
async fn listener_calls_finishing_after_the_peer_went_quiet_let_their_room_go() {
    let gate = Arc::new(Semaphore::new(0));
    let listening = quiet::<Bitcoin>(NET).listener(Arc::new(Gate(gate.clone()))).build();
    let (a, b) = pair(quiet::<Bitcoin>(NET).build(), listening).await;
    inv_burst(&a, &gate, 60, false).await;
    let quiet = live();
    inv_burst(&a, &gate, 60, true).await;
    let after = live();
    assert!(
        after <= quiet + 1024,
        "a quiet pair holds {} bytes more after listeners caught up late",
        after - quiet
    );
    assert!(a.is_connected() && b.is_connected());
}
