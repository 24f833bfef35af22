//! "Did you mean …?": the known name nearest a mistyped one, by edit distance. Clap suggests
//! for commands and flags itself; this is for the names it does not know, the concepts and
//! variants (`counter-rase/unlocked`), the timed concepts and the gate's exercises.

/// The Levenshtein distance between `a` and `b`: the fewest one-character insertions,
/// deletions and substitutions that turn one into the other.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // One row of the table at a time: `row[j]` is the distance from a's prefix to b[..j].
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(a_char != *b_char);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate nearest `word`, if it is near enough to be what was meant: at most a third of
/// its characters (and at least one) differ. Ties go to the first candidate.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, _)| distance <= allowed)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_single_character_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("counter-rase", "counter-race"), 1);
        assert_eq!(edit_distance("rlock", "lock"), 1);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
    }

    #[test]
    fn only_near_names_are_suggested() {
        let ids = [
            "counter-race/unlocked",
            "counter-race/locked",
            "rlock/correct",
        ];
        assert_eq!(
            nearest("counter-rase/unlocked", ids),
            Some("counter-race/unlocked")
        );
        assert_eq!(
            nearest("counter-race/lockd", ids),
            Some("counter-race/locked")
        );
        assert_eq!(nearest("no-such/variant", ids), None);
        assert_eq!(nearest("x", ["y"]), Some("y"));
        assert_eq!(nearest("x", ["yz"]), None);
    }
}
