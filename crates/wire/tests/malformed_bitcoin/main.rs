//! Hostile input for the Bitcoin dialect: every malformed frame or payload fails with the exact error (kind and
//! fields, command, byte offset), no count read from the wire makes the decoder allocate more than the bytes
//! received justify, and no truncation or chunking of a stream ever panics.

#[path = "../support/mod.rs"]
mod support;

mod build;
mod count_bombs;
mod counter;
mod framing_cases;
mod payload_cases;
mod streams;
mod table;
mod truncation;

use coinpeer_wire::bitcoin::version;

const PVER: u32 = version::MAX;
const MAINNET_MAGIC: u32 = 0xd9b4_bef9;
const TESTNET3_MAGIC: u32 = 0x0709_110b;
