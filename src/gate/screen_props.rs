//! Generated honest programs for the screen: crates' and the facade's names (`std`, `core`,
//! `alloc`, `interleave`, `sync`, `thread`, …) bound as locals, fields, struct-shorthand fields,
//! parameters, closure arguments and pattern bindings, and used in every position (call
//! arguments, a block's last expression, `return`, arrays, receivers, before `)` `,` `;` `}` `]`).
//! None is a path, so none is refused; the same program with a `use` of the crate whole is.

use super::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The names a program binds: the roots the screen reads paths from, and the facade's modules.
const NAMES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "interleave",
    "sync",
    "thread",
    "exercises",
    "gate",
    "runtime",
];

/// Statements that bind `@` (the name, a `usize`) anew, from the `@` in scope.
const BINDINGS: &[&str] = &[
    "let @ = 1;",
    "let (@, _rest) = (@, 2);",
    "let S { @ } = S { @ };",
    "let S { @, .. } = S { @: @ + 1 };",
    "let @ = if let Some(@) = Some(@) { @ } else { 0 };",
    "let @ = match @ { 0 => 1, @ => @ };",
    "let @ = (|@: usize| @ + 1)(@);",
    "let @ = [@, 1, @][2];",
    "let mut @ = @; @ += 1; let @ = @;",
    "let P(@) = P(@);",
    "let closure = |@| @; let @ = closure(@);",
    "let @: usize = @;",
    "let &@ = &@;",
    "let @ = { let @ = @; @ };",
    "for @ in [@] { let _ = @; }",
    "while let Some(@) = None::<usize> { let _ = @; }",
    "let @ = S { @ }.@;",
    "let @ = S { @ }.get(@);",
];

/// Statements that use `@` (the name).
const USES: &[&str] = &[
    "use_it(@);",
    "let _ = use_it(@ + 0);",
    "let _ = [@, @];",
    "let _ = (@, @);",
    "let _ = @.min(3);",
    "let _ = S { @, };",
    "let _ = { @ };",
    "let _ = @ as u64;",
    "let _ = &@;",
    "let _ = slice_len(&[@]);",
    "if @ > 0 { let _ = @; }",
    "let _ = P(@);",
    "let _ = (use_it)(@);",
    "let _ = |x: usize| x + @;",
    "let _ = [@; 2];",
    "let _ = @ == @;",
    "let _ = match @ { _ => @ };",
    "let _ = -(@ as i64);",
    "let _ = Some(@).map(|@| @ + 1);",
];

/// A function body's last expression, or its `return`.
const TAILS: &[&str] = &[
    "@",
    "use_it(@)",
    "return @;",
    "{ @ }",
    "[@][0]",
    "S { @ }.@",
    "if @ > 0 { @ } else { @ }",
    "@.min(@)",
    "(@)",
];

/// An honest program binding and using `name`: `bindings`, `uses` and `tail` index the tables
/// above; `gap` separates its statements.
fn program(name: &str, bindings: &[usize], uses: &[usize], tail: usize, gap: &str) -> String {
    let mut body = Vec::new();
    body.extend(bindings.iter().map(|&b| BINDINGS[b]));
    body.extend(uses.iter().map(|&u| USES[u]));
    body.push(TAILS[tail]);
    let text = format!(
        "use std::collections::VecDeque;\n\
         struct S {{ @: usize }}\n\
         struct P(usize);\n\
         impl S {{ fn get(&self, @: usize) -> usize {{ self.@ + @ }} }}\n\
         fn use_it(@: usize) -> usize {{ @ }}\n\
         fn slice_len(@: &[usize]) -> usize {{ @.len() }}\n\
         fn f(@: usize, _queue: VecDeque<u8>) -> usize {{{gap}{}{gap}}}\n",
        body.join(gap)
    );
    text.replace('@', name)
}

fn honest() -> impl Strategy<Value = (String, String)> {
    (
        proptest::sample::select(NAMES),
        proptest::collection::vec(0..BINDINGS.len(), 0..4),
        proptest::collection::vec(0..USES.len(), 0..5),
        0..TAILS.len(),
        proptest::sample::select(&[" ", "\n", "\n    ", "  "][..]),
    )
        .prop_map(|(name, bindings, uses, tail, gap)| {
            (name.to_owned(), program(name, &bindings, &uses, tail, gap))
        })
}

fn rules(text: &str) -> Vec<(u32, String)> {
    screen(&[("submission.rs".to_owned(), text.to_owned())])
        .into_iter()
        .map(|b| (b.line, b.rule))
        .collect()
}

#[test]
fn every_binding_use_and_tail_passes() {
    // Each row of each table at least once, whatever the cases drawn below.
    for name in NAMES {
        let bindings: Vec<usize> = (0..BINDINGS.len()).collect();
        let uses: Vec<usize> = (0..USES.len()).collect();
        for tail in 0..TAILS.len() {
            let text = program(name, &bindings, &uses, tail, "\n");
            assert_eq!(rules(&text), vec![], "{text}");
        }
    }
}

proptest! {
    // Reproducible: a fixed seed, no failure files.
    #![proptest_config(Config {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x5c4e_e115),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn locals_named_like_crates_pass((_name, text) in honest()) {
        prop_assert_eq!(rules(&text), vec![], "{}", text);
    }

    #[test]
    fn the_same_program_importing_the_crate_whole_is_refused(
        (name, text) in honest().prop_filter("a root the screen reads", |(name, _)| {
            ["std", "core", "alloc", "interleave"].contains(&name.as_str())
        })
    ) {
        let text = format!("{text}use {name} as renamed;\n");
        let line = text.lines().count() as u32;
        let found = rules(&text);
        prop_assert_eq!(found.len(), 1, "{:?}\n{}", found, text);
        prop_assert_eq!(found[0].0, line);
        prop_assert!(found[0].1.starts_with(&format!("`{name}` on its own")), "{:?}", found);
    }
}
