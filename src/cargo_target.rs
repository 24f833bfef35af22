//! Which target of its package built the running test binary, so that a replay line can name it
//! (`--lib`, `--test NAME`) and cargo builds and runs that binary alone.
//!
//! Cargo tells a test binary nothing of its target when it runs it: `CARGO_CRATE_NAME` and
//! `CARGO_BIN_NAME` are set only while compiling. What is known is the binary's file name,
//! `<crate name>-<16 hex digits>` (the target's name with `-` made `_`), and the package's folder
//! and name (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, set by `cargo test`). A lib's unit tests
//! and a bin's, or a bin and an integration test of the same name, build binaries of the same
//! name; and `tests/my-check.rs` builds `my_check-…`, which `--test my_check` does not select.
//! So the target is named only when exactly one of the package's targets (where cargo finds them,
//! and as its manifest declares them) has that crate name; otherwise none is, and the line runs
//! the test of that exact name in every target.

use std::collections::BTreeSet;
use std::path::Path;

/// A target `cargo test` can be told to build and run alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CargoTarget {
    /// The library's unit tests.
    Lib,
    /// An integration test, by its target name (`tests/NAME.rs`, `tests/NAME/main.rs`, or a
    /// `[[test]]` of the manifest).
    Test(String),
}

impl CargoTarget {
    /// The words that select it on `cargo test`'s command line.
    pub(crate) fn args(&self) -> Vec<String> {
        match self {
            CargoTarget::Lib => vec!["--lib".to_owned()],
            CargoTarget::Test(name) => vec!["--test".to_owned(), name.clone()],
        }
    }
}

/// The target that built this test binary, when `cargo test` ran it and only one target fits.
pub(crate) fn current() -> Option<CargoTarget> {
    let binary = std::env::current_exe().ok()?;
    let folder = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let package = std::env::var("CARGO_PKG_NAME").ok()?;
    of_binary(&binary, Path::new(&folder), &package)
}

/// The target directory the running test binary was built in (`DIR/<profile>/deps/<binary>`),
/// as `cargo test --target-dir` takes it, when it is neither the package's own `target/` nor the
/// `CARGO_TARGET_DIR` of the environment: relative to the package's folder when inside it.
pub(crate) fn non_default_dir() -> Option<String> {
    let binary = std::env::current_exe().ok()?;
    let deps = binary.parent()?;
    if deps.file_name()? != "deps" {
        return None;
    }
    let dir = deps.parent()?.parent()?;
    let folder = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let same = |other: &Path| {
        let canonical = |path: &Path| std::fs::canonicalize(path).ok();
        canonical(other).is_some_and(|other| Some(other) == canonical(dir))
    };
    let exported = std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from);
    if same(&folder.join("target")) || exported.is_some_and(|exported| same(&folder.join(exported)))
    {
        return None;
    }
    let shown = dir.strip_prefix(&folder).unwrap_or(dir);
    shown.to_str().map(str::to_owned)
}

/// The one target of the package in `folder` that can have built `binary`, if it is a lib or an
/// integration test.
fn of_binary(binary: &Path, folder: &Path, package: &str) -> Option<CargoTarget> {
    let crate_name = crate_name_of(binary.file_stem()?.to_str()?)?;
    let mut fitting = targets(folder, package)
        .into_iter()
        .filter(|(_, name)| name.replace('-', "_") == crate_name);
    let only = fitting.next()?;
    if fitting.next().is_some() {
        return None;
    }
    match only {
        (Kind::Lib, _) => Some(CargoTarget::Lib),
        (Kind::Test, name) => Some(CargoTarget::Test(name)),
        (Kind::Bin | Kind::Example | Kind::Bench, _) => None,
    }
}

/// `models` of `models-1a2b3c4d5e6f7a8b`.
fn crate_name_of(file_stem: &str) -> Option<&str> {
    let (name, hash) = file_stem.rsplit_once('-')?;
    let cargo_hash = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (cargo_hash && !name.is_empty()).then_some(name)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Lib,
    Bin,
    Test,
    Example,
    Bench,
}

/// Every target the package may have: those cargo discovers by their files and those its
/// manifest declares. More than it has is harmless (a name only ever becomes ambiguous); fewer
/// is not, so every place cargo looks is counted, even where the manifest turns discovery off.
fn targets(folder: &Path, package: &str) -> BTreeSet<(Kind, String)> {
    let mut found = BTreeSet::new();
    if folder.join("src/lib.rs").is_file() {
        found.insert((Kind::Lib, package.to_owned()));
    }
    if folder.join("src/main.rs").is_file() {
        found.insert((Kind::Bin, package.to_owned()));
    }
    for (kind, place) in [
        (Kind::Bin, "src/bin"),
        (Kind::Test, "tests"),
        (Kind::Example, "examples"),
        (Kind::Bench, "benches"),
    ] {
        found.extend(discovered(&folder.join(place)).map(|name| (kind, name)));
    }
    if let Ok(manifest) = std::fs::read_to_string(folder.join("Cargo.toml")) {
        found.extend(declared(&manifest, package));
    }
    found
}

/// The targets cargo finds in `place`: `NAME.rs`, and `NAME/main.rs`.
fn discovered(place: &Path) -> impl Iterator<Item = String> {
    let entries = std::fs::read_dir(place).into_iter().flatten().flatten();
    entries.filter_map(|entry| {
        let path = entry.path();
        let target = if path.is_dir() {
            path.join("main.rs").is_file().then(|| path.file_name())?
        } else {
            (path.extension()? == "rs").then(|| path.file_stem())?
        };
        target?.to_str().map(str::to_owned)
    })
}

