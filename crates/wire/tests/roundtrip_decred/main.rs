//! Every Decred message survives encode -> frame -> decode -> encode at every protocol version where it exists,
//! and the version-gating table holds in both directions.

mod gating;
mod messages;
mod mixing;
mod round_trip;
mod values;
