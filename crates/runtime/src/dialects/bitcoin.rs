//! The Bitcoin dialect's listener trait, and how the runtime calls it.

use crate::dialect::{BoxFuture, Dialect};
use crate::Peer;
use bytes::Bytes;
pub use coinpeer_protocol::Bitcoin;
use coinpeer_wire::bitcoin::{self as btc, Message};
use coinpeer_wire::messages::{BlockLocator, Inventory, TimedNetAddress, VersionMessage};
use coinpeer_wire::DecodeError;

listener_trait! {
    /// Callbacks for a Bitcoin peer: one per message type, all optional.
    ///
    /// Listeners run in order on the peer's task, one message at a time, while the peer goes on reading
    /// (up to a backlog), writing and keeping time. Calling any method of the peer from a listener is safe.
    /// A call that panics or runs past [`LISTENER_BUDGET`](crate::LISTENER_BUDGET) disconnects only this
    /// peer; when the peer disconnects, a call still running is cancelled.
    pub trait BitcoinListener for Bitcoin, Message {
        payload {
            /// `addr`.
            on_addr(Vec<TimedNetAddress>);
            /// `addrv2`.
            on_addr_v2(Vec<btc::AddrV2Entry>);
            /// `inv`.
            on_inv(Vec<Inventory>);
            /// `getdata`.
            on_get_data(Vec<Inventory>);
            /// `notfound`.
            on_not_found(Vec<Inventory>);
            /// `getblocks`.
            on_get_blocks(BlockLocator);
            /// `getheaders`.
            on_get_headers(BlockLocator);
            /// `headers`.
            on_headers(Vec<btc::BlockHeader>);
            /// `tx`.
            on_tx(btc::Transaction);
            /// `ping` (already answered with a pong).
            on_ping(u64);
            /// `pong`.
            on_pong(u64);
            /// `reject`.
            on_reject(btc::Reject);
            /// `feefilter`.
            on_fee_filter(i64);
            /// `merkleblock`.
            on_merkle_block(btc::MerkleBlock);
            /// `filterload`.
            on_filter_load(btc::FilterLoad);
            /// `filteradd`.
            on_filter_add(Bytes);
            /// `getcfilters`.
            on_get_cfilters(btc::GetCFilters);
            /// `cfilter`.
            on_cfilter(btc::CFilter);
            /// `getcfheaders`.
            on_get_cfheaders(btc::GetCFilters);
            /// `cfheaders`.
            on_cfheaders(btc::CFHeaders);
            /// `getcfcheckpt`.
            on_get_cfcheckpt(btc::GetCFCheckpt);
            /// `cfcheckpt`.
            on_cfcheckpt(btc::CFCheckpt);
            /// `sendcmpct`.
            on_send_cmpct(btc::SendCmpct);
            /// `cmpctblock`.
            on_cmpct_block(btc::CmpctBlock);
            /// `getblocktxn`.
            on_get_block_txn(btc::GetBlockTxn);
            /// `blocktxn`.
            on_block_txn(btc::BlockTxn);
            /// `sendtxrcncl`.
            on_send_tx_rcncl(btc::SendTxRcncl);
        }
        empty {
            /// `verack` (the handshake's).
            on_verack;
            /// `getaddr`.
            on_get_addr;
            /// `sendaddrv2` (during the handshake).
            on_send_addr_v2;
            /// `sendheaders`.
            on_send_headers;
            /// `mempool`.
            on_mem_pool;
            /// `filterclear`.
            on_filter_clear;
            /// `wtxidrelay` (during the handshake).
            on_wtxid_relay;
        }
        block(btc::Block);
    }
}

impl Dialect for Bitcoin {
    type Listener = dyn BitcoinListener;

    fn dispatch<'a>(
        l: &'a dyn BitcoinListener,
        peer: &'a Peer<Self>,
        msg: &'a Message,
        raw: &'a Bytes,
    ) -> BoxFuture<'a> {
        match msg {
            Message::Verack => l.on_verack(peer),
            Message::GetAddr => l.on_get_addr(peer),
            Message::SendAddrV2 => l.on_send_addr_v2(peer),
            Message::SendHeaders => l.on_send_headers(peer),
            Message::MemPool => l.on_mem_pool(peer),
            Message::FilterClear => l.on_filter_clear(peer),
            Message::WtxidRelay => l.on_wtxid_relay(peer),
            Message::Addr(m) => l.on_addr(peer, m),
            Message::AddrV2(m) => l.on_addr_v2(peer, m),
            Message::Inv(m) => l.on_inv(peer, m),
            Message::GetData(m) => l.on_get_data(peer, m),
            Message::NotFound(m) => l.on_not_found(peer, m),
            Message::GetBlocks(m) => l.on_get_blocks(peer, m),
            Message::GetHeaders(m) => l.on_get_headers(peer, m),
            Message::Headers(m) => l.on_headers(peer, m),
            Message::Block(b) => l.on_block(peer, b, raw),
            Message::Tx(m) => l.on_tx(peer, m),
            Message::Ping(m) => l.on_ping(peer, m),
            Message::Pong(m) => l.on_pong(peer, m),
            Message::Reject(m) => l.on_reject(peer, m),
            Message::FeeFilter(m) => l.on_fee_filter(peer, m),
            Message::MerkleBlock(m) => l.on_merkle_block(peer, m),
            Message::FilterLoad(m) => l.on_filter_load(peer, m),
            Message::FilterAdd(m) => l.on_filter_add(peer, m),
            Message::GetCFilters(m) => l.on_get_cfilters(peer, m),
            Message::CFilter(m) => l.on_cfilter(peer, m),
            Message::GetCFHeaders(m) => l.on_get_cfheaders(peer, m),
            Message::CFHeaders(m) => l.on_cfheaders(peer, m),
            Message::GetCFCheckpt(m) => l.on_get_cfcheckpt(peer, m),
            Message::CFCheckpt(m) => l.on_cfcheckpt(peer, m),
            Message::SendCmpct(m) => l.on_send_cmpct(peer, m),
            Message::CmpctBlock(m) => l.on_cmpct_block(peer, m),
            Message::GetBlockTxn(m) => l.on_get_block_txn(peer, m),
            Message::BlockTxn(m) => l.on_block_txn(peer, m),
            Message::SendTxRcncl(m) => l.on_send_tx_rcncl(peer, m),
            Message::Unknown { command, payload } => l.on_unknown(peer, command, payload),
            // The version is handed to `on_version` during the handshake.
            _ => Box::pin(async {}),
        }
    }
    fn on_version<'a>(
        l: &'a dyn BitcoinListener,
        peer: &'a Peer<Self>,
        v: &'a VersionMessage,
    ) -> BoxFuture<'a, Result<(), String>> {
        l.on_version(peer, v)
    }
    fn on_read<'a>(
        l: &'a dyn BitcoinListener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: Option<&'a Message>,
        err: Option<&'a DecodeError>,
    ) -> BoxFuture<'a> {
        l.on_read(peer, bytes, msg, err)
    }
    fn event_listener(forwarder: crate::EventForwarder<Message>) -> std::sync::Arc<dyn BitcoinListener> {
        std::sync::Arc::new(forwarder)
    }
    fn on_write<'a>(
        l: &'a dyn BitcoinListener,
        peer: &'a Peer<Self>,
        bytes: usize,
        msg: &'a Message,
        err: Option<&'a str>,
    ) -> BoxFuture<'a> {
        l.on_write(peer, bytes, msg, err)
    }
}
