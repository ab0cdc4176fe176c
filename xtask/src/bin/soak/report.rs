//! The checks at the quiet point, and what is printed and plotted at the end.

use crate::memory::{self, mib};
use crate::node::{Kind, Tally};
use crate::txs::REQUEST_ONE_IN;
use crate::{Run, Settings, MAX_GROWTH};
use coinpeer_runtime::{Bitcoin, Peer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Commands only the nodes send, each with an outcome handle: written, reported sent and received by the
/// remote's application must all agree.
const TRACKED: [Kind; 4] = [Kind::Inv, Kind::GetData, Kind::Tx, Kind::NotFound];
/// How long the counts may take to agree (the last bytes written must still be read).
const SETTLE: Duration = Duration::from_secs(3);

pub fn add(total: &mut Tally, t: &Tally) {
    let per_kind = |a: &mut [u64; 6], b: &[u64; 6]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
    per_kind(&mut total.queued, &t.queued);
    per_kind(&mut total.sent, &t.sent);
    per_kind(&mut total.failed, &t.failed);
    per_kind(&mut total.dropped_early, &t.dropped_early);
    per_kind(&mut total.dropped_at_end, &t.dropped_at_end);
    per_kind(&mut total.lost, &t.lost);
    per_kind(&mut total.received, &t.received);
    total.outstanding += t.outstanding;
    total.items_announced += t.items_announced;
    total.items_heard += t.items_heard;
    total.items_requested += t.items_requested;
    total.txs_served += t.txs_served;
    total.items_not_found += t.items_not_found;
    total.txs_received += t.txs_received;
    total.not_found_received += t.not_found_received;
}

/// At the quiet point: for every peer and command, messages written (the peer's own stats), outcomes reported
/// sent and messages the remote's application received agree, and every request got its answer. Returns
/// the disagreements and the messages written by command, all peers.
pub async fn conservation(peers: &[Peer<Bitcoin>], tallies: &[Arc<Mutex<Tally>>]) -> (Vec<String>, [u64; 6]) {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let (mismatches, written) = compare(peers, tallies);
        if mismatches.is_empty() || tokio::time::Instant::now() >= deadline {
            return (mismatches, written);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn compare(peers: &[Peer<Bitcoin>], tallies: &[Arc<Mutex<Tally>>]) -> (Vec<String>, [u64; 6]) {
    let snapshot = |i: usize| tallies[i].lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut mismatches = Vec::new();
    let mut written = [0u64; 6];
    for (i, peer) in peers.iter().enumerate() {
        // Peers 2k and 2k + 1 are the ends of one connection.
        let (ours, theirs) = (snapshot(i), snapshot(i ^ 1));
        let stats = peer.stats();
        let wrote = |kind: Kind| stats.sent.get(kind.command()).map_or(0, |c| c.messages);
        let mut differ = |what: &str, a: u64, b: u64| {
            if a != b {
                mismatches.push(format!("peer {i}: {what}: {a} != {b}"));
            }
        };
        for kind in TRACKED {
            let k = kind as usize;
            differ(
                &format!("{} written / sent outcomes", kind.command()),
                wrote(kind),
                ours.sent[k],
            );
            differ(
                &format!("{} sent / received by the remote", kind.command()),
                ours.sent[k],
                theirs.received[k],
            );
        }
        differ("items announced / heard", ours.items_announced, theirs.items_heard);
        let answered = theirs.txs_served + theirs.items_not_found;
        differ("items requested / answered", ours.items_requested, answered);
        differ("txs served / received", ours.txs_served, theirs.txs_received);
        differ(
            "items not found / heard so",
            ours.items_not_found,
            theirs.not_found_received,
        );
        if wrote(Kind::Ping) < ours.sent[Kind::Ping as usize] {
            mismatches.push(format!("peer {i}: fewer pings written than reported sent"));
        }
        for kind in Kind::ALL {
            written[kind as usize] += wrote(kind);
        }
    }
    (mismatches, written)
}

/// Prints the run and writes the plot; true if every check passed.
pub fn report(s: &Settings, run: &Run) -> Result<bool, String> {
    let warm_up = s.warm_up();
    let load = &run.samples;
    let start = load.first().ok_or("no samples")?;
    let reference = load.iter().find(|x| x.t >= warm_up as f64 - 0.5).unwrap_or(start);
    let end = load.last().unwrap_or(start);
    // The lowest of the last three samples: a leak raises them all, a burst still in flight one or two.
    let end_rss = load[load.len().saturating_sub(3)..]
        .iter()
        .map(|x| x.rss)
        .min()
        .unwrap_or(end.rss);
    let growth = end_rss as f64 / reference.rss as f64 - 1.0;

    println!(
        "soak: {} peers ({} connections on 127.0.0.1), {} s; every {} ms each announces {} new transactions \
         (the remote asks for 1 in {REQUEST_ONE_IN}), pings every second",
        s.peers,
        s.peers / 2,
        s.seconds,
        s.interval.as_millis(),
        s.items
    );
    println!();
    println!("     t   RSS MiB  vs warm-up    msgs sent/s   tasks   send queues KiB");
    let mut previous = start.sent;
    for x in load {
        let vs = x.rss as f64 / reference.rss as f64 * 100.0 - 100.0;
        let rate = x.sent - previous;
        previous = x.sent;
        let queued = x.queued as f64 / 1024.0;
        println!(
            "{:>6.1} {:>9.1} {:>+10.1}% {:>14} {:>7} {:>17.1}",
            x.t,
            mib(x.rss),
            vs,
            rate,
            x.tasks,
            queued
        );
    }
    println!();
    let line = |what: &str, bytes: u64, note: String| println!("  {what:<40} {:>8.1} MiB  {note}", mib(bytes));
    println!(
        "memory ({}):",
        if s.raw_rss {
            "RSS"
        } else {
            "RSS after malloc_trim, i.e. in use"
        }
    );
    line("before the peers", run.rss_before, String::new());
    line("peers connected, load starts", start.rss, String::new());
    let third = if warm_up < 10 { ", the first third" } else { "" };
    line(
        &format!("after the warm-up ({warm_up} s{third})"),
        reference.rss,
        String::new(),
    );
    let limit = MAX_GROWTH * 100.0;
    line(
        "end of the load (least of the last 3)",
        end_rss,
        format!("{:+.2}% after the warm-up (limit {limit:.0}%)", growth * 100.0),
    );
    let trimmed = format!(
        "{:.1} MiB once the allocator returns what it keeps free",
        mib(run.rss_trimmed)
    );
    line("after disconnecting", run.rss_after, trimmed);
    println!();
    messages(run);
    let t = &run.total;
    println!(
        "inventory: {} items announced, {} heard, {} requested; {} transactions served, {} received; {} not found",
        t.items_announced, t.items_heard, t.items_requested, t.txs_served, t.txs_received, t.items_not_found
    );
    println!(
        "tasks: {} before the peers, {} under load, {} after disconnecting",
        run.tasks_baseline, end.tasks, run.tasks_after
    );
    println!();

    let lost = t.lost.iter().sum::<u64>() + t.dropped_early.iter().sum::<u64>() + run.unresolved_at_drain as u64;
    let checks = [
        (
            "every queued message got an outcome (none lost, none dropped while up)",
            lost == 0,
            format!(
                "{lost} without one ({} unresolved after the drain)",
                run.unresolved_at_drain
            ),
        ),
        (
            "written = reported sent = received by the remote, every request answered",
            run.mismatches.is_empty(),
            format!("{} disagreements: {}", run.mismatches.len(), first(&run.mismatches)),
        ),
        (
            "no peer disconnected before being asked to",
            run.early_disconnects.is_empty(),
            format!("{}: {}", run.early_disconnects.len(), first(&run.early_disconnects)),
        ),
        (
            "no task outlives its peer",
            run.not_disconnected == 0
                && run.nodes_not_ended == 0
                && run.peers_with_tasks == 0
                && run.tasks_after <= run.tasks_baseline,
            format!(
                "{} peers not ended, {} with tasks running, {} node tasks left, {} live tasks against {} before",
                run.not_disconnected, run.peers_with_tasks, run.nodes_not_ended, run.tasks_after, run.tasks_baseline
            ),
        ),
        (
            "RSS grows by at most 5% after the warm-up",
            growth <= MAX_GROWTH,
            format!("{:+.2}%", growth * 100.0),
        ),
    ];
    for (what, ok, detail) in &checks {
        match ok {
            true => println!("  ok    {what}"),
            false => println!("  FAIL  {what}: {detail}"),
        }
    }

    let path = target().join("soak.svg");
    let samples: Vec<(f64, u64)> = load.iter().map(|x| (x.t, x.rss)).collect();
    let plot = memory::Plot {
        title: format!("coinpeer soak: RSS of {} peers under load", s.peers),
        label: if s.raw_rss { "RSS" } else { "RSS after malloc_trim" },
        samples: &samples,
        warm_up: reference.t,
        reference: reference.rss,
        max_growth: MAX_GROWTH,
    };
    memory::write_svg(&plot, &path)?;
    println!("wrote {}", path.display());
    Ok(checks.iter().all(|c| c.1))
}

fn messages(run: &Run) {
    let t = &run.total;
    println!("command     queued        sent  failed  dropped early  dropped at end  lost     written    received");
    for kind in Kind::ALL {
        let k = kind as usize;
        println!(
            "{:<8} {:>9} {:>11} {:>7} {:>14} {:>15} {:>5} {:>11} {:>11}",
            kind.command(),
            t.queued[k],
            t.sent[k],
            t.failed[k],
            t.dropped_early[k],
            t.dropped_at_end[k],
            t.lost[k],
            run.written[k],
            t.received[k]
        );
    }
    println!("(queued..lost: the nodes' messages and their outcomes; written: every peer's stats at the quiet point,");
    println!(" with the peers' own pings and pongs; received: delivered to the nodes)");
}

fn first(list: &[String]) -> String {
    let shown: Vec<&str> = list.iter().take(3).map(String::as_str).collect();
    shown.join("; ")
}

/// The workspace's `target` (or `CARGO_TARGET_DIR`).
fn target() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
}
