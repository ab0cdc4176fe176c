//! The tokio peer for Bitcoin-family and Decred networks.
//!
//! A [`Peer`] is made from any `AsyncRead + AsyncWrite` stream the caller connected (TCP, a proxy stream,
//! an in-memory duplex) and runs the protocol on it: the handshake first (failures are typed
//! [`ConnectError`]s), then full-duplex reading and writing in separate tasks, automatic pongs, pings on an
//! interval with latency measurement, an idle timeout, per-command statistics and a typed
//! [`DisconnectReason`]. One implementation serves both dialects through the [`Dialect`] trait:
//! `Peer<Bitcoin>` and `Peer<Decred>`.
//!
//! Every queued message reports its [`Outcome`] exactly once. Listeners ([`BitcoinListener`]) run in order
//! on the read path; a panicking listener disconnects only its own peer.
//!
//! What makes a peer a good citizen and hard to exhaust:
//! - inventory is trickled ([`Peer::queue_inventory`]) in batches of at most 1000 at a random
//!   [`TrickleInterval`], skipping what the remote already knows;
//! - every item we request has a deadline ([`StallConfig`]), extended by exactly the time our listeners
//!   kept the reader busy; a remote that does not answer is disconnected with [`DisconnectReason::Stall`];
//! - a remote that stops reading is disconnected with [`DisconnectReason::SlowReader`] once a write outlives
//!   its deadline or the queue reaches its byte cap, so memory stays bounded;
//! - push helpers build common messages within the protocol's limits ([`Peer::push_addr`],
//!   [`Peer::push_get_headers`], [`Peer::push_reject`]).
#![warn(missing_docs, unreachable_pub)]

mod catch_unwind;
mod clock;
mod config;
mod dialect;
mod dialects;
mod error;
mod events;
mod peer;
mod push;
mod queue;
mod stall;
mod stats;

pub use coinpeer_protocol::{TrickleInterval, MAX_INV_PER_TRICKLE};
pub use config::{
    HostToAddress, NewestBlock, PeerConfig, PeerConfigBuilder, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_QUEUED_BYTES,
    DEFAULT_PING_INTERVAL,
};
pub use dialect::{BoxFuture, Control, Dialect};
pub use dialects::bitcoin::{Bitcoin, BitcoinListener};
pub use dialects::decred::{Decred, DecredListener};
pub use error::{ConnectError, DisconnectReason, ProtocolViolation};
pub use events::{event_channel, Event, EventForwarder, EventReceiver};
pub use peer::{Peer, QUEUED_MESSAGE_OVERHEAD, UNKNOWN_COMMANDS};
pub use push::{PushError, Pushed, MAX_ADDR_PER_PUSH};
pub use queue::{Outcome, SendHandle};
pub use stall::{Awaited, Expect, StallConfig};
pub use stats::{CommandStats, StatsSnapshot};

pub use async_trait::async_trait;
pub use coinpeer_handshake::{Direction, Features};

/// A random 64-bit value, unpredictable to a remote: for ping and version nonces. Not for keys.
pub fn random_nonce() -> u64 {
    rand::random()
}
pub use tokio_util::sync::CancellationToken;
