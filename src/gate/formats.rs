//! Every format the gate writes, each made from the JSON report alone: text for people, JSON
//! (the source of truth), JUnit XML, GitHub Actions annotations, Gradescope's `results.json`.
//! Each public function here writes the report as [`sanitise::report`] makes it, so no string a
//! submission controls reaches any format raw.

use super::report::{GateReport, Location, PropertyResult, Status, SubmissionReport};
use super::sanitise;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::fmt::Write;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
    Github,
    Gradescope,
}

impl Format {
    pub const NAMES: &'static str = "text|json|junit|github|gradescope";

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "text" => Format::Text,
            "json" => Format::Json,
            "junit" => Format::Junit,
            "github" => Format::Github,
            "gradescope" => Format::Gradescope,
            _ => return None,
        })
    }
}

/// The report in `format`.
pub fn render(report: &GateReport, format: Format) -> String {
    let report = &sanitise::report(report);
    match format {
        Format::Text => text_of(report),
        Format::Json => json_of(report),
        Format::Junit => junit_of(report),
        Format::Github => github_of(report),
        Format::Gradescope => gradescope_of(report),
    }
}

/// What is printed on stdout when `format` goes to a file (`--out`): the text report, or only
/// its summary line when the file holds the text; for GitHub, the text inside
/// `::stop-commands::`, as the format itself prints it, since stdout is the workflow's log.
pub fn beside_file(report: &GateReport, format: Format) -> String {
    let report = &sanitise::report(report);
    match format {
        Format::Text => summary_of(report),
        Format::Github => stopped_text(report),
        _ => text_of(report),
    }
}

pub fn json(report: &GateReport) -> String {
    json_of(&sanitise::report(report))
}

fn json_of(report: &GateReport) -> String {
    serde_json::to_string_pretty(report).expect("a report serializes") + "\n"
}

fn coverage(result: &PropertyResult) -> String {
    let Some(coverage) = &result.coverage else {
        return String::new();
    };
    match (coverage.seed, coverage.preemption_bound) {
        (_, Some(bound)) if result.status == Status::Pass => format!(
            "all {} executions, exhaustive up to preemption bound {bound}",
            coverage.executions
        ),
        (Some(seed), _) if result.status == Status::Pass => format!(
            "no failure in {} sampled executions, seed {seed}",
            coverage.executions
        ),
        (seed, _) => format!(
            "execution {}{}",
            result
                .counterexample
                .as_ref()
                .map_or(coverage.executions, |c| c.execution),
            seed.map(|seed| format!(", seed {seed}"))
                .unwrap_or_default()
        ),
    }
}

