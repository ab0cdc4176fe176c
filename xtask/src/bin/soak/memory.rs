//! Resident memory, the descriptor limit, and the plot of memory over time.

use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

/// Resident memory of this process in bytes (`/proc/self/statm`: pages, second field).
pub fn rss() -> Result<u64, String> {
    let statm = std::fs::read_to_string("/proc/self/statm").map_err(|e| format!("/proc/self/statm: {e}"))?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or("no resident size in /proc/self/statm")?;
    // SAFETY: sysconf only reads a system value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Ok(pages * u64::try_from(page).unwrap_or(4096))
}

/// Resident memory once the allocator has handed back the free memory it keeps (glibc keeps freed pages in
/// its arenas for reuse, so plain RSS stays at the highest point any burst took it): memory in use.
pub fn trimmed_rss() -> Result<u64, String> {
    // SAFETY: malloc_trim only releases free memory of the allocator.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
    rss()
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// What the plot shows: RSS samples `(seconds, bytes)`, the end of the warm-up and the sample there.
pub struct Plot<'a> {
    pub title: String,
    /// What the samples are (plain RSS, or RSS after `malloc_trim`).
    pub label: &'static str,
    pub samples: &'a [(f64, u64)],
    pub warm_up: f64,
    pub reference: u64,
    pub max_growth: f64,
}

/// A small line plot of RSS over time, the end of the warm-up and the growth allowed after it.
pub fn write_svg(plot: &Plot<'_>, path: &Path) -> Result<(), String> {
    draw(plot, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn draw(plot: &Plot<'_>, path: &Path) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (720, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let points: Vec<(f64, f64)> = plot.samples.iter().map(|&(t, b)| (t, mib(b))).collect();
    let limit = mib(plot.reference) * (1.0 + plot.max_growth);
    let t_end = points.last().map_or(1.0, |p| p.0).max(1.0);
    let top = points.iter().map(|p| p.1).fold(limit, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(&plot.title, ("sans-serif", 18))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..t_end, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("seconds of load")
        .y_desc("RSS (MiB)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    let red = RGBColor(0xd6, 0x27, 0x28);
    chart
        .draw_series(LineSeries::new(points, red.stroke_width(2)).point_size(2))?
        .label(plot.label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));
    let grey = RGBColor(0x80, 0x80, 0x80);
    chart
        .draw_series(LineSeries::new(
            [(plot.warm_up, limit), (t_end, limit)],
            grey.stroke_width(1),
        ))?
        .label(format!("warm-up sample + {:.0}%", plot.max_growth * 100.0))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey.stroke_width(1)));
    chart.draw_series(LineSeries::new(
        [(plot.warm_up, 0.0), (plot.warm_up, top)],
        grey.stroke_width(1),
    ))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
