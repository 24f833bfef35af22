//! The shape of the code, checked: the modules of `src/` import each other without a circle,
//! and a model (`models/`) uses only the facade, never the checker, the trace or the CLI.
//! References are read from the code (comment lines skipped), as `crate::<module>`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The `crate::<module>` names a file's code refers to.
fn references(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("a source file");
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Module -> the modules it refers to, for the top-level modules of `src/`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let uses = graph.entry(module.clone()).or_default();
        uses.extend(references(&file).into_iter().filter(|m| *m != module));
    }
    graph
}

#[test]
fn the_modules_of_src_import_each_other_without_a_circle() {
    let graph = module_graph();
    // Kahn's algorithm: a module can go once everything it uses has gone.
    let mut left = graph.clone();
    let mut order = Vec::new();
    while let Some(ready) = left
        .iter()
        .find(|(_, uses)| uses.iter().all(|u| !left.contains_key(u)))
        .map(|(m, _)| m.clone())
    {
        left.remove(&ready);
        order.push(ready);
    }
    assert!(
        left.is_empty(),
        "these modules import each other in a circle: {left:#?}\n(bottom-up order of the rest: {order:?})"
    );
}

#[test]
fn a_model_uses_only_the_facade() {
    // `gate`: a lesson's versions implement the trait of the exercise drawn from it.
    // `net`: the echo concept's timing drives the real servers.
    let facade = [
        "sync",
        "thread",
        "task",
        "greenlet",
        "connection",
        "program",
        "runtime",
        "lesson",
        "models",
        "gate",
        "net",
    ];
    let mut leaks = Vec::new();
    for file in rust_files(&root().join("models")) {
        for module in references(&file) {
            if !facade.contains(&module.as_str()) {
                leaks.push(format!("{} uses crate::{module}", file.display()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "models reaching past the facade:\n{}",
        leaks.join("\n")
    );
}
