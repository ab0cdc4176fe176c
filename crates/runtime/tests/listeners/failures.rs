//! Panics, refusal: a listener that panics, refuses the remote's version or waits for its own disconnect affects
//! only the peer concerned, and never holds shutdown up.

use crate::common::{handshake_calls, settle};
use crate::recorder::Recorder;
use crate::samples::inventory;
use crate::support::{addr, pair, quiet};
use crate::WAIT;
use coinpeer_handshake::HandshakeError;
use coinpeer_runtime::{
    Bitcoin, BitcoinListener, CancellationToken, ConnectError, Decred, DecredListener, Dialect, DisconnectReason,
    Outcome, Peer, PeerConfig,
};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::messages::{Inventory, VersionMessage};
use coinpeer_wire::{DecodeError, Network};
use std::sync::Arc;
use std::time::Duration;

/// Panics in the listener method named `at`.
struct Panics {
    at: &'static str,
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Panics {
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _msg: &Vec<Inventory>) {
        if self.at == "on_inv" {
            panic!("listener boom in on_inv");
        }
    }
    async fn on_write(&self, _peer: &Peer<Bitcoin>, _bytes: usize, _msg: &btc::Message, _err: Option<&str>) {
        if self.at == "on_write" {
            panic!("listener boom in on_write");
        }
    }
    async fn on_read(
        &self,
        _peer: &Peer<Bitcoin>,
        _bytes: usize,
        msg: Option<&btc::Message>,
        _err: Option<&DecodeError>,
    ) {
        if self.at == "on_read" && matches!(msg, Some(btc::Message::FeeFilter(_))) {
            panic!("listener boom in on_read");
        }
    }
}

/// Starts a pair whose inbound side has a listener panicking in method `at`, followed by a recorder, plus a
/// healthy pair; makes the listener panic and checks that only its peer went down.
async fn assert_panic_disconnects_only_its_peer(at: &'static str) {
    let cfg = || quiet::<Bitcoin>(Network::BITCOIN_REGTEST);
    let sick_rec = Recorder::new();
    let (a1, b1) = pair(
        cfg().build(),
        cfg()
            .listener(Arc::new(Panics { at }))
            .listener(sick_rec.clone())
            .build(),
    )
    .await;
    let healthy_rec = Recorder::new();
    let (a2, b2) = pair(cfg().build(), cfg().listener(healthy_rec.clone()).build()).await;
    settle(&healthy_rec, handshake_calls::<Bitcoin>()).await;
    settle(&sick_rec, handshake_calls::<Bitcoin>()).await;

    match at {
        "on_write" => {
            // The panicking peer writes; the message itself was written before its hooks ran.
            assert_eq!(b1.send(btc::Message::GetAddr).await.await, Outcome::Sent);
        }
        "on_read" => assert_eq!(a1.send(btc::Message::FeeFilter(1)).await.await, Outcome::Sent),
        _ => assert_eq!(a1.send(btc::Message::Inv(inventory())).await.await, Outcome::Sent),
    }
    tokio::time::timeout(WAIT, b1.wait_for_disconnect())
        .await
        .unwrap_or_else(|_| panic!("a panic in {at} must disconnect its peer"));
    match b1.disconnect_reason() {
        Some(DisconnectReason::ListenerPanic(m)) => assert_eq!(m, format!("listener boom in {at}")),
        other => panic!("{other:?}"),
    }
    assert_eq!(b1.running_tasks(), 0);
    if at != "on_write" {
        assert!(
            sick_rec.calls().is_empty(),
            "listeners after the panicking one are not called"
        );
    }
    tokio::time::timeout(WAIT, a1.wait_for_disconnect()).await.unwrap();
    assert_eq!(a1.disconnect_reason(), Some(DisconnectReason::RemoteClosed));

    // The other pair, on the same runtime, goes on.
    assert!(a2.is_connected() && b2.is_connected());
    assert_eq!(a2.send(btc::Message::Inv(inventory())).await.await, Outcome::Sent);
    assert_eq!(b2.send(btc::Message::GetAddr).await.await, Outcome::Sent);
    assert_eq!(healthy_rec.wait_calls(1).await, ["on_inv"]);
    assert!(a2.is_connected() && b2.is_connected());
}

#[tokio::test]
async fn a_panicking_message_listener_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_inv").await;
}

#[tokio::test]
async fn a_panicking_read_hook_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_read").await;
}

