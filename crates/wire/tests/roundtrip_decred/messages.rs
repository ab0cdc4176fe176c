//! Strategies for any message, and for a message with a protocol version at which it exists.

use crate::mixing::mix_message;
use crate::values::{
    addrv2_entry, ascii, block, bytes, cfilter_v2, hash, hashes, header, inventory, locator, net_address, transaction,
    version_message,
};
use coinpeer_wire::bitcoin::RejectCode;
use coinpeer_wire::decred::{
    valid_at, version, CFHeaders, CFilter, GetCFHeaders, GetCFilter, GetCFsV2, GetInitState, InitState, Message,
    MiningState, Reject, COMMANDS,
};
use coinpeer_wire::messages::TimedNetAddress;
use coinpeer_wire::{Command, Hash256};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn message() -> impl Strategy<Value = Message> {
    let reject = (ascii(12), any::<u8>(), ascii(40), hash()).prop_map(|(message, code, reason, h)| {
        // The hash travels only for block and tx rejects.
        let hash = if message == "block" || message == "tx" {
            h
        } else {
            Hash256::ZERO
        };
        Message::Reject(Reject {
            message,
            code: RejectCode(code),
            reason,
            hash,
        })
    });
    let reject_with_hash = (prop_oneof![Just("block"), Just("tx")], hash()).prop_map(|(m, hash)| {
        Message::Reject(Reject {
            message: m.into(),
            code: RejectCode::INVALID,
            reason: "bad".into(),
            hash,
        })
    });
    let simple = prop_oneof![
        Just(Message::Verack),
        Just(Message::GetAddr),
        Just(Message::SendHeaders),
        Just(Message::MemPool),
        Just(Message::GetMiningState),
        Just(Message::GetCFTypes),
        any::<u64>().prop_map(Message::Ping),
        any::<u64>().prop_map(Message::Pong),
        any::<i64>().prop_map(Message::FeeFilter),
        hash().prop_map(Message::GetCFilterV2),
        (hash(), hash()).prop_map(|(start_hash, end_hash)| Message::GetCFsV2(GetCFsV2 { start_hash, end_hash })),
        (hash(), any::<u8>()).prop_map(|(block_hash, filter_type)| Message::GetCFilter(GetCFilter {
            block_hash,
            filter_type
        })),
    ];
    let lists = prop_oneof![
        version_message().prop_map(Message::Version),
        vec(
            (any::<u32>(), net_address()).prop_map(|(time, addr)| TimedNetAddress { time, addr }),
            0..4
        )
        .prop_map(Message::Addr),
        vec(addrv2_entry(), 1..5).prop_map(Message::AddrV2),
        inventory().prop_map(Message::Inv),
        inventory().prop_map(Message::GetData),
        inventory().prop_map(Message::NotFound),
        locator().prop_map(Message::GetBlocks),
        locator().prop_map(Message::GetHeaders),
        vec(header(), 0..3).prop_map(Message::Headers),
        reject,
        reject_with_hash,
    ];
    let chain = prop_oneof![
        block().prop_map(Message::Block),
        transaction().prop_map(Message::Tx),
        (any::<u32>(), any::<u32>(), hashes(8), hashes(40)).prop_map(|(version, height, b, v)| {
            Message::MiningState(MiningState {
                version,
                height,
                block_hashes: b,
                vote_hashes: v,
            })
        }),
        (hash(), any::<u8>(), bytes(100)).prop_map(|(block_hash, filter_type, data)| Message::CFilter(CFilter {
            block_hash,
            filter_type,
            data
        })),
        (hashes(5), hash(), any::<u8>()).prop_map(|(locator, stop, filter_type)| {
            Message::GetCFHeaders(GetCFHeaders {
                locator,
                stop,
                filter_type,
            })
        }),
        (hash(), any::<u8>(), hashes(5)).prop_map(|(stop_hash, filter_type, headers)| {
            Message::CFHeaders(CFHeaders {
                stop_hash,
                filter_type,
                headers,
            })
        }),
        vec(any::<u8>(), 0..10).prop_map(Message::CFTypes),
        cfilter_v2().prop_map(Message::CFilterV2),
        vec(cfilter_v2(), 0..3).prop_map(Message::CFiltersV2),
        vec(ascii(32), 0..4).prop_map(|types| Message::GetInitState(GetInitState { types })),
        (hashes(8), hashes(40), hashes(7)).prop_map(|(b, v, t)| {
            Message::InitState(InitState {
                block_hashes: b,
                vote_hashes: v,
                tspend_hashes: t,
            })
        }),
        (any::<[u8; 12]>(), bytes(50)).prop_filter_map("an unknown command", |(name, payload)| {
            let name: String = name.iter().map(|b| (b'a' + b % 26) as char).collect();
            let command = Command::new(&name[..1 + (name.len() % 11)]).ok()?;
            (!COMMANDS.contains(&command.as_str())).then_some(Message::Unknown { command, payload })
        }),
    ];
    prop_oneof![simple, lists, chain, mix_message()]
}

/// A message with a protocol version at which it exists.
pub fn message_at_version() -> impl Strategy<Value = (Message, u32)> {
    message().prop_flat_map(|m| {
        let cmd = m.command();
        let versions: Vec<u32> = (version::INITIAL..=version::MAX)
            .filter(|v| valid_at(cmd.as_str(), *v))
            .collect();
        (Just(m), proptest::sample::select(versions))
    })
}
