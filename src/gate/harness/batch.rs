//! Building many submissions at once. Most of a submission's build is the compiler starting,
//! loading the library and linking (about a second each); one crate holding a class's
//! submissions pays that once. Each submission is a module of its own (`src/m<DIGEST>/`, its
//! files as they are), plugged into the exercise by a type of its own, and the binary grades the
//! one its first argument names.
//!
//! A batch is only a faster way to the same binaries: a submission the batch cannot build (its
//! own errors, or another's that stopped the compiler first) is built on its own afterwards, as
//! if there had been no batch, so every refusal reads exactly as a single grade's. What a batch's
//! child reports is rewritten to read as that same single harness's ([`Member::as_if_alone`]):
//! its paths, module paths and crate name.

use super::build::{BuildFailure, Built, Member, main_rs_head, write_file};
use super::{Harness, Submission};
use crate::gate::Exercise;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

/// The most submissions compiled together: enough to share the compiler's start, few enough
/// that one student's error costs the others little.
pub const BATCH_SIZE: usize = 25;

/// How many times a batch is rebuilt without the submissions its errors named.
const ROUNDS: usize = 3;

impl Harness {
    /// Builds `submissions` together, in batches of [`BATCH_SIZE`]; what was built, by digest.
    /// A submission missing from the answer is built on its own by [`Harness::build`]: those
    /// with errors of their own, those already built on their own before (cargo finds them
    /// fresh), and every one of a batch whose failure names no submission.
    pub fn build_together(
        &self,
        exercise: &Exercise,
        submissions: &[&Submission],
    ) -> HashMap<String, Built> {
        let mut seen = BTreeSet::new();
        let wanted: Vec<(String, &Submission)> = submissions
            .iter()
            .map(|s| (s.digest(exercise.name), *s))
            .filter(|(digest, s)| {
                seen.insert(digest.clone()) && !self.has_built(&self.crate_name(exercise, s))
            })
            .collect();
        let mut built = HashMap::new();
        for chunk in wanted.chunks(BATCH_SIZE) {
            let mut members = chunk.to_vec();
            for _ in 0..ROUNDS {
                if members.len() < 2 || crate::signals::received().is_some() {
                    break;
                }
                match self.build_batch(exercise, &members) {
                    Ok(binaries) => {
                        built.extend(binaries);
                        break;
                    }
                    Err(blamed) if !blamed.is_empty() => {
                        members.retain(|(digest, _)| !blamed.contains(digest));
                    }
                    Err(_) => break,
                }
            }
        }
        built
    }

    /// One batch crate of `members`, compiled; the built binary of each, or the digests of the
    /// members the compiler's errors point into (none when they name nobody, or the build ran
    /// out of time).
    fn build_batch(
        &self,
        exercise: &Exercise,
        members: &[(String, &Submission)],
    ) -> Result<HashMap<String, Built>, BTreeSet<String>> {
        let mut hash = crate::util::Fnv1a::new();
        for (digest, _) in members {
            hash.eat(digest.as_bytes());
        }
        let name = format!("gate-{}-batch-{:016x}", exercise.name, hash.finish());
        let dir = self.work.join("crates").join(&name);
        let (main, plugs) = batch_main_rs(exercise, members);
        let written = write_file(&dir, Path::new("Cargo.toml"), &self.manifest(&name))
            .and_then(|()| self.write_lock(&dir))
            .and_then(|()| write_file(&dir, Path::new("src/main.rs"), &main))
            .and_then(|()| {
                members.iter().try_for_each(|(digest, submission)| {
                    submission.files.iter().try_for_each(|(path, text)| {
                        write_file(
                            &dir,
                            &Path::new("src").join(format!("m{digest}")).join(path),
                            text,
                        )
                    })
                })
            });
        if written.is_err() {
            return Err(BTreeSet::new());
        }
        let started = Instant::now();
        match self.compile(&dir, &name) {
            Ok(binary) => {
                let share = started.elapsed() / members.len() as u32;
                let crate_name = name.replace('-', "_");
                Ok(members
                    .iter()
                    .map(|(digest, submission)| {
                        let alone = self.crate_name(exercise, submission).replace('-', "_");
                        let member = Member {
                            word: digest.clone(),
                            rewrites: vec![
                                (format!("src/m{digest}/"), "src/".to_owned()),
                                (
                                    format!("{crate_name}::m{digest}"),
                                    format!("{alone}::submission"),
                                ),
                                (
                                    format!("{crate_name}::P{digest}"),
                                    format!("{alone}::Plugged"),
                                ),
                                (crate_name.clone(), alone),
                            ],
                            build_share: share,
                        };
                        let built = Built {
                            binary: binary.clone(),
                            member: Some(member),
                        };
                        (digest.clone(), built)
                    })
                    .collect())
            }
            Err(BuildFailure::TimedOut) => Err(BTreeSet::new()),
            Err(BuildFailure::Errors(errors)) => Err(blamed(&errors, &plugs)),
        }
    }
}

