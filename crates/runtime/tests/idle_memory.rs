//! A peer keeps the buffers of a burst while it is busy and lets them go once it has been quiet a moment.

mod support;

use coinpeer_runtime::{Bitcoin, CancellationToken, Direction, Peer, PeerConfig, PeerEvent};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::Network;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::*;
use tokio::net::{TcpListener, TcpStream};

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator with the caller's arguments; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::SeqCst);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const NET: Network = Network::BITCOIN_REGTEST;

fn live() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// Two peers over TCP on 127.0.0.1: an in-memory pipe would keep buffers of its own.
async fn tcp_pair(out: PeerConfig<Bitcoin>, inb: PeerConfig<Bitcoin>) -> (Peer<Bitcoin>, Peer<Bitcoin>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (dialed, accepted) = tokio::join!(TcpStream::connect(listener.local_addr().unwrap()), listener.accept());
    let (a, b) = tokio::join!(
        Peer::from_tcp(out, dialed.unwrap(), Direction::Outbound, CancellationToken::new()),
        Peer::from_tcp(inb, accepted.unwrap().0, Direction::Inbound, CancellationToken::new()),
    );
    (a.expect("handshake"), b.expect("handshake"))
}

// One test in this binary: the counter is process-wide. Real time, real sockets: the test takes about half
// a second, the quiet moment being 250 ms.
#[tokio::test]
async fn burst_buffers_are_kept_while_busy_and_let_go_after_a_quiet_moment() {
    let (a, b) = tcp_pair(
        quiet::<Bitcoin>(NET).build(),
        quiet::<Bitcoin>(NET).events(1024).build(),
    )
    .await;
    let mut events = b.events().expect("configured");
    // First, the handshake's event.
    assert!(matches!(events.recv().await, Some(PeerEvent::Connected(_))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = live();

    // A burst: many messages, each answered (pongs), the receiver's events read as they come.
    for i in 0..500 {
        drop(a.queue_message(Message::Ping(i)));
    }
    for _ in 0..500 {
        match events.recv().await {
            Some(PeerEvent::Message { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    // The pongs' way back.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let busy = live();
    assert!(
        busy > idle + 1024,
        "a busy pair keeps its burst buffers: {idle} -> {busy} bytes"
    );

    // Less than the quiet moment (250 ms): still kept.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(live() > idle + 1024, "let go too early: {} bytes", live());

    tokio::time::sleep(Duration::from_millis(400)).await;
    let quiet = live();
    assert!(
        quiet <= idle + 256,
        "after a quiet moment the pair holds {quiet} bytes, {} more than before the burst",
        quiet as isize - idle as isize
    );
    assert!(a.is_connected() && b.is_connected());
}
