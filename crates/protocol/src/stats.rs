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
#[derive(Debug, Clone, Default)]
pub struct CommandCounters {
    entries: Vec<(Command, CommandStats)>,
    /// Where the last command counted is: runs of one command (a relay's stream of `inv`s) skip the search.
    last: usize,
}

impl PartialEq for CommandCounters {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Eq for CommandCounters {}

impl CommandCounters {
    /// The counters of `command`, if it was seen.
    pub fn get(&self, command: &Command) -> Option<&CommandStats> {
        self.entries.iter().find(|(c, _)| c == command).map(|(_, s)| s)
    }

    /// Whether `command` was seen.
    pub fn contains_key(&self, command: &Command) -> bool {
        self.get(command).is_some()
    }

    /// Every command seen, with its counters, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = (&Command, &CommandStats)> {
        self.entries.iter().map(|(c, s)| (c, s))
    }

    /// Commands seen.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no command was seen.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn entry(&mut self, command: Command) -> &mut CommandStats {
        if !matches!(self.entries.get(self.last), Some((c, _)) if *c == command) {
            self.last = match self.entries.iter().position(|(c, _)| *c == command) {
                Some(i) => i,
                None => {
                    self.entries.push((command, CommandStats::default()));
                    self.entries.len() - 1
                }
            };
        }
        &mut self.entries[self.last].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_interleaved_commands_and_lists_them_in_the_order_first_seen() {
        let (inv, ping) = (Command::from_static("inv"), Command::from_static("ping"));
        let mut a = CommandCounters::default();
        for (command, bytes) in [(inv, 10), (inv, 10), (ping, 3), (inv, 10), (ping, 3)] {
            Stats::record(&mut a, command, bytes);
        }
        assert_eq!(a.get(&inv), Some(&CommandStats { messages: 3, bytes: 30 }));
        assert_eq!(a.get(&ping), Some(&CommandStats { messages: 2, bytes: 6 }));
        assert_eq!(a.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [inv, ping]);
        // Equal counts are equal, whichever command was counted last (`a` ended with a ping).
        let mut b = CommandCounters::default();
        for (command, bytes) in [(inv, 10), (ping, 3), (ping, 3), (inv, 10), (inv, 10)] {
            Stats::record(&mut b, command, bytes);
        }
        assert_eq!(a, b);
    }
}
