//! Decred samples: a header, a transaction, a block, a version 2 filter, and the table of every Decred message
//! with its listener method.

use super::{hash, inventory, locator, unknown_command};
use bytes::Bytes;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::Hash256;
use std::net::Ipv4Addr;

fn dcr_header() -> dcr::BlockHeader {
    dcr::BlockHeader {
        version: 10,
        prev_block: hash(30),
        merkle_root: hash(31),
        stake_root: hash(32),
        vote_bits: 1,
        final_state: [0; 6],
        voters: 5,
        fresh_stake: 1,
        revocations: 0,
        pool_size: 40_000,
        bits: 0x1d00_ffff,
        sbits: 20_000_000_000,
        height: 1000,
        size: 4000,
        timestamp: 1_700_000_000,
        nonce: 3,
        extra_data: [0; 32],
        stake_version: 10,
    }
}

fn dcr_tx() -> dcr::Transaction {
    dcr::Transaction {
        version: 1,
        inputs: vec![dcr::TxIn {
            previous_output: dcr::OutPoint {
                hash: hash(33),
                index: 0,
                tree: 0,
            },
            sequence: 0xffff_ffff,
            value_in: 100_000,
            block_height: 900,
            block_index: 2,
            signature_script: Bytes::from_static(&[0x51]),
        }],
        outputs: vec![dcr::TxOut {
            value: 90_000,
            version: 0,
            pk_script: Bytes::from_static(&[0x76, 0xa9]),
        }],
        lock_time: 0,
        expiry: 0,
        ..dcr::Transaction::default()
    }
}

pub(crate) fn dcr_block() -> dcr::Block {
    dcr::Block {
        header: dcr_header(),
        transactions: vec![dcr_tx()],
        stake_transactions: Vec::new(),
    }
}

fn cfilter_v2() -> dcr::CFilterV2 {
    dcr::CFilterV2 {
        block_hash: hash(34),
        data: Bytes::from_static(&[1, 2, 3]),
        proof_index: 0,
        proof_hashes: vec![hash(35)],
    }
}

