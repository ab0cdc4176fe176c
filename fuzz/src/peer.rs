//! The body of the `connection` target: a `Connection` driven by operations read from the input, its
//! promises checked after each.
//!
//! Operations: a byte each (modulo 17; the byte divided by 17 is a variant) and their arguments:
//! - 0 raw bytes (u16-prefixed); 1 a frame with a correct header (a command byte, see `crate::command`, and a
//!   u16-prefixed payload); 2 a version (see `remote_version_message`); 3 a verack; 4 a ping (u64 nonce); 5 a pong (of
//!   our awaited ping's nonce for an even variant, else a u64); 6 answers to what we requested (`notfound` for
//!   every item, an empty `headers`). Odd variants of 0 to 6 arrive through `input_buffer`/`handle_buffered`.
//! - 7 a clock jump (a unit byte and a count byte) with the timers run; 8 the timers run at the deadline the
//!   connection asks for.
//! - 9 a send (a kind byte: a message decoded from a command byte and a payload, a ping, a `getdata`, a
//!   `getheaders`, an `inv` or a large unknown message); 10 the last frame received forwarded.
//! - 11 a vectored write taking up to a u16 of bytes in up to a byte of slices.
//! - 12 input paused, 13 resumed; 14 inventory queued, announced or marked known (a byte for the hash), or
//!   16 times that byte of transactions queued at once; 15 the remote's version accepted (even variant) or
//!   refused; 16 the end: the remote's EOF, an I/O error, a local close or a close for a reason.
//!
//! Checked after each: every id `send` returned gets exactly one `Outcome`, and no outcome names another; no
//! event follows `Disconnected`; `Version` comes once and before `Connected`, which comes once and before any
//! message; sends are refused only for the reason the state gives; queued memory stays within
//! `max_queued_bytes`, and input held before the verack within the pre-handshake budget; a closed
//! connection wants neither to write nor a timer; running the timers at the deadline moves it (no spin);
//! what is written is a stream of whole, well-formed frames, with no verack (and, inbound, no version) while
//! the application has not accepted the remote's version. At the end the connection is closed, drained and
//! has reported `Disconnected` exactly once, last.
//!
//! With `COINPEER_FUZZ_TRACE` set, every operation and event is printed, for reading a crash.

use super::{command, framed, Input};
use bytes::{Bytes, BytesMut};
use coinpeer_cache::NonceCache;
use coinpeer_handshake::HandshakeMessage;
use coinpeer_protocol::{
    Bitcoin, Config, Connection, Decred, Dialect, Direction, DisconnectReason, Event, SendError, SendId, StallConfig,
    Start,
};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{bitcoin, decred, encode_frame, Command, EncodeOptions, Frame, Hash256, Network, HEADER_LEN};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::collections::HashSet;
use std::io::{ErrorKind, IoSlice};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a dialect brings to the target beyond `Dialect`.
trait Fuzzed: Dialect {
    const COMMANDS: &'static [&'static str];
    /// Protocol versions a remote may claim.
    const VERSIONS: &'static [u32];
    fn get_data(items: Vec<Inventory>) -> Self::Message;
    fn not_found(items: Vec<Inventory>) -> Self::Message;
    fn no_headers() -> Self::Message;
    fn unknown(payload: Bytes) -> Self::Message;
    /// The items a `getdata` asks for.
    fn requested_items(msg: &Self::Message) -> Vec<Inventory>;
}

impl Fuzzed for Bitcoin {
    const COMMANDS: &'static [&'static str] = bitcoin::COMMANDS;
    const VERSIONS: &'static [u32] = &[0, 209, 60_000, 60_001, 70_001, 70_002, 70_012, 70_015, 70_016, u32::MAX];
    fn get_data(items: Vec<Inventory>) -> bitcoin::Message {
        bitcoin::Message::GetData(items)
    }
    fn not_found(items: Vec<Inventory>) -> bitcoin::Message {
        bitcoin::Message::NotFound(items)
    }
    fn no_headers() -> bitcoin::Message {
        bitcoin::Message::Headers(Vec::new())
    }
    fn requested_items(msg: &bitcoin::Message) -> Vec<Inventory> {
        match msg {
            bitcoin::Message::GetData(items) => items.clone(),
            _ => Vec::new(),
        }
    }
    fn unknown(payload: Bytes) -> bitcoin::Message {
        bitcoin::Message::Unknown {
            command: Command::from_static("fuzz"),
            payload,
        }
    }
}

