//! Messages the negotiated version does not have; the byte cap; block heights.

use crate::common::{bitcoin_peer, eventually, outcomes, regtest, resolved_now, simnet, wait_disconnect};
use crate::support::pair;
use crate::support::raw_peer;
use coinpeer_runtime::{DisconnectReason, Outcome, SendFailure, QUEUED_FRAME_OVERHEAD, QUEUED_MESSAGE_OVERHEAD};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::Hash256;
use std::sync::Arc;

#[tokio::test]
async fn a_message_invalid_at_the_negotiated_version_fails_and_the_peer_stays() {
    let (a, b) = pair(regtest().max_protocol_version(70_011).build(), regtest().build()).await;
    assert_eq!(a.protocol_version(), 70_011);
    match a.send(Message::SendHeaders).await.await {
        Outcome::Failed(e) => assert!(e.to_string().contains("sendheaders"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.queued_bytes(), 0);
    assert!(a.is_connected());
    assert_eq!(a.send(Message::GetAddr).await.await, Outcome::Sent);
    eventually("b reads the getaddr", || b.stats().received.contains_key("getaddr")).await;
    assert!(!b.stats().received.contains_key("sendheaders"));
    assert!(!b.wants_headers());
    assert!(a.is_connected() && b.is_connected());

    // Decred: addr no longer exists at 12.
    let (a, b) = pair(simnet().build(), simnet().build()).await;
    assert!(matches!(
        a.send(dcr::Message::Addr(Vec::new())).await.await,
        Outcome::Failed(_)
    ));
    assert_eq!(a.send(dcr::Message::GetAddr).await.await, Outcome::Sent);
    assert!(a.is_connected() && b.is_connected());
}

#[tokio::test]
async fn queued_bytes_exactly_at_the_cap_are_allowed_and_one_more_message_disconnects() {
    // A remote that never reads; nothing gets the writer going between the calls below. Each message counts
    // its 32 bytes and the fixed overhead of a queued message (the state machine's and the runtime's).
    let config = regtest()
        .max_queued_bytes(100 * (32 + QUEUED_MESSAGE_OVERHEAD as u64))
        .build();
    let (peer, _remote) = raw_peer(config, 70_016, 1024).await;
    let handles: Vec<_> = (0..100).map(|i| peer.queue_message(Message::FeeFilter(i))).collect();
    assert_eq!(peer.queued_bytes(), 100 * (32 + QUEUED_MESSAGE_OVERHEAD as u64));
    assert!(peer.is_connected(), "exactly at the cap is allowed");
    let over = peer.queue_message(Message::FeeFilter(100));
    assert_eq!(resolved_now(over).await, Outcome::Dropped);
    assert!(!peer.is_connected());
    // The disconnect releases the queue at once: every queued message is reported dropped.
    assert_eq!(peer.queued_bytes(), 0);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    let (sent, dropped, failed) = outcomes(handles).await;
    assert_eq!(sent + dropped + failed.len(), 100);
    assert_eq!(peer.queued_bytes(), 0);
}

/// A listener that hears nothing in particular: its presence makes the peer keep each queued message
/// for `on_write`.
struct Present;

#[coinpeer_runtime::async_trait]
impl coinpeer_runtime::BitcoinListener for Present {}

#[tokio::test]
async fn with_listeners_the_copy_kept_for_on_write_counts_against_the_cap() {
    // Each message counts its frame (32 bytes and the entry's overhead) twice, the second time for the
    // message kept until the write listeners hear it, and the runtime's bookkeeping for its handle.
    let frame = 32 + QUEUED_FRAME_OVERHEAD as u64;
    let per_message = 2 * frame + (QUEUED_MESSAGE_OVERHEAD - QUEUED_FRAME_OVERHEAD) as u64;
    let config = regtest()
        .listener(Arc::new(Present))
        .max_queued_bytes(50 * per_message)
        .build();
    let (peer, _remote) = raw_peer(config, 70_016, 1024).await;
    let handles: Vec<_> = (0..50).map(|i| peer.queue_message(Message::FeeFilter(i))).collect();
    assert_eq!(peer.queued_bytes(), 50 * per_message);
    assert!(peer.is_connected(), "exactly at the cap is allowed");
    let over = peer.queue_message(Message::FeeFilter(50));
    assert_eq!(resolved_now(over).await, Outcome::Dropped);
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    assert_eq!(peer.queued_bytes(), 0);
    let (sent, dropped, failed) = outcomes(handles).await;
    assert_eq!(sent + dropped + failed.len(), 50);
}

#[tokio::test]
async fn a_message_too_large_for_the_cap_on_its_own_fails_and_the_peer_stays() {
    // 64 KiB of cap; an inv of 1,500 items is 54 KB on the wire: it fits alone, but not with the copy the
    // write listeners keep. Without listeners, one of 2,000 items (72 KB) is too large on its own.
    let big = |n| Message::Inv(vec![Inventory::new(InvType::TX, Hash256([3; 32])); n]);
    for (listener, items) in [(true, 1500), (false, 2000)] {
        let builder = regtest().max_queued_bytes(64 * 1024);
        let config = if listener {
            builder.listener(Arc::new(Present))
        } else {
            builder
        }
        .build();
        let (peer, _remote) = raw_peer(config, 70_016, 1024).await;
        match resolved_now(peer.queue_message(big(items))).await {
            Outcome::Failed(SendFailure::TooLarge { cap: 65536, .. }) => {}
            other => panic!("listener {listener}: {other:?}"),
        }
        assert!(peer.is_connected(), "the remote is not to blame");
        assert_eq!(peer.queued_bytes(), 0);
        assert_eq!(peer.send(Message::GetAddr).await.await, Outcome::Sent);
    }
}

#[tokio::test]
async fn a_remote_that_never_reads_is_cut_off_at_the_queued_bytes_cap() {
    const CAP: u64 = 16 * 1024;
    let config = regtest().max_queued_bytes(CAP).build();
    // The remote stays alive but never reads again: the 1 KiB pipe fills and the writer blocks.
    let (peer, _remote) = raw_peer(config, 70_016, 1024).await;
    let mut handles = Vec::new();
    let mut max_queued = 0;
    for i in 0..100_000 {
        if !peer.is_connected() {
            break;
        }
        handles.push(peer.queue_message(Message::FeeFilter(i)));
        max_queued = max_queued.max(peer.queued_bytes());
        tokio::task::yield_now().await;
    }
    assert!(!peer.is_connected(), "cut off after {} messages", handles.len());
    assert!(max_queued <= CAP, "{max_queued} bytes queued");
    assert!(handles.len() < 1024, "{} messages queued", handles.len());
    assert_eq!(wait_disconnect(&peer).await, DisconnectReason::SlowReader);
    assert_eq!(peer.queued_bytes(), 0, "everything queued was released");
    let (sent, dropped, failed) = outcomes(handles).await;
    assert!(
        sent > 0 && sent * 32 <= 1024,
        "at most a pipe's worth was written: {sent}"
    );
    // The write blocked on the full pipe is interrupted by the disconnect: that message is dropped too, like
    // everything queued behind it.
    assert_eq!(failed, Vec::<coinpeer_runtime::SendFailure>::new());
    assert!(dropped > 0);
}

#[tokio::test]
async fn last_block_height_only_increases() {
    let (a, _b) = pair(regtest().build(), regtest().build()).await;
    a.update_last_block_height(100);
    assert_eq!(a.last_block(), 100);
    a.update_last_block_height(99);
    assert_eq!(a.last_block(), 100, "a lower height is ignored");
    a.update_last_block_height(101);
    assert_eq!(a.last_block(), 101);
    assert_eq!(a.stats().last_block, 101);
    assert_eq!(
        a.starting_height(),
        0,
        "the starting height is the remote's, at the handshake"
    );

    // It starts from the remote's advertised height.
    let (peer, _remote) = bitcoin_peer(70_016).await;
    assert_eq!((peer.starting_height(), peer.last_block()), (7, 7));
    peer.update_last_block_height(6);
    assert_eq!(peer.last_block(), 7);
}
