//! One-way traffic: a sender writes `n` copies of a message and the clock stops when the receiver has
//! counted the last one. Directly, or through a relay in the middle.
//!
//! Both receivers do the work a receiver cannot skip: coinpeer decodes every message for its listeners,
//! the bare reader frames it and checks its checksum (the double SHA-256 any receiver pays).

use crate::common::{config, peer_pair, run, tcp_pair, Counter, Payload, Tally};
use coinpeer::runtime::{Bitcoin, Peer, PeerEvent, PeerEvents};
use coinpeer::wire::{sha256d, HEADER_LEN};
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, BenchmarkId};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::Mutex;

/// The bare side's buffers: tokio's default, what a plain tokio program gets.
const BUFFER: usize = 8 * 1024;

/// A sender and a receiver connected one way or another.
trait Link: Send + 'static {
    /// Sends `n` copies of `payload` and returns once the receiver has counted them all.
    fn carry(&mut self, payload: &Payload, n: u64) -> impl Future<Output = ()> + Send;
}

/// Where the bytes go: straight to the receiver, or through a relay in the middle.
#[derive(Debug, Clone, Copy)]
pub enum Route {
    Direct,
    Relayed,
}

/// A coinpeer link and its bare counterpart on the same route.
pub struct Links {
    coinpeer: Arc<Mutex<CoinpeerLink>>,
    bare: Arc<Mutex<BareLink>>,
    /// The bare side's function id.
    baseline: &'static str,
}

impl Links {
    pub fn connect(rt: &Runtime, route: Route) -> Links {
        let (coinpeer, bare) =
            rt.block_on(async { (CoinpeerLink::connect(route).await, BareLink::connect(route).await) });
        let baseline = match route {
            Route::Direct => "bare-tokio",
            Route::Relayed => "bare-copy",
        };
        Links {
            coinpeer: Arc::new(Mutex::new(coinpeer)),
            bare: Arc::new(Mutex::new(bare)),
            baseline,
        }
    }

    /// Benchmarks coinpeer, then the bare side, carrying `payload`; ids are `coinpeer` and the baseline's
    /// name, with `parameter` when given. With `frames`, coinpeer also sends the frame encoded once, as the
    /// bare side does (`coinpeer-frame`).
    pub fn bench(
        &self,
        g: &mut BenchmarkGroup<WallTime>,
        rt: &Runtime,
        payload: &Arc<Payload>,
        parameter: Option<u64>,
        frames: bool,
    ) {
        self.sending(rt, Sending::Message);
        bench_one(g, "coinpeer", parameter, routine(rt, &self.coinpeer, payload));
        if frames {
            self.sending(rt, Sending::Frame);
            bench_one(g, "coinpeer-frame", parameter, routine(rt, &self.coinpeer, payload));
        }
        bench_one(g, self.baseline, parameter, routine(rt, &self.bare, payload));
    }

    fn sending(&self, rt: &Runtime, sending: Sending) {
        rt.block_on(self.coinpeer.lock()).sending = sending;
    }
}

/// How the coinpeer sender hands each message over.
#[derive(Debug, Clone, Copy)]
enum Sending {
    /// `send_ref(&msg)`: encoded and hashed for each send, as most applications send.
    Message,
    /// `send_frame(&frame)`: encoded once, as a node relaying a block to many peers can, and as the bare
    /// side writes its ready-made frame.
    Frame,
}

fn bench_one(g: &mut BenchmarkGroup<WallTime>, name: &str, parameter: Option<u64>, f: impl FnMut(&mut Bencher)) {
    match parameter {
        Some(p) => g.bench_function(BenchmarkId::new(name, p), f),
        None => g.bench_function(name, f),
    };
}

/// The criterion routine timing `link` carrying `payload`.
fn routine<'a, L: Link>(
    rt: &'a Runtime,
    link: &Arc<Mutex<L>>,
    payload: &Arc<Payload>,
) -> impl FnMut(&mut Bencher) + 'a {
    let (link, payload) = (link.clone(), payload.clone());
    move |b| {
        b.iter_custom(|n| {
            let (link, payload) = (link.clone(), payload.clone());
            run(rt, async move {
                let mut link = link.lock().await;
                let start = Instant::now();
                link.carry(&payload, n).await;
                start.elapsed()
            })
        })
    }
}

