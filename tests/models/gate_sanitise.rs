//! No string a submission controls reaches a report raw (issue 27): its object and thread names,
//! notes, written values, panic message, compiler errors and file names, each carrying an ESC
//! sequence, U+202E, a CR, a newline, a GitHub workflow command and a Markdown fence, in every
//! format (text, JSON, JUnit, GitHub, Gradescope) and in the step summary the class workflow
//! writes. Most checks render a crafted report (what a forged child could send as well); one test
//! grades `tests/hostile/counter/hostile_names.rs` and a `compile_error!` under a hostile file
//! name through the command line, then writes that report in each format.

use crate::support::{interleave, stderr, stdout};
use interleave::gate::formats::{self, Format};
use interleave::gate::report::{
    Counterexample, Coverage, CoverageKind, GateReport, Location, PropertyResult, Status, Step,
    SubmissionReport, Summary,
};
use std::path::{Path, PathBuf};

/// A field's words: a workflow command first (so that a field which begins a line begins it with
/// one), a terminal code, U+202E, a lone CR, a CRLF, a second command on a line of its own, and a
/// fence on a line of its own.
fn hostile(field: &str) -> String {
    format!("::error file=README.md,line=1::{field}\x1b[2J\u{202e}\r\r\n::error::{field}\n```")
}

/// What no format may carry raw: a control character but the report's own newline (and the
/// JSON's and XML's indent), a character that reorders text, a Unicode line separator.
fn raw_characters(out: &str) -> Vec<(usize, char)> {
    out.char_indices()
        .filter(|(_, c)| match c {
            '\n' => false,
            c => {
                c.is_control()
                    || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
            }
        })
        .collect()
}

/// A line a GitHub runner reads as a workflow command: `::` after any leading whitespace (the
/// runner trims it).
fn is_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// A line that opens or closes a Markdown code fence: three backticks or tildes after at most
/// three spaces.
fn is_fence(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.trim_start_matches(' ');
    indent <= 3 && (rest.starts_with("```") || rest.starts_with("~~~"))
}

/// Every check a format's output must pass: nothing raw, no fence anywhere, no line a
/// workflow command (a GitHub document's own lines aside, see [`github_lines`]).
fn assert_nothing_raw(what: &str, out: &str) {
    assert_eq!(raw_characters(out), vec![], "{what}: {out}");
    assert!(!out.contains("```"), "{what}: a fence: {out}");
    let commands: Vec<&str> = out.lines().filter(|l| is_command(l)).collect();
    assert_eq!(commands, Vec::<&str>::new(), "{what}: {out}");
}

/// The escapes an instructor must see in place of the raw characters, in `shown` (a text, or
/// every string of a document joined).
fn assert_escapes_visible(what: &str, shown: &str) {
    for escape in ["\\u{1b}[2J", "\\u{202e}", "\\u{d}", "``\\u{60}"] {
        assert!(shown.contains(escape), "{what}: no {escape:?} in {shown}");
    }
}

/// The class workflow's step summary: the text report in a code fence. It must close only
/// where the workflow closes it.
fn assert_summary_fence_holds(text: &str) {
    let summary = format!("### interleave grade counter\n```\n{text}```\n");
    let fences: Vec<&str> = summary.lines().filter(|l| is_fence(l)).collect();
    assert_eq!(fences, vec!["```", "```"], "{summary}");
}

/// A GitHub document's lines: the stop token, the text between `::stop-commands::TOKEN` and
/// `::TOKEN::`, and the annotations after it.
fn github_lines(out: &str) -> (String, Vec<&str>, Vec<&str>) {
    let lines: Vec<&str> = out.lines().collect();
    let stop = lines[0]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("commands stopped first: {out}"))
        .to_owned();
    let resume = lines
        .iter()
        .position(|l| *l == format!("::{stop}::"))
        .unwrap_or_else(|| panic!("commands resumed: {out}"));
    (
        stop,
        lines[1..resume].to_vec(),
        lines[resume + 1..].to_vec(),
    )
}

