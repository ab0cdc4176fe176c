//! Child processes that are always stopped: on success, on failure and on panic.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a process has to exit after SIGTERM before it gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A child process stopped on drop: SIGTERM, then SIGKILL after [`STOP_GRACE`].
pub struct Process {
    child: Child,
    name: String,
}

impl Process {
    /// Starts `command`; `name` says what it is in messages.
    pub fn spawn(command: &mut Command, name: impl Into<String>) -> Result<Process, String> {
        let name = name.into();
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", command.get_program()))?;
        Ok(Process { child, name })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still there after [`STOP_GRACE`]. Returns how long it
    /// took to exit after SIGTERM, or an error if it had to be killed.
    pub fn stop(&mut self) -> Result<Duration, String> {
        if let Some(status) = self.exited() {
            return Err(format!("{} had already exited ({status})", self.name));
        }
        let started = Instant::now();
        // std only sends SIGKILL; a clean shutdown needs SIGTERM, which the `kill` command sends.
        let _ = Command::new("kill").arg(self.pid().to_string()).status();
        if self.wait_timeout(STOP_GRACE).is_some() {
            return Ok(started.elapsed());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        Err(format!(
            "{} (pid {}) did not exit within {} s of SIGTERM: killed",
            self.name,
            self.pid(),
            STOP_GRACE.as_secs()
        ))
    }

    /// The child's piped stdout, read line by line on a thread: each line arrives on the receiver.
    pub fn stdout_lines(&mut self) -> Receiver<String> {
        let stdout = self.child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// The child's piped stdout and stderr, each read to the end on a thread (so that a full pipe never blocks
    /// the child).
    pub fn collect_output(&mut self) -> (JoinHandle<String>, JoinHandle<String>) {
        (
            read_to_end(self.child.stdout.take().expect("stdout is piped")),
            read_to_end(self.child.stderr.take().expect("stderr is piped")),
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exited().is_none() {
            if let Err(e) = self.stop() {
                eprintln!("interop: {e}");
            }
        }
    }
}

fn read_to_end(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
