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

/// One G function on state words `a b c d` with message/constant pair `i`
/// (0..8) of SIGMA row `s`.
macro_rules! g_scalar {
    ($v:ident, $m:ident, $s:expr, $i:expr, $a:expr, $b:expr, $c:expr, $d:expr) => {{
        const X: usize = SIGMA[$s][2 * $i] as usize;
        const Y: usize = SIGMA[$s][2 * $i + 1] as usize;
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($m[X] ^ C[Y]);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(16);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(12);
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($m[Y] ^ C[X]);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(8);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(7);
    }};
}

/// One round: G on the four columns, then on the four diagonals.
macro_rules! round_scalar {
    ($v:ident, $m:ident, $s:expr) => {
        g_scalar!($v, $m, $s, 0, 0, 4, 8, 12);
        g_scalar!($v, $m, $s, 1, 1, 5, 9, 13);
        g_scalar!($v, $m, $s, 2, 2, 6, 10, 14);
        g_scalar!($v, $m, $s, 3, 3, 7, 11, 15);
        g_scalar!($v, $m, $s, 4, 0, 5, 10, 15);
        g_scalar!($v, $m, $s, 5, 1, 6, 11, 12);
        g_scalar!($v, $m, $s, 6, 2, 7, 8, 13);
        g_scalar!($v, $m, $s, 7, 3, 4, 9, 14);
    };
}

