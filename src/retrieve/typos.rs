//! Question words the archive never mentions, read as the words they mistype.
//!
//! People type questions in a chat, with typos: "rutte speach kyiv". A term no
//! passage holds matches nothing and drags the question's coverage down, so one
//! typo often turned an answer into a refusal (see BENCHMARKS.md, "Typos"). Such a
//! term is read as the archive's term one edit away (a letter missing, extra or
//! changed, or two letters swapped) that opens with the same letter, the one
//! most passages hold, when
//!
//! - it is a Latin word of at least [`MIN_CHARS`] letters, its stem too, or a
//!   Cyrillic one whose stem has [`MIN_CYRILLIC_STEM`]: shorter words have too many
//!   neighbours to guess from;
//! - it is not an acronym ("NFL");
//! - a Latin word is not an English word ([`specific`]'s list): "weather" asked of
//!   an archive about NATO is a word the archive lacks, not a typo.
//!
//! There is no such list for Ukrainian and Russian, and their stems are short and
//! differ between forms of one word: with stems of five letters, one edit away was
//! as often another word ("окрім" read as "окрем…", "Чаленко" as "член") as the word
//! meant ("брюселі" as "Брюсселі"). Stems of six letters or more keep the second
//! kind. A Russian form one edit from the Ukrainian one is read as it too
//! ("Брюселе" as "Брюсселі").
//!
//! Stemming keeps a typo near a word's end ("presidnet" stems to itself, not to
//! "presid"), so for a Latin word the English words one edit from the typed word
//! are tried too, as the terms they stem to.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

use super::specific;
use crate::analysis::{Script, analyze};

/// The fewest letters a word needs to be read as a typo of another. Chosen on
/// SQuAD dev questions of even-numbered articles with one typo each (answered and
/// refused) and asked of the seeds (off-topic answers); see BENCHMARKS.md.
pub(crate) const MIN_CHARS: usize = 5;

/// The fewest letters of a Cyrillic word's stem for it to be read as a typo.
/// Chosen on Ukrainian titles of news-22k reworded as questions, with one typo
/// each; see BENCHMARKS.md.
pub(crate) const MIN_CYRILLIC_STEM: usize = 6;

/// The archive's term that `raw` (a question word, analysed to `term` in `script`)
/// most likely mistypes, when `term` is in no passage's `field` and the word may
/// be a typo at all (see the module's notes). `None` when nothing in the archive is
/// one edit away.
pub(crate) fn correction(
    searcher: &Searcher,
    field: Field,
    raw: &str,
    term: &str,
    script: Script,
) -> tantivy::Result<Option<String>> {
    if !may_be_typo(raw, term, script) {
        return Ok(None);
    }
    // Terms one edit from the analysed term, with the passages that hold them.
    let mut found: FxHashMap<String, u64> = FxHashMap::default();
    if script == Script::Latin {
        let Some(automaton) = OneEdit::new(term) else { return Ok(None) };
        held_within(searcher, field, &automaton, &mut found)?;
    } else {
        // Letters of two bytes: tantivy's automaton counts edits in letters.
        let automaton = FuzzyTermQuery::new(Term::from_field_text(field, term), 1, true).automaton()?;
        held_within(searcher, field, &automaton, &mut found)?;
        let first = term.chars().next();
        found.retain(|t, _| t.chars().next() == first);
    }
    // The stems of English words one edit from the typed word.
    if script == Script::Latin {
        let word = raw.to_lowercase();
        for english in english_neighbours(&word) {
            let Some(stem) = analyze(english).into_iter().next().filter(|t| !t.stopword) else { continue };
            if found.contains_key(&stem.text) || stem.text.as_bytes().first() != term.as_bytes().first() {
                continue;
            }
            let passages = doc_freq(searcher, field, &stem.text)?;
            if passages > 0 {
                found.insert(stem.text, passages);
            }
        }
    }
    found.remove(term);
    Ok(found.into_iter().max_by(|(a, a_df), (b, b_df)| a_df.cmp(b_df).then_with(|| b.cmp(a))).map(|(t, _)| t))
}

/// Adds the terms of `field` that `automaton` matches to `found`, with the passages
/// that hold them, over every segment.
fn held_within<A: Automaton<State: Clone>>(
    searcher: &Searcher,
    field: Field,
    automaton: &A,
    found: &mut FxHashMap<String, u64>,
) -> tantivy::Result<()> {
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(field)?;
        let mut terms = inverted.terms().search(automaton).into_stream()?;
        while terms.advance() {
            let Ok(text) = std::str::from_utf8(terms.key()) else { continue };
            *found.entry(text.to_owned()).or_default() += u64::from(terms.value().doc_freq);
        }
    }
    Ok(())
}

