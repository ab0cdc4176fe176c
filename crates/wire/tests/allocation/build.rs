//! Worst-case payloads written byte by byte: the most elements the length allows, each as small as the wire
//! format lets it be.

/// The canonical varint encoding of `n`.
pub fn varint(n: usize) -> Vec<u8> {
    let n = n as u64;
    match n {
        0..=0xfc => vec![n as u8],
        0xfd..=0xffff => [&[0xfd][..], &(n as u16).to_le_bytes()].concat(),
        0x1_0000..=0xffff_ffff => [&[0xfe][..], &(n as u32).to_le_bytes()].concat(),
        _ => [&[0xff][..], &n.to_le_bytes()].concat(),
    }
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub fn zeros(n: usize) -> Vec<u8> {
    vec![0; n]
}

/// `count` copies of `element` after their varint count.
pub fn list(count: usize, element: &[u8]) -> Vec<u8> {
    let mut v = varint(count);
    v.reserve(count * element.len());
    for _ in 0..count {
        v.extend_from_slice(element);
    }
    v
}

/// The most `each`-byte elements that fit in `budget` bytes together with their varint count.
pub fn fit(budget: usize, each: usize) -> usize {
    let mut n = budget / each;
    while n > 0 && varint(n).len() + n * each > budget {
        n -= 1;
    }
    n
}

/// Pads `payload` with zeros to `len` bytes.
pub fn pad(mut payload: Vec<u8>, len: usize) -> Vec<u8> {
    assert!(payload.len() <= len, "{} bytes do not fit in {len}", payload.len());
    payload.resize(len, 0);
    payload
}

/// Bitcoin transactions.
pub mod btc {
    use super::*;

    /// The smallest input: a zero outpoint, an empty script, the sequence.
    pub const INPUT: [u8; 41] = [0; 41];
    /// The smallest output: the value and an empty script.
    pub const OUTPUT: [u8; 9] = [0; 9];

    /// A legacy transaction of `inputs` smallest inputs (at least one, or it reads as segwit) and `outputs`
    /// smallest outputs.
    pub fn tx(inputs: usize, outputs: usize) -> Vec<u8> {
        assert!(inputs > 0);
        cat(&[
            &1i32.to_le_bytes(),
            &list(inputs, &INPUT),
            &list(outputs, &OUTPUT),
            &[0; 4],
        ])
    }

    /// One input and as many outputs as fit in `budget` bytes.
    pub fn most_outputs(budget: usize) -> Vec<u8> {
        tx(1, fit(budget - 4 - 1 - 41 - 4, OUTPUT.len()))
    }

    /// As many inputs as fit in `budget` bytes, and no output.
    pub fn most_inputs(budget: usize) -> Vec<u8> {
        tx(fit(budget - 4 - 1 - 4, INPUT.len()), 0)
    }

    /// The start of a transaction with one input that announces as many outputs as `budget` bytes could
    /// hold, and holds none of them.
    pub fn announcing_outputs(budget: usize) -> Vec<u8> {
        let n = fit(budget - 4 - 1 - 41 - 4, OUTPUT.len());
        cat(&[&1i32.to_le_bytes(), &list(1, &INPUT), &varint(n)])
    }
}

/// Decred transactions.
pub mod dcr {
    use super::*;

    /// The version field: version 1 and the serialization type.
    fn field(ser_type: u32) -> [u8; 4] {
        (1 | ser_type << 16).to_le_bytes()
    }

    /// The smallest prefix input: a zero outpoint and the sequence.
    pub const PREFIX_INPUT: [u8; 41] = [0; 41];
    /// The smallest witness input: value, height, index and an empty script.
    pub const WITNESS_INPUT: [u8; 17] = [0; 17];
    /// The smallest output: value, script version and an empty script.
    pub const OUTPUT: [u8; 11] = [0; 11];

    /// A witness-only transaction of `inputs` smallest inputs (5 bytes with none: the smallest transaction).
    pub fn witness_only(inputs: usize) -> Vec<u8> {
        cat(&[&field(2), &list(inputs, &WITNESS_INPUT)])
    }

    /// A full transaction of `inputs` smallest inputs and `outputs` smallest outputs.
    pub fn full(inputs: usize, outputs: usize) -> Vec<u8> {
        cat(&[
            &field(0),
            &list(inputs, &PREFIX_INPUT),
            &list(outputs, &OUTPUT),
            &[0; 8],
            &list(inputs, &WITNESS_INPUT),
        ])
    }

    /// A prefix-only transaction of `inputs` smallest inputs and no output.
    pub fn prefix_only(inputs: usize) -> Vec<u8> {
        cat(&[&field(1), &list(inputs, &PREFIX_INPUT), &[0], &[0; 8]])
    }

    /// A witness-only transaction with as many inputs as fit in `budget` bytes.
    pub fn most_witness_inputs(budget: usize) -> Vec<u8> {
        witness_only(fit(budget - 4, WITNESS_INPUT.len()))
    }

    /// A full transaction without inputs and with as many outputs as fit in `budget` bytes.
    pub fn most_outputs(budget: usize) -> Vec<u8> {
        full(0, fit(budget - 4 - 1 - 8 - 1, OUTPUT.len()))
    }

    /// A prefix-only transaction with as many inputs as fit in `budget` bytes.
    pub fn most_prefix_inputs(budget: usize) -> Vec<u8> {
        prefix_only(fit(budget - 4 - 1 - 8, PREFIX_INPUT.len()))
    }

    /// The start of a witness-only transaction that announces as many inputs as `budget` bytes could hold,
    /// and holds none of them.
    pub fn announcing_inputs(budget: usize) -> Vec<u8> {
        cat(&[&field(2), &varint(fit(budget - 4, WITNESS_INPUT.len()))])
    }
}
