//! What the subcommands print: aligned tables, a live status line, JSON lines, and the formatting of sizes
//! and latencies they share.

use coinpeer_runtime::{Direction, StatsSnapshot};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// A table of left- or right-aligned text columns.
#[derive(Debug)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    /// Right-align a column (numbers); text columns are left-aligned.
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns: `(title, right_aligned)`.
    pub(crate) fn new(columns: &[(&'static str, bool)]) -> Self {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            right: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra ones are ignored.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table, one line per row after the header line, columns two spaces apart.
    pub(crate) fn render(&self) -> String {
        let n = self.headers.len();
        let cell = |row: &Vec<String>, i: usize| row.get(i).map_or("", String::as_str).to_string();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, w) in widths.iter_mut().enumerate() {
                *w = (*w).max(cell(row, i).chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let parts: Vec<String> = (0..n)
                .map(|i| {
                    if self.right[i] {
                        format!("{:>w$}", cells[i], w = widths[i])
                    } else {
                        format!("{:<w$}", cells[i], w = widths[i])
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(self.headers.iter().map(|h| h.to_string()).collect());
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line((0..n).map(|i| cell(row, i)).collect()));
            out.push('\n');
        }
        out
    }
}

/// The per-connection columns every stats table shares, in order: see [`stats_cells`].
pub(crate) const STATS_COLUMNS: &[(&str, bool)] = &[
    ("PEER", true),
    ("DIR", false),
    ("ADDR", false),
    ("USER AGENT", false),
    ("VER", true),
    ("MSGS OUT", true),
    ("BYTES OUT", true),
    ("MSGS IN", true),
    ("BYTES IN", true),
    ("PING", true),
];

/// The cells of [`STATS_COLUMNS`] for one connection.
pub(crate) fn stats_cells(s: &StatsSnapshot) -> Vec<String> {
    vec![
        s.id.to_string(),
        direction(s.direction).to_string(),
        s.addr.to_string(),
        s.user_agent.clone(),
        s.negotiated_version.to_string(),
        messages(s, true).to_string(),
        bytes(s.bytes_sent),
        messages(s, false).to_string(),
        bytes(s.bytes_received),
        latency(s.last_ping_latency),
    ]
}

/// A connection's statistics as JSON.
pub(crate) fn stats_json(s: &StatsSnapshot) -> Value {
    json!({
        "peer": s.id,
        "addr": s.addr.to_string(),
        "direction": direction(s.direction),
        "user_agent": s.user_agent,
        "version": s.version,
        "negotiated_version": s.negotiated_version,
        "messages_sent": messages(s, true),
        "bytes_sent": s.bytes_sent,
        "messages_received": messages(s, false),
        "bytes_received": s.bytes_received,
        "ping_ms": s.last_ping_latency.map(millis),
    })
}

/// Messages written (`sent`) or read after the handshake.
pub(crate) fn messages(s: &StatsSnapshot, sent: bool) -> u64 {
    let map = if sent { &s.sent } else { &s.received };
    map.values().map(|c| c.messages).sum()
}

/// `out` or `in`.
pub(crate) fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "out",
        Direction::Inbound => "in",
    }
}

/// A byte count for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// A duration in milliseconds, with microsecond precision.
pub(crate) fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// A latency for people: `0.412 ms`, or `-` when there is none.
pub(crate) fn latency(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".into(), |d| format!("{:.3} ms", millis(d)))
}

/// A status line on stderr, rewritten in place on a terminal and printed as plain lines otherwise (so that a
/// log file gets one readable line per update rather than carriage returns).
#[derive(Debug)]
pub(crate) struct StatusLine {
    tty: bool,
    /// Something is on the current terminal line.
    dirty: bool,
    /// When [`tick`](Self::tick) last showed something.
    last: Option<std::time::Instant>,
    /// The text last shown, so that a log file does not get the same line twice.
    shown: String,
}

impl StatusLine {
    /// A status line for stderr as it is.
    pub(crate) fn stderr() -> Self {
        StatusLine {
            tty: std::io::stderr().is_terminal(),
            dirty: false,
            last: None,
            shown: String::new(),
        }
    }

    /// How often to call [`update`](Self::update): a few times a second on a terminal, every second otherwise.
    pub(crate) fn interval(&self) -> Duration {
        if self.tty {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(1)
        }
    }

    /// Shows `text`.
    pub(crate) fn update(&mut self, text: &str) {
        if text == self.shown {
            return;
        }
        self.shown = text.to_string();
        let mut err = std::io::stderr().lock();
        // A status line is best effort: a closed stderr must not stop the work it reports on.
        let _ = if self.tty {
            self.dirty = true;
            write!(err, "\r{text}\x1b[K").and_then(|_| err.flush())
        } else {
            writeln!(err, "{text}")
        };
    }

    /// Shows `text` if [`interval`](Self::interval) has passed since the last tick: for progress reported
    /// more often than anyone can read.
    pub(crate) fn tick(&mut self, text: &str) {
        let now = std::time::Instant::now();
        if self.last.map_or(true, |t| now - t >= self.interval()) {
            self.last = Some(now);
            self.update(text);
        }
    }

    /// Ends the status line so that what follows starts on a fresh line.
    pub(crate) fn finish(&mut self) {
        if self.dirty {
            let _ = writeln!(std::io::stderr());
            self.dirty = false;
        }
    }
}

/// Writes `text` on stdout at once. A reader that went away (a closed pipe, e.g. `| head`) gets nothing more,
/// and the command carries on: its work, and its exit status, do not depend on being watched.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Writes one JSON value per line on stdout, flushed at once, for a program reading as it goes.
pub(crate) fn json_line(value: &Value) {
    print(&format!("{value}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&[("NAME", false), ("N", true)]);
        t.row(vec!["a".into(), "1000".into()]);
        t.row(vec!["longer".into()]);
        assert_eq!(t.render(), "NAME       N\na       1000\nlonger\n");
    }

    #[test]
    fn sizes_and_latencies_read_well() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(latency(None), "-");
        assert_eq!(latency(Some(Duration::from_micros(412))), "0.412 ms");
        assert_eq!(millis(Duration::from_micros(1_500)), 1.5);
    }
}
