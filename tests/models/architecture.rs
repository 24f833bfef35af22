//! The shape of the code, checked: the files of `src/` and `models/` (one crate: `src/lib.rs`
//! mounts `models/` with `#[path]`) import each other without a circle, and a model uses only the
//! facade, never the checker, the trace, the gate or the CLI.
//!
//! The graph is read from the code, file to file (comments, strings and characters skipped). A
//! node is a module's file, found as the compiler finds it, following `#[path]` (so a reference
//! solution a lesson mounts from `src/gate/exercises/` is a module of that lesson); `src/main.rs`
//! (and any `src/bin/`), a binary, is a root of its own. An edge goes from the file a path is
//! written in to the file that defines what the path names: `crate::`, `$crate::`, `super::`,
//! `self::` and `interleave::` paths (the crate is `interleave` to itself too: `extern crate
//! self as interleave`), and paths through a child module or through a name a `use` brought in,
//! in `use` declarations and in code alike. A name re-exported with `pub use` (or a glob) is
//! followed to the file that defines it: a re-export is a door, not a dependency of its own.
//!
//! Three things are not edges: declaring a child module (`mod x;`); a file reaching up for what a
//! module it is nested in defines (`super::Item`, into its parent's file: that file is where the
//! children's shared words live, a nesting, not a circle); and code compiled for tests only
//! (`#[cfg(test)]`: a unit test may look at a neighbour, to check that the two agree). Every
//! other edge counts, and no circle of them is allowed, but through [`ALLOWED_EDGES`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Edges the graph leaves out, each with the reason it may exist for now.
const ALLOWED_EDGES: &[(&str, &str)] = &[];

/// What a model may use: the facade, the lesson types, the exercises' contracts, the other
/// models, and the real echo servers (the echo concept's timing drives them).
const FACADE: &[&str] = &[
    "sync",
    "thread",
    "task",
    "greenlet",
    "connection",
    "program",
    "runtime",
    "lesson",
    "models",
    "exercises",
    "net",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Str(String),
    Punct(char),
}

/// The tokens of Rust source, with comments, characters and lifetimes left out; a string is one
/// token (so that a path written in one is not code), numbers are skipped.
fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let ident_char = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            out.push(Tok::Str(chars[start..i.min(chars.len())].iter().collect()));
            i += 1;
        } else if c == '\'' {
            // A character ('x', '\n', '\u{1F600}') or a lifetime ('a, '_), which goes on to an
            // identifier with no closing quote.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && ident_char(chars[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
        } else if ident_char(c) || (c == '$' && next.is_some_and(ident_char)) {
            let start = i;
            i += 1;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // Raw strings and byte strings: r"..", r#".."#, b"..", br#".."#, c"..".
            let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && chars.get(i + hashes) == Some(&'"') {
                let start = i + hashes + 1;
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = chars[start..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                out.push(Tok::Str(rest[..end].to_owned()));
                i = start + rest[..end].chars().count() + close.chars().count();
            } else if matches!(word.as_str(), "b" | "c") && chars.get(i) == Some(&'"') {
                // The plain string after the prefix is read on the next turn.
            } else if word == "b" && chars.get(i) == Some(&'\'') {
                i += if chars.get(i + 1) == Some(&'\\') {
                    4
                } else {
                    3
                };
            } else if word == "r" && hashes == 1 && chars.get(i + 1).is_some_and(|&c| ident_char(c))
            {
                // A raw identifier: r#type.
                let start = i + 1;
                i = start;
                while i < chars.len() && ident_char(chars[i]) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            } else {
                out.push(Tok::Ident(word));
            }
        } else if c == ':' && next == Some(':') {
            out.push(Tok::Sep);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The root of a binary's crate (`src/main.rs`, `src/bin/*`), not the library's.
fn is_bin(root: &str) -> bool {
    root.starts_with('<')
}

fn is_ident(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Ident(w)) if w == word)
}

/// A module path from a crate's root: the library's is `[]`, a binary's one name in angle
/// brackets (`["<main>"]`, `["<bin NAME>"]`).
type ModPath = Vec<String>;

/// One path as written: in which module, its segments, and whether it names everything in
/// there (a glob) or binds a name (`use ... as name`).
#[derive(Clone, Debug)]
struct Written {
    file: usize,
    module: ModPath,
    segments: Vec<String>,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// A path in code.
    Code,
    /// `use path as name`.
    Use(String),
    /// `use path::*`.
    Glob,
}

