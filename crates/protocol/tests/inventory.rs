//! Inventory relay through the connection: the trickle, its batches, and what the remote already knows.

mod support;

use coinpeer_protocol::{Bitcoin, MAX_INV_PER_TRICKLE};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred::Message as DcrMessage;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use std::sync::Arc;
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

fn tx(n: u32) -> Inventory {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&n.to_le_bytes());
    Inventory::new(InvType::TX, Hash256(h))
}

fn block(n: u8) -> Inventory {
    Inventory::new(InvType::BLOCK, Hash256([n; 32]))
}

/// The trickle's deadline after queuing at the current instant, as a delay from now.
fn trickle_delay<D: coinpeer_protocol::Dialect>(s: &mut Scripted<D>) -> std::time::Duration {
    s.c.poll_timeout().expect("a trickle deadline") - s.now
}

#[test]
fn queued_inventory_leaves_after_a_random_delay_of_100_to_500_ms() {
    let mut s = Scripted::bitcoin();
    s.at(secs(1));
    assert!(s.c.queue_inventory(tx(1), s.now));
    assert_eq!(s.c.pending_inventory(), 1);
    let delay = trickle_delay(&mut s);
    assert!(delay >= ms(100) && delay < ms(500), "{delay:?}");
    let due = s.now + delay;
    s.run_until(due - std::time::Duration::from_nanos(1));
    assert!(s.written().is_empty(), "not before the delay");
    s.run_until(due);
    assert_eq!(s.written(), [Message::Inv(vec![tx(1)])]);
    assert_eq!(s.c.pending_inventory(), 0);
}

#[test]
fn the_trickle_delay_is_drawn_from_the_seeded_rng_within_its_range() {
    let configs = (Arc::new(config(NET)), Arc::new(config(NET)));
    let delays: Vec<_> = (0..20)
        .map(|seed| {
            let mut p = Pair::<Bitcoin>::with_shared(&configs.0, &configs.1, seed).open();
            p.a.queue_inventory(tx(1), p.now);
            p.a.poll_timeout().unwrap() - p.now
        })
        .collect();
    assert!(delays.iter().all(|d| *d >= ms(100) && *d < ms(500)), "{delays:?}");
    assert!(
        delays.iter().any(|d| *d != delays[0]),
        "the delay varies with the seed: {delays:?}"
    );
    let mut again = Pair::<Bitcoin>::with_shared(&configs.0, &configs.1, 7).open();
    again.a.queue_inventory(tx(1), again.now);
    assert_eq!(
        again.a.poll_timeout().unwrap() - again.now,
        delays[7],
        "the same seed, the same delay"
    );
}

#[test]
fn items_queued_while_a_trickle_waits_leave_with_it() {
    let mut s = Scripted::bitcoin();
    s.c.queue_inventory(tx(1), s.now);
    let due = s.c.poll_timeout().unwrap();
    s.advance(ms(50));
    s.c.queue_inventory(tx(2), s.now);
    assert_eq!(s.c.poll_timeout(), Some(due), "the deadline does not move");
    s.run_until(due);
    assert_eq!(s.written(), [Message::Inv(vec![tx(1), tx(2)])]);
}

