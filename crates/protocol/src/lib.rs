//! The whole Bitcoin-family or Decred peer as a deterministic state machine.
#![warn(missing_docs, unreachable_pub)]

mod dialect;
mod dialects;
mod inventory;

pub use dialect::{Awaited, Control, Dialect, Expect};
pub use dialects::bitcoin::Bitcoin;
pub use dialects::decred::Decred;
pub use inventory::{InventoryRelay, TrickleInterval, MAX_INV_PER_TRICKLE};
