//! Listeners: every message type of each dialect reaches exactly its own listener method, handshake-only
//! messages after the handshake disconnect, read/write hooks count every message, listeners may call back into
//! their peer, run in order, and a panic or a refusal affects only the peer concerned.

#[path = "../support/mod.rs"]
mod support;

mod common;
mod recorder;
mod samples;

mod callbacks;
mod dispatch;
mod failures;
mod hooks;
mod late_handshake;
mod order;

use std::time::Duration;

/// How long any single expected event may take; far above what an in-memory pair needs.
const WAIT: Duration = Duration::from_secs(5);
