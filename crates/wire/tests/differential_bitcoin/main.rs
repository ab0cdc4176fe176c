//! Differential tests against the `bitcoin` crate (0.32): for every message both model, equal values encode to
//! the same payload and the same frame, and each decodes what the other wrote. Real blocks, transactions and
//! node conversations from the test data decode alike in both.
//!
//! Values are built on our side and converted; the conversions in `convert` are the only place the two models
//! meet.

#[path = "../support/mod.rs"]
mod support;

mod check;
mod convert;
mod hand_built;
mod messages;
mod props;
mod real_data;
mod strategies;

use proptest::prelude::ProptestConfig;

/// The version both sides speak: the bitcoin crate always writes the relay byte and ping nonces.
const PVER: u32 = 70_016;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