/// A GitHub document: its text passes [`assert_nothing_raw`]; after it, only the gate's own
/// annotations, one line each.
fn assert_github_holds(what: &str, out: &str) {
    assert_eq!(raw_characters(out), vec![], "{what}: {out}");
    assert!(!out.contains("```"), "{what}: a fence: {out}");
    let (stop, text, annotations) = github_lines(out);
    assert!(stop.len() >= 32, "{what}: an unguessable token");
    assert_nothing_raw(what, &(text.join("\n") + "\n"));
    for annotation in annotations {
        assert!(
            annotation.starts_with("::error file=") || annotation.starts_with("::notice file="),
            "{what}: not an annotation of the gate's: {annotation}"
        );
    }
}

/// Every string in a JSON document, joined by newlines.
fn json_strings(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// Every text and attribute value of a JUnit document, joined by newlines.
fn junit_strings(out: &str) -> String {
    let document = roxmltree::Document::parse(out).expect("JUnit is XML");
    let mut strings = String::new();
    for node in document.descendants() {
        for attribute in node.attributes() {
            strings.push_str(attribute.value());
            strings.push('\n');
        }
        if let Some(text) = node.text() {
            strings.push_str(text);
            strings.push('\n');
        }
    }
    strings
}

/// A JSON document's strings: the field a student names is one line, and no string holds a raw
/// character, a fence or a line that is a workflow command once printed.
fn assert_json_strings_hold(what: &str, out: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(out).expect("JSON");
    let mut strings = String::new();
    json_strings(&value, &mut strings);
    assert_nothing_raw(what, &strings);
    strings
}

fn hostile_step(step: u64, field: &str) -> Step {
    Step {
        step,
        thread: hostile(&format!("thread{step}")),
        action: hostile(field),
        location: Some(Location {
            file: hostile("step-file"),
            line: 3,
        }),
    }
}

fn failing_property(name: &str) -> PropertyResult {
    PropertyResult {
        property: name.to_owned(),
        statement: "threads decrementing at once each take exactly one off".to_owned(),
        backend: "shuttle".to_owned(),
        status: Status::Fail,
        finding: Some("violation".to_owned()),
        message: Some(format!("panicked: {}", hostile("panic"))),
        coverage: Some(Coverage {
            kind: CoverageKind::Sampled,
            executions: 1,
            threads: 3,
            seed: Some(7),
            strategy: Some("portfolio".to_owned()),
            preemption_bound: None,
        }),
        counterexample: Some(Counterexample {
            execution: 1,
            timeline: vec![hostile_step(1, "note"), hostile_step(2, "acquires object")],
            // As a forged child could send it: the student's words unsanitised in the text.
            text: format!(
                "counter/no-lost-update [shuttle, 3 threads]: VIOLATED\n  panicked: {}\n  all 2 events:\n       1  {}  {}\n  replay: interleave grade counter x.rs --replay T\n",
                hostile("panic"),
                hostile("thread"),
                hostile("note")
            ),
            replay: "T".to_owned(),
            replay_command: format!("interleave grade counter '{}' --replay T", hostile("path")),
        }),
        elapsed_ms: 1,
    }
}

/// A report with the student's words in every field that can carry them.
fn crafted() -> GateReport {
    let mut unchecked = failing_property("no-deadlock");
    unchecked.status = Status::NotChecked;
    unchecked.counterexample = None;
    unchecked.message = Some(format!("not checked: {}", hostile("blind")));
    let submissions = vec![
        SubmissionReport {
            submission: hostile("name"),
            status: Status::Fail,
            message: None,
            location: None,
            properties: vec![failing_property("no-lost-update"), unchecked],
            output: Some(hostile("printed")),
            elapsed_ms: 3,
        },
        SubmissionReport {
            submission: hostile("rejected-name"),
            status: Status::Rejected,
            message: Some(format!("did not compile:\n{}", hostile("compiler"))),
            location: Some(Location {
                file: hostile("rejected-file"),
                line: 1,
            }),
            properties: Vec::new(),
            output: None,
            elapsed_ms: 3,
        },
    ];
    crate::gate_support::report_of("counter", &["shuttle"], submissions)
}

/// One report in every format, each checked: text (and the step summary made of it), JSON,
/// JUnit, GitHub, Gradescope (of the first submission: it grades one).
fn assert_every_format_holds(report: &GateReport) {
    let text = formats::render(report, Format::Text);
    assert_nothing_raw("text", &text);
    assert_escapes_visible("text", &text);
    assert_summary_fence_holds(&text);

    let json = formats::render(report, Format::Json);
    let strings = assert_json_strings_hold("json", &json);
    assert_escapes_visible("json", &strings);
    let parsed: GateReport = serde_json::from_str(&json).expect("a report");
    for submission in &parsed.submissions {
        let mut one_line = vec![&submission.submission];
        one_line.extend(submission.location.iter().map(|l| &l.file));
        for result in &submission.properties {
            for step in result.counterexample.iter().flat_map(|c| &c.timeline) {
                one_line.extend([&step.thread, &step.action]);
                one_line.extend(step.location.iter().map(|l| &l.file));
            }
            one_line.extend(result.counterexample.iter().map(|c| &c.replay_command));
        }
        for field in one_line {
            assert!(
                !field.contains('\n'),
                "json: a name on many lines: {field:?}"
            );
        }
    }

    let junit = formats::render(report, Format::Junit);
    assert_nothing_raw("junit", &junit);
    let strings = junit_strings(&junit);
    assert_nothing_raw("junit's strings", &strings);
    assert_escapes_visible("junit", &strings);

    let github = formats::render(report, Format::Github);
    assert_github_holds("github", &github);
    assert_escapes_visible("github", &github);

    let mut one = report.clone();
    one.submissions.truncate(1);
    one.summary = Summary::of(&one.submissions);
    let gradescope = formats::render(&one, Format::Gradescope);
    let strings = assert_json_strings_hold("gradescope", &gradescope);
    assert_escapes_visible("gradescope", &strings);
}

#[test]
fn gate_sanitise_every_field_in_every_format() {
    assert_every_format_holds(&crafted());
}

#[test]
fn gate_sanitise_what_is_printed_beside_a_file() {
    let report = crafted();
    for format in [Format::Json, Format::Junit, Format::Gradescope] {
        let shown = formats::beside_file(&report, format);
        assert_nothing_raw(&format!("{format:?} beside its file"), &shown);
        assert_eq!(shown, formats::text(&report), "{format:?}");
    }
    let shown = formats::beside_file(&report, Format::Text);
    assert_eq!(shown, formats::summary_text(&report));
    // The GitHub format's stdout is the workflow's log: its text inside `::stop-commands::`,
    // with no annotation (those are in the file).
    let shown = formats::beside_file(&report, Format::Github);
    assert_github_holds("github beside its file", &shown);
    let (_, text, annotations) = github_lines(&shown);
    assert_eq!(annotations, Vec::<&str>::new());
    assert_eq!(text.join("\n") + "\n", formats::text(&report));
}

#[test]
fn gate_sanitise_a_report_sanitised_twice_is_the_same() {
    let once = interleave::gate::sanitise::report(&crafted());
    assert_eq!(interleave::gate::sanitise::report(&once), once);
    assert_eq!(
        formats::render(&once, Format::Json),
        formats::render(&crafted(), Format::Json)
    );
}

/// A submission file whose name carries the hostile words (a file name holds any byte but `/`),
/// whose one line is a `compile_error!` that says them too: in a folder of its own under the
/// system's temporary folder.
fn hostile_compile_error(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gate-sanitise-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.rs", hostile("name")));
    std::fs::write(
        &file,
        "compile_error!(\"\\x1b[2J\\u{202e}\\r::error file=README.md,line=1::compiler\\n::error file=README.md,line=2::compiler error\\n```\");\n",
    )
    .unwrap();
    file
}

/// The whole road: `grade` compiles and runs the hostile submissions (one grade, about 4 s warm),
/// prints the text beside its JSON, and the JSON is written again in each format by
/// `merge-reports` (no compile) and in process (Gradescope, which merges refuse).
#[test]
fn gate_sanitise_hostile_submissions_graded_in_every_format() {
    let names = Path::new("tests/hostile/counter/hostile_names.rs");
    let broken = hostile_compile_error("graded");
    let dir = broken.parent().unwrap().to_path_buf();
    let json_file = dir.join("report.json");
    let output = interleave(&[
        "grade",
        "counter",
        names.to_str().unwrap(),
        broken.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        json_file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let text = stdout(&output);
    assert_nothing_raw("grade's stdout", &text);
    assert_escapes_visible("grade's stdout", &text);
    assert_summary_fence_holds(&text);
    let json = std::fs::read_to_string(&json_file).unwrap();
    let strings = assert_json_strings_hold("grade's json", &json);
    // Every field the submission named, each with its words escaped.
    for field in ["object", "shared", "thread", "note", "value"] {
        let shown = format!("{field}\\u{{1b}}[2J\\u{{202e}}\\u{{d}}::error");
        assert!(strings.contains(&shown), "no {shown:?} in {strings}");
    }
    let report: GateReport = serde_json::from_str(&json).unwrap();
    let [graded, rejected] = report.submissions.as_slice() else {
        panic!("two submissions: {json}");
    };
    assert_eq!(graded.status, Status::Fail, "{json}");
    assert!(
        graded.properties[0]
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with("panicked: \\u{1b}[2J\\u{202e}\\u{d}::error"),
        "{json}"
    );
    // The child made each name, note and value one line before it drew the timeline: no line
    // of it begins with the words after a newline of theirs (escaped, or not).
    let timeline = &graded.properties[0]
        .counterexample
        .as_ref()
        .expect("a counterexample")
        .text;
    for line in timeline.lines() {
        let start = line.trim_start();
        assert!(
            !start.starts_with("\\u{3a}") && !start.starts_with("``"),
            "a student's newline began a line: {line:?}"
        );
    }
    // The file's name is one line, its colon escaped where it would begin one; the compiler's
    // words are kept, each line of them plain.
    assert_eq!(rejected.status, Status::Rejected, "{json}");
    assert!(!rejected.submission.contains('\n'), "{json}");
    assert!(rejected.submission.contains("\\u{1b}[2J"), "{json}");
    let message = rejected.message.as_deref().unwrap_or_default();
    assert!(message.contains("compiler error"), "{message}");
    assert_eq!(
        rejected.location.as_ref().map(|l| &l.file),
        Some(&rejected.submission),
        "{json}"
    );
    assert_every_format_holds(&report);

    for format in ["text", "json", "junit", "github"] {
        let merged = interleave(&[
            "merge-reports",
            json_file.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(
            merged.status.code(),
            Some(3),
            "{format}: {}",
            stderr(&merged)
        );
        let out = stdout(&merged);
        match format {
            "github" => assert_github_holds(format, &out),
            "json" => {
                assert_json_strings_hold(format, &out);
            }
            _ => assert_nothing_raw(format, &out),
        }
    }
    // `--format github --out`: the text on stdout, inside `::stop-commands::`.
    let annotations = dir.join("annotations.txt");
    let merged = interleave(&[
        "merge-reports",
        json_file.to_str().unwrap(),
        "--format",
        "github",
        "--out",
        annotations.to_str().unwrap(),
    ]);
    assert_eq!(merged.status.code(), Some(3), "{}", stderr(&merged));
    assert_github_holds("github --out's stdout", &stdout(&merged));
    assert_github_holds(
        "github --out's file",
        &std::fs::read_to_string(&annotations).unwrap(),
    );

    // A replay prints the failing execution again: plain too.
    let token = &graded.properties[0]
        .counterexample
        .as_ref()
        .expect("a counterexample")
        .replay;
    let replayed = interleave(&[
        "grade",
        "counter",
        names.to_str().unwrap(),
        "--replay",
        token,
    ]);
    assert_eq!(replayed.status.code(), Some(1), "{}", stderr(&replayed));
    let shown = stdout(&replayed);
    assert_nothing_raw("replay", &shown);
    assert_escapes_visible("replay", &shown);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A usage error quotes a PATH the class's glob matched, a student's file name: one plain line
/// on stderr, whatever the name holds.
#[test]
fn a_usage_error_naming_a_students_file_is_one_plain_line() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gate-sanitise-usage");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join(hostile("name").replace('/', "_"));
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let output = interleave(&["grade", "counter", fifo.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("error: "), "{text}");
    assert_nothing_raw("a usage error", &text);
}