#[tokio::test]
async fn a_panicking_write_hook_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_write").await;
}

/// Refuses every remote in `on_version`.
struct Refuses;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Refuses {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, msg: &VersionMessage) -> Result<(), String> {
        Err(format!("no thanks, {}", msg.user_agent))
    }
}

#[coinpeer_runtime::async_trait]
impl DecredListener for Refuses {
    async fn on_version(&self, _peer: &Peer<Decred>, msg: &VersionMessage) -> Result<(), String> {
        Err(format!("no thanks, {}", msg.user_agent))
    }
}

/// Runs a handshake between `out` and `inb` and returns both results.
async fn try_pair<D: Dialect>(
    out: PeerConfig<D>,
    inb: PeerConfig<D>,
) -> (Result<Peer<D>, ConnectError>, Result<Peer<D>, ConnectError>) {
    let (s1, s2) = tokio::io::duplex(1 << 16);
    let (o, i) = tokio::join!(
        Peer::outbound(out, s1, addr(1), CancellationToken::new()),
        Peer::inbound(inb, s2, addr(2), CancellationToken::new()),
    );
    (o, i)
}

#[tokio::test]
async fn on_version_returning_err_refuses_the_peer_on_that_side() {
    // The inbound side refuses.
    let (o, i) = try_pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(Arc::new(Refuses))
            .build(),
    )
    .await;
    match i {
        Err(ConnectError::Handshake(HandshakeError::Refused(reason))) => {
            assert!(reason.starts_with("no thanks, /"), "the listener's reason: {reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(o.is_err(), "the refused side does not get a peer either: {o:?}");

    // The outbound side refuses.
    let (o, i) = try_pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(Arc::new(Refuses))
            .build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
    )
    .await;
    assert!(
        matches!(&o, Err(ConnectError::Handshake(HandshakeError::Refused(r))) if r.starts_with("no thanks")),
        "{o:?}"
    );
    assert!(i.is_err(), "{i:?}");

    // Decred, inbound refusing.
    let (o, i) = try_pair(
        quiet::<Decred>(Network::DECRED_SIMNET).build(),
        quiet::<Decred>(Network::DECRED_SIMNET)
            .listener(Arc::new(Refuses))
            .build(),
    )
    .await;
    assert!(
        matches!(&i, Err(ConnectError::Handshake(HandshakeError::Refused(r))) if r.starts_with("no thanks")),
        "{i:?}"
    );
    assert!(o.is_err(), "{o:?}");
}

/// Waits, inside its own `on_ping`, for its own peer to disconnect: legal, and it must not hold shutdown up.
struct AwaitsOwnDisconnect;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for AwaitsOwnDisconnect {
    async fn on_ping(&self, peer: &Peer<Bitcoin>, _nonce: &u64) {
        peer.wait_for_disconnect().await;
    }
}

#[tokio::test]
async fn a_listener_awaiting_its_own_disconnect_does_not_block_shutdown() {
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
        .listener(Arc::new(AwaitsOwnDisconnect))
        .build();
    let (a, b) = pair(quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(), cfg).await;
    assert_eq!(a.push_ping().await, coinpeer_runtime::Outcome::Sent);
    // Let the listener start waiting, then disconnect from outside.
    for _ in 0..100 {
        if b.stats().received.contains_key("ping") {
            break;
        }
        tokio::task::yield_now().await;
    }
    b.disconnect();
    tokio::time::timeout(Duration::from_secs(5), b.wait_for_disconnect())
        .await
        .expect("shutdown is not held up");
    assert_eq!(b.running_tasks(), 0);
    assert_eq!(b.disconnect_reason(), Some(DisconnectReason::LocalRequest));
}

struct PanicsOnVersion;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for PanicsOnVersion {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, _msg: &VersionMessage) -> Result<(), String> {
        panic!("version boom")
    }
}

#[tokio::test]
async fn a_panic_in_on_version_is_a_typed_handshake_failure() {
    let (x, y) = tokio::io::duplex(1 << 16);
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
        .listener(Arc::new(PanicsOnVersion))
        .build();
    let (out, inb) = tokio::join!(
        Peer::outbound(cfg, x, addr(1), CancellationToken::new()),
        Peer::inbound(
            quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
            y,
            addr(2),
            CancellationToken::new()
        ),
    );
    assert!(matches!(out, Err(ConnectError::ListenerPanic(m)) if m.contains("version boom")));
    assert!(inb.is_err(), "the remote sees the connection close");
}
