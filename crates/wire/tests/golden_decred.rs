//! Real Decred blocks, transactions and a dcrd conversation decode, hash to their known values and re-encode
//! byte for byte; the merkle rules before and after DCP0005 hold.

mod support;

use bytes::{Bytes, BytesMut};
use coinpeer_wire::decred::{
    blake256_hash, combine_roots, version, Block, MerkleField, MerkleRules, Message, MixPairReq, MixPairReqUtxo,
    OutPoint, StakeTxType, Transaction, TxOut, TxSerType,
};
use coinpeer_wire::encode::{from_bytes, to_vec};
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Hash256, Network, WireMessage};

const PVER: u32 = version::MAX;

fn h(s: &str) -> Hash256 {
    s.parse().unwrap()
}

/// `-` marks an empty tree in the hash lists.
fn opt_h(s: &str) -> Option<Hash256> {
    (s != "-").then(|| h(s))
}

fn check_record_file(dir: &std::path::Path, file: &str, expected_blocks: usize) {
    let raw = support::read(dir, file);
    let rows = support::hash_rows(dir, &format!("{file}.hashes.txt"));
    assert_eq!(rows.len(), expected_blocks, "{file}: rows");
    let mut at = 0;
    let mut prev: Option<Hash256> = None;
    for (index, row) in rows.iter().enumerate() {
        let len = u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        let bytes = Bytes::copy_from_slice(&raw[at + 4..at + 4 + len]);
        at += 4 + len;
        let block: Block = from_bytes(&bytes, PVER).unwrap_or_else(|e| panic!("{file} block {index}: {e}"));
        assert_eq!(to_vec(&block), &bytes[..], "{file} block {index} re-encodes");
        assert_eq!(row[0].parse::<usize>().unwrap(), index);
        let height: u32 = row[1].parse().unwrap();
        assert_eq!(block.header.height, height, "record index is the height");
        assert_eq!(height as usize, index);
        assert_eq!(block.hash(), h(&row[2]), "{file} block {index} hash");
        assert_eq!(block.transactions.len(), row[3].parse::<usize>().unwrap());
        assert_eq!(block.stake_transactions.len(), row[4].parse::<usize>().unwrap());
        assert_eq!(block.header.merkle_root, h(&row[5]));
        assert_eq!(block.header.stake_root, h(&row[6]));
        let txids = block.txids();
        let stake_txids = block.stake_txids();
        assert_eq!(txids.first().copied(), opt_h(&row[7]));
        assert_eq!(txids.last().copied(), opt_h(&row[8]));
        assert_eq!(stake_txids.first().copied(), opt_h(&row[9]));
        assert_eq!(stake_txids.last().copied(), opt_h(&row[10]));
        if height == 0 {
            // Genesis is exempt: its merkle root is a constant nobody checks.
            assert!(block.check_merkle_roots(MerkleRules::PreDcp0005).is_ok());
        } else {
            assert_eq!(
                block.compute_regular_root(),
                block.header.merkle_root,
                "{file} {index} merkle root"
            );
            assert_eq!(
                block.compute_stake_root(),
                block.header.stake_root,
                "{file} {index} stake root"
            );
            assert_eq!(block.check_merkle_roots(MerkleRules::PreDcp0005), Ok(()));
            assert_eq!(
                block.check_merkle_roots(MerkleRules::Dcp0005).unwrap_err().field,
                MerkleField::MerkleRoot
            );
        }
        for tx in &block.transactions {
            assert_eq!(tx.ser_type, TxSerType::Full);
            assert_eq!(tx.stake_type(), StakeTxType::Regular, "{file} {index}: regular tree");
        }
        for tx in &block.stake_transactions {
            assert!(
                matches!(
                    tx.stake_type(),
                    StakeTxType::Ticket | StakeTxType::Vote | StakeTxType::Revocation
                ),
                "{file} {index}: stake tree tx {} is {}",
                tx.txid(),
                tx.stake_type()
            );
        }
        if let Some(p) = prev {
            assert_eq!(block.header.prev_block, p, "{file} chains");
        }
        prev = Some(block.hash());
    }
    assert_eq!(at, raw.len(), "{file}: no trailing data");
}

