//! What a decoded list element costs in memory against the least it takes on the wire: the table every
//! reservation made from a received count is sized by.
//!
//! # The rule
//!
//! A count read from the wire is checked against its protocol maximum and against the bytes available: those
//! not yet read, less the least that the later elements of the enclosing lists still need
//! ([`Reader::read_count`](crate::Reader::read_count), [`Reader::read_each`](crate::Reader::read_each)). A
//! block's transaction list has claimed 10 bytes for each transaction to come, so the outputs of its first
//! transaction cannot claim them again. The vector for the count then reserves room for no more elements than
//! those bytes could hold at [`Preallocate::MIN_WIRE_LEN`] each
//! ([`Reader::begin_list`](crate::Reader::begin_list),
//! [`Reader::list_with_capacity`](crate::Reader::list_with_capacity)): for all of them once the count has passed
//! the check, so that a valid list is reserved exactly and never grows.
//!
//! Each payload byte therefore pays for at most one reservation at a time, of at most
//! `size_of::<T>() / T::MIN_WIRE_LEN` bytes of memory: what the decoder holds, while decoding and after, is at
//! most the largest such ratio among the types a message holds, times its payload. The ratio is checked at
//! compile time: at most [`MEMORY_FACTOR`] for every type but three, whose lists stay bounded otherwise
//! (see the table below).
//!
//! What an element owns on the heap is not part of its cost here: its own lists are reserved by the same
//! rule when they are read, and its byte strings (scripts, filters, witnesses) are slices of the payload, which
//! cost nothing. The few strings copied out of a payload (a user agent, a reject's command and reason) take at
//! most 3 bytes per wire byte once invalid UTF-8 is replaced, 6 while the copy grows.
//!
//! | Type | Least wire bytes | In memory | Per wire byte |
//! |---|---|---|---|
//! | [`Inventory`] | 36 | 36 | 1 |
//! | [`Hash256`] | 32 | 32 | 1 |
//! | [`TimedNetAddress`] | 26 (30 with its time) | 40 | 1.5 |
//! | [`bitcoin::BlockHeader`] | 80 | 80 | 1 |
//! | [`bitcoin::Transaction`] | 10 | 56 | 5.6 |
//! | [`bitcoin::TxIn`] | 41 | 112 | 2.7 |
//! | [`bitcoin::TxOut`] | 9 | 40 | 4.4 |
//! | [`bitcoin::PrefilledTransaction`] | 11 | 64 | 5.8 |
//! | [`bitcoin::AddrV2Entry`] | 9 | 56 | 6.2 |
//! | BIP152 index (`u16`) | 1 | 2 | 2 |
//! | byte arrays (`[u8; N]`) | N | N | 1 |
//! | [`decred::BlockHeader`] | 180 | 184 | 1 |
//! | [`decred::TxIn`] | 17 (witness only) | 96 | 5.6 |
//! | [`decred::TxOut`] | 11 | 48 | 4.4 |
//! | [`decred::AddrV2Entry`] | 23 | 56 | 2.4 |
//! | [`decred::CFilterV2`] | 38 | 96 | 2.5 |
//! | [`decred::MixPairReqUtxo`] | 41 | 144 | 3.5 |
//! | DC-net vector (`Vec<MixMsg>`) | 20 | 24 | 1.2 |
//! | [`decred::Transaction`] | 5 (witness only, no input) | 64 | **12.8**: a Decred block holds at most 13 bytes per payload byte; one made only of full transactions (15 bytes at least), as every valid block is, at most 8 |
//! | mixing field value ([`Bytes`]) | 1 | 32 | **32**, but at most 1024 per list: 32 KiB |
//! | init-state type (`String`) | 1 | 24 | **24**, but at most 32 per message: 768 B |
//!
//! Sizes are those of a 64-bit target.

use crate::hash::Hash256;
use crate::messages::{Inventory, TimedNetAddress};
use crate::{bitcoin, decred};
use bytes::Bytes;

/// The most memory any list element takes per byte it needs at least on the wire, bar the three exceptions of
/// the [module's table](self): decoding a message holds at most this many bytes per payload byte (a Decred
/// block at most 13), plus what the short lists of those exceptions take (at most 32 KiB).
///
/// 8 is the smallest power of two above every ordinary element's ratio (the largest is a Bitcoin `addrv2`
/// entry: 56 bytes for 9), so that a reservation is never cut short for a real message and no vector of one
/// ever grows while it is read.
pub const MEMORY_FACTOR: usize = 8;

/// A type read in lists whose length comes from the wire.
///
/// Its in-memory cost is `size_of::<Self>()`, the slot it takes in a vector; [`MIN_WIRE_LEN`](Self::MIN_WIRE_LEN)
/// is the least it takes on the wire. A decoder reserves for a received count no more elements than the bytes
/// available could hold at that size (see the [module](self)).
pub trait Preallocate: Sized {
    /// The fewest bytes one element takes on the wire, in any list of it the crate reads. Never zero.
    const MIN_WIRE_LEN: usize;
}

