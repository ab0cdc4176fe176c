//! What the fuzz targets share: a reader that turns the fuzzer's bytes into structured choices, the protocol
//! versions worth trying, and frames built with a correct header so that inputs get past the checksum.
//!
//! Every target documents its input format at its top; `cargo xtask fuzz` builds seed inputs in those formats
//! (see `xtask/src/fuzz/`), so a change of format here or in a target must be made there too.

pub mod differential;
pub mod handshake;
mod input;
pub mod peer;
pub mod roundtrip;
pub mod stream;

pub use input::{command, framed, Input, BITCOIN_VERSIONS, DECRED_VERSIONS};
