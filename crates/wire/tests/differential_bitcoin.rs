//! Differential tests against the `bitcoin` crate (0.32): for every message both model, equal values encode to
//! the same payload and the same frame, and each decodes what the other wrote. Real blocks, transactions and
//! node conversations from the test data decode alike in both.
//!
//! Values are built on our side and converted; the conversions below are the only place the two models meet.

mod support;

use bitcoin::bip152::{BlockTransactions, BlockTransactionsRequest, HeaderAndShortIds, ShortId};
use bitcoin::consensus::encode::{deserialize, deserialize_partial, serialize};
use bitcoin::hashes::{sha256d, Hash as _};
use bitcoin::merkle_tree::PartialMerkleTree;
use bitcoin::p2p::address::{AddrV2 as BAddrV2, AddrV2Message, Address as BAddress};
use bitcoin::p2p::message::{CommandString, NetworkMessage, RawNetworkMessage};
use bitcoin::p2p::message_blockdata::{GetBlocksMessage, GetHeadersMessage, Inventory as BInventory};
use bitcoin::p2p::message_bloom::{BloomFlags, FilterAdd as BFilterAdd, FilterLoad as BFilterLoad};
use bitcoin::p2p::message_compact_blocks as bcmpct;
use bitcoin::p2p::message_filter as bfilter;
use bitcoin::p2p::message_network::{Reject as BReject, RejectReason, VersionMessage as BVersionMessage};
use bitcoin::p2p::{Magic, ServiceFlags as BServiceFlags};
use bitcoin::{absolute, block, transaction, Amount, BlockHash, CompactTarget, ScriptBuf, Sequence, Witness};
use bytes::{Bytes, BytesMut};
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::encode::{from_bytes, to_vec};
use coinpeer_wire::messages::{
    BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, TimedNetAddress, VersionMessage,
};
use coinpeer_wire::{encode_frame, Command, Dialect, EncodeOptions, FrameDecoder, Hash256, Network, WireMessage};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The version both sides speak: the bitcoin crate always writes the relay byte and ping nonces.
const PVER: u32 = 70_016;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Conversions: ours -> theirs
// ---------------------------------------------------------------------------------------------------------

fn bh<T: bitcoin::hashes::Hash<Bytes = [u8; 32]>>(h: &Hash256) -> T {
    T::from_byte_array(h.0)
}

fn b_services(s: ServiceFlags) -> BServiceFlags {
    BServiceFlags::from(s.0)
}

fn b_address(a: &NetAddress) -> BAddress {
    BAddress {
        services: b_services(a.services),
        address: a.ip.segments(),
        port: a.port,
    }
}

fn b_header(h: &cw::BlockHeader) -> block::Header {
    block::Header {
        version: block::Version::from_consensus(h.version),
        prev_blockhash: bh(&h.prev_block),
        merkle_root: bh(&h.merkle_root),
        time: h.time,
        bits: CompactTarget::from_consensus(h.bits),
        nonce: h.nonce,
    }
}

fn b_tx(tx: &cw::Transaction) -> bitcoin::Transaction {
    bitcoin::Transaction {
        version: transaction::Version(tx.version),
        lock_time: absolute::LockTime::from_consensus(tx.lock_time),
        input: tx
            .inputs
            .iter()
            .map(|i| bitcoin::TxIn {
                previous_output: bitcoin::OutPoint {
                    txid: bh(&i.previous_output.txid),
                    vout: i.previous_output.vout,
                },
                script_sig: ScriptBuf::from_bytes(i.script_sig.to_vec()),
                sequence: Sequence(i.sequence),
                witness: Witness::from_slice(&i.witness.iter().collect::<Vec<_>>()),
            })
            .collect(),
        output: tx
            .outputs
            .iter()
            .map(|o| bitcoin::TxOut {
                value: Amount::from_sat(o.value as u64),
                script_pubkey: ScriptBuf::from_bytes(o.script_pubkey.to_vec()),
            })
            .collect(),
    }
}

fn b_block(b: &cw::Block) -> bitcoin::Block {
    bitcoin::Block {
        header: b_header(&b.header),
        txdata: b.transactions.iter().map(b_tx).collect(),
    }
}

fn b_inventory(i: &Inventory) -> BInventory {
    let h = &i.hash;
    match i.kind.0 {
        1 => BInventory::Transaction(bh(h)),
        2 => BInventory::Block(bh(h)),
        4 => BInventory::CompactBlock(bh(h)),
        5 => BInventory::WTx(bh(h)),
        0x4000_0001 => BInventory::WitnessTransaction(bh(h)),
        0x4000_0002 => BInventory::WitnessBlock(bh(h)),
        // 0 (error), 3 (filtered block) and anything newer: the bitcoin crate decodes them as Unknown.
        inv_type => BInventory::Unknown { inv_type, hash: h.0 },
    }
}

fn b_addrv2(e: &cw::AddrV2Entry) -> AddrV2Message {
    AddrV2Message {
        time: e.time,
        services: b_services(e.services),
        addr: match &e.addr {
            cw::AddrV2::Ipv4(a) => BAddrV2::Ipv4(*a),
            cw::AddrV2::Ipv6(a) => BAddrV2::Ipv6(*a),
            cw::AddrV2::TorV2(a) => BAddrV2::TorV2(*a),
            cw::AddrV2::TorV3(a) => BAddrV2::TorV3(*a),
            cw::AddrV2::I2p(a) => BAddrV2::I2p(*a),
            cw::AddrV2::Cjdns(a) => BAddrV2::Cjdns(Ipv6Addr::from(*a)),
            cw::AddrV2::Unknown { network_id, bytes } => BAddrV2::Unknown(*network_id, bytes.to_vec()),
        },
        port: e.port,
    }
}

fn b_locator(l: &BlockLocator) -> (u32, Vec<BlockHash>, BlockHash) {
    (l.version, l.locator.iter().map(bh).collect(), bh(&l.stop))
}

fn b_reject_reason(code: cw::RejectCode) -> RejectReason {
    match code.0 {
        0x01 => RejectReason::Malformed,
        0x10 => RejectReason::Invalid,
        0x11 => RejectReason::Obsolete,
        0x12 => RejectReason::Duplicate,
        0x40 => RejectReason::NonStandard,
        0x41 => RejectReason::Dust,
        0x42 => RejectReason::Fee,
        0x43 => RejectReason::Checkpoint,
        other => panic!("the bitcoin crate has no reject code {other:#04x}"),
    }
}

