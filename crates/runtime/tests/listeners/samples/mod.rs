//! Sample messages: the building blocks shared by both dialects, and (in `bitcoin` and `decred`) one sample of
//! every message a listener method reports.

mod bitcoin;
mod decred;

pub(crate) use self::bitcoin::{bitcoin_table, btc_block};
pub(crate) use self::decred::{dcr_block, decred_table};

use coinpeer_wire::messages::{
    BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, TimedNetAddress, VersionMessage,
};
use coinpeer_wire::{Command, EncodeOptions, Hash256, WireMessage};
use std::net::SocketAddr;

pub(crate) fn hash(b: u8) -> Hash256 {
    Hash256([b; 32])
}

pub(crate) fn inventory() -> Vec<Inventory> {
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

pub(crate) fn locator() -> BlockLocator {
    BlockLocator {
        version: 1,
        locator: vec![hash(3), hash(4)],
        stop: Hash256::ZERO,
    }
}

pub(crate) fn timed_addr() -> Vec<TimedNetAddress> {
    vec![TimedNetAddress {
        time: 1_700_000_000,
        addr: NetAddress::from_socket_addr(SocketAddr::from(([10, 0, 0, 1], 8333)), ServiceFlags::NETWORK),
    }]
}

pub(crate) fn unknown_command() -> Command {
    Command::from_static("xyzzy")
}

pub(crate) fn version_message(version: u32) -> VersionMessage {
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

pub(crate) fn payload_of<M: WireMessage>(msg: &M, version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    msg.encode_payload(EncodeOptions::new(version), &mut out).unwrap();
    out
}