#[test]
fn block_record_files_match_their_hash_lists() {
    let Some(dir) = support::testdata("block_record_files_match_their_hash_lists") else {
        return;
    };
    check_record_file(&dir, "decred/blocks0to168.lenprefixed", 169);
    check_record_file(&dir, "decred/reorgto179.lenprefixed", 180);
    check_record_file(&dir, "decred/testexpiry.lenprefixed", 1002);
}

#[test]
fn stake_trees_hold_tickets_votes_and_revocations() {
    let Some(dir) = support::testdata("stake_trees_hold_tickets_votes_and_revocations") else {
        return;
    };
    let raw = support::read(&dir, "decred/testexpiry.lenprefixed");
    let (mut tickets, mut votes, mut revocations) = (0, 0, 0);
    let mut at = 0;
    while at < raw.len() {
        let len = u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        let block: Block = from_bytes(&Bytes::copy_from_slice(&raw[at + 4..at + 4 + len]), PVER).unwrap();
        at += 4 + len;
        let count = |t: StakeTxType| {
            block
                .stake_transactions
                .iter()
                .filter(|tx| tx.stake_type() == t)
                .count()
        };
        assert_eq!(count(StakeTxType::Ticket), usize::from(block.header.fresh_stake));
        assert_eq!(count(StakeTxType::Vote), usize::from(block.header.voters));
        assert_eq!(count(StakeTxType::Revocation), usize::from(block.header.revocations));
        tickets += count(StakeTxType::Ticket);
        votes += count(StakeTxType::Vote);
        revocations += count(StakeTxType::Revocation);
    }
    assert!(
        tickets > 0 && votes > 0 && revocations > 0,
        "{tickets} {votes} {revocations}"
    );
}

#[test]
fn dcp0005_rule_commits_to_both_roots() {
    let Some(dir) = support::testdata("dcp0005_rule_commits_to_both_roots") else {
        return;
    };
    let raw = support::read(&dir, "decred/blocks0to168.lenprefixed");
    // The last record: height 168, 3 regular and 5 stake transactions.
    let mut at = 0;
    let mut last = 0..0;
    while at < raw.len() {
        let len = u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        last = at + 4..at + 4 + len;
        at += 4 + len;
    }
    let mut block: Block = from_bytes(&Bytes::copy_from_slice(&raw[last]), PVER).unwrap();
    assert_eq!(block.header.height, 168);
    let regular = block.compute_regular_root();
    let stake = block.compute_stake_root();
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(&regular.0);
    pair[32..].copy_from_slice(&stake.0);
    assert_eq!(combine_roots(regular, stake), blake256_hash(&pair));
    assert_eq!(block.compute_combined_root(), blake256_hash(&pair));

    block.header.merkle_root = blake256_hash(&pair);
    // After DCP0005 the stake root field holds the header commitment root, which the block cannot check.
    block.header.stake_root = Hash256([0x5a; 32]);
    assert_eq!(block.check_merkle_roots(MerkleRules::Dcp0005), Ok(()));
    let err = block.check_merkle_roots(MerkleRules::PreDcp0005).unwrap_err();
    assert_eq!((err.field, err.computed), (MerkleField::MerkleRoot, regular));
    assert_eq!(MerkleRules::mainnet(431_487), MerkleRules::PreDcp0005);
    assert_eq!(MerkleRules::mainnet(431_488), MerkleRules::Dcp0005);

    // One transaction changed breaks the combined commitment.
    block.transactions[0].expiry ^= 1;
    assert_eq!(
        block.check_merkle_roots(MerkleRules::Dcp0005).unwrap_err().field,
        MerkleField::MerkleRoot
    );
}

