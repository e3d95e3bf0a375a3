//! Line charts as inline SVG: a polyline over a plot area with axes, grid lines, tick labels and a title.
//! Written by hand so the report needs no script and no external asset.
//!
//! The x axis is the mark index (trading time): marks exist only while the market trades, so a time-scaled
//! axis would draw nights and weekends as long flat segments.

use std::fmt::Write;

use kis_model::grouping::group_thousands;

const LEFT: f64 = 92.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 44.0;
/// Above this many points the line is reduced to each bucket's first, lowest, highest and last point, which
/// keeps every visible extreme (a drawdown's trough must not vanish by sampling).
const MAX_POINTS: usize = 2_400;

pub struct LineChart<'a> {
    pub title: &'a str,
    pub width: u32,
    pub height: u32,
    pub values: &'a [f64],
    /// Label of each point (same length as `values`); a few, evenly spaced, are drawn under the axis.
    pub labels: &'a [String],
    pub stroke: &'a str,
    /// Fill between the line and the zero line (or the bottom), in this colour.
    pub fill: Option<&'a str>,
    /// Always include zero in the y range (a drawdown chart hangs from it).
    pub include_zero: bool,
    pub decimals: usize,
}

/// XML-escapes text for element content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567.891` → `1,234,567.89` with `decimals` digits.
/// A value that rounds to zero is written without a sign. The grouping itself is
/// [`kis_model::grouping::group_thousands`].
pub fn axis_label(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let negative = value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    group_thousands(&if negative { format!("-{text}") } else { text })
}

/// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Indices kept when drawing (see [`MAX_POINTS`]).
fn reduce(values: &[f64]) -> Vec<usize> {
    if values.len() <= MAX_POINTS {
        return (0..values.len()).collect();
    }
    let buckets = MAX_POINTS / 4;
    let mut keep = Vec::with_capacity(MAX_POINTS);
    for b in 0..buckets {
        let start = b * values.len() / buckets;
        let end = ((b + 1) * values.len() / buckets).max(start + 1).min(values.len());
        let Some(slice) = values.get(start..end) else { continue };
        let mut lo = 0;
        let mut hi = 0;
        for (i, v) in slice.iter().enumerate() {
            if *v < slice[lo] {
                lo = i;
            }
            if *v > slice[hi] {
                hi = i;
            }
        }
        let mut picks = [0, lo.min(hi), lo.max(hi), slice.len() - 1];
        picks.sort_unstable();
        for p in picks {
            if keep.last() != Some(&(start + p)) {
                keep.push(start + p);
            }
        }
    }
    keep
}

