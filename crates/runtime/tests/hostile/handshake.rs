//! The handshake: silence, a trickle, messages out of order or twice, an ancient version, an oversized
//! user agent.
//!
//! The timing scenarios run faster than the pace: timeouts of half a second (set through
//! `PeerConfig`) against a byte every 10 ms. As with a 30 s timeout against a byte a second, neither the
//! trickled version nor the message trickled after the handshake can arrive whole in time.

use crate::attacker::{frame, raw_frame, version, version_message, Attacker};
use crate::harness::{malformed, Lang, Scene};
use coinpeer_handshake::{HandshakeError, HandshakeMessage};
use coinpeer_runtime::{DisconnectReason, ProtocolViolation};
use coinpeer_wire::messages::{InvType, Inventory, VersionMessage};
use coinpeer_wire::{varint, Command, ErrorKind, Hash256, WireMessage};
use std::time::{Duration, Instant};

dialects!(
    silence_after_connecting,
    one_byte_per_second_during_the_handshake,
    one_byte_per_second_after_the_handshake,
    any_message_before_version,
    a_non_handshake_message_before_verack_is_replayed,
    version_twice,
    verack_twice,
    an_ancient_protocol_version,
    an_oversized_user_agent,
);

const TIMEOUT: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(10);
/// How late after its deadline a timer may fire on a loaded two-core machine.
const LATE: Duration = Duration::from_secs(2);

fn in_time(took: Duration) {
    assert!(
        took >= TIMEOUT && took < TIMEOUT + LATE,
        "cut after {took:?}, the timeout is {TIMEOUT:?}"
    );
}

fn handshake(e: HandshakeError) -> DisconnectReason {
    DisconnectReason::Handshake(e)
}

fn duplicate(command: &str) -> DisconnectReason {
    DisconnectReason::Protocol(ProtocolViolation::Duplicate(Command::new(command).unwrap()))
}

async fn silence_after_connecting<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c.handshake_timeout(TIMEOUT)).await;
    let start = Instant::now();
    let mut a = Attacker::<D>::connect(scene.addr).await;
    let ended = scene.expect(a.addr, &handshake(HandshakeError::Timeout)).await;
    in_time(ended.at - start);
    assert!(a.until_closed().await.is_empty(), "an inbound peer speaks second");
    scene.finish().await;
}

/// Writes `bytes` one per [`TICK`] until all are out or the listener hangs up; how many went.
async fn trickle<D: Lang>(a: &mut Attacker<D>, bytes: &[u8]) -> usize {
    for (i, b) in bytes.iter().enumerate() {
        if a.write(&[*b]).await.is_err() {
            return i;
        }
        tokio::time::sleep(TICK).await;
    }
    bytes.len()
}

async fn one_byte_per_second_during_the_handshake<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c.handshake_timeout(TIMEOUT)).await;
    let start = Instant::now();
    let mut a = Attacker::<D>::connect(scene.addr).await;
    let addr = a.addr;
    let version = frame::<D>(&version::<D>(D::VERSION, 1));
    let timeout = handshake(HandshakeError::Timeout);
    let (went, ended) = tokio::join!(trickle(&mut a, &version), scene.expect(addr, &timeout));
    in_time(ended.at - start);
    assert!(went < version.len(), "the version arrived whole");
    scene.finish().await;
}

/// Bytes that make no whole message do not count as activity: the idle timer runs from the verack.
async fn one_byte_per_second_after_the_handshake<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c.idle_timeout(TIMEOUT)).await;
    let start = Instant::now();
    let mut a = Attacker::<D>::open(scene.addr).await;
    let addr = a.addr;
    let inv = frame::<D>(&D::inv(vec![Inventory::new(InvType::TX, Hash256([3; 32])); 30]));
    let (went, ended) = tokio::join!(trickle(&mut a, &inv), scene.expect(addr, &DisconnectReason::Idle));
    in_time(ended.at - start);
    assert!(went > 10 && went < inv.len(), "{went} bytes trickled");
    scene.finish().await;
}

