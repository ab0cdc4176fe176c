//! Timers, in virtual time only (`start_paused`): the ping interval, ping latency from the matching pong, the
//! idle timeout, the handshake timeout and the write deadline. Every duration is checked to the millisecond:
//! an event must happen at its time, not before and not noticeably after.

mod support;

use coinpeer_handshake::HandshakeError;
use coinpeer_runtime::{Bitcoin, CancellationToken, ConnectError, Decred, DisconnectReason, Outcome, Peer};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use std::time::Duration;
use support::{addr, quiet, raw_peer, settle, RawRemote};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// Asserts that `elapsed` is `expected`, give or take the timer wheel's millisecond rounding.
#[track_caller]
fn assert_at(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected && elapsed <= expected + 2 * MS,
        "expected {expected:?}, took {elapsed:?}"
    );
}

async fn bitcoin_peer(config: coinpeer_runtime::PeerConfigBuilder<Bitcoin>) -> (Peer<Bitcoin>, RawRemote) {
    raw_peer(config.build(), 70_016, 1 << 20).await
}

fn regtest() -> coinpeer_runtime::PeerConfigBuilder<Bitcoin> {
    quiet(Network::BITCOIN_REGTEST)
}

// ---------------------------------------------------------------------------------------------------------
// Pings
// ---------------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn first_ping_goes_out_after_the_interval_and_not_before() {
    let (peer, mut remote) = bitcoin_peer(
        regtest()
            .ping_interval(Some(Duration::from_secs(120)))
            .idle_timeout(Duration::from_secs(3600)),
    )
    .await;
    let start = Instant::now();
    let early = tokio::time::timeout(Duration::from_secs(120) - MS, remote.recv::<Message>()).await;
    assert!(early.is_err(), "nothing before the interval: {early:?}");
    assert_eq!(peer.stats().last_ping_nonce, None);
    let Some(Message::Ping(nonce)) = remote.recv::<Message>().await else {
        panic!("a ping")
    };
    assert_at(start.elapsed(), Duration::from_secs(120));
    let s = peer.stats();
    assert_eq!(
        s.last_ping_nonce,
        Some(nonce),
        "the ping's nonce is recorded once written"
    );
    assert!(s.last_ping_time.is_some());
    assert_eq!(s.last_ping_latency, None, "no pong yet");
    assert_eq!(s.sent["ping"].messages, 1);
}

#[tokio::test(start_paused = true)]
async fn pings_repeat_every_interval() {
    let (peer, mut remote) = bitcoin_peer(
        regtest()
            .ping_interval(Some(Duration::from_secs(120)))
            .idle_timeout(Duration::from_secs(3600)),
    )
    .await;
    let start = Instant::now();
    let mut at = Vec::new();
    let mut nonces = Vec::new();
    while at.len() < 4 {
        match remote.recv::<Message>().await {
            Some(Message::Ping(n)) => {
                at.push(start.elapsed());
                nonces.push(n);
                remote.send(&Message::Pong(n)).await;
            }
            other => panic!("{other:?}"),
        }
    }
    for (i, t) in at.iter().enumerate() {
        assert_at(*t, Duration::from_secs(120 * (i as u64 + 1)));
    }
    nonces.sort_unstable();
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "every ping has a fresh nonce");
    settle().await;
    assert_eq!(peer.stats().sent["ping"].messages, 4);
    assert_eq!(peer.stats().received["pong"].messages, 4);
}

#[tokio::test(start_paused = true)]
async fn no_ping_is_sent_when_the_interval_is_off() {
    let (peer, mut remote) = bitcoin_peer(regtest().idle_timeout(Duration::from_secs(3600))).await;
    let got = tokio::time::timeout(Duration::from_secs(1800), remote.recv::<Message>()).await;
    assert!(got.is_err(), "{got:?}");
    assert!(peer.is_connected());
    assert!(!peer.stats().sent.contains_key("ping"));
}

