//! Conversions: ours -> theirs.

use bitcoin::bip152::{BlockTransactions, BlockTransactionsRequest, HeaderAndShortIds, ShortId};
use bitcoin::consensus::encode::{deserialize, serialize};
use bitcoin::hashes::{sha256d, Hash as _};
use bitcoin::merkle_tree::PartialMerkleTree;
use bitcoin::p2p::address::{AddrV2 as BAddrV2, AddrV2Message, Address as BAddress};
use bitcoin::p2p::message::{CommandString, NetworkMessage};
use bitcoin::p2p::message_blockdata::{GetBlocksMessage, GetHeadersMessage, Inventory as BInventory};
use bitcoin::p2p::message_bloom::{BloomFlags, FilterAdd as BFilterAdd, FilterLoad as BFilterLoad};
use bitcoin::p2p::message_compact_blocks as bcmpct;
use bitcoin::p2p::message_filter as bfilter;
use bitcoin::p2p::message_network::{Reject as BReject, RejectReason, VersionMessage as BVersionMessage};
use bitcoin::p2p::ServiceFlags as BServiceFlags;
use bitcoin::{absolute, block, transaction, Amount, BlockHash, CompactTarget, ScriptBuf, Sequence, Witness};
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::messages::{BlockLocator, Inventory, NetAddress, ServiceFlags};
use coinpeer_wire::Hash256;
use std::borrow::Cow;
use std::net::Ipv6Addr;

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

pub fn b_tx(tx: &cw::Transaction) -> bitcoin::Transaction {
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

pub fn b_block(b: &cw::Block) -> bitcoin::Block {
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
pub fn to_btc(msg: &cw::Message) -> NetworkMessage {
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
