//! `miningstate`: the blocks at the chain tip and the votes for them, answering `getminings`.

use crate::encode::{put_list, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;

/// Most block hashes in one `miningstate` or `initstate`.
pub const MAX_BLOCKS_AT_HEAD_PER_MSG: usize = 8;
/// Most vote hashes in one `miningstate` or `initstate` (5 per block).
pub const MAX_VOTES_AT_HEAD_PER_MSG: usize = 40;

/// The payload of `miningstate`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MiningState {
    /// Message version (1).
    pub version: u32,
    /// Height of the blocks listed.
    pub height: u32,
    /// Blocks at the tip that can be mined on.
    pub block_hashes: Vec<Hash256>,
    /// Votes for those blocks.
    pub vote_hashes: Vec<Hash256>,
}

impl MiningState {
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_count("block hashes", self.block_hashes.len(), MAX_BLOCKS_AT_HEAD_PER_MSG)?;
        super::check_count("vote hashes", self.vote_hashes.len(), MAX_VOTES_AT_HEAD_PER_MSG)
    }
}

impl Decode for MiningState {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.read_u32_le()?;
        let height = r.read_u32_le()?;
        let n = r.read_count("block hashes", MAX_BLOCKS_AT_HEAD_PER_MSG, 32)?;
        let block_hashes = read_vec(r, n)?;
        let n = r.read_count("vote hashes", MAX_VOTES_AT_HEAD_PER_MSG, 32)?;
        Ok(MiningState {
            version,
            height,
            block_hashes,
            vote_hashes: read_vec(r, n)?,
        })
    }
}

impl Encode for MiningState {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u32_le(self.version);
        out.put_u32_le(self.height);
        put_list(out, &self.block_hashes);
        put_list(out, &self.vote_hashes);
    }
}
