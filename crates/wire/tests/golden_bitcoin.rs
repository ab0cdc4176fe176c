//! Real Bitcoin blocks, transactions and node conversations decode, hash to their known values and re-encode
//! byte for byte.

mod support;

use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin::{version, Block, MerkleBlock, Message, Transaction};
use coinpeer_wire::encode::{from_bytes, to_vec};
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, Dialect, EncodeOptions, FrameDecoder, Hash256, Network};

const PVER: u32 = version::MAX;

fn h(s: &str) -> Hash256 {
    s.parse().unwrap()
}

fn check_block(raw: &[u8], hash: &str) -> Block {
    let bytes = Bytes::copy_from_slice(raw);
    let block: Block = from_bytes(&bytes, PVER).expect("block decodes");
    assert_eq!(block.hash(), h(hash));
    assert_eq!(to_vec(&block), raw, "re-encodes byte-identically");
    assert!(block.check_merkle_root(), "merkle root of {hash}");
    block
}

#[test]
fn bare_blocks_decode_hash_and_reencode() {
    let Some(dir) = support::testdata("bare_blocks_decode_hash_and_reencode") else {
        return;
    };
    let cases = [
        (
            "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
            "00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab",
            230,
            "5301a7831d21d8395e511ba4786ddcd71b630148bd6bb902f4b1c71b7df563ed",
            "9c97cf68319da27bb6a54be63c6eb2f2a8d85eba408b4da2fda0abb7a12754e5",
            "3666706b91ecca3405e929eaf40a2c3b2b13f2d82da724c579c00a692feec268",
            104,
        ),
        (
            "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
            "000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae",
            2500,
            "764b60c3d9a2c3c5bb6fe7141d9ca6e6778122df75f19366a2c5cb948d1d7d84",
            "2947daf667b1914a2f060e8cf10267ca1d056f0dab3ccb273da474f063b7f412",
            "786891acf7ca49b7292374cda40c378805daa14b968b93b9b34ebeb4b9db19f0",
            2065,
        ),
        (
            "bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw",
            "000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b",
            15,
            "4be105f158ea44aec57bf12c5817d073a712ab131df6f37786872cfc70734188",
            "ae4e1e27c1ce7f92cb3234ada3bdae7676da5d0a0f64776f515b130fc34d00db",
            "4dec22f59b8c704faf29fd575e6895c1f6f88f0d45e3cfe1995998be36950fe7",
            1,
        ),
    ];
    for (file, hash, count, first, last, coinbase_wtxid, with_witness) in cases {
        let raw = support::read(&dir, file);
        let block = check_block(&raw, hash);
        let txids = block.txids();
        assert_eq!(txids.len(), count, "{file}");
        assert_eq!(txids[0], h(first));
        assert_eq!(*txids.last().unwrap(), h(last));
        assert_eq!(block.transactions[0].wtxid(), h(coinbase_wtxid));
        assert_eq!(
            block.transactions.iter().filter(|t| t.has_witness()).count(),
            with_witness
        );
    }
}

#[test]
fn block_record_files_match_their_hash_lists() {
    let Some(dir) = support::testdata("block_record_files_match_their_hash_lists") else {
        return;
    };
    for file in ["bitcoin/blk_0_to_4.dat", "bitcoin/blocks1-256", "bitcoin/277647.dat"] {
        let raw = support::read(&dir, file);
        let rows = support::hash_rows(&dir, &format!("{file}.hashes.txt"));
        let mut at = 0;
        let mut prev: Option<Hash256> = None;
        for row in &rows {
            assert_eq!(&raw[at..at + 4], &Network::BITCOIN.magic().to_le_bytes());
            let len = u32::from_le_bytes(raw[at + 4..at + 8].try_into().unwrap()) as usize;
            let block = check_block(&raw[at + 8..at + 8 + len], &row[2]);
            at += 8 + len;
            assert_eq!(block.transactions.len(), row[3].parse::<usize>().unwrap());
            assert_eq!(block.header.merkle_root, h(&row[4]));
            assert_eq!(block.transactions[0].txid(), h(&row[5]));
            assert_eq!(block.transactions.last().unwrap().txid(), h(&row[6]));
            if let Some(p) = prev {
                assert_eq!(block.header.prev_block, p, "{file} chains");
            }
            prev = Some(block.hash());
        }
        assert_eq!(at, raw.len(), "{file}: no trailing data");
    }
}

#[test]
fn megatransaction_decodes_and_hashes() {
    let Some(dir) = support::testdata("megatransaction_decodes_and_hashes") else {
        return;
    };
    let raw = support::read(&dir, "bitcoin/megatx.bin");
    let tx: Transaction = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    assert_eq!(tx.inputs.len(), 5569);
    assert_eq!(tx.outputs.len(), 1);
    let txid = h("bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08");
    assert_eq!(tx.txid(), txid);
    assert_eq!(tx.wtxid(), txid);
    assert_eq!(to_vec(&tx), raw);
}

