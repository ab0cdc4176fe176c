//! Payload types both dialects share: addresses, inventory vectors, the version message, block locators and
//! service flags. Each dialect's own types live in [`bitcoin`](crate::bitcoin) and [`decred`](crate::decred).

mod inventory;
mod locator;
mod net_addr;
mod services;
mod version;

pub use inventory::{InvType, Inventory, MAX_INV_PER_MSG};
pub use locator::{BlockLocator, MAX_LOCATOR_HASHES};
pub use net_addr::{NetAddress, TimedNetAddress, MAX_ADDR_PER_MSG};
pub use services::ServiceFlags;
pub use version::{VersionMessage, MAX_USER_AGENT_LEN};
