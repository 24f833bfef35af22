//! A class graded in one call is built in batches (one crate, one compiler run), and a batch is
//! only a faster way to the same reports: each submission's report is the one it gets graded
//! alone, byte for byte apart from timing; a submission that does not compile is refused with
//! its own errors, and does not take its batch down with it.

use crate::gate_support::without_timing;
use crate::support::{interleave, stderr};
use interleave::gate::harness::Harness;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gate-batch")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Submissions no build has seen (a comment of this run's own on top), so the class is built
/// anew: a correct one, one that loses updates, one that does not compile and one whose plug
/// does not (no `Submission` type).
fn class(dir: &Path, nonce: &str) -> Vec<String> {
    let files = [
        (
            "correct.rs",
            include_str!("../../src/gate/exercises/counter/reference.rs").to_owned(),
        ),
        (
            "loses_updates.rs",
            include_str!("../gate/counter/lock_per_call.rs").to_owned(),
        ),
        (
            "does_not_compile.rs",
            "pub type Submission<R> = NoSuchCounter<R>;\n".to_owned(),
        ),
        (
            "no_plug.rs",
            include_str!("../../src/gate/exercises/counter/reference.rs")
                .replace("pub type Submission<R>", "pub type Mine<R>"),
        ),
    ];
    files
        .iter()
        .map(|(name, text)| {
            let file = dir.join(name);
            std::fs::write(&file, format!("// {nonce}\n{text}")).expect("a submission");
            file.to_str().expect("a UTF-8 path").to_owned()
        })
        .collect()
}

fn graded(paths: &[String]) -> serde_json::Value {
    let mut args = vec!["grade", "counter"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let output = interleave(&args);
    assert!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "{}",
        stderr(&output)
    );
    let mut report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("a JSON report");
    without_timing(&mut report);
    report
}

/// The batch crates in the gate's directory holding a file with `nonce`: how many submissions
/// each holds, and whether its binary was built.
fn batches_with(nonce: &str) -> Vec<(usize, bool)> {
    let work = Harness::locate(false)
        .expect("the gate finds this project")
        .work;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(work.join("crates"))
        .expect("the gate's crates")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("gate-counter-batch-") {
            continue;
        }
        let members: Vec<PathBuf> = std::fs::read_dir(entry.path().join("src"))
            .expect("a batch's sources")
            .flatten()
            .map(|member| member.path())
            .filter(|member| member.is_dir())
            .collect();
        let holds_it = members.iter().any(|member| {
            std::fs::read_to_string(member.join("submission.rs"))
                .is_ok_and(|text| text.contains(nonce))
        });
        if holds_it {
            let built = work.join("target/release").join(&name).is_file();
            found.push((members.len(), built));
        }
    }
    found.sort();
    found
}

#[test]
fn a_class_built_together_gets_the_reports_each_submission_gets_alone() {
    let dir = scratch("class");
    let nonce = format!(
        "batch test {} {:?}",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let class = class(&dir, &nonce);
    let together = graded(&class);

    let statuses: Vec<&str> = together["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    assert_eq!(statuses, ["pass", "fail", "rejected", "rejected"]);
    // Built together first, then again without the two its errors named, which were then
    // built on their own.
    assert_eq!(batches_with(&nonce), [(2, true), (4, false)]);

    for (i, path) in class.iter().enumerate() {
        let alone = graded(std::slice::from_ref(path));
        assert_eq!(
            together["submissions"][i], alone["submissions"][0],
            "{path}: graded with the class, then alone"
        );
    }
}

/// A counter carrying a 300 MB table: alone it fits the child's memory limit (512 MiB of
/// address space), but two in one batch binary do not, which then dies before its first word.
fn counter_with_a_table(nonce: &str, name: &str) -> String {
    format!(
        "// {nonce} {name}\n\
         use interleave::gate::exercises::counter::Counter;\n\
         use interleave::runtime::Runtime;\n\
         use interleave::sync::AtomicUsize;\n\
         static TABLE: [u8; 300_000_000] = [0; 300_000_000];\n\
         pub struct Big<R: Runtime>(AtomicUsize<R>);\n\
         impl<R: Runtime> Counter<R> for Big<R> {{\n\
             fn new(start: usize) -> Self {{\n\
                 let zero = std::hint::black_box(&TABLE)[start % 1000] as usize;\n\
                 Big(AtomicUsize::named(\"n\", start + zero))\n\
             }}\n\
             fn decrement(&self) {{ self.0.fetch_sub(1); }}\n\
             fn value(&self) -> usize {{ self.0.load() }}\n\
         }}\n\
         pub type Submission<R> = Big<R>;\n"
    )
}

#[test]
#[ignore = "three harness builds and two 300 MB tables (14 CPU-s): ci/gate.sh runs it"]
fn classmates_whose_tables_overflow_a_batch_binary_are_graded_from_their_own_harness() {
    let dir = scratch("tables");
    let nonce = format!(
        "table test {} {:?}",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let class: Vec<String> = ["alice", "bob"]
        .iter()
        .map(|name| {
            let file = dir.join(format!("{name}.rs"));
            std::fs::write(&file, counter_with_a_table(&nonce, name)).expect("a submission");
            file.to_str().expect("a UTF-8 path").to_owned()
        })
        .collect();
    let together = graded(&class);
    let statuses: Vec<&str> = together["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    assert_eq!(statuses, ["pass", "pass"], "{together}");
    assert_eq!(
        batches_with(&nonce),
        [(2, true)],
        "they were built together"
    );
}
