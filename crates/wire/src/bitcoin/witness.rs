//! Segwit witness stacks, kept in their wire form.

use crate::encode::{put_var_bytes, Reader, Sink};
use crate::error::DecodeError;
use crate::varint;
use bytes::Bytes;
use std::fmt;

/// The witness stack of one input (BIP141).
///
/// It is stored as its wire serialization (item count, then each item length-prefixed) in one [`Bytes`]:
/// decoding a segwit input then costs one zero-copy slice instead of a vector and a slice per item, which is
/// most of what a witness-heavy block costs to decode. Items are read back with [`iter`](Self::iter).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Witness {
    /// Always a valid serialization, count prefix included (`[0]` when empty).
    raw: Bytes,
    items: usize,
}

impl Witness {
    /// An empty stack.
    pub fn new() -> Self {
        Witness {
            raw: Bytes::from_static(&[0]),
            items: 0,
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
            items: items.len(),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items
    }

    /// True if there are no items.
    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        *self = Witness::new();
    }

    /// The items, bottom first.
    pub fn iter(&self) -> WitnessIter<'_> {
        let mut r = SliceReader(&self.raw);
        let remaining = r.varint().unwrap_or(0) as usize;
        WitnessIter { rest: r.0, remaining }
    }

    /// The items as zero-copy slices.
    pub fn to_vec(&self) -> Vec<Bytes> {
        self.iter().map(|item| self.raw.slice_ref(item)).collect()
    }

    /// The wire serialization, count prefix included.
    pub fn as_wire_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// Reads a stack (at most `limit` items of at most `limit` bytes, each checked against the bytes left) and
    /// keeps it as one slice.
    pub(crate) fn decode(r: &mut Reader<'_>, limit: usize) -> Result<Self, DecodeError> {
        let start = r.offset();
        let items = r.read_count("witness items", limit, 1)?;
        for _ in 0..items {
            r.skip_var_bytes("witness item", limit)?;
        }
        Ok(Witness {
            raw: r.slice_between(start, r.offset()),
            items,
        })
    }

    pub(crate) fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        out.put(&self.raw);
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
        let bytes = w.as_wire_bytes().clone();
        let decoded = Witness::decode(&mut Reader::new(&bytes, 0), 1000).unwrap();
        assert_eq!(decoded, w);
        assert_eq!(decoded.to_vec()[2], Bytes::from(big));
    }

    #[test]
    fn empty_witness_is_a_single_zero_byte() {
        let w = Witness::new();
        assert!(w.is_empty());
        assert_eq!(&w.as_wire_bytes()[..], &[0]);
        assert_eq!(w.iter().count(), 0);
    }
}
