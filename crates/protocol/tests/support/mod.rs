//! A pair of connections on a clock the test moves: bytes are shuttled by hand, nothing sleeps.
#![allow(dead_code)] // each test file uses a different part

use coinpeer_protocol::{Bitcoin, Config, Connection, Decred, Dialect, Direction, Event, Start};
use coinpeer_wire::messages::{NetAddress, ServiceFlags};
use coinpeer_wire::{encode_frame, EncodeOptions, Network};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A config of `network` with its own nonce cache: two connections of one test process would otherwise
/// take each other's version for their own.
pub fn config(network: Network) -> Config {
    let mut c = Config::new(network);
    c.nonces = Default::default();
    c
}

pub fn start(direction: Direction, now: Instant) -> Start {
    Start {
        direction,
        remote: NetAddress::from_socket_addr("127.0.0.1:18444".parse().unwrap(), ServiceFlags::NONE),
        now,
        unix_time: 1_700_000_000,
        start_height: 0,
    }
}

pub fn connection<D: Dialect>(config: Config, direction: Direction, now: Instant, seed: u64) -> Connection<D> {
    Connection::new(Arc::new(config), start(direction, now), SmallRng::seed_from_u64(seed)).expect("valid config")
}

/// Two connections, `a` dialing `b`, and the test's clock.
pub struct Pair<D: Dialect> {
    pub a: Connection<D>,
    pub b: Connection<D>,
    pub now: Instant,
}

impl<D: Dialect> Pair<D> {
    pub fn with(a: Config, b: Config) -> Self {
        let now = Instant::now();
        Pair {
            a: connection(a, Direction::Outbound, now, 1),
            b: connection(b, Direction::Inbound, now, 2),
            now,
        }
    }

    /// A pair whose sides share configurations with other pairs; `seed` varies their randomness.
    pub fn with_shared(a: &Arc<Config>, b: &Arc<Config>, seed: u64) -> Self {
        let now = Instant::now();
        let rng = |n| SmallRng::seed_from_u64(2 * seed + n);
        Pair {
            a: Connection::new(a.clone(), start(Direction::Outbound, now), rng(0)).expect("valid config"),
            b: Connection::new(b.clone(), start(Direction::Inbound, now), rng(1)).expect("valid config"),
            now,
        }
    }

    /// Moves bytes both ways until neither side has anything to send.
    pub fn shuttle(&mut self) {
        loop {
            let to_b = self.a.drain_transmit(self.now);
            let to_a = self.b.drain_transmit(self.now);
            if to_a.is_empty() && to_b.is_empty() {
                return;
            }
            self.b.handle_input(&to_b, self.now);
            self.a.handle_input(&to_a, self.now);
        }
    }

    /// Both sides handshaked; their events so far are discarded.
    pub fn open(mut self) -> Self {
        self.shuttle();
        assert!(self.a.is_open() && self.b.is_open(), "handshake did not complete");
        events(&mut self.a);
        events(&mut self.b);
        self
    }

    /// Moves the clock by `d` and runs both sides' timers.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
    }
}

impl Pair<Bitcoin> {
    pub fn bitcoin() -> Self {
        Pair::with(config(Network::BITCOIN_REGTEST), config(Network::BITCOIN_REGTEST))
    }
}

impl Pair<Decred> {
    pub fn decred() -> Self {
        Pair::with(config(Network::DECRED_SIMNET), config(Network::DECRED_SIMNET))
    }
}

/// Every event waiting.
pub fn events<D: Dialect>(c: &mut Connection<D>) -> Vec<Event<D::Message>> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

/// The messages among `events`.
pub fn messages<M>(events: Vec<Event<M>>) -> Vec<M> {
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Message { msg, .. } => Some(msg),
            _ => None,
        })
        .collect()
}

/// The disconnect reason among `events`.
pub fn disconnected<M>(events: &[Event<M>]) -> Option<&coinpeer_protocol::DisconnectReason> {
    events.iter().find_map(|e| match e {
        Event::Disconnected(r) => Some(r),
        _ => None,
    })
}

/// `msg` framed for `network` at `version`, as a remote would send it.
pub fn frame<M: coinpeer_wire::WireMessage>(network: &Network, msg: &M, version: u32) -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    encode_frame(network, msg, EncodeOptions::new(version), &mut out).expect("encodes");
    out.to_vec()
}
