//! The version-gating table holds in both directions.

use crate::messages::message;
use bytes::Bytes;
use coinpeer_wire::decred::{valid_at, version, Message, COMMANDS};
use coinpeer_wire::{Command, EncodeError, EncodeOptions, ErrorKind, WireMessage};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// (command, first version, last version) of every message that is gated.
const GATES: &[(&str, u32, u32)] = &[
    ("addr", 1, 11),
    ("addrv2", 12, 12),
    ("reject", 1, 8),
    ("sendheaders", 3, 12),
    ("feefilter", 5, 12),
    ("getcfilter", 6, 12),
    ("cfilter", 6, 12),
    ("getcfheaders", 6, 12),
    ("cfheaders", 6, 12),
    ("getcftypes", 6, 12),
    ("cftypes", 6, 12),
    ("getcfilterv2", 7, 12),
    ("cfilterv2", 7, 12),
    ("getinitstate", 8, 12),
    ("initstate", 8, 12),
    ("mixpairreq", 10, 12),
    ("mixkeyxchg", 10, 12),
    ("mixcphrtxt", 10, 12),
    ("mixslotres", 10, 12),
    ("mixfactpoly", 10, 12),
    ("mixdcnet", 10, 12),
    ("mixconfirm", 10, 12),
    ("mixsecrets", 10, 12),
    ("getcfsv2", 11, 12),
    ("cfiltersv2", 11, 12),
];

/// A valid instance of each command, for the encode side of the gating table.
fn sample(command: &str) -> Message {
    let runner_seed = [7u8; 32];
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        ProptestConfig::default(),
        proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &runner_seed),
    );
    loop {
        let m = message().new_tree(&mut runner).unwrap().current();
        if m.command() == command {
            return m;
        }
    }
}

#[test]
fn version_gating_table() {
    for cmd in COMMANDS {
        let gate = GATES.iter().find(|g| g.0 == *cmd);
        let msg = sample(cmd);
        let mut payload = Vec::new();
        msg.encode_payload(
            EncodeOptions::new(version::MAX.min(gate.map_or(12, |g| g.2))),
            &mut payload,
        )
        .unwrap();
        let payload = Bytes::from(payload);
        for v in version::INITIAL..=version::MAX {
            let valid = gate.map_or(true, |g| (g.1..=g.2).contains(&v));
            assert_eq!(valid_at(cmd, v), valid, "{cmd} at {v}");
            let enc = msg.encode_payload(EncodeOptions::new(v), &mut Vec::new());
            let dec = Message::decode_payload(&msg.command(), &payload, v);
            if valid {
                assert!(enc.is_ok(), "{cmd} encodes at {v}");
                assert_eq!(dec.unwrap(), msg, "{cmd} decodes at {v}");
            } else {
                assert_eq!(
                    enc.unwrap_err(),
                    EncodeError::UnsupportedAtVersion {
                        command: cmd,
                        version: v
                    },
                    "{cmd} at {v}"
                );
                let err = dec.unwrap_err();
                assert_eq!(err.kind, ErrorKind::UnsupportedAtVersion { version: v }, "{cmd} at {v}");
                assert_eq!(err.command, Some(msg.command()));
            }
        }
    }
    // Unknown commands exist at every version.
    let unknown = Command::new("protoconf").unwrap();
    for v in 0..=20 {
        assert!(matches!(
            Message::decode_payload(&unknown, &Bytes::from_static(b"xyz"), v).unwrap(),
            Message::Unknown { .. }
        ));
    }
}
