//! BIP37 bloom filtering: `filterload`, `filteradd`, `filterclear` and the `merkleblock` reply.

use super::BlockHeader;
use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, ErrorKind};
use crate::hash::Hash256;
use bytes::Bytes;

/// The largest bloom filter, in bytes.
pub const MAX_FILTER_LOAD_FILTER_LEN: usize = 36_000;
/// The most hash functions a filter may use.
pub const MAX_FILTER_LOAD_HASH_FUNCS: u32 = 50;
/// The largest element `filteradd` may add.
pub const MAX_FILTER_ADD_DATA_LEN: usize = 520;
/// Upper bound on a block's transactions, from the largest block.
const MAX_TX_PER_BLOCK: usize = 4_000_000 / 10 + 1;

/// The payload of `filterload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterLoad {
    /// The filter's bit field.
    pub filter: Bytes,
    /// Number of hash functions.
    pub hash_funcs: u32,
    /// Random tweak for the hash functions.
    pub tweak: u32,
    /// How matched outputs update the filter.
    pub flags: u8,
}

impl Decode for FilterLoad {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let filter = r.read_var_bytes("bloom filter", MAX_FILTER_LOAD_FILTER_LEN)?;
        let at = r.offset();
        let hash_funcs = r.read_u32_le()?;
        if hash_funcs > MAX_FILTER_LOAD_HASH_FUNCS {
            let kind = ErrorKind::CountTooLarge {
                what: "bloom hash functions",
                count: hash_funcs.into(),
                max: MAX_FILTER_LOAD_HASH_FUNCS.into(),
            };
            return Err(DecodeError::new(kind, at as u64));
        }
        Ok(FilterLoad {
            filter,
            hash_funcs,
            tweak: r.read_u32_le()?,
            flags: r.read_u8()?,
        })
    }
}

impl Encode for FilterLoad {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        put_var_bytes(out, &self.filter);
        out.put_u32_le(self.hash_funcs);
        out.put_u32_le(self.tweak);
        out.put_u8(self.flags);
    }
}

/// The payload of `merkleblock`: a header and a partial merkle tree proving some transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleBlock {
    /// The block's header.
    pub header: BlockHeader,
    /// Transactions in the whole block.
    pub total_transactions: u32,
    /// Hashes of the partial merkle tree, depth first.
    pub hashes: Vec<Hash256>,
    /// Flag bits of the partial merkle tree traversal.
    pub flags: Bytes,
}

impl Decode for MerkleBlock {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = BlockHeader::decode(r)?;
        let total_transactions = r.read_u32_le()?;
        let n = r.read_count("merkle hashes", MAX_TX_PER_BLOCK, 32)?;
        let hashes = read_vec(r, n)?;
        let flags = r.read_var_bytes("merkle flags", MAX_TX_PER_BLOCK / 8 + 1)?;
        Ok(MerkleBlock {
            header,
            total_transactions,
            hashes,
            flags,
        })
    }
}

impl Encode for MerkleBlock {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.header.encode(out);
        out.put_u32_le(self.total_transactions);
        put_list(out, &self.hashes);
        put_var_bytes(out, &self.flags);
    }
}
