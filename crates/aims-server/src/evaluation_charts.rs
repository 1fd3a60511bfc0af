//! Server-drawn SVG charts of stored evaluations, read from their JSON results: per-group
//! rates with their 95% intervals and the four-fifths line for fairness, reference against
//! current shares per bin or category for drift. Presentation attributes only (no CSS), so
//! the pages' content security policy allows them inline; every text is escaped.

use std::fmt::Write as _;

use serde_json::Value;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const BLUE: &str = "#0969da";
const GREY: &str = "#8c959f";
const INK: &str = "#1f2328";
const RED: &str = "#cf222e";

/// A group's name as `attribute=value, …`, or `overall`.
fn group_name(group: &Value) -> String {
    match group.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "overall".to_owned(),
    }
}

/// One horizontal bar per group of `metric` (0 to 1), with its interval as a whisker, under
/// `title`. For the selection rate, the four-fifths line sits at 0.8 × the highest group's
/// rate. `None` when no group has the metric.
pub fn fairness_chart(groups: &[Value], metric: &str, title: &str) -> Option<String> {
    let rows: Vec<(String, f64, Option<[f64; 2]>)> = groups
        .iter()
        .filter_map(|g| {
            let value = g[metric].as_f64()?;
            let interval = g["intervals"][metric]
                .as_array()
                .and_then(|i| Some([i.first()?.as_f64()?, i.get(1)?.as_f64()?]));
            Some((group_name(&g["group"]), value, interval))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    const LEFT: f64 = 290.0;
    const WIDTH: f64 = 360.0;
    const ROW: f64 = 26.0;
    let height = 40.0 + ROW * rows.len() as f64 + 24.0;
    let x = |v: f64| LEFT + v.clamp(0.0, 1.0) * WIDTH;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" role="img" aria-label="{title}, with 95% intervals"><text x="{LEFT}" y="18" font-family="sans-serif" font-size="14" font-weight="bold" fill="{INK}">{title}</text>"#,
        w = LEFT + WIDTH + 60.0,
        title = escape(title),
    );
    for (i, (name, value, interval)) in rows.iter().enumerate() {
        let y = 34.0 + ROW * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" font-family="sans-serif" font-size="12" fill="{INK}">{}</text><rect x="{LEFT}" y="{}" width="{:.1}" height="14" fill="{BLUE}"><title>{}: {value:.3}</title></rect>"#,
            LEFT - 8.0,
            y + 12.0,
            escape(name),
            y + 2.0,
            x(*value) - LEFT,
            escape(name),
        );
        if let Some([low, high]) = interval {
            let mid = y + 9.0;
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{mid}" x2="{:.1}" y2="{mid}" stroke="{INK}" stroke-width="1.5"/><line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="{INK}"/><line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="{INK}"/>"#,
                x(*low),
                x(*high),
                x(*low),
                mid - 5.0,
                x(*low),
                mid + 5.0,
                x(*high),
                mid - 5.0,
                x(*high),
                mid + 5.0,
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-family="sans-serif" font-size="11" fill="{INK}">{value:.3}</text>"#,
            x(interval.map_or(*value, |i| i[1])) + 6.0,
            y + 12.0
        );
    }
    let bottom = 34.0 + ROW * rows.len() as f64;
    if metric == "selection_rate" {
        let best = rows.iter().map(|r| r.1).fold(0.0, f64::max);
        let line = x(0.8 * best);
        let _ = write!(
            svg,
            r#"<line x1="{line:.1}" y1="26" x2="{line:.1}" y2="{bottom}" stroke="{RED}" stroke-dasharray="4 3"/><text x="{line:.1}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="11" fill="{RED}">four-fifths of the highest</text>"#,
            bottom + 16.0
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{bottom}" x2="{}" y2="{bottom}" stroke="{GREY}"/></svg>"#,
        LEFT + WIDTH
    );
    Some(svg)
}

/// A bin edge as people read it: whole numbers for large values, three decimals for small.
fn edge(value: &Value) -> String {
    let v = value.as_f64().unwrap_or(f64::NAN);
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// Reference against current shares of one drift column: bins (edges) or categories, two
/// bars each. `None` when the column has no histogram.
pub fn drift_chart(column: &Value) -> Option<String> {
    let histogram = &column["histogram"];
    let reference: Vec<f64> = histogram["reference"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let current: Vec<f64> = histogram["current"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if reference.is_empty() || reference.len() != current.len() {
        return None;
    }
    let labels: Vec<String> = match (
        histogram["categories"].as_array(),
        histogram["edges"].as_array(),
    ) {
        (Some(categories), _) => categories
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_owned())
            .collect(),
        (None, Some(edges)) => edges
            .windows(2)
            .map(|w| format!("{}–{}", edge(&w[0]), edge(&w[1])))
            .collect(),
        _ => (1..=reference.len()).map(|i| format!("bin {i}")).collect(),
    };
    let top = reference
        .iter()
        .chain(&current)
        .fold(0.0_f64, |m, v| m.max(*v))
        .max(1e-9);
    const SLOT: f64 = 44.0;
    const CHART: f64 = 150.0;
    // Room on the left for the first slanted label, and for the legend beside the title.
    const LEFT: f64 = 40.0;
    let width = (LEFT + 10.0 + SLOT * reference.len() as f64).max(360.0);
    let height = CHART + 80.0;
    let name = column["name"].as_str().unwrap_or_default();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{} reference and current shares"><text x="10" y="16" font-family="sans-serif" font-size="13" font-weight="bold" fill="{INK}">{}</text><rect x="{}" y="6" width="10" height="10" fill="{GREY}"/><text x="{}" y="15" font-family="sans-serif" font-size="11" fill="{INK}">reference</text><rect x="{}" y="6" width="10" height="10" fill="{BLUE}"/><text x="{}" y="15" font-family="sans-serif" font-size="11" fill="{INK}">current</text>"#,
        escape(name),
        escape(name),
        width - 150.0,
        width - 136.0,
        width - 75.0,
        width - 61.0,
    );
    let base = 24.0 + CHART;
    for (i, ((r, c), label)) in reference.iter().zip(&current).zip(&labels).enumerate() {
        let x = LEFT + SLOT * i as f64;
        for (offset, value, colour, which) in
            [(4.0, r, GREY, "reference"), (20.0, c, BLUE, "current")]
        {
            let h = CHART * value / top;
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="15" height="{h:.1}" fill="{colour}"><title>{} {which}: {:.1}%</title></rect>"#,
                x + offset,
                base - h,
                escape(label),
                value * 100.0
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="end" transform="rotate(-40 {:.1} {})" font-family="sans-serif" font-size="10" fill="{INK}">{}</text>"#,
            x + 22.0,
            base + 14.0,
            x + 22.0,
            base + 14.0,
            escape(label)
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{base}" x2="{:.1}" y2="{base}" stroke="{GREY}"/></svg>"#,
        width - 10.0
    );
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fairness_bars_whiskers_and_the_four_fifths_line() {
        let result = json!({"groups": [
            {"group": {"skin_tone": "light"}, "selection_rate": 0.5, "intervals": {"selection_rate": [0.45, 0.55]}},
            {"group": {"skin_tone": "<dark>"}, "selection_rate": 0.3, "intervals": {"selection_rate": [0.25, 0.35]}},
        ]});
        let groups = result["groups"].as_array().unwrap();
        let svg = fairness_chart(groups, "selection_rate", "selection rate by <skin>").unwrap();
        assert_eq!(svg.matches("<rect ").count(), 2);
        assert!(svg.contains("skin_tone=&lt;dark&gt;") && !svg.contains("<dark>"));
        assert!(svg.contains(">selection rate by &lt;skin&gt;<"));
        assert!(svg.contains("four-fifths of the highest"));
        // 0.8 × 0.5 = 0.4 → x = 290 + 0.4 × 360 = 434.
        assert!(svg.contains(r#"x1="434.0""#), "{svg}");
        assert!(fairness_chart(groups, "tpr", "tpr").is_none());
    }

    #[test]
    fn drift_bars_for_bins_and_categories() {
        let numeric = json!({"name": "income", "histogram": {"edges": [0.0, 1.0, 2.0], "reference": [0.5, 0.5], "current": [0.2, 0.8]}});
        let svg = drift_chart(&numeric).unwrap();
        assert_eq!(
            svg.matches("<rect ").count(),
            2 + 4,
            "legend and two bars per bin"
        );
        assert!(svg.contains("0.000–1.000"));
        assert_eq!(edge(&json!(2583.0)), "2583");
        let categorical = json!({"name": "channel", "histogram": {"categories": ["web", "app"], "reference": [0.6, 0.4], "current": [0.5, 0.5]}});
        assert!(drift_chart(&categorical).unwrap().contains(">web<"));
        assert!(drift_chart(&json!({"name": "x"})).is_none());
    }
}