/// The bitcoin crate keeps a partial merkle tree's fields private, so the tree is built by its own decoder from
/// bytes written here by hand (not by our encoder).
fn b_partial_tree(m: &cw::MerkleBlock) -> PartialMerkleTree {
    let mut raw = m.total_transactions.to_le_bytes().to_vec();
    raw.extend(serialize(&bitcoin::VarInt(m.hashes.len() as u64)));
    for h in &m.hashes {
        raw.extend_from_slice(&h.0);
    }
    raw.extend(serialize(&bitcoin::VarInt(m.flags.len() as u64)));
    raw.extend_from_slice(&m.flags);
    let tree: PartialMerkleTree = deserialize(&raw).expect("partial merkle tree");
    assert_eq!(tree.num_transactions(), m.total_transactions);
    assert_eq!(
        tree.hashes().iter().map(|h| h.to_byte_array()).collect::<Vec<_>>(),
        m.hashes.iter().map(|h| h.0).collect::<Vec<_>>()
    );
    let bits: Vec<bool> = m
        .flags
        .iter()
        .flat_map(|b| (0..8).map(move |i| b & (1 << i) != 0))
        .collect();
    assert_eq!(tree.bits(), &bits);
    tree
}

/// The indexes of BIP152 prefilled transactions travel as gaps; the bitcoin crate stores the gaps.
fn differential_indexes(absolute: impl Iterator<Item = u16>) -> Vec<u16> {
    let mut prev: Option<u16> = None;
    absolute
        .map(|i| {
            let gap = match prev {
                None => i,
                Some(p) => i - p - 1,
            };
            prev = Some(i);
            gap
        })
        .collect()
}

