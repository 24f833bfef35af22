//! Reading a submission: one `.rs` file, or a folder's `src/` (or a folder with `lib.rs`), as
//! plain UTF-8 files within [`MAX_SUBMISSION_BYTES`] and [`MAX_SUBMISSION_FILES`]; no symbolic
//! link is followed, and a FIFO, socket or device is refused by its type, never opened. A
//! [`Submission`] also names its harness crate ([`Submission::digest`]) and maps the harness's
//! paths back to the student's ([`Submission::original_path`]).

use super::Refusal;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest submission read: every `.rs` file together.
pub const MAX_SUBMISSION_BYTES: u64 = 512 * 1024;
/// The most `.rs` files a `src/` folder submission may have.
pub const MAX_SUBMISSION_FILES: usize = 64;

/// The file `interleave starter` writes into a folder: a folder with it (and no `lib.rs`) is
/// graded as that one file.
pub const STARTER_FILE: &str = "submission.rs";

/// A submission as read from disk: its files (relative to its root), and how to name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The path as it was given.
    pub display: String,
    /// A single file: `submission.rs`; a folder: `submission/lib.rs` and its siblings.
    pub files: Vec<(PathBuf, String)>,
    /// Where a harness path like `src/submission/foo.rs` is in the student's tree.
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(String),
    /// The student's `src/` folder, as given (ending in `/`).
    Folder(String),
}

impl Submission {
    /// Reads a submission: one `.rs` file, or a folder with `src/lib.rs` (its `src/` is used),
    /// or a folder with `lib.rs`, or a starter's folder with [`STARTER_FILE`].
    pub fn read(path: &str) -> Result<Submission, Refusal> {
        let given = Path::new(path);
        let meta = std::fs::symlink_metadata(given)
            .map_err(|e| Refusal::rejected(format!("cannot read {path}: {e}")))?;
        if meta.file_type().is_symlink() {
            return Err(Refusal::rejected(format!(
                "{path} is a symbolic link; give the file itself"
            )));
        }
        if meta.is_file() {
            if given.extension().is_none_or(|e| e != "rs") {
                return Err(Refusal::rejected(format!(
                    "{path} is not a .rs file (give the Rust file, or a folder with src/lib.rs)"
                )));
            }
            let text = read_limited(given, MAX_SUBMISSION_BYTES)?;
            return Ok(Submission {
                display: path.to_owned(),
                files: vec![(PathBuf::from("submission.rs"), text)],
                origin: Origin::File(path.to_owned()),
            });
        }
        if !meta.is_dir() {
            return Err(not_plain(given));
        }
        let root = if given.join("src/lib.rs").is_file() {
            given.join("src")
        } else if given.join("lib.rs").is_file() {
            given.to_path_buf()
        } else if given.join(STARTER_FILE).exists() {
            // A folder `interleave starter` wrote: its one file, named by the folder.
            let file = given.join(STARTER_FILE);
            let file = file.to_str().expect("a UTF-8 path joined to a UTF-8 name");
            return Submission::read(file).map(|submission| Submission {
                display: path.to_owned(),
                ..submission
            });
        } else {
            return Err(Refusal::rejected(format!(
                "{path} is a folder with neither src/lib.rs, lib.rs nor {STARTER_FILE}"
            )));
        };
        let mut files = Vec::new();
        let mut total = 0;
        collect_rs(&root, &root, &mut files, &mut total)?;
        // `lib.rs` first: the first file is the one the harness mounts as the module.
        files.sort_by(|(a, _), (b, _)| {
            (a != Path::new("lib.rs"), a).cmp(&(b != Path::new("lib.rs"), b))
        });
        let mut origin = root.display().to_string();
        if !origin.ends_with('/') {
            origin.push('/');
        }
        Ok(Submission {
            display: path.to_owned(),
            files: files
                .into_iter()
                .map(|(relative, text)| (Path::new("submission").join(relative), text))
                .collect(),
            origin: Origin::Folder(origin),
        })
    }

    /// A stable digest of the submission's files, naming its harness crate.
    pub fn digest(&self, exercise: &str) -> String {
        let mut hash = crate::util::Fnv1a::new();
        // Each part ends with a byte UTF-8 never holds, so no two lists of parts hash alike.
        let mut eat = |bytes: &[u8]| {
            hash.eat(bytes).eat(&[0xff]);
        };
        eat(exercise.as_bytes());
        eat(env!("CARGO_PKG_VERSION").as_bytes());
        for (path, text) in &self.files {
            eat(path.to_string_lossy().as_bytes());
            eat(text.as_bytes());
        }
        format!("{:016x}", hash.finish())
    }

    /// The student's name for a harness path (`src/submission.rs` → the file as given).
    pub fn original_path(&self, harness_path: &str) -> Option<String> {
        match &self.origin {
            Origin::File(path) => (harness_path == "src/submission.rs").then(|| path.clone()),
            Origin::Folder(root) => harness_path
                .strip_prefix("src/submission/")
                .map(|rest| format!("{root}{rest}")),
        }
    }
}

/// A FIFO, socket or device where a submission's file should be: never opened (a FIFO's open
/// waits for a writer that never comes), refused as the student's.
fn not_plain(path: &Path) -> Refusal {
    Refusal::rejected(format!(
        "{} is not a regular file (a FIFO, socket or device); a submission is plain files",
        path.display()
    ))
}

/// A regular file's text, at most `limit` bytes. Opened without blocking and its type checked
/// on the open file, so a FIFO put in the file's place after it was listed is refused too.
fn read_limited(path: &Path, limit: u64) -> Result<String, Refusal> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = path.display();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| Refusal::rejected(format!("cannot read {shown}: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| Refusal::rejected(format!("cannot read {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(not_plain(path));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::rejected(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::rejected(format!(
            "{shown} is over the submission limit of {} KiB",
            limit / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| Refusal::rejected(format!("{shown} is not UTF-8 text")))
}

fn collect_rs(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(PathBuf, String)>,
    total: &mut u64,
) -> Result<(), Refusal> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", dir.display())))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", path.display())))?;
        if kind.is_symlink() {
            return Err(Refusal::rejected(format!(
                "{} is a symbolic link; a submission is plain files",
                path.display()
            )));
        }
        if !(kind.is_dir() || kind.is_file()) {
            return Err(not_plain(&path));
        }
        if kind.is_dir() {
            collect_rs(root, &path, files, total)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            if files.len() >= MAX_SUBMISSION_FILES {
                return Err(Refusal::rejected(format!(
                    "more than {MAX_SUBMISSION_FILES} .rs files under {}",
                    root.display()
                )));
            }
            let text = read_limited(&path, MAX_SUBMISSION_BYTES - *total)?;
            *total += text.len() as u64;
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            files.push((relative, text));
        }
    }
    Ok(())
}
