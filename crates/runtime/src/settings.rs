//! The state machine's configuration for a peer: derived from its `PeerConfig`, and shared by every peer
//! whose settings are the same, as a node's peers are (one `Arc<Config>` for all instead of ~0.5 KiB each).

use crate::{Dialect, PeerConfig};
use coinpeer_protocol::Config;
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Configurations in use by live peers, the newest last. A process has few distinct ones, so a short list
/// searched in full is enough; entries no peer uses any more are pruned as new ones come in.
static IN_USE: Mutex<Vec<Weak<Config>>> = Mutex::new(Vec::new());

/// The most configurations remembered: an application that gives every peer settings of its own (a
/// version hook per peer, say) shares nothing, and must not pay a search of every live peer per start.
const REMEMBERED: usize = 64;

/// The state machine's settings for `config`: an existing `Arc` when a live peer has equal ones.
pub(crate) fn protocol_config<D: Dialect>(config: &PeerConfig<D>) -> Arc<Config> {
    let live: Vec<Arc<Config>> = {
        let mut in_use = lock();
        in_use.retain(|w| w.strong_count() > 0);
        in_use.iter().filter_map(Weak::upgrade).collect()
    };
    // Compared, and the others dropped, outside the lock: dropping the last handle on a configuration runs
    // the application's version hook's destructor, which may start a peer.
    if let Some(same) = live.iter().find(|c| derived_from(c, config)) {
        debug_assert!(**same == derive(config), "derived_from and derive disagree");
        return same.clone();
    }
    let fresh = Arc::new(derive(config));
    let mut in_use = lock();
    in_use.push(Arc::downgrade(&fresh));
    if in_use.len() > REMEMBERED {
        in_use.remove(0);
    }
    fresh
}

fn lock() -> std::sync::MutexGuard<'static, Vec<Weak<Config>>> {
    IN_USE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether `c`, which `derive` made, is what it makes of `config`: compared field by field, the fields
/// `derive` sets (the others keep `Config::new`'s values), so that finding a peer's shared configuration
/// copies nothing, its user agent's strings included.
fn derived_from<D: Dialect>(c: &Config, config: &PeerConfig<D>) -> bool {
    let cap = usize::try_from(config.max_queued_bytes).unwrap_or(usize::MAX);
    c.network == config.network
        && c.handshake == config.handshake
        && c.idle_timeout == config.idle_timeout
        && c.ping_timeout == config.idle_timeout
        && c.ping_interval == config.ping_interval
        && c.trickle_interval == config.trickle_interval
        && c.stall == config.stall
        && c.max_queued_bytes == cap
        && c.send_buffer == cap
        && c.nonces == config.nonces
        && c.defer_version_decision != config.listeners.is_empty()
}

