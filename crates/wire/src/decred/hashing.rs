//! BLAKE-256 as the messages use it: one-shot into a [`Hash256`], or as a [`Sink`] an encoding is written to.

use super::blake256;
use crate::encode::Sink;
use crate::hash::Hash256;

/// BLAKE-256, Decred's hash for checksums, blocks, transactions and mixing messages.
pub fn blake256_hash(data: &[u8]) -> Hash256 {
    Hash256(blake256::blake256(data))
}

/// A [`Sink`] that hashes what is written with BLAKE-256, so that an encoding can be hashed without building
/// it in memory first.
#[derive(Debug, Clone, Default)]
pub struct Blake256Writer(blake256::Blake256);

impl Blake256Writer {
    /// A writer with nothing hashed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The BLAKE-256 of everything written.
    pub fn finish(self) -> Hash256 {
        Hash256(self.0.finalize())
    }
}

impl Sink for Blake256Writer {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