#[test]
fn a_trickle_sends_at_most_1000_items_per_inv() {
    let mut s = Scripted::bitcoin();
    for n in 0..2500 {
        assert!(s.c.queue_inventory(tx(n), s.now));
    }
    s.advance(ms(500));
    let sizes: Vec<usize> = s
        .written()
        .into_iter()
        .map(|m| match m {
            Message::Inv(items) => items.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(MAX_INV_PER_TRICKLE, 1000);
    assert_eq!(sizes, [1000, 1000, 500]);
}

#[test]
fn items_the_remote_announced_are_not_announced_back() {
    let mut s = Scripted::bitcoin();
    let witness = Inventory::new(InvType::WITNESS_TX, tx(2).hash);
    s.receive(&Message::Inv(vec![tx(1), witness]));
    assert!(s.c.is_known_inventory(&tx(1), s.now));
    assert!(!s.c.queue_inventory(tx(1), s.now));
    assert!(
        !s.c.queue_inventory(tx(2), s.now),
        "a witness announcement covers the plain one"
    );
    assert_eq!(s.c.pending_inventory(), 0);
    assert_eq!(s.deadline(), Some(secs(120)), "no trickle to wait for");
}

#[test]
fn items_we_announced_are_not_announced_again() {
    let mut s = Scripted::bitcoin();
    s.c.queue_inventory(tx(1), s.now);
    s.advance(ms(500));
    assert_eq!(s.written(), [Message::Inv(vec![tx(1)])]);
    assert!(s.c.is_known_inventory(&tx(1), s.now));
    assert!(!s.c.queue_inventory(tx(1), s.now));
}

#[test]
fn items_added_as_known_are_skipped() {
    let mut s = Scripted::bitcoin();
    assert!(!s.c.is_known_inventory(&tx(1), s.now));
    s.c.add_known_inventory(&tx(1), s.now);
    assert!(s.c.is_known_inventory(&tx(1), s.now));
    assert!(!s.c.queue_inventory(tx(1), s.now));
    assert!(s.c.queue_inventory(tx(2), s.now));
}

#[test]
fn an_item_that_becomes_known_while_it_waits_is_dropped_from_the_trickle() {
    let mut s = Scripted::bitcoin();
    s.c.queue_inventory(tx(1), s.now);
    s.c.queue_inventory(tx(2), s.now);
    s.advance(ms(50));
    s.receive(&Message::Inv(vec![tx(1)]));
    s.advance(ms(500));
    assert_eq!(s.written(), [Message::Inv(vec![tx(2)])]);
}

#[test]
fn block_announcements_skip_the_trickle() {
    let mut s = Scripted::bitcoin();
    s.c.queue_inventory(tx(1), s.now);
    assert!(s.c.queue_inventory(block(1), s.now));
    assert_eq!(
        s.written(),
        [Message::Inv(vec![block(1)])],
        "at once, ahead of the waiting trickle"
    );
    assert_eq!(s.c.pending_inventory(), 1);
    assert!(!s.c.queue_inventory(block(1), s.now), "announced, hence known");
    let witness_block = Inventory::new(InvType::WITNESS_BLOCK, Hash256([2; 32]));
    assert!(s.c.queue_inventory(witness_block, s.now));
    assert_eq!(s.written(), [Message::Inv(vec![witness_block])]);
}

#[test]
fn inventory_queued_during_the_handshake_leaves_once_it_completes() {
    let mut p = Pair::bitcoin();
    let version = p.a.drain_transmit(p.now);
    p.b.handle_input(&version, p.now);
    assert!(p.b.queue_inventory(tx(1), p.now));
    p.now += secs(1);
    p.shuttle();
    assert!(p.b.is_open());
    let due = p.b.poll_timeout().unwrap();
    assert!(due <= p.now, "already due: the trickle waited for the verack");
    p.b.handle_timeout(p.now);
    let sent = decode_all::<Message>(&NET, 70016, &p.b.drain_transmit(p.now));
    assert_eq!(sent, [Message::Inv(vec![tx(1)])]);
}

#[test]
fn decred_trickles_too() {
    let mut s = Scripted::decred();
    assert!(s.c.queue_inventory(tx(1), s.now));
    let delay = trickle_delay(&mut s);
    assert!(delay >= ms(100) && delay < ms(500), "{delay:?}");
    s.advance(delay);
    assert_eq!(s.written(), [DcrMessage::Inv(vec![tx(1)])]);
    assert!(s.c.queue_inventory(block(1), s.now));
    assert_eq!(s.written(), [DcrMessage::Inv(vec![block(1)])]);
}

#[test]
fn nothing_is_queued_once_closed() {
    let mut s = Scripted::bitcoin();
    s.c.queue_inventory(tx(1), s.now);
    s.c.close(s.now);
    assert!(!s.c.queue_inventory(tx(2), s.now));
    assert!(!s.c.queue_inventory(block(1), s.now));
    assert_eq!(s.c.poll_timeout(), None, "no trickle deadline after the close");
}
