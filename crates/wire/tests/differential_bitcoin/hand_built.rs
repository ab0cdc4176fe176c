//! Hand-built values at the edges: extreme integers, long scripts, full lists.

use crate::check::same_as_bitcoin_crate;
use bytes::Bytes;
use coinpeer_wire::bitcoin as cw;
use coinpeer_wire::messages::{InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{Command, Hash256};

#[test]
fn hand_built_edge_values_match_bitcoin_crate() {
    let h = Hash256([0xab; 32]);
    let tx = cw::Transaction {
        version: -1,
        inputs: vec![cw::TxIn {
            previous_output: cw::OutPoint::COINBASE,
            script_sig: Bytes::from(vec![0x51; 0x1_0000]),
            sequence: u32::MAX,
            witness: vec![Bytes::new(), Bytes::from(vec![1; 300])].into(),
        }],
        outputs: vec![cw::TxOut {
            value: -1,
            script_pubkey: Bytes::new(),
        }],
        lock_time: 500_000_000,
    };
    let cases = [
        cw::Message::Tx(tx.clone()),
        cw::Message::Ping(u64::MAX),
        cw::Message::Pong(0),
        cw::Message::FeeFilter(0),
        cw::Message::Inv(vec![Inventory::new(InvType::WITNESS_BLOCK, h); 300]),
        cw::Message::Headers(vec![cw::BlockHeader::default(); 2000]),
        cw::Message::GetBlockTxn(cw::GetBlockTxn {
            block_hash: h,
            indexes: vec![0, 1, 2, 1000, u16::MAX],
        }),
        cw::Message::CmpctBlock(cw::CmpctBlock {
            header: cw::BlockHeader::default(),
            nonce: 1,
            short_ids: vec![[0xff; 6]; 300],
            prefilled: vec![
                cw::PrefilledTransaction {
                    index: 0,
                    tx: tx.clone(),
                },
                cw::PrefilledTransaction {
                    index: u16::MAX,
                    tx: tx.clone(),
                },
            ],
        }),
        cw::Message::AddrV2(vec![cw::AddrV2Entry {
            time: u32::MAX,
            services: ServiceFlags(u64::MAX),
            addr: cw::AddrV2::Unknown {
                network_id: 200,
                bytes: Bytes::from(vec![9; 512]),
            },
            port: u16::MAX,
        }]),
        cw::Message::Version(VersionMessage {
            version: u32::MAX,
            services: ServiceFlags(u64::MAX),
            timestamp: i64::MIN,
            receiver: NetAddress::from_socket_addr("[2001:db8::1]:8333".parse().unwrap(), ServiceFlags::NETWORK),
            sender: NetAddress::unspecified(ServiceFlags::NONE),
            nonce: u64::MAX,
            user_agent: "/Satoshi:27.0.0/".into(),
            start_height: i32::MIN,
            relay: false,
        }),
        cw::Message::Unknown {
            command: Command::new("twelve_bytes").unwrap(),
            payload: Bytes::new(),
        },
    ];
    for msg in &cases {
        same_as_bitcoin_crate(msg).unwrap_or_else(|e| panic!("{}: {e}", msg.command()));
    }
}
