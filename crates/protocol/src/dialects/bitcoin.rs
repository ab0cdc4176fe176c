//! The Bitcoin dialect: what its messages mean to the peer.

use crate::dialect::{Awaited, Control, Dialect, Expect};
use coinpeer_handshake::Features;
use coinpeer_wire::bitcoin::{self as btc, Message};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, ServiceFlags, TimedNetAddress};

/// BIP339's `MSG_WTX`: a transaction requested by its witness hash.
const MSG_WTX: InvType = InvType(5);

/// The Bitcoin dialect (Bitcoin, its test networks, Litecoin, Bitcoin SV and other forks).
#[derive(Debug, Clone, Copy)]
pub struct Bitcoin;

impl Dialect for Bitcoin {
    type Message = Message;
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
}
