//! Bitcoin transactions: legacy and segwit (BIP144) serializations, txid and wtxid.

use super::Witness;
use crate::encode::{put_var_bytes, Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::{Hash256, Sha256dWriter};
use crate::varint;
use bytes::Bytes;

/// Upper bounds on counts, from the largest message: nothing can hold more than 4,000,000 bytes.
const MAX_PAYLOAD: usize = 4_000_000;
/// Smallest input: outpoint 36, empty script 1, sequence 4.
const MIN_TXIN_LEN: usize = 41;
/// Smallest output: value 8, empty script 1.
const MIN_TXOUT_LEN: usize = 9;

/// A reference to an output of an earlier transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OutPoint {
    /// The earlier transaction's txid.
    pub txid: Hash256,
    /// The output's index in it.
    pub vout: u32,
}

impl OutPoint {
    /// The outpoint a coinbase input spends: zero txid, index `u32::MAX`.
    pub const COINBASE: OutPoint = OutPoint {
        txid: Hash256::ZERO,
        vout: u32::MAX,
    };
}

/// A transaction input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxIn {
    /// The output spent.
    pub previous_output: OutPoint,
    /// The unlocking script (a slice of the received payload when decoded).
    pub script_sig: Bytes,
    /// Sequence number (relative lock time, RBF signalling).
    pub sequence: u32,
    /// Witness stack (BIP141); empty for legacy inputs.
    pub witness: Witness,
}

/// A transaction output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxOut {
    /// Amount in satoshis.
    pub value: i64,
    /// The locking script (a slice of the received payload when decoded).
    pub script_pubkey: Bytes,
}

/// A Bitcoin transaction.
///
/// Scripts and witness items are [`Bytes`] slices of the payload they were decoded from: decoding copies no
/// script, and a decoded block stays one allocation shared by all its transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transaction {
    /// Transaction version.
    pub version: i32,
    /// Inputs.
    pub inputs: Vec<TxIn>,
    /// Outputs.
    pub outputs: Vec<TxOut>,
    /// Lock time (block height or Unix time).
    pub lock_time: u32,
}

