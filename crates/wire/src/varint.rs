//! The protocol's variable-length integer: one byte below 0xfd, else a marker byte and 2, 4 or 8 little-endian
//! bytes. Only the shortest encoding of a value is accepted, so every value has exactly one wire form.

use crate::encode::{Reader, Sink};
use crate::error::{DecodeError, ErrorKind};

/// Reads a canonical varint.
#[inline]
pub fn read(r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    let start = r.offset();
    let (value, min) = match r.read_u8()? {
        0xff => (r.read_u64_le()?, 1u64 << 32),
        0xfe => (u64::from(r.read_u32_le()?), 0x1_0000),
        0xfd => (u64::from(r.read_u16_le()?), 0xfd),
        b => return Ok(u64::from(b)),
    };
    if value < min {
        return Err(DecodeError::new(ErrorKind::NonCanonicalVarInt { value }, start as u64));
    }
    Ok(value)
}

/// Writes the shortest encoding of `v`.
#[inline]
pub fn write<S: Sink + ?Sized>(out: &mut S, v: u64) {
    if v < 0xfd {
        out.put_u8(v as u8);
    } else if v <= 0xffff {
        out.put_u8(0xfd);
        out.put_u16_le(v as u16);
    } else if v <= 0xffff_ffff {
        out.put_u8(0xfe);
        out.put_u32_le(v as u32);
    } else {
        out.put_u8(0xff);
        out.put_u64_le(v);
    }
}

/// The encoded size of `v`: 1, 3, 5 or 9.
pub fn len(v: u64) -> usize {
    match v {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn decode(b: &[u8]) -> Result<u64, DecodeError> {
        let b = Bytes::copy_from_slice(b);
        read(&mut Reader::new(&b, 0))
    }

    #[test]
    fn boundaries_round_trip_at_their_shortest_length() {
        for v in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 1 << 32, u64::MAX] {
            let mut out = Vec::new();
            write(&mut out, v);
            assert_eq!(out.len(), len(v));
            assert_eq!(decode(&out).unwrap(), v);
        }
    }

    #[test]
    fn rejects_every_non_canonical_form() {
        for b in [
            &[0xfd, 0xfc, 0x00][..],
            &[0xfe, 0xff, 0xff, 0, 0],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
        ] {
            assert!(
                matches!(decode(b).unwrap_err().kind, ErrorKind::NonCanonicalVarInt { .. }),
                "{b:02x?}"
            );
        }
    }
}