/// Coinpeer peers: the sender queues messages, the receiver's listener counts them.
struct CoinpeerLink {
    sender: Peer<Bitcoin>,
    sending: Sending,
    /// Every peer of the route, disconnected when the link is dropped.
    peers: Vec<Peer<Bitcoin>>,
    arrived: Arc<Tally>,
}

impl CoinpeerLink {
    async fn connect(route: Route) -> CoinpeerLink {
        let arrived = Tally::new();
        let (mut sender, receiver) = peer_pair(config(None), config(Some(Arc::new(Counter(arrived.clone()))))).await;
        let mut peers = vec![sender.clone(), receiver];
        if let Route::Relayed = route {
            // The sender becomes the relay's way out; whatever block the relay's inbound peer receives from
            // a new first hop, it forwards there as it came: no re-encoding, no re-hashing, no copy.
            let mut relay_config = config(None);
            relay_config.events = Some(64);
            let (first, relay_in) = peer_pair(config(None), relay_config).await;
            tokio::spawn(forward_blocks(relay_in.events().expect("configured"), sender));
            peers.extend([first.clone(), relay_in]);
            sender = first;
        }
        CoinpeerLink {
            sender,
            sending: Sending::Message,
            peers,
            arrived,
        }
    }
}

impl Drop for CoinpeerLink {
    fn drop(&mut self) {
        for peer in &self.peers {
            peer.disconnect();
        }
    }
}

impl Link for CoinpeerLink {
    /// As an application sends: `send_ref` (or `send_frame`) waits while the queue is full (the configured
    /// `send_buffer`, the bare side's window of bytes in the kernel) and yields to the runtime now and then.
    async fn carry(&mut self, payload: &Payload, n: u64) {
        let before = self.arrived.count();
        for _ in 0..n {
            // The sender keeps the message, as a node keeps a block it sends to many peers.
            match self.sending {
                Sending::Message => drop(self.sender.send_ref(&payload.msg).await),
                Sending::Frame => drop(self.sender.send_frame(&payload.prepared).await),
            }
        }
        self.arrived.wait_for(before + n).await;
    }
}

/// The relay: every block frame its inbound peer receives goes out to `out` unchanged.
async fn forward_blocks(mut events: PeerEvents<Bitcoin>, out: Peer<Bitcoin>) {
    while let Some(event) = events.recv().await {
        if let PeerEvent::Message { frame, .. } = event {
            if frame.header.command == "block" {
                drop(out.forward(&frame));
            }
        }
    }
}

/// Plain tokio sockets: the writer writes ready-made frames through a buffer, a task reads and counts them.
struct BareLink {
    writer: BufWriter<TcpStream>,
    arrived: Arc<Tally>,
}

impl BareLink {
    async fn connect(route: Route) -> BareLink {
        let (mut writer, reader) = tcp_pair().await;
        if let Route::Relayed = route {
            // The writer becomes the relay's way out, and a new first hop feeds the relay, which copies
            // bytes from one socket to the other and checks nothing.
            let (first, mut relay_in) = tcp_pair().await;
            let mut relay_out = writer;
            tokio::spawn(async move { tokio::io::copy(&mut relay_in, &mut relay_out).await });
            writer = first;
        }
        let arrived = Tally::new();
        tokio::spawn(count_frames(reader, arrived.clone()));
        BareLink {
            writer: BufWriter::with_capacity(BUFFER, writer),
            arrived,
        }
    }
}

impl Link for BareLink {
    async fn carry(&mut self, payload: &Payload, n: u64) {
        let before = self.arrived.count();
        for _ in 0..n {
            self.writer.write_all(&payload.frame).await.expect("write");
        }
        self.writer.flush().await.expect("flush");
        self.arrived.wait_for(before + n).await;
    }
}

/// Reads frames until the stream ends: the header, then the payload its length announces, whose checksum
/// must match; counts each.
async fn count_frames(stream: impl AsyncRead + Unpin, arrived: Arc<Tally>) {
    let mut rd = BufReader::with_capacity(BUFFER, stream);
    let mut header = [0u8; HEADER_LEN];
    let mut payload = Vec::new();
    while rd.read_exact(&mut header).await.is_ok() {
        let len = u32::from_le_bytes(header[16..20].try_into().expect("4 bytes"));
        payload.resize(len as usize, 0);
        if rd.read_exact(&mut payload).await.is_err() {
            return;
        }
        assert_eq!(sha256d(&payload).0[..4], header[20..24], "bad checksum");
        arrived.add();
    }
}
