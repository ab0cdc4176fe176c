//! The operations: each read from the input (see the target's documentation) and applied to the connection.

use super::checks::{issue, refused};
use super::dialect::Fuzzed;
use super::{command, framed, Input, State};
use bytes::{Bytes, BytesMut};
use coinpeer_handshake::HandshakeMessage;
use coinpeer_protocol::{Connection, DisconnectReason};
use coinpeer_wire::messages::{BlockLocator, InvType, Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, EncodeOptions, Hash256, Network};
use std::io::{ErrorKind, IoSlice};
use std::time::Duration;

/// Runs one operation; returns how many bytes of input it handed the connection.
pub(super) fn step<D: Fuzzed>(
    c: &mut Connection<D>,
    s: &mut State,
    op: u8,
    variant: u8,
    input: &mut Input<'_>,
) -> usize {
    let now = s.now;
    let remote_version = D::Message::MAX_VERSION;
    let bytes: Vec<u8> = match op {
        0 => input.chunk().to_vec(),
        1 => {
            let command = command(input, D::COMMANDS);
            framed(&s.network, command, input.chunk())
        }
        2 => frame(
            &s.network,
            &D::Message::version(remote_version_message::<D>(input)),
            remote_version,
        ),
        3 => frame(&s.network, &D::Message::verack(), remote_version),
        4 => frame(&s.network, &D::ping(input.u64()), remote_version),
        5 => {
            let nonce = match c.ping_awaiting() {
                Some(n) if variant % 2 == 0 => n,
                _ => input.u64(),
            };
            frame(&s.network, &D::pong(nonce), remote_version)
        }
        6 => {
            let items = std::mem::take(&mut s.requested);
            let mut out = frame(&s.network, &D::not_found(items), remote_version);
            out.extend(frame(&s.network, &D::no_headers(), remote_version));
            out
        }
        7 => {
            let unit = [1, 100, 1_000, 60_000, 3_600_000][usize::from(input.u8()) % 5];
            s.now += Duration::from_millis(unit * u64::from(input.u8()));
            c.handle_timeout(s.now);
            return 0;
        }
        8 => {
            if let Some(deadline) = c.poll_timeout() {
                s.now = s.now.max(deadline);
                c.handle_timeout(s.now);
                let next = c.poll_timeout();
                assert!(
                    next.map_or(true, |n| n > s.now),
                    "the timers ran at their deadline and still ask for it: the driver would spin"
                );
            }
            return 0;
        }
        9 => {
            send(c, s, input);
            return 0;
        }
        10 => {
            if let Some(frame) = s.last_frame.clone() {
                match c.send_frame(&frame, now) {
                    Ok(id) => issue(s, id),
                    Err(e) => refused(c, s, &e),
                }
            }
            return 0;
        }
        11 => {
            let limit = usize::from(input.u16());
            let mut slices = [IoSlice::new(&[]); 64];
            let n = 1 + usize::from(input.u8()) % 64;
            let k = c.transmit_slices(now, &mut slices[..n]);
            let offered: Vec<u8> = slices[..k].iter().flat_map(|s| s.iter().copied()).collect();
            let take = limit.min(offered.len());
            s.written.extend_from_slice(&offered[..take]);
            c.transmitted(take, now);
            return 0;
        }
        12 => {
            c.pause_input(now);
            return 0;
        }
        13 => {
            c.resume_input(now);
            return 0;
        }
        14 => {
            let b = input.u8();
            let kind = if b & 1 == 0 { InvType::TX } else { InvType::BLOCK };
            let inv = Inventory::new(kind, Hash256([b >> 1; 32]));
            match variant % 4 {
                0 => drop(c.queue_inventory(inv, now)),
                1 => drop(c.announce_now(inv, now)),
                2 => c.add_known_inventory(&inv, now),
                // Many transactions at once: more than one trickle's worth.
                _ => {
                    for n in 0..u32::from(b) * 16 {
                        let mut h = [b; 32];
                        h[..4].copy_from_slice(&n.to_le_bytes());
                        c.queue_inventory(Inventory::new(InvType::TX, Hash256(h)), now);
                    }
                }
            }
            return 0;
        }
        15 => {
            if variant % 2 == 0 {
                s.accepted = true;
                c.accept_version(now);
            } else {
                c.refuse_version("refused by the application", now);
            }
            return 0;
        }
        _ => {
            match variant % 4 {
                0 => c.handle_eof(now),
                1 => c.handle_io_error(ErrorKind::ConnectionReset, now),
                2 => c.close(now),
                _ => c.close_for(DisconnectReason::SlowReader, now),
            }
            return 0;
        }
    };
    if variant % 2 == 0 {
        c.handle_input(&bytes, now);
    } else {
        c.input_buffer().extend_from_slice(&bytes);
        c.handle_buffered(bytes.len(), now);
    }
    bytes.len()
}

fn frame<M: coinpeer_wire::WireMessage>(network: &Network, msg: &M, version: u32) -> Vec<u8> {
    let mut out = BytesMut::new();
    match encode_frame(network, msg, EncodeOptions::new(version), &mut out) {
        Ok(_) => out.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// A remote's version: its protocol version (a byte of the dialect's table), services, nonce, start height
/// and relay flag.
fn remote_version_message<D: Fuzzed>(input: &mut Input<'_>) -> VersionMessage {
    let services = ServiceFlags(u64::from(input.u8()));
    VersionMessage {
        version: input.pick(D::VERSIONS),
        services,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(services),
        nonce: input.u64(),
        user_agent: "/fuzz:0.1/".into(),
        start_height: input.u32() as i32,
        relay: input.bool(),
    }
}

/// One message offered to `send`.
fn send<D: Fuzzed>(c: &mut Connection<D>, s: &mut State, input: &mut Input<'_>) {
    let n = input.u8();
    let hashes = |k: u8| (0..k).map(|i| Hash256([i; 32]));
    let msg = match input.u8() % 6 {
        0 => {
            let command = command(input, D::COMMANDS);
            let payload = Bytes::copy_from_slice(input.chunk());
            match <D::Message as coinpeer_wire::WireMessage>::decode_payload(
                &command,
                &payload,
                D::Message::MAX_VERSION,
            ) {
                Ok(msg) => msg,
                Err(_) => return,
            }
        }
        1 => D::ping(u64::from(n)),
        2 => D::get_data(hashes(n % 64).map(|h| Inventory::new(InvType::BLOCK, h)).collect()),
        3 => D::get_headers(BlockLocator::default()),
        4 => D::inv(hashes(n).map(|h| Inventory::new(InvType::TX, h)).collect()),
        _ => D::unknown(Bytes::from(vec![0u8; usize::from(n) * 64])),
    };
    let items = D::requested_items(&msg);
    match c.send(msg, s.now) {
        Ok(id) => {
            issue(s, id);
            s.requested.extend(items);
        }
        Err(e) => refused(c, s, &e),
    }
}