impl LineChart<'_> {
    pub fn render(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let (pw, ph) = (w - LEFT - RIGHT, h - TOP - BOTTOM);
        let mut svg = String::with_capacity(16 * 1024);
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
             role=\"img\" aria-label=\"{t}\" font-family=\"system-ui, -apple-system, Segoe UI, sans-serif\">\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\
             <text x=\"{LEFT}\" y=\"24\" font-size=\"15\" font-weight=\"600\" fill=\"#1f2937\">{t}</text>",
            t = escape(self.title)
        );
        let finite: Vec<f64> = self.values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#6b7280\" text-anchor=\"middle\">no data</text></svg>",
                LEFT + pw / 2.0,
                TOP + ph / 2.0
            );
            return svg;
        }
        let mut lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let mut hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if self.include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo < f64::EPSILON * hi.abs().max(1.0) {
            let pad = (hi.abs() * 0.01).max(1.0);
            lo -= pad;
            hi += pad;
        }
        let step = nice_step((hi - lo) / 5.0);
        let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        let y = |v: f64| TOP + ph - (v - lo) / (hi - lo) * ph;
        let n = self.values.len();
        let x = |i: usize| if n <= 1 { LEFT + pw / 2.0 } else { LEFT + pw * i as f64 / (n - 1) as f64 };

        // Horizontal grid and y labels.
        let mut tick = lo;
        let mut guard = 0;
        while tick <= hi + step * 1e-9 && guard < 50 {
            let ty = y(tick);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#4b5563\" text-anchor=\"end\">{}</text>",
                LEFT + pw,
                LEFT - 8.0,
                ty + 4.0,
                axis_label(tick, self.decimals)
            );
            tick += step;
            guard += 1;
        }
        // X labels: six, evenly spaced.
        if n > 0 {
            let count = n.min(6);
            for k in 0..count {
                let i = if count <= 1 { 0 } else { k * (n - 1) / (count - 1) };
                let label = self.labels.get(i).map_or("", String::as_str);
                let anchor = match k {
                    0 => "start",
                    k if k + 1 == count && count > 1 => "end",
                    _ => "middle",
                };
                let _ = write!(
                    svg,
                    "<line x1=\"{xi:.1}\" y1=\"{b:.1}\" x2=\"{xi:.1}\" y2=\"{t:.1}\" stroke=\"#9ca3af\" stroke-width=\"1\"/>\
                     <text x=\"{xi:.1}\" y=\"{ly:.1}\" font-size=\"11\" fill=\"#4b5563\" text-anchor=\"{anchor}\">{}</text>",
                    escape(label),
                    xi = x(i),
                    b = TOP + ph,
                    t = TOP + ph + 5.0,
                    ly = TOP + ph + 20.0,
                );
            }
        }
        // Axes.
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b:.1}\" stroke=\"#374151\" stroke-width=\"1.2\"/>\
             <line x1=\"{LEFT}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#374151\" stroke-width=\"1.2\"/>",
            b = TOP + ph,
            r = LEFT + pw
        );
        let keep = reduce(self.values);
        let mut points = String::with_capacity(keep.len() * 14);
        for &i in &keep {
            if let Some(v) = self.values.get(i).filter(|v| v.is_finite()) {
                let _ = write!(points, "{:.1},{:.1} ", x(i), y(*v));
            }
        }
        let points = points.trim_end();
        if let Some(fill) = self.fill {
            let base = y(0.0f64.clamp(lo, hi));
            let (first, last) = (keep.first().copied().unwrap_or(0), keep.last().copied().unwrap_or(0));
            let _ = write!(
                svg,
                "<polygon points=\"{:.1},{base:.1} {points} {:.1},{base:.1}\" fill=\"{fill}\" stroke=\"none\"/>",
                x(first),
                x(last)
            );
        }
        let _ = write!(
            svg,
            "<polyline points=\"{points}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/></svg>",
            self.stroke
        );
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_steps() {
        assert_eq!(axis_label(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(axis_label(-1_000.0, 0), "-1,000");
        assert_eq!(axis_label(-0.001, 2), "0.00");
        assert_eq!(axis_label(999.0, 0), "999");
        assert_eq!(nice_step(23.0), 25.0);
        assert_eq!(nice_step(0.031), 0.05);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn chart_has_title_axes_labels_and_line() {
        let values = [100.0, 110.0, 90.0, 120.0];
        let labels: Vec<String> = (0..4).map(|i| format!("d{i}")).collect();
        let svg = LineChart {
            title: "Equity <total>",
            width: 600,
            height: 300,
            values: &values,
            labels: &labels,
            stroke: "#2563eb",
            fill: None,
            include_zero: false,
            decimals: 0,
        }
        .render();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(">Equity &lt;total&gt;</text>"));
        assert!(svg.contains(">d0</text>") && svg.contains(">d3</text>"));
        // Range 90..120 in steps of 10: labels 90, 100, 110, 120.
        for label in [">90</text>", ">100</text>", ">110</text>", ">120</text>"] {
            assert!(svg.contains(label), "{label} missing");
        }
        // First point at the left edge, highest value (120) at the top of the plot area.
        assert!(svg.contains("<polyline points=\"92.0,"), "{svg}");
        assert!(svg.contains(&format!("{:.1},{:.1}\" fill=\"none\"", 600.0 - RIGHT, TOP)), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn long_series_keep_their_extremes() {
        let mut values: Vec<f64> = (0..100_000).map(|i| (i % 100) as f64).collect();
        values[54_321] = -500.0;
        let keep = reduce(&values);
        assert!(keep.len() <= MAX_POINTS);
        assert!(keep.contains(&54_321));
        assert!(keep.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((keep.first(), keep.last()), (Some(&0), Some(&99_999)));
    }
}