/// The targets the manifest's tables declare (`[lib]`, `[[bin]]`, `[[test]]`, `[[example]]`,
/// `[[bench]]`), by their `name`; a `[lib]` without one is named after the package.
fn declared(manifest: &str, package: &str) -> Vec<(Kind, String)> {
    let mut found = Vec::new();
    // The target table being read, and whether it has given its name yet.
    let mut table: Option<(Kind, bool)> = None;
    // The manifest's end closes its last table as a header would.
    for line in manifest.lines().chain(["["]) {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            if let Some((Kind::Lib, false)) = table {
                found.push((Kind::Lib, package.to_owned()));
            }
            table = target_table(line).map(|kind| (kind, false));
        } else if let Some((kind, named)) = &mut table
            && let Some(name) = name_in(line)
        {
            found.push((*kind, name));
            *named = true;
        }
    }
    found
}

/// The kind of target a table header declares, if it declares one.
fn target_table(header: &str) -> Option<Kind> {
    match header.replace(' ', "").as_str() {
        "[lib]" => Some(Kind::Lib),
        "[[bin]]" => Some(Kind::Bin),
        "[[test]]" => Some(Kind::Test),
        "[[example]]" => Some(Kind::Example),
        "[[bench]]" => Some(Kind::Bench),
        _ => None,
    }
}

/// `NAME` of `name = "NAME"` (or `'NAME'`).
fn name_in(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    if key.trim() != "name" {
        return None;
    }
    let value = value.trim();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let name = value[1..].split(quote).next()?;
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{CargoTarget, of_binary};
    use std::path::{Path, PathBuf};

    /// A package folder holding `files` (paths relative to it, each with `contents`).
    fn package(test: &str, files: &[(&str, &str)]) -> PathBuf {
        let folder = std::env::temp_dir().join(format!(
            "interleave-cargo-target-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&folder);
        for (file, contents) in files {
            let path = folder.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }
        folder
    }

    fn target(folder: &Path, binary: &str) -> Option<CargoTarget> {
        let binary = Path::new("/project/target/debug/deps").join(binary);
        of_binary(&binary, folder, "bank-account")
    }

    const HASH: &str = "4171b92c5bb31900";

    #[test]
    fn an_integration_test_is_named_by_its_file_or_folder_even_with_a_dash() {
        let folder = package(
            "integration",
            &[
                ("src/lib.rs", ""),
                ("tests/overdraft.rs", ""),
                ("tests/models/main.rs", ""),
                ("tests/models/support.rs", ""),
                ("tests/my-check.rs", ""),
            ],
        );
        let test = |name: &str| Some(CargoTarget::Test(name.to_owned()));
        assert_eq!(
            target(&folder, &format!("overdraft-{HASH}")),
            test("overdraft")
        );
        assert_eq!(target(&folder, &format!("models-{HASH}")), test("models"));
        assert_eq!(
            target(&folder, &format!("my_check-{HASH}")),
            test("my-check")
        );
        assert_eq!(target(&folder, &format!("support-{HASH}")), None);
        assert_eq!(
            target(&folder, &format!("bank_account-{HASH}")),
            Some(CargoTarget::Lib)
        );
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn a_binary_two_targets_could_have_built_is_named_by_neither() {
        let folder = package(
            "ambiguous",
            &[
                ("src/lib.rs", ""),
                ("src/main.rs", ""),
                ("src/bin/overdraft.rs", ""),
                ("tests/overdraft.rs", ""),
                ("tests/my_check.rs", ""),
                ("tests/my-check.rs", ""),
            ],
        );
        for binary in ["bank_account", "overdraft", "my_check"] {
            assert_eq!(
                target(&folder, &format!("{binary}-{HASH}")),
                None,
                "{binary}"
            );
        }
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn the_manifest_s_targets_count_and_a_lib_may_be_renamed() {
        let manifest = r#"
[package]
name = "bank-account"

[lib]
name = "bank"   # renamed

[[bin]]
name = "models"
path = "src/tools/models.rs"

[[test]]
name = 'ledger'
path = "checks/ledger.rs"
"#;
        let folder = package(
            "manifest",
            &[
                ("Cargo.toml", manifest),
                ("src/lib.rs", ""),
                ("tests/models/main.rs", ""),
            ],
        );
        assert_eq!(
            target(&folder, &format!("bank-{HASH}")),
            Some(CargoTarget::Lib)
        );
        assert_eq!(
            target(&folder, &format!("ledger-{HASH}")),
            Some(CargoTarget::Test("ledger".to_owned()))
        );
        assert_eq!(
            target(&folder, &format!("models-{HASH}")),
            None,
            "a bin too"
        );
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn a_binary_not_named_as_cargo_names_one_is_named_by_no_target() {
        let folder = package("not-cargo", &[("tests/overdraft.rs", "")]);
        for binary in [
            "overdraft",
            "overdraft-123",
            "overdraft-4171b92c5bb3190g",
            "-4171b92c5bb31900",
        ] {
            assert_eq!(target(&folder, binary), None, "{binary}");
        }
        let _ = std::fs::remove_dir_all(folder);
    }
}
