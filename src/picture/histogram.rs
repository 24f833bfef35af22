//! The outcome histogram: one bar per distinct outcome (`class="bar <class>"`), coloured by its
//! class, with its count and frequency; under loom, every declared outcome that was never seen
//! as an empty bar (`class="bar missing <class>"`).

use super::data::Outcomes;
use super::{clip, escape};
use std::fmt::Write;

const ROW: f64 = 22.0;
const BAR_SPACE: f64 = 320.0;
const CHAR_WIDTH: f64 = 7.2;
const LABEL_CHARS: usize = 64;

struct BarRow<'a> {
    text: &'a str,
    class: &'a str,
    meaning: &'a str,
    count: usize,
    frequency: f64,
    missing: bool,
}

/// The histogram, or `None` for an empty table with nothing declared.
pub fn histogram(outcomes: &Outcomes) -> Option<String> {
    let mut rows: Vec<BarRow<'_>> = outcomes
        .rows
        .iter()
        .map(|row| BarRow {
            text: &row.text,
            class: &row.class,
            meaning: &row.meaning,
            count: row.count,
            frequency: row.frequency,
            missing: false,
        })
        .collect();
    for declared in outcomes.declared.iter().flatten().filter(|d| !d.seen) {
        rows.push(BarRow {
            text: &declared.text,
            class: &declared.class,
            meaning: &declared.meaning,
            count: 0,
            frequency: 0.0,
            missing: true,
        });
    }
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| a.text.cmp(b.text));
    let label_width = rows
        .iter()
        .map(|r| clip(r.text, LABEL_CHARS).chars().count())
        .max()
        .unwrap_or(0) as f64
        * CHAR_WIDTH
        + 16.0;
    let most = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1) as f64;
    let top = 34.0;
    let height = top + rows.len() as f64 * ROW + 10.0;
    let width = label_width + BAR_SPACE + 440.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="histogram" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{} outcomes</title>"#,
        rows.len()
    );
    let mut x = 8.0;
    for class in ["acceptable", "interesting", "forbidden", "missing"] {
        let _ = write!(
            svg,
            r#"<rect class="swatch {class}" x="{x}" y="8" width="14" height="14" rx="2"/><text class="legend" x="{}" y="20">{}</text>"#,
            x + 20.0,
            if class == "missing" {
                "declared, never seen"
            } else {
                class
            }
        );
        x += if class == "missing" { 200.0 } else { 120.0 };
    }
    for (position, row) in rows.iter().enumerate() {
        let y = top + position as f64 * ROW;
        let bar = if row.missing {
            BAR_SPACE
        } else {
            (row.count as f64 / most * BAR_SPACE).max(2.0)
        };
        let missing = if row.missing { " missing" } else { "" };
        let figures = if row.missing {
            "never seen".to_owned()
        } else {
            format!("{}  {:.2}%", row.count, 100.0 * row.frequency)
        };
        let _ = write!(
            svg,
            r#"<g class="outcome"><text class="outcome-text" x="8" y="{}">{}</text><rect class="bar{missing} {}" x="{label_width}" y="{}" width="{bar}" height="{}" rx="2"/><text class="figures" x="{}" y="{}">{}</text><title>{}: {} ({}), {}</title></g>"#,
            y + 15.0,
            escape(&clip(row.text, LABEL_CHARS)),
            escape(row.class),
            y + 3.0,
            ROW - 6.0,
            label_width + BAR_SPACE + 10.0,
            y + 15.0,
            escape(&format!("{figures}  {}", clip(row.meaning, 44))),
            escape(row.text),
            escape(row.class),
            escape(row.meaning),
            escape(&figures)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}
