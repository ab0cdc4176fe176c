//! The known-inventory cache against a plain model of it: a list in recency order, searched in full.

use coinpeer_cache::KnownInventory;
use proptest::prelude::*;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
enum Op {
    Insert(u8),
    Contains(u8),
    Remove(u8),
    Clear,
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..24).prop_map(Op::Insert),
        3 => (0u8..24).prop_map(Op::Contains),
        1 => (0u8..24).prop_map(Op::Remove),
        1 => Just(Op::Clear),
        1 => (0u64..4).prop_map(Op::Wait),
    ]
}

/// The least recently inserted first, each with the instant it stops being known.
#[derive(Default)]
struct Model {
    entries: Vec<(u8, Instant)>,
}

impl Model {
    fn insert(&mut self, key: u8, expiry: Instant, capacity: usize) {
        if capacity == 0 {
            return;
        }
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, expiry));
        if self.entries.len() > capacity {
            self.entries.remove(0);
        }
    }

    fn contains(&mut self, key: u8, now: Instant) -> bool {
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) if now < self.entries[i].1 => true,
            Some(i) => {
                self.entries.remove(i);
                false
            }
            None => false,
        }
    }
}

proptest! {
    #[test]
    fn behaves_as_the_model(capacity in 0usize..8, ttl in 0u64..6, ops in prop::collection::vec(op(), 0..300)) {
        let ttl = Duration::from_secs(ttl);
        let mut now = Instant::now();
        let mut cache = KnownInventory::new(capacity, ttl);
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Insert(k) => {
                    cache.insert(k, now);
                    model.insert(k, now + ttl, capacity);
                }
                Op::Contains(k) => prop_assert_eq!(cache.contains(&k, now), model.contains(k, now), "contains {}", k),
                Op::Remove(k) => {
                    cache.remove(&k);
                    model.entries.retain(|(m, _)| *m != k);
                }
                Op::Clear => {
                    cache.clear();
                    model.entries.clear();
                }
                Op::Wait(s) => now += Duration::from_secs(s),
            }
            prop_assert_eq!(cache.len(), model.entries.len());
        }
    }
}
