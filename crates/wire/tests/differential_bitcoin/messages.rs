//! Strategies for whole messages: every command both crates model, with values both accept.

use crate::strategies::{
    addrv2_entry, block, bytes, hash, header, indexes, inventory, locator, long_bytes, net_address, script,
    transaction, version_message,
};
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::messages::TimedNetAddress;
use coinpeer_wire::Command;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

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
pub fn message_of(command: &str) -> BoxedStrategy<cw::Message> {
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
pub fn message() -> impl Strategy<Value = cw::Message> {
    let mut all: Vec<BoxedStrategy<cw::Message>> = SHARED_COMMANDS.iter().map(|c| message_of(c)).collect();
    all.push(message_of("unknown"));
    proptest::strategy::Union::new(all)
}
