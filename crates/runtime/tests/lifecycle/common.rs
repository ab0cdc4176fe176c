//! Helpers: handshaked peers facing a scripted remote, the quiet configurations of each dialect, and waiting for
//! disconnects, send handles and conditions.

use crate::support::{quiet, raw_peer, RawRemote};
use coinpeer_runtime::{Bitcoin, Decred, Dialect, DisconnectReason, Outcome, Peer, SendHandle};
use coinpeer_wire::Network;
use std::time::Duration;

/// How long any single expected event may take; far above what an in-memory peer needs.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

pub(crate) fn regtest() -> coinpeer_runtime::PeerConfigBuilder<Bitcoin> {
    quiet(Network::BITCOIN_REGTEST)
}

pub(crate) fn simnet() -> coinpeer_runtime::PeerConfigBuilder<Decred> {
    quiet(Network::DECRED_SIMNET)
}

pub(crate) async fn bitcoin_peer(version: u32) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(regtest().build(), version, 1 << 16).await
}

pub(crate) async fn decred_peer() -> (Peer<Decred>, RawRemote) {
    raw_peer(simnet().build(), 12, 1 << 16).await
}

pub(crate) async fn wait_disconnect<D: Dialect>(peer: &Peer<D>) -> DisconnectReason {
    tokio::time::timeout(WAIT, peer.wait_for_disconnect())
        .await
        .expect("the peer disconnects");
    assert_eq!(peer.running_tasks(), 0);
    peer.disconnect_reason().expect("a reason once disconnected")
}

/// The outcome of a handle that must already be resolved.
pub(crate) async fn resolved_now(h: SendHandle) -> Outcome {
    tokio::time::timeout(Duration::ZERO, h)
        .await
        .expect("resolved without waiting")
}

/// Awaits every handle (each within the overall bound) and counts the outcomes: (sent, dropped, failed).
pub(crate) async fn outcomes(handles: Vec<SendHandle>) -> (usize, usize, Vec<coinpeer_runtime::SendFailure>) {
    let all = async {
        let (mut sent, mut dropped, mut failed) = (0, 0, Vec::new());
        for h in handles {
            match h.await {
                Outcome::Sent => sent += 1,
                Outcome::Dropped => dropped += 1,
                Outcome::Failed(e) => failed.push(e),
                other => panic!("{other:?}"),
            }
        }
        (sent, dropped, failed)
    };
    tokio::time::timeout(WAIT, all).await.expect("no handle hangs")
}

/// Waits until `cond` holds, polling in small steps, within [`WAIT`].
pub(crate) async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
