//! Charts as inline SVG (no script, no external asset): bars, sparklines,
//! proportions. Each chart is a `role="img"` with an accessible name that
//! states its figures, and each mark has a `<title>` (hover text).

use std::fmt::Write;

use super::escape;
use crate::manifest::{Locale, Localized};
use crate::view::{ChartPart, ChartSeries};

/// Series colours, each at least 3:1 against white (WCAG non-text contrast).
pub(crate) const PALETTE: [&str; 8] =
    ["#1f5fbf", "#c2571a", "#2e7d32", "#8e3fae", "#00838f", "#ad1457", "#6d5d00", "#546e7a"];

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn legend(h: &mut String, labels: impl Iterator<Item = String>) {
    h.push_str("<ul class=\"legend\">");
    for (i, l) in labels.enumerate() {
        let _ = write!(h, "<li><span class=\"sw\" style=\"background:{}\"></span>{}</li>", colour(i), escape(&l));
    }
    h.push_str("</ul>");
}

/// Stacked columns, one per category.
pub(crate) fn bar_chart(
    h: &mut String,
    label: &Localized,
    categories: &[Localized],
    series: &[ChartSeries],
    locale: Locale,
) {
    let n = categories.len().max(1);
    let totals: Vec<i64> = (0..categories.len())
        .map(|c| series.iter().map(|s| s.values.get(c).copied().unwrap_or(0).max(0)).sum())
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let (w, height, step) = (n as i64 * 20, 100i64, 20i64);
    let colon = if locale == Locale::Fr { " :" } else { ":" };
    let summary: Vec<String> =
        categories.iter().zip(&totals).map(|(c, t)| format!("{}{colon} {t}", c.get(locale))).collect();
    let name = format!("{} — {}", label.get(locale), summary.join(", "));
    let _ = write!(
        h,
        "<figure class=\"bars\"><figcaption>{}</figcaption>\
<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        escape(label.get(locale)),
        escape(&name)
    );
    for (c, cat) in categories.iter().enumerate() {
        let mut y = height;
        for (i, s) in series.iter().enumerate() {
            let v = s.values.get(c).copied().unwrap_or(0).max(0);
            if v == 0 {
                continue;
            }
            let bar = (v * (height - 4) / max).max(1);
            y -= bar;
            let _ = write!(
                h,
                "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{bar}\" fill=\"{}\"><title>{} — {}{colon} {v}</title></rect>",
                c as i64 * step + 3,
                step - 6,
                colour(i),
                escape(cat.get(locale)),
                escape(s.label.get(locale)),
            );
        }
    }
    let _ =
        write!(h, "<line x1=\"0\" y1=\"{height}\" x2=\"{w}\" y2=\"{height}\" stroke=\"#4f5663\" stroke-width=\"1\"/>");
    h.push_str("</svg>");
    if let (Some(first), Some(last)) = (categories.first(), categories.last()) {
        let _ = write!(
            h,
            "<div class=\"axis\" aria-hidden=\"true\"><span>{}</span><span>max {max}</span><span>{}</span></div>",
            escape(first.get(locale)),
            escape(last.get(locale))
        );
    }
    if series.len() > 1 || series.first().is_some_and(|s| !s.label.get(locale).is_empty()) {
        legend(h, series.iter().map(|s| s.label.get(locale).to_string()));
    }
    h.push_str("</figure>");
}

/// A trend line beside the current value.
pub(crate) fn sparkline(
    h: &mut String,
    label: &Localized,
    value: i64,
    values: &[i64],
    period: Option<&Localized>,
    locale: Locale,
) {
    let (w, height) = (100i64, 30i64);
    let (lo, hi) = (values.iter().copied().min().unwrap_or(0).min(0), values.iter().copied().max().unwrap_or(0).max(1));
    let n = values.len().max(2) as i64 - 1;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", i as i64 * w / n, height - 2 - (v - lo) * (height - 4) / (hi - lo).max(1)))
        .collect();
    let period_text = period.map(|p| p.get(locale).to_string()).unwrap_or_default();
    let figures: Vec<String> = values.iter().map(i64::to_string).collect();
    let colon = if locale == Locale::Fr { " :" } else { ":" };
    let name = format!("{} {period_text}{colon} {}", label.get(locale), figures.join(", "));
    let _ = write!(h, "<div class=\"spark\"><b>{value}</b><span>{}", escape(label.get(locale)),);
    if !period_text.is_empty() {
        let _ = write!(h, "<br><span class=\"sub\">{}</span>", escape(&period_text));
    }
    let _ = write!(
        h,
        "</span><svg class=\"sparkline\" viewBox=\"0 0 {w} {height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">\
<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" points=\"{}\"/></svg></div>",
        escape(&name),
        colour(0),
        points.join(" ")
    );
}

/// Parts of a whole as one stacked bar with a legend of values and shares.
pub(crate) fn proportion(h: &mut String, label: &Localized, parts: &[ChartPart], locale: Locale) {
    let total: i64 = parts.iter().map(|p| p.value.max(0)).sum();
    let share = |v: i64| if total == 0 { 0 } else { (v.max(0) * 100 + total / 2) / total };
    let described: Vec<String> = parts
        .iter()
        .map(|p| match locale {
            Locale::Fr => format!("{} : {} ({} %)", p.label.get(locale), p.value, share(p.value)),
            Locale::En => format!("{}: {} ({}%)", p.label.get(locale), p.value, share(p.value)),
        })
        .collect();
    let name = format!("{} — {}", label.get(locale), described.join(", "));
    let _ = write!(
        h,
        "<figure class=\"proportion\"><figcaption>{}</figcaption>\
<svg class=\"chart\" viewBox=\"0 0 1000 24\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        escape(label.get(locale)),
        escape(&name)
    );
    let mut x = 0i64;
    for (i, p) in parts.iter().enumerate() {
        let v = p.value.max(0);
        if v == 0 || total == 0 {
            continue;
        }
        let wpart = v * 1000 / total;
        let _ = write!(
            h,
            "<rect x=\"{x}\" y=\"0\" width=\"{}\" height=\"24\" fill=\"{}\"><title>{}</title></rect>",
            wpart.max(1),
            colour(i),
            escape(&described[i])
        );
        x += wpart;
    }
    if total == 0 {
        h.push_str("<rect x=\"0\" y=\"0\" width=\"1000\" height=\"24\" fill=\"#e3e6ea\"/>");
    }
    h.push_str("</svg>");
    legend(h, described.into_iter());
    h.push_str("</figure>");
}
