//! Strategies for the values inside messages, limited to values both crates accept.

use bytes::Bytes;
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::Hash256;
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use std::net::{Ipv4Addr, Ipv6Addr};

pub fn hash() -> impl Strategy<Value = Hash256> {
    any::<[u8; 32]>().prop_map(Hash256)
}

pub fn bytes(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), len).prop_map(Bytes::from)
}

/// A long byte string from a seed: drawing tens of kilobytes byte by byte is slow and shrinks no better.
pub fn long_bytes(len: usize) -> impl Strategy<Value = Bytes> {
    any::<u64>().prop_map(move |mut x| {
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect::<Vec<u8>>()
            .into()
    })
}

pub fn script() -> impl Strategy<Value = Bytes> {
    prop_oneof![8 => bytes(0..=40), 1 => bytes(253..=300)]
}

fn services() -> impl Strategy<Value = ServiceFlags> {
    any::<u64>().prop_map(ServiceFlags)
}

pub fn net_address() -> impl Strategy<Value = NetAddress> {
    (services(), any::<[u8; 16]>(), any::<u16>()).prop_map(|(services, ip, port)| NetAddress {
        services,
        ip: Ipv6Addr::from(ip),
        port,
    })
}

pub fn version_message() -> impl Strategy<Value = VersionMessage> {
    (
        (any::<u32>(), services(), any::<i64>(), net_address(), net_address()),
        (
            any::<u64>(),
            prop_oneof![4 => "\\PC{0,40}", 1 => "[ -~]{256}"],
            any::<i32>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((version, services, timestamp, receiver, sender), (nonce, user_agent, start_height, relay))| {
                VersionMessage {
                    version,
                    services,
                    timestamp,
                    receiver,
                    sender,
                    nonce,
                    user_agent,
                    start_height,
                    relay,
                }
            },
        )
}

/// BIP155 addresses as the bitcoin crate accepts them: no IPv4-mapped or OnionCat address under the IPv6 id,
/// CJDNS addresses in fc00::/8.
fn addrv2() -> impl Strategy<Value = cw::AddrV2> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| cw::AddrV2::Ipv4(Ipv4Addr::from(b))),
        any::<[u8; 16]>()
            .prop_filter("not IPv4-mapped or OnionCat", |b| {
                b[..12] != [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] && b[..6] != [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43]
            })
            .prop_map(|b| cw::AddrV2::Ipv6(Ipv6Addr::from(b))),
        any::<[u8; 10]>().prop_map(cw::AddrV2::TorV2),
        any::<[u8; 32]>().prop_map(cw::AddrV2::TorV3),
        any::<[u8; 32]>().prop_map(cw::AddrV2::I2p),
        any::<[u8; 16]>().prop_map(|mut b| {
            b[0] = 0xfc;
            cw::AddrV2::Cjdns(b)
        }),
        (
            prop_oneof![Just(0u8), 7u8..=255],
            prop_oneof![4 => bytes(0..=40), 1 => bytes(500..=512)]
        )
            .prop_map(|(network_id, bytes)| cw::AddrV2::Unknown { network_id, bytes }),
    ]
}

pub fn addrv2_entry() -> impl Strategy<Value = cw::AddrV2Entry> {
    (any::<u32>(), services(), addrv2(), any::<u16>()).prop_map(|(time, services, addr, port)| cw::AddrV2Entry {
        time,
        services,
        addr,
        port,
    })
}

pub fn inventory() -> impl Strategy<Value = Inventory> {
    let kind = prop_oneof![
        select(vec![0u32, 1, 2, 3, 4, 5, 0x4000_0001, 0x4000_0002, 0x4000_0003]),
        any::<u32>()
    ];
    (kind, hash()).prop_map(|(kind, hash)| Inventory::new(InvType(kind), hash))
}

pub fn locator() -> impl Strategy<Value = BlockLocator> {
    (any::<u32>(), vec(hash(), 0..=40), hash()).prop_map(|(version, locator, stop)| BlockLocator {
        version,
        locator,
        stop,
    })
}

pub fn header() -> impl Strategy<Value = cw::BlockHeader> {
    (any::<i32>(), hash(), hash(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
        |(version, prev_block, merkle_root, time, bits, nonce)| cw::BlockHeader {
            version,
            prev_block,
            merkle_root,
            time,
            bits,
            nonce,
        },
    )
}

/// Transactions with at least one input (the two crates serialize input-less ones differently, by design).
pub fn transaction() -> impl Strategy<Value = cw::Transaction> {
    let input = (
        hash(),
        any::<u32>(),
        script(),
        any::<u32>(),
        prop_oneof![2 => Just(vec![]), 3 => vec(bytes(0..=72), 0..=3)],
    )
        .prop_map(|(txid, vout, script_sig, sequence, witness)| cw::TxIn {
            previous_output: cw::OutPoint { txid, vout },
            script_sig,
            sequence,
            witness: witness.into(),
        });
    let output = (any::<i64>(), script()).prop_map(|(value, script_pubkey)| cw::TxOut { value, script_pubkey });
    (any::<i32>(), vec(input, 1..=3), vec(output, 0..=3), any::<u32>()).prop_map(
        |(version, inputs, outputs, lock_time)| cw::Transaction {
            version,
            inputs,
            outputs,
            lock_time,
        },
    )
}

pub fn block() -> impl Strategy<Value = cw::Block> {
    (header(), vec(transaction(), 0..=4)).prop_map(|(header, transactions)| cw::Block { header, transactions })
}

pub fn indexes(max_len: usize) -> impl Strategy<Value = Vec<u16>> {
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
