//! Determinism and invariants: the same seeds and inputs give the same bytes and events, and arbitrary
//! input, time and sends never break the connection's promises.

mod support;

use coinpeer_protocol::{Bitcoin, Connection, Decred, Dialect, Direction, Event, SendId, StallConfig};
use coinpeer_wire::bitcoin::{Message, SendCmpct};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, NetAddress, TimedNetAddress};
use coinpeer_wire::{Command, Frame, FrameDecoder, Hash256, Network};
use proptest::prelude::*;
use std::collections::HashMap;
use std::io::{self, IoSlice};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

/// What a run produced: the bytes each side wrote, and every event, in order.
#[derive(Debug, PartialEq, Eq)]
struct Transcript {
    a_to_b: Vec<u8>,
    b_to_a: Vec<u8>,
    events: Vec<String>,
}

fn record<D: Dialect>(p: &mut Pair<D>, t: &mut Transcript) {
    loop {
        let to_b = p.a.drain_transmit(p.now);
        let to_a = p.b.drain_transmit(p.now);
        if to_a.is_empty() && to_b.is_empty() {
            break;
        }
        t.a_to_b.extend_from_slice(&to_b);
        t.b_to_a.extend_from_slice(&to_a);
        p.b.handle_input(&to_b, p.now);
        p.a.handle_input(&to_a, p.now);
    }
    t.events.extend(events(&mut p.a).iter().map(|e| format!("a {e:?}")));
    t.events.extend(events(&mut p.b).iter().map(|e| format!("b {e:?}")));
}

fn tx(n: u32) -> Inventory {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&n.to_le_bytes());
    Inventory::new(InvType::TX, Hash256(h))
}

/// A scripted exchange: handshake, requests, trickled inventory, then ten minutes of keep-alive with both
/// sides' timers run at each deadline either asks for.
fn exchange<D: Dialect>(network: Network, seed: u64) -> Transcript {
    let configs = (Arc::new(config(network.clone())), Arc::new(config(network)));
    let mut p = Pair::<D>::with_shared(&configs.0, &configs.1, seed);
    let start = p.now;
    let mut t = Transcript {
        a_to_b: Vec::new(),
        b_to_a: Vec::new(),
        events: Vec::new(),
    };
    record(&mut p, &mut t);
    p.a.send(D::get_headers(BlockLocator::default()), p.now).unwrap();
    p.a.send(D::get_blocks(BlockLocator::default()), p.now).unwrap();
    for n in 0..50 {
        p.a.queue_inventory(tx(n), p.now);
        p.b.queue_inventory(tx(n + 25), p.now);
    }
    p.b.queue_inventory(Inventory::new(InvType::BLOCK, Hash256([1; 32])), p.now);
    record(&mut p, &mut t);
    while let Some(next) = [p.a.poll_timeout(), p.b.poll_timeout()].into_iter().flatten().min() {
        if next > start + Duration::from_secs(600) {
            break;
        }
        p.now = p.now.max(next);
        p.a.handle_timeout(p.now);
        p.b.handle_timeout(p.now);
        record(&mut p, &mut t);
    }
    assert!(
        p.a.is_open() && p.b.is_open(),
        "{:?} {:?}",
        p.a.disconnect_reason(),
        p.b.disconnect_reason()
    );
    t
}

#[test]
fn the_same_seeds_and_inputs_give_byte_identical_output_and_identical_events() {
    let first = exchange::<Bitcoin>(NET, 1);
    assert!(first.events.iter().any(|e| e.contains("Connected")), "the script ran");
    assert!(first.a_to_b.len() > 1000 && first.b_to_a.len() > 1000);
    assert_eq!(first, exchange::<Bitcoin>(NET, 1));
    assert_ne!(
        first.a_to_b,
        exchange::<Bitcoin>(NET, 2).a_to_b,
        "the seed drives nonces and delays"
    );
}

#[test]
fn decred_runs_are_deterministic_too() {
    let first = exchange::<Decred>(Network::DECRED_SIMNET, 3);
    assert_eq!(first, exchange::<Decred>(Network::DECRED_SIMNET, 3));
}

/// The frames a remote at 70016 sends to complete a handshake: its version, then sendaddrv2 and verack.
fn remote_handshake() -> [Vec<u8>; 2] {
    let mut remote: Connection<Bitcoin> = connection(config(NET), Direction::Outbound, Instant::now(), 99);
    let version = remote.drain_transmit(Instant::now());
    let rest = [
        frame(&NET, &Message::SendAddrV2, 70016),
        frame(&NET, &Message::Verack, 70016),
    ]
    .concat();
    [version, rest]
}

/// Picks of [`remote_frame`] that complete the handshake.
const VERSION: u8 = 12;
const VERACK: u8 = 13;

