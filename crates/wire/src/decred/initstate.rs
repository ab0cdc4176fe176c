//! `getinitstate` and `initstate` (protocol 8): ephemeral startup state a node asks for once connected (tip
//! blocks, their votes, pending treasury spends). dcrd sends `getinitstate` right after its verack.

use super::mining::{MAX_BLOCKS_AT_HEAD_PER_MSG, MAX_VOTES_AT_HEAD_PER_MSG};
use crate::encode::{put_list, put_var_bytes, read_vec, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;

/// Most types in one `getinitstate`.
pub const MAX_INIT_STATE_TYPES: usize = 32;
/// Longest type name.
pub const MAX_INIT_STATE_TYPE_LEN: usize = 32;
/// Most treasury spend hashes in one `initstate`.
pub const MAX_TSPENDS_AT_HEAD_PER_MSG: usize = 7;
/// The type asking for the blocks at the tip.
pub const INIT_STATE_HEAD_BLOCKS: &str = "headblocks";
/// The type asking for the votes on those blocks.
pub const INIT_STATE_HEAD_BLOCK_VOTES: &str = "headblockvotes";
/// The type asking for pending treasury spends.
pub const INIT_STATE_TSPENDS: &str = "tspends";

/// The payload of `getinitstate`: the kinds of state wanted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetInitState {
    /// Type names, each printable ASCII of at most 32 bytes.
    pub types: Vec<String>,
}

impl GetInitState {
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_count("init state types", self.types.len(), MAX_INIT_STATE_TYPES)?;
        for t in &self.types {
            if t.len() > MAX_INIT_STATE_TYPE_LEN || !super::is_strict_ascii(t) {
                return Err(EncodeError::InvalidValue {
                    what: "init state type",
                    detail: format!("{t:?}: at most {MAX_INIT_STATE_TYPE_LEN} printable ASCII characters"),
                });
            }
        }
        Ok(())
    }
}

impl Decode for GetInitState {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Each type takes at least its length byte.
        let (n, mut types) = r.begin_list("init state types", MAX_INIT_STATE_TYPES, 1)?;
        for _ in 0..n {
            types.push(super::read_ascii_str(r, "init state type", MAX_INIT_STATE_TYPE_LEN)?);
        }
        Ok(GetInitState { types })
    }
}

impl Encode for GetInitState {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        crate::varint::write(out, self.types.len() as u64);
        for t in &self.types {
            put_var_bytes(out, t.as_bytes());
        }
    }
}

/// The payload of `initstate`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InitState {
    /// Blocks at the tip that can be mined on.
    pub block_hashes: Vec<Hash256>,
    /// Votes for those blocks.
    pub vote_hashes: Vec<Hash256>,
    /// Treasury spends awaiting votes.
    pub tspend_hashes: Vec<Hash256>,
}

impl InitState {
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        super::check_count("block hashes", self.block_hashes.len(), MAX_BLOCKS_AT_HEAD_PER_MSG)?;
        super::check_count("vote hashes", self.vote_hashes.len(), MAX_VOTES_AT_HEAD_PER_MSG)?;
        super::check_count("tspend hashes", self.tspend_hashes.len(), MAX_TSPENDS_AT_HEAD_PER_MSG)
    }
}

impl Decode for InitState {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.read_count("block hashes", MAX_BLOCKS_AT_HEAD_PER_MSG, 32)?;
        let block_hashes = read_vec(r, n)?;
        let n = r.read_count("vote hashes", MAX_VOTES_AT_HEAD_PER_MSG, 32)?;
        let vote_hashes = read_vec(r, n)?;
        let n = r.read_count("tspend hashes", MAX_TSPENDS_AT_HEAD_PER_MSG, 32)?;
        Ok(InitState {
            block_hashes,
            vote_hashes,
            tspend_hashes: read_vec(r, n)?,
        })
    }
}

impl Encode for InitState {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        put_list(out, &self.block_hashes);
        put_list(out, &self.vote_hashes);
        put_list(out, &self.tspend_hashes);
    }
}
