//! Hostile peers over real TCP on 127.0.0.1 (issue 13), against a coinpeer peer that listens as
//! `coinpeer listen` does. Each scenario ends with the disconnect reason the listener reports for the
//! attacker (or the attacker's survival, proven by a ping round trip after the attack), an honest coinpeer
//! peer whose pings the listener answered all through, and the process's heap back to where it was.
//!
//! Every scenario is written once, generic over the dialect, and runs for both `Bitcoin` and `Decred`
//! (`framing::bitcoin::wrong_magic`, `framing::decred::wrong_magic`, ...).
//!
//! Time. Timing scenarios shorten the timeouts through `PeerConfig` (`handshake_timeout`, `idle_timeout`)
//! rather than pausing tokio's clock: with real sockets a paused clock jumps to the next timer whenever the
//! runtime waits on the kernel (a connect in progress, bytes between two threads), so a deadline could pass
//! between a write and its read. The defaults themselves (30 s, 300 s, 120 s) are proven on paused in-memory
//! streams in `timers.rs` and the protocol crate's tests.
//!
//! Memory. The heap is counted by the global allocator of `strangers/memory.rs`, shared by the whole
//! process, so the tests take turns: each holds a lock for its whole life, its runtime included.
#![cfg(target_os = "linux")]

/// One test per scenario and dialect: `mod bitcoin { fn s() }` and `mod decred { fn s() }` for each generic
/// `async fn s<D: Lang>()` of the calling module.
macro_rules! dialects {
    ($($scenario:ident),* $(,)?) => {
        mod bitcoin {
            $(#[test]
            fn $scenario() {
                crate::run(super::$scenario::<coinpeer_runtime::Bitcoin>());
            })*
        }
        mod decred {
            $(#[test]
            fn $scenario() {
                crate::run(super::$scenario::<coinpeer_runtime::Decred>());
            })*
        }
    };
}

#[path = "../support/mod.rs"]
mod support;

#[path = "../strangers/memory.rs"]
#[allow(dead_code)]
mod memory;

mod attacker;
mod harness;
mod honest;
mod lang;

mod connections;
mod counts;
mod floods;
mod framing;
mod handshake;

use std::future::Future;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one scenario on a runtime of its own (two workers, as the machine has two cores), alone.
fn run(scenario: impl Future<Output = ()>) {
    let _turn = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(scenario);
}