/// What the remote may put on the wire: picks below 12 are harmless once the connection is open (unless
/// unknown commands are strict), the rest break the protocol.
fn remote_frame(pick: u8, n: u32) -> Vec<u8> {
    let addr = TimedNetAddress {
        time: 0,
        addr: NetAddress::unspecified(Default::default()),
    };
    let msg = match pick {
        0 => Message::Ping(u64::from(n)),
        1 => Message::Pong(u64::from(n)),
        2 => Message::Inv((0..n % 40).map(tx).collect()),
        3 => Message::Block(btc_block(n % 8)),
        4 => match getdata_blocks(0..n % 8) {
            Message::GetData(items) => Message::NotFound(items),
            _ => unreachable!(),
        },
        5 => Message::Tx(btc_tx(n % 8, n % 2 == 0)),
        6 => Message::Unknown {
            command: Command::from_static("zzz"),
            payload: vec![7u8; (n % 9000) as usize].into(),
        },
        7 => Message::FeeFilter(i64::from(n % 10_000)),
        8 => Message::SendHeaders,
        9 => Message::Headers(Vec::new()),
        10 => Message::Addr(vec![addr; (n % 100) as usize]),
        11 => Message::GetAddr,
        VERSION | VERACK => return remote_handshake()[usize::from(pick - VERSION)].clone(),
        14 => {
            let mut bad = frame(&NET, &Message::Ping(1), 70016);
            bad[21] ^= 1;
            return bad;
        }
        _ => Message::FeeFilter(-1 - i64::from(n % 10)),
    };
    frame(&NET, &msg, 70016)
}

