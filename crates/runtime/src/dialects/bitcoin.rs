//! The Bitcoin dialect for the runtime.

use crate::dialect::{BoxFuture, Control, Dialect};
use crate::stall::{Awaited, Expect};
use crate::Peer;
use bytes::Bytes;
use coinpeer_handshake::Features;
use coinpeer_wire::bitcoin::{self as btc, Message};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, ServiceFlags, TimedNetAddress, VersionMessage};
use coinpeer_wire::DecodeError;

/// BIP339's `MSG_WTX`: a transaction requested by its witness hash.
const MSG_WTX: InvType = InvType(5);

/// The Bitcoin dialect (Bitcoin, its test networks, Litecoin and other forks).
#[derive(Debug, Clone, Copy)]
pub struct Bitcoin;

listener_trait! {
    /// Callbacks for a Bitcoin peer: one per message type, all optional.
    ///
    /// Listeners run in order on the peer's read path, so a slow one delays the next message. Calling any
    /// method of the peer from a listener is safe. When the peer starts disconnecting, a listener still
    /// running is dropped at its next await point, so none can hold the shutdown up. A panic disconnects only
    /// this peer.
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
    type Message = Message;
    type Listener = dyn BitcoinListener;
    type AddrV2Entry = btc::AddrV2Entry;

    shared_dialect_methods!();

    fn to_addr_v2(a: &TimedNetAddress) -> Option<btc::AddrV2Entry> {
        Some(btc::AddrV2Entry {
            time: a.time,
            services: a.addr.services,
            addr: match super::legacy_ip(a.addr.ip)? {
                std::net::IpAddr::V4(v4) => btc::AddrV2::Ipv4(v4),
                std::net::IpAddr::V6(v6) => btc::AddrV2::Ipv6(v6),
            },
            port: a.addr.port,
        })
    }
    fn addr_v2_in_force(features: &Features, _version: u32) -> bool {
        features.remote_wants_addrv2
    }
    fn requests(msg: &Message, out: &mut dyn FnMut(Expect)) {
        match msg {
            Message::GetData(items) => {
                for inv in items {
                    let reply = match inv.kind.base() {
                        InvType::TX => "tx",
                        InvType::BLOCK => "block",
                        InvType::FILTERED_BLOCK => "merkleblock",
                        InvType::CMPCT_BLOCK => "cmpctblock",
                        k if k == MSG_WTX => "tx",
                        // A type we cannot match an answer to is not tracked.
                        _ => continue,
                    };
                    out(Expect::Item { hash: inv.hash, reply });
                }
            }
            Message::GetHeaders(_) => out(Expect::Headers),
            _ => {}
        }
    }
    fn answers(msg: &Message, out: &mut dyn FnMut(Awaited)) {
        match msg {
            Message::Block(b) => out(Awaited::Item(b.header.hash())),
            Message::MerkleBlock(m) => out(Awaited::Item(m.header.hash())),
            Message::CmpctBlock(m) => out(Awaited::Item(m.header.hash())),
            Message::Tx(tx) => {
                out(Awaited::Item(tx.txid()));
                if tx.has_witness() {
                    out(Awaited::Item(tx.wtxid()));
                }
            }
            Message::NotFound(items) => items.iter().for_each(|inv| out(Awaited::Item(inv.hash))),
            Message::Headers(_) => out(Awaited::Reply("headers")),
            _ => {}
        }
    }
    fn control(msg: &Message) -> Control {
        match msg {
            Message::Ping(n) => Control::Ping(*n),
            Message::Pong(n) => Control::Pong(*n),
            Message::SendHeaders => Control::SendHeaders,
            Message::FeeFilter(rate) => Control::FeeFilter(*rate),
            Message::Unknown { .. } => Control::Unknown,
            Message::FilterLoad(_) | Message::FilterAdd(_) | Message::FilterClear | Message::MemPool => {
                Control::NeedsService(ServiceFlags::BTC_BLOOM)
            }
            Message::Version(_) | Message::Verack | Message::SendAddrV2 | Message::WtxidRelay => Control::HandshakeOnly,
            _ => Control::Other,
        }
    }
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
