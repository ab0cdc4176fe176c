//! The tokio peer for Bitcoin-family and Decred networks: a thin driver of `coinpeer-protocol`'s state
//! machine.
//!
//! A [`Peer`] is made from any `AsyncRead + AsyncWrite` stream the caller connected (TCP, a proxy stream,
//! an in-memory duplex) and runs the protocol on it: the handshake first (failures are typed
//! [`ConnectError`]s), then everything else, in one task per peer that reads, writes (in vectored writes,
//! control messages ahead of bulk data) and runs the state machine's timers. One implementation serves both
//! dialects through the [`Dialect`] trait: `Peer<Bitcoin>` and `Peer<Decred>`.
//!
//! Every queued message reports its [`Outcome`] exactly once, through the [`SendHandle`] its sending call
//! returns. [`Peer::send`] waits only for room in the queue (its memory below the configured send buffer)
//! and yields to the runtime now and then, so a loop of `send(..).await` is both back-pressured and
//! pipelined; [`Peer::try_send`] says when the queue is full; [`Peer::queue_message`] never waits. A message
//! sent to many peers can be encoded once ([`coinpeer_wire::Frame::encode`] with [`Peer::encode_options`])
//! and sent to each with [`Peer::send_frame`]: no encoding, hashing or copy of its payload per peer.
//! Listeners ([`BitcoinListener`]) run in order,
//! on the peer's task, while it goes on reading and writing; one that panics or runs past
//! [`LISTENER_BUDGET`] disconnects only its own peer. Without listeners nothing is boxed or queued for them.
//!
//! What makes a peer a good citizen and hard to exhaust (all of it in the state machine):
//! - a stranger may make us hold at most 64 KiB before its verack; unknown commands are skipped unbuffered;
//! - inventory is trickled ([`Peer::queue_inventory`]) in batches of at most 1000 at a random
//!   [`TrickleInterval`], skipping what the remote already knows; blocks leave at once;
//! - every item we request has a deadline ([`StallConfig`]); each answer of a kind extends the rest of that
//!   kind, unless it skips an item of an earlier request message; a remote that does not answer is
//!   disconnected with [`DisconnectReason::Stall`];
//! - idle and ping timeouts count whole messages, not bytes;
//! - a remote that stops reading is disconnected with [`DisconnectReason::SlowReader`] once a write outlives
//!   its deadline or the queue reaches its memory cap;
//! - push helpers build common messages within the protocol's limits ([`Peer::push_addr`],
//!   [`Peer::push_get_headers`], [`Peer::push_reject`]).
#![warn(missing_docs, unreachable_pub)]

mod catch_unwind;
mod config;
mod dialect;
mod dialects;
mod driver;
mod error;
mod event_queue;
mod events;
mod hooks;
mod peer;
mod push;
mod queue;
mod remote;
mod sending;
mod settings;
mod stats;
mod stream;

pub use coinpeer_protocol::{Awaited, Expect, StallConfig};
pub use coinpeer_protocol::{DisconnectReason, ProtocolViolation, Session, QUEUED_FRAME_OVERHEAD};
pub use coinpeer_protocol::{TrickleInterval, MAX_INV_PER_TRICKLE};

/// What each message queued through a [`Peer`] costs against its queue caps beyond its wire bytes (and the
/// requests it makes, for stall detection): its frame's bookkeeping in the state machine
/// ([`QUEUED_FRAME_OVERHEAD`]) and the runtime's for its [`SendHandle`]. With listeners, the copy of the
/// message kept for `on_write` counts as much again as its frame (a decoded message may take more).
pub const QUEUED_MESSAGE_OVERHEAD: usize = QUEUED_FRAME_OVERHEAD + driver::HANDLE_OVERHEAD;
pub use config::{
    BoxError, HostToAddress, NewestBlock, PeerConfig, PeerConfigBuilder, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_QUEUED_BYTES, DEFAULT_PING_INTERVAL, DEFAULT_SEND_BUFFER,
};
pub use dialect::{BoxFuture, Control, Dialect};
pub use dialects::bitcoin::{Bitcoin, BitcoinListener};
pub use dialects::decred::{Decred, DecredListener};
pub use error::{ConnectError, TrySendError};
pub use events::{event_channel, Event, EventForwarder, EventReceiver};
pub use hooks::LISTENER_BUDGET;
pub use peer::{Peer, UNKNOWN_COMMANDS};
pub use push::{PushError, Pushed, MAX_ADDR_PER_PUSH};
pub use queue::{Outcome, SendFailure, SendHandle};
pub use stats::{CommandStats, StatsSnapshot};
pub use stream::{PeerEvent, PeerEvents};

pub use async_trait::async_trait;
pub use coinpeer_cache::NonceCache;
pub use coinpeer_handshake::{Direction, Features};

/// A random 64-bit value, unpredictable to a remote: for ping and version nonces. Not for keys.
pub fn random_nonce() -> u64 {
    rand::random()
}
pub use tokio_util::sync::CancellationToken;
