//! The gate's static screen: every token of a submission, macro bodies and attributes included,
//! walked before it is compiled. A submission must reach threads, locks and atomics through the
//! facade, where the checker can see them and switch threads; anything that could go around it,
//! or around the gate (its files, its process, its environment, the results channel), is
//! refused here with its file and line.
//!
//! Tokens, not text: a rule holds however the code is spaced, commented or wrapped in a
//! `macro_rules!`, since a macro can only paste tokens that are written somewhere in the source.
//! Paths are checked against an allow-list, so a module this list does not name is refused
//! rather than missed.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::str::FromStr;

/// What a submission may use, said once under the breaches found.
pub const WHAT_IS_ALLOWED: &str = "a submission reaches locks, atomics and threads through \
     `interleave::sync` and `interleave::thread`, its exercise through \
     `interleave::gate::exercises`, and the standard library's plain modules (collections, cell, \
     mem, fmt, time, sync::Arc, …); it touches no files, processes, network, environment or \
     `unsafe` code";

/// One rule broken: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    /// The file as the submission names it (`submission.rs`, `submission/lib.rs`, …).
    pub file: String,
    pub line: u32,
    pub rule: String,
}

/// Paths into the standard library a submission may use: data structures, traits and plain
/// helpers that share nothing between threads behind the checker's back. The same modules under
/// `core::` and `alloc::`. A path is allowed when one of these is a prefix of it.
const STD_ALLOWED: &[&[&str]] = &[
    &["any"],
    &["array"],
    &["borrow"],
    &["boxed"],
    &["cell"],
    &["char"],
    &["cmp"],
    &["collections"],
    &["convert"],
    &["default"],
    &["error"],
    &["fmt"],
    &["future"],
    &["hash"],
    &["hint"],
    &["iter"],
    &["marker"],
    &["mem"],
    &["num"],
    &["ops"],
    &["option"],
    &["pin"],
    &["rc"],
    &["result"],
    &["slice"],
    &["str"],
    &["string"],
    &["sync", "Arc"],
    &["sync", "Weak"],
    &["task"],
    &["time"],
    &["vec"],
    &["u8"],
    &["u16"],
    &["u32"],
    &["u64"],
    &["u128"],
    &["usize"],
    &["i8"],
    &["i16"],
    &["i32"],
    &["i64"],
    &["i128"],
    &["isize"],
    &["f32"],
    &["f64"],
];

/// Paths into interleave a submission may use: the facade and its exercise's trait.
const INTERLEAVE_ALLOWED: &[&[&str]] = &[
    &["sync"],
    &["thread"],
    &["runtime", "Runtime"],
    &["gate", "exercises"],
];

/// Macros that read files or the environment, write assembly, or make state the checker cannot
/// see (`thread_local!`: the model's threads share one OS thread, so a thread-local is a global
/// the checker never switches on).
const MACROS_REFUSED: &[(&str, &str)] = &[
    ("include", "reads a file at compile time"),
    ("include_str", "reads a file at compile time"),
    ("include_bytes", "reads a file at compile time"),
    ("env", "reads the environment at compile time"),
    ("option_env", "reads the environment at compile time"),
    ("asm", "is assembly"),
    ("global_asm", "is assembly"),
    ("naked_asm", "is assembly"),
    (
        "thread_local",
        "makes state the checker cannot see (the model's threads share one OS thread)",
    ),
    ("module_path", HARNESS_NAMES),
    ("file", HARNESS_NAMES),
    ("concat_idents", "makes names the screen cannot read"),
];

/// Why a submission may not read the names of the harness it is built in.
const HARNESS_NAMES: &str = "names the gate's harness, not the submission (its names, and the type \
     ids made from them, differ when it is graded with a class), so a grade could depend on how it \
     was built";

/// Attributes a submission may write; every other one (`path`, `no_mangle`, `link`,
/// `export_name`, `cfg_attr`, `global_allocator`, …) is refused.
const ATTRIBUTES_ALLOWED: &[&str] = &[
    "allow",
    "clippy",
    "cfg",
    "cold",
    "default",
    "deny",
    "deprecated",
    "derive",
    "doc",
    "expect",
    "forbid",
    "ignore",
    "inline",
    "must_use",
    "non_exhaustive",
    "repr",
    "rustfmt",
    "should_panic",
    "test",
    "track_caller",
    "warn",
];

/// The deepest nesting of brackets a submission may have (honest code stays far below it; the
/// compiler itself overflows its stack a little beyond a thousand).
pub const MAX_NESTING: usize = 128;

/// The stack the screen runs on: a 512 KiB file can nest a quarter of a million brackets, and
/// reading and dropping such a token tree recurses once per level.
const SCREEN_STACK: usize = 1 << 30;

/// Walks every file of a submission, each taken for a top module (a single file, or a folder's
/// `lib.rs`); the breaches found, in file and line order.
pub fn screen(files: &[(String, String)]) -> Vec<Breach> {
    let modules: Vec<(String, String, usize)> = files
        .iter()
        .map(|(file, text)| (file.clone(), text.clone(), 0))
        .collect();
    screen_modules(&modules)
}