/// The bitcoin crate's value for one of our messages; panics for what it does not model.
fn to_btc(msg: &cw::Message) -> NetworkMessage {
    use cw::Message as M;
    use NetworkMessage as N;
    match msg {
        M::Version(v) => N::Version(BVersionMessage {
            version: v.version,
            services: b_services(v.services),
            timestamp: v.timestamp,
            receiver: b_address(&v.receiver),
            sender: b_address(&v.sender),
            nonce: v.nonce,
            user_agent: v.user_agent.clone(),
            start_height: v.start_height,
            relay: v.relay,
        }),
        M::Verack => N::Verack,
        M::GetAddr => N::GetAddr,
        M::Addr(list) => N::Addr(list.iter().map(|a| (a.time, b_address(&a.addr))).collect()),
        M::AddrV2(list) => N::AddrV2(list.iter().map(b_addrv2).collect()),
        M::SendAddrV2 => N::SendAddrV2,
        M::Inv(l) => N::Inv(l.iter().map(b_inventory).collect()),
        M::GetData(l) => N::GetData(l.iter().map(b_inventory).collect()),
        M::NotFound(l) => N::NotFound(l.iter().map(b_inventory).collect()),
        M::GetBlocks(l) => {
            let (version, locator_hashes, stop_hash) = b_locator(l);
            N::GetBlocks(GetBlocksMessage {
                version,
                locator_hashes,
                stop_hash,
            })
        }
        M::GetHeaders(l) => {
            let (version, locator_hashes, stop_hash) = b_locator(l);
            N::GetHeaders(GetHeadersMessage {
                version,
                locator_hashes,
                stop_hash,
            })
        }
        M::Headers(h) => N::Headers(h.iter().map(b_header).collect()),
        M::Block(b) => N::Block(b_block(b)),
        M::Tx(t) => N::Tx(b_tx(t)),
        M::Ping(n) => N::Ping(*n),
        M::Pong(n) => N::Pong(*n),
        M::Reject(r) => N::Reject(BReject {
            message: Cow::Owned(r.message.clone()),
            ccode: b_reject_reason(r.code),
            reason: Cow::Owned(r.reason.clone()),
            hash: sha256d::Hash::from_byte_array(r.hash.expect("the bitcoin crate always sends a hash").0),
        }),
        M::SendHeaders => N::SendHeaders,
        M::FeeFilter(f) => N::FeeFilter(*f),
        M::MemPool => N::MemPool,
        M::MerkleBlock(m) => N::MerkleBlock(bitcoin::MerkleBlock {
            header: b_header(&m.header),
            txn: b_partial_tree(m),
        }),
        M::FilterLoad(f) => N::FilterLoad(BFilterLoad {
            filter: f.filter.to_vec(),
            hash_funcs: f.hash_funcs,
            tweak: f.tweak,
            flags: match f.flags {
                0 => BloomFlags::None,
                1 => BloomFlags::All,
                2 => BloomFlags::PubkeyOnly,
                other => panic!("the bitcoin crate has no bloom flag {other}"),
            },
        }),
        M::FilterAdd(d) => N::FilterAdd(BFilterAdd { data: d.to_vec() }),
        M::FilterClear => N::FilterClear,
        M::GetCFilters(g) => N::GetCFilters(bfilter::GetCFilters {
            filter_type: g.filter_type,
            start_height: g.start_height,
            stop_hash: bh(&g.stop_hash),
        }),
        M::CFilter(c) => N::CFilter(bfilter::CFilter {
            filter_type: c.filter_type,
            block_hash: bh(&c.block_hash),
            filter: c.filter.to_vec(),
        }),
        M::GetCFHeaders(g) => N::GetCFHeaders(bfilter::GetCFHeaders {
            filter_type: g.filter_type,
            start_height: g.start_height,
            stop_hash: bh(&g.stop_hash),
        }),
        M::CFHeaders(c) => N::CFHeaders(bfilter::CFHeaders {
            filter_type: c.filter_type,
            stop_hash: bh(&c.stop_hash),
            previous_filter_header: bh(&c.prev_filter_header),
            filter_hashes: c.filter_hashes.iter().map(bh).collect(),
        }),
        M::GetCFCheckpt(g) => N::GetCFCheckpt(bfilter::GetCFCheckpt {
            filter_type: g.filter_type,
            stop_hash: bh(&g.stop_hash),
        }),
        M::CFCheckpt(c) => N::CFCheckpt(bfilter::CFCheckpt {
            filter_type: c.filter_type,
            stop_hash: bh(&c.stop_hash),
            filter_headers: c.filter_headers.iter().map(bh).collect(),
        }),
        M::WtxidRelay => N::WtxidRelay,
        M::SendCmpct(s) => N::SendCmpct(bcmpct::SendCmpct {
            send_compact: s.announce,
            version: s.version,
        }),
        M::CmpctBlock(c) => N::CmpctBlock(bcmpct::CmpctBlock {
            compact_block: HeaderAndShortIds {
                header: b_header(&c.header),
                nonce: c.nonce,
                short_ids: c.short_ids.iter().map(|s| ShortId::from(*s)).collect(),
                prefilled_txs: differential_indexes(c.prefilled.iter().map(|p| p.index))
                    .into_iter()
                    .zip(&c.prefilled)
                    .map(|(idx, p)| bitcoin::bip152::PrefilledTransaction { idx, tx: b_tx(&p.tx) })
                    .collect(),
            },
        }),
        M::GetBlockTxn(g) => N::GetBlockTxn(bcmpct::GetBlockTxn {
            txs_request: BlockTransactionsRequest {
                block_hash: bh(&g.block_hash),
                indexes: g.indexes.iter().map(|&i| u64::from(i)).collect(),
            },
        }),
        M::BlockTxn(b) => N::BlockTxn(bcmpct::BlockTxn {
            transactions: BlockTransactions {
                block_hash: bh(&b.block_hash),
                transactions: b.transactions.iter().map(b_tx).collect(),
            },
        }),
        M::Unknown { command, payload } => N::Unknown {
            command: CommandString::try_from(command.as_str()).unwrap(),
            payload: payload.to_vec(),
        },
        other => panic!("{} is not modelled by the bitcoin crate", other.command()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The differential check
// ---------------------------------------------------------------------------------------------------------

fn our_payload(msg: &cw::Message, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out).unwrap();
    out
}

fn our_frame(msg: &cw::Message) -> BytesMut {
    let mut out = BytesMut::new();
    encode_frame(&Network::BITCOIN, msg, EncodeOptions::new(PVER), &mut out).unwrap();
    out
}

fn decode_our_frame(wire: &[u8]) -> Result<cw::Message, TestCaseError> {
    let mut dec = FrameDecoder::new(Network::BITCOIN, PVER);
    dec.extend_from_slice(wire);
    let frame = dec
        .next_frame()
        .map_err(|e| TestCaseError::fail(format!("our frame decoder on their frame: {e}")))?
        .ok_or_else(|| TestCaseError::fail("their frame is incomplete for our decoder"))?;
    prop_assert_eq!(dec.buffered(), 0);
    frame
        .decode(PVER)
        .map_err(|e| TestCaseError::fail(format!("our decoder on their payload: {e}")))
}

/// Same payload bytes, same frame bytes, and each side decodes the other's frame to the equal value.
fn same_as_bitcoin_crate(ours: &cw::Message) -> Result<(), TestCaseError> {
    let theirs = to_btc(ours);
    let command = ours.command();
    prop_assert_eq!(theirs.command().to_string(), command.to_string());

    let mine = our_payload(ours, PVER);
    let their_payload = serialize(&theirs);
    prop_assert_eq!(
        hex::encode(&mine),
        hex::encode(&their_payload),
        "{} payload: ours vs bitcoin crate",
        command
    );
    let back = cw::Message::decode_payload(&command, &Bytes::from(their_payload), PVER)
        .map_err(|e| TestCaseError::fail(format!("{command}: our decoder on their payload: {e}")))?;
    prop_assert_eq!(&back, ours);

    let frame = our_frame(ours);
    let their_frame = serialize(&RawNetworkMessage::new(Magic::BITCOIN, theirs.clone()));
    prop_assert_eq!(
        hex::encode(&frame),
        hex::encode(&their_frame),
        "{} frame: ours vs bitcoin crate",
        command
    );
    let raw: RawNetworkMessage =
        deserialize(&frame).map_err(|e| TestCaseError::fail(format!("{command}: bitcoin crate on our frame: {e}")))?;
    prop_assert_eq!(raw.magic(), &Magic::BITCOIN);
    prop_assert_eq!(raw.payload(), &theirs);
    prop_assert_eq!(&decode_our_frame(&their_frame)?, ours);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Strategies, limited to values both crates accept
// ---------------------------------------------------------------------------------------------------------

fn hash() -> impl Strategy<Value = Hash256> {
    any::<[u8; 32]>().prop_map(Hash256)
}

fn bytes(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), len).prop_map(Bytes::from)
}

/// A long byte string from a seed: drawing tens of kilobytes byte by byte is slow and shrinks no better.
fn long_bytes(len: usize) -> impl Strategy<Value = Bytes> {
    any::<u64>().prop_map(move |mut x| {
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect::<Vec<u8>>()
            .into()
    })
}

fn script() -> impl Strategy<Value = Bytes> {
    prop_oneof![8 => bytes(0..=40), 1 => bytes(253..=300)]
}

fn services() -> impl Strategy<Value = ServiceFlags> {
    any::<u64>().prop_map(ServiceFlags)
}

fn net_address() -> impl Strategy<Value = NetAddress> {
    (services(), any::<[u8; 16]>(), any::<u16>()).prop_map(|(services, ip, port)| NetAddress {
        services,
        ip: Ipv6Addr::from(ip),
        port,
    })
}

fn version_message() -> impl Strategy<Value = VersionMessage> {
    (
        (any::<u32>(), services(), any::<i64>(), net_address(), net_address()),
        (
            any::<u64>(),
            prop_oneof![4 => "\\PC{0,40}", 1 => "[ -~]{256}"],
            any::<i32>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((version, services, timestamp, receiver, sender), (nonce, user_agent, start_height, relay))| {
                VersionMessage {
                    version,
                    services,
                    timestamp,
                    receiver,
                    sender,
                    nonce,
                    user_agent,
                    start_height,
                    relay,
                }
            },
        )
}

/// BIP155 addresses as the bitcoin crate accepts them: no IPv4-mapped or OnionCat address under the IPv6 id,
/// CJDNS addresses in fc00::/8.
fn addrv2() -> impl Strategy<Value = cw::AddrV2> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| cw::AddrV2::Ipv4(Ipv4Addr::from(b))),
        any::<[u8; 16]>()
            .prop_filter("not IPv4-mapped or OnionCat", |b| {
                b[..12] != [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] && b[..6] != [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43]
            })
            .prop_map(|b| cw::AddrV2::Ipv6(Ipv6Addr::from(b))),
        any::<[u8; 10]>().prop_map(cw::AddrV2::TorV2),
        any::<[u8; 32]>().prop_map(cw::AddrV2::TorV3),
        any::<[u8; 32]>().prop_map(cw::AddrV2::I2p),
        any::<[u8; 16]>().prop_map(|mut b| {
            b[0] = 0xfc;
            cw::AddrV2::Cjdns(b)
        }),
        (
            prop_oneof![Just(0u8), 7u8..=255],
            prop_oneof![4 => bytes(0..=40), 1 => bytes(500..=512)]
        )
            .prop_map(|(network_id, bytes)| cw::AddrV2::Unknown { network_id, bytes }),
    ]
}

