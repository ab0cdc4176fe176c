//! Bitcoin samples: a header, a transaction, a block, and the table of every Bitcoin message with its listener
//! method.

use super::{hash, inventory, locator, timed_addr, unknown_command};
use bytes::Bytes;
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::messages::ServiceFlags;
use std::net::Ipv4Addr;

fn btc_header() -> btc::BlockHeader {
    btc::BlockHeader {
        version: 0x2000_0000,
        prev_block: hash(5),
        merkle_root: hash(6),
        time: 1_700_000_000,
        bits: 0x207f_ffff,
        nonce: 7,
    }
}

fn btc_tx() -> btc::Transaction {
    btc::Transaction {
        version: 2,
        inputs: vec![btc::TxIn {
            previous_output: btc::OutPoint { txid: hash(8), vout: 1 },
            script_sig: Bytes::from_static(&[0x51]),
            sequence: 0xffff_fffe,
            witness: Default::default(),
        }],
        outputs: vec![btc::TxOut {
            value: 50_000,
            script_pubkey: Bytes::from_static(&[0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        }],
        lock_time: 0,
    }
}

pub(crate) fn btc_block() -> btc::Block {
    btc::Block {
        header: btc_header(),
        transactions: vec![btc_tx(), btc_tx()],
    }
}

/// One sample of every Bitcoin message a listener method reports after the handshake, with that method.
pub(crate) fn bitcoin_table() -> Vec<(btc::Message, &'static str)> {
    use btc::Message as M;
    let get_cfilters = btc::GetCFilters {
        filter_type: 0,
        start_height: 100,
        stop_hash: hash(9),
    };
    vec![
        (M::GetAddr, "on_get_addr"),
        (M::Addr(timed_addr()), "on_addr"),
        (
            M::AddrV2(vec![btc::AddrV2Entry {
                time: 1_700_000_000,
                services: ServiceFlags::NETWORK,
                addr: btc::AddrV2::Ipv4(Ipv4Addr::new(10, 0, 0, 2)),
                port: 8333,
            }]),
            "on_addr_v2",
        ),
        (M::Inv(inventory()), "on_inv"),
        (M::GetData(inventory()), "on_get_data"),
        (M::NotFound(inventory()), "on_not_found"),
        (M::GetBlocks(locator()), "on_get_blocks"),
        (M::GetHeaders(locator()), "on_get_headers"),
        (M::Headers(vec![btc_header(), btc_header()]), "on_headers"),
        (M::Block(btc_block()), "on_block"),
        (M::Tx(btc_tx()), "on_tx"),
        (M::Ping(0x1234), "on_ping"),
        (M::Pong(0x5678), "on_pong"),
        (
            M::Reject(btc::Reject {
                message: "tx".into(),
                code: btc::RejectCode::INVALID,
                reason: "bad-txns".into(),
                hash: Some(hash(10)),
            }),
            "on_reject",
        ),
        (M::SendHeaders, "on_send_headers"),
        (M::FeeFilter(1000), "on_fee_filter"),
        (M::MemPool, "on_mem_pool"),
        (
            M::MerkleBlock(btc::MerkleBlock {
                header: btc_header(),
                total_transactions: 1,
                hashes: vec![hash(11)],
                flags: Bytes::from_static(&[1]),
            }),
            "on_merkle_block",
        ),
        (
            M::FilterLoad(btc::FilterLoad {
                filter: Bytes::from_static(&[0xff; 16]),
                hash_funcs: 5,
                tweak: 42,
                flags: 1,
            }),
            "on_filter_load",
        ),
        (M::FilterAdd(Bytes::from_static(&[1, 2, 3, 4])), "on_filter_add"),
        (M::FilterClear, "on_filter_clear"),
        (M::GetCFilters(get_cfilters), "on_get_cfilters"),
        (
            M::CFilter(btc::CFilter {
                filter_type: 0,
                block_hash: hash(12),
                filter: Bytes::from_static(&[1, 0x28, 0x6e]),
            }),
            "on_cfilter",
        ),
        (M::GetCFHeaders(get_cfilters), "on_get_cfheaders"),
        (
            M::CFHeaders(btc::CFHeaders {
                filter_type: 0,
                stop_hash: hash(13),
                prev_filter_header: hash(14),
                filter_hashes: vec![hash(15), hash(16)],
            }),
            "on_cfheaders",
        ),
        (
            M::GetCFCheckpt(btc::GetCFCheckpt {
                filter_type: 0,
                stop_hash: hash(17),
            }),
            "on_get_cfcheckpt",
        ),
        (
            M::CFCheckpt(btc::CFCheckpt {
                filter_type: 0,
                stop_hash: hash(18),
                filter_headers: vec![hash(19)],
            }),
            "on_cfcheckpt",
        ),
        (
            M::SendCmpct(btc::SendCmpct {
                announce: true,
                version: 2,
            }),
            "on_send_cmpct",
        ),
        (
            M::CmpctBlock(btc::CmpctBlock {
                header: btc_header(),
                nonce: 99,
                short_ids: vec![[1, 2, 3, 4, 5, 6]],
                prefilled: vec![btc::PrefilledTransaction { index: 0, tx: btc_tx() }],
            }),
            "on_cmpct_block",
        ),
        (
            M::GetBlockTxn(btc::GetBlockTxn {
                block_hash: hash(20),
                indexes: vec![1, 3],
            }),
            "on_get_block_txn",
        ),
        (
            M::BlockTxn(btc::BlockTxn {
                block_hash: hash(21),
                transactions: vec![btc_tx()],
            }),
            "on_block_txn",
        ),
        (
            M::SendTxRcncl(btc::SendTxRcncl { version: 1, salt: 77 }),
            "on_send_tx_rcncl",
        ),
        (
            M::Unknown {
                command: unknown_command(),
                payload: Bytes::from_static(b"plugh"),
            },
            "on_unknown",
        ),
    ]
}
