//! `ci/class-grading.yml`, the worked workflow for a course: valid YAML of the shape GitHub
//! Actions reads, its shard count the same in the matrix and in `--shard`, and its `grade` and
//! `merge-reports` commands ones this binary accepts (run here on builtins, no compile).

use crate::support::{interleave, stderr};
use interleave::gate::report::{GateReport, Shard};
use std::path::PathBuf;
use yaml_rust2::{Yaml, YamlLoader};

const WORKFLOW: &str = include_str!("../../ci/class-grading.yml");
const JOBS: [&str; 4] = ["build", "prepare", "grade", "merge"];

fn workflow() -> Yaml {
    let mut documents = YamlLoader::load_from_str(WORKFLOW).expect("the workflow is YAML");
    assert_eq!(documents.len(), 1, "one document");
    documents.remove(0)
}

fn string<'a>(yaml: &'a Yaml, what: &str) -> &'a str {
    yaml.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {yaml:?}"))
}

fn steps<'a>(workflow: &'a Yaml, job: &str) -> &'a [Yaml] {
    workflow["jobs"][job]["steps"]
        .as_vec()
        .unwrap_or_else(|| panic!("job {job} has no steps"))
}

/// The `run` script of `job`'s step whose script says `needle`.
fn script<'a>(workflow: &'a Yaml, job: &str, needle: &str) -> &'a str {
    steps(workflow, job)
        .iter()
        .filter_map(|step| step["run"].as_str())
        .find(|run| run.contains(needle))
        .unwrap_or_else(|| panic!("no step of {job} runs {needle:?}"))
}

/// The words of the script's line that starts with `command` (before any `||` or `>`), with
/// `${{ matrix.shard }}` as `shard` and `$EXERCISE` as `exercise`.
fn command_words(script: &str, command: &str, shard: u32, exercise: &str) -> Vec<String> {
    let line = script
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with(command))
        .unwrap_or_else(|| panic!("no line starts with {command:?}: {script}"));
    line.replace("${{ matrix.shard }}", &shard.to_string())
        .replace("$EXERCISE", exercise)
        .split_whitespace()
        .take_while(|word| !["||", ">", ">>"].contains(word))
        .map(|word| word.trim_matches('"').to_owned())
        .collect()
}

/// Runs a workflow's `grade` command words for one shard, with the class's glob replaced by a
/// submission rejected without a compile and the report written under `dir`: it must grade
/// (exit 0 or 3) and write that shard's report, whose path it returns.
fn grade_shard(words: &mut [String], dir: &std::path::Path, shard: Shard) -> PathBuf {
    let glob = words.iter().position(|w| w.starts_with("submissions/"));
    words[glob.expect("the class's glob")] = "Cargo.toml".to_owned();
    let out = words.iter().position(|w| w == "--out").expect("--out") + 1;
    let file = dir.join(&words[out]);
    words[out] = file.to_str().unwrap().to_owned();
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let output = interleave(&args);
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{words:?}: {}",
        stderr(&output)
    );
    let report: GateReport =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("a JSON report");
    assert_eq!(report.shard, Some(shard));
    file
}

/// The matrix's shards, which must be 1..=N; N.
fn shard_count(workflow: &Yaml) -> u32 {
    let shards: Vec<i64> = workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("grade has a matrix of shards")
        .iter()
        .map(|shard| shard.as_i64().expect("a shard is a number"))
        .collect();
    let count = shards.len() as i64;
    assert_eq!(
        shards,
        (1..=count).collect::<Vec<_>>(),
        "the matrix is 1..=N"
    );
    u32::try_from(count).expect("a few shards")
}