fn addrv2_entry() -> impl Strategy<Value = cw::AddrV2Entry> {
    (any::<u32>(), services(), addrv2(), any::<u16>()).prop_map(|(time, services, addr, port)| cw::AddrV2Entry {
        time,
        services,
        addr,
        port,
    })
}

fn inventory() -> impl Strategy<Value = Inventory> {
    let kind = prop_oneof![
        select(vec![0u32, 1, 2, 3, 4, 5, 0x4000_0001, 0x4000_0002, 0x4000_0003]),
        any::<u32>()
    ];
    (kind, hash()).prop_map(|(kind, hash)| Inventory::new(InvType(kind), hash))
}

fn locator() -> impl Strategy<Value = BlockLocator> {
    (any::<u32>(), vec(hash(), 0..=40), hash()).prop_map(|(version, locator, stop)| BlockLocator {
        version,
        locator,
        stop,
    })
}

fn header() -> impl Strategy<Value = cw::BlockHeader> {
    (any::<i32>(), hash(), hash(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
        |(version, prev_block, merkle_root, time, bits, nonce)| cw::BlockHeader {
            version,
            prev_block,
            merkle_root,
            time,
            bits,
            nonce,
        },
    )
}

/// Transactions with at least one input (the two crates serialize input-less ones differently, by design).
fn transaction() -> impl Strategy<Value = cw::Transaction> {
    let input = (
        hash(),
        any::<u32>(),
        script(),
        any::<u32>(),
        prop_oneof![2 => Just(vec![]), 3 => vec(bytes(0..=72), 0..=3)],
    )
        .prop_map(|(txid, vout, script_sig, sequence, witness)| cw::TxIn {
            previous_output: cw::OutPoint { txid, vout },
            script_sig,
            sequence,
            witness: witness.into(),
        });
    let output = (any::<i64>(), script()).prop_map(|(value, script_pubkey)| cw::TxOut { value, script_pubkey });
    (any::<i32>(), vec(input, 1..=3), vec(output, 0..=3), any::<u32>()).prop_map(
        |(version, inputs, outputs, lock_time)| cw::Transaction {
            version,
            inputs,
            outputs,
            lock_time,
        },
    )
}

fn block() -> impl Strategy<Value = cw::Block> {
    (header(), vec(transaction(), 0..=4)).prop_map(|(header, transactions)| cw::Block { header, transactions })
}

fn indexes(max_len: usize) -> impl Strategy<Value = Vec<u16>> {
    (btree_set(any::<u16>(), 0..=max_len), any::<bool>(), any::<bool>()).prop_map(|(mut set, first, last)| {
        if first {
            set.insert(0);
        }
        if last {
            set.insert(u16::MAX);
        }
        set.into_iter().collect()
    })
}

/// Every command the bitcoin crate also models.
const SHARED_COMMANDS: &[&str] = &[
    "version",
    "verack",
    "getaddr",
    "addr",
    "addrv2",
    "sendaddrv2",
    "inv",
    "getdata",
    "notfound",
    "getblocks",
    "getheaders",
    "headers",
    "block",
    "tx",
    "ping",
    "pong",
    "reject",
    "sendheaders",
    "feefilter",
    "mempool",
    "merkleblock",
    "filterload",
    "filteradd",
    "filterclear",
    "getcfilters",
    "cfilter",
    "getcfheaders",
    "cfheaders",
    "getcfcheckpt",
    "cfcheckpt",
    "wtxidrelay",
    "sendcmpct",
    "cmpctblock",
    "getblocktxn",
    "blocktxn",
];

fn get_cfilters() -> impl Strategy<Value = cw::GetCFilters> {
    (any::<u8>(), any::<u32>(), hash()).prop_map(|(filter_type, start_height, stop_hash)| cw::GetCFilters {
        filter_type,
        start_height,
        stop_hash,
    })
}

/// Messages of `command`, with values the bitcoin crate accepts.
fn message_of(command: &str) -> BoxedStrategy<cw::Message> {
    use cw::Message as M;
    match command {
        "version" => version_message().prop_map(M::Version).boxed(),
        "verack" => Just(M::Verack).boxed(),
        "getaddr" => Just(M::GetAddr).boxed(),
        "addr" => vec((any::<u32>(), net_address()), 0..=20)
            .prop_map(|l| {
                M::Addr(
                    l.into_iter()
                        .map(|(time, addr)| TimedNetAddress { time, addr })
                        .collect(),
                )
            })
            .boxed(),
        "addrv2" => vec(addrv2_entry(), 0..=20).prop_map(M::AddrV2).boxed(),
        "sendaddrv2" => Just(M::SendAddrV2).boxed(),
        "inv" => vec(inventory(), 0..=30).prop_map(M::Inv).boxed(),
        "getdata" => vec(inventory(), 0..=30).prop_map(M::GetData).boxed(),
        "notfound" => vec(inventory(), 0..=30).prop_map(M::NotFound).boxed(),
        "getblocks" => locator().prop_map(M::GetBlocks).boxed(),
        "getheaders" => locator().prop_map(M::GetHeaders).boxed(),
        "headers" => vec(header(), 0..=30).prop_map(M::Headers).boxed(),
        "block" => block().prop_map(M::Block).boxed(),
        "tx" => transaction().prop_map(M::Tx).boxed(),
        "ping" => any::<u64>().prop_map(M::Ping).boxed(),
        "pong" => any::<u64>().prop_map(M::Pong).boxed(),
        // The bitcoin crate always writes a hash and knows only BIP61's codes; senders write the hash only for
        // block and tx rejects.
        "reject" => (
            select(vec!["tx", "block"]),
            select(vec![0x01u8, 0x10, 0x11, 0x12, 0x40, 0x41, 0x42, 0x43]),
            "\\PC{0,60}",
            hash(),
        )
            .prop_map(|(message, code, reason, hash)| {
                M::Reject(cw::Reject {
                    message: message.into(),
                    code: cw::RejectCode(code),
                    reason,
                    hash: Some(hash),
                })
            })
            .boxed(),
        "sendheaders" => Just(M::SendHeaders).boxed(),
        // The bitcoin crate refuses fee rates outside 0..=MAX_MONEY.
        "feefilter" => (0i64..=21_000_000 * 100_000_000).prop_map(M::FeeFilter).boxed(),
        "mempool" => Just(M::MemPool).boxed(),
        "merkleblock" => (header(), any::<u32>(), vec(hash(), 0..=20), bytes(0..=10))
            .prop_map(|(header, total_transactions, hashes, flags)| {
                M::MerkleBlock(cw::MerkleBlock {
                    header,
                    total_transactions,
                    hashes,
                    flags,
                })
            })
            .boxed(),
        // The bitcoin crate knows bloom flags 0 to 2 only.
        "filterload" => (
            prop_oneof![8 => bytes(0..=100), 1 => long_bytes(36_000)],
            0u32..=50,
            any::<u32>(),
            0u8..=2,
        )
            .prop_map(|(filter, hash_funcs, tweak, flags)| {
                M::FilterLoad(cw::FilterLoad {
                    filter,
                    hash_funcs,
                    tweak,
                    flags,
                })
            })
            .boxed(),
        "filteradd" => bytes(0..=520).prop_map(M::FilterAdd).boxed(),
        "filterclear" => Just(M::FilterClear).boxed(),
        "getcfilters" => get_cfilters().prop_map(M::GetCFilters).boxed(),
        "cfilter" => (any::<u8>(), hash(), script())
            .prop_map(|(filter_type, block_hash, filter)| {
                M::CFilter(cw::CFilter {
                    filter_type,
                    block_hash,
                    filter,
                })
            })
            .boxed(),
        "getcfheaders" => get_cfilters().prop_map(M::GetCFHeaders).boxed(),
        "cfheaders" => (any::<u8>(), hash(), hash(), vec(hash(), 0..=30))
            .prop_map(|(filter_type, stop_hash, prev_filter_header, filter_hashes)| {
                M::CFHeaders(cw::CFHeaders {
                    filter_type,
                    stop_hash,
                    prev_filter_header,
                    filter_hashes,
                })
            })
            .boxed(),
        "getcfcheckpt" => (any::<u8>(), hash())
            .prop_map(|(filter_type, stop_hash)| M::GetCFCheckpt(cw::GetCFCheckpt { filter_type, stop_hash }))
            .boxed(),
        "cfcheckpt" => (any::<u8>(), hash(), vec(hash(), 0..=30))
            .prop_map(|(filter_type, stop_hash, filter_headers)| {
                M::CFCheckpt(cw::CFCheckpt {
                    filter_type,
                    stop_hash,
                    filter_headers,
                })
            })
            .boxed(),
        "wtxidrelay" => Just(M::WtxidRelay).boxed(),
        "sendcmpct" => (any::<bool>(), any::<u64>())
            .prop_map(|(announce, version)| M::SendCmpct(cw::SendCmpct { announce, version }))
            .boxed(),
        "cmpctblock" => {
            let prefilled = indexes(3).prop_flat_map(|idx| {
                vec(transaction(), idx.len()).prop_map(move |txs| {
                    idx.iter()
                        .zip(txs)
                        .map(|(&index, tx)| cw::PrefilledTransaction { index, tx })
                        .collect::<Vec<_>>()
                })
            });
            (header(), any::<u64>(), vec(any::<[u8; 6]>(), 0..=20), prefilled)
                .prop_map(|(header, nonce, short_ids, prefilled)| {
                    M::CmpctBlock(cw::CmpctBlock {
                        header,
                        nonce,
                        short_ids,
                        prefilled,
                    })
                })
                .boxed()
        }
        "getblocktxn" => (hash(), indexes(20))
            .prop_map(|(block_hash, indexes)| M::GetBlockTxn(cw::GetBlockTxn { block_hash, indexes }))
            .boxed(),
        "blocktxn" => (hash(), vec(transaction(), 0..=4))
            .prop_map(|(block_hash, transactions)| {
                M::BlockTxn(cw::BlockTxn {
                    block_hash,
                    transactions,
                })
            })
            .boxed(),
        "unknown" => ("[a-z0-9]{1,12}", bytes(0..=64))
            .prop_filter("a command neither crate knows", |(c, _)| {
                !cw::COMMANDS.contains(&c.as_str()) && c != "alert"
            })
            .prop_map(|(c, payload)| M::Unknown {
                command: Command::new(&c).unwrap(),
                payload,
            })
            .boxed(),
        other => panic!("no strategy for {other}"),
    }
}

/// Any message both crates model, unknown commands included.
fn message() -> impl Strategy<Value = cw::Message> {
    let mut all: Vec<BoxedStrategy<cw::Message>> = SHARED_COMMANDS.iter().map(|c| message_of(c)).collect();
    all.push(message_of("unknown"));
    proptest::strategy::Union::new(all)
}

// ---------------------------------------------------------------------------------------------------------
// Generated values: one property per command, so that a failure names it
// ---------------------------------------------------------------------------------------------------------

macro_rules! differential_props {
    ($($name:ident: $command:literal;)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(msg in message_of($command)) {
                    same_as_bitcoin_crate(&msg)?;
                }
            )*
        }
    };
}