/// Implements [`Preallocate`] and checks at compile time that the type takes at most `$ratio` bytes in memory
/// per wire byte.
macro_rules! preallocate {
    ($($ty:ty = $min:expr, at most $ratio:expr;)*) => {$(
        impl Preallocate for $ty {
            const MIN_WIRE_LEN: usize = $min;
        }
        const _: () = assert!(
            $min > 0 && size_of::<$ty>() <= $ratio * $min,
            concat!(stringify!($ty), " takes more memory per wire byte than its bound")
        );
    )*};
}

preallocate! {
    Inventory = Inventory::LEN, at most MEMORY_FACTOR;
    Hash256 = 32, at most MEMORY_FACTOR;
    TimedNetAddress = crate::messages::NetAddress::LEN, at most MEMORY_FACTOR;
    bitcoin::BlockHeader = bitcoin::BlockHeader::LEN, at most MEMORY_FACTOR;
    bitcoin::Transaction = 10, at most MEMORY_FACTOR;
    bitcoin::TxIn = 41, at most MEMORY_FACTOR;
    bitcoin::TxOut = 9, at most MEMORY_FACTOR;
    // The index's varint, then a transaction.
    bitcoin::PrefilledTransaction = 1 + 10, at most MEMORY_FACTOR;
    bitcoin::AddrV2Entry = bitcoin::AddrV2Entry::MIN_LEN, at most MEMORY_FACTOR;
    // A BIP152 transaction index: a varint.
    u16 = 1, at most MEMORY_FACTOR;
    decred::BlockHeader = decred::BlockHeader::LEN, at most MEMORY_FACTOR;
    // A witness-only input; a prefix input takes 41.
    decred::TxIn = 17, at most MEMORY_FACTOR;
    decred::TxOut = 11, at most MEMORY_FACTOR;
    decred::AddrV2Entry = decred::AddrV2Entry::MIN_LEN, at most MEMORY_FACTOR;
    decred::CFilterV2 = decred::CFilterV2::MIN_LEN, at most MEMORY_FACTOR;
    // An outpoint, three empty byte strings and the opcode.
    decred::MixPairReqUtxo = decred::OutPoint::LEN + 4, at most MEMORY_FACTOR;
    // A vector of a DC-net holds at least one message.
    Vec<decred::MixMsg> = decred::MIX_MSG_SIZE, at most MEMORY_FACTOR;
    // The exceptions. A witness-only transaction without inputs.
    decred::Transaction = decred::Transaction::MIN_LEN, at most 13;
    // A mixing field value: at most 1024 per list.
    Bytes = 1, at most 32;
    // An init-state type: at most 32 per message.
    String = 1, at most 24;
}

impl<const N: usize> Preallocate for [u8; N] {
    const MIN_WIRE_LEN: usize = if N == 0 { 1 } else { N };
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;

    /// The sizes the module's table gives.
    #[test]
    fn the_table_holds() {
        fn cost<T: Preallocate>() -> (usize, usize) {
            (T::MIN_WIRE_LEN, size_of::<T>())
        }
        assert_eq!(cost::<Inventory>(), (36, 36));
        assert_eq!(cost::<Hash256>(), (32, 32));
        assert_eq!(cost::<TimedNetAddress>(), (26, 40));
        assert_eq!(cost::<bitcoin::BlockHeader>(), (80, 80));
        assert_eq!(cost::<bitcoin::Transaction>(), (10, 56));
        assert_eq!(cost::<bitcoin::TxIn>(), (41, 112));
        assert_eq!(cost::<bitcoin::TxOut>(), (9, 40));
        assert_eq!(cost::<bitcoin::PrefilledTransaction>(), (11, 64));
        assert_eq!(cost::<bitcoin::AddrV2Entry>(), (9, 56));
        assert_eq!(cost::<u16>(), (1, 2));
        assert_eq!(cost::<[u8; 6]>(), (6, 6));
        assert_eq!(cost::<decred::BlockHeader>(), (180, 184));
        assert_eq!(cost::<decred::TxIn>(), (17, 96));
        assert_eq!(cost::<decred::TxOut>(), (11, 48));
        assert_eq!(cost::<decred::AddrV2Entry>(), (23, 56));
        assert_eq!(cost::<decred::CFilterV2>(), (38, 96));
        assert_eq!(cost::<decred::MixPairReqUtxo>(), (41, 144));
        assert_eq!(cost::<Vec<decred::MixMsg>>(), (20, 24));
        assert_eq!(cost::<decred::Transaction>(), (5, 64));
        assert_eq!(cost::<Bytes>(), (1, 32));
        assert_eq!(cost::<String>(), (1, 24));
    }
}
