//! Why a connection ended, and why a message could not be queued or sent.

use coinpeer_handshake::HandshakeError;
use coinpeer_wire::{Command, DecodeError, EncodeError};
use std::io;

/// Why a connection ended. Set once, by whatever ended it first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The remote closed the connection.
    #[error("remote closed the connection")]
    RemoteClosed,
    /// No whole message arrived for the idle timeout.
    #[error("idle timeout: no message received in time")]
    Idle,
    /// Our ping went unanswered for the ping timeout.
    #[error("ping timeout: no pong in time")]
    PingTimeout,
    /// The remote sent something that breaks the protocol.
    #[error("protocol violation: {0}")]
    Protocol(#[from] ProtocolViolation),
    /// Our side asked to disconnect.
    #[error("disconnected locally")]
    LocalRequest,
    /// The handshake failed.
    #[error("handshake failed: {0}")]
    Handshake(#[from] HandshakeError),
    /// A requested item was not delivered in time.
    #[error("stalled waiting for {command}")]
    Stall {
        /// The command whose answer was awaited.
        command: Command,
    },
    /// We asked the remote for more items than may be outstanding at once (dcrd's 75,000).
    #[error("more than {limit} requested items outstanding")]
    TooManyRequests {
        /// The configured limit.
        limit: usize,
    },
    /// The remote does not read what we send: a write outlived its deadline or the queue outgrew its cap.
    #[error("remote does not read what we send")]
    SlowReader,
    /// Reading or writing failed.
    #[error("i/o error: {0:?}")]
    Io(io::ErrorKind),
    /// Application code run for this peer (a listener) panicked; set by drivers. Only this peer ends.
    #[error("a listener panicked: {0}")]
    ListenerPanic(String),
    /// Application code run for this peer (a listener) overran its time budget; set by drivers.
    #[error("a listener ran over its time budget")]
    ListenerTimeout,
}

/// A protocol violation by the remote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// Bytes that do not decode (bad magic, checksum, size, payload).
    #[error("malformed message: {0}")]
    Malformed(DecodeError),
    /// A message allowed once (version, verack, a feature announcement) came again or too late.
    #[error("duplicate or late {0}")]
    Duplicate(Command),
    /// A request for a service we do not advertise (Bitcoin: BIP37 filters or `mempool` without bloom).
    #[error("{0} needs a service we do not advertise")]
    ServiceNotOffered(Command),
    /// A value outside what the protocol allows (e.g. a negative `feefilter`).
    #[error("{0} carries a value out of range")]
    OutOfRange(Command),
    /// Before its verack, the remote sent more than we hold for a stranger.
    #[error("more than {budget} bytes of messages before the verack")]
    PreHandshakeBudget {
        /// The budget, in bytes.
        budget: usize,
    },
    /// A command this dialect does not know, with strict unknown-command handling on (dcrd's rule).
    #[error("unknown command {0}")]
    UnknownCommand(Command),
}

/// Why [`Connection::send`](crate::Connection::send) did not take a message; the message comes back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<M> {
    /// The send buffer is full: try again once queued messages have been written.
    #[error("the send buffer is full")]
    Full(M),
    /// The remote's version is not known yet, so the message cannot be encoded.
    #[error("the handshake has not negotiated a version yet")]
    NotReady(M),
    /// The connection is closing or closed.
    #[error("the connection is closed")]
    Closed(M),
}

impl SendError<()> {
    /// The same refusal, carrying the message back.
    pub(crate) fn with<M>(self, msg: M) -> SendError<M> {
        match self {
            SendError::Full(()) => SendError::Full(msg),
            SendError::NotReady(()) => SendError::NotReady(msg),
            SendError::Closed(()) => SendError::Closed(msg),
        }
    }
}

impl<M> SendError<M> {
    /// The message that was not queued.
    pub fn into_message(self) -> M {
        match self {
            SendError::Full(m) | SendError::NotReady(m) | SendError::Closed(m) => m,
        }
    }
}

/// Why a queued message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendFailure {
    /// It cannot be encoded at the negotiated version (e.g. too large, or a type the version lacks). The
    /// connection stays up.
    #[error("cannot encode: {0}")]
    Encode(EncodeError),
    /// A frame handed over whole whose payload is not the length its header announces, such as one the
    /// decoder skipped unread: written, it would put the stream out of step. The connection stays up.
    #[error("a frame announcing {length} payload bytes carries {payload}")]
    Incomplete {
        /// The length its header announces.
        length: u32,
        /// The bytes it carries.
        payload: usize,
    },
    /// The write failed.
    #[error("write failed: {0:?}")]
    Io(io::ErrorKind),
    /// It alone would hold more memory than the queue may (`Config::max_queued_bytes`): it is not queued,
    /// and the connection stays up (the remote is not to blame for the size of our message).
    #[error("a message holding {bytes} bytes queued exceeds the queue's cap of {cap}")]
    TooLarge {
        /// What it would hold queued: its frame, bookkeeping and anything held for it.
        bytes: usize,
        /// The cap.
        cap: usize,
    },
}
