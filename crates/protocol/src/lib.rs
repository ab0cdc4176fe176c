//! The whole Bitcoin-family or Decred peer as a deterministic state machine.
//!
//! A [`Connection`] is one peer connection with no I/O of its own, in the manner of `quinn-proto`: no
//! sockets, no clock, no OS randomness. Bytes received and the current time go in
//! ([`handle_input`](Connection::handle_input), [`handle_timeout`](Connection::handle_timeout)); bytes to
//! write ([`transmit_slices`](Connection::transmit_slices) / [`poll_transmit`](Connection::poll_transmit)),
//! events ([`poll_event`](Connection::poll_event)) and the next deadline
//! ([`poll_timeout`](Connection::poll_timeout)) come out. It owns the handshake (through
//! `coinpeer-handshake`), keep-alive (pings, ping timeout, idle timeout), inventory trickling and the
//! known-inventory filter, stall detection, the send queue and its caps, statistics and the disconnect
//! reason. [`send`](Connection::send) returns an id whose [`Outcome`] is reported exactly once.
//!
//! Because it is deterministic, the same connection runs under tokio (`coinpeer-runtime`), in tests with
//! a clock the test moves, and in simulations of many peers on a virtual clock.
//!
//! ```
//! use coinpeer_protocol::{Bitcoin, Config, Connection, Event, Start};
//! use coinpeer_handshake::Direction;
//! use coinpeer_wire::{bitcoin::Message, messages::{NetAddress, ServiceFlags}, Network};
//! use rand::{rngs::SmallRng, SeedableRng};
//! use std::{sync::Arc, time::Instant};
//!
//! // Two connections of one process would recognise each other's nonces as their own: give each side
//! // its own nonce cache, as two processes would have.
//! let config = |_| {
//!     let mut c = Config::new(Network::BITCOIN_REGTEST);
//!     c.nonces = Default::default();
//!     Arc::new(c)
//! };
//! let now = Instant::now();
//! let addr = NetAddress::from_socket_addr("127.0.0.1:18444".parse().unwrap(), ServiceFlags::NONE);
//! let start = |direction| Start { direction, remote: addr, now, unix_time: 1_700_000_000, start_height: 0 };
//! let mut a = Connection::<Bitcoin>::new(config(0), start(Direction::Outbound), SmallRng::seed_from_u64(1)).unwrap();
//! let mut b = Connection::<Bitcoin>::new(config(1), start(Direction::Inbound), SmallRng::seed_from_u64(2)).unwrap();
//! // Shuttle bytes until both sides are open, then send a ping through.
//! while !(a.is_open() && b.is_open()) {
//!     let to_b = a.drain_transmit(now);
//!     b.handle_input(&to_b, now);
//!     let to_a = b.drain_transmit(now);
//!     a.handle_input(&to_a, now);
//! }
//! a.send(Message::Ping(7), now).unwrap();
//! b.handle_input(&a.drain_transmit(now), now);
//! let pings = std::iter::from_fn(|| b.poll_event())
//!     .filter(|e| matches!(e, Event::Message { msg: Message::Ping(7), .. }))
//!     .count();
//! assert_eq!(pings, 1);
//! ```
#![warn(missing_docs, unreachable_pub)]

mod clock;
mod close;
mod config;
mod connection;
mod dialect;
mod dialects;
mod error;
mod event;
mod inventory;
mod keepalive;
mod receive;
mod send;
mod send_queue;
mod stall;
mod stats;
mod timers;
mod transmit;

pub use config::{
    process_nonces, Config, DEFAULT_DRAIN_TIMEOUT, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_PRE_HANDSHAKE_BUDGET,
    DEFAULT_SEND_BUFFER,
};
pub use connection::{Connection, Start};
pub use dialect::{Awaited, Control, Dialect, Expect};
pub use dialects::bitcoin::Bitcoin;
pub use dialects::decred::Decred;
pub use error::{DisconnectReason, ProtocolViolation, SendError, SendFailure};
pub use event::{Event, Outcome, SendId, Session};
pub use inventory::{InventoryRelay, TrickleInterval, MAX_INV_PER_TRICKLE};
pub use send_queue::QUEUED_FRAME_OVERHEAD;
pub use stall::{StallConfig, DEFAULT_MAX_OUTSTANDING_REQUESTS};
pub use stats::{CommandCounters, CommandStats, Stats, UNKNOWN_COMMANDS};

pub use coinpeer_handshake::{Direction, Features};
