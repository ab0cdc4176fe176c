//! The summary line of a run: what libFuzzer's output says (executions per second, coverage, corpus) and whether
//! the target crashed.

/// What one run gave, from libFuzzer's output and the corpus folder.
pub(super) struct Summary {
    pub(super) target: &'static str,
    pub(super) seconds: u32,
    pub(super) execs_per_sec: Option<u64>,
    pub(super) cov: Option<u64>,
    pub(super) ft: Option<u64>,
    /// libFuzzer's corpus at the end (`corp: N/SIZE`): the inputs that each add coverage.
    pub(super) corpus: Option<(u64, String)>,
    /// Files in the corpus folder, older ones and seeds included.
    pub(super) corpus_files: usize,
    pub(super) crashed: bool,
    /// The input that crashed, or the log to look at.
    pub(super) detail: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        let (inputs, size) = self.corpus.clone().unwrap_or((0, "?".into()));
        write!(
            f,
            "{:<24} {:>5} s  {:>7} exec/s  cov {:>6}  ft {:>6}  corpus {:>5} inputs ({:>6}; {:>5} files)  {}",
            self.target,
            self.seconds,
            n(self.execs_per_sec),
            n(self.cov),
            n(self.ft),
            inputs,
            size,
            self.corpus_files,
            if self.crashed {
                format!("CRASH {}", self.detail)
            } else {
                "no crash".to_string()
            }
        )
    }
}

/// Reads libFuzzer's last status line (`#N DONE cov: C ft: F corp: ...`) and its final statistics.
pub(super) fn parse(target: &'static str, seconds: u32, output: &str) -> Summary {
    let field = |line: &str, name: &str| -> Option<u64> {
        let rest = &line[line.find(name)? + name.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    let status = output
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains(" cov: "))
        .unwrap_or("");
    let execs = output
        .lines()
        .find_map(|l| l.strip_prefix("stat::average_exec_per_sec:"))
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| field(status, "exec/s: "));
    Summary {
        target,
        seconds,
        execs_per_sec: execs,
        cov: field(status, "cov: "),
        ft: field(status, "ft: "),
        corpus: status.split_once("corp: ").and_then(|(_, rest)| {
            let (n, size) = rest.split_whitespace().next()?.split_once('/')?;
            Some((n.parse().ok()?, size.to_string()))
        }),
        corpus_files: 0,
        crashed: false,
        detail: String::new(),
    }
}

/// The path libFuzzer wrote a crashing input to, if it did.
pub(super) fn crash_input(output: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let at = l.find("Test unit written to ")?;
        Some(l[at + "Test unit written to ".len()..].trim().to_string())
    })
}