#[test]
fn the_class_workflow_has_the_shape_actions_reads() {
    let workflow = workflow();
    for key in ["on", "jobs", "env"] {
        assert!(!workflow[key].is_badvalue(), "no top-level {key:?}");
    }
    for job in JOBS {
        assert!(!workflow["jobs"][job].is_badvalue(), "no job {job}");
        for step in steps(&workflow, job) {
            let run = !step["run"].is_badvalue();
            let uses = !step["uses"].is_badvalue();
            assert!(
                run != uses,
                "{job}: a step runs or uses, not both: {step:?}"
            );
            if uses {
                assert!(
                    string(&step["uses"], "uses").contains('@'),
                    "pinned: {step:?}"
                );
            }
        }
    }
    assert_eq!(
        string(&workflow["jobs"]["prepare"]["needs"], "needs"),
        "build"
    );
    assert_eq!(
        string(&workflow["jobs"]["grade"]["needs"], "needs"),
        "prepare"
    );
    assert_eq!(
        string(&workflow["jobs"]["merge"]["needs"], "needs"),
        "grade"
    );
    assert_eq!(
        workflow["jobs"]["grade"]["strategy"]["fail-fast"].as_bool(),
        Some(false),
        "every shard runs to the end"
    );
    // The grading jobs build harnesses: they need interleave's source, pointed at, and Rust.
    let grade_steps = steps(&workflow, "grade");
    assert!(
        grade_steps
            .iter()
            .any(|s| s["with"]["path"].as_str() == Some("interleave")),
        "grade checks out interleave's source"
    );
    assert!(
        grade_steps
            .iter()
            .any(|s| s["uses"].as_str() == Some("dtolnay/rust-toolchain@master"))
    );
    assert!(
        grade_steps
            .iter()
            .any(|s| !s["env"]["INTERLEAVE_SOURCE"].is_badvalue()),
        "grade sets INTERLEAVE_SOURCE"
    );
}

#[test]
fn the_shard_count_is_the_same_in_the_matrix_and_in_the_command() {
    let workflow = workflow();
    let count = shard_count(&workflow);
    let grade = script(&workflow, "grade", "interleave grade");
    assert!(
        grade.contains(&format!("--shard ${{{{ matrix.shard }}}}/{count} ")),
        "--shard ${{{{ matrix.shard }}}}/{count} in: {grade}"
    );
    // Students' failures (1), rejections (3) and properties not checked (5) are graded, a grader
    // error (4) is in the report and fails the merge at its end; a usage error (2) fails the job.
    assert!(grade.contains("0 | 1 | 3 | 5)"), "{grade}");
    let case_four = |script: &str| script.lines().any(|l| l.trim_start().starts_with("4)"));
    assert!(case_four(grade), "{grade}");
    let merge = script(&workflow, "merge", "merge-reports");
    assert!(case_four(merge) && merge.contains("errors=yes"), "{merge}");
    assert!(merge.contains("0 | 1 | 3 | 5)"), "{merge}");
    let last = steps(&workflow, "merge").last().expect("merge's steps");
    assert_eq!(
        last["if"].as_str(),
        Some("steps.merge.outputs.errors == 'yes'")
    );
}

#[test]
fn the_workflow_commands_are_ones_interleave_accepts() {
    let workflow = workflow();
    let count = shard_count(&workflow);
    let exercise = string(&workflow["env"]["EXERCISE"], "EXERCISE");
    assert!(
        interleave::gate::find_exercise(exercise).is_some(),
        "{exercise} is an exercise"
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci-workflow");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let grade = script(&workflow, "grade", "interleave grade");
    let mut files = Vec::new();
    for shard in 1..=count {
        let mut words = command_words(grade, "interleave grade", shard, exercise);
        assert_eq!(words[..3], ["interleave", "grade", exercise]);
        files.push(grade_shard(
            &mut words,
            &dir,
            Shard {
                index: shard,
                count,
            },
        ));
    }
    let merge = script(&workflow, "merge", "merge-reports");
    for format in ["junit", "json"] {
        let line = merge
            .lines()
            .find(|l| l.contains("merge-reports") && l.contains(&format!("--format {format}")))
            .unwrap_or_else(|| panic!("no merge-reports to {format}"));
        let mut words = command_words(line, "bin/interleave merge-reports", 0, exercise);
        let glob = words
            .iter()
            .position(|w| w.ends_with("shard-*.json"))
            .expect("the shards' glob");
        let shards = files.iter().map(|f| f.to_str().unwrap().to_owned());
        words.splice(glob..=glob, shards);
        let out = words.iter().position(|w| w == "--out").expect("--out") + 1;
        words[out] = dir.join(&words[out]).to_str().unwrap().to_owned();
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let output = interleave(&args);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{words:?}: {}",
            stderr(&output)
        );
        assert!(std::path::Path::new(&words[out]).is_file());
    }
}

