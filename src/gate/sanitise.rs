//! The one way a student's words reach a report. Every string a submission controls (the names
//! it gives its objects and threads, its notes, panic messages and printed values, the
//! compiler's diagnostics on it, its file names) passes through [`line()`] or [`text`] before it is
//! written in any format (text, JSON, JUnit, GitHub, Gradescope), so that none of it can:
//! - draw a line of the report, move a terminal's cursor or recolour it: a control character
//!   (ESC, a lone CR, NUL, C1) shows as `\u{..}`, a newline in a one-line field as `⏎`, a tab as
//!   a space;
//! - reorder or hide what an instructor reads: the characters that reorder text (U+202E and
//!   the other bidi controls), the invisible ones (zero-width spaces, U+FEFF) and the Unicode line
//!   and paragraph separators show as `\u{..}`;
//! - issue a GitHub workflow command: no line begins with `:` (after its indent: the runner
//!   trims it), as a leading colon shows as `\u{3a}`;
//! - close a Markdown code fence (the workflow's step summary puts the text report in one): in
//!   a run of backticks or tildes, the third and each after it show as `\u{60}` / `\u{7e}`.
//!
//! Both functions are idempotent: a report is sanitised where it is made (the child does it to
//! the checker's report, [`checker_report`], before rendering its timeline; the supervisor to
//! each submission's report, [`submission`]) and again where each format writes it ([`report`]),
//! which is what holds for a report read back from a file or forged by a child.

use super::report::{Counterexample, GateReport, Location, PropertyResult, SubmissionReport};
use crate::checker::{Report, Verdict};
use crate::trace::{Action, Named};

/// `text` made one plain line: see the module's list. For a name, a note, a message, a path.
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The character just read, and how many of it in a row.
    let mut run = ('\0', 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        run = (c, if c == run.0 { run.1 + 1 } else { 1 });
        let fence = (c == '`' || c == '~') && run.1 > 2;
        match c {
            '\n' => out.push_str(" ⏎ "),
            '\t' => out.push(' '),
            c if fence || c.is_control() || hides_or_reorders(c) => out.push_str(&escaped(c)),
            c => out.push(c),
        }
    }
    guard_start(&out)
}