/// [`screen`] for files each with its depth in the submission's modules: 0 for its root
/// (`lib.rs`, or the one file), 1 for `a.rs` or `a/mod.rs`, 2 for `a/b.rs`: how many `super`s
/// a path there may climb and stay inside the submission.
pub fn screen_modules(files: &[(String, String, usize)]) -> Vec<Breach> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("gate-screen".to_owned())
            .stack_size(SCREEN_STACK)
            .spawn_scoped(scope, || screen_here(files))
            .and_then(|thread| {
                thread
                    .join()
                    .map_err(|_| std::io::Error::other("the screen panicked"))
            })
    })
    .unwrap_or_else(|error| {
        vec![Breach {
            file: String::new(),
            line: 0,
            rule: format!("the screen could not read the submission ({error})"),
        }]
    })
}

fn screen_here(files: &[(String, String, usize)]) -> Vec<Breach> {
    let mut breaches = Vec::new();
    for (file, text, module) in files {
        let mut found = Vec::new();
        match TokenStream::from_str(text) {
            Ok(stream) => walk(
                &stream.into_iter().collect::<Vec<_>>(),
                0,
                Place {
                    module: *module,
                    ..Place::default()
                },
                &mut found,
            ),
            Err(error) => found.push((
                error.span().start().line as u32,
                format!("does not read as Rust tokens ({error})"),
            )),
        }
        // Spans of every parse live in a thread-local map; a class of submissions must not grow it.
        proc_macro2::extra::invalidate_current_thread_spans();
        found.sort();
        found.dedup();
        breaches.extend(found.into_iter().map(|(line, rule)| Breach {
            file: file.clone(),
            line,
            rule,
        }));
    }
    breaches
}

fn line_of(token: &TokenTree) -> u32 {
    token.span().start().line as u32
}

/// An identifier's name, `r#name` read as `name`.
fn name_of(token: &TokenTree) -> Option<String> {
    match token {
        TokenTree::Ident(ident) => {
            let name = ident.to_string();
            Some(name.strip_prefix("r#").map(str::to_owned).unwrap_or(name))
        }
        _ => None,
    }
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// `::` starting at `tokens[at]`.
fn is_path_sep(tokens: &[TokenTree], at: usize) -> bool {
    matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(tokens.get(at + 1), ':')
}

/// Inside a macro's tokens, a root name the macro could paste into a path: all but one used as a
/// plain variable or field (`core: u8`, `core = 1`, `core.len()`, `f(core)`), which no `use` or
/// path can be. (A macro may take `std` as an `ident` and write `$name::…`, so there the screen
/// reads only what cannot be a crate's name.)
fn is_plain_name(next: Option<&TokenTree>) -> bool {
    matches!(next, Some(TokenTree::Punct(p))
        if (p.as_char() == ':' && p.spacing() == Spacing::Alone) || "=.".contains(p.as_char()))
}

/// The rule for std's hash maps and sets with their default hasher.
const DEFAULT_HASHER: &str = "std's `HashMap` and `HashSet` with their default hasher \
     (`RandomState`) iterate in another order in every process, so a grade could change from run \
     to run: use `BTreeMap` / `BTreeSet`, or name a fixed hasher, \
     `HashMap<K, V, BuildHasherDefault<DefaultHasher>>`";

/// Why a memory address may not be read: it is another number in every run.
fn address_rule(what: &str) -> String {
    format!(
        "{what} gives a memory address, another number in every run, so a grade could change \
         from one run to the next: compare objects with `Arc::ptr_eq`, or give them ids"
    )
}

/// Methods and types that hand out a raw pointer (whose address `as usize` or `{:p}` then reads)
/// without the submission writing a pointer type.
const POINTER_SOURCES: &[&str] = &[
    "as_ptr",
    "as_mut_ptr",
    "as_ptr_range",
    "as_mut_ptr_range",
    "into_raw",
    "into_raw_parts",
    "expose_provenance",
    "UnsafeCell",
    "SyncUnsafeCell",
];

/// Whether a string literal has a `{…:p}` placeholder: the address of what it formats.
fn formats_an_address(literal: &str) -> bool {
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            continue;
        }
        let Some(close) = rest.find('}') else {
            return false;
        };
        let placeholder = &rest[..close];
        if let Some((_, spec)) = placeholder.split_once(':')
            && spec.ends_with('p')
        {
            return true;
        }
        rest = &rest[close + 1..];
    }
    false
}

/// Whether `HashMap` or `HashSet` at `tokens[at]` gets the default hasher: a constructor only the
/// default hasher has (`HashMap::new`, `with_capacity`, `from`, `from_iter`), the type with its
/// hasher parameter left out (`HashMap<K, V>`, `HashSet<T>`), or the name renamed in a `use`
/// (whose new name the screen would not know).
fn takes_the_default_hasher(tokens: &[TokenTree], at: usize, in_use: bool) -> bool {
    let wanted = if name_of(&tokens[at]).as_deref() == Some("HashMap") {
        3
    } else {
        2
    };
    if in_use {
        return is_keyword(tokens.get(at + 1), "as");
    }
    if is_path_sep(tokens, at + 1) {
        let method = tokens.get(at + 3).and_then(name_of);
        return matches!(
            method.as_deref(),
            Some("new" | "with_capacity" | "from" | "from_iter")
        );
    }
    if is_punct(tokens.get(at + 1), '<') {
        return generic_arguments(&tokens[at + 2..]) < wanted;
    }
    false
}