fn derive<D: Dialect>(config: &PeerConfig<D>) -> Config {
    let mut c = Config::new(config.network.clone());
    c.handshake = config.handshake.clone();
    c.idle_timeout = config.idle_timeout;
    c.ping_timeout = config.idle_timeout;
    c.ping_interval = config.ping_interval;
    c.trickle_interval = config.trickle_interval;
    c.stall = config.stall;
    let cap = usize::try_from(config.max_queued_bytes).unwrap_or(usize::MAX);
    // `queue_message` never waits: a full queue means a slow reader, as the cap always has.
    c.max_queued_bytes = cap;
    c.send_buffer = cap;
    c.nonces = config.nonces.clone();
    // Listeners may refuse a version: the answer waits for them.
    c.defer_version_decision = !config.listeners.is_empty();
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bitcoin;
    use coinpeer_wire::Network;
    use std::time::Duration;

    #[test]
    fn peers_with_equal_settings_share_one_configuration() {
        let a = PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).build();
        let b = a.clone();
        let (ca, cb) = (protocol_config(&a), protocol_config(&b));
        assert!(Arc::ptr_eq(&ca, &cb));

        let mut other = a.clone();
        other.idle_timeout = Duration::from_secs(7);
        let co = protocol_config(&other);
        assert!(!Arc::ptr_eq(&ca, &co));
        assert_eq!(co.idle_timeout, Duration::from_secs(7));

        // Same settings but a nonce cache of its own: not the same configuration.
        let mut own_nonces = a.clone();
        own_nonces.nonces = coinpeer_cache::NonceCache::default();
        assert!(!Arc::ptr_eq(&ca, &protocol_config(&own_nonces)));
    }

    #[test]
    fn a_configuration_is_found_exactly_when_derive_would_make_an_equal_one() {
        let base = PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).build();
        // Every field of PeerConfig, named so that a new one fails to compile here until it has a change
        // below: derive() may come to read it, and derived_from must then compare it.
        let PeerConfig {
            network: _,
            handshake: _,
            newest_block: _,
            host_to_address: _,
            idle_timeout: _,
            ping_interval: _,
            max_queued_bytes: _,
            trickle_interval: _,
            stall: _,
            nonces: _,
            listeners: _,
            send_buffer: _,
            events: _,
        } = &base;
        type Change = (&'static str, fn(&mut PeerConfig<Bitcoin>));
        let changes: Vec<Change> = vec![
            ("network", |c| c.network = Network::BITCOIN_TESTNET3),
            ("user agent", |c| c.handshake.user_agent.name.push('x')),
            ("relay", |c| c.handshake.relay = !c.handshake.relay),
            ("newest_block", |c| c.newest_block = Some(Arc::new(|| Ok(7)))),
            ("host_to_address", |c| {
                c.host_to_address = Some(Arc::new(|_| {
                    coinpeer_wire::messages::NetAddress::unspecified(Default::default())
                }))
            }),
            ("idle_timeout", |c| c.idle_timeout += Duration::from_secs(1)),
            ("ping_interval", |c| c.ping_interval = None),
            ("max_queued_bytes", |c| c.max_queued_bytes += 1),
            ("trickle_interval", |c| {
                c.trickle_interval = crate::TrickleInterval::Fixed(Duration::from_millis(7))
            }),
            ("stall", |c| c.stall = None),
            ("nonces", |c| c.nonces = coinpeer_cache::NonceCache::default()),
            ("listeners", |c| c.listeners.push(Arc::new(NoListener))),
            ("send_buffer", |c| c.send_buffer += 1),
            ("events", |c| c.events = Some(3)),
        ];
        let made = derive(&base);
        assert!(derived_from(&made, &base));
        let mut seen = 0;
        for (what, change) in changes {
            let mut other = base.clone();
            change(&mut other);
            // Found exactly when derive() would make the same configuration of it.
            let same = derive(&other) == made;
            assert_eq!(derived_from(&made, &other), same, "{what}");
            assert!(derived_from(&derive(&other), &other), "{what}");
            seen += usize::from(!same);
        }
        assert_eq!(seen, 10, "the settings derive() reads");
    }

    struct NoListener;
    impl crate::BitcoinListener for NoListener {}

    #[test]
    fn distinct_configurations_beyond_the_remembered_few_are_not_shared_but_still_work() {
        let base = PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).build();
        let held: Vec<_> = (0..2 * REMEMBERED as u64)
            .map(|i| {
                let mut c = base.clone();
                c.idle_timeout = Duration::from_secs(50_000 + i);
                protocol_config(&c)
            })
            .collect();
        assert!(lock().len() <= REMEMBERED);
        // The newest are still found.
        let mut newest = base.clone();
        newest.idle_timeout = Duration::from_secs(50_000 + 2 * REMEMBERED as u64 - 1);
        assert!(Arc::ptr_eq(&protocol_config(&newest), held.last().unwrap()));
    }

    #[test]
    fn a_configuration_no_peer_uses_is_not_kept() {
        let mut c = PeerConfig::<Bitcoin>::builder(Network::BITCOIN_REGTEST).build();
        c.idle_timeout = Duration::from_secs(12_345);
        let weak = Arc::downgrade(&protocol_config(&c));
        assert!(weak.upgrade().is_none());
    }
}