/// One sample of every Decred message a listener method reports after the handshake at protocol 12, with that
/// method. `addr` (below 12 only) and `reject` (below 9 only) are tested separately.
pub(crate) fn decred_table() -> Vec<(dcr::Message, &'static str)> {
    use dcr::Message as M;
    let sig = [1u8; 64];
    let id = [2u8; 33];
    let sid = [3u8; 32];
    vec![
        (M::GetAddr, "on_get_addr"),
        (
            M::AddrV2(vec![dcr::AddrV2Entry {
                time: 1_700_000_000,
                services: ServiceFlags::NETWORK,
                addr: dcr::AddrV2::Ipv4(Ipv4Addr::new(10, 0, 0, 3)),
                port: 9108,
            }]),
            "on_addr_v2",
        ),
        (M::Inv(inventory()), "on_inv"),
        (M::GetData(inventory()), "on_get_data"),
        (M::NotFound(inventory()), "on_not_found"),
        (M::GetBlocks(locator()), "on_get_blocks"),
        (M::GetHeaders(locator()), "on_get_headers"),
        (M::Headers(vec![dcr_header()]), "on_headers"),
        (M::Block(dcr_block()), "on_block"),
        (M::Tx(dcr_tx()), "on_tx"),
        (M::Ping(0x1234), "on_ping"),
        (M::Pong(0x5678), "on_pong"),
        (M::SendHeaders, "on_send_headers"),
        (M::FeeFilter(10_000), "on_fee_filter"),
        (M::MemPool, "on_mem_pool"),
        (M::GetMiningState, "on_get_mining_state"),
        (
            M::MiningState(dcr::MiningState {
                version: 1,
                height: 1000,
                block_hashes: vec![hash(36)],
                vote_hashes: vec![hash(37)],
            }),
            "on_mining_state",
        ),
        (
            M::GetCFilter(dcr::GetCFilter {
                block_hash: hash(38),
                filter_type: 0,
            }),
            "on_get_cfilter",
        ),
        (
            M::CFilter(dcr::CFilter {
                block_hash: hash(39),
                filter_type: 0,
                data: Bytes::from_static(&[4, 5]),
            }),
            "on_cfilter",
        ),
        (
            M::GetCFHeaders(dcr::GetCFHeaders {
                locator: vec![hash(40)],
                stop: Hash256::ZERO,
                filter_type: 0,
            }),
            "on_get_cfheaders",
        ),
        (
            M::CFHeaders(dcr::CFHeaders {
                stop_hash: hash(41),
                filter_type: 0,
                headers: vec![hash(42)],
            }),
            "on_cfheaders",
        ),
        (M::GetCFTypes, "on_get_cftypes"),
        (M::CFTypes(vec![0, 1]), "on_cftypes"),
        (M::GetCFilterV2(hash(43)), "on_get_cfilter_v2"),
        (M::CFilterV2(cfilter_v2()), "on_cfilter_v2"),
        (
            M::GetCFsV2(dcr::GetCFsV2 {
                start_hash: hash(44),
                end_hash: hash(45),
            }),
            "on_get_cfs_v2",
        ),
        (M::CFiltersV2(vec![cfilter_v2(), cfilter_v2()]), "on_cfilters_v2"),
        (
            M::GetInitState(dcr::GetInitState {
                types: vec!["headblocks".into()],
            }),
            "on_get_init_state",
        ),
        (
            M::InitState(dcr::InitState {
                block_hashes: vec![hash(46)],
                vote_hashes: Vec::new(),
                tspend_hashes: Vec::new(),
            }),
            "on_init_state",
        ),
        (
            M::MixPairReq(Box::new(dcr::MixPairReq {
                signature: sig,
                identity: id,
                expiry: 2000,
                mix_amount: 100_000,
                script_class: "P2PKH-secp256k1-v0".into(),
                tx_version: 1,
                lock_time: 0,
                message_count: 1,
                input_value: 200_000,
                utxos: vec![dcr::MixPairReqUtxo {
                    outpoint: dcr::OutPoint {
                        hash: hash(47),
                        index: 1,
                        tree: 0,
                    },
                    script: Bytes::new(),
                    pubkey: Bytes::from_static(&[2; 33]),
                    signature: Bytes::from_static(&[5; 64]),
                    opcode: 0,
                }],
                change: None,
                flags: 0,
                pairing_flags: 0,
            })),
            "on_mix_pair_req",
        ),
        (
            M::MixKeyExchange(Box::new(dcr::MixKeyExchange {
                signature: sig,
                identity: id,
                session_id: sid,
                epoch: 1_700_000_000,
                run: 0,
                pos: 0,
                ecdh: [2; 33],
                pqpk: [6; dcr::PQ_PUBLIC_KEY_LEN],
                commitment: [7; 32],
                seen_prs: vec![hash(48)],
            })),
            "on_mix_key_exchange",
        ),
        (
            M::MixCiphertexts(Box::new(dcr::MixCiphertexts {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                ciphertexts: vec![[8; dcr::PQ_CIPHERTEXT_LEN]],
                seen_key_exchanges: vec![hash(49)],
            })),
            "on_mix_ciphertexts",
        ),
        (
            M::MixSlotReserve(Box::new(dcr::MixSlotReserve {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                dc_mix: dcr::FieldMatrix::from_rows([[[9u8]]]).unwrap(),
                seen_ciphertexts: vec![hash(50)],
            })),
            "on_mix_slot_reserve",
        ),
        (
            M::MixFactoredPoly(Box::new(dcr::MixFactoredPoly {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                roots: vec![Bytes::from_static(&[10])],
                seen_slot_reserves: vec![hash(51)],
            })),
            "on_mix_factored_poly",
        ),
        (
            M::MixDCNet(Box::new(dcr::MixDCNet {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                dc_net: vec![vec![[11; dcr::MIX_MSG_SIZE]]],
                seen_slot_reserves: vec![hash(52)],
            })),
            "on_mix_dcnet",
        ),
        (
            M::MixConfirm(Box::new(dcr::MixConfirm {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                mix: dcr_tx(),
                seen_dc_nets: vec![hash(53)],
            })),
            "on_mix_confirm",
        ),
        (
            M::MixSecrets(Box::new(dcr::MixSecrets {
                signature: sig,
                identity: id,
                session_id: sid,
                run: 0,
                seed: [12; 32],
                slot_reserve_msgs: vec![Bytes::from_static(&[13])],
                dc_net_msgs: vec![[14; dcr::MIX_MSG_SIZE]],
                seen_secrets: vec![hash(54)],
            })),
            "on_mix_secrets",
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
