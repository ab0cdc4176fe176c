//! The real `coinpeer` binary, run as a person would: `connect` to a node, `listen` for a node to dial in.

use crate::process::Process;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A `coinpeer connect` run that takes longer than this hangs: it is killed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(90);

fn coinpeer() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coinpeer"));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// What one `coinpeer connect --json` run printed.
pub struct ConnectRun {
    /// The command line, to repeat it by hand.
    pub command_line: String,
    /// Its one JSON object, or why there is none (with its stderr).
    pub report: Result<Value, String>,
    pub elapsed: Duration,
}

/// Runs `coinpeer connect 127.0.0.1:PORT --network NET ... --json` with `extra` arguments, killing it after
/// [`CONNECT_TIMEOUT`].
pub fn connect(port: u16, network: &str, extra: &[&str]) -> ConnectRun {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["connect", addr.as_str(), "--network", network];
    args.extend_from_slice(extra);
    args.push("--json");
    let command_line = format!("coinpeer {}", args.join(" "));
    let started = Instant::now();
    let report = run_json(&args);
    ConnectRun {
        command_line,
        report,
        elapsed: started.elapsed(),
    }
}

fn run_json(args: &[&str]) -> Result<Value, String> {
    let mut process = Process::spawn(coinpeer().args(args), "coinpeer connect")?;
    let (stdout, stderr) = process.collect_output();
    let status = process.wait_timeout(CONNECT_TIMEOUT);
    if status.is_none() {
        let _ = process.stop();
    }
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let stderr_tail = || {
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n    ")
    };
    let Some(status) = status else {
        return Err(format!(
            "no exit within {} s: killed; stdout {stdout:?}; stderr:\n    {}",
            CONNECT_TIMEOUT.as_secs(),
            stderr_tail()
        ));
    };
    let json_lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    match json_lines.as_slice() {
        [line] => serde_json::from_str(line).map_err(|e| {
            format!(
                "stdout is not JSON ({e}): {line}; exit {status}; stderr:\n    {}",
                stderr_tail()
            )
        }),
        _ => Err(format!(
            "expected one JSON object on stdout, got {} lines ({status}): {stdout:?}; stderr:\n    {}",
            json_lines.len(),
            stderr_tail()
        )),
    }
}

/// A running `coinpeer listen --json`, killed on drop.
pub struct Listen {
    /// The address it listens on, from its `listening` event.
    pub addr: String,
    lines: Receiver<String>,
    process: Process,
}

impl Listen {
    /// Starts `coinpeer listen --bind 127.0.0.1:0 --network NET --json` and waits for its `listening` event.
    pub fn start(network: &str) -> Result<Listen, String> {
        let mut command = coinpeer();
        command.args(["listen", "--bind", "127.0.0.1:0", "--network", network, "--json"]);
        // Its stderr goes to ours: the suite prints with --nocapture anyway, and nothing must fill a pipe.
        command.stderr(Stdio::inherit());
        let mut process = Process::spawn(&mut command, "coinpeer listen")?;
        let lines = process.stdout_lines();
        let mut listen = Listen {
            addr: String::new(),
            lines,
            process,
        };
        let (event, _) = listen.wait_for(Duration::from_secs(15), |e| e["event"] == "listening")?;
        listen.addr = event["addr"]
            .as_str()
            .ok_or_else(|| format!("`listening` event without an addr: {event}"))?
            .to_string();
        Ok(listen)
    }

    /// Waits up to `timeout` for an event `wanted` accepts, and returns it with the events passed over before it.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<(Value, Vec<Value>), String> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let event: Value =
                        serde_json::from_str(&line).map_err(|e| format!("a stdout line is not JSON ({e}): {line}"))?;
                    if wanted(&event) {
                        return Ok((event, seen));
                    }
                    seen.push(event);
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "nothing within {} s; events so far: {}",
                        timeout.as_secs(),
                        lines(&seen)
                    ))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.process.wait_timeout(Duration::from_secs(2));
                    return Err(format!(
                        "coinpeer listen closed its stdout (exit {status:?}); events: {}",
                        lines(&seen)
                    ));
                }
            }
        }
    }

    /// Stops it; a stop that needed SIGKILL is an error.
    pub fn stop(mut self) -> Result<Duration, String> {
        self.process.stop()
    }
}

fn lines(events: &[Value]) -> String {
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    format!("[{}]", lines.join(", "))
}
