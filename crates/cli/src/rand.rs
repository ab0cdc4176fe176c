//! Randomness for the demo's made-up transactions, from the runtime's nonce source.

use coinpeer_runtime::random_nonce;
use coinpeer_wire::Hash256;

/// A random hash.
pub(crate) fn random_hash() -> Hash256 {
    let mut b = [0u8; 32];
    for chunk in b.chunks_exact_mut(8) {
        chunk.copy_from_slice(&random_nonce().to_le_bytes());
    }
    Hash256(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ() {
        assert_ne!(random_hash(), random_hash());
    }
}
