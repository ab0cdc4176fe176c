//! Bytes that do not make a frame the listener may take: a foreign magic, a bad checksum, a 4 GB length, a
//! header and nothing after it, random bytes, unknown commands at and over the dialect's maximum.

use crate::attacker::{header, raw_frame, version, Attacker};
use crate::harness::{malformed, peak_from_here, peak_growth, Lang, Scene};
use crate::memory::kib;
use coinpeer_handshake::HandshakeMessage;
use coinpeer_runtime::DisconnectReason;
use coinpeer_wire::frame::max_payload_len;
use coinpeer_wire::{Command, ErrorKind};
use std::time::{Duration, Instant};

dialects!(
    wrong_magic,
    bad_checksum,
    a_length_of_4_gb,
    a_header_then_silence,
    a_megabyte_of_random_bytes,
    an_unknown_command_over_the_size_cap_and_one_at_it,
);

async fn wrong_magic<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    let at = a.sent;
    a.write(&raw_frame(&D::FOREIGN, "ping", &[7; 8])).await.unwrap();
    let kind = ErrorKind::WrongMagic {
        expected: D::NETWORK.magic(),
        found: D::FOREIGN.magic(),
    };
    scene.expect(a.addr, &malformed(None, at, kind)).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

async fn bad_checksum<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    let at = a.sent;
    let computed = D::NETWORK.dialect().checksum(&[7; 8]);
    let expected = computed.map(|b| !b);
    let mut bad = header(&D::NETWORK, "ping", 8, expected).to_vec();
    bad.extend_from_slice(&[7; 8]);
    a.write(&bad).await.unwrap();
    let kind = ErrorKind::BadChecksum { expected, computed };
    scene.expect(a.addr, &malformed(Some("ping"), at + 20, kind)).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// Refused from the header, before anything is reserved for the payload.
async fn a_length_of_4_gb<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::open(scene.addr).await;
    let at = a.sent;
    let from = peak_from_here();
    a.write(&header(&D::NETWORK, "block", u32::MAX, [0; 4])).await.unwrap();
    let kind = ErrorKind::MessageTooLarge {
        length: u32::MAX.into(),
        max: D::NETWORK.dialect().max_message_len().into(),
    };
    scene.expect(a.addr, &malformed(Some("block"), at + 16, kind)).await;
    let grew = peak_growth(from);
    assert!(grew < 64 * 1024, "a 4 GB header cost {:.1} KiB", kib(grew));
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// The header of the largest block the dialect allows, then nothing: cut at the idle timeout (bytes that
/// make no whole message restart nothing), having reserved at most one step of the receive buffer.
async fn a_header_then_silence<D: Lang>() {
    const IDLE: Duration = Duration::from_millis(500);
    /// The receive buffer grows in steps of 256 KiB towards an announced length (`RESERVE_STEP` of the
    /// wire crate), and the driver reads 64 KiB at a time into it.
    const MOST: u64 = (256 + 64) * 1024;
    let mut scene = Scene::<D>::start(|c| c.idle_timeout(IDLE)).await;
    // The listener's idle timer starts once it has our verack, so after this.
    let opened = Instant::now();
    let mut a = Attacker::<D>::open(scene.addr).await;
    let block = max_payload_len(D::NETWORK.dialect(), &Command::from_static("block"), D::VERSION);
    let from = peak_from_here();
    a.write(&header(&D::NETWORK, "block", block, [0; 4])).await.unwrap();
    let ended = scene.expect(a.addr, &DisconnectReason::Idle).await;
    let grew = peak_growth(from);
    let after = ended.at - opened;
    assert!(
        after >= IDLE && after < IDLE + Duration::from_secs(2),
        "cut {after:?} after the last whole message"
    );
    assert!(
        grew <= MOST,
        "a header announcing {block} bytes made the heap grow by {:.1} KiB",
        kib(grew)
    );
    println!(
        "header of a {block}-byte block: cut after {after:?}, heap peak +{:.1} KiB",
        kib(grew)
    );
    a.until_closed().await;
    scene.finish().await;
}

/// A port scanner's or a confused client's first bytes: refused at the first four, whatever follows.
async fn a_megabyte_of_random_bytes<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let mut a = Attacker::<D>::connect(scene.addr).await;
    let noise = random_bytes(1 << 20, 0x5eed);
    // The listener hangs up partway through: the write then fails, as it should.
    let _ = a.write(&noise).await;
    let found = u32::from_le_bytes(noise[..4].try_into().unwrap());
    drop(noise);
    let kind = ErrorKind::WrongMagic {
        expected: D::NETWORK.magic(),
        found,
    };
    scene.expect(a.addr, &malformed(None, 0, kind)).await;
    scene.finish().await;
}

/// An unknown command of the dialect's largest size (4,000,000 bytes; Decred 32 MiB) between the version and
/// the verack, which is skipped as it arrives (so never held, nor checked: its checksum here is wrong), a
/// 1 MiB one after the handshake, which is taken whole and handed on, then one announcing a byte more than
/// the largest, which is refused from its header.
async fn an_unknown_command_over_the_size_cap_and_one_at_it<D: Lang>() {
    let mut scene = Scene::<D>::start(|c| c).await;
    let max = D::NETWORK.dialect().max_message_len();
    let mut a = Attacker::<D>::connect(scene.addr).await;
    a.send(&version::<D>(D::VERSION, 1)).await;
    let mut largest = header(&D::NETWORK, "junk", max, [0; 4]).to_vec();
    largest.resize(24 + max as usize, 0x5a);
    a.write(&largest).await.unwrap();
    drop(largest);
    a.until_verack().await;
    a.send(&D::Message::verack()).await;
    a.round_trip().await;
    a.write(&raw_frame(&D::NETWORK, "junk", &[0x5a; 1 << 20]))
        .await
        .unwrap();
    a.round_trip().await;
    let at = a.sent;
    a.write(&header(&D::NETWORK, "junk", max + 1, [0; 4])).await.unwrap();
    let kind = ErrorKind::MessageTooLarge {
        length: u64::from(max) + 1,
        max: max.into(),
    };
    scene.expect(a.addr, &malformed(Some("junk"), at + 16, kind)).await;
    a.rejected_then_closed().await;
    scene.finish().await;
}

/// Deterministic noise (splitmix64).
fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(n);
    out
}
