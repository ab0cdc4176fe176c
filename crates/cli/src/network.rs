//! Networks on the command line: parsing their names, the genesis hashes the CLI knows, service names.

use coinpeer_wire::messages::ServiceFlags;
use coinpeer_wire::{Dialect, Hash256, Network};

/// The help text every `--network` flag shares.
pub(crate) const NETWORK_HELP: &str = "Network: bitcoin, bitcoin-testnet3, bitcoin-testnet4, bitcoin-signet, \
    bitcoin-regtest, bitcoin-simnet, litecoin, litecoin-regtest, bsv, bsv-regtest, decred, decred-testnet3, \
    decred-simnet, decred-regnet, or custom:MAGIC:DIALECT (e.g. custom:0xfabfb5da:bitcoin; MAGIC is the u32 \
    whose little-endian bytes start each message, DIALECT bitcoin or decred)";

/// A built-in network by name, or `custom:MAGIC:DIALECT`.
pub(crate) fn parse_network(name: &str) -> Result<Network, String> {
    if let Some(n) = Network::from_name(name) {
        return Ok(n);
    }
    if let Some(rest) = name.strip_prefix("custom:") {
        let (magic, dialect) = rest.split_once(':').ok_or("custom network: custom:MAGIC:DIALECT")?;
        let magic = u32::from_str_radix(magic.trim_start_matches("0x"), 16).map_err(|e| format!("magic: {e}"))?;
        let dialect = match dialect {
            "bitcoin" => Dialect::Bitcoin,
            "decred" => Dialect::Decred,
            other => return Err(format!("unknown dialect {other:?}: bitcoin or decred")),
        };
        return Ok(Network::custom(name, magic, dialect, 0));
    }
    let known: Vec<&str> = Network::BUILTIN.iter().map(|n| n.name()).collect();
    Err(format!("unknown network {name:?}; known: {}", known.join(", ")))
}

