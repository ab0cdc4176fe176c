//! What every runtime benchmark shares: the tokio runtime, TCP connections on 127.0.0.1, the peers' settings,
//! a counter the receiving side bumps, and the test inputs.

use bytes::Bytes;
use coinpeer::runtime::{async_trait, Bitcoin, BitcoinListener, CancellationToken, Direction, Peer, PeerConfig};
use coinpeer::wire::bitcoin::{self as btc, Block, Message};
use coinpeer::wire::messages::{InvType, Inventory, ServiceFlags};
use coinpeer::wire::{EncodeOptions, Frame, Hash256, Network, HEADER_LEN};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Once};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

/// The protocol version two coinpeer peers negotiate; the bare side frames its bytes for it.
pub const VERSION: u32 = btc::version::MAX;

/// A multi-thread runtime with one worker per core, as an application would run.
pub fn runtime() -> Runtime {
    exit_on_panic();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Makes a panic anywhere end the process. Tokio keeps running after a task panics, and a benchmark waiting
/// for a count that task would have bumped would wait forever.
fn exit_on_panic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report(info);
            std::process::exit(101);
        }));
    });
}

/// Runs `work` as a task and waits for its result. Benchmark loops run on a worker thread, like application
/// code does, rather than on the thread blocked in `block_on`, which would add a cross-thread wake-up to
/// every step of whichever side runs there.
pub fn run<T: Send + 'static>(rt: &Runtime, work: impl Future<Output = T> + Send + 'static) -> T {
    rt.block_on(rt.spawn(work)).expect("benchmark task panicked")
}

/// Counts arrivals (messages received, handshakes answered) and wakes the one task waiting for a count.
///
/// Counts only grow, across all the iterations of a benchmark: callers wait for "the count before plus n".
#[derive(Debug)]
pub struct Tally {
    count: AtomicU64,
    /// The count the waiter wants; `u64::MAX` while nobody waits, so that arrivals skip the wake-up.
    wanted: AtomicU64,
    reached: Notify,
}

impl Tally {
    pub fn new() -> Arc<Tally> {
        Arc::new(Tally {
            count: AtomicU64::new(0),
            wanted: AtomicU64::new(u64::MAX),
            reached: Notify::new(),
        })
    }

    pub fn count(&self) -> u64 {
        self.count.load(SeqCst)
    }

    pub fn add(&self) {
        if self.count.fetch_add(1, SeqCst) + 1 >= self.wanted.load(SeqCst) {
            self.reached.notify_one();
        }
    }

    /// Returns once the count is at least `n`.
    pub async fn wait_for(&self, n: u64) {
        loop {
            // Registered before the count is checked, so an arrival in between still wakes us (a stale
            // permit from an earlier arrival only costs one more turn of the loop).
            let reached = self.reached.notified();
            self.wanted.store(n, SeqCst);
            if self.count() >= n {
                break;
            }
            reached.await;
        }
        self.wanted.store(u64::MAX, SeqCst);
    }
}

/// Counts the blocks, `inv`s and pongs a peer receives: what the benchmarks wait for.
pub struct Counter(pub Arc<Tally>);

#[async_trait]
impl BitcoinListener for Counter {
    async fn on_block(&self, _peer: &Peer<Bitcoin>, _block: &Block, _raw: &Bytes) {
        self.0.add();
    }
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _items: &Vec<Inventory>) {
        self.0.add();
    }
    async fn on_pong(&self, _peer: &Peer<Bitcoin>, _nonce: &u64) {
        self.0.add();
    }
}

/// How far a coinpeer sender may run ahead of its receiver, in bytes (its `send_buffer`): about what the bare
/// sender can have in flight in the kernel's socket buffers on loopback, where `write` starts blocking.
pub const WINDOW_BYTES: u64 = 16 << 20;

