//! Receiving: bytes in, frames cut and checked, the handshake driven, messages handled and handed on.

use crate::connection::{Connection, State};
use crate::dialect::{Control, Dialect};
use crate::error::{DisconnectReason, ProtocolViolation};
use crate::event::{Event, Session};
use crate::send_queue::Priority;
use crate::stats::{Stats, UNKNOWN_COMMANDS};
use bytes::{Bytes, BytesMut};
use coinpeer_handshake::{HandshakeError, HandshakeMessage, MessageKind};
use coinpeer_wire::bitcoin::RejectCode;
use coinpeer_wire::{DecodeError, EncodeOptions, Frame, WireMessage, HEADER_LEN};
use std::io;
use std::sync::Arc;
use std::time::Instant;

/// What holding a frame before the verack costs beyond its bytes: its slot in the list, for which the list
/// may have reserved room twice over. Counted against the budget with the bytes.
const HELD_FRAME_OVERHEAD: usize = 2 * std::mem::size_of::<Frame>();

/// The most atoms/satoshis that can ever exist (21 million coins in both dialects): no fee rate is higher.
const MAX_MONEY: i64 = 21_000_000 * 100_000_000;

impl<D: Dialect> Connection<D> {
    /// Takes bytes received from the remote, in any chunking. Events, bytes to send and deadlines may
    /// follow. Input after the connection started closing is ignored.
    pub fn handle_input(&mut self, data: &[u8], now: Instant) {
        if !matches!(self.state, State::Handshaking(_) | State::Open) {
            return;
        }
        self.frames.extend_from_slice(data);
        self.handle_buffered(data.len(), now);
    }

    /// The receive buffer, for a transport to read into directly (no copy): report what it appended with
    /// [`handle_buffered`](Self::handle_buffered). Worth it while a large frame is arriving
    /// ([`buffered_input`](Self::buffered_input) is not zero); an idle connection keeps no buffer.
    pub fn input_buffer(&mut self) -> &mut BytesMut {
        self.frames.buffer_mut()
    }

    /// Takes the `n` bytes the transport appended to [`input_buffer`](Self::input_buffer).
    pub fn handle_buffered(&mut self, n: usize, now: Instant) {
        if !matches!(self.state, State::Handshaking(_) | State::Open) {
            // Input is ignored once closing: what a transport read in anyway is not kept.
            *self.frames.buffer_mut() = BytesMut::new();
            return;
        }
        self.stats.bytes_received += n as u64;
        self.note_activity(now);
        while matches!(self.state, State::Handshaking(_) | State::Open) {
            match self.frames.next_frame() {
                Ok(Some(frame)) => self.on_frame(frame, now),
                Ok(None) => break,
                Err(e) => self.protocol_error(e, now),
            }
        }
        let buffer = self.frames.buffer_mut();
        if !buffer.is_empty() && buffer.capacity() > 4 * buffer.len() + 4096 {
            // A few bytes of the next frame must not keep a whole read's allocation alive: a stranger could
            // make each of many connections hold one that way.
            *buffer = BytesMut::from(&buffer[..]);
        }
        if buffer.is_empty() {
            // Nothing is waiting to be cut into frames: an idle connection keeps no buffer. (Not judged by
            // `capacity()`: a buffer read to its very end reports none while it still holds its allocation.)
            *buffer = BytesMut::new();
        }
    }

    /// The remote closed its side of the connection.
    pub fn handle_eof(&mut self, now: Instant) {
        self.close_now(DisconnectReason::RemoteClosed, now);
    }

    /// Reading from or writing to the transport failed: what was being written failed, the rest is dropped.
    pub fn handle_io_error(&mut self, kind: io::ErrorKind, now: Instant) {
        self.fail_window(kind);
        self.close_now(DisconnectReason::Io(kind), now);
    }

    fn on_frame(&mut self, frame: Frame, now: Instant) {
        let version = self.encode.version;
        let msg = match frame.decode::<D::Message>(version) {
            Ok(msg) => msg,
            Err(e) => return self.protocol_error(e, now),
        };
        let command = match D::control(&msg) {
            Control::Unknown => UNKNOWN_COMMANDS,
            _ => frame.header.command,
        };
        Stats::record(&mut self.stats.received, command, frame.wire_len());
        if matches!(self.state, State::Open) {
            self.stats.last_received = Some(now);
            self.keepalive.on_message(self.pauses.active(now));
            self.on_message(msg, frame, now);
        } else {
            self.on_handshake_message(msg, frame, now);
        }
    }

