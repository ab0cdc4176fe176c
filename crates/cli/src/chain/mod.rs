//! Block headers as the CLI keeps them: a strictly checked chain downloaded from one peer (`connect`), and a
//! lenient store of everything heard from many peers, with the best chain and locator lookups (`listen`).

mod check;
mod header;
mod store;
#[cfg(test)]
mod tests;

// Outside this module only the tests name `ChainError` so far; the re-export keeps `crate::chain::ChainError` where
// it was before the split.
#[allow(unused_imports)]
pub(crate) use check::ChainError;
pub(crate) use check::HeaderChain;
pub(crate) use header::ChainHeader;
pub(crate) use store::{Added, HeaderStore};
