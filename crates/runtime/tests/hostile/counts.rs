//! Payloads that lie: counts far beyond what is allowed or what follows, a non-canonical varint, a negative
//! fee rate, a bloom filter for a node that offers none. Each after a completed handshake.

use crate::attacker::{raw_frame, Attacker};
use crate::harness::{malformed, peak_from_here, peak_growth, Lang, Scene};
use crate::memory::kib;
use coinpeer_runtime::{DisconnectReason, ProtocolViolation};
use coinpeer_wire::{varint, Command, ErrorKind};

dialects!(
    count_bombs,
    a_non_canonical_varint,
    a_negative_feefilter,
    filterload_to_a_node_without_bloom,
);

/// A payload of `prefix` then the varint `count`, and nothing of what it counts.
fn bomb(prefix: &[u8], count: u64) -> Vec<u8> {
    let mut p = prefix.to_vec();
    varint::write(&mut p, count);
    p
}

fn too_many(what: &'static str, count: u64, max: u64) -> ErrorKind {
    ErrorKind::CountTooLarge { what, count, max }
}

/// Each bomb is refused from its count, before anything is allocated for what it claims: the heap grows by
/// less than 4 KiB (measured: under 1 KiB, the connection's own reading and closing), where 50,000
/// inventory vectors alone would take 1.8 MB.
async fn count_bombs<D: Lang>() {
    let locator_version = [0x11; 4];
    let bombs = [
        (
            "inv",
            bomb(&[], u64::MAX),
            too_many("inventory vectors", u64::MAX, 50_000),
            0,
        ),
        (
            "inv",
            bomb(&[], 50_000),
            ErrorKind::UnexpectedEnd {
                needed: 50_000 * 36,
                available: 0,
            },
            3,
        ),
        (
            "getdata",
            bomb(&[], 1 << 32),
            too_many("inventory vectors", 1 << 32, 50_000),
            0,
        ),
        (
            "headers",
            bomb(&[], u32::MAX.into()),
            too_many("headers", u32::MAX.into(), 2000),
            0,
        ),
        (D::ADDR, bomb(&[], 1001), too_many("addresses", 1001, 1000), 0),
        (
            "getheaders",
            bomb(&locator_version, u64::MAX),
            too_many("locator hashes", u64::MAX, 500),
            4,
        ),
        (
            "getblocks",
            bomb(&locator_version, 501),
            too_many("locator hashes", 501, 500),
            4,
        ),
    ];
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut most = 0;
    for (command, payload, kind, offset) in bombs {
        let mut a = Attacker::<D>::open(scene.addr).await;
        a.round_trip().await;
        let from = peak_from_here();
        a.write(&raw_frame(&D::NETWORK, command, &payload)).await.unwrap();
        scene.expect(a.addr, &malformed(Some(command), offset, kind)).await;
        let grew = peak_growth(from);
        assert!(grew < 4 * 1024, "a {command} bomb cost {:.1} KiB", kib(grew));
        most = most.max(grew);
        a.rejected_then_closed().await;
    }
    println!("the costliest bomb: heap peak +{:.1} KiB", kib(most));
    scene.finish().await;
}

async fn a_non_canonical_varint<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    // One inventory vector, counted in three bytes where one does.
    let mut payload = vec![0xfd, 0x01, 0x00, 0x01, 0, 0, 0];
    payload.extend_from_slice(&[0x42; 32]);
    a.write(&raw_frame(&D::NETWORK, "inv", &payload)).await.unwrap();
    let kind = ErrorKind::NonCanonicalVarInt { value: 1 };
    scene.expect(a.addr, &malformed(Some("inv"), 0, kind)).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// As btcd and dcrd decide: a fee rate below zero (or above all the money there is) ends the connection.
async fn a_negative_feefilter<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    a.send(&D::fee_filter(1000)).await;
    a.round_trip().await;
    a.send(&D::fee_filter(-1)).await;
    let reason = ProtocolViolation::OutOfRange(Command::from_static("feefilter"));
    scene.expect(a.addr, &DisconnectReason::Protocol(reason)).await;
    a.until_closed().await;
    scene.finish().await;
}

/// Bitcoin: a BIP37 filter sent to a node that does not advertise bloom ends the connection (btcd's
/// `enforceNodeBloomFlag`); to one that does, it is taken. Decred has no bloom filters: `filterload` is an
/// unknown command there, which is ignored after the handshake.
async fn filterload_to_a_node_without_bloom<D: Lang>() {
    // An 8-byte filter, 5 hash functions, a tweak and BLOOM_UPDATE_NONE.
    let mut payload = vec![8];
    payload.extend_from_slice(&[0xa5; 8]);
    payload.extend_from_slice(&5u32.to_le_bytes());
    payload.extend_from_slice(&7u32.to_le_bytes());
    payload.push(0);
    let filterload = raw_frame(&D::NETWORK, "filterload", &payload);

    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    a.write(&filterload).await.unwrap();
    if D::BLOOM.is_some() {
        let reason = ProtocolViolation::ServiceNotOffered(Command::from_static("filterload"));
        scene.expect(a.addr, &DisconnectReason::Protocol(reason)).await;
        a.until_closed().await;
    } else {
        a.round_trip().await;
        let addr = a.addr;
        a.leave().await;
        scene.expect(addr, &DisconnectReason::RemoteClosed).await;
    }
    scene.finish().await;

    if let Some(bloom) = D::BLOOM {
        let mut scene = Scene::<D>::start(|c| c.services(bloom)).await;
        let mut a = Attacker::<D>::open(scene.addr).await;
        a.write(&filterload).await.unwrap();
        a.round_trip().await;
        let addr = a.addr;
        a.leave().await;
        scene.expect(addr, &DisconnectReason::RemoteClosed).await;
        scene.finish().await;
    }
}
