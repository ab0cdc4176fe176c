//! Listeners: every message type of each dialect reaches exactly its own listener method, handshake-only
//! messages after the handshake disconnect, read/write hooks count every message, listeners may call back into
//! their peer, run in order, and a panic or a refusal affects only the peer concerned.

mod support;

use bytes::Bytes;
use coinpeer_handshake::HandshakeError;
use coinpeer_runtime::{
    Bitcoin, BitcoinListener, CancellationToken, ConnectError, Decred, DecredListener, Dialect, DisconnectReason,
    Outcome, Peer, PeerConfig, ProtocolViolation,
};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::{
    BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, TimedNetAddress, VersionMessage,
};
use coinpeer_wire::{Command, DecodeError, EncodeOptions, Hash256, Network, WireMessage};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{addr, pair, quiet};
use tokio::sync::watch;

/// How long any single expected event may take; far above what an in-memory pair needs.
const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------------------
// A listener recording every call
// ---------------------------------------------------------------------------------------------------------

/// Read and write hook counts, with the byte sizes they reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Io {
    reads: usize,
    read_bytes: usize,
    read_errors: usize,
    writes: usize,
    write_bytes: usize,
    write_errors: usize,
}

/// Pushes the name of every listener method called into a shared, watchable `Vec`.
struct Recorder {
    calls: watch::Sender<Vec<&'static str>>,
    io: watch::Sender<Io>,
    raw_block: Mutex<Option<Bytes>>,
    bitcoin_block: Mutex<Option<btc::Block>>,
    decred_block: Mutex<Option<dcr::Block>>,
    unknown: Mutex<Option<(Command, Bytes)>>,
}

impl Recorder {
    fn new() -> Arc<Self> {
        Arc::new(Recorder {
            calls: watch::Sender::new(Vec::new()),
            io: watch::Sender::new(Io::default()),
            raw_block: Mutex::new(None),
            bitcoin_block: Mutex::new(None),
            decred_block: Mutex::new(None),
            unknown: Mutex::new(None),
        })
    }

    fn push(&self, name: &'static str) {
        self.calls.send_modify(|v| v.push(name));
    }

