//! Keep-alive: our pings and their round trips, the ping timeout, the idle timer, and pausing input.

mod support;

use coinpeer_protocol::{Bitcoin, DisconnectReason};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::decred::Message as DcrMessage;
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{Hash256, Network};
use support::*;

const NET: Network = Network::BITCOIN_REGTEST;

/// The nonce of the one ping among `written`.
fn ping_in(written: &[Message]) -> u64 {
    match written {
        [Message::Ping(n)] => *n,
        other => panic!("expected one ping, got {other:?}"),
    }
}

#[test]
fn bitcoin_pings_leave_every_two_minutes_once_open() {
    let mut s = Scripted::bitcoin();
    assert_eq!(s.deadline(), Some(secs(120)), "the first ping is the first timer");
    s.at(secs(120) - ms(1));
    assert!(s.written().is_empty());
    s.at(secs(120));
    let nonce = ping_in(&s.written());
    assert_eq!(s.c.ping_awaiting(), Some(nonce));
    s.receive(&Message::Pong(nonce));
    s.at(secs(240) - ms(1));
    assert!(s.written().is_empty());
    s.at(secs(240));
    assert_ne!(ping_in(&s.written()), nonce, "a fresh nonce each time");
}

#[test]
fn decred_pings_leave_every_107_seconds() {
    let mut s = Scripted::decred();
    assert_eq!(s.deadline(), Some(secs(107)));
    s.at(secs(107) - ms(1));
    assert!(s.written().is_empty());
    s.at(secs(107));
    assert!(matches!(s.written().as_slice(), [DcrMessage::Ping(n)] if Some(*n) == s.c.ping_awaiting()));
}

#[test]
fn no_ping_leaves_before_the_handshake_completes_and_the_schedule_starts_when_it_does() {
    let mut slow = config(NET);
    slow.handshake.timeout = secs(600);
    let mut p = Pair::<Bitcoin>::with(config(NET), slow);
    let version = p.a.drain_transmit(p.now);
    p.b.handle_input(&version, p.now);
    // The remote's verack takes 200 s: no ping in the meantime, however long it has been.
    p.now += secs(200);
    p.b.handle_timeout(p.now);
    let answer = p.b.drain_transmit(p.now);
    let sent: Vec<Message> = decode_all(&NET, 70016, &answer);
    assert!(sent.iter().all(|m| !matches!(m, Message::Ping(_))), "{sent:?}");
    p.a.handle_input(&answer, p.now);
    p.b.handle_input(&p.a.drain_transmit(p.now), p.now);
    assert!(p.b.is_open());
    let opened = p.now;
    assert_eq!(
        p.b.poll_timeout(),
        Some(opened + secs(120)),
        "two minutes after opening, not after starting"
    );
    p.b.handle_timeout(opened + secs(120));
    assert!(matches!(
        decode_all::<Message>(&NET, 70016, &p.b.drain_transmit(opened + secs(120))).as_slice(),
        [Message::Ping(_)]
    ));
}

#[test]
fn latency_runs_from_the_ping_written_to_its_matching_pong() {
    let mut s = Scripted::bitcoin();
    // Queued at 120 s but taken by the transport only 100 ms later: the round trip starts then.
    s.hold = true;
    s.at(secs(120));
    s.advance(ms(100));
    s.hold = false;
    let nonce = ping_in(&s.written());
    s.advance(ms(250));
    s.receive(&Message::Pong(nonce));
    assert_eq!(s.c.ping_latency(), Some(ms(250)));
    assert_eq!(s.c.ping_awaiting(), None);
}

#[test]
fn a_pong_with_a_wrong_nonce_is_ignored() {
    let mut s = Scripted::bitcoin();
    s.at(secs(120));
    let nonce = ping_in(&s.written());
    s.advance(ms(100));
    s.receive(&Message::Pong(nonce.wrapping_add(1)));
    assert_eq!(s.c.ping_latency(), None);
    assert_eq!(s.c.ping_awaiting(), Some(nonce), "still waiting for the right one");
    s.advance(ms(100));
    s.receive(&Message::Pong(nonce));
    assert_eq!(s.c.ping_latency(), Some(ms(200)));
}

#[test]
fn a_pong_that_never_comes_ends_the_connection_at_the_ping_timeout() {
    // The remote keeps talking (its own pings), so only the missing pong can end the connection: at the
    // first ping (120 s) plus the ping timeout (300 s), whatever later pings are due meanwhile.
    let mut s = Scripted::bitcoin();
    for t in [100, 200, 300, 400] {
        s.at(secs(t));
        s.receive(&Message::Ping(t));
    }
    s.cut_exactly_at(secs(420), DisconnectReason::PingTimeout);
}

