//! The whole peer (`coinpeer_protocol::Connection`) of either dialect, driven by a sequence of operations read
//! from the input: bytes and well-formed frames from the remote, clock jumps, sends, partial writes, pauses
//! and closes. See `coinpeer_fuzz::peer` for the operations and the invariants checked after each.
//!
//! Input: byte 0 the setup (bit 0: Decred; bit 1: inbound; bit 2: strict unknown commands; bit 3: the
//! answer to the remote's version waits for the application; bit 4: stall detection off, else tracking
//! headers with at most 40 items outstanding; bits 5-6: the memory caps, see `caps`; bit 7: no pings); byte 1
//! the network among the dialect's built-in ones; byte 2 the random seed; then the operations.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coinpeer_fuzz::peer::fuzz(data));
