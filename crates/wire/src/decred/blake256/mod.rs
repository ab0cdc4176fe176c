//! BLAKE-256, the hash Decred uses for message checksums, block hashes and
//! transaction hashes.
//!
//! This is the SHA-3 finalist BLAKE with 32-bit words and **14 rounds**, as
//! tweaked for the final SHA-3 round. It is *not* BLAKE2s. The salt is always
//! zero, which is the only form Decred uses.
//!
//! The compression function has three implementations, chosen at run time
//! (the choice affects speed only, never the result):
//!
//! * x86/x86_64 with AVX2: the 4×4 state lives in four vector registers and
//!   each step runs its four G functions lane-parallel; the permuted message
//!   words for all rounds are gathered up front with `vpermd`.
//! * the same with AVX-512VL on top: each "xor, then rotate" in G becomes two
//!   shifts and one three-way xor (`vpternlogd`), which shortens the
//!   dependency chain that bounds single-message speed.
//! * everywhere else, a portable, fully unrolled scalar version.
//!
//! ```
//! use coinpeer_wire::decred::blake256::{blake256, Blake256};
//!
//! let mut hasher = Blake256::new();
//! hasher.update(b"hello ");
//! hasher.update(b"world");
//! assert_eq!(hasher.finalize(), blake256(b"hello world"));
//! ```

use core::fmt;
use scalar::compress_scalar;

/// Size of a BLAKE-256 digest in bytes.
const DIGEST_LEN: usize = 32;

/// Size of one message block in bytes.
const BLOCK_LEN: usize = 64;

/// Bits in one message block; the counter advances by this per block.
const BLOCK_BITS: u64 = 512;

/// Initial chain value (the same words as SHA-256's).
#[rustfmt::skip]
const IV: [u32; 8] = [
    0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A,
    0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
];

/// The sixteen constants: the leading fractional digits of pi.
#[rustfmt::skip]
const C: [u32; 16] = [
    0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344,
    0xA409_3822, 0x299F_31D0, 0x082E_FA98, 0xEC4E_6C89,
    0x4528_21E6, 0x38D0_1377, 0xBE54_66CF, 0x34E9_0C6C,
    0xC0AC_29B7, 0xC97C_50DD, 0x3F84_D5B5, 0xB547_0917,
];

