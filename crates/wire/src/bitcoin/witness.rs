//! Segwit witness stacks, kept in their wire form.

use crate::encode::{put_var_bytes, Reader, Sink};
use crate::error::DecodeError;
use crate::varint;
use bytes::Bytes;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The witness stack of one input (BIP141).
///
/// It is stored as its wire serialization (item count, then each item length-prefixed) in one [`Bytes`]:
/// decoding a segwit input then costs one zero-copy slice instead of a vector and a slice per item, which is
/// most of what a witness-heavy block costs to decode. Items are read back with [`iter`](Self::iter).
///
/// The witness of a decoded transaction's first input also carries that transaction's whole wire form (no
/// copy, and no more reference counts than before), which is how [`Transaction::txid`](super::Transaction::txid)
/// hashes a decoded transaction straight from its received bytes. It is invisible otherwise: equality,
/// hashing, encoding and the items see only the stack.
#[derive(Clone)]
pub struct Witness {
    /// If `end == 0`, the stack's serialization, count prefix included (`[0]` when empty). Otherwise the wire
    /// form of the transaction this witness was decoded in (as its first input), the stack being
    /// `raw[start..end]`, or the empty stack when `start == end`.
    raw: Bytes,
    start: u32,
    end: u32,
}

/// The wire form of a decoded transaction, as its first input's witness keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TxWire<'a> {
    /// The whole serialization (segwit if `witness_start` is some).
    pub(crate) bytes: &'a [u8],
    /// Where the witness stacks begin (just after the outputs), for a segwit serialization.
    pub(crate) witness_start: Option<usize>,
}

impl Witness {
    /// An empty stack.
    pub fn new() -> Self {
        Witness {
            raw: Bytes::from_static(&[0]),
            start: 0,
            end: 0,
        }
    }

    /// A stack of `items`, bottom first.
    pub fn from_items<I, T>(items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let items: Vec<T> = items.into_iter().collect();
        let mut raw = Vec::new();
        varint::write(&mut raw, items.len() as u64);
        for item in &items {
            put_var_bytes(&mut raw, item.as_ref());
        }
        Witness {
            raw: raw.into(),
            start: 0,
            end: 0,
        }
    }

    /// The serialization, count prefix included.
    #[inline(always)]
    fn wire(&self) -> &[u8] {
        if self.end == 0 {
            &self.raw
        } else if self.start < self.end {
            &self.raw[self.start as usize..self.end as usize]
        } else {
            &[0]
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        SliceReader(self.wire()).varint().unwrap_or(0) as usize
    }

    /// True if there are no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.wire().first().map_or(true, |&b| b == 0)
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        *self = Witness::new();
    }

    /// The items, bottom first.
    pub fn iter(&self) -> WitnessIter<'_> {
        let mut r = SliceReader(self.wire());
        let remaining = r.varint().unwrap_or(0) as usize;
        WitnessIter { rest: r.0, remaining }
    }

    /// The items as zero-copy slices.
    pub fn to_vec(&self) -> Vec<Bytes> {
        self.iter().map(|item| self.raw.slice_ref(item)).collect()
    }

    /// The wire serialization, count prefix included.
    #[inline]
    pub fn as_wire_bytes(&self) -> &[u8] {
        self.wire()
    }

    /// Reads a stack (at most `limit` items of at most `limit` bytes, each checked against the bytes left) and
    /// keeps it as one slice.
    #[cfg(test)]
    pub(crate) fn decode(r: &mut Reader<'_>, limit: usize) -> Result<Self, DecodeError> {
        let start = r.offset();
        Self::skip(r, limit)?;
        Ok(Witness {
            raw: r.slice_between(start, r.offset()),
            start: 0,
            end: 0,
        })
    }

    /// Checks and skips a stack (at most `limit` items of at most `limit` bytes, each checked against the bytes
    /// left); returns whether it has any item.
    #[inline]
    pub(crate) fn skip(r: &mut Reader<'_>, limit: usize) -> Result<bool, DecodeError> {
        // Fast path: fewer than 0xfd items of fewer than 0xfd bytes each, all within the bytes left (so within
        // `limit` too, which is never below 0xfd). Anything else goes the checked way, which gives the error.
        let rest = r.rest();
        if let Some(&items) = rest.first() {
            if items < 0xfd && limit >= 0xfd {
                let mut p = 1;
                let mut ok = true;
                for _ in 0..items {
                    match rest.get(p) {
                        Some(&len) if len < 0xfd && p + 1 + usize::from(len) <= rest.len() => {
                            p += 1 + usize::from(len);
                        }
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok {
                    r.advance(p);
                    return Ok(items != 0);
                }
            }
        }
        Self::skip_checked(r, limit)
    }

    /// [`skip`](Self::skip) the checked way, out of the hot path.
    #[inline(never)]
    fn skip_checked(r: &mut Reader<'_>, limit: usize) -> Result<bool, DecodeError> {
        let items = r.read_count("witness items", limit, 1)?;
        for _ in 0..items {
            r.skip_var_bytes("witness item", limit)?;
        }
        Ok(items != 0)
    }

    /// The stack at `start..end` of a payload.
    #[inline]
    pub(crate) fn from_payload(r: &Reader<'_>, start: usize, end: usize) -> Self {
        Witness {
            raw: r.slice_between(start, end),
            start: 0,
            end: 0,
        }
    }

    /// The first input's stack of the transaction whose wire form is `tx`, kept with it: the stack is
    /// `tx[start..end]` (empty if `start == end`, for a legacy serialization). Transactions too long for the
    /// offsets (impossible on the wire) keep only the stack.
    pub(crate) fn with_tx(tx: Bytes, start: usize, end: usize) -> Self {
        match (u32::try_from(start), u32::try_from(end), u32::try_from(tx.len())) {
            (Ok(s), Ok(e), Ok(_)) if e != 0 && s <= e => Witness {
                raw: tx,
                start: s,
                end: e,
            },
            _ if start < end => Witness {
                raw: tx.slice(start..end),
                start: 0,
                end: 0,
            },
            _ => Witness::new(),
        }
    }

    /// The wire form of the transaction this stack was decoded in, if it was its first input's.
    #[inline]
    pub(crate) fn tx_wire(&self) -> Option<TxWire<'_>> {
        if self.end == 0 {
            return None;
        }
        Some(TxWire {
            bytes: &self.raw,
            witness_start: (self.start < self.end).then_some(self.start as usize),
        })
    }

    /// True if this stack's serialization is `wire` (by address when it is the same slice of one payload).
    #[inline]
    pub(crate) fn is_wire(&self, wire: &[u8]) -> bool {
        let own = self.wire();
        own.len() == wire.len()
            && (own.as_ptr() == wire.as_ptr() || (own.len() == 1 && own[0] == wire[0]) || own == wire)
    }

    pub(crate) fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(self.wire());
    }
}