impl Fuzzed for Decred {
    const COMMANDS: &'static [&'static str] = decred::COMMANDS;
    const VERSIONS: &'static [u32] = &[0, 1, 6, 8, 9, 10, 11, 12, 13, u32::MAX];
    fn get_data(items: Vec<Inventory>) -> decred::Message {
        decred::Message::GetData(items)
    }
    fn not_found(items: Vec<Inventory>) -> decred::Message {
        decred::Message::NotFound(items)
    }
    fn no_headers() -> decred::Message {
        decred::Message::Headers(Vec::new())
    }
    fn requested_items(msg: &decred::Message) -> Vec<Inventory> {
        match msg {
            decred::Message::GetData(items) => items.clone(),
            _ => Vec::new(),
        }
    }
    fn unknown(payload: Bytes) -> decred::Message {
        decred::Message::Unknown {
            command: Command::from_static("fuzz"),
            payload,
        }
    }
}

/// The target's body: the setup, then the operations on a connection of the dialect it names.
pub fn fuzz(data: &[u8]) {
    let mut input = Input::new(data);
    let setup = Setup::read(&mut input);
    if setup.decred {
        run::<Decred>(&setup, &mut input);
    } else {
        run::<Bitcoin>(&setup, &mut input);
    }
}

/// The first bytes of the input: see the target's documentation.
#[derive(Debug)]
struct Setup {
    decred: bool,
    bits: u8,
    network: u8,
    seed: u8,
}

impl Setup {
    fn read(input: &mut Input<'_>) -> Self {
        let bits = input.u8();
        Setup {
            decred: bits & 1 != 0,
            bits,
            network: input.u8(),
            seed: input.u8(),
        }
    }
}

/// `(max_queued_bytes, send_buffer, pre_handshake_budget)` for the two setup bits.
fn caps(preset: u8) -> (usize, usize, usize) {
    match preset & 3 {
        0 => (6 * 1024, 3 * 1024, 4 * 1024),
        1 => (64 * 1024, 16 * 1024, 16 * 1024),
        2 => (1024, 512, 1024),
        _ => (
            coinpeer_protocol::DEFAULT_MAX_QUEUED_BYTES,
            coinpeer_protocol::DEFAULT_SEND_BUFFER,
            coinpeer_protocol::DEFAULT_PRE_HANDSHAKE_BUDGET,
        ),
    }
}

/// What the harness knows of the run so far.
struct State {
    network: Network,
    inbound: bool,
    now: Instant,
    issued: HashSet<SendId>,
    resolved: HashSet<SendId>,
    version_seen: bool,
    connected: bool,
    disconnected: bool,
    accepted: bool,
    last_frame: Option<Frame>,
    /// Items our `getdata` messages asked for.
    requested: Vec<Inventory>,
    /// What was written, not yet cut into frames.
    written: Vec<u8>,
    /// Commands written, in order.
    commands: Vec<Command>,
}