#[test]
fn transactions_decode_hash_and_reencode() {
    let Some(dir) = support::testdata("transactions_decode_hash_and_reencode") else {
        return;
    };
    let cases = [
        (
            "dcr_many_inputs_tx_620f57c9.hex",
            34_311,
            89,
            2,
            "620f57c92cf05a7f7e7f7d28255d5f7089437bc48e34dcfebf7751d08b7fb8f5",
            "378c0cf38aa1f1c62ef6442980a8b5b9889141f898a81aaf3ede0243f702c28e",
        ),
        (
            "tx100004-4.hex",
            416,
            2,
            2,
            "b0f540d02eb5cf030e14c08b3b0092648a87f4c6b141dcf34723815a1d01a975",
            "e5896c1f207dbfb68ec9124ad618d9300aaad2424c0dbd926d296d2e370d74ae",
        ),
        (
            "tx100082-5.hex",
            416,
            2,
            2,
            "765bb2f1fa79222ebc381b6e32a2996e73d5b0d01b443d871f04060def245dcd",
            "0e62c8f76ccc5eee2d2b8f1bf8ea1280f5fd2471f7c5aa19d9b3a5c02a990ed3",
        ),
        (
            "tx101790-3.hex",
            381,
            2,
            1,
            "832f1df32817e2f1a1c655c658c2c93926a79b4f3ecc0e8a1f9e4447d990c69d",
            "3939f6f3976b3649dcfb9ea3b3a9ba8058c7d1673a6939f390d09520932b3690",
        ),
        (
            "tx108930-1.hex",
            417,
            2,
            2,
            "08f620fbd2d7b5eb3d6c2940a859ce12968547f661be0ce24c4f116dce1f1f44",
            "c9f06d9ebe28b52305bb70be951ffd177de027254dbb35682b3815417684b016",
        ),
        (
            "tx150002-7.hex",
            416,
            2,
            2,
            "267d9700a090710127efa60c5523f56a0f268e6483737800d193109f5d76276b",
            "c0c9ad7d8234fcc91bf3ae8496e8b58ca34fd8d05c08fd33e71096ae5febfcb7",
        ),
        (
            "tx150007-23.hex",
            546,
            3,
            1,
            "06fce11b0670038e1e7ec5fd5b84ff1e4fc07bc373f48060f21b9ff79e851a26",
            "295724e28308c28abee06c1f73c2182582e0037f438e1009f8c0941f192cded0",
        ),
        (
            "tx150043-14.hex",
            252,
            1,
            2,
            "aa4c208c85a9576954d11dd566009cdad98b1c65dcd63b4f6ca11c3e8dff6684",
            "d2366794fc9ea2294555d4cb283bbae9fc6bab628fcebd2dd832c4842ee0409a",
        ),
        (
            "tx150043-14m.hex",
            252,
            1,
            2,
            "b416cbe932c3419465de359b1fc1e07833fd2c49ddee36b61257d10046c98df4",
            "b850afa3f7d734d0014e300c5e80a8ffde97e4d659022e8d7ee2387a70482c8e",
        ),
        (
            "tx150626-24.hex",
            360,
            1,
            5,
            "60542bf8ff4acd9ddb28fd9a2df33d23dd2b70a9aaca1f3dd5fe737879205e56",
            "8637f612fb94d5309be8ae510f15a1ac3c1448755015ccfbf14b85661ebca950",
        ),
    ];
    for (file, size, inputs, outputs, txid, full) in cases {
        let raw = support::read_hex(&dir, &format!("decred/{file}"));
        assert_eq!(raw.len(), size, "{file}");
        let tx: Transaction = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
        assert_eq!((tx.ser_type, tx.version), (TxSerType::Full, 1), "{file}");
        assert_eq!((tx.inputs.len(), tx.outputs.len()), (inputs, outputs), "{file}");
        assert_eq!(tx.txid(), h(txid), "{file} txid");
        assert_eq!(tx.full_hash(), h(full), "{file} full hash");
        let mut pair = [0u8; 64];
        pair[..32].copy_from_slice(&tx.txid().0);
        pair[32..].copy_from_slice(&tx.witness_hash().0);
        assert_eq!(blake256_hash(&pair), tx.full_hash());
        assert_eq!(to_vec(&tx), raw, "{file} re-encodes");

        // The prefix-only and witness-only forms decode too, and hash as their halves.
        let mut prefix = Vec::new();
        tx.encode_as(&mut prefix, TxSerType::NoWitness);
        assert_eq!(blake256_hash(&prefix), tx.txid());
        let p: Transaction = from_bytes(&Bytes::from(prefix.clone()), PVER).unwrap();
        assert_eq!(
            (p.ser_type, p.txid(), to_vec(&p)),
            (TxSerType::NoWitness, tx.txid(), prefix)
        );
        let mut witness = Vec::new();
        tx.encode_as(&mut witness, TxSerType::OnlyWitness);
        assert_eq!(blake256_hash(&witness), tx.witness_hash());
        let w: Transaction = from_bytes(&Bytes::from(witness.clone()), PVER).unwrap();
        assert_eq!(
            (w.ser_type, w.witness_hash(), to_vec(&w)),
            (TxSerType::OnlyWitness, tx.witness_hash(), witness)
        );
    }
}

