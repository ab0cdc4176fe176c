//! `target/bench-report.md`: every figure of the suite, coinpeer against its baseline, the ratio, the goal and
//! whether this run met it.
//!
//! The ratio is always the baseline's cost over coinpeer's (time, or bytes for memory), so above 1 coinpeer is
//! faster or leaner. Throughput figures compare rates, which is the same thing when both sides move the same
//! amount per iteration.

mod figures;
mod format;
mod row;
#[cfg(test)]
mod tests;

use crate::results::Results;
use figures::{Goal, FIGURES};
pub(crate) use format::fmt_si;
use row::{measure, Row};

/// The report's Markdown. `header` says which run on which machine, one line per item.
pub fn markdown(results: &Results, header: &[String]) -> String {
    let rows: Vec<Row> = FIGURES.iter().map(|f| measure(f, results)).collect();
    let mut out = String::from("# coinpeer benchmark report\n\n");
    for line in header {
        out += &format!("- {line}\n");
    }
    out += "\n";
    out += &summary(&rows);
    out += "\nRatio = baseline cost / coinpeer cost (time, or bytes for memory): above 1, coinpeer is faster or \
             leaner. \"Missed by 1.4x\": coinpeer must get 1.4x better to meet the goal. One run, one machine: \
             compare ratios, not times, between machines.\n\n";
    out += "| figure | criterion id | coinpeer | baseline | ratio | goal | result |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for row in &rows {
        out += &row.markdown();
        out += "\n";
    }
    if rows.iter().any(|r| r.measured() && !r.fresh()) {
        out += "\n† from an earlier run (this one did not measure it: FILTER, or a bench that failed).\n";
    }
    out += "\nNotes:\n";
    for (id, note) in FIGURES.iter().filter_map(|f| Some((f.id(), f.note?))) {
        out += &format!("- `{id}`: {note}.\n");
    }
    out += "- Missing figures are shown as \"not measured\", never estimated.\n";
    out += "\n![Throughput by message size, coinpeer against bare tokio](bench-report.svg)\n";
    out
}

fn summary(rows: &[Row]) -> String {
    let with_goal: Vec<&Row> = rows.iter().filter(|r| !matches!(r.figure.goal, Goal::None)).collect();
    let measured = with_goal.iter().filter(|r| r.measured());
    let met = measured.clone().filter(|r| r.score().is_some_and(|s| s >= 1.0)).count();
    let measured = measured.count();
    format!(
        "**Goals: {met} met, {} missed, {} not measured** (of {}).\n",
        measured - met,
        with_goal.len() - measured,
        with_goal.len()
    )
}
