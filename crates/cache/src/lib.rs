//! LRU caches used by coinpeer peers, free of I/O and of any async runtime.
//!
//! * [`NonceCache`] remembers the nonces we put in our own `version` messages.
//!   When a remote's `version` carries one of them we have connected to
//!   ourselves. One cache is shared by every peer of a process, so it is cheap
//!   to clone and safe to use from several threads.
//! * [`KnownInventory`] remembers, per peer, the inventory the remote is known
//!   to have, so we do not announce it back. Entries expire after a TTL; time
//!   is passed in by the caller, so the cache never reads a clock.
//!
//! Both caches accept a capacity of 0, meaning a cache that stores nothing
//! (every lookup misses) rather than a panic.
//!
//! ```
//! use std::time::Instant;
//! use coinpeer_cache::{KnownInventory, NonceCache, DEFAULT_INVENTORY_TTL};
//!
//! // Shared by all peers: clones share the same entries.
//! let sent_nonces = NonceCache::default();
//! let for_other_peer = sent_nonces.clone();
//! sent_nonces.insert(0x0123_4567_89ab_cdef);
//! // A remote version message carrying our own nonce means a self-connection.
//! assert!(for_other_peer.contains(0x0123_4567_89ab_cdef));
//! assert!(!for_other_peer.contains(42));
//!
//! // One per peer, keyed by value (here a bare 32-byte hash).
//! let mut known = KnownInventory::<[u8; 32]>::default();
//! let now = Instant::now();
//! known.insert([7; 32], now);
//! assert!(known.contains(&[7; 32], now));
//! // An entry inserted at `t` has expired at `t + ttl`.
//! assert!(!known.contains(&[7; 32], now + DEFAULT_INVENTORY_TTL));
//! ```
#![warn(missing_docs, unreachable_pub)]

mod inventory;
mod nonce;

pub use inventory::{KnownInventory, DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL};
pub use nonce::{NonceCache, DEFAULT_NONCE_CAPACITY};
