//! Why a handshake failed, and why a configuration was refused.

use coinpeer_wire::Command;

/// Why a handshake failed. Each variant is a reason a caller can act on (log, ban, retry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The remote's first message was not a version.
    #[error("the first message was {0}, not version")]
    NotVersionFirst(Command),
    /// The remote's version nonce is one we sent: we connected to ourselves.
    #[error("connected to ourselves (our own version nonce came back)")]
    SelfConnection,
    /// The remote speaks a protocol version older than we accept.
    #[error("protocol version {remote} is older than the minimum {minimum}")]
    ObsoleteVersion {
        /// The remote's version.
        remote: u32,
        /// The oldest version we accept.
        minimum: u32,
    },
    /// The caller's version hook refused the peer.
    #[error("refused: {0}")]
    Refused(String),
    /// The remote sent a second version.
    #[error("duplicate version message")]
    DuplicateVersion,
    /// The remote sent a message only valid before the verack twice, or a verack before its version.
    #[error("unexpected {0} during the handshake")]
    Unexpected(Command),
    /// The remote sent too many other messages before its verack.
    #[error("more than {0} messages before the verack")]
    TooManyMessages(usize),
    /// The handshake did not complete in time.
    #[error("handshake timed out")]
    Timeout,
}

/// A configuration that cannot produce a valid version message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A user-agent part holds a character BIP14 reserves.
    #[error("user agent {part} {value:?} contains the reserved character {reserved:?}")]
    UserAgent {
        /// Which part.
        part: &'static str,
        /// Its value.
        value: String,
        /// The offending character.
        reserved: char,
    },
    /// The rendered user agent is longer than 256 bytes.
    #[error("user agent of {0} bytes exceeds 256")]
    UserAgentTooLong(usize),
}
