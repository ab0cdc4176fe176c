//! Drivers shared by the handshake tests of both dialects.
#![allow(dead_code)]

use coinpeer_cache::NonceCache;
use coinpeer_handshake::{Direction, Handshake, HandshakeConfig, HandshakeError, HandshakeMessage, LocalInputs};
use coinpeer_wire::messages::{NetAddress, ServiceFlags};
use std::time::Instant;

pub const UNIX_TIME: i64 = 1_700_000_000;

pub fn addr() -> NetAddress {
    NetAddress::from_socket_addr("127.0.0.1:18444".parse().unwrap(), ServiceFlags::NONE)
}

pub fn inputs(nonce: u64, now: Instant) -> LocalInputs {
    LocalInputs {
        nonce,
        unix_time: UNIX_TIME,
        start_height: 42,
        now,
    }
}

pub fn machine<M: HandshakeMessage>(
    config: &HandshakeConfig,
    direction: Direction,
    nonce: u64,
    nonces: &NonceCache,
) -> Handshake<M> {
    Handshake::new(config, direction, addr(), inputs(nonce, Instant::now()), nonces).unwrap()
}

/// Everything a machine wants to send right now.
pub fn drain<M: HandshakeMessage>(hs: &mut Handshake<M>) -> Vec<M> {
    std::iter::from_fn(|| hs.poll_transmit()).collect()
}

/// Shuttles messages between two machines until both complete or one fails; returns each side's result of
/// its last `handle` call that failed, if any, and the commands that crossed, in order.
pub fn run_pair<M: HandshakeMessage>(
    a: &mut Handshake<M>,
    b: &mut Handshake<M>,
) -> (Result<(), HandshakeError>, Result<(), HandshakeError>, Vec<String>) {
    let mut log = Vec::new();
    for _ in 0..10 {
        for m in drain(a) {
            log.push(format!("a>{}", m.command()));
            if let Err(e) = b.handle(m, UNIX_TIME) {
                return (Ok(()), Err(e), log);
            }
        }
        for m in drain(b) {
            log.push(format!("b>{}", m.command()));
            if let Err(e) = a.handle(m, UNIX_TIME) {
                return (Err(e), Ok(()), log);
            }
        }
        if a.is_complete() && b.is_complete() {
            break;
        }
    }
    (Ok(()), Ok(()), log)
}

/// Runs two machines to completion, failing the test if either side fails.
pub fn complete<M: HandshakeMessage>(a: &mut Handshake<M>, b: &mut Handshake<M>) {
    let (ra, rb, log) = run_pair(a, b);
    assert_eq!((ra, rb), (Ok(()), Ok(())), "{log:?}");
    assert!(a.is_complete() && b.is_complete(), "{log:?}");
}

/// Reports a test whose input is missing: a loud `SKIPPED` line, or a failure when `COINPEER_REQUIRE_INPUTS`
/// is set, as CI sets it, so that a test never passes there without its input.
pub fn skipped(why: std::fmt::Arguments<'_>) {
    assert!(
        std::env::var_os("COINPEER_REQUIRE_INPUTS").is_none(),
        "input required but missing: {why}"
    );
    eprintln!("SKIPPED {why}");
}