/// How many generic arguments follow an opening `<` (the tokens after it), up to its `>`.
fn generic_arguments(tokens: &[TokenTree]) -> usize {
    let mut depth = 1;
    let mut commas = 0;
    let mut empty = true;
    for (at, token) in tokens.iter().enumerate() {
        if let TokenTree::Punct(p) = token {
            let arrow = p.as_char() == '>'
                && at > 0
                && matches!(&tokens[at - 1], TokenTree::Punct(q)
                    if q.as_char() == '-' && q.spacing() == Spacing::Joint);
            match p.as_char() {
                '<' => depth += 1,
                '>' if !arrow => {
                    depth -= 1;
                    if depth == 0 {
                        return if empty { 0 } else { commas + 1 };
                    }
                }
                ',' if depth == 1 => {
                    commas += 1;
                    empty = true;
                    continue;
                }
                _ => {}
            }
        }
        empty = false;
    }
    commas + 1
}

/// An identifier written exactly so (a raw `r#use` is a name, not the keyword).
fn is_keyword(token: Option<&TokenTree>, keyword: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(ident)) if ident == keyword)
}

/// Keywords that a `!` may follow as the negation of a bracketed expression (`if !(a)`), not as a
/// macro's name.
const NOT_MACRO_NAMES: &[&str] = &[
    "if", "while", "match", "return", "in", "break", "else", "yield",
];

/// Whether the group at `tokens[at]` is a macro's tokens: `name!(…)`, `name![…]`, `name! {…}`
/// (a `macro_rules!` body included), or `macro_rules! name {…}`.
fn is_macro_group(tokens: &[TokenTree], at: usize) -> bool {
    let back = |n: usize| at.checked_sub(n).and_then(|b| tokens.get(b));
    let named = |token: Option<&TokenTree>| {
        matches!(token, Some(TokenTree::Ident(ident))
            if !NOT_MACRO_NAMES.iter().any(|k| ident == k))
    };
    (is_punct(back(1), '!') && named(back(2)))
        || (named(back(1)) && is_punct(back(2), '!') && named(back(3)))
}

/// Where the walk is: inside a macro's tokens, inside a `use` declaration's tree, and how deep
/// in the submission's modules (`mod name { … }` adds one).
#[derive(Clone, Copy, Default)]
struct Place {
    in_macro: bool,
    in_use: bool,
    module: usize,
}

/// A path that leaves the submission for the harness it is built in (where other code, a
/// class's other submissions included, may be): `crate::…` but `crate::submission::…`, or more
/// `super`s than the module is deep. The rule it breaks, if it does.
fn leaves_the_submission(tokens: &[TokenTree], at: usize, place: Place) -> Option<String> {
    let name = name_of(&tokens[at])?;
    if !is_path_sep(tokens, at + 1) {
        return None;
    }
    match name.as_str() {
        "crate" => {
            let next = tokens.get(at + 3).and_then(name_of);
            (next.as_deref() != Some("submission")).then(|| {
                format!(
                    "`crate::{}` names the gate's harness, not the submission: reach your own \
                     items with `self::`, `super::` inside the submission, or \
                     `crate::submission::`",
                    next.unwrap_or_default()
                )
            })
        }
        "super" => {
            // The chain's start only: `super::super::…` is counted once, from its first.
            let chained = at >= 2
                && is_path_sep(tokens, at - 2)
                && at >= 3
                && is_keyword(tokens.get(at - 3), "super");
            if chained {
                return None;
            }
            let mut climbs = 0;
            let mut next = at;
            while is_keyword(tokens.get(next), "super") && is_path_sep(tokens, next + 1) {
                climbs += 1;
                next += 3;
            }
            (climbs > place.module).then(|| {
                format!(
                    "{} above the submission's root module names the gate's harness, not the \
                     submission",
                    vec!["super"; climbs].join("::")
                )
            })
        }
        _ => None,
    }
}

/// Whether the root name at `tokens[at]` starts or is part of a path (rather than being a local
/// name: a variable, field, parameter or pattern binding called `core`, which is no breach).
/// Outside a macro this is the syntax: a name followed by `::` or preceded by `::`
/// (`std::sync::Mutex`, `::std::…`, `<T as core::…>`), a name in a `use` tree (`use std;`,
/// `use core as c;`, `use {alloc::…}`), or the crate of an `extern crate`. Inside a macro's
/// tokens, which the macro may paste after a `use` or before a `::`, every use but a plain one.
fn is_path_root(tokens: &[TokenTree], at: usize, place: Place) -> bool {
    let next = tokens.get(at + 1);
    if place.in_macro {
        return !is_plain_name(next);
    }
    place.in_use
        || is_path_sep(tokens, at + 1)
        || (at >= 2 && is_path_sep(tokens, at - 2))
        || (at >= 1 && is_keyword(tokens.get(at - 1), "crate"))
}