/// A peer that carries nothing but the benchmark's own traffic: no pings, no stall deadlines, no idle
/// disconnection during a long run. It advertises witness support, so blocks travel with their witnesses,
/// byte for byte as the bare side sends them. `send` waits for room below [`WINDOW_BYTES`]; the cap that
/// disconnects a slow reader is out of the way.
pub fn config(listener: Option<Arc<dyn BitcoinListener>>) -> PeerConfig<Bitcoin> {
    let builder = PeerConfig::<Bitcoin>::builder(Network::BITCOIN)
        .services(ServiceFlags::NETWORK | ServiceFlags::BTC_WITNESS)
        .ping_interval(None)
        .stall_detection(None)
        .idle_timeout(Duration::from_secs(3600))
        .send_buffer(WINDOW_BYTES)
        .max_queued_bytes(1 << 30)
        // Both ends live in this process: each needs its own nonce cache.
        .nonces(coinpeer::cache::NonceCache::default());
    match listener {
        Some(l) => builder.listener(l),
        None => builder,
    }
    .build()
}

/// Two connected sockets on 127.0.0.1 with `TCP_NODELAY`, as `Peer::from_tcp` sets it.
pub async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("listener address");
    let (dialed, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let (dialed, accepted) = (dialed.expect("connect"), accepted.expect("accept").0);
    for s in [&dialed, &accepted] {
        s.set_nodelay(true).expect("TCP_NODELAY");
    }
    (dialed, accepted)
}

/// A peer on `stream`, once its handshake is done.
pub async fn handshake(config: PeerConfig<Bitcoin>, stream: TcpStream, direction: Direction) -> Peer<Bitcoin> {
    let peer = Peer::from_tcp(config, stream, direction, CancellationToken::new()).await;
    peer.unwrap_or_else(|e| panic!("{direction:?} handshake: {e}"))
}

/// Two handshaked peers over TCP: (outbound, inbound).
pub async fn peer_pair(outbound: PeerConfig<Bitcoin>, inbound: PeerConfig<Bitcoin>) -> (Peer<Bitcoin>, Peer<Bitcoin>) {
    let (a, b) = tcp_pair().await;
    let (a, b) = tokio::join!(
        handshake(outbound, a, Direction::Outbound),
        handshake(inbound, b, Direction::Inbound),
    );
    assert!(
        a.witness_enabled() && a.protocol_version() == VERSION && a.encode_options() == EncodeOptions::new(VERSION),
        "blocks must go out as the bare side sends them"
    );
    (a, b)
}

/// A message together with its frame as coinpeer would write it: as bytes for the bare side, and encoded
/// once for coinpeer's `send_frame`.
#[derive(Debug)]
pub struct Payload {
    pub msg: Message,
    pub frame: Bytes,
    pub prepared: Frame,
}

impl Payload {
    pub fn new(msg: Message) -> Arc<Payload> {
        let frame = crate::support::framed(&Network::BITCOIN, &msg, VERSION);
        let prepared = Frame::encode(&Network::BITCOIN, &msg, EncodeOptions::new(VERSION)).expect("encodes");
        assert_eq!([&prepared.header.to_bytes()[..], &prepared.payload].concat(), frame);
        Arc::new(Payload { msg, frame, prepared })
    }

    /// Bytes after the 24-byte header.
    pub fn len(&self) -> u64 {
        (self.frame.len() - HEADER_LEN) as u64
    }
}

/// An `inv` of `items` distinct transaction hashes.
pub fn inv(items: usize) -> Message {
    let item = |i: usize| {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        Inventory {
            kind: InvType::TX,
            hash: Hash256(hash),
        }
    };
    Message::Inv((0..items).map(item).collect())
}

/// The 1.38 MB mainnet block 702,861 (2,500 transactions, most with witnesses), or `None` after a loud
/// `SKIPPED` line when the test data is missing.
pub fn mainnet_block() -> Option<Block> {
    let raw = crate::support::read(
        "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
    )?;
    Some(coinpeer::wire::encode::from_bytes(&Bytes::from(raw), VERSION).expect("the block decodes"))
}

/// `target/bench-results/NAME` (under `CARGO_TARGET_DIR` when set), its directory created.
pub fn result_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("bench-results");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir.join(name)
}
