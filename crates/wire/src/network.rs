//! Networks are values: a name, a magic, a dialect and a default port. The built-in nets are constants, and a
//! fork of either family is one [`Network::custom`] call away, with no change to this crate.

use crate::hash::sha256d;
use std::borrow::Cow;
use std::fmt;

/// The two families of wire protocol this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Bitcoin and its forks: double SHA-256 checksums, 80-byte headers, segwit, BIP155 addrv2.
    Bitcoin,
    /// Decred: BLAKE-256 checksums, 180-byte headers, prefix/witness transactions, mixing messages.
    Decred,
}

impl Dialect {
    /// The largest message (payload) the dialect accepts, whatever its type: Bitcoin 4,000,000 bytes, Decred
    /// 32 MiB.
    pub const fn max_message_len(self) -> u32 {
        match self {
            Dialect::Bitcoin => 4_000_000,
            Dialect::Decred => 32 * 1024 * 1024,
        }
    }

    /// The header checksum of `payload`: the first four bytes of double SHA-256 (Bitcoin) or of BLAKE-256
    /// (Decred).
    pub fn checksum(self, payload: &[u8]) -> [u8; 4] {
        let h = match self {
            Dialect::Bitcoin => sha256d(payload).0,
            Dialect::Decred => crate::decred::blake256::blake256(payload),
        };
        [h[0], h[1], h[2], h[3]]
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Bitcoin => "bitcoin",
            Dialect::Decred => "decred",
        })
    }
}

/// A peer-to-peer network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Network {
    name: Cow<'static, str>,
    magic: u32,
    dialect: Dialect,
    default_port: u16,
}

macro_rules! builtin {
    ($($(#[$doc:meta])* $id:ident = $name:literal, $magic:literal, $dialect:ident, $port:literal;)*) => {
        impl Network {
            $($(#[$doc])* pub const $id: Network = Network {
                name: Cow::Borrowed($name),
                magic: $magic,
                dialect: Dialect::$dialect,
                default_port: $port,
            };)*

            /// Every built-in network.
            pub const BUILTIN: &'static [Network] = &[$(Network::$id),*];
        }
    };
}

builtin! {
    /// Bitcoin mainnet.
    BITCOIN = "bitcoin", 0xd9b4_bef9, Bitcoin, 8333;
    /// Bitcoin's third test network.
    BITCOIN_TESTNET3 = "bitcoin-testnet3", 0x0709_110b, Bitcoin, 18333;
    /// Bitcoin's fourth test network (BIP94).
    BITCOIN_TESTNET4 = "bitcoin-testnet4", 0x283f_161c, Bitcoin, 48333;
    /// Bitcoin's default signet.
    BITCOIN_SIGNET = "bitcoin-signet", 0x40cf_030a, Bitcoin, 38333;
    /// Bitcoin regression test network.
    BITCOIN_REGTEST = "bitcoin-regtest", 0xdab5_bffa, Bitcoin, 18444;
    /// btcd's simulation network.
    BITCOIN_SIMNET = "bitcoin-simnet", 0x1214_1c16, Bitcoin, 18555;
    /// Litecoin mainnet.
    LITECOIN = "litecoin", 0xdbb6_c0fb, Bitcoin, 9333;
    /// Litecoin regtest, which shares Bitcoin regtest's magic.
    LITECOIN_REGTEST = "litecoin-regtest", 0xdab5_bffa, Bitcoin, 19444;
    /// Bitcoin SV mainnet.
    BSV = "bsv", 0xe8f3_e1e3, Bitcoin, 8333;
    /// Bitcoin SV regtest, whose magic is Bitcoin regtest's byte-reversed.
    BSV_REGTEST = "bsv-regtest", 0xfabf_b5da, Bitcoin, 18444;
    /// Decred mainnet.
    DECRED = "decred", 0xd9b4_00f9, Decred, 9108;
    /// Decred's third test network.
    DECRED_TESTNET3 = "decred-testnet3", 0xb194_aa75, Decred, 19108;
    /// Decred's simulation network.
    DECRED_SIMNET = "decred-simnet", 0x1214_1c16, Decred, 18555;
    /// Decred's regression test network.
    DECRED_REGNET = "decred-regnet", 0xdab5_00fa, Decred, 18655;
}

impl Network {
    /// A network this crate does not know: a fork, a private test net, a node with a non-standard magic.
    pub fn custom(name: impl Into<String>, magic: u32, dialect: Dialect, default_port: u16) -> Self {
        Network {
            name: Cow::Owned(name.into()),
            magic,
            dialect,
            default_port,
        }
    }

    /// The built-in network called `name` (e.g. `bitcoin-regtest`, `decred-simnet`).
    pub fn from_name(name: &str) -> Option<Network> {
        Self::BUILTIN.iter().find(|n| n.name == name).cloned()
    }

    /// The network's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The magic, sent little-endian as the first four bytes of every message.
    pub fn magic(&self) -> u32 {
        self.magic
    }

    /// The wire dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The conventional listening port.
    pub fn default_port(&self) -> u16 {
        self.default_port
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for n in Network::BUILTIN {
            assert_eq!(Network::from_name(n.name()).as_ref(), Some(n));
            assert_eq!(Network::BUILTIN.iter().filter(|m| m.name() == n.name()).count(), 1);
        }
        assert!(Network::from_name("dogecoin").is_none());
    }

    #[test]
    fn magics_are_sent_little_endian() {
        assert_eq!(Network::BITCOIN.magic().to_le_bytes(), [0xf9, 0xbe, 0xb4, 0xd9]);
        assert_eq!(Network::BITCOIN_REGTEST.magic().to_le_bytes(), [0xfa, 0xbf, 0xb5, 0xda]);
        assert_eq!(Network::BSV.magic().to_le_bytes(), [0xe3, 0xe1, 0xf3, 0xe8]);
        assert_eq!(Network::BSV_REGTEST.magic().to_le_bytes(), [0xda, 0xb5, 0xbf, 0xfa]);
    }

    #[test]
    fn empty_payload_checksums_match_the_references() {
        assert_eq!(Dialect::Bitcoin.checksum(b""), [0x5d, 0xf6, 0xe0, 0xe2]);
        assert_eq!(Dialect::Decred.checksum(b""), [0x71, 0x6f, 0x6e, 0x86]);
    }
}
