//! Cancellation and the end of a peer: the token before, during and after the handshake, and no task or open
//! stream left once a peer has finished.

use crate::common::{decred_peer, regtest, simnet, wait_disconnect, WAIT};
use crate::support::{addr, pair, RawRemote};
use crate::support::{raw_peer, raw_peer_cancellable};
use coinpeer_runtime::{CancellationToken, ConnectError, DisconnectReason, Peer};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::Network;
use std::time::Duration;

#[derive(Debug)]
struct NoChain;

impl std::fmt::Display for NoChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the chain is still loading")
    }
}

impl std::error::Error for NoChain {}

#[tokio::test]
async fn a_failing_newest_block_source_keeps_the_peer_from_starting_with_its_own_error() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let config = regtest()
        .newest_block(std::sync::Arc::new(|| {
            Err(Box::new(NoChain) as coinpeer_runtime::BoxError)
        }))
        .build();
    let r = tokio::time::timeout(WAIT, Peer::outbound(config, ours, addr(9), CancellationToken::new()))
        .await
        .expect("returns at once");
    match r {
        Err(ConnectError::NewestBlock(e)) => assert!(e.is::<NoChain>(), "the application's error, typed: {e}"),
        other => panic!("{other:?}"),
    }
    // No version could be built: nothing was sent.
    assert!(tokio::time::timeout(WAIT, remote.recv::<Message>())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn cancelled_token_before_the_handshake_gives_cancelled_and_closes_the_stream() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, Peer::outbound(regtest().build(), ours, addr(9), cancel))
        .await
        .expect("returns at once");
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    // At most our version went out before the stream was closed.
    let mut got = Vec::new();
    while let Some(m) = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap() {
        got.push(m);
    }
    assert!(
        got.len() <= 1 && got.iter().all(|m| matches!(m, Message::Version(_))),
        "{got:?}"
    );
}

#[tokio::test]
async fn cancelling_during_the_handshake_gives_cancelled_and_closes_the_stream() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let cancel = CancellationToken::new();
    let dial = tokio::spawn(Peer::outbound(regtest().build(), ours, addr(9), cancel.clone()));
    // Our version arrived: the handshake is under way, waiting for a remote that stays silent.
    let Some(Message::Version(_)) = remote.recv::<Message>().await else {
        panic!("our version")
    };
    assert!(!dial.is_finished());
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, dial).await.expect("returns").unwrap();
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    assert!(remote.recv::<Message>().await.is_none(), "the stream is closed");
}

#[tokio::test]
async fn cancelling_an_inbound_handshake_gives_cancelled() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::DECRED_SIMNET, 12);
    let cancel = CancellationToken::new();
    let accept = tokio::spawn(Peer::inbound(simnet().build(), ours, addr(9), cancel.clone()));
    // Half a version message: the peer is mid-read.
    remote.send_raw(&Network::DECRED_SIMNET.magic().to_le_bytes()).await;
    tokio::task::yield_now().await;
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, accept).await.expect("returns").unwrap();
    assert!(matches!(r, Err(ConnectError::Cancelled)), "{r:?}");
    assert!(remote.recv::<dcr::Message>().await.is_none());
}

#[tokio::test]
async fn cancelling_the_token_after_the_handshake_disconnects_as_a_local_request() {
    let cancel = CancellationToken::new();
    let (peer, mut remote) = raw_peer_cancellable(regtest().build(), 70_016, 1 << 16, cancel.clone()).await;
    assert!(peer.is_connected());
    cancel.cancel();
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::LocalRequest);
    assert!(remote.recv::<Message>().await.is_none());
}

#[tokio::test]
async fn after_wait_for_disconnect_no_task_runs_and_the_stream_is_closed() {
    for ping in [None, Some(Duration::from_secs(120))] {
        let config = regtest().ping_interval(ping).build();
        let (peer, mut remote) = raw_peer(config, 70_016, 1 << 16).await;
        assert!(peer.running_tasks() > 0);
        peer.disconnect();
        peer.wait_for_disconnect().await;
        assert_eq!(peer.running_tasks(), 0);
        assert!(!peer.is_connected());
        let eof = tokio::time::timeout(WAIT, remote.recv::<Message>()).await.unwrap();
        assert!(eof.is_none(), "the remote reads EOF: {eof:?}");
        // Waiting again returns at once.
        tokio::time::timeout(WAIT, peer.wait_for_disconnect()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_task_is_counted_once_wait_for_disconnect_returns() {
    // Whichever thread finishes the peer, its waiters must never see a task still counted.
    for _ in 0..200 {
        let (a, b) = pair(regtest().build(), regtest().build()).await;
        let waiter = tokio::spawn({
            let b = b.clone();
            async move {
                b.wait_for_disconnect().await;
                b.running_tasks()
            }
        });
        a.disconnect();
        a.wait_for_disconnect().await;
        assert_eq!(a.running_tasks(), 0);
        let left = tokio::time::timeout(WAIT, waiter).await.unwrap().unwrap();
        assert_eq!(left, 0);
    }
}

#[tokio::test]
async fn a_remote_closing_the_stream_disconnects_with_remote_closed() {
    let (peer, remote) = decred_peer().await;
    drop(remote);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::RemoteClosed);
}