    fn calls(&self) -> Vec<&'static str> {
        self.calls.borrow().clone()
    }

    fn clear(&self) {
        self.calls.send_modify(Vec::clear);
    }

    /// Waits until at least `n` calls were recorded, and returns them all.
    async fn wait_calls(&self, n: usize) -> Vec<&'static str> {
        let mut rx = self.calls.subscribe();
        let r = tokio::time::timeout(WAIT, rx.wait_for(|v| v.len() >= n)).await;
        assert!(r.is_ok(), "timed out waiting for {n} calls, got {:?}", self.calls());
        self.calls()
    }

    /// Waits until the calls recorded satisfy `pred`, and returns them.
    async fn wait_until(&self, what: &str, pred: impl Fn(&[&'static str]) -> bool) -> Vec<&'static str> {
        let mut rx = self.calls.subscribe();
        let r = tokio::time::timeout(WAIT, rx.wait_for(|v| pred(v))).await;
        assert!(r.is_ok(), "timed out waiting for {what}, got {:?}", self.calls());
        self.calls()
    }

    fn io(&self) -> Io {
        *self.io.borrow()
    }

    async fn wait_io(&self, what: &str, cond: impl Fn(&Io) -> bool) -> Io {
        let mut rx = self.io.subscribe();
        let r = tokio::time::timeout(WAIT, rx.wait_for(|io| cond(io))).await;
        assert!(r.is_ok(), "timed out waiting for {what}: {:?}", self.io());
        self.io()
    }

    fn read(&self, bytes: usize, ok: bool) {
        self.io.send_modify(|io| {
            io.reads += 1;
            io.read_bytes += bytes;
            io.read_errors += usize::from(!ok);
        });
    }

    fn write(&self, bytes: usize, ok: bool) {
        self.io.send_modify(|io| {
            io.writes += 1;
            io.write_bytes += bytes;
            io.write_errors += usize::from(!ok);
        });
    }
}

/// Implements a listener trait on `Recorder`: every method is written out and records its own name.
macro_rules! record_all {
    (
        impl $listener:ident for $dialect:ty, $msg:ty, $block:ty => $block_slot:ident;
        payload { $($pm:ident($pt:ty);)* }
        empty { $($em:ident;)* }
        all = $all:ident;
    ) => {
        /// Every method of the trait that reports a message, `on_read`/`on_write` aside.
        const $all: &[&str] = &["on_version", "on_unknown", "on_block", $(stringify!($pm),)* $(stringify!($em),)*];

        #[coinpeer_runtime::async_trait]
        impl $listener for Recorder {
            async fn on_version(&self, _peer: &Peer<$dialect>, _msg: &VersionMessage) -> Result<(), String> {
                self.push("on_version");
                Ok(())
            }
            async fn on_read(
                &self,
                _peer: &Peer<$dialect>,
                bytes: usize,
                msg: Option<&$msg>,
                err: Option<&DecodeError>,
            ) {
                assert!(msg.is_some() != err.is_some(), "a read has a message or an error");
                self.read(bytes, msg.is_some());
            }
            async fn on_write(&self, _peer: &Peer<$dialect>, bytes: usize, _msg: &$msg, err: Option<&str>) {
                self.write(bytes, err.is_none());
            }
            async fn on_unknown(&self, _peer: &Peer<$dialect>, command: &Command, payload: &Bytes) {
                *self.unknown.lock().unwrap() = Some((*command, payload.clone()));
                self.push("on_unknown");
            }
            async fn on_block(&self, _peer: &Peer<$dialect>, block: &$block, raw: &Bytes) {
                *self.raw_block.lock().unwrap() = Some(raw.clone());
                *self.$block_slot.lock().unwrap() = Some(block.clone());
                self.push("on_block");
            }
            $(
                async fn $pm(&self, _peer: &Peer<$dialect>, _msg: &$pt) {
                    self.push(stringify!($pm));
                }
            )*
            $(
                async fn $em(&self, _peer: &Peer<$dialect>) {
                    self.push(stringify!($em));
                }
            )*
        }
    };
}

record_all! {
    impl BitcoinListener for Bitcoin, btc::Message, btc::Block => bitcoin_block;
    payload {
        on_addr(Vec<TimedNetAddress>);
        on_addr_v2(Vec<btc::AddrV2Entry>);
        on_inv(Vec<Inventory>);
        on_get_data(Vec<Inventory>);
        on_not_found(Vec<Inventory>);
        on_get_blocks(BlockLocator);
        on_get_headers(BlockLocator);
        on_headers(Vec<btc::BlockHeader>);
        on_tx(btc::Transaction);
        on_ping(u64);
        on_pong(u64);
        on_reject(btc::Reject);
        on_fee_filter(i64);
        on_merkle_block(btc::MerkleBlock);
        on_filter_load(btc::FilterLoad);
        on_filter_add(Bytes);
        on_get_cfilters(btc::GetCFilters);
        on_cfilter(btc::CFilter);
        on_get_cfheaders(btc::GetCFilters);
        on_cfheaders(btc::CFHeaders);
        on_get_cfcheckpt(btc::GetCFCheckpt);
        on_cfcheckpt(btc::CFCheckpt);
        on_send_cmpct(btc::SendCmpct);
        on_cmpct_block(btc::CmpctBlock);
        on_get_block_txn(btc::GetBlockTxn);
        on_block_txn(btc::BlockTxn);
        on_send_tx_rcncl(btc::SendTxRcncl);
    }
    empty {
        on_verack;
        on_get_addr;
        on_send_addr_v2;
        on_send_headers;
        on_mem_pool;
        on_filter_clear;
        on_wtxid_relay;
    }
    all = BITCOIN_METHODS;
}

record_all! {
    impl DecredListener for Decred, dcr::Message, dcr::Block => decred_block;
    payload {
        on_addr(Vec<TimedNetAddress>);
        on_addr_v2(Vec<dcr::AddrV2Entry>);
        on_inv(Vec<Inventory>);
        on_get_data(Vec<Inventory>);
        on_not_found(Vec<Inventory>);
        on_get_blocks(BlockLocator);
        on_get_headers(BlockLocator);
        on_headers(Vec<dcr::BlockHeader>);
        on_tx(dcr::Transaction);
        on_ping(u64);
        on_pong(u64);
        on_reject(dcr::Reject);
        on_fee_filter(i64);
        on_mining_state(dcr::MiningState);
        on_get_cfilter(dcr::GetCFilter);
        on_cfilter(dcr::CFilter);
        on_get_cfheaders(dcr::GetCFHeaders);
        on_cfheaders(dcr::CFHeaders);
        on_cftypes(Vec<u8>);
        on_get_cfilter_v2(Hash256);
        on_cfilter_v2(dcr::CFilterV2);
        on_get_cfs_v2(dcr::GetCFsV2);
        on_cfilters_v2(Vec<dcr::CFilterV2>);
        on_get_init_state(dcr::GetInitState);
        on_init_state(dcr::InitState);
        on_mix_pair_req(dcr::MixPairReq);
        on_mix_key_exchange(dcr::MixKeyExchange);
        on_mix_ciphertexts(dcr::MixCiphertexts);
        on_mix_slot_reserve(dcr::MixSlotReserve);
        on_mix_factored_poly(dcr::MixFactoredPoly);
        on_mix_dcnet(dcr::MixDCNet);
        on_mix_confirm(dcr::MixConfirm);
        on_mix_secrets(dcr::MixSecrets);
    }
    empty {
        on_verack;
        on_get_addr;
        on_send_headers;
        on_mem_pool;
        on_get_mining_state;
        on_get_cftypes;
    }
    all = DECRED_METHODS;
}

// ---------------------------------------------------------------------------------------------------------
// Sample messages
// ---------------------------------------------------------------------------------------------------------

fn hash(b: u8) -> Hash256 {
    Hash256([b; 32])
}

fn inventory() -> Vec<Inventory> {
    vec![
        Inventory {
            kind: InvType::TX,
            hash: hash(1),
        },
        Inventory {
            kind: InvType::BLOCK,
            hash: hash(2),
        },
    ]
}

fn locator() -> BlockLocator {
    BlockLocator {
        version: 1,
        locator: vec![hash(3), hash(4)],
        stop: Hash256::ZERO,
    }
}

fn timed_addr() -> Vec<TimedNetAddress> {
    vec![TimedNetAddress {
        time: 1_700_000_000,
        addr: NetAddress::from_socket_addr(SocketAddr::from(([10, 0, 0, 1], 8333)), ServiceFlags::NETWORK),
    }]
}

fn unknown_command() -> Command {
    Command::from_static("xyzzy")
}

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

fn btc_block() -> btc::Block {
    btc::Block {
        header: btc_header(),
        transactions: vec![btc_tx(), btc_tx()],
    }
}

/// One sample of every Bitcoin message a listener method reports after the handshake, with that method.
fn bitcoin_table() -> Vec<(btc::Message, &'static str)> {
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

fn dcr_block() -> dcr::Block {
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
fn decred_table() -> Vec<(dcr::Message, &'static str)> {
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

fn version_message(version: u32) -> VersionMessage {
    VersionMessage {
        version,
        services: ServiceFlags::NETWORK,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NETWORK),
        nonce: 0x0bad_cafe,
        user_agent: "/late:1.0/".into(),
        start_height: 0,
        relay: true,
    }
}

fn payload_of<M: WireMessage>(msg: &M, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/// Waits until the handshake's calls reached `rec` (the verack comes last, once the peer runs), checks them
/// against `expected` and clears the log.
async fn settle(rec: &Recorder, expected: &[&str]) {
    let got = rec
        .wait_until("the handshake's verack", |v| v.contains(&"on_verack"))
        .await;
    assert_eq!(got, expected, "the handshake's calls");
    rec.clear();
}

/// What a recorder hears of a handshake between two default peers: the version during it, then the verack and,
/// for Bitcoin at 70016, the `sendaddrv2` the handshake consumed.
fn handshake_calls<D: Dialect>() -> &'static [&'static str] {
    if D::Message::DIALECT == coinpeer_wire::Dialect::Bitcoin {
        &["on_version", "on_send_addr_v2", "on_verack"]
    } else {
        &["on_version", "on_verack"]
    }
}

/// A pair whose inbound side records every listener call; the handshake's calls are checked and cleared.
/// Returns (sender, receiver, the receiver's recorder, the sender's recorder).
async fn recorded_pair<D: Dialect>(
    out: coinpeer_runtime::PeerConfigBuilder<D>,
    inb: coinpeer_runtime::PeerConfigBuilder<D>,
    as_listener: fn(Arc<Recorder>) -> Arc<D::Listener>,
    handshake: &[&str],
) -> (Peer<D>, Peer<D>, Arc<Recorder>, Arc<Recorder>) {
    let (rx_rec, tx_rec) = (Recorder::new(), Recorder::new());
    let (a, b) = pair(
        out.listener(as_listener(tx_rec.clone())).build(),
        inb.listener(as_listener(rx_rec.clone())).build(),
    )
    .await;
    settle(&rx_rec, handshake).await;
    settle(&tx_rec, handshake).await;
    (a, b, rx_rec, tx_rec)
}

fn btc_listener(r: Arc<Recorder>) -> Arc<dyn BitcoinListener> {
    r
}

fn dcr_listener(r: Arc<Recorder>) -> Arc<dyn DecredListener> {
    r
}

/// Sends each message of `table` from `a` and checks that `rec`, on the other side, got exactly the expected
/// call for it, in order, and nothing else.
async fn check_table<D: Dialect>(a: &Peer<D>, b: &Peer<D>, rec: &Recorder, table: Vec<(D::Message, &'static str)>) {
    let mut expected = Vec::new();
    for (msg, method) in table {
        let command = msg.command();
        assert_eq!(a.send(msg).await, Outcome::Sent, "{command}");
        expected.push(method);
        let got = rec.wait_calls(expected.len()).await;
        assert_eq!(got, expected, "after {command}");
    }
    // A last message flushes anything late: the log must hold the table's calls and that one only.
    assert_eq!(a.send(D::ping(1)).await, Outcome::Sent);
    expected.push("on_ping");
    let got = rec.wait_calls(expected.len()).await;
    assert_eq!(got, expected);
    assert!(a.is_connected() && b.is_connected(), "{:?}", b.disconnect_reason());
    assert_eq!(rec.io().read_errors, 0);
}

/// Every method name in `table` is distinct, and with `others` they are all of the trait's methods.
fn assert_covers(table: &[&'static str], others: &[&'static str], all: &[&str]) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for n in table.iter().chain(others) {
        assert!(names.insert(n), "{n} twice");
    }
    assert_eq!(names, all.iter().copied().collect(), "table and trait differ");
}

// ---------------------------------------------------------------------------------------------------------
// Every message type reaches its listener
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_bitcoin_message_type_reaches_exactly_its_listener_method() {
    let table = bitcoin_table();
    let names: Vec<_> = table.iter().map(|(_, n)| *n).collect();
    assert_covers(
        &names,
        &["on_version", "on_verack", "on_send_addr_v2", "on_wtxid_relay"],
        BITCOIN_METHODS,
    );
    // The receiver offers bloom filtering, so the BIP37 messages and `mempool` in the table are allowed.
    let (a, b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST).services(ServiceFlags::NETWORK | ServiceFlags::BTC_BLOOM),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    assert_eq!(b.protocol_version(), 70_016);
    check_table(&a, &b, &rec, table).await;
}

#[tokio::test]
async fn every_decred_message_type_reaches_exactly_its_listener_method() {
    let table = decred_table();
    let names: Vec<_> = table.iter().map(|(_, n)| *n).collect();
    // addr and reject are checked at the older versions that still have them, verack only in the handshake.
    assert_covers(
        &names,
        &["on_version", "on_verack", "on_addr", "on_reject"],
        DECRED_METHODS,
    );
    let (a, b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    assert_eq!(b.protocol_version(), 12);
    check_table(&a, &b, &rec, table).await;
}

#[tokio::test]
async fn bitcoin_handshake_announcements_reach_their_listeners_once_the_peer_runs() {
    let cfg = || quiet::<Bitcoin>(Network::BITCOIN_REGTEST).wtxid_relay(true);
    let all = ["on_version", "on_send_addr_v2", "on_wtxid_relay", "on_verack"];
    let (a, b, _, _) = recorded_pair(cfg(), cfg(), btc_listener, &all).await;
    assert!(a.features().wtxid_relay && b.features().wtxid_relay);
    // Below 70016 neither feature is announced: only the version and the verack are heard.
    let cfg = || {
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .wtxid_relay(true)
            .max_protocol_version(70_015)
    };
    recorded_pair(cfg(), cfg(), btc_listener, &["on_version", "on_verack"]).await;
}

#[tokio::test]
async fn decred_addr_reaches_its_listener_below_protocol_12() {
    let cfg = || quiet::<Decred>(Network::DECRED_SIMNET).max_protocol_version(11);
    let (a, b, rec, _) = recorded_pair(cfg(), cfg(), dcr_listener, handshake_calls::<Decred>()).await;
    assert_eq!(b.protocol_version(), 11);
    check_table(&a, &b, &rec, vec![(dcr::Message::Addr(timed_addr()), "on_addr")]).await;
}

#[tokio::test]
async fn decred_reject_reaches_its_listener_below_protocol_9() {
    let cfg = || {
        quiet::<Decred>(Network::DECRED_SIMNET)
            .max_protocol_version(8)
            .min_protocol_version(8)
    };
    let (a, b, rec, _) = recorded_pair(cfg(), cfg(), dcr_listener, handshake_calls::<Decred>()).await;
    assert_eq!(b.protocol_version(), 8);
    let reject = dcr::Message::Reject(dcr::Reject {
        message: "tx".into(),
        code: btc::RejectCode::INVALID,
        reason: "bad".into(),
        hash: hash(60),
    });
    check_table(&a, &b, &rec, vec![(reject, "on_reject")]).await;
}

#[tokio::test]
async fn bitcoin_on_block_gets_the_payload_bytes_it_was_decoded_from() {
    let (a, _b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    let msg = btc::Message::Block(btc_block());
    let expected = payload_of(&msg, 70_016);
    assert_eq!(a.send(msg).await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_block"]);
    let raw = rec.raw_block.lock().unwrap().clone().expect("raw payload");
    assert_eq!(&raw[..], &expected[..]);
    assert_eq!(rec.bitcoin_block.lock().unwrap().as_ref(), Some(&btc_block()));
}

#[tokio::test]
async fn decred_on_block_gets_the_payload_bytes_it_was_decoded_from() {
    let (a, _b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    let msg = dcr::Message::Block(dcr_block());
    let expected = payload_of(&msg, 12);
    assert_eq!(a.send(msg).await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_block"]);
    let raw = rec.raw_block.lock().unwrap().clone().expect("raw payload");
    assert_eq!(&raw[..], &expected[..]);
    assert_eq!(rec.decred_block.lock().unwrap().as_ref(), Some(&dcr_block()));
}

#[tokio::test]
async fn unknown_commands_reach_on_unknown_with_their_payload_and_keep_the_peer() {
    let (a, b, rec, _) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    let payload = Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]);
    let msg = btc::Message::Unknown {
        command: Command::from_static("protoconf"),
        payload: payload.clone(),
    };
    assert_eq!(a.send(msg).await, Outcome::Sent);
    assert_eq!(rec.wait_calls(1).await, ["on_unknown"]);
    assert_eq!(
        *rec.unknown.lock().unwrap(),
        Some((Command::from_static("protoconf"), payload))
    );
    assert!(b.is_connected());

    let (a, b, rec, _) = recorded_pair::<Decred>(
        quiet(Network::DECRED_SIMNET),
        quiet(Network::DECRED_SIMNET),
        dcr_listener,
        handshake_calls::<Decred>(),
    )
    .await;
    let msg = dcr::Message::Unknown {
        command: Command::from_static("getinitstat2"),
        payload: Bytes::new(),
    };
    assert_eq!(a.send(msg).await, Outcome::Sent);
    assert_eq!(a.send(dcr::Message::GetAddr).await, Outcome::Sent);
    assert_eq!(rec.wait_calls(2).await, ["on_unknown", "on_get_addr"]);
    assert!(
        b.is_connected(),
        "Decred follows Bitcoin here: an unknown command is not a disconnect"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Handshake-only messages after the handshake
// ---------------------------------------------------------------------------------------------------------

async fn assert_late_handshake_message_disconnects<D: Dialect>(
    network: Network,
    msg: D::Message,
    as_listener: fn(Arc<Recorder>) -> Arc<D::Listener>,
    expect_reject: bool,
) {
    let command = msg.command();
    let (a, b, rec, sender_rec) = recorded_pair::<D>(
        quiet(network.clone()),
        quiet(network),
        as_listener,
        handshake_calls::<D>(),
    )
    .await;
    assert_eq!(a.send(msg).await, Outcome::Sent, "{command}");
    tokio::time::timeout(WAIT, b.wait_for_disconnect())
        .await
        .expect("disconnects");
    assert_eq!(
        b.disconnect_reason(),
        Some(DisconnectReason::Protocol(ProtocolViolation::Duplicate(command))),
    );
    assert!(
        rec.calls().is_empty(),
        "no listener method for a late {command}: {:?}",
        rec.calls()
    );
    // The message that breaks the protocol ends the peer in the state machine, before any hook hears of it.
    assert_eq!(rec.io().reads, 0, "no hook runs for it");
    tokio::time::timeout(WAIT, a.wait_for_disconnect())
        .await
        .expect("the sender sees the close");
    assert_eq!(a.disconnect_reason(), Some(DisconnectReason::RemoteClosed));
    let got = sender_rec.calls();
    if expect_reject {
        assert_eq!(got, ["on_reject"], "a duplicate reject comes before the close");
    } else {
        assert!(got.is_empty(), "{got:?}");
    }
}

#[tokio::test]
async fn bitcoin_handshake_messages_after_the_handshake_disconnect_as_duplicates() {
    for msg in [
        btc::Message::Version(version_message(70_016)),
        btc::Message::Verack,
        btc::Message::SendAddrV2,
        btc::Message::WtxidRelay,
    ] {
        assert_late_handshake_message_disconnects::<Bitcoin>(Network::BITCOIN_REGTEST, msg, btc_listener, true).await;
    }
}

#[tokio::test]
async fn decred_handshake_messages_after_the_handshake_disconnect_as_duplicates() {
    for msg in [dcr::Message::Version(version_message(12)), dcr::Message::Verack] {
        assert_late_handshake_message_disconnects::<Decred>(Network::DECRED_SIMNET, msg, dcr_listener, false).await;
    }
}

// ---------------------------------------------------------------------------------------------------------
// on_read / on_write
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn read_and_write_hooks_count_every_message_on_both_sides() {
    let (a, b, b_rec, a_rec) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    assert_eq!(a_rec.io(), Io::default(), "the handshake is not reported to the hooks");
    assert_eq!(b_rec.io(), Io::default());
    const A_TO_B: usize = 25;
    const B_TO_A: usize = 13;
    for i in 0..A_TO_B {
        let msg = if i % 2 == 0 {
            btc::Message::FeeFilter(i as i64)
        } else {
            btc::Message::Inv(inventory())
        };
        assert_eq!(a.send(msg).await, Outcome::Sent);
    }
    for _ in 0..B_TO_A {
        assert_eq!(b.send(btc::Message::GetAddr).await, Outcome::Sent);
    }
    // A send resolves after its write hooks ran, so the writers' counts are final already.
    let a_io = a_rec.io();
    assert_eq!((a_io.writes, a_io.write_errors), (A_TO_B, 0));
    let b_io = b_rec.io();
    assert_eq!((b_io.writes, b_io.write_errors), (B_TO_A, 0));
    let b_io = b_rec.wait_io("b's reads", |io| io.reads >= A_TO_B).await;
    let a_io = a_rec.wait_io("a's reads", |io| io.reads >= B_TO_A).await;
    assert_eq!((b_io.reads, b_io.read_errors), (A_TO_B, 0));
    assert_eq!((a_io.reads, a_io.read_errors), (B_TO_A, 0));
    assert_eq!(a_io.write_bytes, b_io.read_bytes, "both sides agree on the bytes");
    assert_eq!(b_io.write_bytes, a_io.read_bytes);
    assert_eq!(a_io.write_bytes, 13 * 32 + 12 * (24 + 1 + 2 * 36));
    assert_eq!(b_io.write_bytes, B_TO_A * 24);
    // The hooks agree with the statistics.
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(sa.sent["feefilter"].messages + sa.sent["inv"].messages, A_TO_B as u64);
    assert_eq!(
        sb.received["feefilter"].bytes + sb.received["inv"].bytes,
        b_io.read_bytes as u64
    );
    assert_eq!(sb.sent["getaddr"].messages, B_TO_A as u64);
    assert_eq!(sa.received["getaddr"].messages, B_TO_A as u64);
}

// ---------------------------------------------------------------------------------------------------------
// A listener calling back into its own peer
// ---------------------------------------------------------------------------------------------------------

/// On `inv` answers with a `getdata` and reads its peer's statistics; on `ping` pings back. Every call into
/// the peer is awaited inside the listener.
struct CallsBack {
    seen: watch::Sender<Vec<String>>,
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for CallsBack {
    async fn on_inv(&self, peer: &Peer<Bitcoin>, inv: &Vec<Inventory>) {
        let invs = peer.stats().received["inv"].messages;
        let outcome = peer.send(btc::Message::GetData(inv.clone())).await;
        let sent = peer.stats().sent["getdata"].messages;
        peer.update_last_block_height(peer.last_block() + 1);
        let line = format!(
            "inv {invs} -> getdata {outcome:?} {sent} connected={}",
            peer.is_connected()
        );
        self.seen.send_modify(|v| v.push(line));
    }
    async fn on_ping(&self, peer: &Peer<Bitcoin>, _nonce: &u64) {
        let outcome = peer.push_ping().await;
        let queued = peer.queued_bytes();
        let nonce = peer.stats().last_ping_nonce.is_some();
        self.seen
            .send_modify(|v| v.push(format!("ping -> ping {outcome:?} queued={queued} nonce={nonce}")));
    }
}

#[tokio::test]
async fn a_listener_may_call_back_into_its_own_peer_without_deadlock() {
    let calls_back = Arc::new(CallsBack {
        seen: watch::Sender::new(Vec::new()),
    });
    let b_rec = Recorder::new();
    let a_rec = Recorder::new();
    let (a, b) = pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(a_rec.clone())
            .build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(calls_back.clone())
            .listener(b_rec.clone())
            .build(),
    )
    .await;
    settle(&a_rec, handshake_calls::<Bitcoin>()).await;
    settle(&b_rec, handshake_calls::<Bitcoin>()).await;
    let height = b.last_block();
    assert_eq!(a.send(btc::Message::Inv(inventory())).await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::Ping(77)).await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::FeeFilter(5)).await, Outcome::Sent);
    // The reader got past both callbacks: the later message reached the next listener. (Our pong to b's ping
    // may come in between; it is checked below.)
    let got = b_rec
        .wait_until("b's fee filter", |v| v.contains(&"on_fee_filter"))
        .await;
    let got: Vec<_> = got.into_iter().filter(|m| *m != "on_pong").collect();
    assert_eq!(got, ["on_inv", "on_ping", "on_fee_filter"]);
    assert_eq!(
        *calls_back.seen.borrow(),
        [
            "inv 1 -> getdata Sent 1 connected=true".to_string(),
            "ping -> ping Sent queued=0 nonce=true".to_string(),
        ]
    );
    assert_eq!(b.last_block(), height + 1);
    // What the listener sent arrived: the getdata, the pong to our ping, and its own ping.
    let got = a_rec.wait_calls(3).await;
    assert_eq!(got, ["on_get_data", "on_pong", "on_ping"]);
    // Our automatic pong to its ping completes its latency measurement.
    let mut waited = Duration::ZERO;
    while b.stats().last_ping_latency.is_none() {
        assert!(waited < WAIT, "no pong reached b");
        tokio::time::sleep(Duration::from_millis(1)).await;
        waited += Duration::from_millis(1);
    }
    assert!(a.is_connected() && b.is_connected());
}

// ---------------------------------------------------------------------------------------------------------
// Order, panics, refusal
// ---------------------------------------------------------------------------------------------------------

/// Records `name:method` into a log shared by several listeners.
struct Named {
    name: &'static str,
    log: Arc<watch::Sender<Vec<String>>>,
}

impl Named {
    fn push(&self, method: &str) {
        self.log.send_modify(|v| v.push(format!("{}:{method}", self.name)));
    }
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Named {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, _msg: &VersionMessage) -> Result<(), String> {
        self.push("on_version");
        Ok(())
    }
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _msg: &Vec<Inventory>) {
        // Yield in the middle: the next listener must still wait for this one to finish.
        tokio::task::yield_now().await;
        self.push("on_inv");
    }
    async fn on_get_addr(&self, _peer: &Peer<Bitcoin>) {
        self.push("on_get_addr");
    }
    async fn on_verack(&self, _peer: &Peer<Bitcoin>) {
        self.push("on_verack");
    }
}

#[tokio::test]
async fn listeners_run_in_the_order_they_were_added() {
    let log = Arc::new(watch::Sender::new(Vec::new()));
    let named = |name| Arc::new(Named { name, log: log.clone() });
    let (a, _b) = pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(named("first"))
            .listener(named("second"))
            .build(),
    )
    .await;
    assert_eq!(a.send(btc::Message::Inv(inventory())).await, Outcome::Sent);
    assert_eq!(a.send(btc::Message::GetAddr).await, Outcome::Sent);
    let mut rx = log.subscribe();
    tokio::time::timeout(WAIT, rx.wait_for(|v| v.len() >= 8))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "first:on_version",
            "second:on_version",
            "first:on_verack",
            "second:on_verack",
            "first:on_inv",
            "second:on_inv",
            "first:on_get_addr",
            "second:on_get_addr"
        ]
    );
}

/// Panics in the listener method named `at`.
struct Panics {
    at: &'static str,
}

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Panics {
    async fn on_inv(&self, _peer: &Peer<Bitcoin>, _msg: &Vec<Inventory>) {
        if self.at == "on_inv" {
            panic!("listener boom in on_inv");
        }
    }
    async fn on_write(&self, _peer: &Peer<Bitcoin>, _bytes: usize, _msg: &btc::Message, _err: Option<&str>) {
        if self.at == "on_write" {
            panic!("listener boom in on_write");
        }
    }
    async fn on_read(
        &self,
        _peer: &Peer<Bitcoin>,
        _bytes: usize,
        msg: Option<&btc::Message>,
        _err: Option<&DecodeError>,
    ) {
        if self.at == "on_read" && matches!(msg, Some(btc::Message::FeeFilter(_))) {
            panic!("listener boom in on_read");
        }
    }
}

/// Starts a pair whose inbound side has a listener panicking in method `at`, followed by a recorder, plus a
/// healthy pair; makes the listener panic and checks that only its peer went down.
async fn assert_panic_disconnects_only_its_peer(at: &'static str) {
    let cfg = || quiet::<Bitcoin>(Network::BITCOIN_REGTEST);
    let sick_rec = Recorder::new();
    let (a1, b1) = pair(
        cfg().build(),
        cfg()
            .listener(Arc::new(Panics { at }))
            .listener(sick_rec.clone())
            .build(),
    )
    .await;
    let healthy_rec = Recorder::new();
    let (a2, b2) = pair(cfg().build(), cfg().listener(healthy_rec.clone()).build()).await;
    settle(&healthy_rec, handshake_calls::<Bitcoin>()).await;
    settle(&sick_rec, handshake_calls::<Bitcoin>()).await;

    match at {
        "on_write" => {
            // The panicking peer writes; the message itself was written before its hooks ran.
            assert_eq!(b1.send(btc::Message::GetAddr).await, Outcome::Sent);
        }
        "on_read" => assert_eq!(a1.send(btc::Message::FeeFilter(1)).await, Outcome::Sent),
        _ => assert_eq!(a1.send(btc::Message::Inv(inventory())).await, Outcome::Sent),
    }
    tokio::time::timeout(WAIT, b1.wait_for_disconnect())
        .await
        .unwrap_or_else(|_| panic!("a panic in {at} must disconnect its peer"));
    match b1.disconnect_reason() {
        Some(DisconnectReason::ListenerPanic(m)) => assert_eq!(m, format!("listener boom in {at}")),
        other => panic!("{other:?}"),
    }
    assert_eq!(b1.running_tasks(), 0);
    if at != "on_write" {
        assert!(
            sick_rec.calls().is_empty(),
            "listeners after the panicking one are not called"
        );
    }
    tokio::time::timeout(WAIT, a1.wait_for_disconnect()).await.unwrap();
    assert_eq!(a1.disconnect_reason(), Some(DisconnectReason::RemoteClosed));

    // The other pair, on the same runtime, goes on.
    assert!(a2.is_connected() && b2.is_connected());
    assert_eq!(a2.send(btc::Message::Inv(inventory())).await, Outcome::Sent);
    assert_eq!(b2.send(btc::Message::GetAddr).await, Outcome::Sent);
    assert_eq!(healthy_rec.wait_calls(1).await, ["on_inv"]);
    assert!(a2.is_connected() && b2.is_connected());
}

#[tokio::test]
async fn a_panicking_message_listener_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_inv").await;
}

#[tokio::test]
async fn a_panicking_read_hook_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_read").await;
}

#[tokio::test]
async fn a_panicking_write_hook_disconnects_only_its_own_peer() {
    assert_panic_disconnects_only_its_peer("on_write").await;
}

/// Refuses every remote in `on_version`.
struct Refuses;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for Refuses {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, msg: &VersionMessage) -> Result<(), String> {
        Err(format!("no thanks, {}", msg.user_agent))
    }
}