#[derive(Default, Debug)]
struct Module {
    file: usize,
    children: BTreeMap<String, ModPath>,
    items: BTreeSet<String>,
    /// Names a `use` binds, to the absolute path they stand for.
    uses: BTreeMap<String, ModPath>,
    globs: Vec<ModPath>,
}

#[derive(Default)]
struct Crate {
    files: Vec<PathBuf>,
    modules: BTreeMap<ModPath, Module>,
    written: Vec<Written>,
    /// `#[macro_export]` macros: the root they are named from, their name, where they are.
    exported: Vec<(ModPath, String, ModPath)>,
}

impl Crate {
    fn file_index(&mut self, file: &Path) -> usize {
        if let Some(i) = self.files.iter().position(|f| f == file) {
            return i;
        }
        self.files.push(file.to_owned());
        self.files.len() - 1
    }

    /// Reads `file`, the module `module`, and every module file it declares.
    fn load(&mut self, file: &Path, module: ModPath, test: bool) {
        let file = &clean(file);
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let toks = tokens(&text);
        let index = self.file_index(file);
        let mod_rs = matches!(
            file.file_name().and_then(|n| n.to_str()),
            Some("mod.rs" | "lib.rs" | "main.rs")
        );
        let dir = file.parent().expect("a file has a folder").to_owned();
        // Where a child declared at the top of this file lives, before any inline module.
        let child_dir = if mod_rs {
            dir.clone()
        } else {
            dir.join(file.file_stem().expect("a file name"))
        };
        self.modules.entry(module.clone()).or_default().file = index;
        // The inline modules we are in: (module, the brace depth at which it closes, whether it
        // is compiled for tests only).
        let mut scopes: Vec<(ModPath, usize, bool)> = vec![(module.clone(), 0, test)];
        let mut depth: usize = 0;
        let mut path_attribute: Option<String> = None;
        let mut exported = false;
        let mut test_attribute = false;
        let mut declared: Vec<(ModPath, PathBuf, bool)> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let (here, _, in_test) = scopes.last().expect("the file's own module").clone();
            let inline: Vec<String> = here[module.len()..].to_vec();
            match &toks[i] {
                Tok::Punct('{') => {
                    depth += 1;
                    test_attribute = false;
                }
                Tok::Punct('}') => {
                    depth = depth.checked_sub(1).unwrap_or_else(|| {
                        panic!("{}: a '}}' closes more than was opened", file.display())
                    });
                    test_attribute = false;
                    if scopes.len() > 1 && scopes.last().unwrap().1 == depth {
                        scopes.pop();
                    }
                }
                Tok::Punct('#')
                    if toks.get(i + 1) == Some(&Tok::Punct('['))
                        && is_ident(toks.get(i + 2), "path")
                        && toks.get(i + 3) == Some(&Tok::Punct('=')) =>
                {
                    if let Some(Tok::Str(path)) = toks.get(i + 4) {
                        path_attribute = Some(path.clone());
                    }
                    i += 4;
                }
                Tok::Punct('#')
                    if toks.get(i + 1) == Some(&Tok::Punct('['))
                        && is_ident(toks.get(i + 2), "macro_export") =>
                {
                    exported = true;
                }
                Tok::Punct('#')
                    if toks.get(i + 1) == Some(&Tok::Punct('['))
                        && is_ident(toks.get(i + 2), "cfg")
                        && toks.get(i + 3) == Some(&Tok::Punct('('))
                        && is_ident(toks.get(i + 4), "test")
                        && toks.get(i + 5) == Some(&Tok::Punct(')')) =>
                {
                    test_attribute = true;
                    i += 5;
                }
                Tok::Ident(word) if word == "mod" => {
                    if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                        let child: ModPath = here.iter().cloned().chain([name.clone()]).collect();
                        self.modules
                            .entry(here.clone())
                            .or_default()
                            .children
                            .insert(name.clone(), child.clone());
                        let test = in_test || std::mem::take(&mut test_attribute);
                        match toks.get(i + 2) {
                            Some(Tok::Punct('{')) => {
                                self.modules.entry(child.clone()).or_default().file = index;
                                scopes.push((child, depth, test));
                                depth += 1;
                                i += 2;
                            }
                            _ => {
                                let base = if inline.is_empty() && path_attribute.is_some() {
                                    dir.clone()
                                } else {
                                    inline.iter().fold(child_dir.clone(), |d, m| d.join(m))
                                };
                                let found = match path_attribute.take() {
                                    Some(path) => base.join(path),
                                    None => {
                                        let flat = base.join(format!("{name}.rs"));
                                        if flat.exists() {
                                            flat
                                        } else {
                                            base.join(name).join("mod.rs")
                                        }
                                    }
                                };
                                declared.push((child, found, test));
                                i += 1;
                            }
                        }
                    }
                    path_attribute = None;
                }
                Tok::Ident(word)
                    if matches!(
                        word.as_str(),
                        "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "union"
                    ) =>
                {
                    if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                        self.modules
                            .entry(here.clone())
                            .or_default()
                            .items
                            .insert(name.clone());
                    }
                }
                Tok::Ident(word)
                    if word == "macro_rules" && toks.get(i + 1) == Some(&Tok::Punct('!')) =>
                {
                    if let Some(Tok::Ident(name)) = toks.get(i + 2) {
                        self.modules
                            .entry(here.clone())
                            .or_default()
                            .items
                            .insert(name.clone());
                        // `#[macro_export]`: named from the crate's root, defined here.
                        if std::mem::take(&mut exported) {
                            let at: ModPath = here.iter().cloned().chain([name.clone()]).collect();
                            let root = module.first().filter(|m| is_bin(m)).cloned();
                            self.exported
                                .push((root.into_iter().collect(), name.clone(), at));
                        }
                    }
                }
                Tok::Ident(word) if word == "use" && toks.get(i + 1) != Some(&Tok::Punct('<')) => {
                    let mut leaves = Vec::new();
                    i = use_tree(&toks, i + 1, &mut Vec::new(), &mut leaves);
                    test_attribute = false;
                    for (segments, kind) in leaves.into_iter().filter(|_| !in_test) {
                        self.written.push(Written {
                            file: index,
                            module: here.clone(),
                            segments,
                            kind,
                        });
                    }
                    path_attribute = None;
                    continue;
                }
                Tok::Ident(first)
                    if toks.get(i + 1) == Some(&Tok::Sep)
                        && (i == 0 || toks[i - 1] != Tok::Sep) =>
                {
                    let mut segments = vec![first.clone()];
                    let mut j = i + 1;
                    while toks.get(j) == Some(&Tok::Sep) {
                        match toks.get(j + 1) {
                            Some(Tok::Ident(next)) => segments.push(next.clone()),
                            _ => break,
                        }
                        j += 2;
                    }
                    if !in_test {
                        self.written.push(Written {
                            file: index,
                            module: here.clone(),
                            segments,
                            kind: Kind::Code,
                        });
                    }
                    i = j;
                    continue;
                }
                Tok::Punct(';') => {
                    path_attribute = None;
                    test_attribute = false;
                }
                _ => {}
            }
            i += 1;
        }
        for (child, found, test) in declared {
            self.load(&found, child, test);
        }
    }

    /// The absolute path a name visible in `module` stands for: a child module, a name a `use`
    /// bound, or one a glob brought in.
    fn lookup(&self, module: &ModPath, name: &str, depth: usize) -> Option<ModPath> {
        let scope = self.modules.get(module)?;
        if let Some(child) = scope.children.get(name) {
            return Some(child.clone());
        }
        if scope.items.contains(name) {
            return Some(module.iter().cloned().chain([name.to_owned()]).collect());
        }
        if let Some(target) = scope.uses.get(name) {
            return Some(target.clone());
        }
        if depth < 8 {
            for glob in &scope.globs {
                if self.lookup(glob, name, depth + 1).is_some() {
                    return Some(glob.iter().cloned().chain([name.to_owned()]).collect());
                }
            }
        }
        None
    }

    /// `segments` written in `module`, from the crate's root; `None` for another crate's path
    /// or a local name.
    fn absolute(&self, module: &ModPath, segments: &[String]) -> Option<ModPath> {
        let crate_root: ModPath = if module.first().is_some_and(|m| is_bin(m)) {
            vec![module[0].clone()]
        } else {
            Vec::new()
        };
        let (start, rest): (ModPath, &[String]) = match segments.first()?.as_str() {
            "crate" | "$crate" => (crate_root, &segments[1..]),
            "interleave" => (Vec::new(), &segments[1..]),
            "self" => (module.clone(), &segments[1..]),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                let mut start = module.clone();
                for _ in 0..ups {
                    start.pop()?;
                }
                (start, &segments[ups..])
            }
            first => {
                let found = self.lookup(module, first, 0)?;
                (found, &segments[1..])
            }
        };
        Some(start.into_iter().chain(rest.iter().cloned()).collect())
    }

    /// The file that defines what `path` (absolute) names: down its modules, through the names
    /// `use` declarations and globs bring in, to the module where it is defined.
    fn resolve(&self, path: &[String], depth: usize) -> usize {
        let (mut module, rest): (ModPath, &[String]) = if path.first().is_some_and(|p| is_bin(p)) {
            (vec![path[0].clone()], &path[1..])
        } else {
            (Vec::new(), path)
        };
        for (at, segment) in rest.iter().enumerate() {
            let scope = &self.modules[&module];
            if let Some(child) = scope.children.get(segment) {
                module = child.clone();
                continue;
            }
            if scope.items.contains(segment) || depth >= 8 {
                return scope.file;
            }
            return match self.lookup(&module, segment, 0) {
                Some(target) => {
                    let onward: ModPath = target
                        .into_iter()
                        .chain(rest[at + 1..].iter().cloned())
                        .collect();
                    self.resolve(&onward, depth + 1)
                }
                None => scope.file,
            };
        }
        self.modules[&module].file
    }
}

