//! The timing chart: each row of a native timing table as a bar (`class="bar"`) as long as its
//! time, with the time and, where the table compares that row with another, its ratio.

use super::data::TimingData;
use super::{clip, escape};
use crate::report::{duration, ratio_text};
use std::fmt::Write;

const ROW: f64 = 30.0;
const BAR_SPACE: f64 = 420.0;
const CHAR_WIDTH: f64 = 7.2;

pub fn chart(timing: &TimingData) -> String {
    let label_width = timing
        .rows
        .iter()
        .map(|r| clip(&r.label, 56).chars().count())
        .max()
        .unwrap_or(0) as f64
        * CHAR_WIDTH
        + 16.0;
    let slowest = timing
        .rows
        .iter()
        .map(|r| r.seconds)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let top = 8.0;
    let height = top + timing.rows.len() as f64 * ROW + 8.0;
    let width = label_width + BAR_SPACE + 200.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{}</title>"#,
        escape(&timing.title)
    );
    for (position, row) in timing.rows.iter().enumerate() {
        let y = top + position as f64 * ROW;
        let bar = (row.seconds / slowest * BAR_SPACE).max(2.0);
        let ratio = row.ratio.map_or_else(String::new, |ratio| {
            format!("  ×{}", ratio_text(ratio).trim_end_matches('x'))
        });
        let _ = write!(
            svg,
            r#"<g class="timing-row"><text class="row-label" x="8" y="{}">{}</text><rect class="bar" x="{label_width}" y="{}" width="{bar}" height="{}" rx="3"/><text class="figures" x="{}" y="{}">{}{}</text><title>{}: {}{} {}</title></g>"#,
            y + 19.0,
            escape(&clip(&row.label, 56)),
            y + 5.0,
            ROW - 10.0,
            label_width + bar + 8.0,
            y + 19.0,
            duration(row.seconds),
            escape(&ratio),
            escape(&row.label),
            duration(row.seconds),
            escape(&ratio),
            escape(&row.note)
        );
    }
    svg.push_str("</svg>");
    svg
}
