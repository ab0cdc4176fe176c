//! The Bitcoin stream decoder: see `coinpeer_fuzz::stream` for the input and the checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coinpeer_fuzz::stream::run::<coinpeer_wire::bitcoin::Message>(data));
