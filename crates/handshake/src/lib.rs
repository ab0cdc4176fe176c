//! Sans-IO version/verack negotiation for Bitcoin-family and Decred peers.
//!
//! [`Handshake`] is a deterministic state machine: the caller feeds it received messages and the current
//! time, and sends the messages it yields. It never touches a socket, a clock or a random source: the nonce,
//! the Unix time, our best height and the current instant are inputs ([`LocalInputs`]), so every scenario,
//! timeouts included, is testable without I/O or sleeping. The result is a [`Negotiated`] value: the common
//! protocol version, the remote's version message, its clock offset, the features both sides enabled and the
//! messages it sent early, to be replayed. Failures are [`HandshakeError`] values with a reason.
//!
//! The order of messages (coinpeer's decision, SPEC §12):
//! - outbound: send version, read version, (Bitcoin, both at 70016+: send `sendaddrv2` and, when configured,
//!   `wtxidrelay`), send verack, wait for verack;
//! - inbound: read version, send version, the same announcements, send verack, wait for verack.
//!
//! Messages other than version and verack that arrive before the verack (Bitcoin Core's `sendcmpct`, BSV's
//! `protoconf`, dcrd's `getinitstate`) are kept, up to a bound, for the caller to replay.
//!
//! Checks on the remote's version, in order: it comes first, it is not our own (self connection, through the
//! shared [`NonceCache`](coinpeer_cache::NonceCache)), its protocol version is not older than our minimum,
//! and the caller's hook accepts it.
#![warn(missing_docs, unreachable_pub)]

mod config;
mod dialect;
mod error;
mod machine;
mod user_agent;

pub use config::{HandshakeConfig, VersionHook, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_MESSAGES_BEFORE_VERACK};
pub use dialect::{FeatureSupport, HandshakeMessage, MessageKind};
pub use error::{ConfigError, HandshakeError};
pub use machine::{Direction, Features, Handshake, LocalInputs, Negotiated};
pub use user_agent::UserAgent;