fn run<D: Fuzzed>(setup: &Setup, input: &mut Input<'_>) {
    let networks: Vec<Network> = Network::BUILTIN
        .iter()
        .filter(|n| n.dialect() == <D::Message as coinpeer_wire::WireMessage>::DIALECT)
        .cloned()
        .collect();
    let network = networks[usize::from(setup.network) % networks.len()].clone();
    let mut config = Config::new(network.clone());
    config.nonces = NonceCache::default();
    config.strict_unknown_commands = setup.bits & 4 != 0;
    config.defer_version_decision = setup.bits & 8 != 0;
    config.stall = (setup.bits & 16 == 0).then(|| {
        let mut s = StallConfig::tracking_headers();
        s.max_outstanding = 40;
        s
    });
    (config.max_queued_bytes, config.send_buffer, config.pre_handshake_budget) = caps(setup.bits >> 5);
    if setup.bits & 128 != 0 {
        config.ping_interval = None;
    }
    let config = Arc::new(config);
    let direction = if setup.bits & 2 != 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let now = Instant::now();
    let start = Start {
        direction,
        remote: NetAddress::from_socket_addr("192.0.2.1:8333".parse().unwrap(), ServiceFlags::NONE),
        now,
        unix_time: 1_700_000_000,
        start_height: 0,
    };
    let rng = SmallRng::seed_from_u64(u64::from(setup.seed));
    let mut c = Connection::<D>::new(config.clone(), start, rng).expect("a valid config");
    let mut s = State {
        network,
        inbound: direction == Direction::Inbound,
        now,
        issued: HashSet::new(),
        resolved: HashSet::new(),
        version_seen: false,
        connected: false,
        disconnected: false,
        accepted: !config.defer_version_decision,
        last_frame: None,
        requested: Vec::new(),
        written: Vec::new(),
        commands: Vec::new(),
    };
    let trace = std::env::var_os("COINPEER_FUZZ_TRACE").is_some();
    while !input.is_empty() {
        let op = input.u8();
        let chunk = step(&mut c, &mut s, op % 17, op / 17, input);
        if trace {
            eprintln!("op {} variant {}: {c:?} queued {}", op % 17, op / 17, c.queued_memory());
        }
        check(&mut c, &mut s, &config, chunk);
    }
    // The end: close, let what may still leave leave, and run out every timer.
    c.close(s.now);
    let rest = c.drain_transmit(s.now);
    s.written.extend_from_slice(&rest);
    c.handle_timeout(s.now + Duration::from_secs(3600));
    check(&mut c, &mut s, &config, 0);
    assert!(c.is_closed(), "{c:?}");
    assert!(s.disconnected, "Disconnected reported");
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(s.issued, s.resolved, "every send resolved");
}

