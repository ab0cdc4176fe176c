//! How the report writes numbers: times, rates, bytes, ratios and counts.

pub(super) fn fmt_ns(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{ns:.1} ns"),
        ns if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        ns if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        ns => format!("{:.2} s", ns / 1e9),
    }
}

/// 994 MB, 1.20 GB, 122k: decimal prefixes, as rates are usually given.
pub(crate) fn fmt_si(value: f64, unit: &str) -> String {
    let (scaled, prefix) = match value {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    let space = if unit.is_empty() { "" } else { " " };
    format!("{}{space}{prefix}{unit}", fmt_3(scaled))
}

/// Three significant digits.
pub(super) fn fmt_3(value: f64) -> String {
    match value {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v if v >= 1.0 => format!("{v:.2}"),
        v => format!("{v:.3}"),
    }
}

/// A factor of 1 or more: "2.35x", or "3.2%" near 1, where "1.03x" would hide how close it is.
pub(super) fn fmt_factor(factor: f64) -> String {
    if factor < 1.1 {
        format!("{:.1}%", (factor - 1.0) * 100.0)
    } else {
        format!("{factor:.2}x")
    }
}

pub(super) fn fmt_bytes(bytes: f64) -> String {
    if bytes < 1024.0 {
        format!("{bytes:.0} B")
    } else {
        format!("{} KiB", fmt_3(bytes / 1024.0))
    }
}

/// 10,000.
pub(super) fn fmt_count(n: f64) -> String {
    let digits = format!("{n:.0}");
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
