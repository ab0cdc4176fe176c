//! Per-connection statistics: bytes and messages, in all and per command.

use coinpeer_wire::Command;
use std::collections::HashMap;
use std::time::Instant;

/// Messages and bytes of one command, one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandStats {
    /// Messages.
    pub messages: u64,
    /// Bytes on the wire, headers included.
    pub bytes: u64,
}

/// Received messages of unknown commands are counted under this name, so that a remote cannot grow the
/// table with made-up commands.
pub const UNKNOWN_COMMANDS: Command = Command::from_static("(unknown)");

/// The counters of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes handed to us from the transport, handshake included.
    pub bytes_received: u64,
    /// Bytes written to the transport, handshake included.
    pub bytes_sent: u64,
    /// Per-command counters of messages received.
    pub received: HashMap<Command, CommandStats>,
    /// Per-command counters of messages written.
    pub sent: HashMap<Command, CommandStats>,
    /// When the last message arrived after the handshake.
    pub last_received: Option<Instant>,
    /// When the last message was wholly written.
    pub last_sent: Option<Instant>,
}

impl Stats {
    pub(crate) fn record(map: &mut HashMap<Command, CommandStats>, command: Command, bytes: usize) {
        let e = map.entry(command).or_default();
        e.messages += 1;
        e.bytes += bytes as u64;
    }
}
