//! A listener recording every call: `Recorder`, which implements both listener traits with every method written
//! out, and the lists of each trait's methods.

use crate::WAIT;
use bytes::Bytes;
use coinpeer_runtime::{Bitcoin, BitcoinListener, Decred, DecredListener, Peer};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::decred as dcr;
use coinpeer_wire::messages::{BlockLocator, Inventory, TimedNetAddress, VersionMessage};
use coinpeer_wire::{Command, DecodeError, Hash256};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Read and write hook counts, with the byte sizes they reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Io {
    pub(crate) reads: usize,
    pub(crate) read_bytes: usize,
    pub(crate) read_errors: usize,
    pub(crate) writes: usize,
    pub(crate) write_bytes: usize,
    pub(crate) write_errors: usize,
}

/// Pushes the name of every listener method called into a shared, watchable `Vec`.
pub(crate) struct Recorder {
    calls: watch::Sender<Vec<&'static str>>,
    io: watch::Sender<Io>,
    pub(crate) raw_block: Mutex<Option<Bytes>>,
    pub(crate) bitcoin_block: Mutex<Option<btc::Block>>,
    pub(crate) decred_block: Mutex<Option<dcr::Block>>,
    pub(crate) unknown: Mutex<Option<(Command, Bytes)>>,
}

impl Recorder {
    pub(crate) fn new() -> Arc<Self> {
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

    pub(crate) fn calls(&self) -> Vec<&'static str> {
        self.calls.borrow().clone()
    }

    pub(crate) fn clear(&self) {
        self.calls.send_modify(Vec::clear);
    }

    /// Waits until at least `n` calls were recorded, and returns them all.
    pub(crate) async fn wait_calls(&self, n: usize) -> Vec<&'static str> {
        let mut rx = self.calls.subscribe();
        let r = tokio::time::timeout(WAIT, rx.wait_for(|v| v.len() >= n)).await;
        assert!(r.is_ok(), "timed out waiting for {n} calls, got {:?}", self.calls());
        self.calls()
    }

    /// Waits until the calls recorded satisfy `pred`, and returns them.
    pub(crate) async fn wait_until(&self, what: &str, pred: impl Fn(&[&'static str]) -> bool) -> Vec<&'static str> {
        let mut rx = self.calls.subscribe();
        let r = tokio::time::timeout(WAIT, rx.wait_for(|v| pred(v))).await;
        assert!(r.is_ok(), "timed out waiting for {what}, got {:?}", self.calls());
        self.calls()
    }

    pub(crate) fn io(&self) -> Io {
        *self.io.borrow()
    }

    pub(crate) async fn wait_io(&self, what: &str, cond: impl Fn(&Io) -> bool) -> Io {
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
        pub(crate) const $all: &[&str] = &["on_version", "on_unknown", "on_block", $(stringify!($pm),)* $(stringify!($em),)*];

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