differential_props! {
    version_bytes_match_bitcoin_crate: "version";
    verack_bytes_match_bitcoin_crate: "verack";
    getaddr_bytes_match_bitcoin_crate: "getaddr";
    addr_bytes_match_bitcoin_crate: "addr";
    addrv2_bytes_match_bitcoin_crate: "addrv2";
    sendaddrv2_bytes_match_bitcoin_crate: "sendaddrv2";
    inv_bytes_match_bitcoin_crate: "inv";
    getdata_bytes_match_bitcoin_crate: "getdata";
    notfound_bytes_match_bitcoin_crate: "notfound";
    getblocks_bytes_match_bitcoin_crate: "getblocks";
    getheaders_bytes_match_bitcoin_crate: "getheaders";
    headers_bytes_match_bitcoin_crate: "headers";
    block_bytes_match_bitcoin_crate: "block";
    tx_bytes_match_bitcoin_crate: "tx";
    ping_bytes_match_bitcoin_crate: "ping";
    pong_bytes_match_bitcoin_crate: "pong";
    reject_bytes_match_bitcoin_crate: "reject";
    sendheaders_bytes_match_bitcoin_crate: "sendheaders";
    feefilter_bytes_match_bitcoin_crate: "feefilter";
    mempool_bytes_match_bitcoin_crate: "mempool";
    merkleblock_bytes_match_bitcoin_crate: "merkleblock";
    filterload_bytes_match_bitcoin_crate: "filterload";
    filteradd_bytes_match_bitcoin_crate: "filteradd";
    filterclear_bytes_match_bitcoin_crate: "filterclear";
    getcfilters_bytes_match_bitcoin_crate: "getcfilters";
    cfilter_bytes_match_bitcoin_crate: "cfilter";
    getcfheaders_bytes_match_bitcoin_crate: "getcfheaders";
    cfheaders_bytes_match_bitcoin_crate: "cfheaders";
    getcfcheckpt_bytes_match_bitcoin_crate: "getcfcheckpt";
    cfcheckpt_bytes_match_bitcoin_crate: "cfcheckpt";
    wtxidrelay_bytes_match_bitcoin_crate: "wtxidrelay";
    sendcmpct_bytes_match_bitcoin_crate: "sendcmpct";
    cmpctblock_bytes_match_bitcoin_crate: "cmpctblock";
    getblocktxn_bytes_match_bitcoin_crate: "getblocktxn";
    blocktxn_bytes_match_bitcoin_crate: "blocktxn";
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn unknown_command_bytes_match_bitcoin_crate(msg in message_of("unknown")) {
        same_as_bitcoin_crate(&msg)?;
    }

    #[test]
    fn any_shared_message_bytes_match_bitcoin_crate(msg in message()) {
        same_as_bitcoin_crate(&msg)?;
    }

    #[test]
    fn txids_and_wtxids_match_bitcoin_crate(tx in transaction()) {
        let theirs = b_tx(&tx);
        prop_assert_eq!(tx.txid().0, theirs.compute_txid().to_byte_array());
        prop_assert_eq!(tx.wtxid().0, theirs.compute_wtxid().to_byte_array());
    }

    /// A decoded transaction hashes (and re-encodes) from the bytes it was decoded from, as long as its
    /// fields still encode to them: after any change to any field, its txid, wtxid and encodings must be
    /// those of the changed value.
    #[test]
    fn decoded_then_changed_txids_match_bitcoin_crate(
        tx in transaction(),
        change in 0usize..14,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let wire = Bytes::from(to_vec(&tx));
        let mut ours: cw::Transaction = from_bytes(&wire, PVER).unwrap();
        prop_assert_eq!(&ours, &tx);
        let before = (ours.txid(), ours.wtxid());
        prop_assert_eq!(before, (tx.txid(), tx.wtxid()));
        let i = at.index(ours.inputs.len());
        match change {
            0 => ours.version ^= i32::from(byte) | 1,
            1 => ours.lock_time ^= u32::from(byte) | 1,
            2 => ours.inputs[i].previous_output.txid.0[31] ^= byte | 1,
            3 => ours.inputs[i].previous_output.vout ^= 1 << (byte % 32),
            4 => ours.inputs[i].script_sig = [&ours.inputs[i].script_sig[..], &[byte]].concat().into(),
            5 => ours.inputs[i].sequence ^= 1 << (byte % 32),
            6 => ours.inputs[i].witness = cw::Witness::from_items([[byte; 3]]),
            7 => ours.inputs[i].witness.clear(),
            8 => ours.outputs.push(cw::TxOut { value: i64::from(byte), script_pubkey: Bytes::new() }),
            9 if !ours.outputs.is_empty() => {
                let o = at.index(ours.outputs.len());
                ours.outputs[o].value ^= 1 << (byte % 64);
            }
            10 if !ours.outputs.is_empty() => {
                let o = at.index(ours.outputs.len());
                ours.outputs[o].script_pubkey = Bytes::copy_from_slice(&[byte; 2]);
            }
            11 if ours.inputs.len() > 1 => {
                ours.inputs.remove(i);
            }
            12 => ours.inputs.swap(0, i),
            // Equal values in new allocations: the hashes must not change.
            _ => {
                let copy = |b: &Bytes| Bytes::copy_from_slice(b);
                for input in &mut ours.inputs {
                    input.script_sig = copy(&input.script_sig);
                    input.witness = cw::Witness::from_items(input.witness.iter().collect::<Vec<_>>());
                }
                for output in &mut ours.outputs {
                    output.script_pubkey = copy(&output.script_pubkey);
                }
            }
        }
        let theirs = b_tx(&ours);
        prop_assert_eq!(ours.txid().0, theirs.compute_txid().to_byte_array());
        prop_assert_eq!(ours.wtxid().0, theirs.compute_wtxid().to_byte_array());
        prop_assert_eq!(to_vec(&ours), serialize(&theirs));
        let mut stripped = Vec::new();
        ours.encode_as(&mut stripped, false);
        let mut theirs_stripped = theirs.clone();
        for input in &mut theirs_stripped.input {
            input.witness.clear();
        }
        prop_assert_eq!(stripped, serialize(&theirs_stripped));
        if ours == tx {
            prop_assert_eq!((ours.txid(), ours.wtxid()), before);
        }
        // A decoded copy of a block's transactions and its clone agree too.
        let cloned = ours.clone();
        prop_assert_eq!((cloned.txid(), cloned.wtxid()), (ours.txid(), ours.wtxid()));
    }

    #[test]
    fn tx_without_witness_matches_bitcoin_crate_with_witnesses_cleared(tx in transaction()) {
        let msg = cw::Message::Tx(tx.clone());
        let mut stripped = b_tx(&tx);
        for i in &mut stripped.input {
            i.witness.clear();
        }
        let mut mine = Vec::new();
        msg.encode_payload(EncodeOptions::new(PVER).without_witness(), &mut mine).unwrap();
        prop_assert_eq!(hex::encode(mine), hex::encode(serialize(&stripped)));
    }

    #[test]
    fn block_hash_and_merkle_root_match_bitcoin_crate(b in block()) {
        let theirs = b_block(&b);
        prop_assert_eq!(b.hash().0, theirs.block_hash().to_byte_array());
        if let Some(root) = theirs.compute_merkle_root() {
            prop_assert_eq!(b.compute_merkle_root().0, root.to_byte_array());
        } else {
            prop_assert!(b.transactions.is_empty());
        }
        if b.transactions.len() > 1 {
            let root = theirs.witness_root().expect("a witness root");
            prop_assert_eq!(b.compute_witness_root().0, root.to_byte_array());
        }
    }

    #[test]
    fn version_below_70001_is_bitcoin_crate_bytes_without_relay(v in version_message()) {
        // The bitcoin crate always writes the relay byte; we write it only from 70001 on, and read either form.
        let msg = cw::Message::Version(v.clone());
        let theirs = serialize(&to_btc(&msg));
        let old = our_payload(&msg, 70_000);
        prop_assert_eq!(hex::encode(&old), hex::encode(&theirs[..theirs.len() - 1]));
        let back = cw::Message::decode_payload(&msg.command(), &Bytes::from(theirs), 70_000).unwrap();
        prop_assert_eq!(back, msg);
    }
}

