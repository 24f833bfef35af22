//! The timeline of a failing execution as an SVG picture: one lane per thread, time downwards,
//! each shown event a box (`class="event"`) with its action and source line; a lock's holding a
//! bar along its lane (`class="hold"`); the steps between shown events folded into one marker
//! (`class="folded"`); a lost update's stale read joined to its overwriting write by an arrow
//! (`class="lost-update"`); a deadlock's ring drawn as "waits for" arrows between lanes
//! (`class="ring"`); a thread stopped by the program's exit as a cut lane (`class="cut"`).

use super::data::{FailureData, Holding};
use super::{clip, escape};
use std::fmt::Write;

const STEP_COLUMN: f64 = 56.0;
const LANE_WIDTH: f64 = 290.0;
const HEADER: f64 = 40.0;
const ROW: f64 = 44.0;
const FOLD_ROW: f64 = 26.0;
const BOX_LEFT: f64 = 26.0;
const BOX_WIDTH: f64 = LANE_WIDTH - 64.0;
const LABEL_CHARS: usize = 30;

enum Line {
    Event(usize),
    Folded(usize),
    Blocked(usize),
}

struct Placed {
    line: Line,
    top: f64,
    height: f64,
}

/// The timeline of `failure`'s shown events, or `None` when it shows none.
pub fn timeline(failure: &FailureData) -> Option<String> {
    let shown = &failure.shown.events;
    if shown.is_empty() && failure.ring.is_empty() {
        return None;
    }
    let mut lanes: Vec<usize> = Vec::new();
    for &index in shown {
        let thread = failure.events[index].thread;
        if !lanes.contains(&thread) {
            lanes.push(thread);
        }
    }
    for &thread in &failure.ring {
        if !lanes.contains(&thread) {
            lanes.push(thread);
        }
    }
    let lane_of = |thread: usize| lanes.iter().position(|&t| t == thread);
    let lane_x = |lane: usize| STEP_COLUMN + lane as f64 * LANE_WIDTH;

    let mut lines = Vec::new();
    let mut previous: Option<usize> = None;
    for &index in shown {
        let folded = match previous {
            None => index,
            Some(previous) => index.saturating_sub(previous + 1),
        };
        if folded > 0 {
            lines.push(Line::Folded(folded));
        }
        lines.push(Line::Event(index));
        previous = Some(index);
    }
    let after = failure
        .events
        .len()
        .saturating_sub(previous.map_or(0, |p| p + 1));
    if after > 0 && previous.is_some() {
        lines.push(Line::Folded(after));
    }
    for &thread in &failure.ring {
        lines.push(Line::Blocked(thread));
    }
    let mut placed = Vec::new();
    let mut y = HEADER + 8.0;
    for line in lines {
        let height = if matches!(line, Line::Folded(_)) {
            FOLD_ROW
        } else {
            ROW
        };
        placed.push(Placed {
            line,
            top: y,
            height,
        });
        y += height;
    }
    let bottom = y + 8.0;
    let width = STEP_COLUMN + lanes.len() as f64 * LANE_WIDTH + 8.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="timeline" width="{width}" height="{bottom}" viewBox="0 0 {width} {bottom}" role="img"><title>{}</title>"#,
        escape(&failure.shown.heading)
    );
    let _ = write!(
        svg,
        r##"<text class="step-heading" x="{}" y="{}" text-anchor="end">step</text>"##,
        STEP_COLUMN - 10.0,
        HEADER - 14.0
    );

    // Lanes: a header with the thread's name, a line down to where the thread ended.
    for (lane, &thread) in lanes.iter().enumerate() {
        let x = lane_x(lane);
        let name = failure
            .threads
            .get(thread)
            .cloned()
            .unwrap_or_else(|| format!("thread #{thread}"));
        let ended = placed.iter().find_map(|p| match p.line {
            Line::Event(index)
                if failure.events[index].thread == thread
                    && matches!(
                        failure.events[index].kind.as_str(),
                        "finish" | "stopped_at_exit"
                    ) =>
            {
                Some((
                    p.top + p.height,
                    failure.events[index].kind == "stopped_at_exit",
                ))
            }
            _ => None,
        });
        let end = ended.map_or(bottom - 4.0, |(end, _)| end);
        let _ = write!(
            svg,
            r##"<g class="lane" data-thread="{thread}"><rect class="lane-head" x="{}" y="6" width="{}" height="{}" rx="4"/><text class="lane-name" x="{}" y="{}" text-anchor="middle">{}<title>{}</title></text><line class="lane-line" x1="{}" y1="{HEADER}" x2="{}" y2="{end}"/>"##,
            x + 6.0,
            LANE_WIDTH - 12.0,
            HEADER - 14.0,
            x + LANE_WIDTH / 2.0,
            HEADER - 14.0,
            escape(&clip(&name, 34)),
            escape(&name),
            x + BOX_LEFT - 10.0,
            x + BOX_LEFT - 10.0,
        );
        if let Some((end, true)) = ended {
            let cx = x + BOX_LEFT - 10.0;
            let _ = write!(
                svg,
                r##"<path class="cut" d="M{} {end} l8 6 l-16 6 l16 6 l-8 6"/><text class="cut-label" x="{}" y="{}">stopped at exit</text>"##,
                cx,
                cx + 12.0,
                end + 18.0
            );
        }
        svg.push_str("</g>");
    }

    // Holding bars, drawn before the boxes so the boxes stay readable.
    let row_of = |index: usize| {
        placed
            .iter()
            .find(|p| matches!(p.line, Line::Event(i) if i == index))
    };
    let first_top = placed.first().map_or(HEADER, |p| p.top);
    let mut depth_at: Vec<Vec<(f64, f64)>> = vec![Vec::new(); lanes.len()];
    // Where each lock still held at the end is drawn: the ring's arrows point at it.
    let mut held_at_end: Vec<(usize, &str, f64)> = Vec::new();
    for holding in &failure.holds {
        let Some(lane) = lane_of(holding.thread) else {
            continue;
        };
        let Some((top, end)) = span(holding, &placed, first_top, bottom - 8.0) else {
            continue;
        };
        let depth = depth_at[lane]
            .iter()
            .filter(|(t, e)| *t < end && top < *e)
            .count();
        depth_at[lane].push((top, end));
        let x = lane_x(lane) + BOX_LEFT + BOX_WIDTH + 6.0 + depth as f64 * 10.0;
        if holding.until.is_none() {
            held_at_end.push((holding.thread, &holding.lock, x));
        }
        let _ = write!(
            svg,
            r##"<g class="hold"><rect x="{x}" y="{top}" width="7" height="{}" rx="2"/><text class="hold-label" x="{}" y="{}" transform="rotate(90 {} {})">{}</text><title>{} holds {}</title></g>"##,
            (end - top).max(4.0),
            x + 10.0,
            top + 4.0,
            x + 10.0,
            top + 4.0,
            escape(&clip(&holding.lock, 16)),
            escape(
                failure
                    .threads
                    .get(holding.thread)
                    .map_or("", String::as_str)
            ),
            escape(&holding.lock)
        );
    }

    let lost = failure.lost_update.as_ref();
    for p in &placed {
        let mid = p.top + p.height / 2.0;
        match p.line {
            Line::Folded(steps) => {
                let plural = if steps == 1 { "step" } else { "steps" };
                let _ = write!(
                    svg,
                    r##"<g class="folded"><line x1="{}" y1="{mid}" x2="{}" y2="{mid}"/><text x="{}" y="{}" text-anchor="middle">⋯ {steps} {plural} folded ⋯</text></g>"##,
                    STEP_COLUMN,
                    width - 8.0,
                    STEP_COLUMN + (width - STEP_COLUMN) / 2.0,
                    mid + 4.0
                );
            }
            Line::Event(index) => {
                let event = &failure.events[index];
                let Some(lane) = lane_of(event.thread) else {
                    continue;
                };
                let mut class = String::from("event");
                if let Some(lost) = lost.filter(|l| l.events.contains(&index)) {
                    if event.thread == lost.stale {
                        class.push_str(" stale");
                    } else if event.kind == "write" {
                        class.push_str(" overwritten");
                    } else {
                        class.push_str(" involved");
                    }
                }
                if event.kind == "stopped_at_exit" || event.kind == "exit" {
                    class.push_str(" exit");
                }
                let x = lane_x(lane) + BOX_LEFT;
                let at = match (&event.file, event.line) {
                    (Some(file), Some(line)) => format!("{file}:{line}"),
                    _ => String::new(),
                };
                let _ = write!(
                    svg,
                    r##"<text class="step" x="{}" y="{}" text-anchor="end">{}</text><g class="{class}" data-event="{index}"><rect x="{x}" y="{}" width="{BOX_WIDTH}" height="{}" rx="5"/><text class="label" x="{}" y="{}">{}</text>"##,
                    STEP_COLUMN - 10.0,
                    mid + 4.0,
                    index + 1,
                    p.top + 4.0,
                    p.height - 8.0,
                    x + 8.0,
                    if at.is_empty() { mid + 4.0 } else { mid - 2.0 },
                    escape(&clip(&event.text, LABEL_CHARS)),
                );
                if !at.is_empty() {
                    let _ = write!(
                        svg,
                        r##"<text class="at" x="{}" y="{}">{}</text>"##,
                        x + 8.0,
                        mid + 12.0,
                        escape(&clip(&at, LABEL_CHARS + 4))
                    );
                }
                let _ = write!(svg, "<title>{}</title></g>", escape(&event.text));
            }
            Line::Blocked(thread) => {
                let Some(lane) = lane_of(thread) else {
                    continue;
                };
                let waits = super::data::waits_of(failure, thread)
                    .map_or_else(String::new, |b| b.waits_for.clone());
                let x = lane_x(lane) + BOX_LEFT;
                let _ = write!(
                    svg,
                    r##"<text class="step" x="{}" y="{}" text-anchor="end">-</text><g class="blocked" data-thread="{thread}"><rect x="{x}" y="{}" width="{BOX_WIDTH}" height="{}" rx="5"/><text class="label" x="{}" y="{}">{}</text><title>blocks on {}</title></g>"##,
                    STEP_COLUMN - 10.0,
                    mid + 4.0,
                    p.top + 4.0,
                    p.height - 8.0,
                    x + 8.0,
                    mid + 4.0,
                    escape(&clip(&format!("blocks on {waits}"), LABEL_CHARS)),
                    escape(&waits)
                );
            }
        }
    }

    if let Some(lost) = lost {
        let stale: Vec<usize> = lost
            .events
            .iter()
            .copied()
            .filter(|&i| {
                failure
                    .events
                    .get(i)
                    .is_some_and(|e| e.thread == lost.stale)
            })
            .collect();
        let overwritten = lost.events.iter().copied().find(|&i| {
            failure
                .events
                .get(i)
                .is_some_and(|e| e.thread == lost.overwritten && e.kind == "write")
        });
        if let ([read, write], Some(lane)) = (stale.as_slice(), lane_of(lost.stale))
            && let (Some(from), Some(to)) = (row_of(*read), row_of(*write))
        {
            let x = lane_x(lane) + BOX_LEFT + BOX_WIDTH;
            let (y1, y2) = (from.top + from.height / 2.0, to.top + to.height / 2.0);
            let bulge = x + 40.0;
            let _ = write!(
                svg,
                r##"<g class="lost-update"><path d="M{x} {y1} C{bulge} {y1} {bulge} {y2} {} {y2}"/><polygon points="{x},{y2} {},{} {},{}"/><text x="{}" y="{}" transform="rotate(90 {} {})">stale value</text><title>{} read {} before the other thread wrote it, then wrote its own value over that write: an update is lost</title></g>"##,
                x + 6.0,
                x + 9.0,
                y2 - 5.0,
                x + 9.0,
                y2 + 5.0,
                bulge - 6.0,
                (y1 + y2) / 2.0 - 28.0,
                bulge - 6.0,
                (y1 + y2) / 2.0 - 28.0,
                escape(failure.threads.get(lost.stale).map_or("", String::as_str)),
                escape(&lost.var),
            );
            if let Some(overwritten) = overwritten.and_then(row_of)
                && let Some(other_lane) = lane_of(lost.overwritten)
            {
                let from_x = lane_x(other_lane) + BOX_LEFT + BOX_WIDTH / 2.0;
                let from_y = overwritten.top + overwritten.height - 4.0;
                let to_x = lane_x(lane) + BOX_LEFT + BOX_WIDTH / 2.0;
                let to_y = to.top + 4.0;
                let _ = write!(
                    svg,
                    r##"<g class="overwrite"><line x1="{from_x}" y1="{from_y}" x2="{to_x}" y2="{to_y}"/><title>this write is overwritten</title></g>"##
                );
            }
        }
    }

    // The ring: each blocked thread's row gets an arrow to the lane of the thread it waits on.
    for (position, &thread) in failure.ring.iter().enumerate() {
        let next = failure.ring[(position + 1) % failure.ring.len()];
        let (Some(lane), Some(next_lane)) = (lane_of(thread), lane_of(next)) else {
            continue;
        };
        let Some(row) = placed
            .iter()
            .find(|p| matches!(p.line, Line::Blocked(t) if t == thread))
        else {
            continue;
        };
        let y = row.top + row.height / 2.0;
        let waits = super::data::waits_of(failure, thread).map_or("", |b| b.waits_for.as_str());
        let bar = held_at_end
            .iter()
            .find(|(holder, lock, _)| *holder == next && *lock == waits)
            .map(|&(_, _, x)| x);
        let title = format!(
            "{} waits for {waits}, which {} holds",
            failure.threads.get(thread).map_or("", String::as_str),
            failure.threads.get(next).map_or("", String::as_str)
        );
        let path = if lane == next_lane {
            let x = lane_x(lane) + BOX_LEFT + BOX_WIDTH;
            format!(
                "M{x} {y} C{} {} {} {} {} {}",
                x + 50.0,
                y - 10.0,
                x + 50.0,
                row.top - 30.0,
                x - 20.0,
                row.top + 4.0
            )
        } else {
            let (from, to) = ring_ends(lane_x(lane), lane_x(next_lane), bar);
            let dip = if to > from { -14.0 } else { 14.0 };
            format!(
                "M{from} {y} C{} {} {} {} {to} {y}",
                from + (to - from) / 3.0,
                y + dip,
                from + 2.0 * (to - from) / 3.0,
                y + dip
            )
        };
        let (tip_x, tip_y, back) = if lane == next_lane {
            (
                lane_x(lane) + BOX_LEFT + BOX_WIDTH - 20.0,
                row.top + 4.0,
                0.0,
            )
        } else {
            let (from, to) = ring_ends(lane_x(lane), lane_x(next_lane), bar);
            (to, y, if to > from { -9.0 } else { 9.0 })
        };
        let head = if back == 0.0 {
            format!(
                "{tip_x},{tip_y} {},{} {},{}",
                tip_x - 5.0,
                tip_y - 9.0,
                tip_x + 5.0,
                tip_y - 9.0
            )
        } else {
            format!(
                "{tip_x},{tip_y} {},{} {},{}",
                tip_x + back,
                tip_y - 5.0,
                tip_x + back,
                tip_y + 5.0
            )
        };
        let _ = write!(
            svg,
            r##"<g class="ring"><path d="{path}"/><polygon points="{head}"/><title>{}</title></g>"##,
            escape(&title)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Where a ring's arrow between two lanes starts and ends: from the side of the blocked thread's
/// box that faces the other lane, to the bar of the lock it waits for (or, with no bar drawn,
/// the other lane's box).
fn ring_ends(from_lane: f64, to_lane: f64, bar: Option<f64>) -> (f64, f64) {
    let rightwards = to_lane > from_lane;
    let from = if rightwards {
        from_lane + BOX_LEFT + BOX_WIDTH
    } else {
        from_lane + BOX_LEFT
    };
    let to = match bar {
        Some(x) if x > from => x,
        Some(x) => x + 7.0,
        None if rightwards => to_lane + BOX_LEFT,
        None => to_lane + BOX_LEFT + BOX_WIDTH,
    };
    (from, to)
}

/// Where a holding's bar runs: from its acquire's row (or the top, if taken before the first
/// shown event) to its release's row (or the bottom, if still held); none if it lies wholly in a
/// folded stretch.
fn span(holding: &Holding, placed: &[Placed], top: f64, bottom: f64) -> Option<(f64, f64)> {
    let events: Vec<(usize, &Placed)> = placed
        .iter()
        .filter_map(|p| match p.line {
            Line::Event(index) => Some((index, p)),
            _ => None,
        })
        .collect();
    let until = holding.until.unwrap_or(usize::MAX);
    let inside: Vec<&(usize, &Placed)> = events
        .iter()
        .filter(|(index, _)| (holding.from..=until).contains(index))
        .collect();
    let starts_before = events
        .first()
        .is_some_and(|(first, _)| holding.from < *first);
    let ends_after = events.last().is_some_and(|(last, _)| until > *last);
    if inside.is_empty() && !(starts_before && ends_after) {
        return None;
    }
    let start = match inside.first() {
        Some((index, p)) if *index == holding.from => p.top + 4.0,
        _ if starts_before => top,
        Some((_, p)) => p.top,
        None => top,
    };
    let end = match inside.last() {
        _ if ends_after => bottom,
        Some((index, p)) if *index == until => p.top + p.height - 4.0,
        Some((_, p)) => p.top + p.height,
        None => bottom,
    };
    Some((start, end))
}
