//! A pair of connections on a clock the test moves: bytes are shuttled by hand, nothing sleeps.
#![allow(dead_code)] // each test file uses a different part

use coinpeer_handshake::HandshakeMessage;
use coinpeer_protocol::{
    Bitcoin, Config, Connection, Decred, Dialect, Direction, DisconnectReason, Event, Outcome, SendId, Start,
};
use coinpeer_wire::messages::{NetAddress, ServiceFlags};
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Network, WireMessage};
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

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every message in `bytes`, a stream written for `network` at `version`; panics unless the stream is in step
/// and ends on a frame boundary.
pub fn decode_all<M: WireMessage>(network: &Network, version: u32, bytes: &[u8]) -> Vec<M> {
    let mut dec = FrameDecoder::new(network.clone(), version);
    dec.extend_from_slice(bytes);
    let mut out = Vec::new();
    while let Some(frame) = dec.next_frame().expect("the output stream is in step") {
        out.push(frame.decode::<M>(version).expect("each written frame decodes"));
    }
    assert_eq!(dec.buffered(), 0, "the output ends on a frame boundary");
    out
}

/// The outcomes among `events`, in order.
pub fn outcomes<M>(events: &[Event<M>]) -> Vec<(SendId, Outcome)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Outcome { id, outcome, .. } => Some((*id, outcome.clone())),
            _ => None,
        })
        .collect()
}

/// One connection under test, handshaked with a real peer whose later output is thrown away: from then on
/// the test plays the remote by hand, framing each message itself, on a clock only the test moves. The
/// transport takes every byte at once (into `out`) unless `hold` is set, and timers run at each deadline
/// the connection asks for, as a driver runs them.
pub struct Scripted<D: Dialect> {
    pub c: Connection<D>,
    pub now: Instant,
    /// When the handshake completed: the keep-alive timers count from here.
    pub opened: Instant,
    pub network: Network,
    /// The negotiated protocol version.
    pub version: u32,
    /// While set, the transport takes nothing: output stays queued in the connection.
    pub hold: bool,
    /// Bytes the transport took and the test has not looked at yet.
    pub out: Vec<u8>,
}

impl<D: Dialect> Scripted<D> {
    /// `ours` dials a peer configured as `remote`; both open at once.
    pub fn open(ours: Config, remote: Config) -> Self {
        let network = ours.network.clone();
        let p = Pair::<D>::with(ours, remote).open();
        let version = p.a.session().expect("open").version;
        Scripted {
            c: p.a,
            now: p.now,
            opened: p.now,
            network,
            version,
            hold: false,
            out: Vec::new(),
        }
    }

    /// The transport takes what is waiting, unless held.
    pub fn flush(&mut self) {
        if !self.hold {
            let bytes = self.c.drain_transmit(self.now);
            self.out.extend_from_slice(&bytes);
        }
    }

    /// The remote sends `msg`, framed at the negotiated version.
    pub fn receive(&mut self, msg: &D::Message) {
        let bytes = frame(&self.network, msg, self.version);
        self.receive_bytes(&bytes);
    }

    /// The remote sends raw bytes.
    pub fn receive_bytes(&mut self, bytes: &[u8]) {
        self.c.handle_input(bytes, self.now);
        self.flush();
    }

    /// The remote's framing of `msg`.
    pub fn frame(&self, msg: &D::Message) -> Vec<u8> {
        frame(&self.network, msg, self.version)
    }