/// Runs one operation; returns how many bytes of input it handed the connection.
fn step<D: Fuzzed>(c: &mut Connection<D>, s: &mut State, op: u8, variant: u8, input: &mut Input<'_>) -> usize {
    let now = s.now;
    let remote_version = D::Message::MAX_VERSION;
    let bytes: Vec<u8> = match op {
        0 => input.chunk().to_vec(),
        1 => {
            let command = command(input, D::COMMANDS);
            framed(&s.network, command, input.chunk())
        }
        2 => frame(
            &s.network,
            &D::Message::version(remote_version_message::<D>(input)),
            remote_version,
        ),
        3 => frame(&s.network, &D::Message::verack(), remote_version),
        4 => frame(&s.network, &D::ping(input.u64()), remote_version),
        5 => {
            let nonce = match c.ping_awaiting() {
                Some(n) if variant % 2 == 0 => n,
                _ => input.u64(),
            };
            frame(&s.network, &D::pong(nonce), remote_version)
        }
        6 => {
            let items = std::mem::take(&mut s.requested);
            let mut out = frame(&s.network, &D::not_found(items), remote_version);
            out.extend(frame(&s.network, &D::no_headers(), remote_version));
            out
        }
        7 => {
            let unit = [1, 100, 1_000, 60_000, 3_600_000][usize::from(input.u8()) % 5];
            s.now += Duration::from_millis(unit * u64::from(input.u8()));
            c.handle_timeout(s.now);
            return 0;
        }
        8 => {
            if let Some(deadline) = c.poll_timeout() {
                s.now = s.now.max(deadline);
                c.handle_timeout(s.now);
                let next = c.poll_timeout();
                assert!(
                    next.map_or(true, |n| n > s.now),
                    "the timers ran at their deadline and still ask for it: the driver would spin"
                );
            }
            return 0;
        }
        9 => {
            send(c, s, input);
            return 0;
        }
        10 => {
            if let Some(frame) = s.last_frame.clone() {
                match c.send_frame(&frame, now) {
                    Ok(id) => issue(s, id),
                    Err(e) => refused(c, s, &e),
                }
            }
            return 0;
        }
        11 => {
            let limit = usize::from(input.u16());
            let mut slices = [IoSlice::new(&[]); 64];
            let n = 1 + usize::from(input.u8()) % 64;
            let k = c.transmit_slices(now, &mut slices[..n]);
            let offered: Vec<u8> = slices[..k].iter().flat_map(|s| s.iter().copied()).collect();
            let take = limit.min(offered.len());
            s.written.extend_from_slice(&offered[..take]);
            c.transmitted(take, now);
            return 0;
        }
        12 => {
            c.pause_input(now);
            return 0;
        }
        13 => {
            c.resume_input(now);
            return 0;
        }
        14 => {
            let b = input.u8();
            let kind = if b & 1 == 0 { InvType::TX } else { InvType::BLOCK };
            let inv = Inventory::new(kind, Hash256([b >> 1; 32]));
            match variant % 4 {
                0 => drop(c.queue_inventory(inv, now)),
                1 => drop(c.announce_now(inv, now)),
                2 => c.add_known_inventory(&inv, now),
                // Many transactions at once: more than one trickle's worth.
                _ => {
                    for n in 0..u32::from(b) * 16 {
                        let mut h = [b; 32];
                        h[..4].copy_from_slice(&n.to_le_bytes());
                        c.queue_inventory(Inventory::new(InvType::TX, Hash256(h)), now);
                    }
                }
            }
            return 0;
        }
        15 => {
            if variant % 2 == 0 {
                s.accepted = true;
                c.accept_version(now);
            } else {
                c.refuse_version("refused by the application", now);
            }
            return 0;
        }
        _ => {
            match variant % 4 {
                0 => c.handle_eof(now),
                1 => c.handle_io_error(ErrorKind::ConnectionReset, now),
                2 => c.close(now),
                _ => c.close_for(DisconnectReason::SlowReader, now),
            }
            return 0;
        }
    };
    if variant % 2 == 0 {
        c.handle_input(&bytes, now);
    } else {
        c.input_buffer().extend_from_slice(&bytes);
        c.handle_buffered(bytes.len(), now);
    }
    bytes.len()
}