/// Message word permutations; round `r` uses row `r % 10`.
const SIGMA: [[u8; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// Expands `$round!(args.. s)` once per round, `s` being the SIGMA row.
///
/// Unrolling by macro, rather than trusting the optimiser with a loop, makes
/// every message index and constant a compile-time value: the round code has
/// no table look-ups and no bounds checks.
macro_rules! fourteen_rounds {
    ($round:ident!($($arg:tt)*)) => {
        $round!($($arg)* 0);
        $round!($($arg)* 1);
        $round!($($arg)* 2);
        $round!($($arg)* 3);
        $round!($($arg)* 4);
        $round!($($arg)* 5);
        $round!($($arg)* 6);
        $round!($($arg)* 7);
        $round!($($arg)* 8);
        $round!($($arg)* 9);
        $round!($($arg)* 0);
        $round!($($arg)* 1);
        $round!($($arg)* 2);
        $round!($($arg)* 3);
    };
}

// Declared after `fourteen_rounds!`, which both compression modules expand.
mod scalar;
#[cfg(test)]
mod tests;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod x86;

/// Computes the BLAKE-256 digest of `data` in one call.
///
/// ```
/// use coinpeer_wire::decred::blake256::blake256;
///
/// let digest = blake256(b"");
/// assert_eq!(digest[..4], [0x71, 0x6f, 0x6e, 0x86]);
/// assert_eq!(digest[28..], [0x13, 0x84, 0xea, 0x7a]);
/// ```
#[must_use]
pub fn blake256(data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Blake256::new();
    hasher.update(data);
    hasher.finalize()
}

/// Incremental BLAKE-256 hasher.
///
/// Feeding the input through any number of [`update`](Self::update) calls,
/// split anywhere, gives the same digest as [`blake256`] on the whole input.
#[derive(Clone)]
pub struct Blake256 {
    /// Chain value.
    h: [u32; 8],
    /// Message bits compressed so far (a multiple of 512, modulo 2^64).
    t: u64,
    /// Pending input that does not yet fill a block.
    buf: [u8; BLOCK_LEN],
    /// Number of valid bytes in `buf`; always below `BLOCK_LEN`.
    buf_len: usize,
}

impl Blake256 {
    /// Creates a hasher with no input yet.
    #[must_use]
    pub fn new() -> Self {
        Blake256 {
            h: IV,
            t: 0,
            buf: [0; BLOCK_LEN],
            buf_len: 0,
        }
    }

    /// Appends `data` to the message being hashed.
    pub fn update(&mut self, mut data: &[u8]) {
        if self.buf_len > 0 {
            let take = (BLOCK_LEN - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < BLOCK_LEN {
                return;
            }
            // BLAKE flags no block as "last", so a full buffer can be
            // compressed at once instead of being held back for finalize.
            self.t = self.t.wrapping_add(BLOCK_BITS);
            compress(&mut self.h, &self.buf, self.t);
            self.buf_len = 0;
        }

        // Whole blocks are compressed straight from the caller's slice.
        let whole = data.len() - data.len() % BLOCK_LEN;
        if whole > 0 {
            compress(&mut self.h, &data[..whole], self.t.wrapping_add(BLOCK_BITS));
            let blocks = (whole / BLOCK_LEN) as u64;
            self.t = self.t.wrapping_add(blocks.wrapping_mul(BLOCK_BITS));
        }

        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// Pads the message, compresses the final block(s) and returns the digest.
    #[must_use]
    pub fn finalize(mut self) -> [u8; DIGEST_LEN] {
        let n = self.buf_len;
        // The length field holds the message length in bits modulo 2^64.
        let bits = self.t.wrapping_add(n as u64 * 8);

        // Padding: a 1 bit right after the message, zeros, and another 1 bit
        // just before the 64-bit big-endian length that ends the last block.
        let mut block = [0u8; BLOCK_LEN];
        block[..n].copy_from_slice(&self.buf[..n]);
        block[n] = 0x80;
        if n <= 55 {
            // Everything fits in this block; at n == 55 both marker bits
            // share one byte, 0x81.
            block[55] |= 0x01;
            block[56..].copy_from_slice(&bits.to_be_bytes());
            // A block holding no message bits is compressed with counter 0.
            let counter = if n == 0 { 0 } else { bits };
            compress(&mut self.h, &block, counter);
        } else {
            // No room for the length: close this block, then add one made of
            // padding only, which therefore gets counter 0.
            compress(&mut self.h, &block, bits);
            let mut last = [0u8; BLOCK_LEN];
            last[55] = 0x01;
            last[56..].copy_from_slice(&bits.to_be_bytes());
            compress(&mut self.h, &last, 0);
        }

        let mut out = [0u8; DIGEST_LEN];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.h) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

impl Default for Blake256 {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Blake256 {
    // The chain value and buffered bytes are derived from the (possibly
    // secret) input, so only the amount hashed so far is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = (self.t / 8).wrapping_add(self.buf_len as u64);
        f.debug_struct("Blake256")
            .field("bytes_hashed", &len)
            .finish_non_exhaustive()
    }
}

/// Compresses each whole 64-byte block of `blocks` into `h`.
///
/// Block `k` is compressed with counter `counter + 512 * k`. A trailing
/// partial block, which callers never pass, would be ignored.
fn compress(h: &mut [u32; 8], blocks: &[u8], counter: u64) {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        // std caches the CPUID results, so each check is a load and a test.
        if is_x86_feature_detected!("avx2") {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
                // SAFETY: AVX2, AVX-512F and AVX-512VL were just detected.
                unsafe { x86::compress_avx512vl(h, blocks, counter) };
            } else {
                // SAFETY: AVX2 was just detected.
                unsafe { x86::compress_avx2(h, blocks, counter) };
            }
            return;
        }
    }
    compress_scalar(h, blocks, counter);
}
