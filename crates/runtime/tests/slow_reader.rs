//! Slow-reader protection with the default limits: a remote that never reads makes our queue grow to the
//! 40 MiB cap, no further, and is disconnected with `SlowReader`; every queued message still reports its
//! outcome. (The per-write deadline of 20 s + 1 s per 256 KiB is tested in `timers.rs`.)

mod support;

use coinpeer_runtime::{
    Bitcoin, DisconnectReason, Outcome, DEFAULT_MAX_QUEUED_BYTES, QUEUED_FRAME_OVERHEAD, QUEUED_MESSAGE_OVERHEAD,
};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use support::{quiet, raw_peer};

/// An `inv` of 50,000 vectors: 1,800,027 bytes on the wire.
fn big_inv() -> Message {
    Message::Inv(vec![Inventory::new(InvType::TX, Hash256([5; 32])); 50_000])
}
const BIG_INV_LEN: u64 = 24 + 3 + 50_000 * 36;

#[tokio::test(start_paused = true)]
async fn a_remote_that_never_reads_is_disconnected_at_the_queued_bytes_cap() {
    // A 64 KiB pipe the remote never drains.
    let (peer, _remote) = raw_peer(quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(), 70_016, 64 * 1024).await;
    let mut handles = Vec::new();
    let mut most_queued = 0;
    while peer.is_connected() {
        handles.push(peer.queue_message(big_inv()));
        most_queued = most_queued.max(peer.queued_bytes());
        assert!(handles.len() < 100, "the cap never triggered");
    }
    let fit = DEFAULT_MAX_QUEUED_BYTES / (BIG_INV_LEN + QUEUED_MESSAGE_OVERHEAD as u64);
    assert_eq!(
        handles.len() as u64,
        fit + 1,
        "the first message over the cap disconnects"
    );
    assert!(most_queued <= DEFAULT_MAX_QUEUED_BYTES);
    assert!(
        most_queued >= fit * BIG_INV_LEN - BIG_INV_LEN,
        "the queue did fill: {most_queued}"
    );
    peer.wait_for_disconnect().await;
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::SlowReader));
    assert_eq!(peer.queued_bytes(), 0, "everything queued was released");
    let mut dropped = 0;
    for h in handles {
        match h.await {
            Outcome::Dropped => dropped += 1,
            Outcome::Failed(e) => panic!("nothing failed to write, it was cut off: {e}"),
            Outcome::Sent => panic!("the remote read nothing, so nothing this large was sent"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(dropped as u64, fit + 1, "every message reports its outcome");
    // Nothing more is taken in after the disconnect.
    assert_eq!(peer.queue_message(big_inv()).await, Outcome::Dropped);
    assert_eq!(peer.queued_bytes(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_ping_flood_that_never_reads_the_pongs_is_cut_off_at_the_cap() {
    use coinpeer_wire::{encode_frame, EncodeOptions};
    use tokio::io::AsyncWriteExt;
    let (peer, mut remote) = raw_peer(quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(), 70_016, 64 * 1024).await;
    // 200,000 pings (6.4 MB): each queues a 32-byte pong that is never read.
    let mut flood = bytes::BytesMut::new();
    for n in 0..200_000u64 {
        encode_frame(
            &remote.network,
            &Message::Ping(n),
            EncodeOptions::new(70_016),
            &mut flood,
        )
        .unwrap();
    }
    let writer = tokio::spawn(async move {
        // The peer hangs up partway through: the write then fails, as it should.
        let _ = remote.stream.write_all(&flood).await;
        remote
    });
    peer.wait_for_disconnect().await;
    assert_eq!(peer.disconnect_reason(), Some(DisconnectReason::SlowReader));
    // Each pong counts its bytes and the overhead of its queue entry, so the queue held at most `most`; the
    // 64 KiB pipe took 2,048 more before it filled, and a handful were in flight.
    let most = DEFAULT_MAX_QUEUED_BYTES / (32 + QUEUED_FRAME_OVERHEAD as u64);
    let pings = peer.stats().received["ping"].messages;
    assert!(pings <= most + 2048 + 64, "{pings} pings read: the queue kept growing");
    assert!(pings > most / 2, "{pings}: the cap, not something else, ended it");
    assert_eq!(peer.queued_bytes(), 0);
    drop(writer.await);
}
