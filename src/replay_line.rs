//! The line a failing check prints to run exactly its failing execution again, where it ran: in
//! a `cargo test` test, that one test and nothing else; elsewhere, the same command.

use crate::cargo_target;
use crate::runtime::Backend;

/// The environment variable naming the one execution a check replays.
pub const REPLAY_VAR: &str = "INTERLEAVE_REPLAY";

/// How to run the check that printed `token` again. In the test `test` (libtest's name for it,
/// its full path), from the same package:
///
/// ```text
/// INTERLEAVE_REPLAY=<token> cargo test [--lib | --test NAME] <test> -- --exact --include-ignored
/// ```
///
/// with `RUSTFLAGS="--cfg loom"` before `cargo` and `--release` after `test` for a loom token,
/// and `--target-dir DIR` when the binary was built outside the package's `target/` (a loom build
/// kept in `target/loom`, say), so that the line does not build everything again elsewhere.
/// `--exact` runs no test whose name only starts with `test`'s, `--include-ignored` runs it if
/// it is ignored, and the target is named when it can be known for sure (cargo does not tell a
/// test binary its target: it is the one target of the package whose crate name the binary's file
/// is named after, if only one is). With no test, the command that started this process, with the
/// token set.
pub fn replay_line(backend: Backend, token: &str, test: Option<&str>) -> String {
    let assignment = format!("{REPLAY_VAR}={token}");
    let Some(test) = test else {
        let command = std::env::args_os().map(|word| shell_word(&word.to_string_lossy()));
        return std::iter::once(assignment)
            .chain(command)
            .collect::<Vec<_>>()
            .join(" ");
    };
    let mut words = vec![assignment];
    let loom = backend == Backend::Loom;
    if loom {
        words.push("RUSTFLAGS=\"--cfg loom\"".to_owned());
    }
    words.extend(["cargo".to_owned(), "test".to_owned()]);
    if loom {
        words.push("--release".to_owned());
    }
    words.extend(cargo_target::current().map_or_else(Vec::new, |target| target.args()));
    if let Some(dir) = cargo_target::non_default_dir() {
        words.extend(["--target-dir".to_owned(), shell_word(&dir)]);
    }
    words.push(shell_word(test));
    words.extend(["--", "--exact", "--include-ignored"].map(str::to_owned));
    words.join(" ")
}

/// The test this thread runs, by libtest's name for its thread (its full path, such as
/// `counter::a_race`); `None` on a `main` thread, a doctest's or a program's.
pub(crate) fn current_test() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .map(str::to_owned)
}

/// `word` as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_plain_word_is_kept_and_any_other_is_quoted_to_read_back_the_same() {
        assert_eq!(shell_word("counter::a_race"), "counter::a_race");
        assert_eq!(shell_word("--seed=7"), "--seed=7");
        assert_eq!(shell_word("two words"), "'two words'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
    }
}