/// Decodes every frame of a capture, one byte at a time, and checks each re-encodes to the bytes received.
fn replay_capture(raw: &[u8], network: &Network, pver: u32) -> Vec<Message> {
    let mut dec = FrameDecoder::new(network.clone(), pver);
    let mut messages = Vec::new();
    let mut frame_start = 0;
    for b in raw {
        dec.extend_from_slice(std::slice::from_ref(b));
        while let Some(frame) = dec.next_frame().unwrap() {
            let msg: Message = frame.decode(pver).unwrap_or_else(|e| panic!("{e}"));
            let mut out = BytesMut::new();
            encode_frame(network, &msg, EncodeOptions::new(pver), &mut out).unwrap();
            let original = &raw[frame_start..frame_start + frame.wire_len()];
            assert_eq!(&out[..], original, "{} re-encodes", msg.command());
            frame_start += frame.wire_len();
            assert!(!msg.summary().is_empty());
            messages.push(msg);
        }
    }
    assert_eq!(frame_start, raw.len(), "whole messages only");
    messages
}

#[test]
fn dcrd_capture_decodes_and_reencodes() {
    let Some(dir) = support::testdata("dcrd_capture_decodes_and_reencodes") else {
        return;
    };
    let net = Network::DECRED_SIMNET;
    let pver = version::BATCHED_CFILTERS_V2;
    let raw = support::read(&dir, "captures/dcrd-2.0.6-simnet.in.bin");
    let got = replay_capture(&raw, &net, pver);
    let commands: Vec<String> = got.iter().map(|m| m.command().to_string()).collect();
    assert_eq!(
        commands,
        [
            "version",
            "verack",
            "getinitstate",
            "sendheaders",
            "pong",
            "headers",
            "block",
            "block",
            "block"
        ]
    );
    let Message::Version(v) = &got[0] else {
        panic!("version first")
    };
    assert_eq!((v.version, v.user_agent.as_str()), (11, "/dcrwire:1.0.0/dcrd:2.0.6/"));
    let Message::GetInitState(g) = &got[2] else {
        panic!("getinitstate third")
    };
    assert_eq!(g.types, ["headblocks", "headblockvotes", "tspends"]);
    let Message::Headers(headers) = &got[5] else {
        panic!("headers")
    };
    let blocks: Vec<&Block> = got[6..]
        .iter()
        .map(|m| match m {
            Message::Block(b) => b,
            _ => panic!("block"),
        })
        .collect();
    // The three blocks asked for are the first three headers returned, and they chain.
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.header, headers[i]);
        // dcrd 2.0's simnet has DCP0005 active from the start: the combined root holds.
        assert_eq!(b.check_merkle_roots(MerkleRules::Dcp0005), Ok(()), "block {i}");
        if i > 0 {
            assert_eq!(b.header.prev_block, blocks[i - 1].hash());
        }
    }
    assert_eq!(&blocks[0].hash().to_string()[..16], "4a39461bf6eb5201");
    assert_eq!(&blocks[1].hash().to_string()[..16], "5110fd3236cf5da0");
    assert_eq!(&blocks[2].hash().to_string()[..16], "ff50011e95f05227");

    let out = support::read(&dir, "captures/dcrd-2.0.6-simnet.out.bin");
    let sent = replay_capture(&out, &net, pver);
    assert_eq!(sent[0].command(), "version");
}

#[test]
fn version_message_is_134_bytes_at_pver_12_with_dcrds_test_agent() {
    let v = VersionMessage {
        version: 12,
        services: ServiceFlags::NONE,
        timestamp: 1_700_000_000,
        receiver: NetAddress::from_socket_addr("127.0.0.1:18555".parse().unwrap(), ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NONE),
        nonce: 0x1234_5678_9abc_def0,
        user_agent: "/dcrwire:1.0.0/peer:1.0/".into(),
        start_height: 0,
        relay: true,
    };
    let msg = Message::Version(v);
    let mut out = BytesMut::new();
    let n = encode_frame(&Network::DECRED_SIMNET, &msg, EncodeOptions::new(12), &mut out).unwrap();
    assert_eq!((n, out.len() - 24), (134, 110));
    // The relay byte is written whatever the version, and read back.
    let mut dec = FrameDecoder::new(Network::DECRED_SIMNET, 12);
    dec.extend_from_slice(&out);
    let frame = dec.next_frame().unwrap().unwrap();
    assert_eq!(frame.payload[109], 1);
    assert_eq!(frame.decode::<Message>(12).unwrap(), msg);
}