fn frame<M: coinpeer_wire::WireMessage>(network: &Network, msg: &M, version: u32) -> Vec<u8> {
    let mut out = BytesMut::new();
    match encode_frame(network, msg, EncodeOptions::new(version), &mut out) {
        Ok(_) => out.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// A remote's version: its protocol version (a byte of the dialect's table), services, nonce, start height
/// and relay flag.
fn remote_version_message<D: Fuzzed>(input: &mut Input<'_>) -> VersionMessage {
    let services = ServiceFlags(u64::from(input.u8()));
    VersionMessage {
        version: input.pick(D::VERSIONS),
        services,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(services),
        nonce: input.u64(),
        user_agent: "/fuzz:0.1/".into(),
        start_height: input.u32() as i32,
        relay: input.bool(),
    }
}

/// One message offered to `send`.
fn send<D: Fuzzed>(c: &mut Connection<D>, s: &mut State, input: &mut Input<'_>) {
    let n = input.u8();
    let hashes = |k: u8| (0..k).map(|i| Hash256([i; 32]));
    let msg = match input.u8() % 6 {
        0 => {
            let command = command(input, D::COMMANDS);
            let payload = Bytes::copy_from_slice(input.chunk());
            match <D::Message as coinpeer_wire::WireMessage>::decode_payload(
                &command,
                &payload,
                D::Message::MAX_VERSION,
            ) {
                Ok(msg) => msg,
                Err(_) => return,
            }
        }
        1 => D::ping(u64::from(n)),
        2 => D::get_data(hashes(n % 64).map(|h| Inventory::new(InvType::BLOCK, h)).collect()),
        3 => D::get_headers(BlockLocator::default()),
        4 => D::inv(hashes(n).map(|h| Inventory::new(InvType::TX, h)).collect()),
        _ => D::unknown(Bytes::from(vec![0u8; usize::from(n) * 64])),
    };
    let items = D::requested_items(&msg);
    match c.send(msg, s.now) {
        Ok(id) => {
            issue(s, id);
            s.requested.extend(items);
        }
        Err(e) => refused(c, s, &e),
    }
}

fn issue(s: &mut State, id: SendId) {
    assert!(s.issued.insert(id), "{id:?} given twice");
}

/// A send was refused: for the reason the state gives.
fn refused<D: Dialect, M>(c: &Connection<D>, s: &State, e: &SendError<M>) {
    match e {
        SendError::Closed(_) => assert!(c.disconnect_reason().is_some(), "refused as closed while open"),
        SendError::NotReady(_) => {
            assert!(
                c.disconnect_reason().is_none() && !s.version_seen,
                "refused as not ready"
            )
        }
        SendError::Full(_) => assert!(c.queued_memory() >= c.config().send_buffer, "refused as full"),
        _ => unreachable!("a new refusal"),
    }
}

/// The invariants, after each operation.
fn check<D: Dialect>(c: &mut Connection<D>, s: &mut State, config: &Config, chunk: usize) {
    while let Some(e) = c.poll_event() {
        if std::env::var_os("COINPEER_FUZZ_TRACE").is_some() {
            eprintln!("  event {e:?}");
        }
        assert!(!s.disconnected, "an event after Disconnected: {e:?}");
        match e {
            Event::Version(_) => {
                assert!(!s.version_seen && !s.connected, "Version twice or after Connected");
                s.version_seen = true;
            }
            Event::Connected(_) => {
                assert!(s.version_seen && !s.connected, "Connected twice or before Version");
                s.connected = true;
            }
            Event::Message { frame, .. } => {
                assert!(s.connected, "a message before Connected");
                s.last_frame = Some(frame);
            }
            Event::Outcome { id, .. } => {
                assert!(s.issued.contains(&id), "an outcome for {id:?}, never returned by send");
                assert!(s.resolved.insert(id), "{id:?} resolved twice");
            }
            Event::Disconnected(_) => {
                assert!(c.is_closed(), "Disconnected while not closed");
                s.disconnected = true;
            }
            _ => {}
        }
    }
    assert!(
        c.queued_memory() <= config.max_queued_bytes,
        "{} bytes queued, over the cap of {}",
        c.queued_memory(),
        config.max_queued_bytes
    );
    // Input handed over after the connection started closing is ignored, not the remote's doing.
    if c.session().is_none() && c.disconnect_reason().is_none() {
        assert!(
            c.buffered_input() <= config.pre_handshake_budget + chunk,
            "{} bytes held before the verack",
            c.buffered_input()
        );
    }
    if c.is_closed() {
        assert!(!c.wants_to_transmit(), "a closed connection still writes");
        assert_eq!(c.poll_timeout(), None, "a closed connection still wants a timer");
    }
    cut_written(s);
    if !s.accepted {
        let forbidden = |c: &Command| *c == "verack" || (*c == "version" && s.inbound);
        assert!(
            !s.commands.iter().any(forbidden),
            "answered the remote's version before the application accepted it: {:?}",
            s.commands
        );
    }
}

/// Cuts what was written into frames: each whole and well-formed.
fn cut_written(s: &mut State) {
    while s.written.len() >= HEADER_LEN {
        let header = &s.written[..HEADER_LEN];
        assert_eq!(header[..4], s.network.magic().to_le_bytes(), "our magic");
        let command = Command::from_wire(header[4..16].try_into().unwrap()).expect("a valid command");
        let len = u32::from_le_bytes(header[16..20].try_into().unwrap()) as usize;
        if s.written.len() < HEADER_LEN + len {
            break;
        }
        let payload = &s.written[HEADER_LEN..HEADER_LEN + len];
        assert_eq!(
            header[20..24],
            s.network.dialect().checksum(payload),
            "checksum of our {command}"
        );
        s.commands.push(command);
        s.written.drain(..HEADER_LEN + len);
    }
}
