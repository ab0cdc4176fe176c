//! The DC-net (`mixdcnet`) and the confirmation of the coinjoin it produced (`mixconfirm`).

use super::common::{check_seen, hash_of, invalid_at, need, read_seen, too_many_at};
use super::{MixMsg, MAX_MIX_MCOUNT, MIX_MSG_SIZE};
use crate::decred::check_count;
use crate::decred::tx::Transaction;
use crate::encode::{put_list, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::varint;

/// The payload of `mixdcnet`: the XOR DC-net vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixDCNet {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// Up to 1024 vectors of up to 1024 messages, all vectors of one length. dcrd decodes an empty list
    /// but refuses to encode one, and so does this crate.
    pub dc_net: Vec<Vec<MixMsg>>,
    /// Slot reservation messages seen.
    pub seen_slot_reserves: Vec<Hash256>,
}

impl MixDCNet {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count("DC-net vectors", self.dc_net.len(), MAX_MIX_MCOUNT)?;
        let Some(first) = self.dc_net.first() else {
            return Err(EncodeError::InvalidValue {
                what: "DC-net vectors",
                detail: "no vectors".into(),
            });
        };
        check_count("DC-net vector length", first.len(), MAX_MIX_MCOUNT)?;
        if let Some(row) = self.dc_net.iter().find(|v| v.len() != first.len()) {
            return Err(EncodeError::InvalidValue {
                what: "DC-net vectors",
                detail: format!("vectors of {} and {} messages", first.len(), row.len()),
            });
        }
        check_seen(&self.seen_slot_reserves)
    }
}

impl Decode for MixDCNet {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let at = r.offset();
        let rows = r.read_varint()?;
        let mut dc_net = Vec::new();
        if rows != 0 {
            let at_columns = r.offset();
            let columns = r.read_varint()?;
            let at_size = r.offset();
            let size = r.read_varint()?;
            if rows > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at, "DC-net vectors", rows, MAX_MIX_MCOUNT));
            }
            if columns > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at_columns, "DC-net vector length", columns, MAX_MIX_MCOUNT));
            }
            if size != MIX_MSG_SIZE as u64 {
                return Err(invalid_at(
                    at_size,
                    "DC-net message size",
                    format!("{size}, expected 20"),
                ));
            }
            need(r, rows * columns * MIX_MSG_SIZE as u64)?;
            dc_net = if columns == 0 {
                // Vectors without messages take no bytes; there are at most 1024 of them (24 KiB).
                vec![Vec::new(); rows as usize]
            } else {
                r.read_each(rows as usize, |r| {
                    let mut v = r.list_with_capacity(columns as usize);
                    for _ in 0..columns {
                        v.push(r.read_array()?);
                    }
                    Ok(v)
                })?
            };
        }
        Ok(MixDCNet {
            signature,
            identity,
            session_id,
            run,
            dc_net,
            seen_slot_reserves: read_seen(r)?,
        })
    }
}

impl Encode for MixDCNet {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        varint::write(out, self.dc_net.len() as u64);
        if let Some(first) = self.dc_net.first() {
            varint::write(out, first.len() as u64);
            varint::write(out, MIX_MSG_SIZE as u64);
            for m in self.dc_net.iter().flatten() {
                out.put(m);
            }
        }
        put_list(out, &self.seen_slot_reserves);
    }
}

/// The payload of `mixconfirm`: the coinjoin transaction with the sender's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixConfirm {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The partially signed coinjoin (any serialization type, as a `tx` message).
    pub mix: Transaction,
    /// DC-net messages seen.
    pub seen_dc_nets: Vec<Hash256>,
}

impl MixConfirm {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_seen(&self.seen_dc_nets)
    }
}

impl Decode for MixConfirm {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MixConfirm {
            signature: r.read_array()?,
            identity: r.read_array()?,
            session_id: r.read_array()?,
            run: r.read_u32_le()?,
            mix: Transaction::decode(r)?,
            seen_dc_nets: read_seen(r)?,
        })
    }
}

impl Encode for MixConfirm {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        self.mix.encode(out);
        put_list(out, &self.seen_dc_nets);
    }
}
