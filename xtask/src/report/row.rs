//! One row of the table: what this run measured of a figure, the ratio, and how it fares against its goal.

use super::figures::{Figure, Goal, Source};
use super::format::{fmt_3, fmt_bytes, fmt_count, fmt_factor, fmt_ns, fmt_si};
use crate::results::{Results, Throughput, Timing};

/// One side of a figure as measured.
struct Cell {
    text: String,
    /// Median nanoseconds, or bytes for memory: what the absolute goals compare.
    cost: f64,
    fresh: bool,
}

/// A figure with what this run measured of it.
pub(super) struct Row<'a> {
    pub(super) figure: &'a Figure,
    coinpeer: Option<Cell>,
    baseline: Option<Cell>,
    ratio: Option<f64>,
}

pub(super) fn measure<'a>(figure: &'a Figure, results: &Results) -> Row<'a> {
    let (coinpeer, baseline, ratio) = match figure.source {
        Source::Versus {
            group,
            subject,
            baseline,
        } => {
            let ours = results.timing(group, subject);
            let theirs = results.timing(group, baseline);
            let ratio = ours.as_ref().zip(theirs.as_ref()).map(|(o, t)| o.rate() / t.rate());
            let cell = |function, timing: Option<Timing>| timing.map(|t| timing_cell(results, group, function, t));
            (cell(subject, ours), cell(baseline, theirs), ratio)
        }
        Source::Alone { group, function } => {
            let cell = results
                .timing(group, function)
                .map(|t| timing_cell(results, group, function, t));
            (cell, None, None)
        }
        Source::Memory => match results.memory() {
            Some(m) => {
                let cell = |bytes: f64| Cell {
                    text: format!("{} ({} peers)", fmt_bytes(bytes), fmt_count(m.peers as f64)),
                    cost: bytes,
                    fresh: m.fresh,
                };
                let ratio = m.bare_bytes_per_peer / m.coinpeer_bytes_per_peer;
                (
                    Some(cell(m.coinpeer_bytes_per_peer)),
                    Some(cell(m.bare_bytes_per_peer)),
                    Some(ratio),
                )
            }
            None => (None, None, None),
        },
    };
    Row {
        figure,
        coinpeer,
        baseline,
        ratio,
    }
}

/// "1.39 ms · 994 MB/s", with the latency percentiles when the bench wrote them.
fn timing_cell(results: &Results, group: &str, function: &str, timing: Timing) -> Cell {
    let mut text = fmt_ns(timing.median_ns);
    match timing.throughput {
        Some(Throughput::Bytes(_)) => text += &format!(" · {}/s", fmt_si(timing.rate(), "B")),
        Some(Throughput::Elements(_)) => text += &format!(" · {}/s", fmt_si(timing.rate(), "")),
        None => {}
    }
    if let Some(p) = results.percentiles(group, function) {
        text += &format!(" (p50 {}, p99 {})", fmt_ns(p.p50_ns), fmt_ns(p.p99_ns));
    }
    Cell {
        text,
        cost: timing.median_ns,
        fresh: timing.fresh,
    }
}

impl Row<'_> {
    /// How many times better than its goal this run was (met at 1 or more); `None` without a goal or a
    /// measurement.
    pub(super) fn score(&self) -> Option<f64> {
        let coinpeer = self.coinpeer.as_ref()?;
        match self.figure.goal {
            Goal::None => None,
            Goal::Ratio(min) => Some(self.ratio? / min),
            Goal::WithinTimes(max) => Some(self.ratio? * max),
            Goal::Nanos(max) | Goal::Bytes(max) => Some(max / coinpeer.cost),
        }
    }

    pub(super) fn measured(&self) -> bool {
        let needs_baseline = !matches!(self.figure.source, Source::Alone { .. });
        self.coinpeer.is_some() && (self.baseline.is_some() || !needs_baseline)
    }

    pub(super) fn fresh(&self) -> bool {
        [&self.coinpeer, &self.baseline]
            .into_iter()
            .flatten()
            .all(|cell| cell.fresh)
    }

    fn result(&self) -> String {
        if !self.measured() {
            return "not measured".into();
        }
        match self.score() {
            None => "—".into(),
            Some(s) if s >= 1.0 => format!("met ({} to spare)", fmt_factor(s)),
            Some(s) => format!("**missed** by {}", fmt_factor(1.0 / s)),
        }
    }

    pub(super) fn markdown(&self) -> String {
        let stale = if self.fresh() { "" } else { " †" };
        let cell = |cell: &Option<Cell>| match cell {
            Some(c) => format!("{}{stale}", c.text),
            None => "not measured".into(),
        };
        let baseline = match self.figure.source {
            Source::Versus { baseline, .. } => format!("{baseline}: {}", cell(&self.baseline)),
            Source::Alone { .. } => "—".into(),
            Source::Memory => format!("bare tokio: {}", cell(&self.baseline)),
        };
        let ratio = self.ratio.map_or("—".into(), fmt_3);
        let figure = self.figure;
        format!(
            "| {} | `{}` | {} | {baseline} | {ratio} | {} | {} |",
            figure.what,
            figure.id(),
            cell(&self.coinpeer),
            goal_text(figure.goal),
            self.result()
        )
    }
}

fn goal_text(goal: Goal) -> String {
    match goal {
        Goal::None => "—".into(),
        Goal::Ratio(min) => format!("ratio ≥ {min:.2}"),
        Goal::WithinTimes(max) => format!("time ≤ {max}x baseline"),
        Goal::Nanos(max) => format!("≤ {max} ns"),
        Goal::Bytes(max) => format!("≤ {} per peer", fmt_bytes(max)),
    }
}
