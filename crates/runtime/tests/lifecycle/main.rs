//! A peer's life and death: every queued message resolves exactly once at shutdown, disconnecting is idempotent
//! and race-free, cancellation works before, during and after the handshake, a finished peer has no task left
//! and its stream is closed, bad input disconnects with a typed reason (and a Bitcoin reject first), a slow
//! reader is cut off before it costs unbounded memory.

#[path = "../support/mod.rs"]
mod support;

mod common;

mod bad_input;
mod cancellation;
mod limits;
mod shutdown;
