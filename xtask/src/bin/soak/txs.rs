//! The transactions the nodes announce, and which of them a remote asks for.

use coinpeer_wire::bitcoin::{OutPoint, Transaction, TxIn, TxOut};
use coinpeer_wire::Hash256;

/// The remote asks for items whose txid starts with a byte below `256 / REQUEST_ONE_IN`, as if it had the
/// rest from other peers already.
pub const REQUEST_ONE_IN: u32 = 16;

/// Whether the remote asks for the item announced with `txid`.
pub fn wanted(txid: &Hash256) -> bool {
    u32::from(txid.0[0]) < 256 / REQUEST_ONE_IN
}

/// A small well-formed transaction in the shape of a P2PKH payment with change (226 bytes), different for
/// every seed (the output it spends and the amounts), so that its txid is too.
pub fn transaction(seed: u64) -> Transaction {
    // A DER signature's length and a compressed key's, pushed; the bytes themselves are placeholders.
    static SCRIPT_SIG: [u8; 107] = {
        let mut s = [0x30; 107];
        s[0] = 71;
        s[72] = 33;
        s[73] = 0x02;
        s
    };
    static P2PKH: [u8; 25] = {
        let mut s = [0x11; 25];
        (s[0], s[1], s[2]) = (0x76, 0xa9, 20);
        (s[23], s[24]) = (0x88, 0xac);
        s
    };
    let mut spent = [0u8; 32];
    for (i, chunk) in spent.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(seed ^ i as u64).to_le_bytes());
    }
    let amount = 10_000 + (mix(seed) % 1_000_000) as i64;
    let output = |value| TxOut {
        value,
        script_pubkey: bytes::Bytes::from_static(&P2PKH),
    };
    Transaction {
        version: 2,
        inputs: vec![TxIn {
            previous_output: OutPoint {
                txid: Hash256(spent),
                vout: (seed % 3) as u32,
            },
            script_sig: bytes::Bytes::from_static(&SCRIPT_SIG),
            sequence: 0xffff_fffd,
            ..TxIn::default()
        }],
        outputs: vec![output(amount), output(amount / 3)],
        lock_time: 0,
    }
}

/// splitmix64: a different, well-spread value for every input.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A value in [0, 1) from `seed`.
pub fn unit(seed: u64) -> f64 {
    (mix(seed) >> 11) as f64 / (1u64 << 53) as f64
}