fn walk(tokens: &[TokenTree], depth: usize, place: Place, found: &mut Vec<(u32, String)>) {
    let mut in_use = place.in_use;
    for (at, token) in tokens.iter().enumerate() {
        let before = at.checked_sub(1).and_then(|b| tokens.get(b));
        match token {
            TokenTree::Group(_) if depth >= MAX_NESTING => {
                found.push((
                    line_of(token),
                    format!("brackets nested more than {MAX_NESTING} deep"),
                ));
                return;
            }
            // A doc comment (`#[doc = "…"]`) is text: a `{:p}` written in prose is no placeholder.
            TokenTree::Group(group) if is_doc_attribute(tokens, at, group) => {}
            TokenTree::Group(group) => {
                let module_body = group.delimiter() == Delimiter::Brace
                    && at >= 2
                    && is_keyword(tokens.get(at - 2), "mod");
                let inner = Place {
                    in_macro: place.in_macro || is_macro_group(tokens, at),
                    in_use,
                    module: place.module + usize::from(module_body),
                };
                walk(
                    &group.stream().into_iter().collect::<Vec<_>>(),
                    depth + 1,
                    inner,
                    found,
                );
            }
            // A `use` declaration's tree runs to its `;`.
            TokenTree::Punct(p) if p.as_char() == ';' => in_use = false,
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let mut next = at + 1;
                if is_punct(tokens.get(next), '!') {
                    next += 1;
                }
                if let Some(TokenTree::Group(group)) = tokens.get(next)
                    && group.delimiter() == Delimiter::Bracket
                {
                    check_attribute(group.stream(), line_of(token), found);
                }
            }
            TokenTree::Literal(literal) if formats_an_address(&literal.to_string()) => {
                found.push((line_of(token), address_rule("a `{:p}` placeholder")));
            }
            // `*const T`, `*mut T`: a raw pointer, as a type or a cast.
            TokenTree::Punct(p)
                if p.as_char() == '*'
                    && (is_keyword(tokens.get(at + 1), "const")
                        || is_keyword(tokens.get(at + 1), "mut")) =>
            {
                found.push((
                    line_of(token),
                    address_rule("a raw pointer (`*const`, `*mut`)"),
                ));
            }
            TokenTree::Ident(_) => {
                // `$name` in a macro is the macro's own variable, not a path; but as a path's
                // root (`$a::…`, `use $a …`) it pastes whatever name the macro is given (`std`
                // given as `m!(std = x)`), which the screen cannot follow. `$crate` is the
                // submission's own crate.
                if is_punct(before, '$') {
                    if let Some(rule) = leaves_the_submission(tokens, at, place) {
                        found.push((line_of(token), format!("in a macro, `$`: {rule}")));
                    }
                    let pastes_a_root = is_path_sep(tokens, at + 1) || in_use;
                    if place.in_macro && pastes_a_root && name_of(token).as_deref() != Some("crate")
                    {
                        found.push((
                            line_of(token),
                            format!(
                                "`${}` as a path's root in a macro: it pastes whatever name \
                                 the macro is given; write the path itself",
                                name_of(token).unwrap_or_default()
                            ),
                        ));
                    }
                    continue;
                }
                // `use` starts a declaration's tree, but not `use<'a>` (a bound's captures).
                if is_keyword(Some(token), "use") && !is_punct(tokens.get(at + 1), '<') {
                    in_use = true;
                }
                let name = name_of(token).unwrap_or_default();
                let line = line_of(token);
                if let Some(rule) = leaves_the_submission(tokens, at, place) {
                    found.push((line, rule));
                }
                match name.as_str() {
                    "type_name" | "type_name_of_val" | "TypeId" | "type_id" => {
                        found.push((line, format!("`{name}` {HARNESS_NAMES}")))
                    }
                    "unsafe" => found.push((
                        line,
                        "`unsafe` code: the gate runs only safe Rust, which cannot reach \
                         around the facade"
                            .to_owned(),
                    )),
                    "extern" => found.push((
                        line,
                        "`extern` (crates, functions, blocks): a submission uses \
                         interleave's facade and the standard library's allowed modules only"
                            .to_owned(),
                    )),
                    "SystemTime" | "UNIX_EPOCH" | "Instant" => found.push((
                        line,
                        format!(
                            "`{name}` reads a clock, so a grade could depend on when it runs: the \
                             model's time is the facade's (`interleave::thread::sleep`, \
                             `Condvar::wait_timeout`, the queue exercise's `Deadline`)"
                        ),
                    )),
                    name if POINTER_SOURCES.contains(&name) => {
                        found.push((line, address_rule(&format!("`{name}`"))));
                    }
                    // `fmt::Pointer`, the trait behind `{:p}`, named as a path.
                    "Pointer" if in_use || (at >= 2 && is_path_sep(tokens, at - 2)) => {
                        found.push((line, address_rule("`fmt::Pointer`")));
                    }
                    "RandomState" => found.push((line, DEFAULT_HASHER.to_owned())),
                    "HashMap" | "HashSet" if takes_the_default_hasher(tokens, at, in_use) => {
                        found.push((line, DEFAULT_HASHER.to_owned()));
                    }
                    "strong_count" | "weak_count" => found.push((
                        line,
                        format!(
                            "`{name}` reads a reference count, an atomic the checker cannot see \
                             (a lock built on it would hide its race)"
                        ),
                    )),
                    "long_running_const_eval" => found.push((
                        line,
                        "`long_running_const_eval`: the gate keeps the compiler's limit on \
                         constant evaluation"
                            .to_owned(),
                    )),
                    "std" | "core" | "alloc" | "interleave"
                        if !is_punct(before, '.')
                            && !is_punct(before, '\'')
                            && is_path_root(tokens, at, Place { in_use, ..place }) =>
                    {
                        check_root(tokens, at, &name, found);
                    }
                    _ => {}
                }
                if let Some((_, why)) = MACROS_REFUSED.iter().find(|(m, _)| *m == name)
                    && matches!(tokens.get(at + 1), Some(TokenTree::Punct(p))
                        if p.as_char() == '!' && p.spacing() == Spacing::Alone)
                {
                    found.push((line, format!("`{name}!` {why}")));
                }
            }
            _ => {}
        }
    }
}