async fn any_message_before_version<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    for first in [D::ping(5), D::Message::verack()] {
        let mut a = Attacker::<D>::connect(scene.addr).await;
        a.send(&first).await;
        let reason = handshake(HandshakeError::NotVersionFirst(first.command()));
        scene.expect(a.addr, &reason).await;
        a.rejected_then_closed().await;
    }
    // Before its version a remote may send nothing larger than a version (358 bytes): refused from the header.
    let mut a = Attacker::<D>::connect(scene.addr).await;
    let _ = a
        .write(&frame::<D>(&D::inv(vec![
            Inventory::new(InvType::TX, Hash256([1; 32]));
            1000
        ])))
        .await;
    let kind = ErrorKind::PayloadTooLarge {
        length: 36_003,
        max: 358,
    };
    scene.expect(a.addr, &malformed(Some("inv"), 16, kind)).await;
    scene.finish().await;
}

/// coinpeer holds what comes between the remote's version and its verack (within the pre-handshake
/// budget) and replays it once the handshake is complete: the ping sent early is answered.
async fn a_non_handshake_message_before_verack_is_replayed<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 9)).await;
    a.send(&D::ping(0xea71)).await;
    a.until_verack().await;
    a.send(&D::Message::verack()).await;
    let pong = frame::<D>(&D::pong(0xea71));
    while frame::<D>(&a.recv().await.expect("the early ping is answered")) != pong {}
    a.round_trip().await;
    let addr = a.addr;
    a.leave().await;
    assert!(scene.expect(addr, &DisconnectReason::RemoteClosed).await.opened);
    scene.finish().await;
}

async fn version_twice<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 1)).await;
    a.send(&version::<D>(D::VERSION, 2)).await;
    scene.expect(a.addr, &handshake(HandshakeError::DuplicateVersion)).await;
    a.rejected_then_closed().await;

    let mut a = Attacker::<D>::open(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 3)).await;
    scene.expect(a.addr, &duplicate("version")).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// As btcd and dcrd decide: a second verack ends the connection (Bitcoin: after a `reject` "duplicate").
async fn verack_twice<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    a.round_trip().await;
    a.send(&D::Message::verack()).await;
    scene.expect(a.addr, &duplicate("verack")).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// Refused with nothing sent back: our version is not sent before the remote's passed, and a `reject` does
/// not exist at such a version.
async fn an_ancient_protocol_version<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.send(&version::<D>(D::ANCIENT, 1)).await;
    let reason = handshake(HandshakeError::ObsoleteVersion {
        remote: D::ANCIENT,
        minimum: <D::Message as HandshakeMessage>::DEFAULT_MIN_VERSION,
    });
    scene.expect(a.addr, &reason).await;
    assert_eq!(a.until_closed().await, Vec::<Command>::new());
    scene.finish().await;
}

/// A version whose user agent is `len` bytes long, framed by hand (our encoder refuses over 256).
fn version_with_agent<D: Lang>(len: usize) -> Vec<u8> {
    // The fixed fields come first: version, services, timestamp, both addresses and the nonce.
    const AGENT_AT: usize = 4 + 8 + 8 + 26 + 26 + 8;
    let plain = VersionMessage {
        user_agent: String::new(),
        ..version_message(D::VERSION, 4)
    };
    let payload = frame::<D>(&D::Message::version(plain)).split_off(24);
    let mut out = payload[..AGENT_AT].to_vec();
    varint::write(&mut out, len as u64);
    out.extend(std::iter::repeat(b'a').take(len));
    out.extend_from_slice(&payload[AGENT_AT + 1..]);
    raw_frame(&D::NETWORK, "version", &out)
}

async fn an_oversized_user_agent<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.write(&version_with_agent::<D>(257)).await.unwrap();
    let kind = ErrorKind::LengthTooLarge {
        what: "user agent",
        length: 257,
        max: 256,
    };
    scene.expect(a.addr, &malformed(Some("version"), 80, kind)).await;
    // Longer still, the version outgrows the largest a version can be, and is refused from its header.
    let mut a = Attacker::<D>::connect(scene.addr).await;
    let _ = a.write(&version_with_agent::<D>(300)).await;
    let kind = ErrorKind::PayloadTooLarge { length: 388, max: 358 };
    scene.expect(a.addr, &malformed(Some("version"), 16, kind)).await;
    scene.finish().await;
}
