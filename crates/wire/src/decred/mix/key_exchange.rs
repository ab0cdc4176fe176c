//! The key exchange (`mixkeyxchg`) and the ciphertexts sent to the keys exchanged (`mixcphrtxt`).

use super::common::{check_seen, hash_of, read_seen};
use super::{MAX_MIX_PEERS, PQ_CIPHERTEXT_LEN, PQ_PUBLIC_KEY_LEN};
use crate::encode::{put_list, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::varint;

/// The payload of `mixkeyxchg`: the session keys and a commitment to the secrets revealed on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixKeyExchange {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Epoch the session started in.
    pub epoch: u64,
    /// Run number within the session.
    pub run: u32,
    /// The sender's position among the session's peers.
    pub pos: u32,
    /// secp256k1 public key for ECDH.
    pub ecdh: [u8; 33],
    /// sntrup4591761 public key.
    pub pqpk: [u8; PQ_PUBLIC_KEY_LEN],
    /// Commitment to the secrets of this run.
    pub commitment: [u8; 32],
    /// Pair requests seen.
    pub seen_prs: Vec<Hash256>,
}

impl MixKeyExchange {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_prs)
    }
}

impl Decode for MixKeyExchange {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MixKeyExchange {
            signature: r.read_array()?,
            identity: r.read_array()?,
            session_id: r.read_array()?,
            epoch: r.read_u64_le()?,
            run: r.read_u32_le()?,
            pos: r.read_u32_le()?,
            ecdh: r.read_array()?,
            pqpk: r.read_array()?,
            commitment: r.read_array()?,
            seen_prs: read_seen(r)?,
        })
    }
}

impl Encode for MixKeyExchange {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u64_le(self.epoch);
        out.put_u32_le(self.run);
        out.put_u32_le(self.pos);
        out.put(&self.ecdh);
        out.put(&self.pqpk);
        out.put(&self.commitment);
        put_list(out, &self.seen_prs);
    }
}

/// The payload of `mixcphrtxt`: one ciphertext per key exchange seen, under one shared count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixCiphertexts {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// sntrup4591761 ciphertexts, one per entry of `seen_key_exchanges`.
    pub ciphertexts: Vec<[u8; PQ_CIPHERTEXT_LEN]>,
    /// Key exchanges seen; as many as ciphertexts.
    pub seen_key_exchanges: Vec<Hash256>,
}

impl MixCiphertexts {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        if self.ciphertexts.len() != self.seen_key_exchanges.len() {
            return Err(EncodeError::InvalidValue {
                what: "ciphertexts",
                detail: format!(
                    "{} ciphertexts for {} key exchanges; the wire has one count for both",
                    self.ciphertexts.len(),
                    self.seen_key_exchanges.len()
                ),
            });
        }
        check_seen(&self.seen_key_exchanges)
    }
}

impl Decode for MixCiphertexts {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let (n, mut ciphertexts) = r.begin_list("ciphertexts", MAX_MIX_PEERS, PQ_CIPHERTEXT_LEN + 32)?;
        for _ in 0..n {
            ciphertexts.push(r.read_array()?);
        }
        Ok(MixCiphertexts {
            signature,
            identity,
            session_id,
            run,
            ciphertexts,
            seen_key_exchanges: read_vec(r, n)?,
        })
    }
}

impl Encode for MixCiphertexts {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        varint::write(out, self.ciphertexts.len() as u64);
        for c in &self.ciphertexts {
            out.put(c);
        }
        for h in &self.seen_key_exchanges {
            h.encode(out);
        }
    }
}