/// Whether a word may be a typo: see the module's notes.
fn may_be_typo(raw: &str, term: &str, script: Script) -> bool {
    let letters = |text: &str| text.chars().filter(|c| c.is_alphabetic()).count();
    let stem = match script {
        Script::Latin if specific::background(term, script).is_some_and(|b| b.listed) => return false,
        Script::Latin => MIN_CHARS,
        Script::Cyrillic => MIN_CYRILLIC_STEM,
        Script::Number | Script::Other => return false,
    };
    letters(raw) >= MIN_CHARS && letters(term) >= stem && raw.chars().any(char::is_lowercase)
}

/// Matches the terms one edit from a term (see [`one_edit`]) that open with its
/// first byte, for walking the index's term dictionary. Past that byte, bit `i` of
/// a state's masks says the bytes read so far spell the rest of the term's first
/// `i` bytes: exactly (`exact`), with one edit (`edited`), or exactly but for the
/// last byte read, which is the next one's place in a swap (`swapping`).
struct OneEdit {
    first: u8,
    /// Per byte value, the positions in the rest of the term that hold it.
    holds: Box<[u64; 256]>,
    /// Bytes in the rest of the term.
    len: u32,
}

#[derive(Clone, Copy)]
enum Edits {
    /// Nothing read yet: only the first byte goes on.
    Start,
    Masks {
        exact: u64,
        edited: u64,
        swapping: u64,
    },
    Dead,
}

impl OneEdit {
    /// `None` for an empty term or one too long for the masks.
    fn new(term: &str) -> Option<OneEdit> {
        let (&first, rest) = term.as_bytes().split_first()?;
        if rest.len() >= 63 {
            return None;
        }
        let mut holds = Box::new([0u64; 256]);
        for (i, &byte) in rest.iter().enumerate() {
            holds[byte as usize] |= 1 << i;
        }
        Some(OneEdit { first, holds, len: rest.len() as u32 })
    }

    /// Positions up to the end of the term.
    fn within(&self, mask: u64) -> u64 {
        mask & ((1u64 << (self.len + 1)) - 1)
    }
}

impl Automaton for OneEdit {
    type State = Edits;

    fn start(&self) -> Edits {
        Edits::Start
    }

    fn is_match(&self, state: &Edits) -> bool {
        matches!(state, Edits::Masks { exact, edited, .. } if (exact | edited) >> self.len & 1 == 1)
    }

    fn can_match(&self, state: &Edits) -> bool {
        !matches!(state, Edits::Dead)
    }

    fn accept(&self, state: &Edits, byte: u8) -> Edits {
        let (exact, edited, swapping) = match *state {
            Edits::Start if byte == self.first => {
                // The rest begins: nothing of it read, or its first byte left out.
                return Edits::Masks { exact: 1, edited: self.within(0b10), swapping: 0 };
            }
            Edits::Masks { exact, edited, swapping } => (exact, edited, swapping),
            Edits::Start | Edits::Dead => return Edits::Dead,
        };
        let holds = self.holds[byte as usize];
        let next_exact = self.within((exact & holds) << 1);
        let next_edited = self.within(
            ((edited & holds) << 1)          // a byte as it should be, after the edit
                | exact                      // this byte is one too many
                | (exact << 1)               // this byte replaces the one due
                | (next_exact << 1)          // the byte after this one is left out
                | ((swapping & holds) << 2), // the two bytes before were swapped
        );
        // This byte is the one after next: the next byte may be the one due.
        let next_swapping = exact & (holds >> 1);
        if next_exact | next_edited | next_swapping == 0 {
            Edits::Dead
        } else {
            Edits::Masks { exact: next_exact, edited: next_edited, swapping: next_swapping }
        }
    }
}

/// Passages whose `field` holds `term`, over every segment.
fn doc_freq(searcher: &Searcher, field: Field, term: &str) -> tantivy::Result<u64> {
    let term = Term::from_field_text(field, term);
    let mut passages = 0;
    for reader in searcher.segment_readers() {
        if let Some(info) = reader.inverted_index(field)?.get_term_info(&term)? {
            passages += u64::from(info.doc_freq);
        }
    }
    Ok(passages)
}

/// The English list's words by first letter and length (all are ASCII): a typo
/// keeps the first letter ([`correction`]), so only those are compared.
static BY_OPENING: LazyLock<FxHashMap<(u8, usize), Vec<&'static str>>> = LazyLock::new(|| {
    let mut by_opening: FxHashMap<(u8, usize), Vec<&str>> = FxHashMap::default();
    for word in specific::english_words().filter(|w| !w.is_empty()) {
        by_opening.entry((word.as_bytes()[0], word.len())).or_default().push(word);
    }
    by_opening
});

