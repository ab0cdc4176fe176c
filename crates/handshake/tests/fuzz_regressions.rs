//! Inputs that once made the `handshake` fuzz target fail, replayed through the target's own body (included
//! from `fuzz/src`), so that each stays fixed. Each input is what the fuzzer wrote; the format is documented in
//! `fuzz/src/handshake.rs`.

#[allow(dead_code)]
#[path = "../../../fuzz/src/input.rs"]
mod input;
#[path = "../../../fuzz/src/handshake.rs"]
mod target;

use input::{command, Input, BITCOIN_VERSIONS, DECRED_VERSIONS};

fn replay(hex: &str) {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    target::fuzz(&bytes);
}

/// An outbound handshake whose version the caller has not taken yet times out: `poll_transmit` still yielded
/// that version after the failure, where only a reject may follow one.
#[test]
fn a_timed_out_handshake_sends_nothing_it_queued_before() {
    replay("f9beb4d9ff66");
}

/// `wtxidrelay` twice before the verack, when we did not announce ours (here: a version below 70016), was
/// accepted, though a second announcement is an `Unexpected` error as for `sendaddrv2`.
#[test]
fn a_second_wtxidrelay_fails_whether_or_not_we_announced_ours() {
    replay("2e6da300000004a3000000047e294d706f6f");
}
