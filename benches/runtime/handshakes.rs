//! Handshakes over fresh TCP connections, 64 in flight: coinpeer peers on both ends, against bare sockets
//! exchanging the very bytes two coinpeer peers exchange, in the same order.

use crate::common::{config, handshake, run, tcp_pair, Tally};
use bytes::Bytes;
use coinpeer::runtime::{Bitcoin, Direction, Peer, PeerConfig};
use coinpeer::wire::HEADER_LEN;
use criterion::Bencher;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// Connections being dialed or handshaked at any time.
const IN_FLIGHT: usize = 64;

/// Ports answering, dialed in turn. Every closed connection leaves a TIME_WAIT entry for its address pair,
/// and with one port to dial, the kernel's search for a free local port (`__inet_hash_connect`) wades
/// through tens of thousands of them: it took over half of the bare side's CPU, the same for both sides,
/// hiding what the handshake itself costs. A node dialing many remotes never meets this.
const PORTS: usize = 64;

/// Both ends of a handshake; each closes the connection once its side is done.
pub trait Handshaker: Send + Sync + 'static {
    fn dial(&self, stream: TcpStream) -> impl Future<Output = ()> + Send;
    fn answer(&self, stream: TcpStream) -> impl Future<Output = ()> + Send;
}

/// A listener answering every connection, and the dialing side.
pub struct Handshakes<H> {
    handshaker: Arc<H>,
    addrs: Vec<SocketAddr>,
    answered: Arc<Tally>,
}

impl<H: Handshaker> Handshakes<H> {
    /// Starts answering on [`PORTS`] fresh ports of 127.0.0.1.
    pub async fn start(handshaker: H) -> Arc<Handshakes<H>> {
        let (handshaker, answered) = (Arc::new(handshaker), Tally::new());
        let mut addrs = Vec::with_capacity(PORTS);
        for _ in 0..PORTS {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
            addrs.push(listener.local_addr().expect("listener address"));
            tokio::spawn(answer_all(listener, handshaker.clone(), answered.clone()));
        }
        Arc::new(Handshakes {
            handshaker,
            addrs,
            answered,
        })
    }

    /// Runs `n` handshakes, at most [`IN_FLIGHT`] at a time; returns once both ends of each are done.
    async fn run(&self, n: u64) -> Duration {
        let before = self.answered.count();
        let start = Instant::now();
        let mut dialing = JoinSet::new();
        for i in 0..n {
            if dialing.len() == IN_FLIGHT {
                dialing.join_next().await.expect("a task").expect("dialing panicked");
            }
            let (h, addr) = (self.handshaker.clone(), self.addrs[i as usize % PORTS]);
            dialing.spawn(async move {
                let stream = TcpStream::connect(addr).await.expect("connect");
                h.dial(stream).await;
            });
        }
        while let Some(done) = dialing.join_next().await {
            done.expect("dialing panicked");
        }
        self.answered.wait_for(before + n).await;
        start.elapsed()
    }
}

/// Answers every connection `listener` accepts, counting each handshake done.
async fn answer_all<H: Handshaker>(listener: TcpListener, handshaker: Arc<H>, answered: Arc<Tally>) {
    loop {
        let (stream, _) = listener.accept().await.expect("accept");
        let (h, a) = (handshaker.clone(), answered.clone());
        tokio::spawn(async move {
            h.answer(stream).await;
            a.add();
        });
    }
}

/// The criterion routine timing handshakes.
pub fn routine<'a, H: Handshaker>(rt: &'a Runtime, handshakes: &Arc<Handshakes<H>>) -> impl FnMut(&mut Bencher) + 'a {
    let handshakes = handshakes.clone();
    move |b| {
        b.iter_custom(|n| {
            let handshakes = handshakes.clone();
            run(rt, async move { handshakes.run(n).await })
        })
    }
}

/// Coinpeer peers on both ends, each disconnecting once its handshake is done.
pub struct CoinpeerHandshake {
    outbound: PeerConfig<Bitcoin>,
    inbound: PeerConfig<Bitcoin>,
}

impl CoinpeerHandshake {
    /// Each side's peers share a configuration (and so its nonce cache), as the peers of a node do.
    pub fn new() -> CoinpeerHandshake {
        CoinpeerHandshake {
            outbound: config(None),
            inbound: config(None),
        }
    }
}

impl Handshaker for CoinpeerHandshake {
    async fn dial(&self, stream: TcpStream) {
        leave(handshake(self.outbound.clone(), stream, Direction::Outbound).await).await
    }
    async fn answer(&self, stream: TcpStream) {
        leave(handshake(self.inbound.clone(), stream, Direction::Inbound).await).await
    }
}

async fn leave(peer: Peer<Bitcoin>) {
    peer.disconnect();
    peer.wait_for_disconnect().await;
}

/// Bare sockets replaying a recorded coinpeer handshake: the dialer sends its version, reads the whole
/// answer (version, verack and what comes between), then sends the rest (its verack); each side reads exactly
/// what the other sends.
pub struct BareHandshake {
    version: Bytes,
    answer: Bytes,
    rest: Bytes,
}

impl BareHandshake {
    /// Records both directions of a handshake between two coinpeer peers through a relay in the middle.
    pub async fn recorded() -> BareHandshake {
        let (dialer, relay_in) = tcp_pair().await;
        let (relay_out, answerer) = tcp_pair().await;
        let ((in_rd, in_wr), (out_rd, out_wr)) = (relay_in.into_split(), relay_out.into_split());
        let (dialed, answered) = (Recording::default(), Recording::default());
        tokio::spawn(record(in_rd, out_wr, dialed.clone()));
        tokio::spawn(record(out_rd, in_wr, answered.clone()));
        let (a, b) = tokio::join!(
            handshake(config(None), dialer, Direction::Outbound),
            handshake(config(None), answerer, Direction::Inbound),
        );
        // Each peer has read everything the other sent, and the relay records bytes before passing them on.
        let (mut dialed, answer) = (take(&dialed), take(&answered));
        a.disconnect();
        b.disconnect();
        assert_eq!(&dialed[4..11], b"version", "the dialer speaks first");
        let len = u32::from_le_bytes(dialed[16..20].try_into().expect("4 bytes")) as usize;
        let rest = dialed.split_off(HEADER_LEN + len);
        BareHandshake {
            version: dialed,
            answer,
            rest,
        }
    }
}

impl Handshaker for BareHandshake {
    async fn dial(&self, mut stream: TcpStream) {
        stream.write_all(&self.version).await.expect("write");
        read_n(&mut stream, self.answer.len()).await;
        stream.write_all(&self.rest).await.expect("write");
    }
    async fn answer(&self, mut stream: TcpStream) {
        read_n(&mut stream, self.version.len()).await;
        stream.write_all(&self.answer).await.expect("write");
        read_n(&mut stream, self.rest.len()).await;
    }
}

async fn read_n(stream: &mut TcpStream, n: usize) {
    let mut buf = vec![0u8; n];
    stream.read_exact(&mut buf).await.expect("read");
}

type Recording = Arc<Mutex<Vec<u8>>>;

fn take(recording: &Recording) -> Bytes {
    Bytes::from(std::mem::take(&mut *recording.lock().expect("recording")))
}

/// Copies `from` to `to`, recording each chunk before passing it on.
async fn record(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, recording: Recording) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buf).await {
        recording.lock().expect("recording").extend_from_slice(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