#[test]
fn every_run_script_is_bash() {
    let workflow = workflow();
    for job in JOBS {
        for run in steps(&workflow, job)
            .iter()
            .filter_map(|s| s["run"].as_str())
        {
            let script = run.replace("${{ matrix.shard }}", "1");
            let output = std::process::Command::new("bash")
                .args(["-n", "-c", &script])
                .output()
                .expect("bash runs");
            assert!(
                output.status.success(),
                "{job}: {}\n{script}",
                stderr(&output)
            );
        }
    }
}

/// Every job has a timeout; every checkout keeps no credentials (students' code runs in the
/// grade jobs); the token is read-only; every job builds with the one pinned toolchain.
#[test]
fn every_job_is_bounded_credential_free_read_only_and_pinned() {
    let workflow = workflow();
    let permissions = workflow["permissions"]
        .as_hash()
        .expect("top-level permissions");
    assert_eq!(permissions.len(), 1, "{permissions:?}");
    assert_eq!(workflow["permissions"]["contents"].as_str(), Some("read"));
    let toolchain = string(&workflow["env"]["RUST_TOOLCHAIN"], "RUST_TOOLCHAIN");
    let numbers: Vec<&str> = toolchain.split('.').collect();
    assert!(
        numbers.len() == 3 && numbers.iter().all(|n| n.parse::<u32>().is_ok()),
        "a pinned version, not a channel: {toolchain}"
    );
    for job in JOBS {
        let minutes = workflow["jobs"][job]["timeout-minutes"].as_i64();
        assert!(
            minutes.is_some_and(|m| (1..=120).contains(&m)),
            "{job}: {minutes:?}"
        );
        assert!(
            workflow["jobs"][job]["permissions"].is_badvalue(),
            "{job} keeps the read-only token"
        );
        for step in steps(&workflow, job) {
            let uses = step["uses"].as_str().unwrap_or_default();
            if uses.starts_with("actions/checkout@") {
                assert_eq!(
                    step["with"]["persist-credentials"].as_bool(),
                    Some(false),
                    "{job}: {step:?}"
                );
            }
            if uses.starts_with("dtolnay/rust-toolchain@") {
                assert_eq!(
                    step["with"]["toolchain"].as_str(),
                    Some("${{ env.RUST_TOOLCHAIN }}"),
                    "{job}: {step:?}"
                );
            }
        }
    }
}

/// The grade job lets the gate's sandbox make user namespaces before it grades (Ubuntu 24.04's
/// AppArmor forbids them), and does not fail where it cannot.
#[test]
fn the_grade_job_allows_the_sandbox_before_grading() {
    let workflow = workflow();
    let runs: Vec<&str> = steps(&workflow, "grade")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    let allow = runs
        .iter()
        .position(|r| r.contains("kernel.apparmor_restrict_unprivileged_userns=0"))
        .expect("a step allows unprivileged user namespaces");
    let grade = runs
        .iter()
        .position(|r| r.contains("interleave grade"))
        .expect("the grade step");
    assert!(allow < grade, "before grading");
    assert!(
        runs[allow].contains("|| "),
        "a runner without it still grades"
    );
}

