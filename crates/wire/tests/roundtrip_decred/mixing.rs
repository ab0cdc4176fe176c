//! Strategies for the eight mixing messages.

use crate::values::{array, ascii, bytes, hash, hashes, outpoint, transaction, tx_out};
use coinpeer_wire::decred::{
    FieldMatrix, Message, MixCiphertexts, MixConfirm, MixDCNet, MixFactoredPoly, MixKeyExchange, MixPairReq,
    MixPairReqUtxo, MixSecrets, MixSlotReserve,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// The fields every mixing message but the pair request starts with.
fn mix_head() -> impl Strategy<Value = ([u8; 64], [u8; 33], [u8; 32], u32)> {
    (array::<64>(), array::<33>(), any::<[u8; 32]>(), any::<u32>())
}

fn mix_pair_req() -> impl Strategy<Value = MixPairReq> {
    let utxo = (outpoint(), bytes(30), bytes(33), bytes(64), any::<u8>()).prop_map(
        |(outpoint, script, pubkey, signature, opcode)| MixPairReqUtxo {
            outpoint,
            script,
            pubkey,
            signature,
            opcode,
        },
    );
    (
        (array::<64>(), array::<33>(), any::<u32>(), 0..=i64::MAX, ascii(32)),
        (any::<u16>(), any::<u32>(), any::<u32>(), 0..=i64::MAX),
        (
            vec(utxo, 0..3),
            proptest::option::of(tx_out()),
            any::<u8>(),
            any::<u8>(),
        ),
    )
        .prop_map(|(a, b, c)| MixPairReq {
            signature: a.0,
            identity: a.1,
            expiry: a.2,
            mix_amount: a.3,
            script_class: a.4,
            tx_version: b.0,
            lock_time: b.1,
            message_count: b.2,
            input_value: b.3,
            utxos: c.0,
            change: c.1,
            flags: c.2,
            pairing_flags: c.3,
        })
}

pub fn mix_message() -> impl Strategy<Value = Message> {
    let key_exchange = (
        mix_head(),
        (
            any::<u64>(),
            any::<u32>(),
            array::<33>(),
            array::<1218>(),
            any::<[u8; 32]>(),
            hashes(4),
        ),
    )
        .prop_map(
            |((signature, identity, session_id, run), (epoch, pos, ecdh, pqpk, commitment, seen_prs))| {
                Message::MixKeyExchange(Box::new(MixKeyExchange {
                    signature,
                    identity,
                    session_id,
                    epoch,
                    run,
                    pos,
                    ecdh,
                    pqpk,
                    commitment,
                    seen_prs,
                }))
            },
        );
    let ciphertexts = (mix_head(), vec((array::<1047>(), hash()), 0..3)).prop_map(|((s, i, sid, run), pairs)| {
        Message::MixCiphertexts(Box::new(MixCiphertexts {
            signature: s,
            identity: i,
            session_id: sid,
            run,
            ciphertexts: pairs.iter().map(|p| p.0).collect(),
            seen_key_exchanges: pairs.iter().map(|p| p.1).collect(),
        }))
    });
    let slot_reserve = (mix_head(), 1usize..4, 1usize..4, hashes(3))
        .prop_flat_map(|(head, rows, cols, seen)| (Just(head), vec(vec(bytes(32), cols), rows), Just(seen)))
        .prop_map(|((s, i, sid, run), dc_mix, seen_ciphertexts)| {
            Message::MixSlotReserve(Box::new(MixSlotReserve {
                signature: s,
                identity: i,
                session_id: sid,
                run,
                dc_mix: FieldMatrix::from_rows(dc_mix).expect("rows of equal lengths"),
                seen_ciphertexts,
            }))
        });
    let factored = (mix_head(), vec(bytes(32), 0..4), hashes(3)).prop_map(|((s, i, sid, run), roots, seen)| {
        Message::MixFactoredPoly(Box::new(MixFactoredPoly {
            signature: s,
            identity: i,
            session_id: sid,
            run,
            roots,
            seen_slot_reserves: seen,
        }))
    });
    let dcnet = (mix_head(), 1usize..4, 0usize..4, hashes(3))
        .prop_flat_map(|(head, rows, cols, seen)| (Just(head), vec(vec(any::<[u8; 20]>(), cols), rows), Just(seen)))
        .prop_map(|((s, i, sid, run), dc_net, seen)| {
            Message::MixDCNet(Box::new(MixDCNet {
                signature: s,
                identity: i,
                session_id: sid,
                run,
                dc_net,
                seen_slot_reserves: seen,
            }))
        });
    let confirm = (mix_head(), transaction(), hashes(3)).prop_map(|((s, i, sid, run), mix, seen)| {
        Message::MixConfirm(Box::new(MixConfirm {
            signature: s,
            identity: i,
            session_id: sid,
            run,
            mix,
            seen_dc_nets: seen,
        }))
    });
    let secrets = (
        mix_head(),
        any::<[u8; 32]>(),
        vec(bytes(32), 0..4),
        vec(any::<[u8; 20]>(), 0..4),
        hashes(3),
    )
        .prop_map(|((s, i, sid, run), seed, slot_reserve_msgs, dc_net_msgs, seen)| {
            Message::MixSecrets(Box::new(MixSecrets {
                signature: s,
                identity: i,
                session_id: sid,
                run,
                seed,
                slot_reserve_msgs,
                dc_net_msgs,
                seen_secrets: seen,
            }))
        });
    prop_oneof![
        mix_pair_req().prop_map(|m| Message::MixPairReq(Box::new(m))),
        key_exchange,
        ciphertexts,
        slot_reserve,
        factored,
        dcnet,
        confirm,
        secrets,
    ]
}