/// A decoded transaction's serialization, when its fields still encode to exactly the bytes it was decoded
/// from: the whole of it, or (for the serialization without witness data of a segwit transaction) version,
/// inputs and outputs, and lock time.
enum WireForm<'a> {
    Whole(&'a [u8]),
    Parts([&'a [u8]; 3]),
}

impl WireForm<'_> {
    #[inline]
    fn write<S: Sink + ?Sized>(&self, out: &mut S) {
        match self {
            WireForm::Whole(b) => out.put(b),
            WireForm::Parts(parts) => {
                for part in parts {
                    out.put(part);
                }
            }
        }
    }
}

/// The position after the varint `n` at `b[p..]`, if that is where it is.
#[inline(always)]
fn expect_varint(b: &[u8], p: usize, n: usize) -> Option<usize> {
    let first = *b.get(p)?;
    if n < 0xfd {
        return (usize::from(first) == n).then_some(p + 1);
    }
    let n = n as u64;
    let mut buf = [0u8; 9];
    let width = varint::len(n);
    buf[0] = [0xfd, 0xfe, 0xff][(width > 3) as usize + (width > 5) as usize];
    buf[1..9].copy_from_slice(&n.to_le_bytes());
    (b.get(p..p + width)? == &buf[..width]).then_some(p + width)
}

/// The position after the length-prefixed `bytes` at `b[p..]`, if that is where they are (compared by
/// address first: a decoded script is a slice of the same payload).
#[inline(always)]
fn expect_var_bytes(b: &[u8], p: usize, bytes: &[u8]) -> Option<usize> {
    let p = expect_varint(b, p, bytes.len())?;
    let end = p.checked_add(bytes.len())?;
    let at = b.get(p..end)?;
    (bytes.is_empty() || at.as_ptr() == bytes.as_ptr() || at == bytes).then_some(end)
}

/// True if `b[p..p + N]` is `v`.
#[inline(always)]
fn expect<const N: usize>(b: &[u8], p: usize, v: [u8; N]) -> Option<usize> {
    (*b.get(p..)?.first_chunk::<N>()? == v).then_some(p + N)
}

impl Transaction {
    /// True if any input carries witness data, so the segwit serialization applies.
    pub fn has_witness(&self) -> bool {
        self.inputs.iter().any(|i| !i.witness.is_empty())
    }

    /// The serialization [`encode_as`](Self::encode_as) would write, taken from the bytes the transaction was
    /// decoded from, if it was decoded and its fields still encode to exactly those bytes. Fields are public
    /// and may have changed since: every one is compared with its wire form (scripts and witnesses by
    /// address first, since a decoded one is a slice of the same payload), which costs far less than
    /// writing them into a hasher. `None` means: encode the fields.
    fn wire_form(&self, witness: bool) -> Option<WireForm<'_>> {
        let wire = self.inputs.first()?.witness.tx_wire()?;
        let b = wire.bytes;
        let len = b.len();
        if len < 10 {
            return None;
        }
        expect(b, 0, self.version.to_le_bytes())?;
        let io_start = if wire.witness_start.is_some() { 6 } else { 4 };
        let mut p = expect_varint(b, io_start, self.inputs.len())?;
        for i in &self.inputs {
            p = expect(b, p, i.previous_output.txid.0)?;
            p = expect(b, p, i.previous_output.vout.to_le_bytes())?;
            p = expect_var_bytes(b, p, &i.script_sig)?;
            p = expect(b, p, i.sequence.to_le_bytes())?;
        }
        p = expect_varint(b, p, self.outputs.len())?;
        for o in &self.outputs {
            p = expect(b, p, o.value.to_le_bytes())?;
            p = expect_var_bytes(b, p, &o.script_pubkey)?;
        }
        let io_end = p;
        expect(b, len - 4, self.lock_time.to_le_bytes())?;
        match wire.witness_start {
            None => {
                if io_end + 4 != len || (witness && self.has_witness()) {
                    return None;
                }
                Some(WireForm::Whole(b))
            }
            Some(start) => {
                if start != io_end || b[4..6] != [0x00, 0x01] {
                    return None;
                }
                let parts = WireForm::Parts([&b[..4], &b[io_start..io_end], &b[len - 4..]]);
                if !witness {
                    return Some(parts);
                }
                // The stacks as received: the whole serialization. Stacks since emptied: the one without
                // witness data. Anything else: encode.
                let mut any = false;
                for i in &self.inputs {
                    let w = i.witness.as_wire_bytes();
                    let same = p
                        .checked_add(w.len())
                        .and_then(|end| b.get(p..end))
                        .is_some_and(|at| i.witness.is_wire(at));
                    if !same {
                        return (!self.has_witness()).then_some(parts);
                    }
                    any |= w.len() > 1;
                    p += w.len();
                }
                match (any, p + 4 == len) {
                    (true, true) => Some(WireForm::Whole(b)),
                    (false, _) => Some(parts),
                    (true, false) => None,
                }
            }
        }
    }

    /// Writes the transaction, with witness data if `witness` is set and there is any.
    pub fn encode_as<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) {
        match self.wire_form(witness) {
            Some(form) => form.write(out),
            None => self.encode_fields(out, witness),
        }
    }

    /// Writes the transaction field by field.
    fn encode_fields<S: Sink + ?Sized>(&self, out: &mut S, witness: bool) {
        let segwit = witness && self.has_witness();
        out.put_i32_le(self.version);
        if segwit {
            out.put(&[0x00, 0x01]);
        }
        varint::write(out, self.inputs.len() as u64);
        for i in &self.inputs {
            i.previous_output.txid.encode(out);
            out.put_u32_le(i.previous_output.vout);
            put_var_bytes(out, &i.script_sig);
            out.put_u32_le(i.sequence);
        }
        varint::write(out, self.outputs.len() as u64);
        for o in &self.outputs {
            out.put_i64_le(o.value);
            put_var_bytes(out, &o.script_pubkey);
        }
        if segwit {
            for i in &self.inputs {
                i.witness.encode(out);
            }
        }
        out.put_u32_le(self.lock_time);
    }

    /// The txid: double SHA-256 of the serialization without witness data.
    ///
    /// A decoded transaction is hashed straight from the bytes it was decoded from, as long as its fields
    /// still encode to them; any other is encoded into the hasher.
    pub fn txid(&self) -> Hash256 {
        let mut h = Sha256dWriter::new();
        self.encode_as(&mut h, false);
        h.finish()
    }

    /// The wtxid: double SHA-256 of the full serialization (the txid when there is no witness data).
    pub fn wtxid(&self) -> Hash256 {
        let mut h = Sha256dWriter::new();
        self.encode_as(&mut h, true);
        h.finish()
    }

    /// True if this is a coinbase: one input spending the null outpoint.
    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].previous_output == OutPoint::COINBASE
    }
}

