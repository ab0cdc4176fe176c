//! coinpeer-wire against the `bitcoin` crate on one Bitcoin frame: see `coinpeer_fuzz::differential` for the
//! input, the checks and the known divergences.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coinpeer_fuzz::differential::fuzz(data));
