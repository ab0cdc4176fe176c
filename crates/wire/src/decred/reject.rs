//! Decred's `reject`, valid only below protocol 9 (dcrd no longer registers it at all).

use crate::bitcoin::RejectCode;
use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;

/// The payload of `reject`.
///
/// Unlike Bitcoin's, the hash is required for rejected `block` and `tx` messages, and both strings must be
/// printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Command of the message refused.
    pub message: String,
    /// Why, as a code (the codes are Bitcoin's).
    pub code: RejectCode,
    /// Why, in words.
    pub reason: String,
    /// The block or transaction refused; written only when `message` is `block` or `tx`.
    pub hash: Hash256,
}

impl Reject {
    fn has_hash(&self) -> bool {
        self.message == "block" || self.message == "tx"
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        for (what, s) in [("rejected command", &self.message), ("reject reason", &self.reason)] {
            if !super::is_strict_ascii(s) {
                return Err(EncodeError::InvalidValue {
                    what,
                    detail: "not printable ASCII".into(),
                });
            }
        }
        Ok(())
    }
}

impl Decode for Reject {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let max = r.remaining();
        let message = super::read_ascii_str(r, "rejected command", max)?;
        let code = RejectCode(r.read_u8()?);
        let max = r.remaining();
        let reason = super::read_ascii_str(r, "reject reason", max)?;
        let mut reject = Reject {
            message,
            code,
            reason,
            hash: Hash256::ZERO,
        };
        if reject.has_hash() {
            reject.hash = Hash256::decode(r)?;
        }
        Ok(reject)
    }
}

impl Encode for Reject {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        put_var_bytes(out, self.message.as_bytes());
        out.put_u8(self.code.0);
        put_var_bytes(out, self.reason.as_bytes());
        if self.has_hash() {
            self.hash.encode(out);
        }
    }
}