/// One submission in text: a verdict line, then a line per property, failures explained.
fn submission_text(submission: &SubmissionReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} ({:.1} s)",
        submission.submission,
        submission.status.name().to_uppercase(),
        submission.elapsed_ms as f64 / 1000.0
    );
    if let Some(message) = &submission.message {
        for line in message.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    for result in &submission.properties {
        let detail = match (&result.counterexample, result.status) {
            (_, Status::Pass) => coverage(result),
            (_, status) if status.is_unclaimed() => result.message.clone().unwrap_or_default(),
            (Some(_), _) => format!(
                "{} found in {}",
                result.finding.as_deref().unwrap_or("failure"),
                coverage(result)
            ),
            (None, _) => result.message.clone().unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "  {:<8} {:<28} [{}] {detail}",
            result.status.name(),
            result.property,
            result.backend,
        );
        if let Some(example) = &result.counterexample {
            for line in example.text.lines().skip(1) {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    if let Some(output) = &submission.output {
        let _ = writeln!(out, "  the submission printed:");
        for line in output.lines().take(20) {
            let _ = writeln!(out, "  | {line}");
        }
    }
    out
}

/// The summary: how many submissions got each status, then the children's sandbox.
pub fn summary_text(report: &GateReport) -> String {
    summary_of(&sanitise::report(report))
}

fn summary_of(report: &GateReport) -> String {
    let s = &report.summary;
    // Only named when there are some: most runs have neither.
    let mut unclaimed = String::new();
    if s.not_checked > 0 {
        unclaimed.push_str(&format!(", {} not checked", s.not_checked));
    }
    if s.unfinished > 0 {
        unclaimed.push_str(&format!(", {} unfinished", s.unfinished));
    }
    format!(
        "{} {} submission{} [{}]: {} pass, {} fail, {} timeout, {} rejected, {} error{unclaimed}\n",
        report.exercise,
        s.submissions,
        if s.submissions == 1 { "" } else { "s" },
        report.backends.join("+"),
        s.pass,
        s.fail,
        s.timeout,
        s.rejected,
        s.error
    ) + &format!("sandbox: {}\n", report.sandbox)
}

pub fn text(report: &GateReport) -> String {
    text_of(&sanitise::report(report))
}

/// The text report, every line of it sanitised once more as a whole: what the fields' own
/// sanitising guarantees (no line a student's words begin is a workflow command or a fence)
/// holds for the lines as printed, whatever a field's neighbours are.
fn text_of(report: &GateReport) -> String {
    let mut out: String = report.submissions.iter().map(submission_text).collect();
    out.push_str(&summary_of(report));
    sanitise::text(&out)
}

/// One testsuite per submission, one testcase per property and backend.
pub fn junit(report: &GateReport) -> String {
    junit_of(&sanitise::report(report))
}

fn junit_of(report: &GateReport) -> String {
    let mut junit = Report::new(format!("interleave grade {}", report.exercise));
    for submission in &report.submissions {
        let mut suite = TestSuite::new(submission.submission.clone());
        let cases: Vec<(String, Status, Option<String>, String, u64)> =
            if submission.properties.is_empty() {
                report
                    .backends
                    .iter()
                    .flat_map(|backend| {
                        super::find_exercise(&report.exercise)
                            .map(|e| e.properties())
                            .unwrap_or_default()
                            .into_iter()
                            .map(move |p| {
                                (
                                    format!("{} [{backend}]", p.name),
                                    submission.status,
                                    submission.message.clone(),
                                    String::new(),
                                    0,
                                )
                            })
                    })
                    .collect()
            } else {
                submission
                    .properties
                    .iter()
                    .map(|r| {
                        (
                            format!("{} [{}]", r.property, r.backend),
                            r.status,
                            r.message.clone(),
                            r.counterexample
                                .as_ref()
                                .map(|c| c.text.clone())
                                .unwrap_or_default(),
                            r.elapsed_ms,
                        )
                    })
                    .collect()
            };
        for (name, status, message, detail, ms) in cases {
            let status = match status {
                Status::Pass => TestCaseStatus::success(),
                unclaimed if unclaimed.is_unclaimed() => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_type(unclaimed.name());
                    if let Some(message) = message {
                        status.set_message(message);
                    }
                    status
                }
                other => {
                    let kind = match other {
                        Status::Error | Status::Rejected => NonSuccessKind::Error,
                        _ => NonSuccessKind::Failure,
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    status.set_type(other.name());
                    if let Some(message) = message {
                        status.set_message(message);
                    }
                    if !detail.is_empty() {
                        status.set_description(detail);
                    }
                    status
                }
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("{}.{}", report.exercise, submission.submission));
            case.set_time(Duration::from_millis(ms));
            suite.add_test_case(case);
        }
        if let Some(output) = &submission.output {
            suite.set_system_out(output.clone());
        }
        suite.add_property(("sandbox", report.sandbox.as_str()));
        junit.add_test_suite(suite);
    }
    // A grade cut short lacks the students after it: an error a CI dashboard shows, not silence.
    if let Some(why) = &report.cut_short {
        let mut suite = TestSuite::new(format!("{} (cut short)", report.exercise));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_type("cut-short");
        status.set_message(why.clone());
        suite.add_test_case(TestCase::new("the grade ran to its end", status));
        junit.add_test_suite(suite);
    }
    junit.to_string().expect("a JUnit report serializes") + "\n"
}

/// The most annotations written: GitHub shows ten per step anyway.
pub const MAX_ANNOTATIONS: usize = 10;

/// Escapes text for a workflow command's message (GitHub's own rules).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes text for a workflow command's property (file, title).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Where a failing submission should be annotated: the line it was refused at, or the first
/// step of a failing property's timeline in the submission's own files.
pub fn annotation_location(
    submission: &SubmissionReport,
    result: Option<&PropertyResult>,
) -> Location {
    if let Some(location) = &submission.location {
        return location.clone();
    }
    let own = result
        .and_then(|r| r.counterexample.as_ref())
        .and_then(|c| {
            c.timeline
                .iter()
                .filter_map(|step| step.location.as_ref())
                .find(|l| {
                    l.file == submission.submission || l.file.starts_with(&submission.submission)
                })
        });
    own.cloned().unwrap_or(Location {
        file: submission.submission.clone(),
        line: 1,
    })
}

/// GitHub Actions: the text report, with workflow commands stopped while it prints (student
/// text cannot issue any), then at most [`MAX_ANNOTATIONS`] `::error` lines.
pub fn github(report: &GateReport) -> String {
    github_of(&sanitise::report(report))
}

/// The text report between `::stop-commands::TOKEN` and `::TOKEN::`, the token fresh.
fn stopped_text(report: &GateReport) -> String {
    let stop = stop_token(report);
    let mut out = format!("::stop-commands::{stop}\n");
    out.push_str(&text_of(report));
    let _ = writeln!(out, "::{stop}::");
    out
}

fn github_of(report: &GateReport) -> String {
    let mut out = stopped_text(report);
    let mut annotations = Vec::new();
    for submission in &report.submissions {
        let failing: Vec<&PropertyResult> = submission
            .properties
            .iter()
            .filter(|r| r.status != Status::Pass)
            .collect();
        if failing.is_empty() && submission.status != Status::Pass {
            annotations.push((
                level(submission.status),
                annotation_location(submission, None),
                format!("{} {}", submission.submission, submission.status.name()),
                submission.message.clone().unwrap_or_default(),
            ));
        }
        for result in failing {
            annotations.push((
                level(result.status),
                annotation_location(submission, Some(result)),
                format!(
                    "{} [{}] {}",
                    result.property,
                    result.backend,
                    result.status.name()
                ),
                format!(
                    "{}{}",
                    result.message.clone().unwrap_or_default(),
                    result
                        .counterexample
                        .as_ref()
                        .map(|c| format!("\nreplay: {}", c.replay_command))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    // Failures first: the few annotations GitHub shows are for what must be fixed.
    annotations.sort_by_key(|(level, ..)| *level != "error");
    let left_off = annotations.len().saturating_sub(MAX_ANNOTATIONS);
    for (level, location, title, message) in annotations.into_iter().take(MAX_ANNOTATIONS) {
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            escape_property(&location.file),
            location.line,
            escape_property(&title),
            escape_data(&message)
        );
    }
    if left_off > 0 {
        let _ = writeln!(
            out,
            "::notice title=interleave::{left_off} more annotation{} left off (GitHub shows few): \
             every submission is in the report above",
            if left_off == 1 { "" } else { "s" }
        );
    }
    out
}

/// A property nobody could check, or whose search did not finish, is a notice: nothing to fix
/// in the submission, something for the instructor to know.
fn level(status: Status) -> &'static str {
    if status.is_unclaimed() {
        "notice"
    } else {
        "error"
    }
}

/// A token no submission can know in advance: fresh randomness from the system.
fn stop_token(report: &GateReport) -> String {
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..16].copy_from_slice(&(nanos ^ (report.submissions.len() as u128)).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Gradescope's `results.json` for one submission: a point per property and backend; a
/// property a backend could not check (or did not finish) is worth no point there, and its
/// output says why.
pub fn gradescope(report: &GateReport) -> String {
    gradescope_of(&sanitise::report(report))
}

fn gradescope_of(report: &GateReport) -> String {
    let submission = report.submissions.first();
    let tests: Vec<serde_json::Value> = submission
        .map(|s| {
            s.properties
                .iter()
                .map(|r| {
                    let mut output = r.message.clone().unwrap_or_default();
                    if let Some(example) = &r.counterexample {
                        output = example.text.clone();
                    }
                    if r.status.is_unclaimed() {
                        // No status: Gradescope would show "passed" or "failed", and neither is
                        // known.
                        return serde_json::json!({
                            "name": format!("{} [{}]", r.property, r.backend),
                            "score": 0,
                            "max_score": 0,
                            "output": format!("{}\n{}: {output}", r.statement, r.status.name().to_uppercase()),
                        });
                    }
                    serde_json::json!({
                        "name": format!("{} [{}]", r.property, r.backend),
                        "score": if r.status == Status::Pass { 1 } else { 0 },
                        "max_score": 1,
                        "status": if r.status == Status::Pass { "passed" } else { "failed" },
                        "output": format!("{}\n{}", r.statement, output),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let unclaimed = submission.map_or(0, |s| {
        s.properties
            .iter()
            .filter(|r| r.status.is_unclaimed())
            .count()
    });
    let max = report
        .backends
        .len()
        .saturating_mul(
            super::find_exercise(&report.exercise)
                .map(|e| e.properties().len())
                .unwrap_or(0),
        )
        .saturating_sub(unclaimed);
    let score: usize = submission.map_or(0, |s| {
        s.properties
            .iter()
            .filter(|r| r.status == Status::Pass)
            .count()
    });
    let output = submission
        .map(|s| match (&s.message, s.status) {
            (Some(message), _) => format!("{}: {message}", s.status.name()),
            (None, status) => format!("{}: {score} of {max} properties hold", status.name()),
        })
        .unwrap_or_default();
    let output = format!("{output}\nsandbox: {}", report.sandbox);
    let results = serde_json::json!({
        "score": score,
        "max_score": max,
        "output": output,
        "tests": tests,
    });
    serde_json::to_string_pretty(&results).expect("results serialize") + "\n"
}
