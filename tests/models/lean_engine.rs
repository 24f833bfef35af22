//! A library user's crate gets the engine, not the product: `examples/bank-account` depends on
//! interleave with `default-features = false`, and its dependency tree (as `cargo tree` resolves
//! it from the committed lock file, plain and under `--cfg loom`) holds none of the crates the
//! command line, the lessons or the gate bring in. A harness crate of the gate links the engine
//! and the `grading` feature, and none of the command line's crates either.

use std::process::Command;

/// What the product (command line, lessons, gate) brings in and the engine must not.
const PRODUCT_ONLY: &[&str] = &[
    "tokio",
    "socket2",
    "serde",
    "serde_json",
    "quick-junit",
    "proc-macro2",
    "clap",
    "clap_complete",
];

/// The bank-account example's manifest: a library user's crate.
const USER_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/bank-account/Cargo.toml"
);

/// The crates of the user's tree, one name each, as `cargo tree` lists them with `extra`
/// arguments (and `RUSTFLAGS` set to `rustflags`, or unset).
fn tree_names(rustflags: Option<&str>, extra: &[&str]) -> Vec<String> {
    let locked: Vec<&str> = std::iter::once("--locked")
        .chain(extra.iter().copied())
        .collect();
    tree_of(USER_MANIFEST, rustflags, &locked)
}

/// The crates of `manifest`'s tree, one name each.
fn tree_of(manifest: &str, rustflags: Option<&str>, extra: &[&str]) -> Vec<String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args([
            "tree",
            "--manifest-path",
            manifest,
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(extra);
    command.env_remove("RUSTFLAGS");
    if let Some(flags) = rustflags {
        command.env("RUSTFLAGS", flags);
    }
    let output = command.output().expect("cargo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The crates of the user's whole tree.
fn user_tree(rustflags: Option<&str>) -> Vec<String> {
    tree_names(rustflags, &[])
}

fn assert_lean(names: &[String]) {
    assert!(
        names.iter().any(|name| name == "interleave") && names.iter().any(|n| n == "shuttle"),
        "{names:?}"
    );
    let product: Vec<&String> = names
        .iter()
        .filter(|name| PRODUCT_ONLY.contains(&name.as_str()))
        .collect();
    assert!(
        product.is_empty(),
        "the engine alone pulls in {product:?}: {names:?}"
    );
}

#[test]
fn a_user_crate_on_the_engine_alone_has_none_of_the_product_s_crates() {
    assert_lean(&user_tree(None));
}

#[test]
fn its_loom_build_has_none_either() {
    let names = user_tree(Some("--cfg loom"));
    assert!(names.iter().any(|name| name == "loom"), "{names:?}");
    assert_lean(&names);
}

/// corosensei is in the tree, but only because shuttle runs its tasks on it: interleave's own
/// use of it (the greenlet lesson's timing) is the product's.
#[test]
fn corosensei_comes_only_through_shuttle() {
    let dependents: Vec<String> = tree_names(None, &["--invert", "corosensei", "--depth", "1"])
        .into_iter()
        .filter(|name| name != "corosensei")
        .collect();
    assert_eq!(dependents, ["shuttle", "shuttle-engine"]);
}

/// What a harness crate's `Cargo.toml` says of interleave (the gate's own line), resolved from
/// this project's lock file as the gate resolves it: the engine and grading, no command line.
#[test]
fn a_harness_links_grading_and_none_of_the_command_line_s_crates() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/lean-engine-harness");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let dependency = interleave::gate::harness::interleave_dependency(root);
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"harness\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\n{dependency}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let manifest = dir.join("Cargo.toml");
    let names = tree_of(manifest.to_str().unwrap(), None, &["--offline"]);
    assert!(names.iter().any(|name| name == "serde_json"), "{names:?}");
    let command_line: Vec<&String> = names
        .iter()
        .filter(|name| {
            ["tokio", "socket2", "quick-junit", "clap", "clap_complete"].contains(&name.as_str())
        })
        .collect();
    assert!(
        command_line.is_empty(),
        "a harness pulls in {command_line:?}: {names:?}"
    );
}

/// The published crate holds what a user needs and nothing of the project's own checks: the
/// sources (the lessons and the gate's exercises included: the gate's harness builds against
/// them), the lock file, the README with its pictures and the changelog; no tests, corpora,
/// benches or CI scripts.
#[test]
fn the_package_holds_the_sources_and_docs_and_no_tests_benches_or_ci() {
    let output = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let top: std::collections::BTreeSet<&str> = files
        .iter()
        .map(|file| file.split('/').next().unwrap_or_default())
        // Cargo's note of the commit, there only in a git checkout.
        .filter(|top| *top != ".cargo_vcs_info.json")
        .collect();
    assert_eq!(
        top.into_iter().collect::<Vec<_>>(),
        [
            "CHANGELOG.md",
            "Cargo.lock",
            "Cargo.toml",
            "Cargo.toml.orig",
            "README.md",
            "docs",
            "models",
            "src",
        ]
    );
    for needed in [
        "src/lib.rs",
        "src/main.rs",
        "models/mod.rs",
        "src/gate/exercises/counter/reference.rs",
        "src/gate/exercises/counter/README.md",
        "docs/lost-update.png",
    ] {
        assert!(files.iter().any(|file| file == needed), "{needed}");
    }
}
