//! Strategies for the values inside messages: hashes, strings, addresses, headers, transactions, blocks and
//! filters.

use bytes::Bytes;
use coinpeer_wire::decred::{
    AddrV2, AddrV2Entry, Block, BlockHeader, CFilterV2, OutPoint, Transaction, TxIn, TxOut, TxSerType,
};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::Hash256;
use proptest::collection::vec;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

pub fn hash() -> impl Strategy<Value = Hash256> {
    any::<[u8; 32]>().prop_map(Hash256)
}

pub fn hashes(max: usize) -> impl Strategy<Value = Vec<Hash256>> {
    vec(hash(), 0..=max)
}

pub fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

pub fn ascii(max: usize) -> impl Strategy<Value = String> {
    vec(0x20u8..=0x7e, 0..=max).prop_map(|v| String::from_utf8(v).unwrap())
}

pub fn array<const N: usize>() -> impl Strategy<Value = [u8; N]> {
    vec(any::<u8>(), N).prop_map(|v| v.try_into().unwrap())
}

pub fn net_address() -> impl Strategy<Value = NetAddress> {
    (any::<u64>(), any::<[u8; 16]>(), any::<u16>()).prop_map(|(s, ip, port)| NetAddress {
        services: ServiceFlags(s),
        ip: Ipv6Addr::from(ip),
        port,
    })
}

pub fn version_message() -> impl Strategy<Value = VersionMessage> {
    (
        (any::<u32>(), any::<u64>(), any::<i64>(), net_address(), net_address()),
        (any::<u64>(), ascii(256), any::<i32>(), any::<bool>()),
    )
        .prop_map(
            |((version, s, timestamp, receiver, sender), (nonce, user_agent, start_height, relay))| VersionMessage {
                version,
                services: ServiceFlags(s),
                timestamp,
                receiver,
                sender,
                nonce,
                user_agent,
                start_height,
                relay,
            },
        )
}

pub fn addrv2_entry() -> impl Strategy<Value = AddrV2Entry> {
    let addr = prop_oneof![
        any::<[u8; 4]>().prop_map(|a| AddrV2::Ipv4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| AddrV2::Ipv6(Ipv6Addr::from(a))),
        any::<[u8; 32]>().prop_map(AddrV2::TorV3),
    ];
    (any::<u64>(), any::<u64>(), addr, any::<u16>()).prop_map(|(time, s, addr, port)| AddrV2Entry {
        time,
        services: ServiceFlags(s),
        addr,
        port,
    })
}

pub fn inventory() -> impl Strategy<Value = Vec<Inventory>> {
    vec((0u32..6, hash()).prop_map(|(t, h)| Inventory::new(InvType(t), h)), 0..8)
}

pub fn locator() -> impl Strategy<Value = BlockLocator> {
    (any::<u32>(), hashes(6), hash()).prop_map(|(version, locator, stop)| BlockLocator { version, locator, stop })
}

pub fn header() -> impl Strategy<Value = BlockHeader> {
    (
        (any::<i32>(), hash(), hash(), hash(), any::<u16>(), any::<[u8; 6]>()),
        (
            any::<u16>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<i64>(),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<[u8; 32]>(),
            any::<u32>(),
        ),
    )
        .prop_map(|(a, b, c)| BlockHeader {
            version: a.0,
            prev_block: a.1,
            merkle_root: a.2,
            stake_root: a.3,
            vote_bits: a.4,
            final_state: a.5,
            voters: b.0,
            fresh_stake: b.1,
            revocations: b.2,
            pool_size: b.3,
            bits: b.4,
            sbits: b.5,
            height: c.0,
            size: c.1,
            timestamp: c.2,
            nonce: c.3,
            extra_data: c.4,
            stake_version: c.5,
        })
}

pub fn outpoint() -> impl Strategy<Value = OutPoint> {
    (hash(), any::<u32>(), any::<i8>()).prop_map(|(hash, index, tree)| OutPoint { hash, index, tree })
}

pub fn tx_out() -> impl Strategy<Value = TxOut> {
    (any::<i64>(), any::<u16>(), bytes(40)).prop_map(|(value, version, pk_script)| TxOut {
        value,
        version,
        pk_script,
    })
}

fn tx_in() -> impl Strategy<Value = TxIn> {
    (
        outpoint(),
        any::<u32>(),
        any::<i64>(),
        any::<u32>(),
        any::<u32>(),
        bytes(40),
    )
        .prop_map(
            |(previous_output, sequence, value_in, block_height, block_index, signature_script)| TxIn {
                previous_output,
                sequence,
                value_in,
                block_height,
                block_index,
                signature_script,
            },
        )
}

/// A transaction in any serialization type, with the fields that type does not carry left at zero (as they
/// decode).
pub fn transaction() -> impl Strategy<Value = Transaction> {
    let ser = prop_oneof![
        4 => Just(TxSerType::Full),
        1 => Just(TxSerType::NoWitness),
        1 => Just(TxSerType::OnlyWitness)
    ];
    (
        ser,
        any::<u16>(),
        vec(tx_in(), 0..4),
        vec(tx_out(), 0..4),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(ser_type, version, mut inputs, mut outputs, mut lock_time, mut expiry)| {
                match ser_type {
                    TxSerType::Full => {}
                    TxSerType::NoWitness => {
                        for i in &mut inputs {
                            *i = TxIn {
                                previous_output: i.previous_output,
                                sequence: i.sequence,
                                ..TxIn::default()
                            };
                        }
                    }
                    TxSerType::OnlyWitness => {
                        for i in &mut inputs {
                            i.previous_output = OutPoint::default();
                            i.sequence = 0;
                        }
                        outputs.clear();
                        lock_time = 0;
                        expiry = 0;
                    }
                }
                Transaction {
                    ser_type,
                    version,
                    inputs,
                    outputs,
                    lock_time,
                    expiry,
                }
            },
        )
}

pub fn block() -> impl Strategy<Value = Block> {
    (header(), vec(transaction(), 0..3), vec(transaction(), 0..3)).prop_map(
        |(header, transactions, stake_transactions)| Block {
            header,
            transactions,
            stake_transactions,
        },
    )
}

pub fn cfilter_v2() -> impl Strategy<Value = CFilterV2> {
    (hash(), bytes(64), any::<u32>(), hashes(4)).prop_map(|(block_hash, data, proof_index, proof_hashes)| CFilterV2 {
        block_hash,
        data,
        proof_index,
        proof_hashes,
    })
}
