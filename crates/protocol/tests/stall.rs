//! Stall detection through the connection: what is awaited, from when, what answers it, and the caps.

mod support;

use coinpeer_protocol::{DisconnectReason, Outcome, StallConfig};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred::{GetInitState, Message as DcrMessage};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory};
use coinpeer_wire::{Command, Hash256, Network};
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

fn stall(command: &'static str) -> DisconnectReason {
    DisconnectReason::Stall {
        command: Command::from_static(command),
    }
}

fn with_stall(stall: Option<StallConfig>) -> Scripted<coinpeer_protocol::Bitcoin> {
    let mut cfg = config(NET);
    cfg.stall = stall;
    Scripted::bitcoin_with(cfg)
}

#[test]
fn a_block_not_delivered_within_30_seconds_stalls_the_connection() {
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks([1]), s.now).unwrap();
    s.flush();
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(30), stall("block"));
}

#[test]
fn a_delivered_block_ends_the_wait() {
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks([1]), s.now).unwrap();
    s.flush();
    s.at(secs(29));
    s.receive(&Message::Block(btc_block(1)));
    assert_eq!(s.c.pending_requests(), 0);
    assert_eq!(s.deadline(), Some(secs(120)), "the next ping, no stall deadline");
    s.at(secs(119));
    assert!(s.c.is_open());
}

#[test]
fn a_slow_but_steady_peer_is_never_cut_and_silence_after_its_last_answer_is() {
    // btcd's rule: sixteen blocks asked for at once, one answered every 20 s. Each answer extends the
    // others, so 320 s of serving is fine, while 30 s of silence is not.
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks(0..16), s.now).unwrap();
    s.flush();
    for n in 0..15 {
        let t = secs(20 * (u64::from(n) + 1));
        s.at(t);
        assert!(s.c.is_open(), "block {n} at {t:?}: {:?}", s.c.disconnect_reason());
        s.receive(&Message::Block(btc_block(n)));
        if let Some(Message::Ping(nonce)) = s.written().pop() {
            s.receive(&Message::Pong(nonce));
        }
    }
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(300 + 30), stall("block"));
}

#[test]
fn a_peer_serving_later_getdatas_while_withholding_an_earlier_block_stalls_at_its_deadline() {
    // Under btcd's plain rule every answer extends every other block, so serving the blocks of later
    // requests would hold block 0 back for as long as the remote liked. Nodes serve each getdata in turn:
    // answers from a later one mean block 0's was served without it.
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks([0]), s.now).unwrap();
    s.c.send(getdata_blocks(1..16), s.now).unwrap();
    s.flush();
    for n in 1..16 {
        s.at(secs(u64::from(n)));
        s.receive(&Message::Block(btc_block(n)));
    }
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(30), stall("block"));
}

#[test]
fn asking_again_for_a_withheld_block_does_not_let_later_getdatas_buy_it_time() {
    // The block asked for again keeps its first request's batch: serving the getdata between the two
    // still skips it.
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks([0]), s.now).unwrap();
    s.c.send(getdata_blocks(1..11), s.now).unwrap();
    s.flush();
    s.at(secs(1));
    s.c.send(getdata_blocks([0]), s.now).unwrap();
    s.flush();
    s.at(secs(25));
    s.receive(&Message::Block(btc_block(1)));
    s.cut_exactly_at(secs(30), stall("block"));
}

#[test]
fn within_one_getdata_withholding_a_block_gains_only_the_time_the_rest_take() {
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks(0..16), s.now).unwrap();
    s.flush();
    for n in 1..16 {
        s.at(secs(u64::from(n)));
        s.receive(&Message::Block(btc_block(n)));
    }
    s.cut_exactly_at(secs(15 + 30), stall("block"));
}

#[test]
fn an_honest_peer_lacking_the_first_block_of_a_getdata_says_so_at_its_end_and_stays() {
    // btcd and dcrd send what they have first and one notfound for the rest after it.
    let mut s = Scripted::bitcoin();
    let Message::GetData(items) = getdata_blocks(0..16) else {
        unreachable!()
    };
    s.c.send(Message::GetData(items.clone()), s.now).unwrap();
    s.flush();
    for n in 1..16 {
        s.at(secs(3 * u64::from(n)));
        s.receive(&Message::Block(btc_block(n)));
    }
    s.at(secs(46));
    s.receive(&Message::NotFound(items[..1].to_vec()));
    assert!(s.c.is_open(), "{:?}", s.c.disconnect_reason());
    assert_eq!(s.c.pending_requests(), 0);
}