/// A text of many lines whose line breaks are the report's own (a timeline, the compiler's
/// errors, what a submission printed): each line as [`line()`] makes it; a CRLF is one break, a
/// lone CR shows as `\u{d}`.
pub fn text(text: &str) -> String {
    text.split('\n')
        .map(|piece| line(piece.strip_suffix('\r').unwrap_or(piece)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `c` as `\u{..}`.
fn escaped(c: char) -> String {
    format!("\\u{{{:x}}}", c as u32)
}

/// The characters that reorder text on screen (bidi controls), that cannot be seen (zero-width,
/// byte-order mark, invisible operators), and the Unicode line and paragraph separators.
fn hides_or_reorders(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}')
}

/// A leading colon (after the indent) shown as `\u{3a}`, so the line is no workflow command.
fn guard_start(line: &str) -> String {
    let indent = line.len() - line.trim_start().len();
    match line[indent..].strip_prefix(':') {
        Some(rest) => format!("{}{}{rest}", &line[..indent], escaped(':')),
        None => line.to_owned(),
    }
}

/// The report with every string in it sanitised: names and paths as one line, messages, the
/// failure's text and what the submission printed as text of many lines. Each format writes
/// this, so a report read back from a file (`merge-reports`) is sanitised too.
pub fn report(report: &GateReport) -> GateReport {
    GateReport {
        schema: line(&report.schema),
        interleave: line(&report.interleave),
        exercise: line(&report.exercise),
        backends: report.backends.iter().map(|b| line(b)).collect(),
        sandbox: line(&report.sandbox),
        cut_short: report.cut_short.as_deref().map(line),
        submissions: report.submissions.iter().map(submission).collect(),
        ..report.clone()
    }
}

/// One submission's report, sanitised as [`report`] sanitises it.
pub fn submission(submission: &SubmissionReport) -> SubmissionReport {
    SubmissionReport {
        submission: line(&submission.submission),
        message: submission.message.as_deref().map(text),
        location: submission.location.as_ref().map(location),
        properties: submission.properties.iter().map(property).collect(),
        output: submission.output.as_deref().map(text),
        ..submission.clone()
    }
}

fn location(location: &Location) -> Location {
    Location {
        file: line(&location.file),
        line: location.line,
    }
}

fn property(result: &PropertyResult) -> PropertyResult {
    let mut coverage = result.coverage.clone();
    if let Some(coverage) = &mut coverage {
        coverage.strategy = coverage.strategy.as_deref().map(line);
    }
    PropertyResult {
        property: line(&result.property),
        statement: line(&result.statement),
        backend: line(&result.backend),
        finding: result.finding.as_deref().map(line),
        message: result.message.as_deref().map(text),
        coverage,
        counterexample: result.counterexample.as_ref().map(counterexample),
        ..result.clone()
    }
}

fn counterexample(example: &Counterexample) -> Counterexample {
    let mut example = example.clone();
    for step in &mut example.timeline {
        step.thread = line(&step.thread);
        step.action = line(&step.action);
        step.location = step.location.as_ref().map(location);
    }
    example.text = text(&example.text);
    example.replay = line(&example.replay);
    example.replay_command = line(&example.replay_command);
    example
}

/// The submission's words in a checker's report made plain, before its timeline is rendered:
/// the failure's message, the names of its threads and objects (in the trace's tables and in the
/// copies a deadlock or a lost update keeps), its notes, printed lines and values. Each is one
/// [`line()`], so none can break a line of the timeline that is made from them.
pub fn checker_report(report: &mut Report) {
    let (Verdict::Violated(failure) | Verdict::Deadlock(failure) | Verdict::StepLimit(failure)) =
        &mut report.verdict
    else {
        return;
    };
    failure.message = line(&failure.message);
    if let Some(outcome) = &mut failure.outcome {
        outcome.text = line(&outcome.text);
    }
    let trace = &mut failure.trace;
    for name in trace
        .threads
        .iter_mut()
        .chain(&mut trace.objects)
        .chain(&mut trace.output)
    {
        *name = line(name);
    }
    for event in &mut trace.events {
        if let Action::Read { value: text, .. }
        | Action::Write { value: text, .. }
        | Action::Print { line: text }
        | Action::Note { text } = &mut event.action
        {
            *text = line(text);
        }
    }
    fn named<Id>(named: &mut Named<Id>) {
        named.name = line(&named.name);
    }
    for blocked in &mut trace.blocked {
        named(&mut blocked.thread);
        named(&mut blocked.waits_for);
        blocked.holds.iter_mut().for_each(named);
    }
    if let Some(lost) = &mut trace.lost_update {
        named(&mut lost.var);
        named(&mut lost.overwritten);
        named(&mut lost.stale);
    }
}

#[cfg(test)]
mod tests {
    use super::{line, text};

    #[test]
    fn a_line_shows_every_control_and_reordering_character() {
        assert_eq!(
            line("lost\n  pass     no-deadlock\x1b[2J\u{202e}x\tok"),
            "lost ⏎   pass     no-deadlock\\u{1b}[2J\\u{202e}x ok"
        );
        assert_eq!(line("a\r\nb\rc\0"), "a ⏎ b\\u{d}c\\u{0}");
        assert_eq!(
            line("x\u{2028}y\u{200b}z\u{feff}\u{85}"),
            "x\\u{2028}y\\u{200b}z\\u{feff}\\u{85}"
        );
        assert_eq!(line("plain words, é, 東京"), "plain words, é, 東京");
    }

    #[test]
    fn no_line_begins_a_workflow_command() {
        assert_eq!(
            line("::error file=README.md,line=1::owned"),
            "\\u{3a}:error file=README.md,line=1::owned"
        );
        assert_eq!(line("  \u{a0}::warning::x"), "  \u{a0}\\u{3a}:warning::x");
        assert_eq!(line("x\n::error::y"), "x ⏎ ::error::y");
        assert_eq!(
            text("error: x\n  ::error::y\r\n::stop-commands::t\n"),
            "error: x\n  \\u{3a}:error::y\n\\u{3a}:stop-commands::t\n"
        );
        assert_eq!(line("a::b"), "a::b");
    }

    #[test]
    fn no_run_of_backticks_or_tildes_can_close_a_fence() {
        assert_eq!(line("```"), "``\\u{60}");
        assert_eq!(line("a````b"), "a``\\u{60}\\u{60}b");
        assert_eq!(line("~~~md"), "~~\\u{7e}md");
        assert_eq!(line("`a` and ``b``"), "`a` and ``b``");
        assert_eq!(text("```\n```"), "``\\u{60}\n``\\u{60}");
    }

    #[test]
    fn a_text_keeps_its_own_lines_and_nothing_else() {
        assert_eq!(text("a\r\nb\rc\n\x1b[2Jd\n"), "a\nb\\u{d}c\n\\u{1b}[2Jd\n");
        assert_eq!(text(""), "");
    }

    #[test]
    fn sanitising_twice_changes_nothing() {
        let hostile = "\x1b[31m\u{202e}::error file=README.md,line=1::owned\r\n```\n~~~~\t:x\u{7}";
        for once in [line(hostile), text(hostile)] {
            assert_eq!(line(&once), once.replace('\n', " ⏎ "), "{once:?}");
            assert_eq!(text(&once), once, "{once:?}");
        }
    }
}
