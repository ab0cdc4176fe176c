//! The strict chain `connect` downloads from one peer, and why it refuses headers.

use super::ChainHeader;
use coinpeer_wire::Hash256;
use std::fmt;

/// Why downloaded headers were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainError {
    /// The first header does not build on the network's genesis block.
    WrongGenesis {
        /// The first header's parent.
        parent: Hash256,
        /// The genesis block of the network.
        genesis: Hash256,
    },
    /// A header does not build on the one before it.
    Broken {
        /// The height the header should have.
        height: u32,
        /// Its hash.
        hash: Hash256,
        /// Its parent as it names it.
        parent: Hash256,
        /// The hash of the header before it.
        expected: Hash256,
    },
    /// A header claims a height other than its place in the chain (Decred headers carry their height).
    WrongHeight {
        /// Its hash.
        hash: Hash256,
        /// The height it claims.
        claimed: u32,
        /// Its place in the chain.
        height: u32,
    },
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::WrongGenesis { parent, genesis } => write!(
                f,
                "the first header builds on {parent}, not on the network's genesis block {genesis}"
            ),
            ChainError::Broken {
                height,
                hash,
                parent,
                expected,
            } => write!(
                f,
                "header {hash} at height {height} builds on {parent}, not on the previous header {expected}"
            ),
            ChainError::WrongHeight { hash, claimed, height } => {
                write!(f, "header {hash} claims height {claimed} but is at height {height}")
            }
        }
    }
}

/// A chain of headers downloaded in order from one peer: every header must build on the one before it, and
/// the first on the genesis block when it is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderChain {
    /// The parent of the first header: the genesis block (given, or learnt from the first header).
    genesis: Option<Hash256>,
    /// Header hashes by height minus one (the first header is at height 1).
    hashes: Vec<Hash256>,
}

impl HeaderChain {
    /// An empty chain that must start on `genesis` when given.
    pub(crate) fn new(genesis: Option<Hash256>) -> Self {
        HeaderChain {
            genesis,
            hashes: Vec::new(),
        }
    }

    /// Appends a batch, checking that it links up; on error nothing of the batch is kept.
    pub(crate) fn extend<H: ChainHeader>(&mut self, batch: &[H]) -> Result<(), ChainError> {
        let mut added = Vec::with_capacity(batch.len());
        let mut expected = self.tip();
        for header in batch {
            let (hash, parent) = (header.hash(), header.prev());
            let height = (self.hashes.len() + added.len() + 1) as u32;
            match expected {
                Some(expected) if parent != expected => {
                    return Err(if height == 1 {
                        ChainError::WrongGenesis {
                            parent,
                            genesis: expected,
                        }
                    } else {
                        ChainError::Broken {
                            height,
                            hash,
                            parent,
                            expected,
                        }
                    });
                }
                _ => {}
            }
            if let Some(claimed) = header.claimed_height() {
                if claimed != height {
                    return Err(ChainError::WrongHeight { hash, claimed, height });
                }
            }
            added.push(hash);
            expected = Some(hash);
        }
        if self.genesis.is_none() {
            self.genesis = batch.first().map(ChainHeader::prev);
        }
        self.hashes.extend(added);
        Ok(())
    }

    /// The newest header, or the genesis block before any header.
    pub(crate) fn tip(&self) -> Option<Hash256> {
        self.hashes.last().copied().or(self.genesis)
    }

    /// The locator to ask for what follows: the tip alone, or nothing when even the genesis is unknown (the
    /// remote then starts after its own genesis block).
    pub(crate) fn locator(&self) -> Vec<Hash256> {
        self.tip().into_iter().collect()
    }

    /// The height of the newest header (0 before any).
    pub(crate) fn height(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// The genesis block: given, or the first header's parent.
    pub(crate) fn genesis(&self) -> Option<Hash256> {
        self.genesis
    }

    /// Header hashes from height 1 up.
    pub(crate) fn hashes(&self) -> &[Hash256] {
        &self.hashes
    }
}
