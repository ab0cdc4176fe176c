//! What the CLI needs of a block header, whatever the dialect, for Bitcoin's headers and Decred's.

use coinpeer_wire::Hash256;

/// What the CLI needs of a block header, whatever the dialect.
pub(crate) trait ChainHeader: Clone + Send + Sync + 'static {
    /// The block hash.
    fn hash(&self) -> Hash256;
    /// The hash of the previous block.
    fn prev(&self) -> Hash256;
    /// The height the header claims, when headers carry one (Decred).
    fn claimed_height(&self) -> Option<u32>;
}

impl ChainHeader for coinpeer_wire::bitcoin::BlockHeader {
    fn hash(&self) -> Hash256 {
        coinpeer_wire::bitcoin::BlockHeader::hash(self)
    }
    fn prev(&self) -> Hash256 {
        self.prev_block
    }
    fn claimed_height(&self) -> Option<u32> {
        None
    }
}

impl ChainHeader for coinpeer_wire::decred::BlockHeader {
    fn hash(&self) -> Hash256 {
        coinpeer_wire::decred::BlockHeader::hash(self)
    }
    fn prev(&self) -> Hash256 {
        self.prev_block
    }
    fn claimed_height(&self) -> Option<u32> {
        Some(self.height)
    }
}
