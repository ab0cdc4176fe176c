//! Truncation: every prefix of a payload fails at the byte where it ends, or decodes where the message may end.

use crate::build::{cmd, end, err, frame, varint};
use crate::support;
use crate::PVER;
use bytes::Bytes;
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::{ErrorKind, FrameDecoder, Network, WireMessage};
use std::net::Ipv4Addr;

/// A version payload written field by field, and the fields' (offset, size) in order. The message may end
/// after the receiver's address, the sender's, the nonce, the user agent, the start height or the relay byte.
fn version_payload(user_agent: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>, Vec<usize>) {
    let mut p = Vec::new();
    let mut fields = Vec::new();
    let mut ends = Vec::new();
    let mut put = |p: &mut Vec<u8>, bytes: &[u8]| {
        fields.push((p.len(), bytes.len()));
        p.extend_from_slice(bytes);
    };
    put(&mut p, &70016i32.to_le_bytes());
    put(&mut p, &0x409u64.to_le_bytes());
    put(&mut p, &1_700_000_000i64.to_le_bytes());
    for (ip, port) in [([203, 0, 113, 7], 8333u16), ([0, 0, 0, 0], 0)] {
        put(&mut p, &0x409u64.to_le_bytes());
        put(&mut p, &Ipv4Addr::from(ip).to_ipv6_mapped().octets());
        put(&mut p, &port.to_be_bytes());
        ends.push(p.len());
    }
    put(&mut p, &0x0123_4567_89ab_cdefu64.to_le_bytes());
    ends.push(p.len());
    let len = varint(user_agent.len() as u64);
    put(&mut p, &len[..1]);
    if len.len() > 1 {
        put(&mut p, &len[1..]);
    }
    put(&mut p, user_agent);
    ends.push(p.len());
    put(&mut p, &840_000i32.to_le_bytes());
    ends.push(p.len());
    put(&mut p, &[0]);
    ends.push(p.len());
    (p, fields, ends)
}

#[test]
fn every_prefix_of_a_version_payload_decodes_or_ends_early_at_the_right_byte() {
    for user_agent in [&b"/Satoshi:27.0.0/"[..], &[b'u'; 253][..]] {
        let (full, fields, ends) = version_payload(user_agent);
        for k in 0..=full.len() {
            let prefix = Bytes::copy_from_slice(&full[..k]);
            let result = std::panic::catch_unwind(|| Message::decode_payload(&cmd("version"), &prefix, PVER))
                .unwrap_or_else(|_| panic!("prefix of {k} bytes panics"));
            if ends.contains(&k) {
                let Ok(Message::Version(v)) = result else {
                    panic!("prefix of {k} bytes: {result:?}")
                };
                assert_eq!(v.version, 70016);
                assert_eq!(v.receiver.port, 8333);
                assert_eq!(v.nonce != 0, k >= 80, "nonce at {k}");
                assert_eq!(v.user_agent.len() == user_agent.len(), k > 80, "user agent at {k}");
                assert_eq!(v.start_height != 0, k >= ends[4], "start height at {k}");
                assert_eq!(v.relay, k < full.len(), "relay at {k}: absent means true");
            } else {
                // The field the prefix cuts: the last one starting at or before k.
                let &(start, size) = fields.iter().rev().find(|(s, _)| *s <= k).unwrap();
                assert!(k < start + size);
                let expected = err(Some("version"), start as u64, end(size as u64, (k - start) as u64));
                assert_eq!(result, Err(expected), "prefix of {k} bytes");
            }
        }
    }
}

#[test]
fn every_prefix_of_a_real_testnet_block_fails_with_unexpected_end() {
    let Some(dir) = support::testdata("every_prefix_of_a_real_testnet_block_fails_with_unexpected_end") else {
        return;
    };
    let name = std::fs::read_dir(dir.join("bitcoin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("testnet_block_") && n.ends_with(".raw"))
        .expect("bitcoin/testnet_block_*.raw");
    let raw = support::read(&dir, &format!("bitcoin/{name}"));
    assert_eq!(raw.len(), 4319);
    let full = Bytes::from(raw.clone());
    let block = match Message::decode_payload(&cmd("block"), &full, PVER) {
        Ok(Message::Block(b)) => b,
        other => panic!("whole block: {other:?}"),
    };
    assert_eq!(block.transactions.len(), 15);
    for k in 0..raw.len() {
        let prefix = full.slice(..k);
        let result = std::panic::catch_unwind(|| Message::decode_payload(&cmd("block"), &prefix, PVER))
            .unwrap_or_else(|_| panic!("prefix of {k} bytes panics"));
        let e = result.expect_err(&format!("prefix of {k} bytes decodes"));
        assert_eq!(e.command, Some(cmd("block")), "prefix of {k} bytes");
        match e.kind {
            ErrorKind::UnexpectedEnd { needed, available } => {
                assert_eq!(e.offset + available, k as u64, "prefix of {k} bytes: {e}");
                assert!(needed > available, "prefix of {k} bytes: {e}");
            }
            _ => panic!("prefix of {k} bytes: {e}"),
        }
    }
    // Framed and cut anywhere, the stream decoder just waits for more.
    let framed = frame("block", &raw);
    for k in 0..framed.len() {
        let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
        dec.extend_from_slice(&framed[..k]);
        assert_eq!(dec.next_frame(), Ok(None), "frame cut at {k}");
    }
}
