//! Handshake-only messages after the handshake: each disconnects as a duplicate, with no listener method called.

use crate::common::{btc_listener, dcr_listener, handshake_calls, recorded_pair};
use crate::recorder::Recorder;
use crate::samples::version_message;
use crate::support::quiet;
use crate::WAIT;
use coinpeer_runtime::{Bitcoin, Decred, Dialect, DisconnectReason, Outcome, ProtocolViolation};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::{Network, WireMessage};
use std::sync::Arc;

async fn assert_late_handshake_message_disconnects<D: Dialect>(
    network: Network,
    msg: D::Message,
    as_listener: fn(Arc<Recorder>) -> Arc<D::Listener>,
    expect_reject: bool,
) {
    let command = msg.command();
    let (a, b, rec, sender_rec) = recorded_pair::<D>(
        quiet(network.clone()),
        quiet(network),
        as_listener,
        handshake_calls::<D>(),
    )
    .await;
    assert_eq!(a.send(msg).await.await, Outcome::Sent, "{command}");
    tokio::time::timeout(WAIT, b.wait_for_disconnect())
        .await
        .expect("disconnects");
    assert_eq!(
        b.disconnect_reason(),
        Some(DisconnectReason::Protocol(ProtocolViolation::Duplicate(command))),
    );
    assert!(
        rec.calls().is_empty(),
        "no listener method for a late {command}: {:?}",
        rec.calls()
    );
    // The message that breaks the protocol ends the peer in the state machine, before any hook hears of it.
    assert_eq!(rec.io().reads, 0, "no hook runs for it");
    tokio::time::timeout(WAIT, a.wait_for_disconnect())
        .await
        .expect("the sender sees the close");
    assert_eq!(a.disconnect_reason(), Some(DisconnectReason::RemoteClosed));
    let got = sender_rec.calls();
    if expect_reject {
        assert_eq!(got, ["on_reject"], "a duplicate reject comes before the close");
    } else {
        assert!(got.is_empty(), "{got:?}");
    }
}

#[tokio::test]
async fn bitcoin_handshake_messages_after_the_handshake_disconnect_as_duplicates() {
    for msg in [
        btc::Message::Version(version_message(70_016)),
        btc::Message::Verack,
        btc::Message::SendAddrV2,
        btc::Message::WtxidRelay,
    ] {
        assert_late_handshake_message_disconnects::<Bitcoin>(Network::BITCOIN_REGTEST, msg, btc_listener, true).await;
    }
}

#[tokio::test]
async fn decred_handshake_messages_after_the_handshake_disconnect_as_duplicates() {
    for msg in [dcr::Message::Version(version_message(12)), dcr::Message::Verack] {
        assert_late_handshake_message_disconnects::<Decred>(Network::DECRED_SIMNET, msg, dcr_listener, false).await;
    }
}