#[coinpeer_runtime::async_trait]
impl DecredListener for Refuses {
    async fn on_version(&self, _peer: &Peer<Decred>, msg: &VersionMessage) -> Result<(), String> {
        Err(format!("no thanks, {}", msg.user_agent))
    }
}

/// Runs a handshake between `out` and `inb` and returns both results.
async fn try_pair<D: Dialect>(
    out: PeerConfig<D>,
    inb: PeerConfig<D>,
) -> (Result<Peer<D>, ConnectError>, Result<Peer<D>, ConnectError>) {
    let (s1, s2) = tokio::io::duplex(1 << 16);
    let (o, i) = tokio::join!(
        Peer::outbound(out, s1, addr(1), CancellationToken::new()),
        Peer::inbound(inb, s2, addr(2), CancellationToken::new()),
    );
    (o, i)
}

#[tokio::test]
async fn on_version_returning_err_refuses_the_peer_on_that_side() {
    // The inbound side refuses.
    let (o, i) = try_pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(Arc::new(Refuses))
            .build(),
    )
    .await;
    match i {
        Err(ConnectError::Handshake(HandshakeError::Refused(reason))) => {
            assert!(reason.starts_with("no thanks, /"), "the listener's reason: {reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(o.is_err(), "the refused side does not get a peer either: {o:?}");

    // The outbound side refuses.
    let (o, i) = try_pair(
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
            .listener(Arc::new(Refuses))
            .build(),
        quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
    )
    .await;
    assert!(
        matches!(&o, Err(ConnectError::Handshake(HandshakeError::Refused(r))) if r.starts_with("no thanks")),
        "{o:?}"
    );
    assert!(i.is_err(), "{i:?}");

    // Decred, inbound refusing.
    let (o, i) = try_pair(
        quiet::<Decred>(Network::DECRED_SIMNET).build(),
        quiet::<Decred>(Network::DECRED_SIMNET)
            .listener(Arc::new(Refuses))
            .build(),
    )
    .await;
    assert!(
        matches!(&i, Err(ConnectError::Handshake(HandshakeError::Refused(r))) if r.starts_with("no thanks")),
        "{i:?}"
    );
    assert!(o.is_err(), "{o:?}");
}

/// Waits, inside its own `on_ping`, for its own peer to disconnect: legal, and it must not hold shutdown up.
struct AwaitsOwnDisconnect;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for AwaitsOwnDisconnect {
    async fn on_ping(&self, peer: &Peer<Bitcoin>, _nonce: &u64) {
        peer.wait_for_disconnect().await;
    }
}

#[tokio::test]
async fn a_listener_awaiting_its_own_disconnect_does_not_block_shutdown() {
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
        .listener(Arc::new(AwaitsOwnDisconnect))
        .build();
    let (a, b) = pair(quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(), cfg).await;
    assert_eq!(a.push_ping().await, coinpeer_runtime::Outcome::Sent);
    // Let the listener start waiting, then disconnect from outside.
    for _ in 0..100 {
        if b.stats().received.contains_key("ping") {
            break;
        }
        tokio::task::yield_now().await;
    }
    b.disconnect();
    tokio::time::timeout(Duration::from_secs(5), b.wait_for_disconnect())
        .await
        .expect("shutdown is not held up");
    assert_eq!(b.running_tasks(), 0);
    assert_eq!(b.disconnect_reason(), Some(DisconnectReason::LocalRequest));
}

struct PanicsOnVersion;

#[coinpeer_runtime::async_trait]
impl BitcoinListener for PanicsOnVersion {
    async fn on_version(&self, _peer: &Peer<Bitcoin>, _msg: &VersionMessage) -> Result<(), String> {
        panic!("version boom")
    }
}

#[tokio::test]
async fn a_panic_in_on_version_is_a_typed_handshake_failure() {
    let (x, y) = tokio::io::duplex(1 << 16);
    let cfg = quiet::<Bitcoin>(Network::BITCOIN_REGTEST)
        .listener(Arc::new(PanicsOnVersion))
        .build();
    let (out, inb) = tokio::join!(
        Peer::outbound(cfg, x, addr(1), CancellationToken::new()),
        Peer::inbound(
            quiet::<Bitcoin>(Network::BITCOIN_REGTEST).build(),
            y,
            addr(2),
            CancellationToken::new()
        ),
    );
    assert!(matches!(out, Err(ConnectError::ListenerPanic(m)) if m.contains("version boom")));
    assert!(inb.is_err(), "the remote sees the connection close");
}