/// Sorts the English list by opening now rather than at the first typo.
pub(crate) fn warm_up() {
    LazyLock::force(&BY_OPENING);
}

/// The English list's words one edit from `word` (lowercase) that open with its
/// first letter.
fn english_neighbours(word: &str) -> impl Iterator<Item = &'static str> + '_ {
    let first = word.as_bytes().first().copied().unwrap_or_default();
    (word.len().saturating_sub(1)..=word.len() + 1)
        .filter_map(move |length| BY_OPENING.get(&(first, length)))
        .flatten()
        .copied()
        .filter(move |w| *w != word && one_edit(word.as_bytes(), w.as_bytes()))
}

/// Whether `a` and `b` differ by one letter missing, extra or changed, or by two
/// neighbouring letters swapped (equal counts too).
pub(crate) fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let same_start = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    let (short, long) = (&short[same_start..], &long[same_start..]);
    match long.len() - short.len() {
        0 => {
            short.len() <= 1
                || short[1..] == long[1..]
                || (short.len() >= 2 && short[0] == long[1] && short[1] == long[0] && short[2..] == long[2..])
        }
        1 => short == &long[1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_is_one_letter_or_one_swap() {
        for (a, b) in [
            ("speech", "speach"),
            ("speech", "spech"),
            ("speech", "speeech"),
            ("president", "presidnet"),
            ("kyiv", "kyiv"),
            ("peace", "peacr"),
            ("a", ""),
        ] {
            assert!(one_edit(a.as_bytes(), b.as_bytes()), "{a} {b}");
            assert!(one_edit(b.as_bytes(), a.as_bytes()), "{b} {a}");
        }
        for (a, b) in [("speech", "spaach"), ("president", "presdinet"), ("peace", "pea"), ("ab", "ba c")] {
            assert!(!one_edit(a.as_bytes(), b.as_bytes()), "{a} {b}");
            assert!(!one_edit(b.as_bytes(), a.as_bytes()), "{b} {a}");
        }
    }

    /// The automaton walked over the term dictionary matches what [`one_edit`]
    /// says, for words that keep their first letter, on every edit of a few words.
    #[test]
    fn the_automaton_matches_one_edit_away_with_the_first_letter_kept() {
        let accepts = |automaton: &OneEdit, word: &str| {
            let mut state = automaton.start();
            for &byte in word.as_bytes() {
                state = automaton.accept(&state, byte);
            }
            automaton.is_match(&state)
        };
        let letters = "aeinrsz";
        for term in ["speech", "rutte", "stoltenberg", "ab", "a"] {
            let automaton = OneEdit::new(term).unwrap();
            let mut words = vec![term.to_owned(), String::new()];
            // Every deletion, insertion, change and swap, and some of two edits.
            for i in 0..=term.len() {
                for c in letters.chars() {
                    let inserted = format!("{}{c}{}", &term[..i], &term[i..]);
                    if i < term.len() {
                        let changed = format!("{}{c}{}", &term[..i], &term[i + 1..]);
                        words.push(format!("{}{}", &changed[..i], &changed[(i + 1).min(changed.len())..]));
                        words.push(changed);
                    }
                    words.push(inserted.clone());
                    words.push(format!("{inserted}{c}"));
                }
                if i < term.len() {
                    words.push(format!("{}{}", &term[..i], &term[i + 1..]));
                }
                if i + 1 < term.len() {
                    let mut swapped = term.as_bytes().to_vec();
                    swapped.swap(i, i + 1);
                    words.push(String::from_utf8(swapped).unwrap());
                }
            }
            for word in &words {
                let expected = word.as_bytes().first() == term.as_bytes().first()
                    && one_edit(term.as_bytes(), word.as_bytes());
                assert_eq!(accepts(&automaton, word), expected, "{term} {word}");
            }
        }
    }

    #[test]
    fn only_long_words_off_the_english_list_may_be_typos() {
        let may = |word: &str| {
            let term = &analyze(word)[0];
            may_be_typo(word, &term.text, term.script)
        };
        for word in ["speach", "Zelenskiy", "presidnet", "Stoltenbreg", "McDonqld", "брюселі", "Брюселе"]
        {
            assert!(may(word), "{word}");
        }
        // "окрім" and "Рютте" stem to five letters or fewer.
        for word in ["speech", "weather", "Warsaw", "NAOT", "rute", "2026", "окрім", "Рютте", "НАТО"]
        {
            assert!(!may(word), "{word}");
        }
    }
}
