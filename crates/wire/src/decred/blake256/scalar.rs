//! The portable compression function: every round unrolled, in plain 32-bit arithmetic.

use super::{BLOCK_BITS, BLOCK_LEN, C, SIGMA};

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

/// Portable compression function; same contract as [`compress`](super::compress).
pub(super) fn compress_scalar(h: &mut [u32; 8], blocks: &[u8], mut counter: u64) {
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
