//! What the application's code or stream may do without hanging or leaking the peer: a listener whose
//! cancelled state calls the peer as it drops, one that panics as it drops, a stream that buffers and
//! flushes late, and the event stream read with `recv` to its end.

mod support;

use coinpeer_runtime::{async_trait, Bitcoin, BitcoinListener, Outcome, Peer, PeerEvent};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::Network;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use support::{addr, pair, quiet};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

const WAIT: Duration = Duration::from_secs(5);

fn regtest() -> coinpeer_runtime::PeerConfigBuilder<Bitcoin> {
    quiet(Network::BITCOIN_REGTEST)
}

/// Calls its peer when dropped, as application state often does (a guard that logs the peer's stats).
struct CallsPeerOnDrop(Peer<Bitcoin>);

impl Drop for CallsPeerOnDrop {
    fn drop(&mut self) {
        let _ = self.0.queued_bytes();
    }
}

/// Panics when dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("boom in drop");
    }
}

/// Holds `T` across an await that never ends, so that the disconnect has to cancel it.
struct Hang<T>(fn(&Peer<Bitcoin>) -> T);

#[async_trait]
impl<T: Send + 'static> BitcoinListener for Hang<T> {
    async fn on_ping(&self, peer: &Peer<Bitcoin>, _nonce: &u64) {
        let _held = (self.0)(peer);
        std::future::pending::<()>().await;
    }
}

/// Pings `b` so that its listener starts hanging, then disconnects from `a`'s side: `b` must finish.
async fn cancel_a_hanging_listener(a: Peer<Bitcoin>, b: Peer<Bitcoin>) {
    assert_eq!(a.send(Message::Ping(5)).await.await, Outcome::Sent);
    tokio::time::sleep(Duration::from_millis(50)).await;
    a.disconnect();
    tokio::time::timeout(WAIT, b.wait_for_disconnect())
        .await
        .expect("the peer finishes");
    assert_eq!(b.running_tasks(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_listener_may_call_its_peer_as_it_drops() {
    let hang = Hang(|peer: &Peer<Bitcoin>| CallsPeerOnDrop(peer.clone()));
    let (a, b) = pair(regtest().build(), regtest().listener(Arc::new(hang)).build()).await;
    cancel_a_hanging_listener(a, b.clone()).await;
    // The peer's lock is free: another thread takes it at once.
    let other = tokio::task::spawn_blocking(move || b.queued_bytes());
    tokio::time::timeout(WAIT, other)
        .await
        .expect("not deadlocked")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_that_panics_as_it_drops_still_lets_the_peer_finish() {
    let hang = Hang(|_: &Peer<Bitcoin>| PanicsOnDrop);
    let (a, b) = pair(regtest().build(), regtest().listener(Arc::new(hang)).build()).await;
    cancel_a_hanging_listener(a, b).await;
}

/// A stream that buffers writes (as TLS does) and whose first flush is pending.
struct LateFlush {
    inner: DuplexStream,
    buf: Vec<u8>,
    pending_once: bool,
}

impl AsyncRead for LateFlush {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, b: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, b)
    }
}

impl AsyncWrite for LateFlush {
    fn poll_write(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        self.buf.extend_from_slice(b);
        Poll::Ready(Ok(b.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if std::mem::take(&mut self.pending_once) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let this = &mut *self;
        while !this.buf.is_empty() {
            match Pin::new(&mut this.inner).poll_write(cx, &this.buf) {
                Poll::Ready(Ok(n)) => drop(this.buf.drain(..n)),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn a_flush_that_was_pending_is_retried() {
    let (x, y) = tokio::io::duplex(1 << 20);
    let x = LateFlush {
        inner: x,
        buf: Vec::new(),
        pending_once: true,
    };
    let cancel = coinpeer_runtime::CancellationToken::new;
    let both = async {
        tokio::join!(
            Peer::outbound(regtest().build(), x, addr(1), cancel()),
            Peer::inbound(regtest().build(), y, addr(2), cancel()),
        )
    };
    let (a, b) = tokio::time::timeout(WAIT, both)
        .await
        .expect("the handshake's bytes get out");
    assert!(a.is_ok() && b.is_ok());
}

#[tokio::test]
async fn recv_reads_the_event_stream_to_its_disconnect() {
    let (a, b) = pair(regtest().build(), regtest().events(8).build()).await;
    let mut events = b.events().expect("configured");
    a.disconnect();
    let mut last = None;
    while let Some(e) = tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("the stream ends")
    {
        last = Some(e);
    }
    assert!(matches!(last, Some(PeerEvent::Disconnected(_))), "{last:?}");
}

/// A transport that panics once armed: a bug below the peer, which must not leave its callers hanging.
struct Exploding {
    inner: DuplexStream,
    armed: Arc<std::sync::atomic::AtomicBool>,
}

impl Exploding {
    fn check(&self) {
        if self.armed.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the transport failed (deliberately, in a test)");
        }
    }
}

impl AsyncRead for Exploding {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.check();
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Exploding {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check();
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn a_send_waiting_for_room_returns_when_the_peers_task_dies() {
    let (ours, theirs) = tokio::io::duplex(1024);
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stream = Exploding {
        inner: ours,
        armed: armed.clone(),
    };
    let config = quiet::<Bitcoin>(Network::BITCOIN_REGTEST).send_buffer(4096).build();
    // A scripted remote: it completes the handshake, then never reads, so its pipe fills, then our queue.
    let mut remote = support::RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let script = async {
        let _our_version: Message = remote.recv().await.expect("our version");
        remote.send(&Message::Version(remote.version_message(0x5eed))).await;
        remote.send(&Message::Verack).await;
        while !matches!(remote.recv::<Message>().await, Some(Message::Verack)) {}
    };
    let (a, ()) = tokio::join!(
        coinpeer_runtime::Peer::outbound(config, stream, addr(1), coinpeer_runtime::CancellationToken::new()),
        script
    );
    let a = a.expect("handshake");
    let item =
        coinpeer_wire::messages::Inventory::new(coinpeer_wire::messages::InvType::TX, coinpeer_wire::Hash256([1; 32]));
    let big = move || Message::Inv(vec![item; 1000]);
    drop(a.try_send(big()).expect("room for one"));
    let waiting = tokio::spawn({
        let a = a.clone();
        async move { a.send(big()).await.await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "send waits while the queue is full");
    // The transport breaks the next time the task touches it (a queued message wakes it).
    armed.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(a.queue_message(Message::SendHeaders));
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiting send returns once the task is gone")
        .expect("no panic in the caller");
    assert_eq!(outcome, Outcome::Dropped);
    assert!(!a.is_connected());
    assert_eq!(
        a.queue_message(Message::SendHeaders).await,
        Outcome::Dropped,
        "later sends resolve at once"
    );
}