/// Reads a use tree from `toks[i]` up to and including its `;`, into `leaves`; returns where
/// the next token is.
fn use_tree(
    toks: &[Tok],
    i: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Kind)>,
) -> usize {
    use_subtree(toks, i, prefix, leaves, true)
}

/// One tree of a `use`; `top`: the whole tree (which ends at the `;`), not a branch of a `{…}`
/// (a branch of `use {a, b};` has an empty prefix too).
fn use_subtree(
    toks: &[Tok],
    mut i: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Kind)>,
    top: bool,
) -> usize {
    let depth_at_start = prefix.len();
    if toks.get(i) == Some(&Tok::Sep) {
        // `use ::std::...`: another crate.
        prefix.push("::".to_owned());
        i += 1;
    }
    loop {
        match toks.get(i) {
            Some(Tok::Ident(word)) if word != "as" => {
                prefix.push(word.clone());
                i += 1;
                if toks.get(i) == Some(&Tok::Sep) {
                    i += 1;
                    continue;
                }
                let mut name = prefix.last().cloned().unwrap_or_default();
                let mut path = prefix.clone();
                if name == "self" {
                    path.pop();
                    name = path.last().cloned().unwrap_or_default();
                }
                if is_ident(toks.get(i), "as") {
                    if let Some(Tok::Ident(alias)) = toks.get(i + 1) {
                        name = alias.clone();
                    }
                    i += 2;
                }
                leaves.push((path, Kind::Use(name)));
                break;
            }
            Some(Tok::Punct('*')) => {
                leaves.push((prefix.clone(), Kind::Glob));
                i += 1;
                break;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while toks.get(i).is_some_and(|t| *t != Tok::Punct('}')) {
                    if toks[i] == Tok::Punct(',') {
                        i += 1;
                        continue;
                    }
                    i = use_subtree(toks, i, prefix, leaves, false);
                }
                i += 1;
                break;
            }
            _ => break,
        }
    }
    prefix.truncate(depth_at_start);
    if top {
        // The top of the tree: on to the `;`.
        while toks.get(i).is_some_and(|t| *t != Tok::Punct(';')) {
            i += 1;
        }
        i += 1;
    }
    i
}

