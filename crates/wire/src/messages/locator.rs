//! `getblocks` and `getheaders`: a version, a block locator and a stop hash.

use crate::encode::{put_list, read_vec, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::Hash256;

/// A locator holds at most this many hashes.
pub const MAX_LOCATOR_HASHES: usize = 500;

/// The payload of `getblocks` and `getheaders`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockLocator {
    /// The sender's protocol version.
    pub version: u32,
    /// Hashes of known blocks, newest first, thinning out towards genesis.
    pub locator: Vec<Hash256>,
    /// Stop after this block; zero for "as many as allowed".
    pub stop: Hash256,
}

impl Decode for BlockLocator {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.read_u32_le()?;
        let n = r.read_count("locator hashes", MAX_LOCATOR_HASHES, 32)?;
        let locator = read_vec(r, n)?;
        Ok(BlockLocator {
            version,
            locator,
            stop: Hash256::decode(r)?,
        })
    }
}

impl Encode for BlockLocator {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u32_le(self.version);
        put_list(out, &self.locator);
        self.stop.encode(out);
    }
}
