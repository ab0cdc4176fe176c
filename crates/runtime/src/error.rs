//! Why a peer could not be started, and why it disconnected.

use coinpeer_handshake::{ConfigError, HandshakeError};
use coinpeer_wire::{Command, DecodeError};
use std::fmt;

/// Why a connection did not become a running peer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The version/verack negotiation failed.
    #[error("handshake failed: {0}")]
    Handshake(#[from] HandshakeError),
    /// The configuration cannot produce a version message.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The remote sent bytes that do not decode.
    #[error("protocol error during the handshake: {0}")]
    Protocol(DecodeError),
    /// The connection failed or closed.
    #[error("i/o error during the handshake: {0}")]
    Io(#[from] std::io::Error),
    /// The caller's cancellation signal fired, or `disconnect` was called.
    #[error("cancelled during the handshake")]
    Cancelled,
    /// A listener's `on_version` panicked.
    #[error("a listener panicked during the handshake: {0}")]
    ListenerPanic(String),
}

/// Why a peer disconnected. Set once, by whatever ended the connection first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The remote closed the connection.
    RemoteClosed,
    /// Nothing was received for the idle timeout.
    Idle,
    /// The remote sent something that breaks the protocol.
    Protocol(ProtocolViolation),
    /// Our side called [`Peer::disconnect`](crate::Peer::disconnect) or the caller's cancellation fired.
    LocalRequest,
    /// The handshake failed.
    Handshake(HandshakeError),
    /// A requested item was not delivered in time.
    Stall {
        /// The command whose answer was awaited.
        command: Command,
    },
    /// The remote does not read what we send: a write outlived its deadline or the queue outgrew its cap.
    SlowReader,
    /// Reading or writing failed.
    Io(String),
    /// A listener panicked; only this peer is affected.
    ListenerPanic(String),
}

/// A protocol violation by the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// Bytes that do not decode (bad magic, checksum, size, payload).
    Malformed(DecodeError),
    /// A message allowed once (version, verack, a feature announcement) came again or too late.
    Duplicate(Command),
    /// A request for a service we do not advertise (Bitcoin: BIP37 filters or `mempool` without bloom).
    ServiceNotOffered(Command),
    /// A value outside what the protocol allows (e.g. a negative `feefilter`).
    OutOfRange(Command),
}

impl fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolViolation::Malformed(e) => write!(f, "malformed message: {e}"),
            ProtocolViolation::Duplicate(c) => write!(f, "duplicate or late {c}"),
            ProtocolViolation::ServiceNotOffered(c) => write!(f, "{c} needs a service we do not advertise"),
            ProtocolViolation::OutOfRange(c) => write!(f, "{c} carries a value out of range"),
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::RemoteClosed => f.write_str("remote closed the connection"),
            DisconnectReason::Idle => f.write_str("idle timeout"),
            DisconnectReason::Protocol(p) => write!(f, "protocol violation: {p}"),
            DisconnectReason::LocalRequest => f.write_str("disconnected locally"),
            DisconnectReason::Handshake(e) => write!(f, "handshake failed: {e}"),
            DisconnectReason::Stall { command } => write!(f, "stalled waiting for {command}"),
            DisconnectReason::SlowReader => f.write_str("remote does not read what we send"),
            DisconnectReason::Io(e) => write!(f, "i/o error: {e}"),
            DisconnectReason::ListenerPanic(m) => write!(f, "a listener panicked: {m}"),
        }
    }
}
