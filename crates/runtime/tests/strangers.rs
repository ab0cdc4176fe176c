//! Strangers over real TCP on 127.0.0.1 (issue 12): remotes that send a `version` and never a `verack`,
//! against a peer that listens as `coinpeer listen` does (an accept loop starting `Peer::from_tcp` inbound for
//! each connection). Before its verack a remote may make us hold at most the 64 KiB pre-handshake budget:
//! unknown commands are skipped as they arrive, known messages count against the budget (past it the
//! stranger is cut off), and the handshake timeout ends whoever is left.
//!
//! The tests measure the resident memory of this process (Linux `/proc/self/status`), so they take turns.
#![cfg(target_os = "linux")]

mod support;

use bytes::{Bytes, BytesMut};
use coinpeer_handshake::HandshakeError;
use coinpeer_protocol::DEFAULT_PRE_HANDSHAKE_BUDGET;
use coinpeer_runtime::{
    Bitcoin, CancellationToken, ConnectError, Direction, Outcome, Peer, PeerConfig, ProtocolViolation,
};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{NetAddress, ServiceFlags, TimedNetAddress, VersionMessage, MAX_ADDR_PER_MSG};
use coinpeer_wire::{encode_frame, Command, EncodeOptions, ErrorKind, FrameDecoder, Network, HEADER_LEN};
use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::quiet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

const NETWORK: Network = Network::BITCOIN_REGTEST;
/// The protocol version the strangers speak.
const VERSION: u32 = 70016;
const STRANGERS: usize = 100;
/// What a stranger may make us hold before its verack.
const BUDGET: usize = DEFAULT_PRE_HANDSHAKE_BUDGET;
/// The payload of each unknown message a stranger floods with: just under Bitcoin's 4,000,000-byte maximum,
/// so the frame is legal and only the pre-handshake rules stand between it and our memory.
const JUNK_PAYLOAD: usize = 3_900_000;

/// The memory tests take turns: each measures the whole process.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------------------

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
fn heap_live() -> u64 {
    HEAP_LIVE.load(Ordering::Relaxed) as u64
}