/// Whether the bracket group at `tokens[at]` is a doc attribute, `#[doc = "…"]` or
/// `#![doc = "…"]` (what `///` and `//!` comments are), holding only its text.
fn is_doc_attribute(tokens: &[TokenTree], at: usize, group: &proc_macro2::Group) -> bool {
    let after_hash = match at.checked_sub(1).and_then(|b| tokens.get(b)) {
        Some(TokenTree::Punct(p)) if p.as_char() == '#' => true,
        Some(TokenTree::Punct(p)) if p.as_char() == '!' => {
            is_punct(at.checked_sub(2).and_then(|b| tokens.get(b)), '#')
        }
        _ => false,
    };
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    after_hash
        && group.delimiter() == Delimiter::Bracket
        && matches!(inner.as_slice(), [TokenTree::Ident(doc), TokenTree::Punct(eq), TokenTree::Literal(_)]
            if doc == "doc" && eq.as_char() == '=')
}

fn check_attribute(content: TokenStream, line: u32, found: &mut Vec<(u32, String)>) {
    let first = content.into_iter().next();
    let name = first.as_ref().and_then(name_of);
    match name {
        Some(name) if name == "macro_export" => found.push((
            line,
            "`#[macro_export]` puts the macro at the root of the gate's harness, where other \
             code can call it: a macro the submission uses itself needs no export"
                .to_owned(),
        )),
        Some(name) if ATTRIBUTES_ALLOWED.contains(&name.as_str()) => {}
        Some(name) => found.push((
            line,
            format!(
                "the attribute `#[{name}]` is not one a submission may use \
                 (allowed: derive, allow/warn/deny, doc, inline, cfg, test, repr, …)"
            ),
        )),
        None => found.push((
            line,
            "an attribute whose name the screen cannot read (made by a macro?)".to_owned(),
        )),
    }
}

/// Checks every path that starts at the root name `tokens[at]` (`std`, `core`, `alloc`,
/// `interleave`), `use` groups included, against the allow-list.
fn check_root(tokens: &[TokenTree], at: usize, root: &str, found: &mut Vec<(u32, String)>) {
    let line = line_of(&tokens[at]);
    let allowed: &[&[&str]] = if root == "interleave" {
        INTERLEAVE_ALLOWED
    } else {
        STD_ALLOWED
    };
    let mut paths = Vec::new();
    extend_path(&tokens[at + 1..], &mut Vec::new(), &mut paths);
    for path in paths {
        let shown = std::iter::once(root)
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("::");
        let mut path: Vec<&str> = path.iter().map(String::as_str).collect();
        if path.last() == Some(&"self") {
            path.pop();
        }
        let ok = allowed
            .iter()
            .any(|prefix| path.len() >= prefix.len() && path[..prefix.len()] == **prefix);
        if ok {
            continue;
        }
        let rule = if path.is_empty() {
            format!(
                "`{root}` on its own (renamed, re-exported or imported whole): name the \
                 allowed item itself, e.g. `{}`",
                if root == "interleave" {
                    "interleave::sync::Mutex"
                } else {
                    "std::collections::VecDeque"
                }
            )
        } else {
            format!("`{shown}` goes around the facade or the gate")
        };
        found.push((line, rule));
    }
}

/// The paths that `tokens` (what follows a root name, or a segment) continue `prefix` with:
/// `::a::b` gives `[.., a, b]`, `::{a, b::c}` gives one path per member, `::*` gives `*`.
fn extend_path(tokens: &[TokenTree], prefix: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
    let mut at = 0;
    let start = prefix.len();
    while is_path_sep(tokens, at) {
        match tokens.get(at + 2) {
            Some(TokenTree::Ident(_)) => {
                prefix.push(name_of(&tokens[at + 2]).unwrap_or_default());
                at += 3;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == '*' => {
                prefix.push("*".to_owned());
                break;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                let members: Vec<TokenTree> = group.stream().into_iter().collect();
                for member in members.split(|t| is_punct(Some(t), ',')) {
                    extend_member(member, prefix, paths);
                }
                prefix.truncate(start);
                return;
            }
            // `::<T>` (turbofish) or anything else ends the path.
            _ => break,
        }
    }
    paths.push(prefix.clone());
    prefix.truncate(start);
}

/// One member of a `use` group: `a`, `a::b`, `self`, `*`, `a::{…}`, `{…}`, each maybe `as x`.
fn extend_member(member: &[TokenTree], prefix: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
    let start = prefix.len();
    match member.first() {
        None => return,
        Some(TokenTree::Ident(_)) => prefix.push(name_of(&member[0]).unwrap_or_default()),
        Some(TokenTree::Punct(p)) if p.as_char() == '*' => prefix.push("*".to_owned()),
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
            let members: Vec<TokenTree> = group.stream().into_iter().collect();
            for inner in members.split(|t| is_punct(Some(t), ',')) {
                extend_member(inner, prefix, paths);
            }
            return;
        }
        // Anything else in a group is not a path the screen can read: refuse it as the bare root.
        Some(_) => {}
    }
    extend_path(&member[1..], prefix, paths);
    prefix.truncate(start);
}

