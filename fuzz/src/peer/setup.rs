//! The setup: the first bytes of the input (dialect, direction, configuration bits, network and seed), and the
//! memory caps its bits choose.

use super::Input;

/// The first bytes of the input: see the target's documentation.
#[derive(Debug)]
pub(super) struct Setup {
    pub(super) decred: bool,
    pub(super) bits: u8,
    pub(super) network: u8,
    pub(super) seed: u8,
}

impl Setup {
    pub(super) fn read(input: &mut Input<'_>) -> Self {
        let bits = input.u8();
        Setup {
            decred: bits & 1 != 0,
            bits,
            network: input.u8(),
            seed: input.u8(),
        }
    }
}

/// `(max_queued_bytes, send_buffer, pre_handshake_budget)` for the two setup bits.
pub(super) fn caps(preset: u8) -> (usize, usize, usize) {
    match preset & 3 {
        0 => (6 * 1024, 3 * 1024, 4 * 1024),
        1 => (64 * 1024, 16 * 1024, 16 * 1024),
        2 => (1024, 512, 1024),
        _ => (
            coinpeer_protocol::DEFAULT_MAX_QUEUED_BYTES,
            coinpeer_protocol::DEFAULT_SEND_BUFFER,
            coinpeer_protocol::DEFAULT_PRE_HANDSHAKE_BUDGET,
        ),
    }
}
