//! What a handshake needs from its caller besides messages: who we are and what we accept.

use crate::UserAgent;
use coinpeer_wire::messages::{ServiceFlags, VersionMessage};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A caller's decision on a remote's version message: `Err(reason)` refuses the peer.
pub type VersionHook = Arc<dyn Fn(&VersionMessage) -> Result<(), String> + Send + Sync>;

/// The default time a handshake may take.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on messages the remote may send between its version and its verack.
pub const DEFAULT_MAX_MESSAGES_BEFORE_VERACK: usize = 32;

/// How we present ourselves and what we accept.
#[derive(Clone)]
pub struct HandshakeConfig {
    /// Our user agent.
    pub user_agent: UserAgent,
    /// Services we advertise.
    pub services: ServiceFlags,
    /// The protocol version we send; `None` for the dialect's newest.
    pub max_version: Option<u32>,
    /// The oldest remote version accepted; `None` for the dialect's default (Bitcoin 70001, Decred 9).
    pub min_version: Option<u32>,
    /// Ask the remote to relay transactions to us (the version message's relay flag).
    pub relay: bool,
    /// Bitcoin: announce `sendaddrv2` when both sides are at 70016 or newer.
    pub addrv2: bool,
    /// Bitcoin: announce `wtxidrelay` when both sides are at 70016 or newer.
    pub wtxid_relay: bool,
    /// Accept a connection whose version carries one of our own nonces (for tests that dial themselves).
    pub allow_self_connection: bool,
    /// The connection goes through a proxy: the remote address we see is the proxy's, so none is sent.
    pub proxied: bool,
    /// How long the handshake may take.
    pub timeout: Duration,
    /// The most non-handshake messages buffered before the verack; more is a failure.
    pub max_messages_before_verack: usize,
    /// Called with the remote's version once it passed the built-in checks; may refuse the peer.
    pub on_version: Option<VersionHook>,
}

impl HandshakeConfig {
    /// A configuration for application `name` at `version` with every default.
    pub fn new(name: &str, version: &str) -> Self {
        HandshakeConfig {
            user_agent: UserAgent::new(name, version),
            ..Self::default()
        }
    }
}

impl Default for HandshakeConfig {
    fn default() -> Self {
        HandshakeConfig {
            user_agent: UserAgent::new("coinpeer", env!("CARGO_PKG_VERSION")),
            services: ServiceFlags::NONE,
            max_version: None,
            min_version: None,
            relay: true,
            addrv2: true,
            wtxid_relay: false,
            allow_self_connection: false,
            proxied: false,
            timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            max_messages_before_verack: DEFAULT_MAX_MESSAGES_BEFORE_VERACK,
            on_version: None,
        }
    }
}

/// Equal settings; the version hooks compare as the same hook (one `Arc`), since closures cannot be compared.
impl PartialEq for HandshakeConfig {
    fn eq(&self, other: &Self) -> bool {
        // Destructured, so that a new field cannot be forgotten here.
        let HandshakeConfig {
            user_agent,
            services,
            max_version,
            min_version,
            relay,
            addrv2,
            wtxid_relay,
            allow_self_connection,
            proxied,
            timeout,
            max_messages_before_verack,
            on_version,
        } = self;
        let same_hook = match (on_version, &other.on_version) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_hook
            && *user_agent == other.user_agent
            && *services == other.services
            && *max_version == other.max_version
            && *min_version == other.min_version
            && *relay == other.relay
            && *addrv2 == other.addrv2
            && *wtxid_relay == other.wtxid_relay
            && *allow_self_connection == other.allow_self_connection
            && *proxied == other.proxied
            && *timeout == other.timeout
            && *max_messages_before_verack == other.max_messages_before_verack
    }
}

impl fmt::Debug for HandshakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandshakeConfig")
            .field("user_agent", &self.user_agent)
            .field("services", &self.services)
            .field("max_version", &self.max_version)
            .field("min_version", &self.min_version)
            .field("relay", &self.relay)
            .field("addrv2", &self.addrv2)
            .field("wtxid_relay", &self.wtxid_relay)
            .field("allow_self_connection", &self.allow_self_connection)
            .field("proxied", &self.proxied)
            .field("timeout", &self.timeout)
            .field("max_messages_before_verack", &self.max_messages_before_verack)
            .field("on_version", &self.on_version.as_ref().map(|_| "<hook>"))
            .finish()
    }
}