/// The members the compiler's errors point into: into their files (`src/m<DIGEST>/…`) or into
/// their plug's lines of `main.rs` (`plugs`: first and last line, digest).
fn blamed(errors: &str, plugs: &[(usize, usize, String)]) -> BTreeSet<String> {
    let mut blamed = BTreeSet::new();
    for line in errors.lines().filter(|line| line.contains("error")) {
        if let Some(rest) = line.strip_prefix("src/m")
            && let Some((digest, _)) = rest.split_once('/')
            && plugs.iter().any(|(_, _, member)| member == digest)
        {
            blamed.insert(digest.to_owned());
        } else if let Some(rest) = line.strip_prefix("src/main.rs:")
            && let Some(number) = rest.split(':').next().and_then(|n| n.parse::<usize>().ok())
            && let Some((_, _, digest)) = plugs
                .iter()
                .find(|(first, last, _)| (*first..=*last).contains(&number))
        {
            blamed.insert(digest.clone());
        }
    }
    blamed
}

/// A batch's `main.rs`: each member's files as a module, each plugged into the exercise by a
/// type of its own, and a `main` that grades the member its first argument names. With it, the
/// lines of each member's plug (first, last, digest).
fn batch_main_rs(
    exercise: &Exercise,
    members: &[(String, &Submission)],
) -> (String, Vec<(usize, usize, String)>) {
    let module = exercise.module;
    let name = exercise.name;
    let mut main = format!(
        "// Written by the interleave gate: {} submissions, each under `src/m<DIGEST>/`; the \
         first argument names the one to grade.\n{}",
        members.len(),
        main_rs_head()
    );
    let mut plugs = Vec::new();
    for (digest, submission) in members {
        let first = main.lines().count() + 1;
        let root = submission.files[0].0.display();
        main += &format!(
            "\n#[path = \"m{digest}/{root}\"]\n\
             mod m{digest};\n\
             struct P{digest};\n\
             impl interleave::gate::exercises::{module}::Plug for P{digest} {{\n    \
                 type Submission<R: interleave::runtime::Runtime> = m{digest}::Submission<R>;\n\
             }}\n"
        );
        plugs.push((first, main.lines().count(), digest.clone()));
    }
    main += "\nfn main() {\n    \
             let mut words = std::env::args().skip(1);\n    \
             let member = words.next().unwrap_or_default();\n    \
             let words: Vec<String> = words.collect();\n    \
             match member.as_str() {\n";
    for (digest, _) in members {
        main += &format!(
            "        {digest:?} => interleave::gate::child::run(\n            \
                 {name:?},\n            \
                 interleave::gate::exercises::{module}::properties::<P{digest}>(),\n            \
                 &words,\n        \
             ),\n"
        );
    }
    main += &format!(
        "        _ => interleave::gate::child::no_member({name:?}, &member),\n    }}\n}}\n"
    );
    (main, plugs)
}

#[cfg(test)]
mod tests {
    use super::blamed;

    #[test]
    fn errors_are_pinned_on_the_members_whose_files_or_plug_lines_they_name() {
        let plugs = vec![
            (8, 13, "00000000000000aa".to_owned()),
            (14, 19, "00000000000000bb".to_owned()),
            (20, 25, "00000000000000cc".to_owned()),
        ];
        let errors = "\
src/m00000000000000aa/submission.rs:3:5: error[E0425]: cannot find value `x` in this scope
src/m00000000000000aa/submission.rs:9:1: warning: unused import
src/main.rs:17:68: error[E0412]: cannot find type `Submission` in module `m00000000000000bb`
src/main.rs:3:1: error: something the gate wrote
src/m00000000000000cc/submission.rs:4:1: warning: unused variable
src/m0000000000000dd/submission.rs:4:1: error: not a member
error: could not compile `gate-counter-batch-1` (bin \"gate-counter-batch-1\") due to 2 previous errors
";
        let found: Vec<String> = blamed(errors, &plugs).into_iter().collect();
        assert_eq!(found, ["00000000000000aa", "00000000000000bb"]);
        assert!(blamed("error: linking failed", &plugs).is_empty());
    }
}
