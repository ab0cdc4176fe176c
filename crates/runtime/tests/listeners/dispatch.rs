//! Every message type reaches its listener: each message of each dialect reaches exactly its own listener
//! method, `on_block` with the payload it was decoded from, and unknown commands `on_unknown`.

use crate::common::{assert_covers, btc_listener, check_table, dcr_listener, handshake_calls, recorded_pair};
use crate::recorder::{BITCOIN_METHODS, DECRED_METHODS};
use crate::samples::{bitcoin_table, btc_block, dcr_block, decred_table, hash, payload_of, timed_addr};
use crate::support::quiet;
use bytes::Bytes;
use coinpeer_runtime::{Bitcoin, Decred, Outcome};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{Command, Network};

#[tokio::test]
async fn every_bitcoin_message_type_reaches_exactly_its_listener_method() {
    let table = bitcoin_table();
    let names: Vec<_> = table.iter().map(|(_, n)| *n).collect();
    assert_covers(
        &names,
        &["on_version", "on_verack", "on_send_addr_v2", "on_wtxid_relay"],
        BITCOIN_METHODS,
    );
    // The receiver offers bloom filtering, so the BIP37 messages and `mempool` in the table are allowed.
    let (a, b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST).services(ServiceFlags::NETWORK | ServiceFlags::BTC_BLOOM),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    assert_eq!(b.protocol_version(), 70_016);
    check_table(&a, &b, &rec, table).await;
}

#[tokio::test]
async fn every_decred_message_type_reaches_exactly_its_listener_method() {
    let table = decred_table();
    let names: Vec<_> = table.iter().map(|(_, n)| *n).collect();
    // addr and reject are checked at the older versions that still have them, verack only in the handshake.
    assert_covers(
        &names,
        &["on_version", "on_verack", "on_addr", "on_reject"],
        DECRED_METHODS,
    );
    let (a, b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    assert_eq!(b.protocol_version(), 12);
    check_table(&a, &b, &rec, table).await;
}

#[tokio::test]
async fn bitcoin_handshake_announcements_reach_their_listeners_once_the_peer_runs() {
    let cfg = || quiet::<Bitcoin>(Network::BITCOIN_REGTEST).wtxid_relay(true);
    let all = ["on_version", "on_send_addr_v2", "on_wtxid_relay", "on_verack"];
    let (a, b, _, _) = recorded_pair(cfg(), cfg(), btc_listener, &all).await;
    assert!(a.features().wtxid_relay && b.features().wtxid_relay);
    // Below 70016 neither feature is announced: only the version and the verack are heard.
    let cfg = || {
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .wtxid_relay(true)
            .max_protocol_version(70_015)
    };
    recorded_pair(cfg(), cfg(), btc_listener, &["on_version", "on_verack"]).await;
}

#[tokio::test]
async fn decred_addr_reaches_its_listener_below_protocol_12() {
    let cfg = || quiet::<Decred>(Network::DECRED_SIMNET).max_protocol_version(11);
    let (a, b, rec, _) = recorded_pair(cfg(), cfg(), dcr_listener, handshake_calls::<Decred>()).await;
    assert_eq!(b.protocol_version(), 11);
    check_table(&a, &b, &rec, vec![(dcr::Message::Addr(timed_addr()), "on_addr")]).await;
}

#[tokio::test]
async fn decred_reject_reaches_its_listener_below_protocol_9() {
    let cfg = || {
        quiet::<Decred>(Network::DECRED_SIMNET)
            .max_protocol_version(8)
            .min_protocol_version(8)
    };
    let (a, b, rec, _) = recorded_pair(cfg(), cfg(), dcr_listener, handshake_calls::<Decred>()).await;
    assert_eq!(b.protocol_version(), 8);
    let reject = dcr::Message::Reject(dcr::Reject {
        message: "tx".into(),
        code: btc::RejectCode::INVALID,
        reason: "bad".into(),
        hash: hash(60),
    });
    check_table(&a, &b, &rec, vec![(reject, "on_reject")]).await;
}

#[tokio::test]
async fn bitcoin_on_block_gets_the_payload_bytes_it_was_decoded_from() {
    let (a, _b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    let msg = btc::Message::Block(btc_block());
    let expected = payload_of(&msg, 70_016);
    assert_eq!(a.send(msg).await.await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_block"]);
    let raw = rec.raw_block.lock().unwrap().clone().expect("raw payload");
    assert_eq!(&raw[..], &expected[..]);
    assert_eq!(rec.bitcoin_block.lock().unwrap().as_ref(), Some(&btc_block()));
}

#[tokio::test]
async fn decred_on_block_gets_the_payload_bytes_it_was_decoded_from() {
    let (a, _b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    let msg = dcr::Message::Block(dcr_block());
    let expected = payload_of(&msg, 12);
    assert_eq!(a.send(msg).await.await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_block"]);
    let raw = rec.raw_block.lock().unwrap().clone().expect("raw payload");
    assert_eq!(&raw[..], &expected[..]);
    assert_eq!(rec.decred_block.lock().unwrap().as_ref(), Some(&dcr_block()));
}

#[tokio::test]
async fn unknown_commands_reach_on_unknown_with_their_payload_and_keep_the_peer() {
    let (a, b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    let payload = Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]);
    let msg = btc::Message::Unknown {
        command: Command::from_static("protoconf"),
        payload: payload.clone(),
    };
    assert_eq!(a.send(msg).await.await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_unknown"]);
    assert_eq!(
        *rec.unknown.lock().unwrap(),
        Some((Command::from_static("protoconf"), payload))
    );
    assert!(b.is_connected());

    let (a, b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    let msg = dcr::Message::Unknown {
        command: Command::from_static("getinitstat2"),
        payload: Bytes::new(),
    };
    assert_eq!(a.send(msg).await.await, Outcome::Sent);
    assert_eq!(a.send(dcr::Message::GetAddr).await.await, Outcome::Sent);
    assert_eq!(rec.wait_calls(2).await, ["on_unknown", "on_get_addr"]);
    assert!(
        b.is_connected(),
        "Decred follows Bitcoin here: an unknown command is not a disconnect"
    );
}
