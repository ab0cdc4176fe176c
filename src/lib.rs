//! coinpeer: peers for Bitcoin-family and Decred peer-to-peer networks.
//!
//! This facade re-exports the layers, each also usable on its own:
//!
//! - [`wire`] (`coinpeer-wire`): the sans-IO codec: framing, every message of both dialects, hashing.
//! - [`cache`] (`coinpeer-cache`): the nonce and known-inventory LRU caches.
//! - [`handshake`] (`coinpeer-handshake`): the sans-IO version/verack state machine.
//! - [`protocol`] (`coinpeer-protocol`): the whole peer as a sans-IO state machine (bytes and time in;
//!   bytes, events and deadlines out).
//! - [`runtime`] (`coinpeer-runtime`): the tokio peer.
//!
//! ```
//! use coinpeer::wire::{bitcoin::Message, Network, WireMessage};
//!
//! assert_eq!(Message::Verack.command(), "verack");
//! assert_eq!(Network::from_name("decred").unwrap().default_port(), 9108);
//! ```
//!
//! `examples/outbound_peer.rs` connects two peers over TCP on 127.0.0.1.
#![warn(missing_docs)]

pub use coinpeer_cache as cache;
pub use coinpeer_handshake as handshake;
pub use coinpeer_protocol as protocol;
pub use coinpeer_runtime as runtime;
pub use coinpeer_wire as wire;
