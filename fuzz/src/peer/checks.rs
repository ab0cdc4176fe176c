//! The invariants: what a refused send, the events, the queued memory, the held input and the bytes written
//! must satisfy after each operation.

use super::State;
use coinpeer_protocol::{Config, Connection, Dialect, Event, SendError, SendId};
use coinpeer_wire::{Command, HEADER_LEN};

pub(super) fn issue(s: &mut State, id: SendId) {
    assert!(s.issued.insert(id), "{id:?} given twice");
}

/// A send was refused: for the reason the state gives.
pub(super) fn refused<D: Dialect, M>(c: &Connection<D>, s: &State, e: &SendError<M>) {
    match e {
        SendError::Closed(_) => assert!(c.disconnect_reason().is_some(), "refused as closed while open"),
        SendError::NotReady(_) => {
            assert!(
                c.disconnect_reason().is_none() && !s.version_seen,
                "refused as not ready"
            )
        }
        SendError::Full(_) => assert!(c.queued_memory() >= c.config().send_buffer, "refused as full"),
        _ => unreachable!("a new refusal"),
    }
}

/// The invariants, after each operation.
pub(super) fn check<D: Dialect>(c: &mut Connection<D>, s: &mut State, config: &Config, chunk: usize) {
    while let Some(e) = c.poll_event() {
        if std::env::var_os("COINPEER_FUZZ_TRACE").is_some() {
            eprintln!("  event {e:?}");
        }
        assert!(!s.disconnected, "an event after Disconnected: {e:?}");
        match e {
            Event::Version(_) => {
                assert!(!s.version_seen && !s.connected, "Version twice or after Connected");
                s.version_seen = true;
            }
            Event::Connected(_) => {
                assert!(s.version_seen && !s.connected, "Connected twice or before Version");
                s.connected = true;
            }
            Event::Message { frame, .. } => {
                assert!(s.connected, "a message before Connected");
                s.last_frame = Some(frame);
            }
            Event::Outcome { id, .. } => {
                assert!(s.issued.contains(&id), "an outcome for {id:?}, never returned by send");
                assert!(s.resolved.insert(id), "{id:?} resolved twice");
            }
            Event::Disconnected(_) => {
                assert!(c.is_closed(), "Disconnected while not closed");
                s.disconnected = true;
            }
            _ => {}
        }
    }
    assert!(
        c.queued_memory() <= config.max_queued_bytes,
        "{} bytes queued, over the cap of {}",
        c.queued_memory(),
        config.max_queued_bytes
    );
    // Input handed over after the connection started closing is ignored, not the remote's doing.
    if c.session().is_none() && c.disconnect_reason().is_none() {
        assert!(
            c.buffered_input() <= config.pre_handshake_budget + chunk,
            "{} bytes held before the verack",
            c.buffered_input()
        );
    }
    if c.is_closed() {
        assert!(!c.wants_to_transmit(), "a closed connection still writes");
        assert_eq!(c.poll_timeout(), None, "a closed connection still wants a timer");
    }
    cut_written(s);
    if !s.accepted {
        let forbidden = |c: &Command| *c == "verack" || (*c == "version" && s.inbound);
        assert!(
            !s.commands.iter().any(forbidden),
            "answered the remote's version before the application accepted it: {:?}",
            s.commands
        );
    }
}

/// Cuts what was written into frames: each whole and well-formed.
fn cut_written(s: &mut State) {
    while s.written.len() >= HEADER_LEN {
        let header = &s.written[..HEADER_LEN];
        assert_eq!(header[..4], s.network.magic().to_le_bytes(), "our magic");
        let command = Command::from_wire(header[4..16].try_into().unwrap()).expect("a valid command");
        let len = u32::from_le_bytes(header[16..20].try_into().unwrap()) as usize;
        if s.written.len() < HEADER_LEN + len {
            break;
        }
        let payload = &s.written[HEADER_LEN..HEADER_LEN + len];
        assert_eq!(
            header[20..24],
            s.network.dialect().checksum(payload),
            "checksum of our {command}"
        );
        s.commands.push(command);
        s.written.drain(..HEADER_LEN + len);
    }
}
