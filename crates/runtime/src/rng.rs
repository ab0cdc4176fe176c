//! Randomness for nonces, trickle timing and address sampling.
//!
//! None of it protects secrets: it only has to be unpredictable to the remote and cheap. The seed comes from
//! the standard library's OS-seeded SipHash keys, so no random-number crate is needed.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mixed into every seed so that two calls in the same instant still differ.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// A random 64-bit value, unpredictable to a remote: for ping and version nonces and seeds. Not for keys.
pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// A small, fast generator (SplitMix64) for choices that need many random numbers.
#[derive(Debug, Clone)]
pub(crate) struct SmallRng(u64);

impl SmallRng {
    /// A generator seeded from [`random_u64`].
    pub(crate) fn new() -> Self {
        SmallRng(random_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`), by Lemire's multiply-shift; the bias is below 2^-32 for the sizes used here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Moves a uniformly random choice of `k` distinct elements to the front of `items` (a partial
    /// Fisher-Yates shuffle) and returns that prefix.
    pub(crate) fn choose_prefix<'a, T>(&mut self, items: &'a mut [T], k: usize) -> &'a mut [T] {
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.below((items.len() - i) as u64) as usize;
            items.swap(i, j);
        }
        &mut items[..k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range() {
        let mut rng = SmallRng::new();
        for n in [1u64, 2, 3, 400, u64::MAX] {
            for _ in 0..1000 {
                assert!(rng.below(n) < n);
            }
        }
    }

    #[test]
    fn choose_prefix_keeps_every_element_once() {
        let mut rng = SmallRng::new();
        let mut items: Vec<u32> = (0..1100).collect();
        let chosen = rng.choose_prefix(&mut items, 1000).to_vec();
        assert_eq!(chosen.len(), 1000);
        let mut all = items.clone();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..1100).collect::<Vec<_>>(),
            "a permutation: nothing lost or duplicated"
        );
        let mut distinct = chosen.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 1000);
    }

    #[test]
    fn choose_prefix_is_not_the_identity() {
        let mut rng = SmallRng::new();
        let mut items: Vec<u32> = (0..1100).collect();
        let chosen = rng.choose_prefix(&mut items, 1000).to_vec();
        // The chance that a uniform choice leaves all 1000 in place is astronomically small.
        assert_ne!(chosen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(random_u64(), random_u64());
    }
}