    fn on_handshake_message(&mut self, msg: D::Message, frame: Frame, now: Instant) {
        let unix_time = self.unix_time(now);
        let strict = self.config.strict_unknown_commands;
        let budget = self.config.pre_handshake_budget;
        let State::Handshaking(h) = &mut self.state else { return };
        let remote_version = match msg.kind() {
            MessageKind::Version(v) => Some(v.clone()),
            MessageKind::Other if h.version_received => {
                if matches!(D::control(&msg), Control::Unknown) {
                    // Skipped as it arrived; only dcrd's strictness cares.
                    if strict {
                        let violation = ProtocolViolation::UnknownCommand(frame.header.command);
                        self.close_with(violation.into(), now, Vec::new());
                    }
                    return;
                }
                h.held += frame.wire_len() + HELD_FRAME_OVERHEAD;
                if h.held > budget {
                    let violation = ProtocolViolation::PreHandshakeBudget { budget };
                    return self.close_with(violation.into(), now, Vec::new());
                }
                // Held as its wire bytes alone, copied out of the receive buffer: exactly what the budget
                // counts. (The decoded form can cost several times more; it is rebuilt at replay.)
                drop(msg);
                h.replay.push(Frame {
                    payload: Bytes::copy_from_slice(&frame.payload),
                    ..frame
                });
                // The next frame, header included, must fit in what is left of the budget.
                let left = (budget - h.held).saturating_sub(HEADER_LEN + HELD_FRAME_OVERHEAD);
                self.frames
                    .set_payload_cap(Some(u32::try_from(left).unwrap_or(u32::MAX)));
                return;
            }
            _ => None,
        };
        if let Err(e) = h.machine.handle(msg, unix_time) {
            return self.fail_handshake(e, now);
        }
        if let Some(remote) = remote_version {
            h.version_received = true;
            h.awaiting_decision = self.config.defer_version_decision;
            // The version is settled before anyone hears of the remote's: replies are encoded for it.
            let negotiated = self.encode.version.min(remote.version);
            self.encode = EncodeOptions {
                version: negotiated,
                witness: D::Message::has_witness(remote.services),
            };
            self.frames.set_version(negotiated);
            // A frame is held whole, header included: its payload gets the budget less the header.
            let cap = budget.saturating_sub(HEADER_LEN + HELD_FRAME_OVERHEAD);
            self.frames
                .set_payload_cap(Some(u32::try_from(cap).unwrap_or(u32::MAX)));
            self.frames.skip_unknown_commands(true);
            self.events.push_back(Event::Version(Box::new(remote)));
        }
        self.flush_handshake(now);
    }

    /// Queues what the handshake wants sent and opens the connection once it completed, unless the
    /// application still has to accept the remote's version.
    pub(crate) fn flush_handshake(&mut self, now: Instant) {
        let State::Handshaking(h) = &mut self.state else { return };
        if h.awaiting_decision {
            return;
        }
        let mut out = Vec::new();
        while let Some(msg) = h.machine.poll_transmit() {
            out.push(msg);
        }
        let complete = h.machine.is_complete();
        for msg in &out {
            self.queue_message(msg, None, Priority::Control, now);
            if !matches!(self.state, State::Handshaking(_)) {
                // Queueing it closed the connection (over its memory cap): nothing more may follow.
                return;
            }
        }
        if complete {
            self.open(now);
        }
    }

    /// Accepts the remote's version (with [`Config::defer_version_decision`](crate::Config)): our answer
    /// leaves and the handshake goes on.
    pub fn accept_version(&mut self, now: Instant) {
        if let State::Handshaking(h) = &mut self.state {
            h.awaiting_decision = false;
        }
        self.flush_handshake(now);
    }

    /// Refuses the remote's version: a reject leaves where the dialect has one, and the connection closes.
    pub fn refuse_version(&mut self, reason: &str, now: Instant) {
        if let State::Handshaking(h) = &mut self.state {
            let e = h.machine.refuse(reason);
            self.fail_handshake(e, now);
        }
    }