impl PartialEq for Witness {
    fn eq(&self, other: &Self) -> bool {
        self.wire() == other.wire()
    }
}

impl Eq for Witness {}

impl Hash for Witness {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.wire().hash(state);
    }
}

impl Default for Witness {
    fn default() -> Self {
        Witness::new()
    }
}

impl From<Vec<Bytes>> for Witness {
    fn from(items: Vec<Bytes>) -> Self {
        Witness::from_items(items)
    }
}

impl From<Vec<Vec<u8>>> for Witness {
    fn from(items: Vec<Vec<u8>>) -> Self {
        Witness::from_items(items)
    }
}

impl fmt::Debug for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|i| i.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            )
            .finish()
    }
}

/// The items of a [`Witness`].
#[derive(Debug, Clone)]
pub struct WitnessIter<'a> {
    rest: &'a [u8],
    remaining: usize,
}

impl<'a> Iterator for WitnessIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let mut r = SliceReader(self.rest);
        let len = r.varint()? as usize;
        let item = r.0.get(..len)?;
        self.rest = &r.0[len..];
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a> IntoIterator for &'a Witness {
    type Item = &'a [u8];
    type IntoIter = WitnessIter<'a>;
    fn into_iter(self) -> WitnessIter<'a> {
        self.iter()
    }
}

/// Reads varints from a serialization this type produced or validated, so lengths are known to be in range.
struct SliceReader<'a>(&'a [u8]);

impl SliceReader<'_> {
    fn varint(&mut self) -> Option<u64> {
        let (&first, rest) = self.0.split_first()?;
        let width = match first {
            0xfd => 2,
            0xfe => 4,
            0xff => 8,
            b => {
                self.0 = rest;
                return Some(u64::from(b));
            }
        };
        let bytes = rest.get(..width)?;
        self.0 = &rest[width..];
        Some(bytes.iter().rev().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_through_the_wire_form() {
        let big = vec![7u8; 300];
        let w = Witness::from_items([&b""[..], &[1, 2, 3], &big]);
        assert_eq!(w.len(), 3);
        let items: Vec<&[u8]> = w.iter().collect();
        assert_eq!(items, [&b""[..], &[1, 2, 3], &big[..]]);
        let bytes = Bytes::copy_from_slice(w.as_wire_bytes());
        let decoded = Witness::decode(&mut Reader::new(&bytes, 0), 1000).unwrap();
        assert_eq!(decoded, w);
        assert_eq!(decoded.to_vec()[2], Bytes::from(big));
    }

    #[test]
    fn empty_witness_is_a_single_zero_byte() {
        let w = Witness::new();
        assert!(w.is_empty());
        assert_eq!(w.as_wire_bytes(), &[0]);
        assert_eq!(w.iter().count(), 0);
    }
}
