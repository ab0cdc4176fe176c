//! Service flags, a bit set each node advertises. The bits mean different things in each dialect, so the
//! constants are named per dialect.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};

/// The services a node offers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServiceFlags(pub u64);

impl ServiceFlags {
    /// No services.
    pub const NONE: ServiceFlags = ServiceFlags(0);
    /// Both dialects: a full node that serves blocks.
    pub const NETWORK: ServiceFlags = ServiceFlags(1);
    /// Bitcoin: BIP64 getutxo.
    pub const BTC_GETUTXO: ServiceFlags = ServiceFlags(1 << 1);
    /// Bitcoin: BIP37 bloom filters.
    pub const BTC_BLOOM: ServiceFlags = ServiceFlags(1 << 2);
    /// Bitcoin: segregated witness (BIP144).
    pub const BTC_WITNESS: ServiceFlags = ServiceFlags(1 << 3);
    /// Bitcoin: xthin blocks.
    pub const BTC_XTHIN: ServiceFlags = ServiceFlags(1 << 4);
    /// Bitcoin: bit 5, as btcd names it.
    pub const BTC_BIT5: ServiceFlags = ServiceFlags(1 << 5);
    /// Bitcoin: BIP157 compact filters.
    pub const BTC_COMPACT_FILTERS: ServiceFlags = ServiceFlags(1 << 6);
    /// Bitcoin: segwit2x.
    pub const BTC_2X: ServiceFlags = ServiceFlags(1 << 7);
    /// Bitcoin: BIP159 network-limited (recent blocks only).
    pub const BTC_NETWORK_LIMITED: ServiceFlags = ServiceFlags(1 << 10);
    /// Bitcoin: BIP324 v2 transport.
    pub const BTC_P2P_V2: ServiceFlags = ServiceFlags(1 << 11);
    /// Decred: bloom filters.
    pub const DCR_BLOOM: ServiceFlags = ServiceFlags(1 << 1);
    /// Decred: committed filters.
    pub const DCR_CF: ServiceFlags = ServiceFlags(1 << 2);

    /// True if every bit of `other` is set.
    pub fn contains(self, other: ServiceFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for ServiceFlags {
    type Output = ServiceFlags;
    fn bitor(self, rhs: Self) -> Self {
        ServiceFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for ServiceFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for ServiceFlags {
    type Output = ServiceFlags;
    fn bitand(self, rhs: Self) -> Self {
        ServiceFlags(self.0 & rhs.0)
    }
}

impl fmt::Debug for ServiceFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceFlags({:#x})", self.0)
    }
}

impl fmt::Display for ServiceFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