#[test]
fn a_block_asked_for_twice_is_answered_for_its_first_request() {
    let mut s = Scripted::bitcoin();
    s.c.send(getdata_blocks([0, 1]), s.now).unwrap();
    s.flush();
    s.at(secs(1));
    s.c.send(getdata_blocks([0]), s.now).unwrap();
    s.flush();
    // Served in order, 25 s a block: block 0 answers the first getdata, and block 1 gets its time from it.
    s.at(secs(25));
    s.receive(&Message::Block(btc_block(0)));
    s.at(secs(50));
    assert!(s.c.is_open(), "{:?}", s.c.disconnect_reason());
    s.receive(&Message::Block(btc_block(1)));
    assert_eq!(s.c.pending_requests(), 0);
}

#[test]
fn deadlines_start_when_the_request_is_written_not_when_it_is_queued() {
    let mut s = Scripted::bitcoin();
    s.hold = true;
    s.c.send(getdata_blocks([1]), s.now).unwrap();
    s.at(secs(25));
    assert_eq!(s.c.pending_requests(), 0, "nothing is awaited before it was asked for");
    s.hold = false;
    s.flush();
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(25 + 30), stall("block"));
}

#[test]
fn a_notfound_answers_the_items_it_lists() {
    let mut s = Scripted::bitcoin();
    let Message::GetData(items) = getdata_blocks([1, 2]) else {
        unreachable!()
    };
    s.c.send(Message::GetData(items.clone()), s.now).unwrap();
    s.flush();
    s.at(secs(10));
    s.receive(&Message::NotFound(items));
    assert_eq!(s.c.pending_requests(), 0);
    s.at(secs(119));
    assert!(s.c.is_open());
}

#[test]
fn a_notfound_for_one_item_counts_as_progress_for_the_rest() {
    let mut s = Scripted::bitcoin();
    let Message::GetData(items) = getdata_blocks([1, 2]) else {
        unreachable!()
    };
    s.c.send(Message::GetData(items.clone()), s.now).unwrap();
    s.flush();
    s.at(secs(10));
    s.receive(&Message::NotFound(items[..1].to_vec()));
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(10 + 30), stall("block"));
}

#[test]
fn transactions_are_awaited_by_txid_and_by_wtxid() {
    let mut s = Scripted::bitcoin();
    let (plain, segwit) = (btc_tx(1, false), btc_tx(2, true));
    assert_ne!(segwit.txid(), segwit.wtxid());
    let items = vec![
        Inventory::new(InvType::TX, plain.txid()),
        Inventory::new(InvType(5), segwit.wtxid()), // MSG_WTX
    ];
    s.c.send(Message::GetData(items), s.now).unwrap();
    s.flush();
    assert_eq!(s.c.pending_requests(), 2);
    s.at(secs(10));
    s.receive(&Message::Tx(plain));
    assert_eq!(s.c.pending_requests(), 1);
    s.receive(&Message::Tx(segwit));
    assert_eq!(s.c.pending_requests(), 0);
    s.at(secs(119));
    assert!(s.c.is_open());
}

#[test]
fn a_transaction_requested_by_wtxid_and_never_sent_stalls_as_tx() {
    let mut s = Scripted::bitcoin();
    let items = vec![Inventory::new(InvType(5), btc_tx(2, true).wtxid())];
    s.c.send(Message::GetData(items), s.now).unwrap();
    s.flush();
    s.at(secs(5));
    // The same transaction's txid is not what was asked for.
    s.receive(&Message::NotFound(vec![Inventory::new(
        InvType::TX,
        btc_tx(2, true).txid(),
    )]));
    s.cut_exactly_at(secs(30), stall("tx"));
}

#[test]
fn getheaders_is_not_tracked_by_default() {
    let mut s = Scripted::bitcoin();
    s.c.send(Message::GetHeaders(BlockLocator::default()), s.now).unwrap();
    s.flush();
    assert_eq!(s.c.pending_requests(), 0);
    assert_eq!(s.deadline(), Some(secs(120)), "the next ping, no stall deadline");
}

#[test]
fn getheaders_is_tracked_for_90_seconds_with_tracking_headers() {
    let mut s = with_stall(Some(StallConfig::tracking_headers()));
    s.c.send(Message::GetHeaders(BlockLocator::default()), s.now).unwrap();
    s.flush();
    assert_eq!(s.c.pending_requests(), 1);
    s.cut_exactly_at(secs(90), stall("headers"));
}