/// Portable compression function; same contract as [`compress`].
fn compress_scalar(h: &mut [u32; 8], blocks: &[u8], mut counter: u64) {
    for block in blocks.chunks_exact(BLOCK_LEN) {
        let mut m = [0u32; 16];
        for (word, bytes) in m.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let (lo, hi) = (counter as u32, (counter >> 32) as u32);
        #[rustfmt::skip]
        let mut v = [
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
            C[0], C[1], C[2], C[3], C[4] ^ lo, C[5] ^ lo, C[6] ^ hi, C[7] ^ hi,
        ];
        fourteen_rounds!(round_scalar!(v, m,));
        for i in 0..8 {
            h[i] ^= v[i] ^ v[i + 8];
        }
        counter = counter.wrapping_add(BLOCK_BITS);
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod x86 {
    //! Vector compression. Row `i` of the 4×4 state (words `4i..4i+4`) sits
    //! in one 128-bit register, so each step computes its four G functions
    //! lane-parallel. A single message is one long dependency chain, so the
    //! work here is about keeping that chain short.

    #[cfg(target_arch = "x86")]
    use core::arch::x86::*;
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::*;
    use core::hint::black_box;

    use super::{BLOCK_BITS, BLOCK_LEN, C, SIGMA};

    /// Message positions feeding the column step, in lane order: the first
    /// words of G0..G3, then their second words.
    const COLUMN: [usize; 8] = [0, 2, 4, 6, 1, 3, 5, 7];

    /// The same for the diagonal step. Lane `j` computes diagonal G
    /// `4 + (j + 3) % 4` (see `round!`), hence G7 first.
    const DIAGONAL: [usize; 8] = [14, 8, 10, 12, 15, 9, 11, 13];

    /// `vpermd` indices picking message word `σ[pos[k]]` from the 8-word half
    /// of the block that holds it.
    const fn perm_indices(s: usize, pos: [usize; 8]) -> [i32; 8] {
        let mut out = [0; 8];
        let mut k = 0;
        while k < 8 {
            out[k] = (SIGMA[s][pos[k]] & 7) as i32;
            k += 1;
        }
        out
    }

    /// `vpblendd` mask: bit `k` set when lane `k` comes from words 8..16.
    const fn high_half_mask(s: usize, pos: [usize; 8]) -> i32 {
        let mut mask = 0;
        let mut k = 0;
        while k < 8 {
            if SIGMA[s][pos[k]] >= 8 {
                mask |= 1 << k;
            }
            k += 1;
        }
        mask
    }

    /// Constants xored into the message words: G pairs word `σ[p]` with
    /// constant `C[σ[p ^ 1]]`.
    const fn paired_constants(s: usize, pos: [usize; 8]) -> [i32; 8] {
        let mut out = [0; 8];
        let mut k = 0;
        while k < 8 {
            out[k] = C[SIGMA[s][pos[k] ^ 1] as usize] as i32;
            k += 1;
        }
        out
    }

    /// `_mm256_set_epi32` from an array, lane 0 first.
    macro_rules! set8 {
        ($x:expr) => {{
            let x = $x;
            _mm256_set_epi32(x[7], x[6], x[5], x[4], x[3], x[2], x[1], x[0])
        }};
    }

    /// The message-xor-constant words for one step of SIGMA row `$s`, in the
    /// lane order given by `$pos`, gathered from the byte-swapped block
    /// halves `$lo` (words 0..8) and `$hi` (words 8..16).
    macro_rules! step_words {
        ($lo:ident, $hi:ident, $s:expr, $pos:ident) => {{
            const IDX: [i32; 8] = perm_indices($s, $pos);
            const MASK: i32 = high_half_mask($s, $pos);
            const K: [i32; 8] = paired_constants($s, $pos);
            let idx = set8!(IDX);
            let words = _mm256_blend_epi32(
                _mm256_permutevar8x32_epi32($lo, idx),
                _mm256_permutevar8x32_epi32($hi, idx),
                MASK,
            );
            _mm256_xor_si256(words, set8!(K))
        }};
    }

    /// Both steps' words for SIGMA row `$s`.
    macro_rules! round_words {
        ($lo:ident, $hi:ident, $s:expr) => {
            [
                step_words!($lo, $hi, $s, COLUMN),
                step_words!($lo, $hi, $s, DIAGONAL),
            ]
        };
    }

    /// Lane-wise `rotate_right(x, N)`, with `$left` = 32 - N.
    macro_rules! rotr {
        ($x:expr, $n:literal, $left:literal) => {{
            let x = $x;
            _mm_or_si128(_mm_srli_epi32(x, $n), _mm_slli_epi32(x, $left))
        }};
    }

    /// Four G functions at once with AVX2-era instructions. Every line is
    /// one link of the chain: add, xor, rotate (two cycles: pshufb, or
    /// shift-shift-or).
    macro_rules! g4_avx2 {
        ($a:ident, $b:ident, $c:ident, $d:ident, $m0:expr, $m1:expr, $r16:ident, $r8:ident) => {
            // Adding the message word first keeps it off the b -> a link.
            $a = _mm_add_epi32(_mm_add_epi32($a, $m0), $b);
            $d = _mm_shuffle_epi8(_mm_xor_si128($d, $a), $r16);
            $c = _mm_add_epi32($c, $d);
            $b = rotr!(_mm_xor_si128($b, $c), 12, 20);
            $a = _mm_add_epi32(_mm_add_epi32($a, $m1), $b);
            $d = _mm_shuffle_epi8(_mm_xor_si128($d, $a), $r8);
            $c = _mm_add_epi32($c, $d);
            $b = rotr!(_mm_xor_si128($b, $c), 7, 25);
        };
    }

    /// `x ^ y ^ z` in one `vpternlogd` (immediate 0x96 is three-way xor).
    ///
    /// Written as inline assembly because the AVX-512 intrinsics need a newer
    /// compiler than this crate's minimum supported Rust version. Only for
    /// use where AVX-512F and AVX-512VL have been detected.
    macro_rules! xor3 {
        ($x:expr, $y:expr, $z:expr) => {{
            let (mut r, y, z): (__m128i, __m128i, __m128i) = ($x, $y, $z);
            // SAFETY: one register-only instruction, no memory, stack or flags
            // touched; the caller guarantees AVX-512F/VL are available.
            unsafe {
                core::arch::asm!(
                    "vpternlogd {r}, {y}, {z}, 0x96",
                    r = inout(xmm_reg) r,
                    y = in(xmm_reg) y,
                    z = in(xmm_reg) z,
                    options(pure, nomem, nostack, preserves_flags),
                );
            }
            r
        }};
    }

    /// Four G functions at once using `rotr(x ^ y, n) = rotr(x, n) ^
    /// (y >> n) ^ (y << (32 - n))`. With `x` the older operand, its rotation
    /// is computed off the chain, and the fresh operand only needs one
    /// shift and one `vpternlogd`: two cycles per link instead of three.
    macro_rules! g4_ternlog {
        ($a:ident, $b:ident, $c:ident, $d:ident, $m0:expr, $m1:expr, $r16:ident, $r8:ident) => {
            $a = _mm_add_epi32(_mm_add_epi32($a, $m0), $b);
            $d = xor3!(
                _mm_shuffle_epi8($d, $r16),
                _mm_srli_epi32($a, 16),
                _mm_slli_epi32($a, 16)
            );
            $c = _mm_add_epi32($c, $d);
            $b = xor3!(rotr!($b, 12, 20), _mm_srli_epi32($c, 12), _mm_slli_epi32($c, 20));
            $a = _mm_add_epi32(_mm_add_epi32($a, $m1), $b);
            $d = xor3!(
                _mm_shuffle_epi8($d, $r8),
                _mm_srli_epi32($a, 8),
                _mm_slli_epi32($a, 24)
            );
            $c = _mm_add_epi32($c, $d);
            $b = xor3!(rotr!($b, 7, 25), _mm_srli_epi32($c, 7), _mm_slli_epi32($c, 25));
        };
    }

    /// One round on rows `a b c d` using the G macro `$g4`.
    ///
    /// For the diagonal step, row b stays put and rows a, c and d rotate
    /// instead: b is the last value a step produces, so this keeps the lane
    /// shuffles off the chain. Lane `j` then computes diagonal G number
    /// `(j + 3) % 4`, which `DIAGONAL` accounts for.
    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident, $words:ident, $r16:ident, $r8:ident, $g4:ident, $s:expr) => {
            let [column, diagonal] = $words[$s];
            let (m0, m1) = (
                _mm256_castsi256_si128(column),
                _mm256_extracti128_si256(column, 1),
            );
            $g4!($a, $b, $c, $d, m0, m1, $r16, $r8);
            $a = _mm_shuffle_epi32($a, 0b10_01_00_11);
            $c = _mm_shuffle_epi32($c, 0b00_11_10_01);
            $d = _mm_shuffle_epi32($d, 0b01_00_11_10);
            let (m0, m1) = (
                _mm256_castsi256_si128(diagonal),
                _mm256_extracti128_si256(diagonal, 1),
            );
            $g4!($a, $b, $c, $d, m0, m1, $r16, $r8);
            $a = _mm_shuffle_epi32($a, 0b00_11_10_01);
            $c = _mm_shuffle_epi32($c, 0b10_01_00_11);
            $d = _mm_shuffle_epi32($d, 0b01_00_11_10);
        };
    }

    /// Defines a compression function (same contract as
    /// [`super::compress`]) around the G macro `$g4`.
    macro_rules! vector_compress {
        ($(#[$doc:meta])* $name:ident, $g4:ident) => {
            $(#[$doc])*
            #[target_feature(enable = "avx2")]
            pub(super) unsafe fn $name(h: &mut [u32; 8], blocks: &[u8], mut counter: u64) {
                // pshufb masks: byte-swap each word (the message is big-endian)
                // and rotate each word right by 16 and by 8 bits. The rotation
                // masks pass through `black_box` so LLVM cannot see what the
                // shuffles do: otherwise it rewrites `rot(d ^ a)` as
                // `rot(d) ^ rot(a)`, with a slower two-shuffle rotate of `a`
                // on the chain.
                #[rustfmt::skip]
                let bswap = _mm256_set_epi8(
                    12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
                    12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
                );
                let r16 =
                    black_box(_mm_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2));
                let r8 =
                    black_box(_mm_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1));
                let c_lo = _mm_set_epi32(C[3] as i32, C[2] as i32, C[1] as i32, C[0] as i32);
                let c_hi = _mm_set_epi32(C[7] as i32, C[6] as i32, C[5] as i32, C[4] as i32);

                let hp = h.as_mut_ptr();
                // SAFETY: `h` is eight u32s: two 16-byte vectors at words 0
                // and 4, read (and at the end written) unaligned.
                let (mut h0, mut h1) = unsafe { (_mm_loadu_si128(hp.cast()), _mm_loadu_si128(hp.add(4).cast())) };

                for block in blocks.chunks_exact(BLOCK_LEN) {
                    let bp = block.as_ptr();
                    // SAFETY: `block` is 64 bytes: two unaligned 32-byte loads.
                    let (lo, hi) = unsafe { (_mm256_loadu_si256(bp.cast()), _mm256_loadu_si256(bp.add(32).cast())) };
                    let (lo, hi) = (_mm256_shuffle_epi8(lo, bswap), _mm256_shuffle_epi8(hi, bswap));
                    // Gathering every round's words first keeps that work
                    // out of the rounds, where it would compete with the
                    // chain for shuffle units.
                    let words = [
                        round_words!(lo, hi, 0),
                        round_words!(lo, hi, 1),
                        round_words!(lo, hi, 2),
                        round_words!(lo, hi, 3),
                        round_words!(lo, hi, 4),
                        round_words!(lo, hi, 5),
                        round_words!(lo, hi, 6),
                        round_words!(lo, hi, 7),
                        round_words!(lo, hi, 8),
                        round_words!(lo, hi, 9),
                    ];

                    let (t_lo, t_hi) = (counter as u32 as i32, (counter >> 32) as u32 as i32);
                    let mut a = h0;
                    let mut b = h1;
                    let mut c = c_lo;
                    let mut d = _mm_xor_si128(c_hi, _mm_set_epi32(t_hi, t_hi, t_lo, t_lo));
                    fourteen_rounds!(round!(a, b, c, d, words, r16, r8, $g4,));
                    h0 = _mm_xor_si128(h0, _mm_xor_si128(a, c));
                    h1 = _mm_xor_si128(h1, _mm_xor_si128(b, d));
                    counter = counter.wrapping_add(BLOCK_BITS);
                }

                // SAFETY: as for the loads above.
                unsafe {
                    _mm_storeu_si128(hp.cast(), h0);
                    _mm_storeu_si128(hp.add(4).cast(), h1);
                }
            }
        };
    }

    vector_compress!(
        /// AVX2 compression function; same contract as [`super::compress`].
        ///
        /// # Safety
        ///
        /// The CPU must support AVX2.
        compress_avx2,
        g4_avx2
    );

    vector_compress!(
        /// AVX2 + AVX-512VL compression function; same contract as
        /// [`super::compress`].
        ///
        /// # Safety
        ///
        /// The CPU must support AVX2, AVX-512F and AVX-512VL.
        compress_avx512vl,
        g4_ternlog
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random chain values, counters (including near 2^32 and 2^64, to hit
    /// the high counter word and the wrap) and 1..=5 blocks per case.
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    fn cases() -> impl Iterator<Item = ([u32; 8], Vec<u8>, u64)> {
        // xorshift64*: deterministic test data.
        fn filler(seed: u64, len: usize) -> Vec<u8> {
            let mut x = seed | 1;
            (0..len)
                .map(|_| {
                    x ^= x >> 12;
                    x ^= x << 25;
                    x ^= x >> 27;
                    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
                })
                .collect()
        }

        (1..200u64).map(|seed| {
            let data = filler(seed, 64 * (1 + seed as usize % 5));
            let init = filler(seed ^ 0xABCD, 32);
            let mut h = [0u32; 8];
            for (w, b) in h.iter_mut().zip(init.chunks_exact(4)) {
                *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            let counter = match seed % 3 {
                0 => seed,
                1 => (1 << 32) - 512 * (seed % 4),
                _ => u64::MAX - 1023 + seed,
            };
            (h, data, counter)
        })
    }

    #[test]
    fn scalar_known_answer() {
        // The empty message is one padding block with counter 0. Driving
        // the scalar code directly covers it on machines where `compress`
        // always picks a vector version.
        let mut h = IV;
        let mut block = [0u8; 64];
        block[0] = 0x80;
        block[55] = 0x01;
        compress_scalar(&mut h, &block, 0);
        let expected = [
            0x716f_6e86,
            0x3f74_4b9a,
            0xc22c_97ec,
            0x7b76_ea5f,
            0x5908_bc5b,
            0x2f67_c615,
            0x10bf_c475,
            0x1384_ea7a,
        ];
        assert_eq!(h, expected);
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[test]
    fn vector_versions_match_scalar() {
        let avx2 = is_x86_feature_detected!("avx2");
        let avx512 = avx2 && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl");
        if !avx2 {
            eprintln!("no AVX2 on this CPU: only the scalar version is tested");
        }
        for (h, data, counter) in cases() {
            let mut expected = h;
            compress_scalar(&mut expected, &data, counter);
            if avx2 {
                let mut got = h;
                // SAFETY: AVX2 was detected above.
                unsafe { x86::compress_avx2(&mut got, &data, counter) };
                assert_eq!(got, expected, "avx2, counter {counter}");
            }
            if avx512 {
                let mut got = h;
                // SAFETY: AVX2, AVX-512F and AVX-512VL were detected above.
                unsafe { x86::compress_avx512vl(&mut got, &data, counter) };
                assert_eq!(got, expected, "avx512vl, counter {counter}");
            }
        }
    }

    #[test]
    fn debug_shows_length_only() {
        let mut hasher = Blake256::new();
        hasher.update(&[7u8; 70]);
        assert_eq!(format!("{hasher:?}"), "Blake256 { bytes_hashed: 70, .. }");
    }
}
