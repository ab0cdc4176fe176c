//! What a connection reports to the application.

use crate::error::{DisconnectReason, SendFailure};
use coinpeer_handshake::{Direction, Features};
use coinpeer_wire::messages::VersionMessage;
use coinpeer_wire::Frame;
use std::sync::Arc;

/// Names one message given to [`Connection::send`](crate::Connection::send); its [`Outcome`] is reported
/// exactly once, as an [`Event::Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SendId(pub u64);

/// What became of a message given to [`Connection::send`](crate::Connection::send).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Every byte of it was handed to the transport.
    Sent,
    /// It could not be sent; the connection may still be up (an encoding failure) or not (a write error).
    Failed(SendFailure),
    /// The connection closed before it was written.
    Dropped,
}

/// What the handshake settled, kept for the life of the connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The protocol version both sides speak: the smaller of the two.
    pub version: u32,
    /// The remote's version message.
    pub remote: VersionMessage,
    /// The remote's clock minus ours, in seconds, when its version arrived.
    pub time_offset: i64,
    /// Optional features in force.
    pub features: Features,
    /// Who dialed.
    pub direction: Direction,
}

/// Something the application should know, from [`Connection::poll_event`](crate::Connection::poll_event).
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<M> {
    /// The remote's version passed the built-in checks. With
    /// [`Config::defer_version_decision`](crate::Config::defer_version_decision) the connection waits for
    /// [`accept_version`](crate::Connection::accept_version) or
    /// [`refuse_version`](crate::Connection::refuse_version); the negotiated version is already known.
    Version(Box<VersionMessage>),
    /// The handshake completed. Messages the remote sent before its verack follow as [`Event::Message`].
    /// The session is shared with the connection's own [`session`](crate::Connection::session), so that a
    /// driver can keep it without a copy per peer.
    Connected(Arc<Session>),
    /// A message from the remote, with the frame it came in (header and raw payload: forward it as it is,
    /// with no re-encoding).
    Message {
        /// The decoded message.
        msg: M,
        /// Its frame.
        frame: Frame,
    },
    /// What became of a sent message.
    Outcome {
        /// The id `send` returned.
        id: SendId,
        /// What became of it.
        outcome: Outcome,
        /// Its size on the wire (0 if it could not be encoded).
        bytes: usize,
    },
    /// The connection ended; the last event.
    Disconnected(DisconnectReason),
}
