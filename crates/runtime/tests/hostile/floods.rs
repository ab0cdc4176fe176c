//! Floods: pings from a remote that never reads the pongs, a storm of a million inventory items, and many
//! strangers that hold back their verack while they send large messages.

use crate::attacker::{frame, header, raw_frame, version, Attacker};
use crate::harness::{peak_from_here, peak_growth, settled_heap, Lang, Scene, WAIT};
use crate::memory::kib;
use bytes::Bytes;
use coinpeer_handshake::HandshakeMessage;
use coinpeer_protocol::DEFAULT_PRE_HANDSHAKE_BUDGET;
use coinpeer_runtime::{DisconnectReason, ProtocolViolation, QUEUED_FRAME_OVERHEAD};
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{varint, DecodeError, ErrorKind, Hash256};
use std::time::Instant;
use tokio::task::JoinSet;

dialects!(
    a_ping_flood_from_a_peer_that_never_reads,
    an_inventory_storm_of_a_million_items,
    strangers_holding_back_verack_while_sending_large_messages,
);

/// The queued-bytes cap of the listener: 1 MiB rather than the default 40 MiB, so that the flood takes a
/// fraction of a second in a debug build (the default is proven in `slow_reader.rs`).
const QUEUE_CAP: u64 = 1 << 20;

/// Every ping is answered with a pong the remote never reads: once the pongs queued pass the cap, the
/// remote is a slow reader and is cut off; the queue is freed.
async fn a_ping_flood_from_a_peer_that_never_reads<D: Lang>() {
    // A small kernel send buffer on the listener's side too: the queue then fills after a few thousand
    // pings, not after the ~4 MB Linux lets a socket buffer.
    let mut scene = Scene::<D>::start_with_send_buffer(|c| c.max_queued_bytes(QUEUE_CAP), Some(4096)).await;
    let mut a = Attacker::<D>::connect_tiny_window(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 1)).await;
    a.until_verack().await;
    a.send(&D::Message::verack()).await;
    let batch: Vec<u8> = (0..1000u64).flat_map(|n| frame::<D>(&D::ping(n))).collect();
    let from = peak_from_here();
    let start = Instant::now();
    let mut pings = 0;
    while a.write(&batch).await.is_ok() {
        pings += 1000;
        assert!(start.elapsed() < WAIT, "{pings} pings and still connected");
    }
    scene.expect(a.addr, &DisconnectReason::SlowReader).await;
    let grew = peak_growth(from);
    // Each pong holds its 32 bytes and its queue entry's bookkeeping.
    let queued = QUEUE_CAP / (32 + QUEUED_FRAME_OVERHEAD as u64);
    println!(
        "{pings} pings written before the cut ({queued} pongs fill the cap), {:?}, heap peak +{:.1} KiB",
        start.elapsed(),
        kib(grew)
    );
    assert!(
        pings as u64 > queued,
        "cut after {pings} pings: before the cap was reached"
    );
    // The cap counts each pong's bytes and bookkeeping (`QUEUED_FRAME_OVERHEAD`). The heap holds more: the
    // queue's spare capacity (it grows by doubling), and, as the connection closes, the copy of every queued
    // frame's bookkeeping that `SendQueue::drain` collects to report outcomes; plus the events of one 64 KiB
    // read of pings. Measured: 2.5-3.0 MiB.
    assert!(
        grew < 3 * QUEUE_CAP + (512 << 10),
        "the heap grew by {:.1} KiB",
        kib(grew)
    );
    scene.finish().await;
}