/// The whole graph: every file, and for each edge one path that makes it.
struct Graph {
    files: Vec<String>,
    /// Each file's module paths (a file mounted twice has two).
    modules: Vec<Vec<ModPath>>,
    edges: BTreeMap<(usize, usize), String>,
}

fn graph() -> Graph {
    let root = root();
    let mut krate = Crate::default();
    krate.load(&root.join("src/lib.rs"), Vec::new(), false);
    krate.load(&root.join("src/main.rs"), vec!["<main>".to_owned()], false);
    if let Ok(bins) = std::fs::read_dir(root.join("src/bin")) {
        for bin in bins.flatten().map(|entry| entry.path()) {
            let (name, file) = if bin.is_dir() {
                (bin.file_name(), bin.join("main.rs"))
            } else {
                (bin.file_stem(), bin.clone())
            };
            let name = name.unwrap_or_default().to_string_lossy().into_owned();
            krate.load(&file, vec![format!("<bin {name}>")], false);
        }
    }
    for (root, name, at) in std::mem::take(&mut krate.exported) {
        let scope = krate.modules.get_mut(&root).expect("a crate root");
        scope.uses.insert(name, at);
    }
    // Bindings first, then every path through them.
    let written = std::mem::take(&mut krate.written);
    for _ in 0..3 {
        for w in &written {
            let Some(absolute) = krate.absolute(&w.module, &w.segments) else {
                continue;
            };
            let scope = krate.modules.get_mut(&w.module).expect("a module");
            match &w.kind {
                Kind::Use(name) if name != "_" => {
                    scope.uses.insert(name.clone(), absolute);
                }
                Kind::Glob if !scope.globs.contains(&absolute) => scope.globs.push(absolute),
                _ => {}
            }
        }
    }
    let mut edges = BTreeMap::new();
    for w in &written {
        let Some(absolute) = krate.absolute(&w.module, &w.segments) else {
            continue;
        };
        let target = krate.resolve(&absolute, 0);
        if target != w.file {
            edges
                .entry((w.file, target))
                .or_insert_with(|| w.segments.join("::"));
        }
    }
    let mut modules = vec![Vec::new(); krate.files.len()];
    for (path, module) in &krate.modules {
        if !modules[module.file].contains(path) {
            modules[module.file].push(path.clone());
        }
    }
    let files = krate
        .files
        .iter()
        .map(|f| {
            let relative = f.strip_prefix(&root).unwrap_or(f);
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    Graph {
        files,
        modules,
        edges,
    }
}

/// `a/b/../c` as `a/c`: one file, however a `#[path]` reaches it.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            part => out.push(part),
        }
    }
    out
}