#[cfg(test)]
#[path = "screen_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(u32, String)> {
        screen(&[("submission.rs".to_owned(), text.to_owned())])
            .into_iter()
            .map(|b| (b.line, b.rule))
            .collect()
    }

    fn lines(text: &str) -> Vec<u32> {
        rules(text).into_iter().map(|(line, _)| line).collect()
    }

    #[test]
    fn paths_into_the_harness_and_its_names_are_refused_the_submission_s_own_pass() {
        let refused = [
            "pub type Submission<R> = crate::m5792d8a270379e64::Locked<R>;",
            "use crate::*;",
            "use super::Plugged;",
            "fn f() { super::super::main() }",
            "mod inner { use super::super::x; }",
            "macro_rules! m { () => { $crate::Plugged } }",
            "#[macro_export]\nmacro_rules! m { () => {} }",
            "fn f() -> &'static str { module_path!() }",
            "fn f() -> &'static str { file!() }",
            "fn f() -> &'static str { std::any::type_name::<u8>() }",
            "fn f(x: u8) -> &'static str { std::any::type_name_of_val(&x) }",
            "fn f() -> std::any::TypeId { std::any::TypeId::of::<u8>() }",
            "fn f(x: &dyn std::any::Any) -> bool { x.type_id() == x.type_id() }",
        ];
        for text in refused {
            assert_ne!(rules(text), vec![], "{text}");
        }
        let passed = [
            "pub(crate) struct S;",
            "pub(super) fn f() {}",
            "mod inner { use super::S; pub(in crate::submission) fn g() {} }",
            "fn f() { crate::submission::g() }",
            "macro_rules! m { () => { $crate::submission::S } }",
            "fn f() -> u32 { line!() + column!() }",
        ];
        for text in passed {
            assert_eq!(rules(text), vec![], "{text}");
        }
        // A folder's module `a` (`a.rs`) may climb once; its module `a::b` twice.
        let in_module = |text: &str, depth: usize| {
            screen_modules(&[("a.rs".to_owned(), text.to_owned(), depth)])
        };
        assert_eq!(in_module("use super::S;", 1), vec![]);
        assert_ne!(in_module("use super::super::S;", 1), vec![]);
        assert_eq!(in_module("use super::super::S;", 2), vec![]);
    }

    #[test]
    fn the_facade_and_plain_std_pass() {
        let text = "use interleave::sync::{Condvar, Mutex};\nuse interleave::runtime::Runtime;\n\
                    use interleave::gate::exercises::counter::Counter;\nuse interleave::thread::{self, JoinHandle};\n\
                    use std::collections::VecDeque;\nuse std::sync::Arc;\nuse std::{mem, marker::PhantomData};\n\
                    /// A doc comment naming std::process is text.\n#[derive(Debug)]\nstruct S { core: u8 }\n\
                    fn f(s: S) -> u8 { let x = std::mem::take(&mut 1); s.core + x + std::u8::MAX }\n\
                    macro_rules! m { ($t:ty) => { Vec::<$t>::new() } }\n// std::process::exit(0) in a comment\n";
        assert_eq!(rules(text), vec![]);
    }

    #[test]
    fn locals_fields_and_parameters_named_like_crates_pass() {
        for text in [
            "fn f(core: u8) -> u8 { work(core) }",
            "fn f(pool: BoardPool) -> u8 { let BoardPool { core, .. } = pool; core }",
            "fn f(core: u8) -> BoardPool { BoardPool { core } }",
            "fn f(alloc: u8) -> BoardPool { BoardPool { alloc, spare: 1 } }",
            "fn f() -> u8 { let alloc = grow(1);\n checked(alloc) }",
            "fn f() -> u8 { (|std| std + 1)(1) }",
            "fn f(x: u8) -> u8 { match x { core => core } }",
            "fn f(x: Option<u8>) -> u8 { if let Some(std) = x { return std; } 0 }",
            "fn f(x: (u8, u8)) -> [u8; 2] { let (core, alloc) = x; [core, alloc] }",
            "fn f(std: u8) -> u8 { std }",
            "fn f(interleave: &[u8]) -> usize { interleave.len() + g(interleave, 1) }",
            "fn f(core: u8) -> u64 { core as u64 }",
        ] {
            assert_eq!(rules(text), vec![], "{text}");
        }
    }

    #[test]
    fn the_wall_clock_and_the_default_hasher_are_refused_a_fixed_hasher_is_not() {
        let hasher = |line: u32| (line, super::DEFAULT_HASHER.to_owned());
        let clock = |line: u32| {
            (
                line,
                "`SystemTime` reads a clock, so a grade could depend on when it runs: the model's \
                 time is the facade's (`interleave::thread::sleep`, `Condvar::wait_timeout`, the \
                 queue exercise's `Deadline`)"
                    .to_owned(),
            )
        };
        let refused: Vec<(&str, Vec<(u32, String)>)> = vec![
            ("fn f() { let m = HashMap::new(); }", vec![hasher(1)]),
            (
                "fn f() { let s = HashSet::with_capacity(4); }",
                vec![hasher(1)],
            ),
            ("struct S { m: HashMap<u8, Vec<u8>> }", vec![hasher(1)]),
            ("struct S { s: HashSet<(u8, u8)> }", vec![hasher(1)]),
            (
                "fn f(v: Vec<u8>) { let m = v.into_iter().collect::<HashMap<_, _>>(); }",
                vec![hasher(1)],
            ),
            (
                "type M<K> = HashMap<K, Box<dyn Fn(u8) -> u8>>;",
                vec![hasher(1)],
            ),
            ("use std::collections::HashMap as Map;", vec![hasher(1)]),
            (
                "use std::collections::hash_map::RandomState;",
                vec![hasher(1)],
            ),
            (
                "use std::time::SystemTime;\nfn f() { SystemTime::now(); }",
                vec![clock(1), clock(2)],
            ),
        ];
        for (text, expected) in refused {
            assert_eq!(rules(text), expected, "{text}");
        }
        for text in [
            "use std::collections::{BTreeMap, HashMap};",
            "use std::hash::BuildHasherDefault;\nuse std::collections::hash_map::DefaultHasher;\n\
             type Fixed = BuildHasherDefault<DefaultHasher>;\n\
             struct S { m: HashMap<u8, Vec<u8>, Fixed>, s: HashSet<u8, Fixed> }\n\
             fn f() -> HashMap<u8, u8, Fixed> { HashMap::default() }\n\
             fn g() -> HashSet<u8, Fixed> { HashSet::with_hasher(Fixed::default()) }",
            "fn f(m: &BTreeMap<u8, u8>) -> usize { m.len() }",
        ] {
            assert_eq!(rules(text), vec![], "{text}");
        }
    }

    #[test]
    fn instant_and_every_way_to_read_an_address_are_refused() {
        let address = |line: u32, what: &str| (line, super::address_rule(what));
        let refused: Vec<(&str, Vec<(u32, String)>)> = vec![
            (
                "use std::time::{Duration, Instant};",
                vec![(
                    1,
                    "`Instant` reads a clock, so a grade could depend on when it runs: the \
                     model's time is the facade's (`interleave::thread::sleep`, \
                     `Condvar::wait_timeout`, the queue exercise's `Deadline`)"
                        .to_owned(),
                )],
            ),
            (
                "fn f(x: &u8) -> usize { x as *const u8 as usize }",
                vec![address(1, "a raw pointer (`*const`, `*mut`)")],
            ),
            (
                "fn f(x: &mut u8) -> *mut u8 { x }",
                vec![address(1, "a raw pointer (`*const`, `*mut`)")],
            ),
            (
                "fn f(a: &Arc<u8>) -> usize { Arc::as_ptr(a) as usize }",
                vec![address(1, "`as_ptr`")],
            ),
            (
                "fn f(b: Box<u8>) -> usize { Box::into_raw(b).addr() }",
                vec![address(1, "`into_raw`")],
            ),
            (
                "struct S { c: std::cell::UnsafeCell<u8> }",
                vec![address(1, "`UnsafeCell`")],
            ),
            (
                "fn f(x: &u8) -> String { format!(\"{:p}\", x) }",
                vec![address(1, "a `{:p}` placeholder")],
            ),
            (
                "fn f(x: &u8) -> String {\n format!(\"at {x:#>20p}\") }",
                vec![address(2, "a `{:p}` placeholder")],
            ),
            (
                "use std::fmt::{Debug, Pointer};",
                vec![address(1, "`fmt::Pointer`")],
            ),
        ];
        for (text, expected) in refused {
            assert_eq!(rules(text), expected, "{text}");
        }
        for text in [
            "fn f(a: &Arc<u8>, b: &Arc<u8>) -> bool { Arc::ptr_eq(a, b) }",
            "fn f(x: &u8) -> String { format!(\"{{:p}} {x:?} {:>8} {}\", 1, 'p') }",
            "struct Pointer { at: usize }\nfn f(p: Pointer, mut x: u8) -> u8 { x *= 2; let y = &mut x; *y + p.at as u8 }",
            "fn f(a: u8, b: u8) -> u8 { a * b }",
            "//! I never print an address with {:p}, nor read a clock.\n/// Not `{x:p}` either.\nfn f() {}",
            "fn f(d: Duration) -> Duration { d * 2 }",
        ] {
            assert_eq!(rules(text), vec![], "{text}");
        }
    }

    #[test]
    fn a_crate_named_whole_or_a_path_out_of_the_lists_keeps_its_rule() {
        let whole = |root: &str| {
            format!(
                "`{root}` on its own (renamed, re-exported or imported whole): name the allowed \
                 item itself, e.g. `std::collections::VecDeque`"
            )
        };
        let around = |path: &str| format!("`{path}` goes around the facade or the gate");
        let pasted = |name: &str| {
            format!(
                "`${name}` as a path's root in a macro: it pastes whatever name the macro is \
                 given; write the path itself"
            )
        };
        let extern_rule = "`extern` (crates, functions, blocks): a submission uses interleave's \
                           facade and the standard library's allowed modules only"
            .to_owned();
        let cases: Vec<(&str, Vec<(u32, String)>)> = vec![
            (
                "use std::sync::Mutex;",
                vec![(1, around("std::sync::Mutex"))],
            ),
            (
                "fn f() {\n std::thread::spawn(|| {});\n}",
                vec![(2, around("std::thread::spawn"))],
            ),
            ("use core as c;", vec![(1, whole("core"))]),
            (
                "extern crate std as s;",
                vec![(1, whole("std")), (1, extern_rule.clone())],
            ),
            ("pub use std;", vec![(1, whole("std"))]),
            ("use std::{self};", vec![(1, whole("std"))]),
            (
                "fn f() { ::std::process::exit(0) }",
                vec![(1, around("std::process::exit"))],
            ),
            (
                "fn f() { <core::sync::atomic::AtomicUsize>::new(0); }",
                vec![(1, around("core::sync::atomic::AtomicUsize"))],
            ),
            ("use alloc::*;", vec![(1, around("alloc::*"))]),
            (
                "use {core, std::fs};",
                vec![(1, around("std::fs")), (1, whole("core"))],
            ),
            (
                "fn f(core: u8) -> u8 { core }\nuse interleave;",
                vec![(
                    2,
                    "`interleave` on its own (renamed, re-exported or imported whole): name \
                     the allowed item itself, e.g. `interleave::sync::Mutex`"
                        .to_owned(),
                )],
            ),
            // A macro may paste a name it is given after a `use` or before a `::`: inside a
            // macro's tokens a root name is read as before.
            (
                "macro_rules! m { ($a:ident, $b:ident) => { $a::$b::exit(0) } }\nfn f() { m!(std, process) }",
                vec![(1, pasted("a")), (1, pasted("b")), (2, whole("std"))],
            ),
            // A name given to a macro is a root wherever it stands there, `)` or `=` after it.
            (
                "macro_rules! m { ($a:ident) => { $a::sync::atomic::AtomicUsize::new(0) } }\n\
                 fn f() { m!(std); }",
                vec![(1, pasted("a")), (2, whole("std"))],
            ),
            (
                "macro_rules! m { ($a:ident = $b:tt) => { use $a as s; } }\nm!(std = x);",
                vec![(1, pasted("a"))],
            ),
            (
                "macro_rules! m { () => { $crate::submission::helper() } }",
                vec![],
            ),
        ];
        for (text, expected) in cases {
            let mut found = rules(text);
            found.sort();
            let mut expected = expected;
            expected.sort();
            assert_eq!(found, expected, "{text}");
        }
    }

    #[test]
    fn going_around_the_facade_is_refused_with_its_line() {
        assert_eq!(lines("fn f() {}\nuse std::sync::Mutex;"), vec![2]);
        assert_eq!(
            lines("use std::{collections::VecDeque,\n sync::atomic::AtomicUsize};"),
            vec![1]
        );
        assert_eq!(lines("use core::sync::atomic::AtomicU8;"), vec![1]);
        assert_eq!(lines("fn f() {\n  std::thread::spawn(|| {});\n}"), vec![2]);
        assert_eq!(lines("use std::sync::*;"), vec![1]);
        assert_eq!(lines("use std::sync::{self};"), vec![1]);
        assert_eq!(lines("use std as s;"), vec![1]);
        assert_eq!(lines("use ::std::process;"), vec![1]);
        assert_eq!(lines("use {std::fs};"), vec![1]);
        assert_eq!(
            lines("fn f() { r#std::net::TcpStream::connect(\"x\"); }"),
            vec![1]
        );
        assert_eq!(lines("use interleave::runtime::Native;"), vec![1]);
        assert_eq!(lines("use interleave::gate::child;"), vec![1]);
        assert_eq!(lines("use interleave;"), vec![1]);
    }

    #[test]
    fn keywords_macros_and_attributes_are_refused_inside_macros_too() {
        assert_eq!(lines("fn f() {\n unsafe { }\n}"), vec![2]);
        assert_eq!(
            lines("macro_rules! m { () => { extern crate std; } }\nm!();"),
            vec![1, 1]
        );
        assert_eq!(
            lines("const X: &str = include_str!(\"/etc/passwd\");"),
            vec![1]
        );
        assert_eq!(lines("const X: &str = env!(\"HOME\");"), vec![1]);
        assert_eq!(lines("thread_local! { static X: u8 = 0; }"), vec![1]);
        assert_eq!(lines("#[path = \"/etc/x.rs\"]\nmod x;"), vec![1]);
        assert_eq!(lines("\n#[no_mangle]\nfn f() {}"), vec![2]);
        assert_eq!(lines("#[cfg_attr(all(), no_mangle)]\nfn f() {}"), vec![1]);
        assert_eq!(lines("#[doc = include_str!(\"x\")]\nfn f() {}"), vec![1]);
        assert_eq!(
            lines("macro_rules! m { ($a:meta) => { #[$a] fn f() {} } }"),
            vec![1]
        );
        assert_eq!(
            lines("fn f(env: u8) -> bool { env != 1 }"),
            Vec::<u32>::new()
        );
        assert_eq!(lines("#![allow(long_running_const_eval)]"), vec![1]);
        assert_eq!(
            lines("fn f(a: &std::sync::Arc<u8>) -> usize {\n std::sync::Arc::strong_count(a)\n}"),
            vec![2]
        );
    }

    #[test]
    fn unreadable_text_is_refused_with_its_line() {
        let found = rules("fn f() {\n  let s = \"open;\n}\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.contains("does not read as Rust tokens"),
            "{found:?}"
        );
        assert_eq!(lines("fn f() {\n}\n}"), vec![3]);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = |levels: usize| {
            format!(
                "fn f() -> u8 {{\n{}1{} }}",
                "(".repeat(levels),
                ")".repeat(levels)
            )
        };
        assert_eq!(lines(&deep(MAX_NESTING - 2)), Vec::<u32>::new());
        assert_eq!(lines(&deep(MAX_NESTING)), vec![2]);
        // As deep as the largest submission can nest.
        assert_eq!(lines(&deep(250_000)), vec![2]);
    }
}