/// 20 `inv` of 50,000 items each (the most one may carry): legal, so the remote stays, and what the
/// listener remembers of it is bounded (1000 known items), so the heap comes back down.
///
/// The 50,000 items are the same in each message, so that our side hashes one payload rather than twenty
/// (checksums are most of the time a debug build takes here). To the listener each item is new all the
/// same: its cache of 1000 forgot it 49,000 items before it comes again.
async fn an_inventory_storm_of_a_million_items<D: Lang>() {
    const ITEMS: u32 = 50_000;
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    let from = peak_from_here();
    let start = Instant::now();
    let mut payload = Vec::with_capacity(3 + ITEMS as usize * 36);
    varint::write(&mut payload, ITEMS.into());
    for i in 0..ITEMS {
        payload.extend_from_slice(&InvType::TX.0.to_le_bytes());
        payload.extend_from_slice(&i.to_le_bytes());
        payload.extend_from_slice(&[0x77; 28]);
    }
    let head = header(
        &D::NETWORK,
        "inv",
        payload.len() as u32,
        D::NETWORK.dialect().checksum(&payload),
    );
    for _ in 0..20 {
        a.write(&head).await.unwrap();
        a.write(&payload).await.unwrap();
    }
    a.round_trip().await;
    let grew = peak_growth(from);
    println!(
        "1,000,000 items in {:?}, heap peak +{:.1} KiB",
        start.elapsed(),
        kib(grew)
    );
    // Our payload, the listener's receive buffer (grown by doubling, so up to twice the frame, and a copy
    // while it grows) and the message decoded: about five messages, where holding what the storm sent
    // would take twenty.
    let one = payload.len() as u64;
    assert!(grew < 6 * one, "the heap grew by {:.1} KiB", kib(grew));
    drop(payload);
    let addr = a.addr;
    a.leave().await;
    scene.expect(addr, &DisconnectReason::RemoteClosed).await;
    scene.finish().await;
}

const STRANGERS: usize = 100;
/// What a stranger may make the listener hold before its verack.
const BUDGET: usize = DEFAULT_PRE_HANDSHAKE_BUDGET;

/// 100 strangers send their version, then no verack but: an `inv` of 1000 items (36 KB, held for replay),
/// a 1 MB message of an unknown command (skipped as it arrives) and the header of a 1 MB `block`, which no
/// longer fits in what is left of the budget and is refused from the header. Meanwhile they cost at most the
/// budget each.
async fn strangers_holding_back_verack_while_sending_large_messages<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    // Shared by all strangers, so that our own side holds each once.
    let inv = Bytes::from(frame::<D>(&D::inv(vec![
        Inventory::new(InvType::TX, Hash256([9; 32]));
        1000
    ])));
    let junk = Bytes::from(raw_frame(&D::NETWORK, "junk", &vec![0x5a; 1 << 20]));
    let block = Bytes::copy_from_slice(&header(&D::NETWORK, "block", 1_000_000, [0; 4]));
    let inv_len = inv.len();

    let mut strangers = Vec::new();
    for i in 0..STRANGERS {
        let mut a = Attacker::<D>::connect(scene.addr).await;
        a.send(&version::<D>(D::VERSION, i as u64)).await;
        a.until_verack().await;
        strangers.push(a);
    }
    let idle = settled_heap().await;
    let from = peak_from_here();
    let mut sending = JoinSet::new();
    for mut a in strangers {
        let messages = [inv.clone(), junk.clone(), block.clone()];
        sending.spawn(async move {
            for m in &messages {
                a.write(m).await.unwrap();
            }
            let at = a.sent - messages[2].len() as u64;
            a.until_closed().await;
            (a.addr, at)
        });
    }
    while let Some(sent) = sending.join_next().await {
        let (addr, at) = sent.unwrap();
        let ended = scene.ended(addr).await;
        let DisconnectReason::Protocol(ProtocolViolation::Malformed(DecodeError { command, offset, kind })) =
            ended.reason
        else {
            panic!("a stranger was cut off for {}", ended.reason);
        };
        let ErrorKind::PayloadTooLarge { length, max } = kind else {
            panic!("a stranger was cut off for {kind}");
        };
        assert_eq!(
            (command.unwrap().as_str(), offset, length),
            ("block", at + 16, 1_000_000)
        );
        assert!(max < (BUDGET - inv_len) as u64, "the block was allowed {max} bytes");
    }
    let grew = peak_growth(from) + from.saturating_sub(idle);
    println!(
        "{STRANGERS} strangers: heap peak +{:.1} KiB above them idle, budget {} KiB each",
        kib(grew),
        BUDGET / 1024
    );
    assert!(grew < (STRANGERS * BUDGET) as u64, "{:.1} KiB", kib(grew));
    drop((inv, junk, block));
    scene.finish().await;
}
