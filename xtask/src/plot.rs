//! `target/bench-report.svg`: throughput by message size, coinpeer against bare tokio, from the criterion group
//! `runtime-throughput-by-size` (functions `coinpeer` and `bare-tokio`, each parameterised by payload bytes).

use std::error::Error;
use std::ops::Range;
use std::path::Path;

use plotters::prelude::*;

use crate::report::fmt_si;
use crate::results::{Results, Throughput, Timing};

const GROUP: &str = "runtime-throughput-by-size";
const SIDES: [(&str, RGBColor); 2] = [
    ("coinpeer", RGBColor(0xd6, 0x27, 0x28)),
    ("bare-tokio", RGBColor(0x1f, 0x77, 0xb4)),
];
const SIZE: (u32, u32) = (900, 520);

/// One side's line: (payload bytes, MB/s) points, smallest message first.
struct Line {
    function: &'static str,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

pub fn write_svg(results: &Results, path: &Path) -> Result<(), String> {
    let lines: Vec<Line> = SIDES
        .iter()
        .map(|&(function, color)| Line {
            function,
            color,
            points: points(results, function),
        })
        .collect();
    draw(&lines, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn points(results: &Results, function: &str) -> Vec<(f64, f64)> {
    let series = results.series(GROUP, function);
    series
        .iter()
        .map(|(payload, t)| (*payload as f64, megabytes_per_second(*payload, t)))
        .collect()
}

/// Payload bytes moved per second, whatever the bench counted its throughput in.
fn megabytes_per_second(payload: u64, timing: &Timing) -> f64 {
    let per_iteration = match timing.throughput {
        Some(Throughput::Bytes(_)) => 1.0,
        // Messages (or iterations) per second, each carrying one payload.
        Some(Throughput::Elements(_)) | None => payload as f64,
    };
    timing.rate() * per_iteration / 1e6
}

fn draw(lines: &[Line], path: &Path) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let all: Vec<(f64, f64)> = lines.iter().flat_map(|line| line.points.iter().copied()).collect();
    if all.is_empty() {
        let text = format!("{GROUP}: not measured");
        root.draw(&Text::new(text, (40, SIZE.1 as i32 / 2), ("sans-serif", 24)))?;
        root.present()?;
        return Ok(());
    }
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Throughput by message size, peer to peer over loopback",
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        // Sizes span bytes to megabytes, and a log y axis shows a constant ratio as a constant gap.
        .build_cartesian_2d(
            padded(all.iter().map(|p| p.0)).log_scale(),
            padded(all.iter().map(|p| p.1)).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("payload per message (log scale)")
        .y_desc("MB/s of payload (log scale)")
        .x_label_formatter(&|bytes| fmt_si(*bytes, "B"))
        .y_label_formatter(&|rate| format!("{rate:.0}"))
        .draw()?;
    for line in lines {
        let color = line.color;
        chart
            .draw_series(LineSeries::new(line.points.iter().copied(), color.stroke_width(2)).point_size(4))?
            .label(line.function)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The values' range with some room on a log scale.
fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo / 1.5..hi * 1.5
}
