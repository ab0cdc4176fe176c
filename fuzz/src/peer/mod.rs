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
//!
//! The parts: `setup` reads the setup bytes, `dialect` is what each dialect brings, `ops` runs each operation
//! and `checks` holds the invariants.

mod checks;
mod dialect;
mod ops;
mod setup;

use super::{command, framed, Input};
use checks::check;
use coinpeer_cache::NonceCache;
use coinpeer_protocol::{Bitcoin, Config, Connection, Decred, Direction, SendId, StallConfig, Start};
use coinpeer_wire::messages::{Inventory, NetAddress, ServiceFlags};
use coinpeer_wire::{Command, Frame, Network};
use dialect::Fuzzed;
use ops::step;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use setup::{caps, Setup};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