#[test]
fn merkleblock_payload_decodes() {
    let Some(dir) = support::testdata("merkleblock_payload_decodes") else {
        return;
    };
    let raw = support::read_hex(&dir, "bitcoin/merkle_block.hex");
    let mb: MerkleBlock = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    assert_eq!(
        mb.header.hash(),
        h("0000000000013b8ab2cd513b0261a14096412195a72a0c4827d229dcc7e0f7af")
    );
    assert_eq!(mb.total_transactions, 9);
    assert_eq!(mb.hashes.len(), 5);
    assert_eq!(mb.flags.len(), 2);
    assert_eq!(to_vec(&mb), raw);
}

/// Decodes every frame of a capture, one byte at a time, and checks each re-encodes to the bytes received.
fn replay_capture(dir: &std::path::Path, file: &str, network: Network, expected: &[&str]) -> Vec<Message> {
    let raw = support::read(dir, file);
    let mut dec = FrameDecoder::new(network.clone(), PVER);
    let mut messages = Vec::new();
    let mut frame_start = 0;
    for b in &raw {
        dec.extend_from_slice(std::slice::from_ref(b));
        while let Some(frame) = dec.next_frame().unwrap() {
            let msg: Message = frame.decode(PVER).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut out = BytesMut::new();
            encode_frame(&network, &msg, EncodeOptions::new(PVER), &mut out).unwrap();
            let original = &raw[frame_start..frame_start + frame.wire_len()];
            // Bitcoin SV appends bytes to its version that no field holds; everything else is exact.
            if !(file.contains("bitcoin-sv") && msg.command() == "version") {
                assert_eq!(&out[..], original, "{file}: {} re-encodes", msg.command());
            }
            frame_start += frame.wire_len();
            messages.push(msg);
        }
    }
    assert_eq!(frame_start, raw.len(), "{file}: whole messages only");
    let commands: Vec<String> = messages.iter().map(|m| m.command().to_string()).collect();
    assert_eq!(commands, expected, "{file}");
    messages
}

#[test]
fn real_node_captures_decode_and_reencode() {
    let Some(dir) = support::testdata("real_node_captures_decode_and_reencode") else {
        return;
    };
    let caps = dir.join("captures");
    let bsv = Network::custom(
        "bsv-regtest",
        u32::from_le_bytes([0xda, 0xb5, 0xbf, 0xfa]),
        Dialect::Bitcoin,
        18444,
    );
    let ltc = replay_capture(
        &caps,
        "litecoin-core-0.21.2.1-regtest.in.bin",
        Network::LITECOIN_REGTEST,
        &[
            "version",
            "wtxidrelay",
            "sendaddrv2",
            "verack",
            "sendheaders",
            "sendcmpct",
            "sendcmpct",
            "sendcmpct",
            "ping",
            "feefilter",
            "pong",
            "headers",
            "block",
            "block",
            "block",
        ],
    );
    let Message::Version(v) = &ltc[0] else {
        panic!("version first")
    };
    assert_eq!((v.version, v.user_agent.as_str()), (70016, "/LitecoinCore:0.21.2.1/"));
    replay_capture(
        &caps,
        "btcd-0.25.0-regtest.in.bin",
        Network::BITCOIN_REGTEST,
        &[
            "version",
            "sendaddrv2",
            "verack",
            "pong",
            "headers",
            "block",
            "block",
            "block",
        ],
    );
    replay_capture(
        &caps,
        "bcoin-1.0.2-regtest.in.bin",
        Network::BITCOIN_REGTEST,
        &["version", "verack", "sendcmpct", "getaddr", "pong"],
    );
    let sv = replay_capture(
        &caps,
        "bitcoin-sv-1.0.13-regtest.in.bin",
        bsv,
        &[
            "version",
            "verack",
            "protoconf",
            "authch",
            "sendheaders",
            "sendcmpct",
            "ping",
            "pong",
            "headers",
            "block",
            "block",
            "block",
        ],
    );
    assert!(matches!(&sv[2], Message::Unknown { command, .. } if *command == "protoconf"));
    for file in ["litecoin-core-0.21.2.1-regtest.out.bin", "btcd-0.25.0-regtest.out.bin"] {
        let raw = support::read(&caps, file);
        let mut dec = FrameDecoder::new(Network::BITCOIN_REGTEST, PVER);
        dec.extend_from_slice(&raw);
        while let Some(f) = dec.next_frame().unwrap() {
            f.decode::<Message>(PVER).unwrap();
        }
        assert_eq!(dec.buffered(), 0);
    }
}

#[test]
fn version_message_is_143_bytes_at_70002_with_btcds_example_agent() {
    let v = VersionMessage {
        version: 70002,
        services: ServiceFlags::NETWORK,
        timestamp: 1_700_000_000,
        receiver: NetAddress::from_socket_addr("127.0.0.1:18555".parse().unwrap(), ServiceFlags::NETWORK),
        sender: NetAddress::unspecified(ServiceFlags::NETWORK),
        nonce: 0x1234_5678_9abc_def0,
        user_agent: "/btcwire:0.5.0/peer:1.0(comment)/".into(),
        start_height: 0,
        relay: true,
    };
    let mut out = BytesMut::new();
    let n = encode_frame(
        &Network::BITCOIN_SIMNET,
        &Message::Version(v),
        EncodeOptions::new(70002),
        &mut out,
    )
    .unwrap();
    assert_eq!((n, out.len() - 24), (143, 119));
}
