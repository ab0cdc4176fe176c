//! JSON descriptions of messages for `decode --json`: the fields a user scripts against.

use coinpeer_wire::bitcoin::Message as Btc;
use coinpeer_wire::messages::{Inventory, NetAddress, VersionMessage};
use coinpeer_wire::{Hash256, WireMessage};
use serde_json::{json, Value};

/// A message that can describe itself as JSON.
pub(crate) trait Describe: WireMessage {
    /// The message's fields worth printing; `command` and `length` are added by the caller.
    fn to_json(&self) -> Value;
}

fn hashes<'a>(it: impl IntoIterator<Item = &'a Hash256>) -> Value {
    it.into_iter().map(|h| Value::from(h.to_string())).collect()
}

pub(crate) fn inventory(items: &[Inventory]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|i| json!({"type": i.kind.to_string(), "hash": i.hash.to_string()}))
        .collect();
    json!({"count": items.len(), "items": items})
}

fn address(a: &NetAddress) -> Value {
    json!({"address": a.socket_addr().to_string(), "services": a.services.0})
}

pub(crate) fn version(v: &VersionMessage) -> Value {
    json!({
        "version": v.version,
        "services": v.services.0,
        "timestamp": v.timestamp,
        "receiver": address(&v.receiver),
        "sender": address(&v.sender),
        "nonce": v.nonce,
        "user_agent": v.user_agent,
        "start_height": v.start_height,
        "relay": v.relay,
    })
}

impl Describe for Btc {
    fn to_json(&self) -> Value {
        match self {
            Btc::Version(v) => version(v),
            Btc::Block(b) => {
                let txids = b.txids();
                json!({
                    "hash": b.hash().to_string(),
                    "prev_block": b.header.prev_block.to_string(),
                    "merkle_root": b.header.merkle_root.to_string(),
                    "merkle_ok": coinpeer_wire::hash::merkle_root(&txids, |p| coinpeer_wire::sha256d(p)) == b.header.merkle_root,
                    "time": b.header.time,
                    "tx_count": b.transactions.len(),
                    "txids": hashes(&txids),
                })
            }
            Btc::Tx(tx) => json!({
                "txid": tx.txid().to_string(),
                "wtxid": tx.wtxid().to_string(),
                "inputs": tx.inputs.len(),
                "outputs": tx.outputs.len(),
                "witness": tx.has_witness(),
            }),
            Btc::Headers(h) => {
                let hs: Vec<Hash256> = h.iter().map(|h| h.hash()).collect();
                json!({"count": h.len(), "hashes": hashes(&hs)})
            }
            Btc::Inv(l) | Btc::GetData(l) | Btc::NotFound(l) => inventory(l),
            Btc::GetBlocks(l) | Btc::GetHeaders(l) => json!({
                "version": l.version, "locator": hashes(&l.locator), "stop": l.stop.to_string(),
            }),
            Btc::Ping(n) | Btc::Pong(n) => json!({"nonce": n}),
            Btc::FeeFilter(f) => json!({"fee_rate": f}),
            Btc::Addr(l) => json!({"count": l.len()}),
            Btc::AddrV2(l) => json!({"count": l.len()}),
            Btc::Reject(r) => json!({
                "message": r.message, "code": r.code.0, "reason": r.reason, "hash": r.hash.map(|h| h.to_string()),
            }),
            Btc::SendCmpct(s) => json!({"announce": s.announce, "version": s.version}),
            Btc::MerkleBlock(m) => json!({
                "hash": m.header.hash().to_string(), "total_transactions": m.total_transactions, "hashes": hashes(&m.hashes),
            }),
            _ => json!({"summary": self.summary()}),
        }
    }
}

impl Describe for coinpeer_wire::decred::Message {
    fn to_json(&self) -> Value {
        use coinpeer_wire::decred::{MerkleRules, Message as Dcr};
        match self {
            Dcr::Version(v) => version(v),
            Dcr::Block(b) => {
                let h = &b.header;
                json!({
                    "hash": b.hash().to_string(),
                    "height": h.height,
                    "prev_block": h.prev_block.to_string(),
                    "merkle_root": h.merkle_root.to_string(),
                    "stake_root": h.stake_root.to_string(),
                    // Which commitment rule holds depends on the network's agenda; report both.
                    "merkle_ok_pre_dcp0005": b.check_merkle_roots(MerkleRules::PreDcp0005).is_ok(),
                    "merkle_ok_dcp0005": b.check_merkle_roots(MerkleRules::Dcp0005).is_ok(),
                    "tx_count": b.transactions.len(),
                    "txids": hashes(&b.txids()),
                    "stake_tx_count": b.stake_transactions.len(),
                    "stxids": hashes(&b.stake_txids()),
                })
            }
            Dcr::Tx(tx) => json!({
                "txid": tx.txid().to_string(),
                "full_hash": tx.full_hash().to_string(),
                "stake_type": tx.stake_type().to_string(),
                "inputs": tx.inputs.len(),
                "outputs": tx.outputs.len(),
                "expiry": tx.expiry,
            }),
            Dcr::Headers(h) => {
                let hs: Vec<Hash256> = h.iter().map(|h| h.hash()).collect();
                json!({"count": h.len(), "hashes": hashes(&hs)})
            }
            Dcr::Inv(l) | Dcr::GetData(l) | Dcr::NotFound(l) => inventory(l),
            Dcr::GetBlocks(l) | Dcr::GetHeaders(l) => json!({
                "version": l.version, "locator": hashes(&l.locator), "stop": l.stop.to_string(),
            }),
            Dcr::Ping(n) | Dcr::Pong(n) => json!({"nonce": n}),
            Dcr::FeeFilter(f) => json!({"fee_rate": f}),
            Dcr::Addr(l) => json!({"count": l.len()}),
            Dcr::AddrV2(l) => json!({"count": l.len()}),
            _ => json!({"summary": self.summary()}),
        }
    }
}