impl Graph {
    fn index(&self, file: &str) -> Option<usize> {
        self.files.iter().position(|f| f == file)
    }

    /// Whether `to` is the file of a module `from`'s module is nested in: a child reaching up
    /// for what its parent module defines.
    fn goes_up(&self, from: usize, to: usize) -> bool {
        self.modules[from].iter().any(|inner| {
            self.modules[to].iter().any(|outer| {
                outer.len() < inner.len()
                    && inner.starts_with(outer)
                    && !(outer.is_empty() && is_bin(&inner[0]))
            })
        })
    }

    /// The edges that count: not up the module tree, not allowed.
    fn checked_edges(&self) -> BTreeMap<(usize, usize), String> {
        let allowed: Vec<(usize, usize)> = ALLOWED_EDGES
            .iter()
            .map(|(from, to)| {
                let edge = (self.index(from), self.index(to));
                match edge {
                    (Some(from), Some(to)) if self.edges.contains_key(&(from, to)) => (from, to),
                    _ => panic!("the allowed edge {from} -> {to} is not in the graph: drop it"),
                }
            })
            .collect();
        self.edges
            .iter()
            .filter(|(edge, _)| !allowed.contains(edge) && !self.goes_up(edge.0, edge.1))
            .map(|(edge, via)| (*edge, via.clone()))
            .collect()
    }
}

/// One circle among `edges`, if there is any: its files in order, each with the path that leads
/// on to the next.
fn a_circle(
    nodes: usize,
    edges: &BTreeMap<(usize, usize), String>,
) -> Option<Vec<(usize, String)>> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(from, to) in edges.keys() {
        next[from].push(to);
    }
    // Depth first; a node met again while it is on the stack closes a circle.
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnStack,
        Done,
    }
    let mut state = vec![State::New; nodes];
    for start in 0..nodes {
        if state[start] != State::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = State::OnStack;
        while let Some(&mut (node, ref mut at)) = stack.last_mut() {
            if let Some(&to) = next[node].get(*at) {
                *at += 1;
                match state[to] {
                    State::New => {
                        state[to] = State::OnStack;
                        stack.push((to, 0));
                    }
                    State::OnStack => {
                        let from = stack.iter().position(|&(n, _)| n == to).unwrap();
                        let ring: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        let with_paths = ring
                            .iter()
                            .enumerate()
                            .map(|(k, &n)| {
                                let onward = ring[(k + 1) % ring.len()];
                                (n, edges[&(n, onward)].clone())
                            })
                            .collect();
                        return Some(with_paths);
                    }
                    State::Done => {}
                }
            } else {
                state[node] = State::Done;
                stack.pop();
            }
        }
    }
    None
}