#[tokio::test(start_paused = true)]
async fn pong_latency_is_measured_from_the_matching_pong() {
    let (peer, mut remote) = bitcoin_peer(
        regtest()
            .ping_interval(Some(Duration::from_secs(120)))
            .idle_timeout(Duration::from_secs(3600)),
    )
    .await;
    let Some(Message::Ping(nonce)) = remote.recv::<Message>().await else {
        panic!("a ping")
    };
    tokio::time::sleep(Duration::from_millis(2500)).await;
    remote.send(&Message::Pong(nonce)).await;
    settle().await;
    let s = peer.stats();
    let latency = s.last_ping_latency.expect("latency from the matching pong");
    assert_at(latency, Duration::from_millis(2500));
    assert_eq!(s.last_ping_nonce, None, "the answered ping is no longer outstanding");
}

#[tokio::test(start_paused = true)]
async fn pong_with_a_wrong_nonce_does_not_set_the_latency() {
    let (peer, mut remote) = bitcoin_peer(regtest()).await;
    assert_eq!(peer.push_ping().await, Outcome::Sent);
    let Some(Message::Ping(nonce)) = remote.recv::<Message>().await else {
        panic!("a ping")
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    remote.send(&Message::Pong(nonce ^ 1)).await;
    remote.send(&Message::Pong(0)).await;
    settle().await;
    let s = peer.stats();
    assert_eq!(s.received["pong"].messages, 2, "both pongs were handled");
    assert_eq!(s.last_ping_latency, None, "neither pong answers our ping");
    assert_eq!(s.last_ping_nonce, Some(nonce), "our ping is still outstanding");

    // The right pong, later, still counts from when the ping was written.
    tokio::time::sleep(Duration::from_secs(1)).await;
    remote.send(&Message::Pong(nonce)).await;
    settle().await;
    assert_at(peer.stats().last_ping_latency.expect("latency"), Duration::from_secs(2));
    assert!(peer.is_connected());
}

// ---------------------------------------------------------------------------------------------------------
// Idle timeout
// ---------------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn idle_peer_is_disconnected_after_the_timeout() {
    let (peer, mut remote) = bitcoin_peer(regtest().idle_timeout(Duration::from_secs(90))).await;
    let start = Instant::now();
    let early = tokio::time::timeout(Duration::from_secs(90) - MS, peer.wait_for_disconnect()).await;
    assert!(early.is_err(), "not before the timeout");
    assert!(peer.is_connected());
    peer.wait_for_disconnect().await;
    assert_at(start.elapsed(), Duration::from_secs(90));
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::Idle));
    assert_eq!(peer.running_tasks(), 0);
    assert!(remote.recv::<Message>().await.is_none(), "the stream is closed");
}

#[tokio::test(start_paused = true)]
async fn decred_idle_peer_is_disconnected_after_the_timeout() {
    let config = quiet::<Decred>(Network::DECRED_SIMNET)
        .idle_timeout(Duration::from_secs(30))
        .build();
    let (peer, _remote) = raw_peer(config, 12, 1 << 16).await;
    let start = Instant::now();
    peer.wait_for_disconnect().await;
    assert_at(start.elapsed(), Duration::from_secs(30));
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::Idle));
}

#[tokio::test(start_paused = true)]
async fn every_message_received_restarts_the_idle_timer() {
    let (peer, mut remote) = bitcoin_peer(regtest().idle_timeout(Duration::from_secs(60))).await;
    let start = Instant::now();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(45)).await;
        remote.send(&Message::GetAddr).await;
    }
    settle().await;
    assert!(peer.is_connected(), "135 s without a 60 s silence");
    assert_eq!(peer.stats().received["getaddr"].messages, 3);
    peer.wait_for_disconnect().await;
    assert_at(start.elapsed(), Duration::from_secs(135 + 60));
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::Idle));
}

#[tokio::test(start_paused = true)]
async fn our_own_pings_do_not_keep_a_silent_peer_alive() {
    let (peer, mut remote) = bitcoin_peer(
        regtest()
            .ping_interval(Some(Duration::from_secs(20)))
            .idle_timeout(Duration::from_secs(60)),
    )
    .await;
    let start = Instant::now();
    let mut pings = 0;
    while let Some(m) = remote.recv::<Message>().await {
        assert!(matches!(m, Message::Ping(_)), "{m:?}");
        pings += 1;
    }
    assert_at(start.elapsed(), Duration::from_secs(60));
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::Idle));
    // Pings at 20 s and 40 s; the one due at 60 s races the idle timeout.
    assert!((2..=3).contains(&pings), "{pings} pings");
}