/// Genesis block hashes of the built-in networks, in display order. Each was checked against the shared test
/// data (the regtest and simnet values are the parents of the first blocks real nodes sent in
/// `captures/`; Bitcoin mainnet's is block 0 of `bitcoin/blk_0_to_4.dat`) or against the chain parameters
/// of the reference implementations.
const GENESIS: &[(&str, &str)] = &[
    (
        "bitcoin",
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ),
    (
        "bitcoin-testnet3",
        "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    ),
    (
        "bitcoin-testnet4",
        "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    ),
    (
        "bitcoin-signet",
        "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    ),
    (
        "bitcoin-regtest",
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    ),
    (
        "bitcoin-simnet",
        "683e86bd5c6d110d91b94b97137ba6bfe02dbbdb8e3dff722a669b5d69d77af6",
    ),
    (
        "litecoin",
        "12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2",
    ),
    (
        "litecoin-regtest",
        "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9",
    ),
    // Bitcoin SV kept Bitcoin's chain up to its fork, so its genesis blocks are Bitcoin's.
    (
        "bsv",
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    ),
    (
        "bsv-regtest",
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    ),
    (
        "decred",
        "298e5cc3d985bfe7f81dc135f360abe089edd4396b86d2de66b0cef42b21d980",
    ),
    (
        "decred-testnet3",
        "a649dce53918caf422e9c711c858837e08d626ecfcd198969b24f7b634a49bac",
    ),
    (
        "decred-simnet",
        "6bef82c645999585f7255cb02672921ac2f5492820090cd635fe3a59d16b4f87",
    ),
    (
        "decred-regnet",
        "2ced94b4ae95bba344cfa043268732d230649c640f92dce2d9518823d3057cb0",
    ),
];

/// The genesis block hash of `network`, when it is a built-in network.
pub(crate) fn genesis_hash(network: &Network) -> Option<Hash256> {
    // A custom network may reuse a built-in magic, so the name decides, and only for built-in networks.
    Network::from_name(network.name())?;
    GENESIS
        .iter()
        .find(|(name, _)| *name == network.name())
        .and_then(|(_, hash)| hash.parse().ok())
}

/// Names of the service bits of each dialect, lowest bit first.
const BITCOIN_SERVICES: &[(ServiceFlags, &str)] = &[
    (ServiceFlags::NETWORK, "NETWORK"),
    (ServiceFlags::BTC_GETUTXO, "GETUTXO"),
    (ServiceFlags::BTC_BLOOM, "BLOOM"),
    (ServiceFlags::BTC_WITNESS, "WITNESS"),
    (ServiceFlags::BTC_XTHIN, "XTHIN"),
    (ServiceFlags::BTC_BIT5, "BIT5"),
    (ServiceFlags::BTC_COMPACT_FILTERS, "COMPACT_FILTERS"),
    (ServiceFlags::BTC_2X, "SEGWIT2X"),
    (ServiceFlags::BTC_NETWORK_LIMITED, "NETWORK_LIMITED"),
    (ServiceFlags::BTC_P2P_V2, "P2P_V2"),
];
const DECRED_SERVICES: &[(ServiceFlags, &str)] = &[
    (ServiceFlags::NETWORK, "NETWORK"),
    (ServiceFlags::DCR_BLOOM, "BLOOM"),
    (ServiceFlags::DCR_CF, "CF"),
];

/// Litecoin's own bits, on top of Bitcoin's (MimbleWimble extension blocks).
const LITECOIN_SERVICES: &[(ServiceFlags, &str)] = &[
    (ServiceFlags(1 << 23), "MWEB_LIGHT_CLIENT"),
    (ServiceFlags(1 << 24), "MWEB"),
];

/// The names of the bits set in `services` on `network`; a bit without a name shows as `UNKNOWN[2^N]`.
pub(crate) fn service_names(network: &Network, services: ServiceFlags) -> Vec<String> {
    let (table, extra) = match network.dialect() {
        Dialect::Bitcoin if network.name().starts_with("litecoin") => (BITCOIN_SERVICES, LITECOIN_SERVICES),
        Dialect::Bitcoin => (BITCOIN_SERVICES, &[][..]),
        Dialect::Decred => (DECRED_SERVICES, &[][..]),
    };
    (0..64)
        .map(|bit| ServiceFlags(1 << bit))
        .filter(|flag| services.contains(*flag))
        .map(|flag| match table.iter().chain(extra).find(|(f, _)| *f == flag) {
            Some((_, name)) => (*name).to_string(),
            None => format!("UNKNOWN[2^{}]", flag.0.trailing_zeros()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_network_has_a_genesis_hash() {
        for n in Network::BUILTIN {
            assert!(genesis_hash(n).is_some(), "{} has no genesis hash", n.name());
        }
        assert!(GENESIS.iter().all(|(_, h)| h.parse::<Hash256>().is_ok()));
    }

    #[test]
    fn custom_networks_have_no_genesis_even_with_a_builtin_magic() {
        let n = parse_network("custom:0xdab5bffa:bitcoin").unwrap();
        assert_eq!(n.magic(), Network::BITCOIN_REGTEST.magic());
        assert_eq!(genesis_hash(&n), None);
    }

    #[test]
    fn parses_builtin_and_custom_names_and_rejects_others() {
        assert_eq!(parse_network("decred-simnet").unwrap(), Network::DECRED_SIMNET);
        assert_eq!(
            parse_network("custom:fabfb5da:decred").unwrap().dialect(),
            Dialect::Decred
        );
        assert!(parse_network("dogecoin").unwrap_err().contains("known: bitcoin"));
        assert!(parse_network("custom:zz:bitcoin").is_err());
        assert!(parse_network("custom:0x1:litecoin").is_err());
    }

    #[test]
    fn names_service_bits_per_network_and_shows_unknown_ones() {
        // What Litecoin Core 0.21.2.1 advertises on regtest.
        let litecoin = ServiceFlags(0x100_0409);
        assert_eq!(
            service_names(&Network::LITECOIN_REGTEST, litecoin),
            ["NETWORK", "WITNESS", "NETWORK_LIMITED", "MWEB"]
        );
        assert_eq!(
            service_names(&Network::BITCOIN_REGTEST, litecoin),
            ["NETWORK", "WITNESS", "NETWORK_LIMITED", "UNKNOWN[2^24]"]
        );
        assert_eq!(
            service_names(&Network::DECRED_SIMNET, ServiceFlags(1 | 4)),
            ["NETWORK", "CF"]
        );
        assert!(service_names(&Network::BITCOIN, ServiceFlags::NONE).is_empty());
    }
}