/// What we may send.
fn our_message(pick: u8, n: u32) -> Message {
    match pick % 8 {
        0 => Message::GetAddr,
        1 => getdata_blocks(0..n % 12),
        2 => Message::GetHeaders(BlockLocator::default()),
        3 => Message::Ping(u64::from(n) + 1),
        4 => Message::Inv((0..n % 30).map(tx).collect()),
        5 => Message::Tx(btc_tx(n, true)),
        6 => Message::SendCmpct(SendCmpct {
            announce: true,
            version: 2,
        }),
        _ => {
            let mut big = btc_tx(n, false);
            big.outputs[0].script_pubkey = vec![0u8; 2000].into();
            Message::Tx(big)
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// The remote puts a frame on the wire (delivered by later `Deliver`s).
    Remote(u8, u32),
    /// The remote puts `n` pings on the wire.
    Pings(u32),
    /// The next `n` bytes of what the remote put on the wire arrive.
    Deliver(usize),
    /// Arbitrary bytes arrive.
    Garbage(Vec<u8>),
    /// The clock jumps (milliseconds) and the timers run.
    Advance(u32),
    Send(u8, u32),
    /// The last frame received is forwarded.
    Forward,
    /// The transport takes up to `n` bytes of a vectored write.
    Transmit(usize),
    QueueInventory(u32, bool),
    Pause,
    Resume,
    Eof,
    IoError,
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (0u8..12, any::<u32>()).prop_map(|(p, n)| Op::Remote(p, n)),
        1 => (12u8..16, any::<u32>()).prop_map(|(p, n)| Op::Remote(p, n)),
        2 => (1u32..60).prop_map(Op::Pings),
        25 => (1usize..3000).prop_map(Op::Deliver),
        1 => proptest::collection::vec(any::<u8>(), 1..40).prop_map(Op::Garbage),
        10 => (0u32..5_000).prop_map(Op::Advance),
        2 => (0u32..400_000).prop_map(Op::Advance),
        15 => (any::<u8>(), any::<u32>()).prop_map(|(p, n)| Op::Send(p, n)),
        3 => Just(Op::Forward),
        15 => (0usize..5000).prop_map(Op::Transmit),
        5 => (any::<u32>(), any::<bool>()).prop_map(|(n, b)| Op::QueueInventory(n, b)),
        1 => Just(Op::Pause),
        2 => Just(Op::Resume),
        1 => prop_oneof![Just(Op::Eof), Just(Op::IoError), Just(Op::Close)],
    ]
}

/// A handshake most of the time, so that most runs get to the open connection, then anything.
fn script() -> impl Strategy<Value = Vec<Op>> {
    let start = prop_oneof![
        1 => Just(vec![]),
        1 => Just(vec![Op::Remote(VERSION, 0)]),
        6 => Just(vec![Op::Remote(VERSION, 0), Op::Remote(VERACK, 0), Op::Deliver(2000)]),
    ];
    (start, proptest::collection::vec(op(), 0..120)).prop_map(|(mut s, ops)| {
        s.extend(ops);
        s
    })
}

/// Runs `ops` on a fresh inbound connection, checking the invariants after each step; returns what it wrote
/// and every event.
fn run(ops: &[Op], strict: bool) -> Result<(Vec<u8>, Vec<String>), TestCaseError> {
    let mut cfg = config(NET);
    cfg.max_queued_bytes = 6 * 1024;
    cfg.send_buffer = 3 * 1024;
    cfg.pre_handshake_budget = 4 * 1024;
    cfg.strict_unknown_commands = strict;
    let mut stall = StallConfig::tracking_headers();
    stall.max_outstanding = 40;
    cfg.stall = Some(stall);
    let (max_queued, budget) = (cfg.max_queued_bytes, cfg.pre_handshake_budget);
    let mut now = Instant::now();
    let mut c: Connection<Bitcoin> = connection(cfg, Direction::Inbound, now, 5);
    let (mut wire, mut out, mut all) = (Vec::<u8>::new(), Vec::new(), Vec::new());
    let mut ids: HashMap<SendId, usize> = HashMap::new();
    let mut last_frame: Option<Frame> = None;
    let collect = |c: &mut Connection<Bitcoin>, all: &mut Vec<Event<Message>>, last: &mut Option<Frame>| {
        for e in events(c) {
            if let Event::Message { frame, .. } = &e {
                *last = Some(frame.clone());
            }
            all.push(e);
        }
    };
    for op in ops {
        let mut chunk = 0;
        match op {
            Op::Remote(pick, n) => wire.extend(remote_frame(*pick, *n)),
            Op::Pings(n) => (0..*n).for_each(|i| wire.extend(remote_frame(0, i))),
            Op::Deliver(n) => {
                let bytes: Vec<u8> = wire.drain(..(*n).min(wire.len())).collect();
                chunk = bytes.len();
                c.handle_input(&bytes, now);
            }
            Op::Garbage(bytes) => {
                chunk = bytes.len();
                c.handle_input(bytes, now);
            }
            Op::Advance(ms) => {
                now += Duration::from_millis(u64::from(*ms));
                c.handle_timeout(now);
            }
            Op::Send(pick, n) => {
                if let Ok(id) = c.send(our_message(*pick, *n), now) {
                    prop_assert!(ids.insert(id, 0).is_none(), "{id:?} given twice");
                }
            }
            Op::Forward => {
                if let Some(Ok(id)) = last_frame.as_ref().map(|f| c.send_frame(f, now)) {
                    prop_assert!(ids.insert(id, 0).is_none(), "{id:?} given twice");
                }
            }
            Op::Transmit(n) => {
                let mut slices = [IoSlice::new(&[]); 8];
                let k = c.transmit_slices(now, &mut slices);
                let offer: Vec<u8> = slices[..k].iter().flat_map(|s| s.iter().copied()).collect();
                let take = (*n).min(offer.len());
                out.extend_from_slice(&offer[..take]);
                c.transmitted(take, now);
            }
            Op::QueueInventory(n, block) => {
                let kind = if *block { InvType::BLOCK } else { InvType::TX };
                c.queue_inventory(Inventory::new(kind, tx(*n).hash), now);
            }
            Op::Pause => c.pause_input(now),
            Op::Resume => c.resume_input(now),
            Op::Eof => c.handle_eof(now),
            Op::IoError => c.handle_io_error(io::ErrorKind::ConnectionReset, now),
            Op::Close => c.close(now),
        }
        collect(&mut c, &mut all, &mut last_frame);
        prop_assert!(
            c.queued_memory() <= max_queued,
            "{} queued after {op:?}",
            c.queued_memory()
        );
        if c.session().is_none() {
            prop_assert!(
                c.buffered_input() <= budget + chunk,
                "{} bytes buffered before the verack after {op:?}",
                c.buffered_input()
            );
        }
    }
    // Close, let the final messages leave, and drain.
    c.close(now);
    out.extend(c.drain_transmit(now));
    c.handle_timeout(now + Duration::from_secs(3600));
    collect(&mut c, &mut all, &mut last_frame);
    prop_assert!(c.is_closed(), "{c:?}");
    prop_assert_eq!(c.poll_timeout(), None);
    for e in &all {
        if let Event::Outcome { id, .. } = e {
            let seen = ids.get_mut(id);
            prop_assert!(seen.is_some(), "an outcome for {id:?}, never returned by send");
            *seen.unwrap() += 1;
        }
    }
    for (id, n) in &ids {
        prop_assert_eq!(*n, 1, "{:?} reported {} times", id, n);
    }
    // What was written is a stream in step: whole frames that decode, then at most a frame cut short by
    // the end of the connection.
    let mut written = FrameDecoder::new(NET, 70016);
    written.extend_from_slice(&out);
    while let Some(f) = written
        .next_frame()
        .map_err(|e| TestCaseError::fail(format!("written: {e}")))?
    {
        prop_assert!(f.decode::<Message>(70016).is_ok(), "{f:?}");
    }
    let ends = all.iter().filter(|e| matches!(e, Event::Disconnected(_))).count();
    prop_assert_eq!(ends, 1);
    prop_assert!(matches!(all.last(), Some(Event::Disconnected(_))), "{:?}", all.last());
    Ok((out, all.iter().map(|e| format!("{e:?}")).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_input_time_and_sends_keep_every_promise(ops in script(), strict in any::<bool>()) {
        let first = run(&ops, strict)?;
        let again = run(&ops, strict)?;
        prop_assert!(first == again, "the same inputs gave different output or events");
    }
}