// ---------------------------------------------------------------------------------------------------------
// Handshake timeout
// ---------------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn outbound_handshake_with_a_silent_remote_times_out_after_the_configured_time() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let config = regtest().handshake_timeout(Duration::from_secs(10)).build();
    let start = Instant::now();
    let r = Peer::outbound(config, ours, addr(9), CancellationToken::new()).await;
    assert!(
        matches!(r, Err(ConnectError::Handshake(HandshakeError::Timeout))),
        "{r:?}"
    );
    assert_at(start.elapsed(), Duration::from_secs(10));
    // The remote got our version, then the stream closed.
    assert!(matches!(remote.recv::<Message>().await, Some(Message::Version(_))));
    assert!(remote.recv::<Message>().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn inbound_handshake_without_a_version_times_out_after_the_configured_time() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::DECRED_SIMNET, 12);
    let config = quiet::<Decred>(Network::DECRED_SIMNET)
        .handshake_timeout(Duration::from_secs(7))
        .build();
    let start = Instant::now();
    let r = Peer::inbound(config, ours, addr(9), CancellationToken::new()).await;
    assert!(
        matches!(r, Err(ConnectError::Handshake(HandshakeError::Timeout))),
        "{r:?}"
    );
    assert_at(start.elapsed(), Duration::from_secs(7));
    assert!(remote.recv::<coinpeer_wire::decred::Message>().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn handshake_without_a_verack_times_out_and_the_default_is_30_seconds() {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let mut remote = RawRemote::new(theirs, Network::BITCOIN_REGTEST, 70_016);
    let start = Instant::now();
    let script = async {
        let Some(Message::Version(_)) = remote.recv::<Message>().await else {
            panic!("our version")
        };
        // A version, but never the verack.
        let v = remote.version_message(42);
        remote.send(&Message::Version(v)).await;
    };
    let (r, ()) = tokio::join!(
        Peer::outbound(regtest().build(), ours, addr(9), CancellationToken::new()),
        script
    );
    assert!(
        matches!(r, Err(ConnectError::Handshake(HandshakeError::Timeout))),
        "{r:?}"
    );
    assert_at(start.elapsed(), Duration::from_secs(30));
}

// ---------------------------------------------------------------------------------------------------------
// Write deadline
// ---------------------------------------------------------------------------------------------------------

/// An `inv` of `n` vectors: 24 + 3 + 36 n bytes on the wire for n >= 253.
fn big_inv(n: usize) -> Message {
    Message::Inv(
        (0..n)
            .map(|i| Inventory {
                kind: InvType::TX,
                hash: Hash256([(i % 251) as u8; 32]),
            })
            .collect(),
    )
}

async fn assert_stuck_write_disconnects_after(vectors: usize, deadline: Duration) {
    // A 1 KiB pipe the remote never drains: the write cannot finish.
    let (peer, _remote) = raw_peer(regtest().build(), 70_016, 1024).await;
    let start = Instant::now();
    let outcome = peer.send(big_inv(vectors)).await.await;
    assert_eq!(
        outcome,
        Outcome::Dropped,
        "a write the remote never took is dropped with the peer"
    );
    assert_at(start.elapsed(), deadline);
    peer.wait_for_disconnect().await;
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::SlowReader));
    assert_eq!(peer.queued_bytes(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_write_stuck_for_20_seconds_disconnects_a_slow_reader() {
    // 36 KB: no allowance.
    assert_stuck_write_disconnects_after(1000, Duration::from_secs(20)).await;
}

#[tokio::test(start_paused = true)]
async fn a_large_write_gets_a_second_more_per_256_kib() {
    // 50,000 vectors: 1,800,027 bytes, 6 full 256 KiB blocks.
    assert_stuck_write_disconnects_after(50_000, Duration::from_secs(26)).await;
}
