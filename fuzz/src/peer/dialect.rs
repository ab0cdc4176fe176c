//! What each dialect brings to the target: its commands, the protocol versions a remote may claim, and the
//! messages the operations build.

use bytes::Bytes;
use coinpeer_protocol::{Bitcoin, Decred, Dialect};
use coinpeer_wire::messages::Inventory;
use coinpeer_wire::{bitcoin, decred, Command};

/// What a dialect brings to the target beyond `Dialect`.
pub(super) trait Fuzzed: Dialect {
    const COMMANDS: &'static [&'static str];
    /// Protocol versions a remote may claim.
    const VERSIONS: &'static [u32];
    fn get_data(items: Vec<Inventory>) -> Self::Message;
    fn not_found(items: Vec<Inventory>) -> Self::Message;
    fn no_headers() -> Self::Message;
    fn unknown(payload: Bytes) -> Self::Message;
    /// The items a `getdata` asks for.
    fn requested_items(msg: &Self::Message) -> Vec<Inventory>;
}

impl Fuzzed for Bitcoin {
    const COMMANDS: &'static [&'static str] = bitcoin::COMMANDS;
    const VERSIONS: &'static [u32] = &[0, 209, 60_000, 60_001, 70_001, 70_002, 70_012, 70_015, 70_016, u32::MAX];
    fn get_data(items: Vec<Inventory>) -> bitcoin::Message {
        bitcoin::Message::GetData(items)
    }
    fn not_found(items: Vec<Inventory>) -> bitcoin::Message {
        bitcoin::Message::NotFound(items)
    }
    fn no_headers() -> bitcoin::Message {
        bitcoin::Message::Headers(Vec::new())
    }
    fn requested_items(msg: &bitcoin::Message) -> Vec<Inventory> {
        match msg {
            bitcoin::Message::GetData(items) => items.clone(),
            _ => Vec::new(),
        }
    }
    fn unknown(payload: Bytes) -> bitcoin::Message {
        bitcoin::Message::Unknown {
            command: Command::from_static("fuzz"),
            payload,
        }
    }
}

impl Fuzzed for Decred {
    const COMMANDS: &'static [&'static str] = decred::COMMANDS;
    const VERSIONS: &'static [u32] = &[0, 1, 6, 8, 9, 10, 11, 12, 13, u32::MAX];
    fn get_data(items: Vec<Inventory>) -> decred::Message {
        decred::Message::GetData(items)
    }
    fn not_found(items: Vec<Inventory>) -> decred::Message {
        decred::Message::NotFound(items)
    }
    fn no_headers() -> decred::Message {
        decred::Message::Headers(Vec::new())
    }
    fn requested_items(msg: &decred::Message) -> Vec<Inventory> {
        match msg {
            decred::Message::GetData(items) => items.clone(),
            _ => Vec::new(),
        }
    }
    fn unknown(payload: Bytes) -> decred::Message {
        decred::Message::Unknown {
            command: Command::from_static("fuzz"),
            payload,
        }
    }
}
