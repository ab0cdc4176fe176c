//! Decoding holds at most a small constant times the payload in memory, for every message type of both
//! dialects: each test builds the worst cases of its type (the largest count the payload length allows, the
//! smallest elements; payloads that decode, and payloads that announce more than they hold) and measures with
//! a counting global allocator the most the decoder held at once, and what the decoded message keeps.
//!
//! Run with `--nocapture` to see every measured ratio.

#[path = "../support/mod.rs"]
mod support;

/// One test per command of a dialect (`name => "command" |c| { body }`, `c` bound to the command), and a
/// test that every command of the dialect's list has one.
macro_rules! per_command {
    ($all:expr; $($test:ident => $command:literal |$c:ident| $body:block)*) => {
        $(#[test] fn $test() { let $c: &str = $command; $body })*

        #[test]
        fn every_command_has_a_test() {
            let covered: &[&str] = &[$($command),*];
            for c in $all {
                assert!(covered.contains(c), "no allocation test for {c}");
            }
        }
    };
}

mod bitcoin;
mod build;
mod counter;
mod decred;
mod frames;
mod real;

use bytes::Bytes;
use coinpeer_wire::{Command, WireMessage};

#[global_allocator]
static ALLOCATOR: counter::Counting = counter::Counting;

/// The bound the crate documents: bytes held per payload byte (8).
const FACTOR: usize = coinpeer_wire::MEMORY_FACTOR;
/// What any decode may hold beyond `FACTOR` per byte: the short lists of values that cost more than that per
/// wire byte (mixing field values, empty DC-net vectors, init-state types), whose protocol maximum (1024
/// elements at most) keeps them under 32 KiB.
const ALLOWANCE: usize = 32 * 1024;

/// What decoding the payload must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The payload is a valid message.
    Decodes,
    /// The payload announces more than it holds.
    Fails,
}

/// Decodes `payload` as `command` of `M` at `version` and checks that it held at most `factor` bytes per
/// payload byte plus the allowance, and kept no more.
pub fn check_with<M: WireMessage>(
    label: &str,
    command: &str,
    version: u32,
    payload: Vec<u8>,
    expect: Expect,
    factor: usize,
) {
    let command = Command::new(command).unwrap();
    let payload = Bytes::from(payload);
    let mut outcome = None;
    let usage = counter::measure(|| {
        let r = M::decode_payload(&command, &payload, version);
        outcome = Some(match &r {
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        });
        r
    });
    let len = payload.len();
    let per_byte = |n: usize| n as f64 / len.max(1) as f64;
    eprintln!(
        "{label:<48} {len:>10} B  peak {:>11} B ({:>5.2}x)  kept {:>11} B ({:>5.2}x)",
        usage.peak,
        per_byte(usage.peak),
        usage.retained,
        per_byte(usage.retained),
    );
    match (expect, outcome.expect("measured")) {
        (Expect::Decodes, Err(e)) => panic!("{label}: does not decode: {e}"),
        (Expect::Fails, Ok(())) => panic!("{label}: decodes"),
        _ => {}
    }
    let bound = factor * len + ALLOWANCE;
    assert!(
        usage.peak <= bound,
        "{label}: held {} B for a {len}-byte payload ({:.2} per byte), over {factor} per byte + {ALLOWANCE}",
        usage.peak,
        per_byte(usage.peak)
    );
}