/// Starts a new peak at what is on the heap now.
fn reset_heap_peak() {
    HEAP_PEAK.store(HEAP_LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// The most bytes on the heap at once since [`reset_heap_peak`].
fn heap_peak() -> u64 {
    HEAP_PEAK.load(Ordering::Relaxed) as u64
}

/// The settled resident memory: the smallest of a few readings over `over`, so that a transient allocation
/// (a read buffer in flight) does not count.
async fn settled_resident(over: Duration) -> u64 {
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
struct PeakSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, usize)>,
}

impl PeakSampler {
    fn start() -> Self {
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
    fn finish(self) -> (u64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("sampler thread")
    }
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

// ---------------------------------------------------------------------------------------------------------
// The listening peer
// ---------------------------------------------------------------------------------------------------------

/// What `from_tcp` answered for one accepted connection.
struct Accepted {
    result: Result<Peer<Bitcoin>, ConnectError>,
    /// From the accept to the answer.
    took: Duration,
}

struct Listening {
    addr: SocketAddr,
    accepted: mpsc::UnboundedReceiver<Accepted>,
    cancel: CancellationToken,
}

impl Listening {
    /// The next `n` answers of `from_tcp`, in the order they came.
    async fn next(&mut self, n: usize, within: Duration) -> Vec<Accepted> {
        let mut out = Vec::with_capacity(n);
        let deadline = tokio::time::Instant::now() + within;
        while out.len() < n {
            match tokio::time::timeout_at(deadline, self.accepted.recv()).await {
                Ok(Some(a)) => out.push(a),
                Ok(None) => panic!("the accept loop ended"),
                Err(_) => panic!(
                    "only {} of {n} connections ended their handshake in {within:?}",
                    out.len()
                ),
            }
        }
        out
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Listens on 127.0.0.1 as `coinpeer listen` does: every accepted connection becomes an inbound peer, served
/// by a task of its own until it disconnects; what `from_tcp` answered goes to [`Listening::accepted`].
async fn listen(config: PeerConfig<Bitcoin>) -> Listening {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cancel = CancellationToken::new();
    let (tx, accepted) = mpsc::unbounded_channel();
    let stop = cancel.clone();
    tokio::spawn(async move {
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                accepted = listener.accept() => {
                    let (stream, _) = accepted.expect("accept");
                    let (config, cancel, tx) = (config.clone(), stop.clone(), tx.clone());
                    tasks.spawn(async move {
                        let start = Instant::now();
                        let result = Peer::from_tcp(config, stream, Direction::Inbound, cancel).await;
                        let peer = result.as_ref().ok().cloned();
                        let _ = tx.send(Accepted { result, took: start.elapsed() });
                        // Served until it leaves, as `coinpeer listen` does (this handle keeps it open).
                        if let Some(peer) = peer {
                            peer.wait_for_disconnect().await;
                        }
                    });
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
    });
    Listening { addr, accepted, cancel }
}

// ---------------------------------------------------------------------------------------------------------
// Strangers and honest peers
// ---------------------------------------------------------------------------------------------------------

fn frame(msg: &Message) -> Bytes {
    let mut buf = BytesMut::new();
    encode_frame(&NETWORK, msg, EncodeOptions::new(VERSION), &mut buf).unwrap();
    buf.freeze()
}

fn version_frame(nonce: u64) -> Bytes {
    frame(&Message::Version(VersionMessage {
        version: VERSION,
        services: ServiceFlags::NETWORK,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NETWORK),
        nonce,
        user_agent: "/stranger:1.0/".into(),
        start_height: 0,
        relay: true,
    }))
}

/// One unknown-command frame of [`JUNK_PAYLOAD`] bytes, shared by every stranger (so that the strangers'
/// own side of the test holds it once).
fn junk_frame() -> Bytes {
    frame(&Message::Unknown {
        command: Command::from_static("junk"),
        payload: Bytes::from(vec![0x5a; JUNK_PAYLOAD]),
    })
}

/// An `addr` of the most entries allowed: a known message of 30,003 payload bytes, which a stranger's
/// listener holds until the verack, so that three do not fit in the budget.
fn addr_frame() -> Bytes {
    let entries = (0..MAX_ADDR_PER_MSG)
        .map(|i| TimedNetAddress {
            time: 1_700_000_000,
            addr: NetAddress::from_socket_addr(
                SocketAddr::from(([10, (i >> 8) as u8, i as u8, 1], 8333)),
                ServiceFlags::NETWORK,
            ),
        })
        .collect();
    frame(&Message::Addr(entries))
}

/// A remote that sent its version, saw the listener's version and verack (so the listener took the version
/// and awaits the verack), and will never send a verack.
struct Stranger {
    write: OwnedWriteHalf,
    /// When the TCP connection was up.
    connected: Instant,
    /// Resolves, with the time, once the listener closed the connection (it reads and drops anything else).
    closed: JoinHandle<Instant>,
}

async fn stranger(addr: SocketAddr, nonce: u64) -> Stranger {
    let stream = TcpStream::connect(addr).await.unwrap();
    let connected = Instant::now();
    let (mut read, mut write) = stream.into_split();
    write.write_all(&version_frame(nonce)).await.unwrap();
    let mut frames = FrameDecoder::new(NETWORK, VERSION);
    // The listener's version, feature announcements (sendaddrv2, wtxidrelay) and verack.
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while seen.last() != Some(&Command::from_static("verack")) {
        let n = read.read(&mut buf).await.unwrap();
        assert!(n > 0, "the listener closed before answering our version");
        frames.extend_from_slice(&buf[..n]);
        while let Some(f) = frames.next_frame().unwrap() {
            seen.push(f.header.command);
        }
    }
    assert_eq!(seen.first(), Some(&Command::from_static("version")), "{seen:?}");
    let closed = tokio::spawn(async move {
        let mut buf = [0u8; 256];
        while let Ok(1..) = read.read(&mut buf).await {}
        Instant::now()
    });
    Stranger {
        write,
        connected,
        closed,
    }
}

/// `STRANGERS` strangers, connected concurrently.
async fn strangers(addr: SocketAddr) -> Vec<Stranger> {
    let mut set = JoinSet::new();
    for i in 0..STRANGERS {
        set.spawn(stranger(addr, 0x5742_0000_0000 + i as u64));
    }
    let mut out = Vec::with_capacity(STRANGERS);
    while let Some(s) = set.join_next().await {
        out.push(s.expect("stranger"));
    }
    out
}

/// Writes `frame` over and over, at most `limit` times, until the listener cuts the connection; returns how
/// many were written whole.
async fn flood(mut write: OwnedWriteHalf, frame: Bytes, limit: u64, written: Arc<AtomicU64>) -> u64 {
    let mut whole = 0;
    while whole < limit && write.write_all(&frame).await.is_ok() {
        whole += 1;
        written.fetch_add(1, Ordering::Relaxed);
    }
    whole
}

/// An honest coinpeer peer dialing the listener; the handshake must complete.
async fn honest(addr: SocketAddr) -> (Peer<Bitcoin>, Duration) {
    let start = Instant::now();
    let stream = TcpStream::connect(addr).await.unwrap();
    let config = quiet::<Bitcoin>(NETWORK).build();
    let peer = Peer::from_tcp(config, stream, Direction::Outbound, CancellationToken::new())
        .await
        .expect("an honest peer completes its handshake");
    (peer, start.elapsed())
}

/// Pings and waits for the pong; returns the round trip.
async fn ping(peer: &Peer<Bitcoin>) -> Duration {
    let pongs = |p: &Peer<Bitcoin>| p.stats().received.get("pong").map_or(0, |c| c.messages);
    let before = pongs(peer);
    let start = Instant::now();
    assert_eq!(peer.push_ping().await, Outcome::Sent);
    while pongs(peer) == before {
        assert!(start.elapsed() < Duration::from_secs(5), "no pong within 5 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    start.elapsed()
}

// ---------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------

/// Short, so that the test takes a few seconds; long enough for every stranger to push several junk
/// messages (each ~60 times the budget) first, about 2 GB/s of junk going through on a 2-CPU machine, and
/// for the late honest peer's handshake and ping, which took up to 1.3 s under the flood on a loaded one.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);
/// Growth allowed on top of the budgets, for what does not scale with the strangers: the honest peer that
/// connects during the flood (its connection, buffers and task on both sides: a few KiB), the read chunks in
/// flight (up to 64 KiB per worker thread, on its stack and in the receive buffer) and the allocator's
/// per-thread arenas.
///
/// Measured on a 2-CPU machine: the flood's peak is 3.0-3.6 MiB resident (2.5-2.9 MiB of heap) above 100 idle
/// strangers, almost all of it receive buffers of up to 64 KiB that stay allocated after their bytes were
/// consumed: `Connection::handle_input` frees an empty buffer only when its `capacity()` is non-zero, and a
/// `BytesMut` advanced to its very end reports 0 while it still owns its allocation. One read chunk per
/// stranger at most, so within the budget; with those freed too the growth is ~0.3 MiB.
const SLACK: u64 = 1024 * 1024;

/// 100 strangers send a version and then nothing but 3.9 MB messages of an unknown command, concurrently,
/// until the handshake timeout cuts them off. Together they cost at most 64 KiB each above what 100 idle
/// strangers cost, while honest peers still handshake and get their pongs.
///
/// Were the budget not enforced (unknown payloads buffered until whole, as any frame is after the
/// handshake), each stranger's receive buffer would grow towards 3.9 MB while its message arrives: 100
/// strangers writing at once would hold up to ~390 MB, fifty times the 6.25 MiB + 1 MiB this test allows,
/// and the sampler, which reads the resident memory every millisecond through the flood, would see it.
/// Checked by turning the payload cap and the skipping off before the verack in a copy of
/// `coinpeer-protocol`: the peak grew by ~100 MiB resident (~130 MiB on the heap), with the flood itself
/// ten times slower for the buffering, and this test failed on it (the early honest peer got no pong
/// during the flood either).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_flooding_unknown_commands_costs_at_most_the_budget() {
    let _turn = SERIAL.lock().await;
    let test_start = Instant::now();
    let mut listening = listen(quiet::<Bitcoin>(NETWORK).handshake_timeout(HANDSHAKE_TIMEOUT).build()).await;
    let junk = junk_frame();

    // An honest peer first: it warms the listener up and pings it all through the flood.
    let (early, _) = honest(listening.addr).await;
    let calm_rtt = ping(&early).await;
    let early_accepted = listening.next(1, Duration::from_secs(5)).await;
    assert!(early_accepted[0].result.is_ok());

    // The baseline: 100 strangers that sent their version and wait, as idle as a stranger gets.
    let before = settled_resident(Duration::from_millis(50)).await;
    let heap_before = heap_live();
    let strangers = strangers(listening.addr).await;
    let idle = settled_resident(Duration::from_millis(100)).await;
    let heap_idle = heap_live();
    let flood_start = Instant::now();

    // The flood.
    let sampler = PeakSampler::start();
    reset_heap_peak();
    let written = Arc::new(AtomicU64::new(0));
    let cut = Arc::new(AtomicUsize::new(0));
    let mut floods = JoinSet::new();
    for s in strangers {
        let (junk, written, cut) = (junk.clone(), written.clone(), cut.clone());
        floods.spawn(async move {
            let whole = flood(s.write, junk, u64::MAX, written).await;
            let closed = s.closed.await.unwrap();
            cut.fetch_add(1, Ordering::SeqCst);
            (whole, closed - s.connected)
        });
    }

    // While the strangers flood: the early peer pings again and again, and once the strangers have written
    // about one junk message each, a second honest peer connects and pings.
    let pinger = {
        let (cut, early) = (cut.clone(), early.clone());
        tokio::spawn(async move {
            let mut during = Vec::new();
            while cut.load(Ordering::SeqCst) == 0 {
                let rtt = ping(&early).await;
                if cut.load(Ordering::SeqCst) == 0 {
                    during.push(rtt);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            during
        })
    };
    while written.load(Ordering::Relaxed) < STRANGERS as u64 && cut.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let junk_by_late_peer = written.load(Ordering::Relaxed);
    let (late, late_handshake) = honest(listening.addr).await;
    let late_rtt = ping(&late).await;
    let cut_by_late_pong = cut.load(Ordering::SeqCst);

    // Every stranger is cut off, as the stranger sees it: how many junk messages it wrote whole, and how
    // long its connection lived.
    let mut ends = Vec::new();
    while let Some(r) = tokio::time::timeout(HANDSHAKE_TIMEOUT + Duration::from_secs(5), floods.join_next())
        .await
        .expect("every stranger is cut off")
    {
        ends.push(r.unwrap());
    }
    let (peak, samples) = sampler.finish();
    let heap_growth = heap_peak().saturating_sub(heap_idle);
    let flood_took = flood_start.elapsed();
    let pings_during = pinger.await.unwrap();
    // And as the listener sees it: what `from_tcp` answered for each.
    let accepted = listening.next(STRANGERS + 1, Duration::from_secs(5)).await;

    let mut messages: Vec<u64> = ends.iter().map(|(whole, _)| *whole).collect();
    messages.sort_unstable();
    let total: u64 = messages.iter().sum();
    let idle_each = idle.saturating_sub(before) / STRANGERS as u64;
    let growth = peak.saturating_sub(idle);
    println!(
        "{STRANGERS} strangers flooding {JUNK_PAYLOAD}-byte unknown messages for {flood_took:.2?}: {total} \
         messages written whole ({:.1} GB; fewest {} and most {} per stranger)",
        (total * junk.len() as u64) as f64 / 1e9,
        messages[0],
        messages[STRANGERS - 1],
    );
    println!(
        "resident before {:.0} KiB; 100 idle strangers {:.0} KiB (+{:.1} KiB each, both ends of the \
         socket); peak during the flood {:.0} KiB over {samples} samples: +{:.0} KiB over idle, {:.1} KiB \
         per stranger (allowed: {} KiB each + {:.0} KiB slack)",
        kib(before),
        kib(idle),
        kib(idle_each),
        kib(peak),
        kib(growth),
        kib(growth) / STRANGERS as f64,
        BUDGET / 1024,
        kib(SLACK),
    );
    println!(
        "heap: 100 idle strangers +{:.1} KiB each; most held at once during the flood +{:.0} KiB over idle, \
         {:.1} KiB per stranger",
        kib(heap_idle.saturating_sub(heap_before)) / STRANGERS as f64,
        kib(heap_growth),
        kib(heap_growth) / STRANGERS as f64,
    );
    println!(
        "honest peers: the late one connected after {junk_by_late_peer} junk messages, handshake \
         {late_handshake:.2?}, pong {late_rtt:.2?}; the early one's pongs: {calm_rtt:.2?} before the \
         flood, {} during it (slowest {:.2?}); whole test {:.2?}",
        pings_during.len(),
        pings_during.iter().max().copied().unwrap_or_default(),
        test_start.elapsed(),
    );

    // The goal, in resident memory, and exactly, in bytes on the heap.
    assert!(
        growth <= (STRANGERS * BUDGET) as u64 + SLACK,
        "the flood grew resident memory by {:.0} KiB, over {STRANGERS} x {} KiB + {:.0} KiB",
        kib(growth),
        BUDGET / 1024,
        kib(SLACK),
    );
    assert!(
        heap_growth <= (STRANGERS * BUDGET) as u64 + SLACK,
        "the flood held {:.0} KiB more on the heap at once, over {STRANGERS} x {} KiB + {:.0} KiB",
        kib(heap_growth),
        BUDGET / 1024,
        kib(SLACK),
    );
    for (_, lived) in &ends {
        assert!(
            *lived >= HANDSHAKE_TIMEOUT && *lived < HANDSHAKE_TIMEOUT + Duration::from_secs(2),
            "a stranger was cut off after {lived:?}, not at the handshake timeout"
        );
    }
    let mut timeouts = 0;
    for a in &accepted {
        match &a.result {
            Ok(peer) => assert_eq!(
                Some(peer.addr()),
                late.local_addr(),
                "the one handshake is the late honest peer's"
            ),
            Err(ConnectError::Handshake(HandshakeError::Timeout)) => {
                assert!(a.took >= HANDSHAKE_TIMEOUT, "timed out early: {:?}", a.took);
                timeouts += 1;
            }
            Err(e) => panic!("a stranger ended otherwise than by the handshake timeout: {e}"),
        }
    }
    assert_eq!(timeouts, STRANGERS);
    // The flood really was one: every stranger pushed at least one junk message (60 budgets) and on
    // average several, and the honest peers did their part while every stranger was still at it.
    assert!(
        messages[0] >= 1 && total >= 3 * STRANGERS as u64,
        "too little flood to prove anything: {messages:?}"
    );
    assert!(
        junk_by_late_peer >= STRANGERS as u64 && cut_by_late_pong == 0,
        "the late honest peer must handshake and get its pong in the middle of the flood (after {} junk \
         messages, {} strangers already cut off)",
        junk_by_late_peer,
        cut_by_late_pong
    );
    // Two at least: a round trip took up to ~0.6 s under the flood here (and 1 s on a loaded machine).
    assert!(
        pings_during.len() >= 2,
        "the early honest peer got only {} pongs during the flood",
        pings_during.len()
    );
    assert!(early.is_connected() && late.is_connected(), "the honest peers stay");
}

/// 100 strangers send a version and then `addr` messages of 1000 entries (30 KB each, a known command the
/// listener holds until the verack) as fast as they can. Two fit in the budget; each stranger is cut off
/// at the third, long before the handshake timeout, for breaking the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_sending_known_messages_is_cut_off_past_the_budget() {
    let _turn = SERIAL.lock().await;
    let timeout = Duration::from_secs(30);
    let mut listening = listen(quiet::<Bitcoin>(NETWORK).handshake_timeout(timeout).build()).await;
    let addr = addr_frame();
    let addr_payload = (addr.len() - HEADER_LEN) as u64;
    assert!(3 * addr.len() > BUDGET && 2 * addr.len() <= BUDGET);

    let start = Instant::now();
    let written = Arc::new(AtomicU64::new(0));
    let mut floods = JoinSet::new();
    for s in strangers(listening.addr).await {
        let (addr, written) = (addr.clone(), written.clone());
        // A stranger not cut off stops after 1000 (30 MB) and waits for the handshake timeout.
        floods.spawn(async move {
            let whole = flood(s.write, addr, 1000, written).await;
            s.closed.await.unwrap();
            whole
        });
    }
    while let Some(whole) = tokio::time::timeout(Duration::from_secs(10), floods.join_next())
        .await
        .expect("every stranger is cut off")
    {
        assert!(whole.unwrap() < 1000, "a stranger was not cut off");
    }

    let mut too_large = 0;
    for a in listening.next(STRANGERS, Duration::from_secs(5)).await {
        assert!(a.took < timeout, "cut off by the timeout, not the budget");
        match a.result {
            Err(ConnectError::Violation(ProtocolViolation::PreHandshakeBudget { budget })) => {
                assert_eq!(budget, BUDGET)
            }
            // The third addr does not fit in what the first two left of the budget, which its header shows.
            Err(ConnectError::Protocol(e)) if matches!(e.kind, ErrorKind::PayloadTooLarge { .. }) => {
                let ErrorKind::PayloadTooLarge { length, max } = e.kind else {
                    unreachable!()
                };
                assert_eq!(e.command, Some(Command::from_static("addr")));
                assert_eq!(length, addr_payload);
                assert!(max < length && max as usize <= BUDGET - 2 * addr.len(), "max {max}");
                too_large += 1;
            }
            Err(e) => panic!("a stranger was cut off for something else: {e}"),
            Ok(_) => panic!("a stranger completed a handshake"),
        }
    }
    println!(
        "{STRANGERS} strangers sending {}-byte addr messages: all cut off within {:.2?} ({too_large} at the \
         third message's header, {} by the budget itself), {} addr messages written whole in all",
        addr.len(),
        start.elapsed(),
        STRANGERS - too_large,
        written.load(Ordering::Relaxed),
    );
}

/// What a stranger costs, above an idle one, while the listener holds what it sent after its version
/// (`sent`, within the budget's wire bytes), averaged over 100: bytes on the heap, then resident memory. With
/// what must stay alive for the memory to stay held (a later measurement would reuse freed memory).
async fn held_cost(sent: &[Bytes]) -> (u64, u64, impl Sized) {
    let mut listening = listen(
        quiet::<Bitcoin>(NETWORK)
            .handshake_timeout(Duration::from_secs(30))
            .build(),
    )
    .await;
    let (early, _) = honest(listening.addr).await;
    ping(&early).await;
    listening.next(1, Duration::from_secs(5)).await;
    let strangers = strangers(listening.addr).await;
    let idle = settled_resident(Duration::from_millis(100)).await;
    let heap_idle = heap_live();
    let mut waiting = Vec::new();
    for mut s in strangers {
        for frame in sent {
            s.write.write_all(frame).await.unwrap();
        }
        waiting.push(s);
    }
    // A round trip to the listener, then time for the strangers' bytes to be read and the memory to settle.
    ping(&early).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let held = settled_resident(Duration::from_millis(200)).await;
    let heap_held = heap_live();
    for s in &waiting {
        assert!(!s.closed.is_finished(), "a stranger within the budget was cut off");
    }
    let each = |bytes: u64| bytes / STRANGERS as u64;
    (
        each(heap_held.saturating_sub(heap_idle)),
        each(held.saturating_sub(idle)),
        (listening, early, waiting),
    )
}

/// The goal of issue 12 for known messages: a stranger that stays within the budget's wire bytes costs at
/// most 64 KiB. Not met yet: the budget counts the frames' wire bytes, and a held message costs its frame
/// and its decoded form (two 30 KB `addr`, 1000 entries of 40 bytes each decoded: ~137 KiB per stranger;
/// one 63 KB `tx` of 7000 empty outputs, 40 bytes each decoded against 9 on the wire: ~335 KiB).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_holding_known_messages_costs_at_most_the_budget() {
    use coinpeer_wire::bitcoin::{Transaction, TxIn, TxOut};
    let _turn = SERIAL.lock().await;
    let addr = addr_frame();
    let tx = frame(&Message::Tx(Transaction {
        version: 1,
        inputs: vec![TxIn::default()],
        outputs: vec![
            TxOut {
                value: 1,
                script_pubkey: Bytes::new(),
            };
            7000
        ],
        lock_time: 0,
    }));
    assert!(2 * addr.len() <= BUDGET && tx.len() <= BUDGET);
    let (two_addr, two_addr_resident, _held) = held_cost(&[addr.clone(), addr]).await;
    let (one_tx, one_tx_resident, _held_too) = held_cost(&[tx]).await;
    println!(
        "held before the verack, per stranger: two addr {:.1} KiB on the heap ({:.1} KiB resident), one tx \
         {:.1} KiB ({:.1} KiB resident); budget {} KiB",
        kib(two_addr),
        kib(two_addr_resident),
        kib(one_tx),
        kib(one_tx_resident),
        BUDGET / 1024
    );
    let allowed = BUDGET as u64 + SLACK / STRANGERS as u64;
    for (what, cost) in [("two addr", two_addr), ("one tx", one_tx)] {
        assert!(
            cost <= allowed,
            "a stranger holding {what} costs {:.1} KiB, over {:.1} KiB",
            kib(cost),
            kib(allowed)
        );
    }
}
