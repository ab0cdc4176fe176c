//! The slot reservation matrix of `mixslotres`, kept in its wire form.

use super::mix::{MAX_MIX_FIELD_VAL_LEN, MAX_MIX_MCOUNT, MAX_MIX_PEERS};
use crate::encode::{put_var_bytes, Reader, Sink};
use crate::error::{DecodeError, EncodeError};
use crate::varint;
use bytes::Bytes;
use std::fmt;

/// The matrix of a slot reservation ([`MixSlotReserve::dc_mix`](super::MixSlotReserve::dc_mix)): 1 to 1024
/// rows (mixed messages) of the same number, 1 to 512, of columns (peers), each a field element of at most
/// 32 bytes.
///
/// It is kept as its wire serialization (each value with its length byte, row after row) in one [`Bytes`],
/// a slice of the received payload when decoded: a value then costs its wire bytes and nothing more. As a
/// vector of vectors of `Bytes`, one empty value (1 byte on the wire) would take 32 bytes in memory, and a
/// half-megabyte message 16 MiB. Values are read back by row ([`iter`](Self::iter), [`row`](Self::row)) or
/// one at a time ([`get`](Self::get)); [`to_rows`](Self::to_rows) gives them as zero-copy slices.
///
/// Every value of the type is a valid matrix: [`from_rows`](Self::from_rows) refuses the rest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FieldMatrix {
    /// The values, each after its length byte, row after row.
    wire: Bytes,
    rows: u32,
    columns: u32,
}

impl FieldMatrix {
    /// A matrix of `rows`, each an iterator of values. Refuses no rows, no columns, rows of different lengths,
    /// more than 1024 rows or 512 columns, and values over 32 bytes.
    pub fn from_rows<R, V>(rows: impl IntoIterator<Item = R>) -> Result<Self, EncodeError>
    where
        R: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        let invalid = |detail: String| EncodeError::InvalidValue {
            what: "slot reservation matrix",
            detail,
        };
        let mut wire = Vec::new();
        let mut count = 0usize;
        let mut columns = None;
        for row in rows {
            count += 1;
            if count > MAX_MIX_MCOUNT {
                return Err(too_many("slot reservation messages", count, MAX_MIX_MCOUNT));
            }
            let mut n = 0usize;
            for value in row {
                let value = value.as_ref();
                if value.len() > MAX_MIX_FIELD_VAL_LEN {
                    return Err(EncodeError::InvalidValue {
                        what: "slot reservation field value",
                        detail: format!("{} bytes, at most {MAX_MIX_FIELD_VAL_LEN}", value.len()),
                    });
                }
                n += 1;
                if n > MAX_MIX_PEERS {
                    return Err(too_many("mixing peers", n, MAX_MIX_PEERS));
                }
                put_var_bytes(&mut wire, value);
            }
            match columns {
                None if n == 0 => return Err(invalid("no columns".into())),
                None => columns = Some(n),
                Some(c) if c != n => return Err(invalid(format!("rows of {c} and {n} columns"))),
                Some(_) => {}
            }
        }
        let Some(columns) = columns else {
            return Err(invalid("no rows".into()));
        };
        Ok(FieldMatrix {
            wire: wire.into(),
            rows: count as u32,
            columns: columns as u32,
        })
    }

    /// Number of rows (mixed messages).
    pub fn rows(&self) -> usize {
        self.rows as usize
    }

    /// Number of columns (peers) of every row.
    pub fn columns(&self) -> usize {
        self.columns as usize
    }

    /// The rows, first to last.
    pub fn iter(&self) -> FieldRows<'_> {
        FieldRows {
            rest: &self.wire,
            rows: self.rows(),
            columns: self.columns(),
        }
    }

    /// Row `index` (reached by reading the rows before it).
    pub fn row(&self, index: usize) -> Option<FieldRow<'_>> {
        self.iter().nth(index)
    }

    /// The value at `row`, `column`.
    pub fn get(&self, row: usize, column: usize) -> Option<&[u8]> {
        self.row(row)?.nth(column)
    }

    /// The values as zero-copy slices, row by row.
    pub fn to_rows(&self) -> Vec<Vec<Bytes>> {
        self.iter()
            .map(|row| row.map(|v| self.wire.slice_ref(v)).collect())
            .collect()
    }

    /// Reads `rows` rows of `columns` values (both already checked), keeping them as one slice.
    pub(crate) fn decode(r: &mut Reader<'_>, rows: usize, columns: usize) -> Result<Self, DecodeError> {
        let start = r.offset();
        for _ in 0..rows * columns {
            r.skip_var_bytes("slot reservation field value", MAX_MIX_FIELD_VAL_LEN)?;
        }
        Ok(FieldMatrix {
            wire: r.slice_between(start, r.offset()),
            rows: rows as u32,
            columns: columns as u32,
        })
    }

    /// Writes the row and column counts, then the values.
    pub(crate) fn encode<S: Sink + ?Sized>(&self, out: &mut S) {
        varint::write(out, u64::from(self.rows));
        varint::write(out, u64::from(self.columns));
        out.put(&self.wire);
    }
}