#[test]
fn a_decred_pong_that_never_comes_ends_the_connection_at_107_plus_120_seconds() {
    let mut s = Scripted::decred();
    for t in [100, 200] {
        s.at(secs(t));
        s.receive(&DcrMessage::Ping(t));
    }
    s.cut_exactly_at(secs(227), DisconnectReason::PingTimeout);
}

#[test]
fn each_whole_message_restarts_the_idle_timer() {
    let mut cfg = config(NET);
    cfg.ping_interval = None;
    let mut s = Scripted::bitcoin_with(cfg);
    assert_eq!(s.deadline(), Some(secs(300)));
    s.at(secs(100));
    s.receive(&Message::GetAddr);
    assert_eq!(s.deadline(), Some(secs(400)));
    s.at(secs(250));
    s.receive(&Message::SendHeaders);
    s.cut_exactly_at(secs(550), DisconnectReason::Idle);
}

/// Sends `bytes` one every `every` from the opening on, stopping before `until` seconds, by when the frame
/// must still be incomplete.
fn trickle<D: coinpeer_protocol::Dialect>(s: &mut Scripted<D>, bytes: &[u8], every: std::time::Duration, until: u64) {
    let before = s.c.stats().bytes_received;
    for (i, byte) in bytes.iter().enumerate() {
        let t = every * (i as u32 + 1);
        if t >= secs(until) {
            assert_eq!(s.c.stats().bytes_received - before, i as u64, "every byte arrived");
            return;
        }
        s.at(t);
        s.receive_bytes(&[*byte]);
    }
    panic!("the frame ended before {until} s");
}

#[test]
fn a_remote_trickling_one_byte_at_a_time_is_cut_at_the_idle_timeout() {
    let mut s = Scripted::bitcoin();
    let inv = (0..10u8)
        .map(|n| Inventory::new(InvType::TX, Hash256([n; 32])))
        .collect();
    let bytes = s.frame(&Message::Inv(inv));
    trickle(&mut s, &bytes, secs(10), 300);
    s.cut_exactly_at(secs(300), DisconnectReason::Idle);
}

#[test]
fn a_decred_remote_trickling_bytes_is_cut_after_120_seconds() {
    let mut s = Scripted::decred();
    let bytes = s.frame(&DcrMessage::Inv(vec![Inventory::new(InvType::TX, Hash256([1; 32]))]));
    trickle(&mut s, &bytes, secs(5), 120);
    s.cut_exactly_at(secs(120), DisconnectReason::Idle);
}

#[test]
fn the_idle_timer_stands_still_while_input_is_paused() {
    let mut cfg = config(NET);
    cfg.ping_interval = None;
    let mut s = Scripted::bitcoin_with(cfg);
    s.at(secs(100));
    s.c.pause_input(s.now);
    assert_eq!(s.deadline(), None, "no timer judges the remote while paused");
    s.at(secs(350));
    assert!(s.c.is_open(), "past the idle timeout in real time, not in active time");
    s.at(secs(400));
    s.c.resume_input(s.now);
    // 100 s of activity before the pause, 300 s paused: 200 s of the 300 s allowance remain.
    s.cut_exactly_at(secs(600), DisconnectReason::Idle);
}

#[test]
fn the_ping_timeout_stands_still_while_input_is_paused() {
    let mut s = Scripted::bitcoin();
    s.at(secs(100));
    s.receive(&Message::GetAddr);
    s.at(secs(120));
    ping_in(&s.written());
    s.at(secs(200));
    s.c.pause_input(s.now);
    // Pings still leave on real time while paused, but the remote is not judged for the pause.
    s.at(secs(421));
    assert!(s.c.is_open(), "{:?}", s.c.disconnect_reason());
    s.at(secs(500));
    s.c.resume_input(s.now);
    s.receive(&Message::GetAddr);
    s.at(secs(600));
    // The ping left at 120 s, 300 s were paused: the timeout falls at 120 + 300 + 300.
    s.cut_exactly_at(secs(720), DisconnectReason::PingTimeout);
}

#[test]
fn stall_deadlines_stand_still_while_input_is_paused() {
    let mut s = Scripted::bitcoin();
    let block = Inventory::new(InvType::BLOCK, Hash256([7; 32]));
    s.c.send(Message::GetData(vec![block]), s.now).unwrap();
    s.flush();
    s.at(secs(10));
    s.c.pause_input(s.now);
    s.at(secs(95));
    assert!(s.c.is_open());
    s.c.resume_input(s.now);
    // 30 s of active time from the request, plus the 85 s paused.
    let stall = DisconnectReason::Stall {
        command: coinpeer_wire::Command::from_static("block"),
    };
    s.cut_exactly_at(secs(115), stall);
}
