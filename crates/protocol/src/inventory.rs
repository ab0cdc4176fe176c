//! Inventory announcements: what the remote already knows, and the queue trickled to it in batches.

use coinpeer_cache::KnownInventory;
use coinpeer_wire::messages::Inventory;
use rand::{Rng, RngExt};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// At most this many items go in one trickled `inv` (btcd and dcrd).
pub const MAX_INV_PER_TRICKLE: usize = 1000;

/// How often queued inventory is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrickleInterval {
    /// A fresh random delay in `[min, max)` before each announcement (dcrd's private, fast choice).
    Random {
        /// The shortest delay.
        min: Duration,
        /// The delay is always below this.
        max: Duration,
    },
    /// The same delay every time (btcd uses 10 s).
    Fixed(Duration),
}

impl Default for TrickleInterval {
    /// Random in [100, 500) ms.
    fn default() -> Self {
        TrickleInterval::Random {
            min: Duration::from_millis(100),
            max: Duration::from_millis(500),
        }
    }
}

impl TrickleInterval {
    /// The delay before the next announcement. Never zero, so a misconfigured interval cannot spin.
    pub fn next<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let d = match *self {
            TrickleInterval::Fixed(d) => d,
            TrickleInterval::Random { min, max } if max > min => {
                let span = (max - min).as_nanos().min(u128::from(u64::MAX)) as u64;
                min + Duration::from_nanos(rng.random_range(0..span))
            }
            TrickleInterval::Random { min, .. } => min,
        };
        d.max(Duration::from_millis(1))
    }
}

/// What the remote knows (the known-inventory cache), and the items waiting for the next trickle.
#[derive(Debug)]
pub struct InventoryRelay {
    known: KnownInventory<Inventory>,
    pending: Vec<Inventory>,
}

impl InventoryRelay {
    /// A relay whose cache remembers `capacity` items for `ttl` each.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        InventoryRelay {
            known: KnownInventory::new(capacity, ttl),
            pending: Vec::new(),
        }
    }

    /// Items are known by hash and base type, so a witness announcement matches a plain one.
    fn key(inv: &Inventory) -> Inventory {
        Inventory::new(inv.kind.base(), inv.hash)
    }

    /// Whether the remote knows `inv`.
    pub fn is_known(&mut self, inv: &Inventory, now: Instant) -> bool {
        self.known.contains(&Self::key(inv), now)
    }

    /// Records that the remote knows `inv`.
    pub fn add_known(&mut self, inv: &Inventory, now: Instant) {
        self.known.insert(Self::key(inv), now);
    }

    /// Queues `inv` for the next trickle unless the remote knows it; returns whether it was queued.
    pub fn queue(&mut self, inv: Inventory, now: Instant) -> bool {
        if self.is_known(&inv, now) {
            return false;
        }
        self.pending.push(inv);
        true
    }

    /// Items waiting for the next trickle.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Empties the queue into `inv` payloads of at most [`MAX_INV_PER_TRICKLE`] items, skipping what became
    /// known since it was queued (and repeats) and marking everything announced as known.
    pub fn take_batches(&mut self, now: Instant) -> Vec<Vec<Inventory>> {
        let mut batches = Vec::new();
        let mut batch = Vec::new();
        // The cache may hold fewer items than are pending, so repeats are also caught here.
        let mut announced = HashSet::new();
        for inv in std::mem::take(&mut self.pending) {
            if self.is_known(&inv, now) || !announced.insert(Self::key(&inv)) {
                continue;
            }
            self.add_known(&inv, now);
            batch.push(inv);
            if batch.len() == MAX_INV_PER_TRICKLE {
                batches.push(std::mem::take(&mut batch));
            }
        }
        if !batch.is_empty() {
            batches.push(batch);
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinpeer_wire::messages::InvType;
    use coinpeer_wire::Hash256;

    fn tx(n: u32) -> Inventory {
        let mut h = [0u8; 32];
        h[..4].copy_from_slice(&n.to_le_bytes());
        Inventory::new(InvType::TX, Hash256(h))
    }

    #[test]
    fn batches_hold_at_most_1000_and_skip_known_and_repeats() {
        let now = Instant::now();
        let mut r = InventoryRelay::new(10_000, Duration::from_secs(900));
        r.add_known(&tx(7), now);
        assert!(!r.queue(tx(7), now), "known items are not queued");
        for n in 0..2500 {
            r.queue(tx(n), now);
        }
        r.queue(tx(1), now);
        let sizes: Vec<usize> = r.take_batches(now).iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            [1000, 1000, 499],
            "2,501 queued, one known before and one repeated"
        );
        assert_eq!(r.pending(), 0);
        assert!(r.is_known(&tx(2499), now), "announced items become known");
        assert!(r.take_batches(now).is_empty());
    }

    #[test]
    fn witness_and_plain_announcements_are_the_same_item() {
        let now = Instant::now();
        let mut r = InventoryRelay::new(10, Duration::from_secs(900));
        r.add_known(&Inventory::new(InvType::WITNESS_TX, tx(1).hash), now);
        assert!(r.is_known(&tx(1), now));
    }

    #[test]
    fn intervals() {
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(1);
        let random = TrickleInterval::default();
        for _ in 0..1000 {
            let d = random.next(&mut rng);
            assert!(
                d >= Duration::from_millis(100) && d < Duration::from_millis(500),
                "{d:?}"
            );
        }
        assert_eq!(
            TrickleInterval::Fixed(Duration::from_secs(10)).next(&mut rng),
            Duration::from_secs(10)
        );
        assert_eq!(
            TrickleInterval::Fixed(Duration::ZERO).next(&mut rng),
            Duration::from_millis(1)
        );
    }
}
