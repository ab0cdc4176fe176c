//! Behaviour of `KnownInventory`.

use std::time::{Duration, Instant};

use coinpeer_cache::{KnownInventory, DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL};

/// Shaped like the inventory vector the peer uses: a type and a 32-byte hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct InvVect {
    kind: u32,
    hash: [u8; 32],
}

fn inv(n: u8) -> InvVect {
    InvVect { kind: 1, hash: [n; 32] }
}

const TTL: Duration = Duration::from_secs(60);

#[test]
fn defaults_are_1000_entries_and_15_minutes() {
    let known = KnownInventory::<InvVect>::default();
    assert_eq!(DEFAULT_INVENTORY_CAPACITY, 1000);
    assert_eq!(DEFAULT_INVENTORY_TTL, Duration::from_secs(900));
    assert_eq!(known.capacity(), 1000);
    assert_eq!(known.ttl(), DEFAULT_INVENTORY_TTL);
    assert!(known.is_empty());
}

#[test]
fn equal_keys_built_separately_match() {
    let now = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    let mut hash = [0u8; 32];
    hash[0] = 0xab;
    hash[31] = 0xcd;
    known.insert(InvVect { kind: 2, hash }, now);

    let mut same_hash = [0u8; 32];
    same_hash[0] = 0xab;
    same_hash[31] = 0xcd;
    assert!(known.contains(
        &InvVect {
            kind: 2,
            hash: same_hash
        },
        now
    ));
    // Same hash under another inventory type is another entry.
    assert!(!known.contains(
        &InvVect {
            kind: 1,
            hash: same_hash
        },
        now
    ));
}

#[test]
fn insert_at_capacity_evicts_least_recently_inserted() {
    let now = Instant::now();
    let mut known = KnownInventory::new(3, TTL);
    for n in 1..=3 {
        known.insert(inv(n), now);
    }
    known.insert(inv(4), now);
    assert_eq!(known.len(), 3);
    assert!(!known.contains(&inv(1), now));
    for n in 2..=4 {
        assert!(known.contains(&inv(n), now));
    }
}

#[test]
fn reinsert_refreshes_recency() {
    let now = Instant::now();
    let mut known = KnownInventory::new(3, TTL);
    for n in 1..=3 {
        known.insert(inv(n), now);
    }
    known.insert(inv(1), now); // 1 is now the most recent; 2 is the oldest.
    assert_eq!(known.len(), 3);
    known.insert(inv(4), now);
    assert!(known.contains(&inv(1), now));
    assert!(!known.contains(&inv(2), now));
}

#[test]
fn lookup_does_not_refresh_recency() {
    let now = Instant::now();
    let mut known = KnownInventory::new(3, TTL);
    for n in 1..=3 {
        known.insert(inv(n), now);
    }
    assert!(known.contains(&inv(1), now)); // Must not save 1 from eviction.
    known.insert(inv(4), now);
    assert!(!known.contains(&inv(1), now));
    assert!(known.contains(&inv(2), now));
}

#[test]
fn entry_is_known_just_before_ttl() {
    let t = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), t);
    assert!(known.contains(&inv(1), t));
    assert!(known.contains(&inv(1), t + TTL - Duration::from_nanos(1)));
}

#[test]
fn entry_expires_at_exactly_ttl() {
    let t = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), t);
    assert!(!known.contains(&inv(1), t + TTL));
}

#[test]
fn expired_entry_is_removed_on_lookup() {
    let t = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), t);
    known.insert(inv(2), t);
    assert_eq!(known.len(), 2); // Expired entries count until removed.
    assert!(!known.contains(&inv(1), t + TTL));
    assert_eq!(known.len(), 1);
    // Removed, not merely hidden: an earlier `now` does not bring it back.
    assert!(!known.contains(&inv(1), t));
}

#[test]
fn lookup_does_not_refresh_expiry() {
    let t = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), t);
    assert!(known.contains(&inv(1), t + TTL / 2));
    assert!(!known.contains(&inv(1), t + TTL));
}

#[test]
fn reinsert_resets_expiry() {
    let t = Instant::now();
    let later = t + TTL / 2;
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), t);
    known.insert(inv(1), later);
    assert_eq!(known.len(), 1);
    assert!(known.contains(&inv(1), t + TTL));
    assert!(known.contains(&inv(1), later + TTL - Duration::from_nanos(1)));
    assert!(!known.contains(&inv(1), later + TTL));
}

#[test]
fn remove_forgets_entry() {
    let now = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), now);
    known.insert(inv(2), now);
    known.remove(&inv(1));
    known.remove(&inv(3)); // Absent: no effect.
    assert!(!known.contains(&inv(1), now));
    assert!(known.contains(&inv(2), now));
    assert_eq!(known.len(), 1);
}

#[test]
fn clear_forgets_everything() {
    let now = Instant::now();
    let mut known = KnownInventory::new(4, TTL);
    known.insert(inv(1), now);
    known.insert(inv(2), now);
    known.clear();
    assert!(known.is_empty());
    assert!(!known.contains(&inv(1), now));
    assert_eq!(known.capacity(), 4);
}

#[test]
fn capacity_zero_stores_nothing() {
    let now = Instant::now();
    let mut known = KnownInventory::new(0, TTL);
    known.insert(inv(1), now);
    assert!(!known.contains(&inv(1), now));
    assert_eq!(known.len(), 0);
    assert!(known.is_empty());
    assert_eq!(known.capacity(), 0);
    known.remove(&inv(1));
    known.clear();
}

#[test]
fn zero_ttl_makes_every_lookup_miss() {
    let now = Instant::now();
    let mut known = KnownInventory::new(4, Duration::ZERO);
    known.insert(inv(1), now);
    assert!(!known.contains(&inv(1), now));
    assert!(known.is_empty());
}
