//! Round trip of every Decred message type: see `coinpeer_fuzz::roundtrip` for the input and the checks.
#![no_main]

use coinpeer_fuzz::{roundtrip, DECRED_VERSIONS};
use coinpeer_wire::decred::{Message, COMMANDS};
use libfuzzer_sys::fuzz_target;

/// What of `msg` its encoding carries: all of it (user agents are printable ASCII, the relay byte is always
/// written), except that a DC-net without vectors decodes but cannot be encoded, as in dcrd (documented in
/// `coinpeer_wire::decred`, kept on purpose).
fn carried(msg: Message, _version: u32) -> Option<Message> {
    match &msg {
        Message::MixDCNet(m) if m.dc_net.is_empty() => None,
        _ => Some(msg),
    }
}

fuzz_target!(|data: &[u8]| roundtrip::run::<Message>(data, COMMANDS, DECRED_VERSIONS, carried));