#[test]
fn mixpairreq_matches_dcrds_wire_test_layout() {
    // The fields of dcrd's `TestMsgMixPairReqWire`, each an easily recognised repeated byte.
    let rep = |b: u8, n: usize| vec![b; n];
    let msg = MixPairReq {
        signature: [0x80; 64],
        identity: [0x81; 33],
        expiry: 0x8282_8282,
        mix_amount: 0x0383_8383_8383_8383,
        script_class: "P2PKH-secp256k1-v0".into(),
        tx_version: 0x8484,
        lock_time: 0x8585_8585,
        message_count: 0x8686_8686,
        input_value: 0x0787_8787_8787_8787,
        utxos: vec![
            MixPairReqUtxo {
                outpoint: OutPoint {
                    hash: Hash256([0x88; 32]),
                    index: 0x8989_8989,
                    tree: 0x0a,
                },
                script: Bytes::new(),
                pubkey: Bytes::from(rep(0x8b, 33)),
                signature: Bytes::from(rep(0x8c, 64)),
                opcode: 0xbb,
            },
            MixPairReqUtxo {
                outpoint: OutPoint {
                    hash: Hash256([0x8d; 32]),
                    index: 0x8e8e_8e8e,
                    tree: 0x0f,
                },
                script: Bytes::from(rep(0x90, 25)),
                pubkey: Bytes::from(rep(0x91, 33)),
                signature: Bytes::from(rep(0x92, 64)),
                opcode: 0xbc,
            },
        ],
        change: Some(TxOut {
            value: 0x1393_9393_9393_9393,
            version: 0,
            pk_script: Bytes::from(rep(0x94, 25)),
        }),
        flags: 0x95,
        pairing_flags: 0x96,
    };
    let mut want = Vec::new();
    want.extend(rep(0x80, 64));
    want.extend(rep(0x81, 33));
    want.extend(rep(0x82, 4));
    want.extend([0x83, 0x83, 0x83, 0x83, 0x83, 0x83, 0x83, 0x03]);
    want.push(18);
    want.extend(b"P2PKH-secp256k1-v0");
    want.extend([0x84, 0x84]);
    want.extend(rep(0x85, 4));
    want.extend(rep(0x86, 4));
    want.extend([0x87, 0x87, 0x87, 0x87, 0x87, 0x87, 0x87, 0x07]);
    want.push(2);
    want.extend(rep(0x88, 32));
    want.extend(rep(0x89, 4));
    want.extend([0x0a, 0x00, 0x21]);
    want.extend(rep(0x8b, 33));
    want.push(0x40);
    want.extend(rep(0x8c, 64));
    want.push(0xbb);
    want.extend(rep(0x8d, 32));
    want.extend(rep(0x8e, 4));
    want.extend([0x0f, 0x19]);
    want.extend(rep(0x90, 25));
    want.push(0x21);
    want.extend(rep(0x91, 33));
    want.push(0x40);
    want.extend(rep(0x92, 64));
    want.push(0xbc);
    want.push(0x01);
    want.extend([0x93, 0x93, 0x93, 0x93, 0x93, 0x93, 0x93, 0x13, 0x00, 0x00, 0x19]);
    want.extend(rep(0x94, 25));
    want.extend([0x95, 0x96]);
    let msg = Message::MixPairReq(Box::new(msg));
    let mut got = Vec::new();
    msg.encode_payload(EncodeOptions::new(version::MIXING), &mut got)
        .unwrap();
    assert_eq!(got, want);
    let back = Message::decode_payload(&msg.command(), &Bytes::from(want.clone()), version::MIXING).unwrap();
    assert_eq!(back, msg);
    assert_eq!(back.mix_hash(), Some(blake256_hash(&want)));
}
