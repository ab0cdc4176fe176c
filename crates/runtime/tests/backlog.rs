//! The driver's own limits: how far listeners may fall behind before reading pauses (by count and by bytes),
//! how long a busy peer's task runs before other tasks get a turn, and how long closing the stream may take.

mod support;

use coinpeer_runtime::{async_trait, Bitcoin, BitcoinListener, CancellationToken, DisconnectReason, Peer, PeerConfig};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{encode_frame, EncodeOptions, Hash256, Network};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use support::*;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::Semaphore;

const NET: Network = Network::BITCOIN_REGTEST;
const VERSION: u32 = 70_016;

/// Listener jobs that may wait before reading pauses (`MAX_BACKLOG` in the driver), and their bytes.
const MAX_BACKLOG: u64 = 64;
const MAX_BACKLOG_BYTES: u64 = 8 * 1024 * 1024;

/// A listener whose `inv` calls wait for a permit each: held back until the test hands permits out.
struct Gate(Arc<Semaphore>);

#[async_trait]
impl BitcoinListener for Gate {
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _items: &Vec<Inventory>) {
        self.0.acquire().await.expect("never closed").forget();
    }
}

fn inv(items: usize) -> Message {
    let item = Inventory::new(InvType::TX, Hash256([3; 32]));
    Message::Inv(vec![item; items])
}

/// Invs received by `peer` (counted as they are read, before any listener runs).
fn invs_read(peer: &Peer<Bitcoin>) -> u64 {
    peer.stats().received.get("inv").map_or(0, |s| s.messages)
}

