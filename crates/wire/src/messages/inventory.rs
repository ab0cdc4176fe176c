//! Inventory vectors: a type and a hash, naming a transaction, block or other object.

use crate::encode::{Decode, Encode, Reader, Sink};
use crate::error::DecodeError;
use crate::hash::Hash256;
use std::fmt;

/// At most this many inventory vectors travel in one `inv`, `getdata` or `notfound`.
pub const MAX_INV_PER_MSG: usize = 50_000;

/// The type of an inventory vector. Unknown values are kept, not refused: a newer peer may send types this
/// crate does not know.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvType(pub u32);

impl InvType {
    /// Both dialects: "error", ignored by receivers.
    pub const ERROR: InvType = InvType(0);
    /// Both dialects: a transaction.
    pub const TX: InvType = InvType(1);
    /// Both dialects: a block.
    pub const BLOCK: InvType = InvType(2);
    /// Both dialects: a block filtered by the receiver's bloom filter (a `merkleblock` reply).
    pub const FILTERED_BLOCK: InvType = InvType(3);
    /// Bitcoin: a compact block (BIP152).
    pub const CMPCT_BLOCK: InvType = InvType(4);
    /// Decred: a mixing message.
    pub const MIX: InvType = InvType(4);
    /// Bitcoin: the flag that asks for witness serialization.
    pub const WITNESS_FLAG: u32 = 1 << 30;
    /// Bitcoin: a transaction with witness data.
    pub const WITNESS_TX: InvType = InvType(1 | Self::WITNESS_FLAG);
    /// Bitcoin: a block with witness data.
    pub const WITNESS_BLOCK: InvType = InvType(2 | Self::WITNESS_FLAG);
    /// Bitcoin: a filtered block with witness data.
    pub const WITNESS_FILTERED_BLOCK: InvType = InvType(3 | Self::WITNESS_FLAG);

    /// The type without Bitcoin's witness flag.
    pub fn base(self) -> InvType {
        InvType(self.0 & !Self::WITNESS_FLAG)
    }
}

impl fmt::Debug for InvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvType({self})")
    }
}

impl fmt::Display for InvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let witness = self.0 & Self::WITNESS_FLAG != 0;
        let name = match self.base().0 {
            0 => "error",
            1 => "tx",
            2 => "block",
            3 => "filtered_block",
            4 => "cmpct_block_or_mix",
            other => return write!(f, "unknown({other:#x})"),
        };
        if witness {
            write!(f, "witness_{name}")
        } else {
            f.write_str(name)
        }
    }
}

/// One inventory vector: 36 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inventory {
    /// What kind of object.
    pub kind: InvType,
    /// Its hash.
    pub hash: Hash256,
}

impl Inventory {
    /// Wire size.
    pub const LEN: usize = 36;

    /// A vector of `kind` for `hash`.
    pub fn new(kind: InvType, hash: Hash256) -> Self {
        Inventory { kind, hash }
    }
}

impl Decode for Inventory {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Inventory {
            kind: InvType(r.read_u32_le()?),
            hash: Hash256::decode(r)?,
        })
    }
}

impl Encode for Inventory {
    #[inline]
    fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put_u32_le(self.kind.0);
        self.hash.encode(out);
    }
}
