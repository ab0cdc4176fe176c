//! The secrets of a failed run (`mixsecrets`), revealed for blame assignment.

use super::common::{
    check_field_values, check_seen, hash_of, invalid_at, need, put_field_values, read_field_values, read_seen,
    too_many_at,
};
use super::{MixMsg, MAX_MIX_MCOUNT, MIX_MSG_SIZE};
use crate::decred::check_count;
use crate::encode::{put_list, Decode, Encode, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::hash::Hash256;
use crate::varint;
use bytes::Bytes;

/// The payload of `mixsecrets`: the secrets of a failed run, revealed for blame assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixSecrets {
    /// Signature over the rest of the message.
    pub signature: [u8; 64],
    /// The sender's identity key.
    pub identity: [u8; 33],
    /// Session id.
    pub session_id: [u8; 32],
    /// Run number.
    pub run: u32,
    /// The PRNG seed of the run.
    pub seed: [u8; 32],
    /// The unpadded slot reservation messages: at most 1024 field elements of at most 32 bytes.
    pub slot_reserve_msgs: Vec<Bytes>,
    /// The DC-net messages: at most 1024.
    pub dc_net_msgs: Vec<MixMsg>,
    /// Secrets messages seen.
    pub seen_secrets: Vec<Hash256>,
}

impl MixSecrets {
    /// BLAKE-256 of the serialization.
    pub fn hash(&self) -> Hash256 {
        hash_of(self)
    }

    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        check_count(
            "slot reservation messages",
            self.slot_reserve_msgs.len(),
            MAX_MIX_MCOUNT,
        )?;
        check_field_values(&self.slot_reserve_msgs, "slot reservation message")?;
        check_count("DC-net messages", self.dc_net_msgs.len(), MAX_MIX_MCOUNT)?;
        check_seen(&self.seen_secrets)
    }
}

impl Decode for MixSecrets {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = r.read_array()?;
        let identity = r.read_array()?;
        let session_id = r.read_array()?;
        let run = r.read_u32_le()?;
        let seed = r.read_array()?;
        let n = r.read_count("slot reservation messages", MAX_MIX_MCOUNT, 1)?;
        let slot_reserve_msgs = read_field_values(r, n, "slot reservation message")?;
        let at = r.offset();
        let n = r.read_varint()?;
        let mut dc_net_msgs = Vec::new();
        if n != 0 {
            let at_size = r.offset();
            let size = r.read_varint()?;
            if n > MAX_MIX_MCOUNT as u64 {
                return Err(too_many_at(at, "DC-net messages", n, MAX_MIX_MCOUNT));
            }
            if size != MIX_MSG_SIZE as u64 {
                return Err(invalid_at(
                    at_size,
                    "DC-net message size",
                    format!("{size}, expected 20"),
                ));
            }
            need(r, n * MIX_MSG_SIZE as u64)?;
            dc_net_msgs = r.list_with_capacity(n as usize);
            for _ in 0..n {
                dc_net_msgs.push(r.read_array()?);
            }
        }
        Ok(MixSecrets {
            signature,
            identity,
            session_id,
            run,
            seed,
            slot_reserve_msgs,
            dc_net_msgs,
            seen_secrets: read_seen(r)?,
        })
    }
}

impl Encode for MixSecrets {
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.signature);
        out.put(&self.identity);
        out.put(&self.session_id);
        out.put_u32_le(self.run);
        out.put(&self.seed);
        put_field_values(out, &self.slot_reserve_msgs);
        varint::write(out, self.dc_net_msgs.len() as u64);
        if !self.dc_net_msgs.is_empty() {
            varint::write(out, MIX_MSG_SIZE as u64);
            for m in &self.dc_net_msgs {
                out.put(m);
            }
        }
        put_list(out, &self.seen_secrets);
    }
}