#[test]
fn the_files_of_src_and_models_import_each_other_without_a_circle() {
    let graph = graph();
    let edges = graph.checked_edges();
    println!(
        "the import graph: {} files, {} edges ({} of them counted: not up the module tree, not \
         allowed)",
        graph.files.len(),
        graph.edges.len(),
        edges.len()
    );
    if let Some(circle) = a_circle(graph.files.len(), &edges) {
        let first = &graph.files[circle[0].0];
        let ring: Vec<String> = circle
            .iter()
            .map(|(file, via)| format!("{}\n  -> ({via})", graph.files[*file]))
            .collect();
        panic!(
            "these files import each other in a circle:\n{}\n{first}",
            ring.join("\n")
        );
    }
}

#[test]
fn every_file_of_src_and_models_is_in_the_graph() {
    let graph = graph();
    let mut missing = Vec::new();
    for dir in ["src", "models"] {
        for file in rust_files(&root().join(dir)) {
            let relative = file
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if graph.index(&relative).is_none() {
                missing.push(relative);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files no module declares (the graph cannot see them): {missing:?}"
    );
}

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

/// The reader, checked on edges known to exist (and not to).
#[test]
fn the_graph_follows_paths_reexports_and_mounts() {
    let graph = graph();
    let index = |file: &str| {
        graph
            .index(file)
            .unwrap_or_else(|| panic!("{file} is a node"))
    };
    let edge = |from: &str, to: &str| graph.edges.contains_key(&(index(from), index(to)));
    assert!(edge("src/gate/mod.rs", "src/lesson.rs"), "crate:: paths");
    assert!(
        edge("src/lib.rs", "src/model.rs"),
        "paths through a child module (lib.rs re-exports model's items)"
    );
    assert!(
        edge("models/07_counter_race.rs", "src/exercises/counter.rs"),
        "a lesson implements its exercise's contract"
    );
    assert!(
        edge(
            "src/gate/exercises/rlock/reference.rs",
            "src/exercises/rlock.rs"
        ),
        "interleave:: paths, through the gate's glob re-export, to the contract that defines them"
    );
    assert!(
        !edge(
            "src/gate/exercises/rlock/reference.rs",
            "src/gate/exercises/rlock/mod.rs"
        ),
        "a re-export is not an edge of its own"
    );
    let mounted = &graph.modules[index("src/gate/exercises/rlock/reference.rs")];
    assert!(
        mounted.contains(&vec!["models".into(), "rlock".into(), "reference".into()]),
        "#[path]: the reference is the lesson's module ({mounted:?})"
    );
    assert!(
        edge(
            "models/12_queue/demos.rs",
            "src/gate/exercises/bounded_queue/reference.rs"
        ),
        "super:: to a sibling mounted by #[path]"
    );
    let (child, parent) = (
        index("models/13_executor/broken.rs"),
        index("models/13_executor/mod.rs"),
    );
    assert!(
        graph.edges.contains_key(&(child, parent)) && graph.goes_up(child, parent),
        "super::PoolFlaw is an edge up the module tree"
    );
    assert!(
        !graph.checked_edges().contains_key(&(child, parent)),
        "an edge up the module tree is not counted"
    );
    assert!(
        !edge("src/gate/limits.rs", "src/gate/child.rs"),
        "#[cfg(test)] code is not read (limits.rs's tests parse child.rs's messages)"
    );
}

#[test]
fn a_model_uses_only_the_facade() {
    let graph = graph();
    let allowed: Vec<(&str, &str)> = ALLOWED_EDGES.to_vec();
    let mut leaks = Vec::new();
    for (&(from, to), via) in &graph.edges {
        let in_models = |file: usize| {
            graph.modules[file]
                .iter()
                .any(|m| m.first().is_some_and(|m| m == "models"))
        };
        if !in_models(from)
            || allowed.contains(&(graph.files[from].as_str(), graph.files[to].as_str()))
        {
            continue;
        }
        let top: Vec<&str> = graph.modules[to]
            .iter()
            .filter_map(|m| m.first().map(String::as_str))
            .collect();
        if !top.iter().any(|t| FACADE.contains(t)) {
            leaks.push(format!(
                "{} uses {} ({via})",
                graph.files[from], graph.files[to]
            ));
        }
    }
    assert!(
        leaks.is_empty(),
        "models reaching past the facade:\n{}",
        leaks.join("\n")
    );
}