/// The prepare job builds the harness library into the per-user cache and saves it; every
/// shard restores the same path under the same key instead of building it again.
#[test]
fn the_prepare_job_fills_the_harness_cache_the_shards_restore() {
    let workflow = workflow();
    let cache = |job: &str, action: &str| {
        steps(&workflow, job)
            .iter()
            .find(|s| s["uses"].as_str() == Some(action))
            .unwrap_or_else(|| panic!("{job} uses {action}"))
            .clone()
    };
    let saved = cache("prepare", "actions/cache@v4");
    let restored = cache("grade", "actions/cache/restore@v4");
    assert_eq!(saved["with"]["path"], restored["with"]["path"]);
    assert_eq!(saved["with"]["key"], restored["with"]["key"]);
    let home = std::path::Path::new("/home/runner");
    let default = interleave::gate::harness::work_under(None, Some(home.into()));
    let path = string(&saved["with"]["path"], "path").replace('~', "/home/runner");
    assert!(
        default.starts_with(&path),
        "{} under {path}",
        default.display()
    );
    let key = string(&saved["with"]["key"], "key");
    for part in [
        "${{ env.INTERLEAVE_REF }}",
        "${{ env.RUST_TOOLCHAIN }}",
        "${{ runner.os }}",
    ] {
        assert!(key.contains(part), "{key} has {part}");
    }
    let prepare = script(&workflow, "prepare", "prepare");
    let words = command_words(prepare, "bin/interleave prepare", 0, "counter");
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    assert_eq!(args, ["prepare", "counter"]);
    let output = interleave(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// Runs `script` in bash in `dir` with `env`; its exit code and stdout.
fn run_bash(script: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = std::process::Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ci-workflow-scripts")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// The placeholders stop the build at once; an empty class fails its shard loudly; the summary's
/// code fence is longer than any run of backticks a student's text brings.
#[test]
fn placeholders_an_empty_class_and_a_fenced_summary_fail_loudly_or_hold() {
    let workflow = workflow();
    assert!(string(&workflow["env"]["INTERLEAVE_REF"], "ref").starts_with("REPLACE-ME"));
    let refuse = script(&workflow, "build", "REPLACE-ME");
    let dir = scratch("placeholders");
    let placeholder = [
        ("INTERLEAVE_REPOSITORY", "REPLACE-ME/interleave"),
        ("INTERLEAVE_REF", "v1.0.0"),
    ];
    let (code, out) = run_bash(refuse, &dir, &placeholder);
    assert_eq!(code, Some(2));
    assert!(out.starts_with("::error::"), "{out}");
    let set = [
        ("INTERLEAVE_REPOSITORY", "a-course/interleave"),
        ("INTERLEAVE_REF", "v1.0.0"),
    ];
    assert_eq!(run_bash(refuse, &dir, &set).0, Some(0));

    let grade = script(&workflow, "grade", "interleave grade").replace("${{ matrix.shard }}", "1");
    let dir = scratch("empty-class");
    std::fs::create_dir_all(dir.join("submissions/counter")).unwrap();
    let (code, out) = run_bash(&grade, &dir, &[("EXERCISE", "counter")]);
    assert_eq!(code, Some(2));
    assert_eq!(out, "::error::no submissions in submissions/counter/\n");

    let merge = script(&workflow, "merge", "merge-reports");
    let from = merge.find("head -c").expect("the summary's part");
    let to = merge[from..]
        .find("$GITHUB_STEP_SUMMARY\"")
        .expect("its end")
        + from;
    let summary = &merge[from..to + "$GITHUB_STEP_SUMMARY\"".len()];
    let dir = scratch("summary");
    let report = "counter: FAIL\n```\n::error::owned\n`````\nthe end\n";
    std::fs::write(dir.join("class.txt"), report).unwrap();
    let written = dir.join("summary.md");
    let (code, _) = run_bash(
        summary,
        &dir,
        &[
            ("EXERCISE", "counter"),
            ("GITHUB_STEP_SUMMARY", written.to_str().unwrap()),
        ],
    );
    assert_eq!(code, Some(0));
    let markdown = std::fs::read_to_string(&written).unwrap();
    let fence = "``````";
    assert_eq!(
        markdown,
        format!("### interleave grade counter\n{fence}\n{report}{fence}\n")
    );
}

/// The GitLab CI version, `ci/class-grading.gitlab-ci.yml`, checked as the GitHub one is.
mod gitlab {
    use super::{run_bash, scratch};
    use crate::support::{interleave, stderr};
    use interleave::gate::report::Shard;
    use yaml_rust2::{Yaml, YamlLoader};

    const PIPELINE: &str = include_str!("../../ci/class-grading.gitlab-ci.yml");
    const JOBS: [&str; 4] = ["build", "prepare", "grade", "merge"];

    fn pipeline() -> Yaml {
        let mut documents = YamlLoader::load_from_str(PIPELINE).expect("the pipeline is YAML");
        assert_eq!(documents.len(), 1, "one document");
        documents.remove(0)
    }

    /// A job's script, its lines joined as the runner runs them.
    fn script(pipeline: &Yaml, job: &str) -> String {
        pipeline[job]["script"]
            .as_vec()
            .unwrap_or_else(|| panic!("job {job} has no script"))
            .iter()
            .map(|line| line.as_str().expect("a script line is a string"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn variable<'a>(pipeline: &'a Yaml, name: &str) -> &'a str {
        pipeline["variables"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no variable {name}"))
    }

    #[test]
    fn every_job_is_bounded_pinned_in_its_stage_and_bash() {
        let pipeline = pipeline();
        let stages: Vec<&str> = pipeline["stages"]
            .as_vec()
            .expect("stages")
            .iter()
            .map(|s| s.as_str().expect("a stage"))
            .collect();
        assert_eq!(stages, JOBS);
        let toolchain = variable(&pipeline, "RUST_TOOLCHAIN");
        assert_eq!(
            pipeline["default"]["image"].as_str(),
            Some("rust:$RUST_TOOLCHAIN"),
            "the image is the pinned toolchain"
        );
        assert_eq!(
            toolchain
                .split('.')
                .filter(|n| n.parse::<u32>().is_ok())
                .count(),
            3
        );
        for job in JOBS {
            assert_eq!(pipeline[job]["stage"].as_str(), Some(job));
            let timeout = pipeline[job]["timeout"].as_str().unwrap_or_default();
            assert!(timeout.ends_with('m'), "{job} has a timeout: {timeout:?}");
            let output = std::process::Command::new("bash")
                .args(["-n", "-c", &script(&pipeline, job)])
                .output()
                .expect("bash runs");
            assert!(output.status.success(), "{job}: {}", stderr(&output));
        }
    }

    /// Every exit code `grade` and `merge-reports` give a graded class (0, 1, 3, 5) is graded in
    /// both the grade and the merge script; 4 is kept for the end, 2 fails.
    #[test]
    fn graded_exit_codes_are_the_ones_the_readme_lists() {
        let pipeline = pipeline();
        for job in ["grade", "merge"] {
            let script = script(&pipeline, job);
            assert!(script.contains("0 | 1 | 3 | 5)"), "{job}: {script}");
            assert!(
                script.lines().any(|l| l.trim_start().starts_with("4)")),
                "{job}"
            );
        }
        assert!(script(&pipeline, "grade").contains("CI_REPOSITORY_URL"));
    }

    #[test]
    fn the_prepare_job_fills_the_cache_the_shards_pull() {
        let pipeline = pipeline();
        let (prepare, grade) = (&pipeline["prepare"]["cache"], &pipeline["grade"]["cache"]);
        assert_eq!(prepare["key"], grade["key"]);
        assert_eq!(prepare["paths"], grade["paths"]);
        assert_eq!(prepare["policy"].as_str(), Some("pull-push"));
        assert_eq!(grade["policy"].as_str(), Some("pull"));
        let key = prepare["key"].as_str().expect("a key");
        assert!(
            key.contains("$INTERLEAVE_REF") && key.contains("$RUST_TOOLCHAIN"),
            "{key}"
        );
        // The per-user cache the gate uses by default, inside the project, where GitLab caches.
        let project = std::path::Path::new("/builds/course");
        let cache_home =
            variable(&pipeline, "XDG_CACHE_HOME").replace("$CI_PROJECT_DIR", "/builds/course");
        let work = interleave::gate::harness::work_under(Some(cache_home.into()), None);
        let cached = prepare["paths"][0].as_str().expect("a cached path");
        assert!(
            work.starts_with(project.join(cached)),
            "{} under {cached}",
            work.display()
        );
        let prepare = script(&pipeline, "prepare");
        let words: Vec<&str> = prepare.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| *w == "bin/interleave")
            .expect("bin/interleave");
        let args: Vec<String> = words[at + 1..]
            .iter()
            .map(|w| w.trim_matches('"').replace("$EXERCISE", "counter"))
            .collect();
        assert_eq!(args, ["prepare", "counter"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(interleave(&args).status.code(), Some(0));
    }

    #[test]
    fn the_grade_and_merge_commands_are_ones_interleave_accepts() {
        let pipeline = pipeline();
        let count = pipeline["grade"]["parallel"]
            .as_i64()
            .expect("grade runs in parallel");
        let count = u32::try_from(count).expect("a few shards");
        let grade = script(&pipeline, "grade");
        let dir = scratch("gitlab-commands");
        let mut files = Vec::new();
        for shard in 1..=count {
            let line = grade
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("bin/interleave grade"))
                .expect("the grade command");
            let line = line
                .replace("$CI_NODE_INDEX", &shard.to_string())
                .replace("$CI_NODE_TOTAL", &count.to_string())
                .replace("$EXERCISE", "counter");
            let mut words: Vec<String> = line
                .split_whitespace()
                .take_while(|w| *w != "||")
                .map(|w| w.trim_matches('"').to_owned())
                .collect();
            files.push(super::grade_shard(
                &mut words,
                &dir,
                Shard {
                    index: shard,
                    count,
                },
            ));
        }
        let merge = script(&pipeline, "merge");
        for line in merge
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("bin/interleave merge-reports"))
        {
            let mut words: Vec<String> = line
                .split_whitespace()
                .take_while(|w| !["||", ">"].contains(w))
                .map(str::to_owned)
                .collect();
            let glob = words
                .iter()
                .position(|w| w == "shard-*.json")
                .expect("the shards");
            words.splice(
                glob..=glob,
                files.iter().map(|f| f.to_str().unwrap().to_owned()),
            );
            let out = words.iter().position(|w| w == "--out").expect("--out") + 1;
            words[out] = dir.join(&words[out]).to_str().unwrap().to_owned();
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let output = interleave(&args);
            assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
        }
        assert_eq!(
            pipeline["merge"]["artifacts"]["reports"]["junit"].as_str(),
            Some("class.xml")
        );
    }

    #[test]
    fn placeholders_stop_the_build_and_an_empty_class_fails_its_shard() {
        let pipeline = pipeline();
        assert!(variable(&pipeline, "INTERLEAVE_REF").starts_with("REPLACE-ME"));
        let refuse = pipeline["build"]["script"][0]
            .as_str()
            .expect("the first step");
        let dir = scratch("gitlab-placeholders");
        let placeholder = [
            (
                "INTERLEAVE_REPOSITORY_URL",
                variable(&pipeline, "INTERLEAVE_REPOSITORY_URL"),
            ),
            ("INTERLEAVE_REF", "v1.0.0"),
        ];
        assert_eq!(run_bash(refuse, &dir, &placeholder).0, Some(2));
        let set = [
            (
                "INTERLEAVE_REPOSITORY_URL",
                "https://gitlab.example/course/interleave.git",
            ),
            ("INTERLEAVE_REF", "v1.0.0"),
        ];
        assert_eq!(run_bash(refuse, &dir, &set).0, Some(0));
        let dir = scratch("gitlab-empty-class");
        std::fs::create_dir_all(dir.join("submissions/counter")).unwrap();
        let grade = script(&pipeline, "grade");
        let (code, out) = run_bash(
            &grade,
            &dir,
            &[
                ("EXERCISE", "counter"),
                ("CI_PROJECT_DIR", dir.to_str().unwrap()),
                ("CI_JOB_TOKEN", "secret"),
            ],
        );
        assert_eq!(code, Some(2));
        assert_eq!(out, "error: no submissions in submissions/counter/\n");
    }
}
