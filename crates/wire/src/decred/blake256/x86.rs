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
        [step_words!($lo, $hi, $s, COLUMN), step_words!($lo, $hi, $s, DIAGONAL)]
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
        $d = xor3!(_mm_shuffle_epi8($d, $r8), _mm_srli_epi32($a, 8), _mm_slli_epi32($a, 24));
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
        let (m0, m1) = (_mm256_castsi256_si128(column), _mm256_extracti128_si256(column, 1));
        $g4!($a, $b, $c, $d, m0, m1, $r16, $r8);
        $a = _mm_shuffle_epi32($a, 0b10_01_00_11);
        $c = _mm_shuffle_epi32($c, 0b00_11_10_01);
        $d = _mm_shuffle_epi32($d, 0b01_00_11_10);
        let (m0, m1) = (_mm256_castsi256_si128(diagonal), _mm256_extracti128_si256(diagonal, 1));
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
