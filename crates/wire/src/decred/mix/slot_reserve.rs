//! The slot reservation mix (`mixslotres`) and the roots of its factored polynomial (`mixfactpoly`).

use super::common::{
    check_field_values, check_seen, hash_of, invalid_at, put_field_values, read_field_values, read_seen,
};
use super::{MAX_MIX_MCOUNT, MAX_MIX_PEERS};
use crate::decred::{check_count, FieldMatrix};
use crate::encode::{put_list, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use bytes::Bytes;

/// The payload of `mixslotres`: the slot reservation mix, a matrix of field elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixSlotReserve {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// Mixed-messages-by-peers matrix (1 to 1024 rows of 1 to 512 equal-length columns) of field elements of
    /// at most 32 bytes.
    pub dc_mix: FieldMatrix,
    /// Ciphertext messages seen.
    pub seen_ciphertexts: Vec<Hash256>,
}

impl MixSlotReserve {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    /// The matrix is valid by construction ([`FieldMatrix::from_rows`]).
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_ciphertexts)
    }
}

impl Decode for MixSlotReserve {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let at = r.offset();
        let rows = r.read_count("slot reservation messages", MAX_MIX_MCOUNT, 1)?;
        if rows == 0 {
            return Err(invalid_at(at, "slot reservation messages", "count 0, at least 1"));
        }
        let at = r.offset();
        // Every element takes at least its length byte, so the whole matrix needs rows * columns bytes.
        let columns = r.read_count("mixing peers", MAX_MIX_PEERS, rows)?;
        if columns == 0 {
            return Err(invalid_at(at, "mixing peers", "count 0, at least 1"));
        }
        let dc_mix = FieldMatrix::decode(r, rows, columns)?;
        Ok(MixSlotReserve {
            signature,
            identity,
            session_id,
            run,
            dc_mix,
            seen_ciphertexts: read_seen(r)?,
        })
    }
}

impl Encode for MixSlotReserve {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        self.dc_mix.encode(out);
        put_list(out, &self.seen_ciphertexts);
    }
}

/// The payload of `mixfactpoly`: the roots of the factored slot reservation polynomial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixFactoredPoly {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The roots: at most 1024 field elements of at most 32 bytes.
    pub roots: Vec<Bytes>,
    /// Slot reservation messages seen.
    pub seen_slot_reserves: Vec<Hash256>,
}

impl MixFactoredPoly {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count("roots", self.roots.len(), MAX_MIX_MCOUNT)?;
        check_field_values(&self.roots, "root")?;
        check_seen(&self.seen_slot_reserves)
    }
}

impl Decode for MixFactoredPoly {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let n = r.read_count("roots", MAX_MIX_MCOUNT, 1)?;
        Ok(MixFactoredPoly {
            signature,
            identity,
            session_id,
            run,
            roots: read_field_values(r, n, "root")?,
            seen_slot_reserves: read_seen(r)?,
        })
    }
}

impl Encode for MixFactoredPoly {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        put_field_values(out, &self.roots);
        put_list(out, &self.seen_slot_reserves);
    }
}