#[test]
fn a_headers_answer_ends_the_headers_wait() {
    let mut s = with_stall(Some(StallConfig::tracking_headers()));
    s.c.send(Message::GetHeaders(BlockLocator::default()), s.now).unwrap();
    s.flush();
    s.at(secs(89));
    s.receive(&Message::Headers(Vec::new()));
    assert_eq!(s.c.pending_requests(), 0);
    s.at(secs(119));
    assert!(s.c.is_open());
}

fn capped(max: usize) -> Scripted<coinpeer_protocol::Bitcoin> {
    let mut stall = StallConfig::default();
    stall.max_outstanding = max;
    with_stall(Some(stall))
}

#[test]
fn requesting_one_item_past_the_outstanding_cap_ends_the_connection() {
    let mut s = capped(10);
    let first = s.c.send(getdata_blocks(0..10), s.now).unwrap();
    assert_eq!(s.written(), [getdata_blocks(0..10)]);
    assert!(s.c.is_open(), "exactly the cap is fine");
    let id = s.c.send(getdata_blocks([10]), s.now).unwrap();
    assert_eq!(
        s.c.disconnect_reason(),
        Some(&DisconnectReason::TooManyRequests { limit: 10 })
    );
    assert!(s.written().is_empty(), "the request over the cap is not sent");
    assert_eq!(outcomes(&s.events()), [(first, Outcome::Sent), (id, Outcome::Dropped)]);
}

#[test]
fn the_cap_counts_requests_still_queued_as_well_as_those_written() {
    let mut s = capped(10);
    s.c.send(getdata_blocks(0..6), s.now).unwrap();
    s.flush();
    s.hold = true;
    s.c.send(getdata_blocks(6..10), s.now).unwrap();
    assert!(s.c.is_open());
    s.c.send(getdata_blocks([10]), s.now).unwrap();
    assert_eq!(
        s.c.disconnect_reason(),
        Some(&DisconnectReason::TooManyRequests { limit: 10 })
    );
}

#[test]
fn answered_items_make_room_under_the_cap() {
    let mut s = capped(10);
    s.c.send(getdata_blocks(0..10), s.now).unwrap();
    s.flush();
    s.receive(&Message::Block(btc_block(0)));
    s.c.send(getdata_blocks([10]), s.now).unwrap();
    s.flush();
    assert!(s.c.is_open(), "{:?}", s.c.disconnect_reason());
    assert_eq!(s.c.pending_requests(), 10);
}

#[test]
fn without_stall_config_nothing_is_tracked() {
    let mut s = with_stall(None);
    s.c.send(getdata_blocks(0..100), s.now).unwrap();
    s.flush();
    assert_eq!(s.c.pending_requests(), 0);
    s.at(secs(119));
    assert!(s.c.is_open());
}

#[test]
fn decred_blocks_and_init_state_stall_at_30_seconds() {
    let mut s = Scripted::decred();
    let block = Inventory::new(InvType::BLOCK, Hash256([3; 32]));
    s.c.send(DcrMessage::GetData(vec![block]), s.now).unwrap();
    s.flush();
    s.cut_exactly_at(secs(30), stall("block"));

    let mut s = Scripted::decred();
    s.at(secs(5));
    s.c.send(
        DcrMessage::GetInitState(GetInitState {
            types: vec!["headblocks".into()],
        }),
        s.now,
    )
    .unwrap();
    s.flush();
    s.cut_exactly_at(secs(35), stall("initstate"));
}

#[test]
fn when_two_kinds_stall_at_once_the_oldest_request_is_named_every_time() {
    // Both deadlines fall at 30 s: the reason must not depend on a hash map's random order.
    let reasons: Vec<_> = (0..16)
        .map(|_| {
            let mut s = Scripted::bitcoin();
            let items = vec![
                Inventory::new(InvType::TX, Hash256([1; 32])),
                Inventory::new(InvType::BLOCK, Hash256([2; 32])),
            ];
            s.c.send(Message::GetData(items), s.now).unwrap();
            s.flush();
            s.at(secs(30));
            s.c.disconnect_reason().cloned()
        })
        .collect();
    assert!(reasons.iter().all(|r| *r == Some(stall("tx"))), "{reasons:?}");
}