    /// Moves the clock by `d`, running every deadline met on the way.
    pub fn advance(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Moves the clock to `opened + d`, running every deadline met on the way.
    pub fn at(&mut self, d: Duration) {
        self.run_until(self.opened + d);
    }

    /// Runs the timers at each deadline before `t` (flushing after each, as a driver would), then at `t`.
    pub fn run_until(&mut self, t: Instant) {
        assert!(t >= self.now, "the clock only moves forward");
        let mut last = None;
        while let Some(d) = self.c.poll_timeout().filter(|&d| d < t) {
            assert!(
                last != Some((d, self.now)),
                "a deadline that does not move: the driver would spin"
            );
            last = Some((d, self.now));
            self.now = self.now.max(d);
            self.c.handle_timeout(self.now);
            self.flush();
        }
        self.now = t;
        self.c.handle_timeout(t);
        self.flush();
    }

    /// Everything the transport took since the last look, decoded.
    pub fn written(&mut self) -> Vec<D::Message> {
        self.flush();
        let bytes = std::mem::take(&mut self.out);
        decode_all(&self.network, self.version, &bytes)
    }

    /// Every event waiting.
    pub fn events(&mut self) -> Vec<Event<D::Message>> {
        events(&mut self.c)
    }

    /// The next deadline, as an offset from `opened`.
    pub fn deadline(&mut self) -> Option<Duration> {
        self.c.poll_timeout().map(|t| t - self.opened)
    }

    /// Asserts that the connection is still open 1 ms before `opened + d`, that its next deadline is then
    /// `opened + d`, and that it ends for `reason` at exactly that instant, `Disconnected` its last event.
    pub fn cut_exactly_at(&mut self, d: Duration, reason: DisconnectReason) {
        self.at(d - ms(1));
        assert!(
            self.c.is_open(),
            "still open 1 ms before: {:?}",
            self.c.disconnect_reason()
        );
        assert_eq!(self.deadline(), Some(d), "the deadline the driver is told");
        self.at(d);
        assert_eq!(self.c.disconnect_reason(), Some(&reason));
        assert!(self.c.is_closed());
        let ev = self.events();
        assert!(
            matches!(ev.last(), Some(Event::Disconnected(r)) if *r == reason),
            "{ev:?}"
        );
    }
}

impl Scripted<Bitcoin> {
    pub fn bitcoin() -> Self {
        Self::bitcoin_with(config(Network::BITCOIN_REGTEST))
    }

    pub fn bitcoin_with(ours: Config) -> Self {
        Scripted::open(ours, config(Network::BITCOIN_REGTEST))
    }
}

impl Scripted<Decred> {
    pub fn decred() -> Self {
        Self::decred_with(config(Network::DECRED_SIMNET))
    }

    pub fn decred_with(ours: Config) -> Self {
        Scripted::open(ours, config(Network::DECRED_SIMNET))
    }
}

/// A small Bitcoin transaction, told apart by `n`; with a witness when `witness` is set.
pub fn btc_tx(n: u32, witness: bool) -> coinpeer_wire::bitcoin::Transaction {
    use coinpeer_wire::bitcoin::{OutPoint, Transaction, TxIn, TxOut, Witness};
    Transaction {
        version: 2,
        inputs: vec![TxIn {
            previous_output: OutPoint {
                txid: coinpeer_wire::Hash256([9; 32]),
                vout: n,
            },
            script_sig: bytes::Bytes::new(),
            sequence: u32::MAX,
            witness: if witness {
                Witness::from_items([[n as u8; 33]])
            } else {
                Witness::new()
            },
        }],
        outputs: vec![TxOut {
            value: 1000,
            script_pubkey: bytes::Bytes::from_static(&[0x51]),
        }],
        lock_time: 0,
    }
}

/// An empty Bitcoin block, told apart by `n`.
pub fn btc_block(n: u32) -> coinpeer_wire::bitcoin::Block {
    let mut b = coinpeer_wire::bitcoin::Block::default();
    b.header.nonce = n;
    b
}

/// `getdata` for blocks `ns` (see [`btc_block`]).
pub fn getdata_blocks(ns: impl IntoIterator<Item = u32>) -> coinpeer_wire::bitcoin::Message {
    use coinpeer_wire::messages::{InvType, Inventory};
    coinpeer_wire::bitcoin::Message::GetData(
        ns.into_iter()
            .map(|n| Inventory::new(InvType::BLOCK, btc_block(n).hash()))
            .collect(),
    )
}

/// The bytes `c` offers to one vectored write now (up to 64 slices), not yet counted as written.
pub fn offered<D: Dialect>(c: &mut Connection<D>, now: Instant) -> Vec<u8> {
    let mut slices = [std::io::IoSlice::new(&[]); 64];
    let n = c.transmit_slices(now, &mut slices);
    slices[..n].iter().flat_map(|s| s.iter().copied()).collect()
}

/// `msgs` framed one after the other for `network` at the dialect's newest version.
pub fn encode_all<M: HandshakeMessage>(network: &Network, msgs: &[M]) -> Vec<u8> {
    msgs.iter().flat_map(|m| frame(network, m, M::MAX_VERSION)).collect()
}
