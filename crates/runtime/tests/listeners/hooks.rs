//! on_read / on_write: the read and write hooks count every message on both sides, as the statistics do.

use crate::common::{btc_listener, handshake_calls, recorded_pair};
use crate::recorder::Io;
use crate::samples::inventory;
use crate::support::quiet;
use coinpeer_runtime::{Bitcoin, Outcome};
use coinpeer_wire::bitcoin as btc;
use coinpeer_wire::Network;

#[tokio::test]
async fn read_and_write_hooks_count_every_message_on_both_sides() {
    let (a, b, b_rec, a_rec) = recorded_pair::<Bitcoin>(
        quiet(Network::BITCOIN_REGTEST),
        quiet(Network::BITCOIN_REGTEST),
        btc_listener,
        handshake_calls::<Bitcoin>(),
    )
    .await;
    assert_eq!(a_rec.io(), Io::default(), "the handshake is not reported to the hooks");
    assert_eq!(b_rec.io(), Io::default());
    const A_TO_B: usize = 25;
    const B_TO_A: usize = 13;
    for i in 0..A_TO_B {
        let msg = if i % 2 == 0 {
            btc::Message::FeeFilter(i as i64)
        } else {
            btc::Message::Inv(inventory())
        };
        assert_eq!(a.send(msg).await.await, Outcome::Sent);
    }
    for _ in 0..B_TO_A {
        assert_eq!(b.send(btc::Message::GetAddr).await.await, Outcome::Sent);
    }
    // A send resolves after its write hooks ran, so the writers' counts are final already.
    let a_io = a_rec.io();
    assert_eq!((a_io.writes, a_io.write_errors), (A_TO_B, 0));
    let b_io = b_rec.io();
    assert_eq!((b_io.writes, b_io.write_errors), (B_TO_A, 0));
    let b_io = b_rec.wait_io("b's reads", |io| io.reads >= A_TO_B).await;
    let a_io = a_rec.wait_io("a's reads", |io| io.reads >= B_TO_A).await;
    assert_eq!((b_io.reads, b_io.read_errors), (A_TO_B, 0));
    assert_eq!((a_io.reads, a_io.read_errors), (B_TO_A, 0));
    assert_eq!(a_io.write_bytes, b_io.read_bytes, "both sides agree on the bytes");
    assert_eq!(b_io.write_bytes, a_io.read_bytes);
    assert_eq!(a_io.write_bytes, 13 * 32 + 12 * (24 + 1 + 2 * 36));
    assert_eq!(b_io.write_bytes, B_TO_A * 24);
    // The hooks agree with the statistics.
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(sa.sent["feefilter"].messages + sa.sent["inv"].messages, A_TO_B as u64);
    assert_eq!(
        sb.received["feefilter"].bytes + sb.received["inv"].bytes,
        b_io.read_bytes as u64
    );
    assert_eq!(sb.sent["getaddr"].messages, B_TO_A as u64);
    assert_eq!(sa.received["getaddr"].messages, B_TO_A as u64);
}