impl Encode for Transaction {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        self.encode_as(out, true);
    }
}

impl Decode for Transaction {
    /// Reads either serialization: a zero byte where the input count would be marks segwit, and must be
    /// followed by flag 1. A segwit transaction whose witnesses are all empty is refused, as Bitcoin Core
    /// does, since it has a shorter canonical form.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tx_start = r.offset();
        let version = r.read_i32_le()?;
        let segwit = r.peek_u8() == Some(0);
        if segwit {
            r.read_u8()?;
            let at = r.offset();
            let flag = r.read_u8()?;
            if flag != 1 {
                let mut e = r.invalid("segwit flag", format!("{flag:#04x}, expected 0x01"));
                e.offset = at as u64;
                return Err(e);
            }
        }
        let (n_in, mut inputs) = r.begin_list("transaction inputs", MAX_PAYLOAD / MIN_TXIN_LEN, MIN_TXIN_LEN)?;
        for _ in 0..n_in {
            // Fast path: a script shorter than 0xfd bytes, all within the bytes left. Anything else goes the
            // checked way below, which also gives the exact error.
            let rest = r.rest();
            if let Some((fixed, rest)) = rest.split_first_chunk::<37>() {
                let len = usize::from(fixed[36]);
                if len < 0xfd {
                    if let Some(sequence) = rest.get(len..len + 4) {
                        let at = r.offset() + 37;
                        let script_sig = r.slice_between(at, at + len);
                        let (txid, vout) = fixed.split_at(32);
                        inputs.push(TxIn {
                            previous_output: OutPoint {
                                txid: Hash256(txid.try_into().expect("32 bytes")),
                                vout: u32::from_le_bytes(vout[..4].try_into().expect("4 bytes")),
                            },
                            script_sig,
                            sequence: u32::from_le_bytes(sequence.try_into().expect("4 bytes")),
                            witness: Witness::new(),
                        });
                        r.advance(37 + len + 4);
                        continue;
                    }
                }
            }
            let txid = Hash256::decode(r)?;
            let vout = r.read_u32_le()?;
            let script_sig = r.read_var_bytes("signature script", MAX_PAYLOAD)?;
            let sequence = r.read_u32_le()?;
            inputs.push(TxIn {
                previous_output: OutPoint { txid, vout },
                script_sig,
                sequence,
                witness: Witness::new(),
            });
        }
        let (n_out, mut outputs) = r.begin_list("transaction outputs", MAX_PAYLOAD / MIN_TXOUT_LEN, MIN_TXOUT_LEN)?;
        for _ in 0..n_out {
            // Fast path, as for inputs.
            let rest = r.rest();
            if let Some((fixed, rest)) = rest.split_first_chunk::<9>() {
                let len = usize::from(fixed[8]);
                if len < 0xfd && len <= rest.len() {
                    let at = r.offset() + 9;
                    let script_pubkey = r.slice_between(at, at + len);
                    outputs.push(TxOut {
                        value: i64::from_le_bytes(fixed[..8].try_into().expect("8 bytes")),
                        script_pubkey,
                    });
                    r.advance(9 + len);
                    continue;
                }
            }
            let value = r.read_i64_le()?;
            let script_pubkey = r.read_var_bytes("public key script", MAX_PAYLOAD)?;
            outputs.push(TxOut { value, script_pubkey });
        }
        // The first input's stack, as offsets in the transaction; the stack is kept with the whole
        // transaction once its end is known.
        let mut first = None;
        if segwit {
            let io_end = r.offset();
            let mut any = false;
            for (n, input) in inputs.iter_mut().enumerate() {
                let start = r.offset();
                let items = Witness::skip(r, MAX_PAYLOAD)?;
                any |= items;
                if n == 0 {
                    first = Some((start - tx_start, r.offset() - tx_start));
                } else if items {
                    // The slot holds `Witness::new()`, which owns nothing: skip its drop (an indirect call).
                    std::mem::forget(std::mem::replace(
                        &mut input.witness,
                        Witness::from_payload(r, start, r.offset()),
                    ));
                }
            }
            if !any {
                let mut e = r.invalid("witness", "segwit serialization with no witness data");
                e.offset = io_end as u64;
                return Err(e);
            }
        }
        let lock_time = r.read_u32_le()?;
        if let Some(input) = inputs.first_mut() {
            let tx = r.slice_between(tx_start, r.offset());
            let (start, end) = first.unwrap_or((tx.len(), tx.len()));
            std::mem::forget(std::mem::replace(&mut input.witness, Witness::with_tx(tx, start, end)));
        }
        Ok(Transaction {
            version,
            inputs,
            outputs,
            lock_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{from_bytes, to_vec};

    fn tx(witness: bool) -> Transaction {
        let input = |n: u8, stack: Witness| TxIn {
            previous_output: OutPoint {
                txid: Hash256([n; 32]),
                vout: u32::from(n),
            },
            script_sig: if witness {
                Bytes::new()
            } else {
                Bytes::from(vec![n; 107])
            },
            sequence: 0xffff_fffd,
            witness: stack,
        };
        let stack = |n: u8| {
            if witness {
                Witness::from_items([vec![n; 72], vec![n; 33]])
            } else {
                Witness::new()
            }
        };
        Transaction {
            version: 2,
            inputs: vec![input(1, Witness::new()), input(2, stack(2)), input(3, stack(3))],
            outputs: vec![
                TxOut {
                    value: 5_000,
                    script_pubkey: Bytes::from(vec![0x51; 300]),
                },
                TxOut {
                    value: 7,
                    script_pubkey: Bytes::new(),
                },
            ],
            lock_time: 840_000,
        }
    }

    fn decoded(tx: &Transaction) -> Transaction {
        from_bytes(&Bytes::from(to_vec(tx)), 70016).unwrap()
    }

    #[test]
    fn a_decoded_transaction_is_hashed_from_its_wire_form() {
        for witness in [false, true] {
            let built = tx(witness);
            let dec = decoded(&built);
            assert_eq!(dec, built);
            assert!(built.wire_form(true).is_none() && built.wire_form(false).is_none());
            assert!(
                matches!(dec.wire_form(true), Some(WireForm::Whole(_))),
                "witness {witness}"
            );
            let stripped = dec.wire_form(false).expect("unchanged");
            assert_eq!(matches!(stripped, WireForm::Whole(_)), !witness);
            assert_eq!(dec.txid(), built.txid());
            assert_eq!(dec.wtxid(), built.wtxid());
            assert_eq!(to_vec(&dec), to_vec(&built));
            // Re-encoded from its wire form, decoded again: the same.
            let again = decoded(&dec);
            assert_eq!((again.txid(), again.wtxid()), (built.txid(), built.wtxid()));
        }
    }

    /// Every field changed after decoding changes the txid (or, for witnesses, the wtxid), to that of the same
    /// value built in code; equal values in new allocations hash as before.
    #[test]
    fn a_field_changed_after_decoding_changes_the_hashes() {
        type Change = fn(&mut Transaction);
        let changes: [(&str, Change, bool); 12] = [
            ("version", |t| t.version += 1, true),
            ("lock time", |t| t.lock_time += 1, true),
            ("outpoint txid", |t| t.inputs[1].previous_output.txid.0[0] ^= 1, true),
            ("outpoint index", |t| t.inputs[2].previous_output.vout += 1, true),
            (
                "script sig",
                |t| t.inputs[0].script_sig = Bytes::from_static(b"\x51"),
                true,
            ),
            ("sequence", |t| t.inputs[2].sequence -= 1, true),
            ("value", |t| t.outputs[0].value -= 1, true),
            (
                "script pubkey",
                |t| t.outputs[1].script_pubkey = Bytes::from_static(b"\x6a"),
                true,
            ),
            ("input removed", |t| drop(t.inputs.remove(1)), true),
            ("inputs swapped", |t| t.inputs.swap(0, 2), true),
            ("output added", |t| t.outputs.push(TxOut::default()), true),
            (
                "witness",
                |t| t.inputs[2].witness = Witness::from_items([[9u8; 5]]),
                false,
            ),
        ];
        for witness in [false, true] {
            let dec = decoded(&tx(witness));
            for (what, change, txid_changes) in changes {
                let mut changed = dec.clone();
                change(&mut changed);
                let mut built = tx(witness);
                change(&mut built);
                assert_eq!(changed, built, "{what}");
                assert!(changed.wire_form(false).is_none() || !txid_changes, "{what}");
                assert_eq!(changed.txid(), built.txid(), "{what}");
                assert_eq!(changed.wtxid(), built.wtxid(), "{what}");
                assert_eq!(to_vec(&changed), to_vec(&built), "{what}");
                assert_eq!(changed.txid() != dec.txid(), txid_changes, "{what}, witness {witness}");
                assert_ne!(changed.wtxid(), dec.wtxid(), "{what}, witness {witness}");
            }

            // Witnesses cleared: the txid stays, the wtxid becomes it, from the wire form still (unless the
            // first input's is replaced, which drops the wire form: then by encoding).
            let mut cleared = dec.clone();
            cleared.inputs[1..].iter_mut().for_each(|i| i.witness.clear());
            assert!(cleared.wire_form(true).is_some());
            assert_eq!(cleared.txid(), dec.txid());
            assert_eq!(cleared.wtxid(), dec.txid());
            cleared.inputs[0].witness.clear();
            assert!(cleared.wire_form(true).is_none());
            assert_eq!(cleared.txid(), dec.txid());
            assert_eq!(cleared.wtxid(), dec.txid());

            // Equal values in new allocations: same hashes.
            let mut copied = dec.clone();
            for (n, i) in copied.inputs.iter_mut().enumerate() {
                i.script_sig = Bytes::copy_from_slice(&i.script_sig);
                if n > 0 {
                    i.witness = Witness::from_items(i.witness.iter().collect::<Vec<_>>());
                }
            }
            copied.outputs[0].script_pubkey = Bytes::copy_from_slice(&copied.outputs[0].script_pubkey);
            assert!(copied.wire_form(true).is_some());
            assert_eq!((copied.txid(), copied.wtxid()), (dec.txid(), dec.wtxid()));

            // A first input moved into another transaction brings the wire form of its own: unused.
            let mut other = tx(!witness);
            other.inputs[0] = dec.inputs[0].clone();
            assert!(other.wire_form(true).is_none() && other.wire_form(false).is_none());
            let mut rebuilt = tx(!witness);
            rebuilt.inputs[0] = tx(witness).inputs[0].clone();
            assert_eq!((other.txid(), other.wtxid()), (rebuilt.txid(), rebuilt.wtxid()));
        }
    }
}