    fn fail_handshake(&mut self, e: HandshakeError, now: Instant) {
        let mut finals = Vec::new();
        if let State::Handshaking(h) = &mut self.state {
            while let Some(msg) = h.machine.poll_transmit() {
                finals.push(msg);
            }
        }
        self.close_with(DisconnectReason::Handshake(e), now, finals);
    }

    /// The handshake completed: the session starts, held messages are released and replayed.
    fn open(&mut self, now: Instant) {
        let State::Handshaking(h) = std::mem::replace(&mut self.state, State::Open) else {
            return;
        };
        let h = *h;
        let Some(n) = h.machine.finish() else { return };
        let session = Session {
            version: n.version,
            remote: n.remote,
            time_offset: n.time_offset,
            features: n.features,
            direction: n.direction,
        };
        self.encode = EncodeOptions {
            version: n.version,
            witness: n.features.witness,
        };
        let session = Arc::new(session);
        self.session = Some(session.clone());
        self.frames.set_payload_cap(None);
        self.frames.skip_unknown_commands(self.config.strict_unknown_commands);
        self.queue.release_bulk();
        self.keepalive.start(now, self.pauses.active(now));
        self.events.push_back(Event::Connected(session));
        for frame in h.replay {
            if !self.is_open() {
                break;
            }
            // It decoded when it arrived, at this same version.
            match frame.decode::<D::Message>(self.encode.version) {
                Ok(msg) => self.on_message(msg, frame, now),
                Err(e) => self.protocol_error(e, now),
            }
        }
    }

    /// A message after the handshake: what it tells the connection itself, then the application.
    fn on_message(&mut self, msg: D::Message, frame: Frame, now: Instant) {
        self.note_answers(&msg, now);
        match D::control(&msg) {
            // Answered at once and ahead of bulk data, so a long queue cannot delay it.
            Control::Ping(nonce) => self.queue_message(&D::pong(nonce), None, Priority::Control, now),
            Control::Pong(nonce) => self.keepalive.on_pong(nonce, now),
            Control::SendHeaders => self.wants_headers = true,
            Control::FeeFilter(rate) if (0..=MAX_MONEY).contains(&rate) => self.fee_filter = Some(rate),
            Control::FeeFilter(_) => {
                return self.close_with(ProtocolViolation::OutOfRange(msg.command()).into(), now, Vec::new());
            }
            Control::NeedsService(needed) if !self.config.handshake.services.contains(needed) => {
                let violation = ProtocolViolation::ServiceNotOffered(msg.command());
                return self.close_with(violation.into(), now, Vec::new());
            }
            Control::HandshakeOnly => {
                let command = msg.command();
                let reject = D::Message::reject(
                    self.encode.version,
                    command.as_str(),
                    RejectCode::DUPLICATE.0,
                    "duplicate",
                );
                let violation = ProtocolViolation::Duplicate(command);
                return self.close_with(violation.into(), now, reject.into_iter().collect());
            }
            Control::Unknown if self.config.strict_unknown_commands => {
                let violation = ProtocolViolation::UnknownCommand(frame.header.command);
                return self.close_with(violation.into(), now, Vec::new());
            }
            _ => {}
        }
        if !self.is_open() {
            // Answering it ended the connection (its pong took the queue past its cap): the Disconnected
            // event is already out, and nothing may follow it.
            return;
        }
        self.events.push_back(Event::Message { msg, frame });
    }

    /// What a received message tells us before the application hears of it: the inventory it announces is
    /// known to the remote, and the requests it answers are no longer awaited.
    fn note_answers(&mut self, msg: &D::Message, now: Instant) {
        for inv in D::announced(msg) {
            self.inventory.add_known(inv, now);
        }
        let active = self.pauses.active(now);
        if let Some(stall) = self.stall.as_mut().filter(|s| s.len() > 0) {
            // Hashing a transaction to match it costs time: done only while something is awaited.
            D::answers(msg, &mut |a| stall.answered(a, active));
        }
    }

    fn protocol_error(&mut self, e: DecodeError, now: Instant) {
        let reject = match &self.state {
            State::Open => D::Message::reject(
                self.encode.version,
                "malformed",
                RejectCode::MALFORMED.0,
                &e.to_string(),
            ),
            _ => None,
        };
        let violation = ProtocolViolation::Malformed(e);
        self.close_with(violation.into(), now, reject.into_iter().collect());
    }
}
