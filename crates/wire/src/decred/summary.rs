//! One-line summaries of Decred messages, as [`WireMessage::summary`](crate::WireMessage::summary) gives them.

use super::Message;
use crate::messages::{InvType, Inventory};
use std::fmt;

/// Counts of an inventory list per type, e.g. `3 tx, 1 block`; a single item is shown with its hash.
fn inv_summary(list: &[Inventory]) -> String {
    let name = |t: InvType| match t.0 {
        0 => "error".to_string(),
        1 => "tx".to_string(),
        2 => "block".to_string(),
        3 => "filtered block".to_string(),
        4 => "mix".to_string(),
        other => format!("type {other}"),
    };
    if let [one] = list {
        return format!("{} {}", name(one.kind), one.hash);
    }
    let mut counts: Vec<(InvType, usize)> = Vec::new();
    for i in list {
        match counts.iter_mut().find(|(t, _)| *t == i.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((i.kind, 1)),
        }
    }
    if counts.is_empty() {
        return "empty".into();
    }
    counts
        .iter()
        .map(|(t, n)| format!("{n} {}", name(*t)))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

pub(super) fn summarize(msg: &Message) -> String {
    let cmd = msg.command();
    let mix = |session: &[u8; 32], run: u32| {
        format!(
            "{cmd} {} (session {}, run {run})",
            msg.mix_hash().unwrap_or_default(),
            Hex(&session[..8])
        )
    };
    match msg {
        Message::Version(v) => format!(
            "version {} {} height {} services {}",
            v.version, v.user_agent, v.start_height, v.services
        ),
        Message::Addr(l) => format!("addr ({} addresses)", l.len()),
        Message::AddrV2(l) => format!("addrv2 ({} addresses)", l.len()),
        Message::Inv(l) | Message::GetData(l) | Message::NotFound(l) => format!("{cmd} ({})", inv_summary(l)),
        Message::GetBlocks(l) | Message::GetHeaders(l) => format!(
            "{cmd} (locator {}, stop {})",
            l.locator.first().map_or_else(|| "empty".to_string(), |h| h.to_string()),
            l.stop
        ),
        Message::Headers(h) => format!("headers ({} headers)", h.len()),
        Message::Block(b) => format!(
            "block {} height {} ({} txs, {} stake txs)",
            b.hash(),
            b.header.height,
            b.transactions.len(),
            b.stake_transactions.len()
        ),
        Message::Tx(t) => format!(
            "tx {} ({}, {} in, {} out)",
            t.txid(),
            t.stake_type(),
            t.inputs.len(),
            t.outputs.len()
        ),
        Message::Ping(n) | Message::Pong(n) => format!("{cmd} (nonce {n:#018x})"),
        Message::Reject(r) => {
            let reason: String = r.reason.chars().take(250).collect();
            format!("reject ({} {}: {reason})", r.message, r.code)
        }
        Message::FeeFilter(f) => format!("feefilter ({f} atoms/kB)"),
        Message::MiningState(m) => format!(
            "miningstate (height {}, {} blocks, {} votes)",
            m.height,
            m.block_hashes.len(),
            m.vote_hashes.len()
        ),
        Message::CFilterV2(c) => format!("cfilterv2 {} ({} bytes)", c.block_hash, c.data.len()),
        Message::CFiltersV2(l) => format!("cfiltersv2 ({} filters)", l.len()),
        Message::GetInitState(g) => format!("getinitstate ({})", g.types.join(", ")),
        Message::InitState(i) => format!(
            "initstate ({} blocks, {} votes, {} tspends)",
            i.block_hashes.len(),
            i.vote_hashes.len(),
            i.tspend_hashes.len()
        ),
        Message::MixPairReq(m) => format!(
            "mixpairreq {} ({} UTXOs, {} x {} atoms)",
            m.hash(),
            m.utxos.len(),
            m.message_count,
            m.mix_amount
        ),
        Message::MixKeyExchange(m) => mix(&m.session_id, m.run),
        Message::MixCiphertexts(m) => mix(&m.session_id, m.run),
        Message::MixSlotReserve(m) => mix(&m.session_id, m.run),
        Message::MixFactoredPoly(m) => mix(&m.session_id, m.run),
        Message::MixDCNet(m) => mix(&m.session_id, m.run),
        Message::MixConfirm(m) => mix(&m.session_id, m.run),
        Message::MixSecrets(m) => mix(&m.session_id, m.run),
        Message::Unknown { payload, .. } => format!("{cmd} (unknown, {} bytes)", payload.len()),
        _ => cmd.to_string(),
    }
}
