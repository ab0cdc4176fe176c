//! Strategies for the payloads of the other messages, and for any message of the dialect.

use crate::values::{
    addrv2_entry, block, bytes, hash, header, inventory, locator, long_bytes, script, timed_net_address, transaction,
    version_message,
};
use coinpeer_wire::bitcoin::{
    BlockTxn, CFCheckpt, CFHeaders, CFilter, CmpctBlock, FilterLoad, GetBlockTxn, GetCFCheckpt, GetCFilters,
    MerkleBlock, Message, PrefilledTransaction, Reject, RejectCode, SendCmpct, SendTxRcncl, COMMANDS,
};
use coinpeer_wire::Command;
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;

pub fn reject() -> impl Strategy<Value = Reject> {
    (
        prop_oneof![
            select(vec!["tx", "block", "version", "inv"]).prop_map(String::from),
            "\\PC{0,12}"
        ],
        any::<u8>().prop_map(RejectCode),
        "\\PC{0,60}",
        proptest::option::of(hash()),
    )
        .prop_map(|(message, code, reason, hash)| {
            // Only block and tx rejects carry a hash on the wire.
            let hash = if message == "tx" || message == "block" {
                hash
            } else {
                None
            };
            Reject {
                message,
                code,
                reason,
                hash,
            }
        })
}

pub fn merkle_block() -> impl Strategy<Value = MerkleBlock> {
    (header(), any::<u32>(), vec(hash(), 0..=20), bytes(0..=10)).prop_map(
        |(header, total_transactions, hashes, flags)| MerkleBlock {
            header,
            total_transactions,
            hashes,
            flags,
        },
    )
}

pub fn filter_load() -> impl Strategy<Value = FilterLoad> {
    (
        prop_oneof![8 => bytes(0..=100), 1 => long_bytes(36_000)],
        0u32..=50,
        any::<u32>(),
        any::<u8>(),
    )
        .prop_map(|(filter, hash_funcs, tweak, flags)| FilterLoad {
            filter,
            hash_funcs,
            tweak,
            flags,
        })
}

pub fn get_cfilters() -> impl Strategy<Value = GetCFilters> {
    (any::<u8>(), any::<u32>(), hash()).prop_map(|(filter_type, start_height, stop_hash)| GetCFilters {
        filter_type,
        start_height,
        stop_hash,
    })
}

pub fn cfilter() -> impl Strategy<Value = CFilter> {
    (any::<u8>(), hash(), script()).prop_map(|(filter_type, block_hash, filter)| CFilter {
        filter_type,
        block_hash,
        filter,
    })
}

pub fn cfheaders() -> impl Strategy<Value = CFHeaders> {
    (any::<u8>(), hash(), hash(), vec(hash(), 0..=30)).prop_map(
        |(filter_type, stop_hash, prev_filter_header, filter_hashes)| CFHeaders {
            filter_type,
            stop_hash,
            prev_filter_header,
            filter_hashes,
        },
    )
}

pub fn get_cfcheckpt() -> impl Strategy<Value = GetCFCheckpt> {
    (any::<u8>(), hash()).prop_map(|(filter_type, stop_hash)| GetCFCheckpt { filter_type, stop_hash })
}

pub fn cfcheckpt() -> impl Strategy<Value = CFCheckpt> {
    (any::<u8>(), hash(), vec(hash(), 0..=30)).prop_map(|(filter_type, stop_hash, filter_headers)| CFCheckpt {
        filter_type,
        stop_hash,
        filter_headers,
    })
}

pub fn send_cmpct() -> impl Strategy<Value = SendCmpct> {
    (any::<bool>(), any::<u64>()).prop_map(|(announce, version)| SendCmpct { announce, version })
}

/// Strictly increasing transaction indexes, often including the extremes 0 and 65535.
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

pub fn cmpct_block() -> impl Strategy<Value = CmpctBlock> {
    let prefilled = indexes(3).prop_flat_map(|idx| {
        vec(transaction(), idx.len()).prop_map(move |txs| {
            idx.iter()
                .zip(txs)
                .map(|(&index, tx)| PrefilledTransaction { index, tx })
                .collect::<Vec<_>>()
        })
    });
    (header(), any::<u64>(), vec(any::<[u8; 6]>(), 0..=20), prefilled).prop_map(
        |(header, nonce, short_ids, prefilled)| CmpctBlock {
            header,
            nonce,
            short_ids,
            prefilled,
        },
    )
}

pub fn get_block_txn() -> impl Strategy<Value = GetBlockTxn> {
    (hash(), indexes(20)).prop_map(|(block_hash, indexes)| GetBlockTxn { block_hash, indexes })
}

pub fn block_txn() -> impl Strategy<Value = BlockTxn> {
    (hash(), vec(transaction(), 0..=4)).prop_map(|(block_hash, transactions)| BlockTxn {
        block_hash,
        transactions,
    })
}

pub fn unknown() -> impl Strategy<Value = Message> {
    ("[a-z0-9]{1,12}", bytes(0..=64))
        .prop_filter("a command the codec does not know", |(c, _)| {
            !COMMANDS.contains(&c.as_str())
        })
        .prop_map(|(c, payload)| Message::Unknown {
            command: Command::new(&c).unwrap(),
            payload,
        })
}

/// Any message of the dialect.
pub fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        version_message().prop_map(Message::Version),
        Just(Message::Verack),
        Just(Message::GetAddr),
        vec(timed_net_address(), 0..=10).prop_map(Message::Addr),
        vec(addrv2_entry(), 0..=10).prop_map(Message::AddrV2),
        Just(Message::SendAddrV2),
        vec(inventory(), 0..=10).prop_map(Message::Inv),
        vec(inventory(), 0..=10).prop_map(Message::GetData),
        vec(inventory(), 0..=10).prop_map(Message::NotFound),
        locator().prop_map(Message::GetBlocks),
        locator().prop_map(Message::GetHeaders),
        vec(header(), 0..=10).prop_map(Message::Headers),
        block().prop_map(Message::Block),
        transaction().prop_map(Message::Tx),
        any::<u64>().prop_map(Message::Ping),
        any::<u64>().prop_map(Message::Pong),
        reject().prop_map(Message::Reject),
        Just(Message::SendHeaders),
        any::<i64>().prop_map(Message::FeeFilter),
        Just(Message::MemPool),
        merkle_block().prop_map(Message::MerkleBlock),
        filter_load().prop_map(Message::FilterLoad),
        bytes(0..=520).prop_map(Message::FilterAdd),
        Just(Message::FilterClear),
        get_cfilters().prop_map(Message::GetCFilters),
        cfilter().prop_map(Message::CFilter),
        get_cfilters().prop_map(Message::GetCFHeaders),
        cfheaders().prop_map(Message::CFHeaders),
        get_cfcheckpt().prop_map(Message::GetCFCheckpt),
        cfcheckpt().prop_map(Message::CFCheckpt),
        Just(Message::WtxidRelay),
        send_cmpct().prop_map(Message::SendCmpct),
        cmpct_block().prop_map(Message::CmpctBlock),
        get_block_txn().prop_map(Message::GetBlockTxn),
        block_txn().prop_map(Message::BlockTxn),
        (any::<u32>(), any::<u64>()).prop_map(|(version, salt)| Message::SendTxRcncl(SendTxRcncl { version, salt })),
        unknown(),
    ]
}
