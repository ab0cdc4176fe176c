//! The handshake machine of either dialect against a model: see `coinpeer_fuzz::handshake` for the input and
//! the checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coinpeer_fuzz::handshake::fuzz(data));
