//! 32-byte hashes and the double SHA-256 of the Bitcoin dialect.

use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// A 32-byte hash in wire (internal) byte order.
///
/// It is displayed and parsed byte-reversed, the order block explorers and node RPCs print.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash256(pub [u8; 32]);

impl Hash256 {
    /// The all-zero hash (used as "no stop hash", "no previous block").
    pub const ZERO: Hash256 = Hash256([0; 32]);

    /// The bytes in wire order.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// True for the all-zero hash.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 32]
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0.iter().rev() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

/// Why a string is not a displayed hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a hash is 64 hexadecimal digits")]
pub struct ParseHashError;

impl FromStr for Hash256 {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.as_bytes();
        if s.len() != 64 {
            return Err(ParseHashError);
        }
        let digit = |c: u8| (c as char).to_digit(16).ok_or(ParseHashError);
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            out[31 - i] = (digit(pair[0])? << 4 | digit(pair[1])?) as u8;
        }
        Ok(Hash256(out))
    }
}

impl Decode for Hash256 {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_array().map(Hash256)
    }
}

impl Encode for Hash256 {
    #[inline]
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.0);
    }
}

/// Double SHA-256, the Bitcoin dialect's hash for checksums, blocks and transactions.
pub fn sha256d(data: &[u8]) -> Hash256 {
    sha256_of_digest(&Sha256::digest(data).into())
}

/// SHA-256 of a 32-byte digest: one compression of a block whose padding is known in advance, without the
/// buffering of the streaming hasher (it is half of the work of hashing a small transaction).
#[inline]
fn sha256_of_digest(digest: &[u8; 32]) -> Hash256 {
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(digest);
    block[32] = 0x80;
    // The message length in bits, big-endian: 256.
    block[62] = 0x01;
    let mut state = IV;
    sha2::compress256(&mut state, &[block.into()]);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Hash256(out)
}

/// A [`Sink`] that hashes what is written with double SHA-256, so that an encoding can be hashed without
/// building it in memory first.
#[derive(Clone, Default)]
pub struct Sha256dWriter(Sha256);

impl Sha256dWriter {
    /// A writer with nothing hashed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The double SHA-256 of everything written.
    pub fn finish(self) -> Hash256 {
        sha256_of_digest(&self.0.finalize().into())
    }
}

impl Sink for Sha256dWriter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl fmt::Debug for Sha256dWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sha256dWriter")
    }
}

/// The merkle root of `leaves` under the rule both dialects share: hash pairs left to right, duplicating the
/// last node of an odd level; the root of no leaves is all zeros.
pub fn merkle_root(leaves: &[Hash256], hash_pair: impl Fn(&[u8; 64]) -> Hash256) -> Hash256 {
    if leaves.is_empty() {
        return Hash256::ZERO;
    }
    let mut level = leaves.to_vec();
    let mut pair = [0u8; 64];
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(*level.last().expect("level is not empty"));
        }
        for i in 0..level.len() / 2 {
            pair[..32].copy_from_slice(&level[2 * i].0);
            pair[32..].copy_from_slice(&level[2 * i + 1].0);
            level[i] = hash_pair(&pair);
        }
        level.truncate(level.len() / 2);
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_reversed_and_parses_back() {
        let mut b = [0u8; 32];
        b[0] = 0x6f;
        b[31] = 0x00;
        let h = Hash256(b);
        let s = h.to_string();
        assert!(s.ends_with("6f"));
        assert_eq!(s.parse::<Hash256>().unwrap(), h);
        assert_eq!("zz".parse::<Hash256>(), Err(ParseHashError));
    }

    #[test]
    fn sha256d_is_sha256_twice() {
        for data in [&b""[..], b"abc", &[7u8; 55], &[7u8; 64], &[9u8; 1000]] {
            let twice = Hash256(Sha256::digest(Sha256::digest(data)).into());
            assert_eq!(sha256d(data), twice);
            let mut w = Sha256dWriter::new();
            w.put(data);
            assert_eq!(w.finish(), twice);
        }
    }

    #[test]
    fn sha256d_of_empty_starts_with_the_empty_checksum() {
        assert_eq!(&sha256d(b"").0[..4], &[0x5d, 0xf6, 0xe0, 0xe2]);
    }
}
