//! Strategies for the values inside messages: hashes, addresses, inventory, headers, transactions and blocks.

use bytes::Bytes;
use coinpeer_wire::bitcoin::{AddrV2, AddrV2Entry, Block, BlockHeader, OutPoint, Transaction, TxIn, TxOut};
use coinpeer_wire::messages::{
    BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, TimedNetAddress, VersionMessage,
};
use coinpeer_wire::Hash256;
use proptest::collection::vec;
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

/// Mostly short scripts, sometimes long enough for a 3-byte length prefix.
pub fn script() -> impl Strategy<Value = Bytes> {
    prop_oneof![8 => bytes(0..=40), 1 => bytes(253..=300)]
}

fn services() -> impl Strategy<Value = ServiceFlags> {
    any::<u64>().prop_map(ServiceFlags)
}

fn net_address() -> impl Strategy<Value = NetAddress> {
    (services(), any::<[u8; 16]>(), any::<u16>()).prop_map(|(services, ip, port)| NetAddress {
        services,
        ip: Ipv6Addr::from(ip),
        port,
    })
}

pub fn timed_net_address() -> impl Strategy<Value = TimedNetAddress> {
    (any::<u32>(), net_address()).prop_map(|(time, addr)| TimedNetAddress { time, addr })
}

/// User agents of any characters, at most 256 bytes (40 chars of up to 4 bytes, or exactly 256 ASCII).
fn user_agent() -> impl Strategy<Value = String> {
    prop_oneof![4 => "\\PC{0,40}", 1 => "[ -~]{256}"]
}

pub fn version_message() -> impl Strategy<Value = VersionMessage> {
    (
        (any::<u32>(), services(), any::<i64>(), net_address(), net_address()),
        (any::<u64>(), user_agent(), any::<i32>(), any::<bool>()),
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

fn addrv2() -> impl Strategy<Value = AddrV2> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| AddrV2::Ipv4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| AddrV2::Ipv6(Ipv6Addr::from(b))),
        any::<[u8; 10]>().prop_map(AddrV2::TorV2),
        any::<[u8; 32]>().prop_map(AddrV2::TorV3),
        any::<[u8; 32]>().prop_map(AddrV2::I2p),
        any::<[u8; 16]>().prop_map(AddrV2::Cjdns),
        // Ids 1 to 6 are known networks and would not come back as Unknown.
        (
            prop_oneof![Just(0u8), 7u8..=255],
            prop_oneof![4 => bytes(0..=40), 1 => bytes(500..=512)]
        )
            .prop_map(|(network_id, bytes)| AddrV2::Unknown { network_id, bytes }),
    ]
}

pub fn addrv2_entry() -> impl Strategy<Value = AddrV2Entry> {
    (any::<u32>(), services(), addrv2(), any::<u16>()).prop_map(|(time, services, addr, port)| AddrV2Entry {
        time,
        services,
        addr,
        port,
    })
}

fn inv_type() -> impl Strategy<Value = InvType> {
    prop_oneof![
        select(vec![
            InvType::ERROR,
            InvType::TX,
            InvType::BLOCK,
            InvType::FILTERED_BLOCK,
            InvType::CMPCT_BLOCK,
            InvType::WITNESS_TX,
            InvType::WITNESS_BLOCK,
            InvType::WITNESS_FILTERED_BLOCK,
        ]),
        any::<u32>().prop_map(InvType),
    ]
}

pub fn inventory() -> impl Strategy<Value = Inventory> {
    (inv_type(), hash()).prop_map(|(kind, hash)| Inventory { kind, hash })
}

pub fn locator() -> impl Strategy<Value = BlockLocator> {
    (any::<u32>(), vec(hash(), 0..=40), hash()).prop_map(|(version, locator, stop)| BlockLocator {
        version,
        locator,
        stop,
    })
}

pub fn header() -> impl Strategy<Value = BlockHeader> {
    (any::<i32>(), hash(), hash(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
        |(version, prev_block, merkle_root, time, bits, nonce)| BlockHeader {
            version,
            prev_block,
            merkle_root,
            time,
            bits,
            nonce,
        },
    )
}

fn tx_in() -> impl Strategy<Value = TxIn> {
    (
        hash(),
        any::<u32>(),
        script(),
        any::<u32>(),
        prop_oneof![2 => Just(vec![]), 3 => vec(bytes(0..=72), 0..=3)],
    )
        .prop_map(|(txid, vout, script_sig, sequence, witness)| TxIn {
            previous_output: OutPoint { txid, vout },
            script_sig,
            sequence,
            witness: witness.into(),
        })
}

fn tx_out() -> impl Strategy<Value = TxOut> {
    (any::<i64>(), script()).prop_map(|(value, script_pubkey)| TxOut { value, script_pubkey })
}

/// A transaction with at least one input: with none, a legacy encoding's zero input count reads as the segwit
/// marker, so such a transaction has no unambiguous encoding.
pub fn transaction() -> impl Strategy<Value = Transaction> {
    (any::<i32>(), vec(tx_in(), 1..=3), vec(tx_out(), 0..=3), any::<u32>()).prop_map(
        |(version, inputs, outputs, lock_time)| Transaction {
            version,
            inputs,
            outputs,
            lock_time,
        },
    )
}

/// A transaction in which at least one input has witness data.
pub fn segwit_transaction() -> impl Strategy<Value = Transaction> {
    (transaction(), vec(bytes(0..=72), 1..=3), any::<prop::sample::Index>()).prop_map(|(mut tx, items, at)| {
        let i = at.index(tx.inputs.len());
        tx.inputs[i].witness = items.into();
        tx
    })
}

pub fn block() -> impl Strategy<Value = Block> {
    (header(), vec(transaction(), 0..=4)).prop_map(|(header, transactions)| Block { header, transactions })
}
