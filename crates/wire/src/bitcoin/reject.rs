//! `reject` (BIP61): why a message was refused. Bitcoin only, protocol 70002 and later.

use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::Hash256;
use std::fmt;

/// A reject code.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RejectCode(pub u8);

impl RejectCode {
    /// The message could not be decoded.
    pub const MALFORMED: RejectCode = RejectCode(0x01);
    /// The object is invalid.
    pub const INVALID: RejectCode = RejectCode(0x10);
    /// The protocol version is too old.
    pub const OBSOLETE: RejectCode = RejectCode(0x11);
    /// A message that may be sent once was sent again.
    pub const DUPLICATE: RejectCode = RejectCode(0x12);
    /// The transaction is non-standard.
    pub const NONSTANDARD: RejectCode = RejectCode(0x40);
    /// An output is dust.
    pub const DUST: RejectCode = RejectCode(0x41);
    /// The fee is too low.
    pub const INSUFFICIENT_FEE: RejectCode = RejectCode(0x42);
    /// The block conflicts with a checkpoint.
    pub const CHECKPOINT: RejectCode = RejectCode(0x43);
}

impl fmt::Debug for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RejectCode({self})")
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0x01 => "malformed",
            0x10 => "invalid",
            0x11 => "obsolete",
            0x12 => "duplicate",
            0x40 => "nonstandard",
            0x41 => "dust",
            0x42 => "insufficient fee",
            0x43 => "checkpoint",
            other => return write!(f, "unknown({other:#04x})"),
        };
        f.write_str(name)
    }
}

/// The payload of `reject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Command of the message refused.
    pub message: String,
    /// Why, as a code.
    pub code: RejectCode,
    /// Why, in words.
    pub reason: String,
    /// For a refused block or transaction, its hash.
    pub hash: Option<Hash256>,
}

impl Decode for Reject {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let max = r.remaining();
        let message = r.read_var_str("rejected command", max)?;
        let code = RejectCode(r.read_u8()?);
        let reason = r.read_var_str("reject reason", max)?;
        // Only block and tx rejects carry a hash, and some senders omit even those.
        let hash = if (message == "block" || message == "tx") && r.remaining() >= 32 {
            Some(Hash256::decode(r)?)
        } else {
            None
        };
        Ok(Reject {
            message,
            code,
            reason,
            hash,
        })
    }
}

impl Encode for Reject {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        put_var_bytes(out, self.message.as_bytes());
        out.put_u8(self.code.0);
        put_var_bytes(out, self.reason.as_bytes());
        if let Some(h) = &self.hash {
            h.encode(out);
        }
    }
}