fn too_many(what: &'static str, count: usize, max: usize) -> EncodeError {
    EncodeError::CountTooLarge { what, count, max }
}

/// Splits the first value (its length byte, at most 32, then its bytes) off `wire`, which this module wrote or
/// checked.
fn split_value(wire: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = wire.split_first()?;
    let len = usize::from(len);
    Some((rest.get(..len)?, rest.get(len..)?))
}

impl fmt::Debug for FieldMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a FieldMatrix {
    type Item = FieldRow<'a>;
    type IntoIter = FieldRows<'a>;
    fn into_iter(self) -> FieldRows<'a> {
        self.iter()
    }
}

/// The rows of a [`FieldMatrix`].
#[derive(Clone)]
pub struct FieldRows<'a> {
    rest: &'a [u8],
    rows: usize,
    columns: usize,
}

impl<'a> Iterator for FieldRows<'a> {
    type Item = FieldRow<'a>;

    fn next(&mut self) -> Option<FieldRow<'a>> {
        if self.rows == 0 {
            return None;
        }
        self.rows -= 1;
        let mut end = 0;
        for _ in 0..self.columns {
            end += 1 + usize::from(*self.rest.get(end)?);
        }
        let (row, rest) = self.rest.split_at_checked(end)?;
        self.rest = rest;
        Some(FieldRow {
            rest: row,
            values: self.columns,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rows, Some(self.rows))
    }
}

impl ExactSizeIterator for FieldRows<'_> {}

/// The values of one row of a [`FieldMatrix`].
#[derive(Clone)]
pub struct FieldRow<'a> {
    rest: &'a [u8],
    values: usize,
}

impl<'a> Iterator for FieldRow<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.values == 0 {
            return None;
        }
        self.values -= 1;
        let (value, rest) = split_value(self.rest)?;
        self.rest = rest;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.values, Some(self.values))
    }
}

impl ExactSizeIterator for FieldRow<'_> {}

impl fmt::Debug for FieldRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.clone()
                    .map(|v| v.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_the_wire_form() {
        let m = FieldMatrix::from_rows([vec![&b""[..], &[1, 2]], vec![&[3], &[7; 32]]]).unwrap();
        assert_eq!((m.rows(), m.columns()), (2, 2));
        assert_eq!(m.get(1, 1), Some(&[7; 32][..]));
        assert_eq!(m.get(0, 0), Some(&b""[..]));
        assert_eq!(m.get(2, 0), None);
        assert_eq!(m.to_rows()[0][1], Bytes::from_static(&[1, 2]));
        let mut out = Vec::new();
        m.encode(&mut out);
        let bytes = Bytes::from(out);
        let mut r = Reader::new(&bytes, 0);
        let (rows, columns) = (r.read_varint().unwrap() as usize, r.read_varint().unwrap() as usize);
        assert_eq!(FieldMatrix::decode(&mut r, rows, columns).unwrap(), m);
        assert_eq!(
            format!("{m:?}"),
            r#"[["", "0102"], ["03", "0707070707070707070707070707070707070707070707070707070707070707"]]"#
        );
    }

    #[test]
    fn only_valid_matrices_can_be_built() {
        let detail = |e: EncodeError| match e {
            EncodeError::InvalidValue { detail, .. } => detail,
            other => other.to_string(),
        };
        let none: [[&[u8]; 0]; 0] = [];
        assert_eq!(detail(FieldMatrix::from_rows(none).unwrap_err()), "no rows");
        assert_eq!(
            detail(FieldMatrix::from_rows([[&[0u8][..]; 0]]).unwrap_err()),
            "no columns"
        );
        let ragged = [vec![&[1u8][..]], vec![&[1], &[2]]];
        assert_eq!(
            detail(FieldMatrix::from_rows(ragged).unwrap_err()),
            "rows of 1 and 2 columns"
        );
        assert_eq!(
            detail(FieldMatrix::from_rows([[[0u8; 33]]]).unwrap_err()),
            "33 bytes, at most 32"
        );
        assert!(matches!(
            FieldMatrix::from_rows(vec![[[0u8]]; 1025]).unwrap_err(),
            EncodeError::CountTooLarge { max: 1024, .. }
        ));
        assert!(matches!(
            FieldMatrix::from_rows([vec![[0u8]; 513]]).unwrap_err(),
            EncodeError::CountTooLarge { max: 512, .. }
        ));
    }
}
