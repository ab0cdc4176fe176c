//! Per-connection statistics: bytes and messages, in all and per command.

use coinpeer_wire::Command;
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
    pub received: CommandCounters,
    /// Per-command counters of messages written.
    pub sent: CommandCounters,
    /// When the last message arrived after the handshake.
    pub last_received: Option<Instant>,
    /// When the last message was wholly written.
    pub last_sent: Option<Instant>,
}

impl Stats {
    pub(crate) fn record(counters: &mut CommandCounters, command: Command, bytes: usize) {
        let e = counters.entry(command);
        e.messages += 1;
        e.bytes += bytes as u64;
    }
}

/// Counters per command. A short list searched from the front, not a hash map: a connection sees a few
/// dozen commands at most (unknown ones share one name), and at that size a list is smaller (it is kept
/// per idle peer) and no slower.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandCounters(Vec<(Command, CommandStats)>);

impl CommandCounters {
    /// The counters of `command`, if it was seen.
    pub fn get(&self, command: &Command) -> Option<&CommandStats> {
        self.0.iter().find(|(c, _)| c == command).map(|(_, s)| s)
    }

    /// Whether `command` was seen.
    pub fn contains_key(&self, command: &Command) -> bool {
        self.get(command).is_some()
    }

    /// Every command seen, with its counters, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = (&Command, &CommandStats)> {
        self.0.iter().map(|(c, s)| (c, s))
    }

    /// Commands seen.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no command was seen.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn entry(&mut self, command: Command) -> &mut CommandStats {
        match self.0.iter().position(|(c, _)| *c == command) {
            Some(i) => &mut self.0[i].1,
            None => {
                self.0.push((command, CommandStats::default()));
                &mut self.0.last_mut().expect("just pushed").1
            }
        }
    }
}
