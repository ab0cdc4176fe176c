//! The Decred dialect: what its messages mean to the peer.

use crate::dialect::{Awaited, Control, Dialect, Expect};
use coinpeer_handshake::Features;
use coinpeer_wire::decred::{self as dcr, Message};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, TimedNetAddress};

/// The Decred dialect.
#[derive(Debug, Clone, Copy)]
pub struct Decred;

impl Dialect for Decred {
    type Message = Message;
    type AddrV2Entry = dcr::AddrV2Entry;

    shared_dialect_methods!();

    fn to_addr_v2(a: &TimedNetAddress) -> Option<dcr::AddrV2Entry> {
        Some(dcr::AddrV2Entry {
            time: u64::from(a.time),
            services: a.addr.services,
            addr: match super::legacy_ip(a.addr.ip)? {
                std::net::IpAddr::V4(v4) => dcr::AddrV2::Ipv4(v4),
                std::net::IpAddr::V6(v6) => dcr::AddrV2::Ipv6(v6),
            },
            port: a.addr.port,
        })
    }
    fn addr_v2_in_force(_features: &Features, version: u32) -> bool {
        // Decred has no announcement: from version 12 on, `addr` is gone and `addrv2` replaces it.
        version >= dcr::version::ADDRV2
    }
    fn requests(msg: &Message, out: &mut dyn FnMut(Expect)) {
        match msg {
            Message::GetData(items) => {
                for inv in items {
                    let reply = match inv.kind {
                        InvType::TX => "tx",
                        InvType::BLOCK => "block",
                        InvType::MIX => "mix",
                        // dcrd answers a filtered-block request only with `notfound`.
                        InvType::FILTERED_BLOCK => "notfound",
                        _ => continue,
                    };
                    out(Expect::Item { hash: inv.hash, reply });
                }
            }
            Message::GetInitState(_) => out(Expect::Reply("initstate")),
            Message::GetHeaders(_) => out(Expect::Headers),
            _ => {}
        }
    }
    fn answers(msg: &Message, out: &mut dyn FnMut(Awaited)) {
        let item = match msg {
            Message::Block(b) => b.header.hash(),
            Message::Tx(tx) => tx.txid(),
            Message::MixPairReq(m) => m.hash(),
            Message::MixKeyExchange(m) => m.hash(),
            Message::MixCiphertexts(m) => m.hash(),
            Message::MixSlotReserve(m) => m.hash(),
            Message::MixFactoredPoly(m) => m.hash(),
            Message::MixDCNet(m) => m.hash(),
            Message::MixConfirm(m) => m.hash(),
            Message::MixSecrets(m) => m.hash(),
            Message::NotFound(items) => return items.iter().for_each(|inv| out(Awaited::Item(inv.hash))),
            Message::InitState(_) => return out(Awaited::Reply("initstate")),
            Message::Headers(_) => return out(Awaited::Reply("headers")),
            _ => return,
        };
        out(Awaited::Item(item));
    }
    fn control(msg: &Message) -> Control {
        match msg {
            Message::Ping(n) => Control::Ping(*n),
            Message::Pong(n) => Control::Pong(*n),
            Message::SendHeaders => Control::SendHeaders,
            Message::FeeFilter(rate) => Control::FeeFilter(*rate),
            Message::Unknown { .. } => Control::Unknown,
            Message::Version(_) | Message::Verack => Control::HandshakeOnly,
            _ => Control::Other,
        }
    }
}
