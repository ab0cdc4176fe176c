//! Why a peer could not be started. Why it disconnected is the protocol core's
//! [`DisconnectReason`](coinpeer_protocol::DisconnectReason).

use coinpeer_handshake::{ConfigError, HandshakeError};
use coinpeer_protocol::{DisconnectReason, ProtocolViolation};
use coinpeer_wire::DecodeError;

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
    /// The configured source of our newest block's height failed, so no version message could be built.
    #[error("newest block unavailable: {0}")]
    NewestBlock(#[source] crate::BoxError),
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
    /// The remote broke the protocol during the handshake in another way.
    #[error("protocol violation during the handshake: {0}")]
    Violation(ProtocolViolation),
    /// The connection ended during the handshake for another reason (a listener's time budget, a slow
    /// reader).
    #[error("disconnected during the handshake: {0}")]
    Disconnected(DisconnectReason),
}

impl From<DisconnectReason> for ConnectError {
    fn from(reason: DisconnectReason) -> Self {
        match reason {
            DisconnectReason::Handshake(e) => ConnectError::Handshake(e),
            DisconnectReason::Protocol(ProtocolViolation::Malformed(e)) => ConnectError::Protocol(e),
            DisconnectReason::Protocol(v) => ConnectError::Violation(v),
            DisconnectReason::LocalRequest => ConnectError::Cancelled,
            DisconnectReason::ListenerPanic(m) => ConnectError::ListenerPanic(m),
            DisconnectReason::Io(kind) => ConnectError::Io(kind.into()),
            DisconnectReason::RemoteClosed => ConnectError::Io(std::io::ErrorKind::UnexpectedEof.into()),
            other => ConnectError::Disconnected(other),
        }
    }
}

/// Why [`Peer::try_send`](crate::Peer::try_send) did not queue a message; the message comes back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrySendError<M> {
    /// The queue holds the send buffer's worth already: try again once some of it is written.
    #[error("the send queue is full")]
    Full(M),
    /// The peer is disconnecting or gone.
    #[error("the peer is disconnected")]
    Closed(M),
}