/// A peer whose listener is held back, fed `count` copies of `msg` by a raw remote; returns how many it
/// read before pausing, then lets the listener go and checks that every message arrives.
async fn read_while_listeners_wait(msg: Message, count: u64) -> u64 {
    let gate = Arc::new(Semaphore::new(0));
    let config = quiet::<Bitcoin>(NET).listener(Arc::new(Gate(gate.clone()))).build();
    let (peer, mut remote) = raw_peer(config, VERSION, 256 * 1024).await;
    // Encoded once: a debug build takes a while to frame a large message.
    let mut frame = bytes::BytesMut::new();
    encode_frame(&NET, &msg, EncodeOptions::new(VERSION), &mut frame).unwrap();
    let writer = tokio::spawn(async move {
        for _ in 0..count {
            remote.send_raw(&frame).await;
        }
        remote
    });
    // Reading stops where the backlog is full; the remote's writes then wait on the pipe. Paused means no
    // progress for a second (a debug build checks and decodes a 1.8 MB message in well under that).
    let (mut read, mut unchanged_since) = (0, tokio::time::Instant::now());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while read == 0 || unchanged_since.elapsed() < Duration::from_secs(1) {
        assert!(tokio::time::Instant::now() < deadline, "reading never paused");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = invs_read(&peer);
        if now != read {
            (read, unchanged_since) = (now, tokio::time::Instant::now());
        }
    }
    assert!(
        !writer.is_finished(),
        "the remote could write everything: reading never paused"
    );
    assert!(peer.is_connected(), "a paused peer is not disconnected");
    gate.add_permits(count as usize);
    let _remote = tokio::time::timeout(Duration::from_secs(10), writer)
        .await
        .expect("reading resumed")
        .unwrap();
    for _ in 0..1000 {
        if invs_read(&peer) == count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(
        invs_read(&peer),
        count,
        "every message is read once the listener catches up"
    );
    read
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_pauses_once_64_listener_jobs_wait() {
    // Messages of 36 KB: at most two complete per 64 KiB read, and 64 of them hold 2.3 MB, under the byte
    // bound, so the count bound is the one reached.
    let read = read_while_listeners_wait(inv(1000), 300).await;
    assert!(
        (MAX_BACKLOG..=MAX_BACKLOG + 2).contains(&read),
        "{read} messages read while the listener waited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_pauses_once_8_mib_of_messages_wait_for_listeners() {
    // Messages of 1.8 MB: five hold more than 8 MiB, long before 64 of them wait.
    let msg = inv(50_000);
    let size = 24 + 3 + 50_000 * 36;
    let read = read_while_listeners_wait(msg, 20).await;
    let at_bound = MAX_BACKLOG_BYTES.div_ceil(size);
    assert!(
        (at_bound..=at_bound + 1).contains(&read),
        "{read} messages of {size} bytes read while the listener waited"
    );
}

/// A transport that always has more to read: a handshake, then `feefilter` frames without end. It never
/// returns `Pending` and takes no part in tokio's cooperative budget, so only the driver itself can make
/// room for other tasks. Writes are taken and dropped.
struct Firehose {
    bytes: Vec<u8>,
    at: usize,
    /// Where the repeating part starts.
    repeat_from: usize,
}

impl Firehose {
    fn new() -> Firehose {
        let remote = RawRemote::new(tokio::io::duplex(1).0, NET, VERSION);
        let mut buf = bytes::BytesMut::new();
        let opts = EncodeOptions::new(VERSION);
        encode_frame(&NET, &Message::Version(remote.version_message(9)), opts, &mut buf).unwrap();
        encode_frame(&NET, &Message::Verack, opts, &mut buf).unwrap();
        let repeat_from = buf.len();
        for i in 0..1000 {
            encode_frame(&NET, &Message::FeeFilter(i), opts, &mut buf).unwrap();
        }
        Firehose {
            bytes: buf.to_vec(),
            at: 0,
            repeat_from,
        }
    }
}

impl AsyncRead for Firehose {
    fn poll_read(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        while buf.remaining() > 0 {
            if self.at == self.bytes.len() {
                self.at = self.repeat_from;
            }
            let n = buf.remaining().min(self.bytes.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.bytes[at..at + n]);
            self.at += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Firehose {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn a_peer_whose_remote_never_stops_sending_leaves_other_tasks_their_turn() {
    // One thread: if the flooded peer's task never yielded, nothing else could ever run. The test runs in a
    // thread of its own, so that a starving runtime shows up as a failure rather than a hang. Its steps run
    // in a task, not in `block_on`'s future, which tokio polls only between batches of 61 task polls.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let steps = rt.spawn(async {
            let config = quiet::<Bitcoin>(NET).build();
            let peer = Peer::outbound(config, Firehose::new(), addr(1), CancellationToken::new())
                .await
                .expect("handshake");
            let ran = Arc::new(AtomicBool::new(false));
            let other = tokio::spawn({
                let ran = ran.clone();
                async move { ran.store(true, Ordering::SeqCst) }
            });
            other.await.unwrap();
            assert!(ran.load(Ordering::SeqCst));
            assert!(peer.is_connected(), "still being flooded");
            assert!(peer.stats().received.get("feefilter").is_some_and(|s| s.messages > 0));
            peer.disconnect();
        });
        rt.block_on(steps).expect("the steps pass");
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("another task ran while the peer was flooded");
}

/// A transport whose shutdown never completes.
struct NeverShutsDown(DuplexStream);

impl AsyncRead for NeverShutsDown {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for NeverShutsDown {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

#[tokio::test(start_paused = true)]
async fn closing_a_stream_that_never_shuts_down_is_given_up_after_a_second() {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let inbound = Peer::inbound(quiet::<Bitcoin>(NET).build(), theirs, addr(2), CancellationToken::new());
    let outbound = Peer::outbound(
        quiet::<Bitcoin>(NET).build(),
        NeverShutsDown(ours),
        addr(1),
        CancellationToken::new(),
    );
    let (a, _b) = tokio::join!(outbound, inbound);
    let a = a.expect("handshake");
    let start = tokio::time::Instant::now();
    a.disconnect();
    a.wait_for_disconnect().await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(1100),
        "the task ended {took:?} after the disconnect"
    );
    assert_eq!(a.disconnect_reason(), Some(DisconnectReason::LocalRequest));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_shuts_down_at_once_ends_the_task_at_once() {
    // The control for the test above: the second is a bound, not a delay every peer pays.
    let (a, _b) = pair(
        PeerConfig::<Bitcoin>::builder(NET).nonces(Default::default()).build(),
        quiet::<Bitcoin>(NET).build(),
    )
    .await;
    let start = tokio::time::Instant::now();
    a.disconnect();
    a.wait_for_disconnect().await;
    assert!(start.elapsed() < Duration::from_millis(100), "{:?}", start.elapsed());
}
