//! Inputs that once made the `connection` fuzz target fail, replayed through the target's own body (included
//! from `fuzz/src`), so that each stays fixed. Each input is what the fuzzer wrote, minimized; the format is
//! documented in `fuzz/src/peer/mod.rs`.

#[allow(dead_code)]
#[path = "../../../fuzz/src/input.rs"]
mod input;
#[allow(dead_code)]
#[path = "../../../fuzz/src/peer/mod.rs"]
mod peer;

use input::{command, framed, Input};

fn replay(hex: &str) {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    peer::fuzz(&bytes);
}

/// An outbound Bitcoin connection that defers its answer to the remote's version gets a second version before
/// the application decides: the handshake fails, and the verack it had queued (never approved, and with our
/// own version never written) left as a "final" message along with the failure.
#[test]
fn a_failed_handshake_sends_no_verack_the_application_did_not_approve() {
    replay("28ee83249240ee07000000832462000000008324");
}

/// With tiny memory caps, accepting a deferred version queued our version, `sendaddrv2` and verack; the first
/// took the queue over `max_queued_bytes` and closed the connection (slow reader), yet the rest were queued
/// after it had closed, so a connection that had reported `Disconnected` still had frames to write (and, had
/// the verack already arrived, it would have been reopened).
#[test]
fn a_connection_closed_while_answering_the_handshake_queues_nothing_more() {
    replay("cecececece316f6f6f6f6f6f6f6f686731316f6f6f6f6f686731");
}

/// A trickle of 2,736 queued transactions leaves as three `inv` batches; the first took the queue over its cap
/// and closed the connection (slow reader), and the other two were queued after it had closed: 62,822 bytes
/// held by a connection that had reported `Disconnected`, ten times its 6 KiB cap.
#[test]
fn a_trickle_that_closes_the_connection_queues_no_further_batch() {
    replay("131313131331131310131313131303abf6b8ab7a85ab08");
}