#[test]
fn hand_built_edge_values_match_bitcoin_crate() {
    let h = Hash256([0xab; 32]);
    let tx = cw::Transaction {
        version: -1,
        inputs: vec![cw::TxIn {
            previous_output: cw::OutPoint::COINBASE,
            script_sig: Bytes::from(vec![0x51; 0x1_0000]),
            sequence: u32::MAX,
            witness: vec![Bytes::new(), Bytes::from(vec![1; 300])].into(),
        }],
        outputs: vec![cw::TxOut {
            value: -1,
            script_pubkey: Bytes::new(),
        }],
        lock_time: 500_000_000,
    };
    let cases = [
        cw::Message::Tx(tx.clone()),
        cw::Message::Ping(u64::MAX),
        cw::Message::Pong(0),
        cw::Message::FeeFilter(0),
        cw::Message::Inv(vec![Inventory::new(InvType::WITNESS_BLOCK, h); 300]),
        cw::Message::Headers(vec![cw::BlockHeader::default(); 2000]),
        cw::Message::GetBlockTxn(cw::GetBlockTxn {
            block_hash: h,
            indexes: vec![0, 1, 2, 1000, u16::MAX],
        }),
        cw::Message::CmpctBlock(cw::CmpctBlock {
            header: cw::BlockHeader::default(),
            nonce: 1,
            short_ids: vec![[0xff; 6]; 300],
            prefilled: vec![
                cw::PrefilledTransaction {
                    index: 0,
                    tx: tx.clone(),
                },
                cw::PrefilledTransaction {
                    index: u16::MAX,
                    tx: tx.clone(),
                },
            ],
        }),
        cw::Message::AddrV2(vec![cw::AddrV2Entry {
            time: u32::MAX,
            services: ServiceFlags(u64::MAX),
            addr: cw::AddrV2::Unknown {
                network_id: 200,
                bytes: Bytes::from(vec![9; 512]),
            },
            port: u16::MAX,
        }]),
        cw::Message::Version(VersionMessage {
            version: u32::MAX,
            services: ServiceFlags(u64::MAX),
            timestamp: i64::MIN,
            receiver: NetAddress::from_socket_addr("[2001:db8::1]:8333".parse().unwrap(), ServiceFlags::NETWORK),
            sender: NetAddress::unspecified(ServiceFlags::NONE),
            nonce: u64::MAX,
            user_agent: "/Satoshi:27.0.0/".into(),
            start_height: i32::MIN,
            relay: false,
        }),
        cw::Message::Unknown {
            command: Command::new("twelve_bytes").unwrap(),
            payload: Bytes::new(),
        },
    ];
    for msg in &cases {
        same_as_bitcoin_crate(msg).unwrap_or_else(|e| panic!("{}: {e}", msg.command()));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Real data
// ---------------------------------------------------------------------------------------------------------

/// Both crates decode a real block to equal values, hashes and re-encodings, bare and framed.
fn same_block_in_both(raw: &[u8], what: &str) {
    let ours: cw::Block = from_bytes(&Bytes::copy_from_slice(raw), PVER).unwrap_or_else(|e| panic!("{what}: {e}"));
    let theirs: bitcoin::Block = deserialize(raw).unwrap_or_else(|e| panic!("{what}: bitcoin crate: {e}"));
    assert_eq!(ours.hash().0, theirs.block_hash().to_byte_array(), "{what}: block hash");
    assert_eq!(ours.transactions.len(), theirs.txdata.len(), "{what}");
    for (i, (a, b)) in ours.transactions.iter().zip(&theirs.txdata).enumerate() {
        assert_eq!(a.txid().0, b.compute_txid().to_byte_array(), "{what}: txid of tx {i}");
        assert_eq!(
            a.wtxid().0,
            b.compute_wtxid().to_byte_array(),
            "{what}: wtxid of tx {i}"
        );
    }
    assert!(b_block(&ours) == theirs, "{what}: decoded values differ");
    assert!(theirs.check_merkle_root(), "{what}");
    assert!(ours.check_merkle_root(), "{what}");
    assert!(to_vec(&ours) == raw, "{what}: our re-encoding");
    assert!(serialize(&theirs) == raw, "{what}: their re-encoding");

    // Framed: the same frame, and each reads the other's.
    let msg = cw::Message::Block(ours);
    let frame = our_frame(&msg);
    let their_frame = serialize(&RawNetworkMessage::new(
        Magic::BITCOIN,
        NetworkMessage::Block(theirs.clone()),
    ));
    assert!(frame[..] == their_frame[..], "{what}: frames differ");
    let raw_msg: RawNetworkMessage = deserialize(&frame).unwrap();
    assert!(*raw_msg.payload() == NetworkMessage::Block(theirs.clone()), "{what}");
    assert!(decode_our_frame(&their_frame).unwrap() == msg, "{what}");

    // Without witness data: the bitcoin crate's block with every witness cleared.
    let mut stripped = theirs;
    for tx in &mut stripped.txdata {
        for i in &mut tx.input {
            i.witness.clear();
        }
    }
    let mut mine = Vec::new();
    msg.encode_payload(EncodeOptions::new(PVER).without_witness(), &mut mine)
        .unwrap();
    assert!(
        mine == serialize(&stripped),
        "{what}: witness-stripped encodings differ"
    );
}

#[test]
fn real_blocks_decode_alike_in_both_crates() {
    let Some(dir) = support::testdata("real_blocks_decode_alike_in_both_crates") else {
        return;
    };
    let mut seen = 0;
    for file in [
        "bitcoin/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
        "bitcoin/mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw",
        "bitcoin/testnet_block_000000000000045e0b1660b6445b5e5c5ab63c9a4f956be7e1e69be04fa4497b.raw",
    ] {
        same_block_in_both(&support::read(&dir, file), file);
        seen += 1;
    }
    for file in ["bitcoin/blk_0_to_4.dat", "bitcoin/blocks1-256", "bitcoin/277647.dat"] {
        let raw = support::read(&dir, file);
        let mut at = 0;
        while at < raw.len() {
            assert_eq!(&raw[at..at + 4], &Magic::BITCOIN.to_bytes());
            let len = u32::from_le_bytes(raw[at + 4..at + 8].try_into().unwrap()) as usize;
            same_block_in_both(&raw[at + 8..at + 8 + len], &format!("{file} at byte {at}"));
            at += 8 + len;
            seen += 1;
        }
    }
    assert_eq!(seen, 3 + 5 + 255 + 1);
}

#[test]
fn megatransaction_decodes_alike_in_both_crates() {
    let Some(dir) = support::testdata("megatransaction_decodes_alike_in_both_crates") else {
        return;
    };
    let raw = support::read(&dir, "bitcoin/megatx.bin");
    let ours: cw::Transaction = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    let theirs: bitcoin::Transaction = deserialize(&raw).unwrap();
    assert!(b_tx(&ours) == theirs);
    assert_eq!(ours.txid().0, theirs.compute_txid().to_byte_array());
    assert!(serialize(&theirs) == raw && to_vec(&ours) == raw);
    let msg = cw::Message::Tx(ours);
    assert!(our_frame(&msg)[..] == serialize(&RawNetworkMessage::new(Magic::BITCOIN, NetworkMessage::Tx(theirs)))[..]);
}

#[test]
fn merkleblock_decodes_alike_in_both_crates() {
    let Some(dir) = support::testdata("merkleblock_decodes_alike_in_both_crates") else {
        return;
    };
    let raw = support::read_hex(&dir, "bitcoin/merkle_block.hex");
    let ours: cw::MerkleBlock = from_bytes(&Bytes::copy_from_slice(&raw), PVER).unwrap();
    let theirs: bitcoin::MerkleBlock = deserialize(&raw).unwrap();
    let msg = cw::Message::MerkleBlock(ours.clone());
    assert_eq!(to_btc(&msg), NetworkMessage::MerkleBlock(theirs.clone()));
    assert_eq!(ours.header.hash().0, theirs.header.block_hash().to_byte_array());
    assert_eq!(serialize(&theirs), raw);
    assert_eq!(to_vec(&ours), raw);
    // The proof checks out in the bitcoin crate against the header we decoded.
    let mut matches = Vec::new();
    let mut indexes = Vec::new();
    let root = theirs.txn.extract_matches(&mut matches, &mut indexes).unwrap();
    assert_eq!(root.to_byte_array(), ours.header.merkle_root.0);
    same_as_bitcoin_crate(&msg).unwrap();
}

/// Every frame of a real node's conversation: both decoders agree on each message the bitcoin crate reads, and
/// the ones it refuses are the listed commands.
fn same_capture_in_both(dir: &std::path::Path, file: &str, network: Network, refused_by_bitcoin_crate: &[&str]) {
    let raw = support::read(dir, file);
    let mut dec = FrameDecoder::new(network, PVER);
    dec.extend_from_slice(&raw);
    let mut rest = &raw[..];
    let mut refused = Vec::new();
    while let Some(frame) = dec.next_frame().unwrap() {
        let ours: cw::Message = frame.decode(PVER).unwrap();
        let wire = &rest[..frame.wire_len()];
        rest = &rest[frame.wire_len()..];
        match deserialize_partial::<RawNetworkMessage>(wire) {
            Ok((theirs, used)) => {
                assert_eq!(used, wire.len(), "{file}");
                assert_eq!(theirs.magic().to_bytes(), wire[..4], "{file}");
                assert!(to_btc(&ours) == *theirs.payload(), "{file}: {} differs", ours.command());
                assert!(
                    serialize(&theirs) == wire,
                    "{file}: bitcoin crate re-encodes {}",
                    ours.command()
                );
            }
            Err(_) => refused.push(ours.command().to_string()),
        }
    }
    assert!(rest.is_empty() && dec.buffered() == 0, "{file}: whole frames only");
    assert_eq!(
        refused, refused_by_bitcoin_crate,
        "{file}: frames the bitcoin crate refuses"
    );
}

#[test]
fn real_node_captures_decode_alike_in_both_crates() {
    let Some(dir) = support::testdata("real_node_captures_decode_alike_in_both_crates") else {
        return;
    };
    let caps = dir.join("captures");
    let bsv = Network::custom(
        "bsv-regtest",
        u32::from_le_bytes([0xda, 0xb5, 0xbf, 0xfa]),
        Dialect::Bitcoin,
        18444,
    );
    for (file, network, refused) in [
        (
            "litecoin-core-0.21.2.1-regtest.in.bin",
            Network::LITECOIN_REGTEST,
            &[][..],
        ),
        ("litecoin-core-0.21.2.1-regtest.out.bin", Network::LITECOIN_REGTEST, &[]),
        ("btcd-0.25.0-regtest.in.bin", Network::BITCOIN_REGTEST, &[]),
        ("btcd-0.25.0-regtest.out.bin", Network::BITCOIN_REGTEST, &[]),
        ("bcoin-1.0.2-regtest.in.bin", Network::BITCOIN_REGTEST, &[]),
        ("bcoin-1.0.2-regtest.out.bin", Network::BITCOIN_REGTEST, &[]),
        // Bitcoin SV appends bytes to its version that the bitcoin crate calls trailing garbage.
        ("bitcoin-sv-1.0.13-regtest.in.bin", bsv.clone(), &["version"]),
        ("bitcoin-sv-1.0.13-regtest.out.bin", bsv, &[]),
    ] {
        same_capture_in_both(&caps, file, network, refused);
    }
}
