//! Errors of the wire layer: one for decoding untrusted bytes, one for encoding our own messages.

use crate::frame::Command;
use std::fmt;

/// Why a sequence of bytes could not be decoded, and where.
///
/// `offset` counts bytes from the start of the unit being decoded: the message payload for payload errors, the
/// stream (every byte fed to a [`FrameDecoder`](crate::frame::FrameDecoder)) for framing errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The command of the message being decoded, once the header naming it has been read.
    pub command: Option<Command>,
    /// Byte offset at which the problem was found.
    pub offset: u64,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl DecodeError {
    /// An error of `kind` found at `offset`, not yet attributed to a command.
    pub fn new(kind: ErrorKind, offset: u64) -> Self {
        DecodeError {
            command: None,
            offset,
            kind,
        }
    }

    /// Attributes the error to `command` (keeping an attribution made earlier).
    pub fn in_command(mut self, command: Command) -> Self {
        self.command.get_or_insert(command);
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.command {
            Some(cmd) => write!(f, "{cmd}: {} at byte {}", self.kind, self.offset),
            None => write!(f, "{} at byte {}", self.kind, self.offset),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The kinds of decoding failure; each is distinct so that callers and tests can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended before a field was complete.
    #[error("unexpected end of input: needed {needed} bytes, {available} left")]
    UnexpectedEnd {
        /// Bytes the field needed.
        needed: u64,
        /// Bytes that were left.
        available: u64,
    },
    /// A variable-length integer used more bytes than its value requires.
    #[error("non-canonical varint encoding of {value}")]
    NonCanonicalVarInt {
        /// The value that was encoded.
        value: u64,
    },
    /// The payload decoded completely but bytes remained.
    #[error("{count} trailing bytes after the payload")]
    TrailingBytes {
        /// Number of bytes left over.
        count: u64,
    },
    /// An element count exceeds the protocol's limit for that field.
    #[error("{what}: count {count} exceeds the maximum of {max}")]
    CountTooLarge {
        /// The field holding the count.
        what: &'static str,
        /// The count that was read.
        count: u64,
        /// The largest count allowed.
        max: u64,
    },
    /// A length-prefixed field is longer than its limit.
    #[error("{what}: length {length} exceeds the maximum of {max}")]
    LengthTooLarge {
        /// The field holding the length.
        what: &'static str,
        /// The length that was read.
        length: u64,
        /// The largest length allowed.
        max: u64,
    },
    /// A field holds a value the protocol does not allow.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// The field.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The header's magic is not the one of the network being spoken.
    #[error("wrong network magic {found:#010x}, expected {expected:#010x}")]
    WrongMagic {
        /// The magic of our network.
        expected: u32,
        /// The magic that was read.
        found: u32,
    },
    /// The payload's checksum does not match the header's.
    #[error("bad checksum: header says {}, payload hashes to {}", hex4(.expected), hex4(.computed))]
    BadChecksum {
        /// The checksum in the header.
        expected: [u8; 4],
        /// The checksum of the payload received.
        computed: [u8; 4],
    },
    /// The header's length exceeds the largest message the dialect allows.
    #[error("message length {length} exceeds the protocol maximum of {max}")]
    MessageTooLarge {
        /// Length from the header.
        length: u64,
        /// Largest message of the dialect.
        max: u64,
    },
    /// The header's length exceeds the largest payload of its message type.
    #[error("payload length {length} exceeds the maximum of {max} for this message")]
    PayloadTooLarge {
        /// Length from the header.
        length: u64,
        /// Largest payload of this message type at this protocol version.
        max: u64,
    },
    /// The command field is not NUL-padded printable ASCII.
    #[error("malformed command {0:?}")]
    MalformedCommand(String),
    /// The message does not exist at the protocol version in use.
    #[error("message not valid at protocol version {version}")]
    UnsupportedAtVersion {
        /// The protocol version in use.
        version: u32,
    },
}

fn hex4(b: &[u8; 4]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Why one of our own messages could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A command longer than 12 bytes or with characters outside printable ASCII.
    #[error("invalid command {0:?}: at most 12 printable ASCII characters")]
    InvalidCommand(String),
    /// The message does not exist at the protocol version in use.
    #[error("{command} is not valid at protocol version {version}")]
    UnsupportedAtVersion {
        /// Command of the message.
        command: &'static str,
        /// Protocol version in use.
        version: u32,
    },
    /// A field holds more elements than the protocol allows.
    #[error("{what}: {count} elements exceed the maximum of {max}")]
    CountTooLarge {
        /// The field.
        what: &'static str,
        /// Elements present.
        count: usize,
        /// Largest count allowed.
        max: usize,
    },
    /// A field holds a value the protocol cannot carry.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// The field.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The encoded payload is larger than its message type allows.
    #[error("{command} payload of {length} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Command of the message.
        command: Command,
        /// Encoded payload length.
        length: u64,
        /// Largest payload allowed.
        max: u64,
    },
}

impl EncodeError {
    /// `command` is not a message of protocol `version`. The error names it by its entry in `known`, the
    /// dialect's command list, whose names live as long as the program.
    pub(crate) fn unsupported_at(known: &[&'static str], command: &str, version: u32) -> Self {
        let command = known.iter().find(|c| **c == command).copied().unwrap_or("unknown");
        EncodeError::UnsupportedAtVersion { command, version }
    }
}
