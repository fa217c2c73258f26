//! Text analysis shared by indexing, querying and excerpt selection.
//!
//! One function, [`analyze`], turns text into search terms with byte offsets into the
//! original text, so the index, the query and the excerpt highlighter always agree on
//! what a "word" is. The rules are script-aware:
//!
//! - Latin words are lowercased, folded to ASCII and stemmed with Snowball English.
//! - Cyrillic words are lowercased and stemmed with Snowball Ukrainian, then a light
//!   suffix pass folds derivational variants ("миротворці", "миротворчого") together.
//! - Apostrophes (' ’ ʼ ‘ `) inside a word are unified, so "Ukraine’s" and "Ukraine's",
//!   or "об'єднання" and "обʼєднання", are the same term.
//! - Numbers are kept whole ("75%" gives "75", "1,000" gives "1000", "43.030" stays),
//!   and English number words are their digits ("four" gives "4").
//! - Dotted acronyms are joined ("U.S." gives "us"), and an all-capitals word is never
//!   treated as a stopword ("US", "IT").
//!
//! Nothing here knows about tantivy beyond [`NewsTokenizer`], the adapter that feeds
//! [`analyze`] to the index.

mod asks;
mod sentences;
mod stem;
mod tokenizer;
mod words;

pub use asks::{Asks, asks, asks_and_words};
use sentences::passage_sentences_into;
pub use sentences::{HEADING_WORDS, is_heading, is_heading_sentence, passage_sentences, sentences};
pub use tokenizer::{NewsTokenStream, NewsTokenizer, SENTENCE_BREAK};

pub(crate) use stem::{Cyrillic, word_of_number};
use stem::{
    cyrillic_of, is_cyrillic, is_latin, is_stopword, normalise, number_of_cyrillic_word, number_of_word, stem,
};
use words::{join_dotted_acronyms, words};

/// Words longer than this (in bytes, after normalisation) are not indexed: they are
/// URLs, base64 or glued junk, never something a reader asks about.
const MAX_TERM_BYTES: usize = 40;

/// The writing system a term came from; it decides the stemmer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    Latin,
    Cyrillic,
    Number,
    Other,
}

/// One analysed word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The normalised, stemmed form that goes into the index.
    pub text: String,
    /// Byte range of the word in the analysed text.
    pub start: usize,
    pub end: usize,
    pub script: Script,
    /// A function word ("the", "що") that carries no meaning in a question.
    pub stopword: bool,
}

/// Splits `text` into normalised, stemmed terms with their byte offsets.
pub fn analyze(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    analyze_each(text, &mut Vec::new(), |term| {
        terms.push(Term {
            text: term.text.to_owned(),
            start: term.start,
            end: term.end,
            script: term.script,
            stopword: term.stopword,
        })
    });
    terms
}

/// One analysed word, borrowed: what [`analyze_each`] hands out.
pub(crate) struct TermRef<'a> {
    pub(crate) text: &'a str,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) script: Script,
    pub(crate) stopword: bool,
}

/// [`analyze`] without allocating per word: `each` sees every term in order, its
/// text in a buffer that is reused for the next one. Indexing goes through here.
pub(crate) fn analyze_each(text: &str, words_buf: &mut Vec<(usize, usize)>, each: impl FnMut(TermRef<'_>)) {
    analyze_each_where(text, words_buf, |_| true, each)
}

/// [`analyze_each`] over the raw words `wanted` accepts only: the others are
/// neither normalised nor stemmed, and `each` does not see them.
pub(crate) fn analyze_each_where(
    text: &str,
    words_buf: &mut Vec<(usize, usize)>,
    mut wanted: impl FnMut(&str) -> bool,
    mut each: impl FnMut(TermRef<'_>),
) {
    let mut term = String::new();
    words_buf.clear();
    words_buf.extend(words(text));
    join_dotted_acronyms(text, words_buf);
    // Which Cyrillic language the text is in matters only to its Cyrillic words:
    // it is read from the whole text when the first word that is not ASCII comes.
    let mut cyrillic = None;
    for &(start, end) in words_buf.iter() {
        let raw = &text[start..end];
        if !wanted(raw) {
            continue;
        }
        term.clear();
        let cyrillic = match raw.is_ascii() {
            true => Cyrillic::Ukrainian,
            false => *cyrillic.get_or_insert_with(|| cyrillic_of(text, words_buf)),
        };
        if let Some((script, stopword)) = analyze_word(raw, &mut term, cyrillic) {
            each(TermRef { text: &term, start, end, script, stopword });
        }
    }
}

/// The first two letters of a set of terms, to pass over the words of a text that
/// cannot analyse to any of them without analysing them.
///
/// Normalising keeps a word's first two letters when they are ASCII (it lowercases
/// them), and stemming only ever changes a word's end, so a raw word that opens with
/// two ASCII letters analyses to a term that opens with the same two, lowercased
/// (but for a second "y" that may become "i": "bying", "bie"), or to its first
/// letter alone ("aed" stems to "a"), or, an English number word, to its digits
/// ("four" to "4": a number's term admits its word's opening too). Any other raw
/// word (a digit, an accent, Cyrillic, one letter) may analyse to anything and is
/// always admitted.
///
/// Nor does analysis make a word longer: folding, stemming and joining only ever
/// keep or drop bytes, so a word shorter than every term that opens like it is
/// passed over too ("the", "was", "in" against "theori", "washington",
/// "independ").
#[derive(Clone, Debug)]
pub(crate) struct Openings {
    /// One bit per pair of lowercase ASCII letters.
    pairs: [u64; 11],
    /// Per pair, the length in bytes of the shortest term opening with it.
    shortest: [u8; 26 * 26],
    /// One bit per lowercase ASCII letter that is a term by itself.
    letters: u32,
}

impl Default for Openings {
    fn default() -> Openings {
        Openings { pairs: [0; 11], shortest: [u8::MAX; 26 * 26], letters: 0 }
    }
}

impl Openings {
    pub(crate) fn of<'a>(terms: impl IntoIterator<Item = &'a str>) -> Openings {
        let mut openings = Openings::default();
        let mut add = |pair: usize, length: usize| {
            openings.pairs[pair / 64] |= 1 << (pair % 64);
            let shortest = &mut openings.shortest[pair];
            *shortest = (*shortest).min(length.min(usize::from(u8::MAX)) as u8);
        };
        for term in terms {
            // A number is also the English word it may be written as (in any
            // length: spellings vary).
            if let Some(pair) = word_of_number(term).and_then(|word| letter_pair(word.as_bytes())) {
                add(pair, 0);
            }
            match term.as_bytes() {
                &[letter] if letter.is_ascii_lowercase() => openings.letters |= 1 << (letter - b'a'),
                bytes => {
                    if let Some(pair) = letter_pair(bytes) {
                        add(pair, bytes.len());
                    }
                }
            }
        }
        openings
    }

    /// False only for a raw word that cannot analyse to any of the terms: its
    /// opening pair is no term's, or it is shorter than every term's that has it.
    pub(crate) fn admit(&self, raw: &str) -> bool {
        match letter_pair(raw.as_bytes()) {
            // Stemming turns the "y" of "bying" into the "i" of "bie".
            Some(pair) => {
                let (first, second) = (pair / 26, pair % 26);
                let fits = |pair: usize| {
                    self.pairs[pair / 64] & (1 << (pair % 64)) != 0
                        && raw.len() >= usize::from(self.shortest[pair])
                };
                fits(pair)
                    || second == usize::from(b'y' - b'a') && fits(first * 26 + usize::from(b'i' - b'a'))
                    || self.letters & (1 << first) != 0
            }
            None => true,
        }
    }
}

/// The index of a text's first two bytes as a pair of letters, when both are ASCII
/// letters (either case).
fn letter_pair(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [a, b, ..] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some(usize::from(a.to_ascii_lowercase() - b'a') * 26 + usize::from(b.to_ascii_lowercase() - b'a'))
        }
        _ => None,
    }
}

/// Raw words longer than this (in bytes) are analysed without being remembered.
const CACHED_WORD_BYTES: usize = 64;

/// Distinct raw words remembered per thread by [`analyze_word`]; the cache is
/// emptied when full.
const CACHED_WORDS: usize = 200_000;

/// What a raw word analyses to, as [`analyze_word`] remembers it.
struct Analysed {
    text: Box<str>,
    script: Script,
    stopword: bool,
}

/// Appends the term of one raw word to `out` and returns its script and whether it
/// is a stopword, or `None` when the word is not a term (nothing left after
/// normalising, or too long). Remembered per thread: news vocabulary repeats so
/// much that one hash look-up of the raw word saves normalising and stemming it
/// again, at index and question time alike.
fn analyze_word(raw: &str, out: &mut String, cyrillic: Cyrillic) -> Option<(Script, bool)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Cache = RefCell<HashMap<Box<str>, Option<Analysed>, rustc_hash::FxBuildHasher>>;
    if raw.len() > CACHED_WORD_BYTES {
        return analyze_uncached(raw, out, cyrillic);
    }
    // FxHash: the keys are short words from our own text, not attacker-chosen
    // at scale, and SipHash showed up as a tenth of question time. One cache per
    // Cyrillic language: a word without telling letters stems by its text's.
    thread_local! {
        static UKRAINIAN_TEXT: Cache = RefCell::new(HashMap::default());
        static RUSSIAN_TEXT: Cache = RefCell::new(HashMap::default());
    }
    let cache = match cyrillic {
        Cyrillic::Ukrainian => &UKRAINIAN_TEXT,
        Cyrillic::Russian => &RUSSIAN_TEXT,
    };
    cache.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(known) = cache.get(raw) {
            return known.as_ref().map(|known| {
                out.push_str(&known.text);
                (known.script, known.stopword)
            });
        }
        if cache.len() >= CACHED_WORDS {
            cache.clear();
        }
        let from = out.len();
        let analysed = analyze_uncached(raw, out, cyrillic);
        let remembered =
            analysed.map(|(script, stopword)| Analysed { text: out[from..].into(), script, stopword });
        cache.insert(raw.into(), remembered);
        analysed
    })
}

fn analyze_uncached(raw: &str, out: &mut String, cyrillic: Cyrillic) -> Option<(Script, bool)> {
    let mut word = String::new();
    let script = normalise(raw, &mut word);
    if word.is_empty() || word.len() > MAX_TERM_BYTES {
        return None;
    }
    let stopword = is_stopword(&word) && !is_shouted_name(raw, &word);
    // Stopwords are never searched or matched: they keep their plain form.
    if stopword {
        out.push_str(&word);
    } else if let Some(digits) = match script {
        Script::Latin => number_of_word(&word),
        Script::Cyrillic => number_of_cyrillic_word(&word),
        _ => None,
    } {
        out.push_str(digits);
        return Some((Script::Number, false));
    } else {
        out.push_str(&stem(script, &word, cyrillic));
    }
    Some((script, stopword))
}

/// "US", "IT", "WHO" are names, never stopwords; "AND", "NOT" are shouting, not
/// acronyms.
fn is_shouted_name(raw: &str, word: &str) -> bool {
    let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
    (2..=5).contains(&letters)
        && raw.chars().all(|c| !c.is_lowercase())
        && !matches!(word, "and" | "or" | "not" | "the" | "to" | "of" | "in" | "a" | "an")
}

/// Guesses a text's language from its letters: mostly Latin is "en"; mostly Cyrillic
/// is "ru" when Russian-only letters and function words outweigh Ukrainian ones,
/// else "uk"; otherwise "und".
pub fn detect_language(text: &str) -> &'static str {
    let (mut latin, mut cyrillic) = (0usize, 0usize);
    for c in text.chars().take(20_000) {
        if c.is_ascii_alphabetic() || is_latin(c) {
            latin += 1;
        } else if is_cyrillic(c) {
            cyrillic += 1;
        }
    }
    if cyrillic > latin {
        let words: Vec<(usize, usize)> = words(text).take(2_000).collect();
        match cyrillic_of(text, &words) {
            Cyrillic::Ukrainian => "uk",
            Cyrillic::Russian => "ru",
        }
    } else if latin > 0 {
        "en"
    } else {
        "und"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn numbers_and_acronyms_are_kept_whole() {
        assert_eq!(
            stems("75% in 1998, $40 billion, 1,000 U.S. troops"),
            ["75", "in", "1998", "40", "billion", "1000", "us", "troop"]
        );
        // English number words are their digits; "one" is as often a pronoun.
        assert_eq!(stems("four Twelve FIFTY one"), ["4", "12", "50", "one"]);
        assert!(Openings::of(["4"]).admit("Four"));
        // A word shorter than every term opening like it cannot be one of them.
        let theory = Openings::of(["theori", "4"]);
        assert!(theory.admit("Theory") && theory.admit("theories") && theory.admit("fOUR"));
        assert!(!theory.admit("the") && !theory.admit("These") && !theory.admit("fact"));
        // So are Ukrainian and Russian ones, in every case; "семью" is a family.
        assert_eq!(stems("чотирьох П’ЯТЬМА двадцять сто"), ["4", "5", "20", "100"]);
        assert_eq!(stems("четырьмя трёх девяноста"), ["4", "3", "90"]);
        assert_ne!(stems("семью"), ["7"]);
    }

    #[test]
    fn apostrophes_are_unified() {
        assert_eq!(stems("Ukraine’s"), stems("Ukraine's"));
        assert_eq!(stems("обʼєднання"), stems("об'єднання"));
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Рютте сказав: «Ciarán’s» U.S.";
        for term in analyze(text) {
            assert!(text.is_char_boundary(term.start) && text.is_char_boundary(term.end));
        }
        let words: Vec<&str> = analyze(text).iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(words, ["Рютте", "сказав", "Ciarán’s", "U.S"]);
    }

    #[test]
    fn the_index_sees_content_words_and_sentence_breaks() {
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        let mut tokenizer = NewsTokenizer::default();
        let mut stream = tokenizer.token_stream("The president of the union spoke. Then he left.");
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push((stream.token().text.clone(), stream.token().position));
        }
        let expected = [("presid", 0), ("union", 1), ("spoke", 2), (SENTENCE_BREAK, 3), ("left", 4)];
        let expected: Vec<(String, usize)> = expected.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        assert_eq!(tokens, expected);
    }

    #[test]
    fn a_reused_tokenizer_forgets_the_previous_text() {
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        fn tokens(tokenizer: &mut NewsTokenizer, text: &str) -> Vec<(String, usize, usize, usize)> {
            let mut stream = tokenizer.token_stream(text);
            let mut out = Vec::new();
            while stream.advance() {
                let t = stream.token();
                out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
            }
            out
        }
        let long = "Кабмін схвалив U.S. план. The 1,000 peacekeepers’ mission… Then NATO met.\nA caption";
        let short = "Peacekeepers met. Ukraine";
        let mut reused = NewsTokenizer::default();
        tokens(&mut reused, long);
        assert_eq!(tokens(&mut reused, short), tokens(&mut NewsTokenizer::default(), short));
        assert_eq!(tokens(&mut reused, long), tokens(&mut NewsTokenizer::default(), long));
        assert_eq!(tokens(&mut reused, ""), Vec::new());
    }

    #[test]
    fn sentences_split_on_terminal_punctuation() {
        let text = "Mr. Rutte came. He said \"no.\" Then U.S. troops left! Done";
        let parts: Vec<&str> = sentences(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(parts, ["Mr. Rutte came.", "He said \"no.\"", "Then U.S. troops left!", "Done"]);
    }

    #[test]
    fn an_ellipsis_ends_a_sentence_and_curly_quotes_do_not() {
        // Curly quotes open with the byte that opens "…" as well.
        let text = "“Wait… Then it came. “Done.” Рютте сказав… Кінець";
        let parts: Vec<&str> = sentences(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(parts, ["“Wait…", "Then it came.", "“Done.”", "Рютте сказав…", "Кінець"]);
    }

    #[test]
    fn a_word_opening_with_two_ascii_letters_keeps_them_through_analysis() {
        // What `Openings` relies on, over 30,000 English words as written in a
        // sentence, capitalised, shouted, possessive and inflected, and every
        // word of the shipped articles.
        let list = include_str!("../retrieve/english_words.txt");
        let seeds: String = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
            .collect();
        let mut words: Vec<String> = Vec::new();
        for word in list.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_whitespace().next()) {
            let capital: String =
                word.chars().take(1).flat_map(char::to_uppercase).chain(word.chars().skip(1)).collect();
            for form in [word.to_owned(), capital, word.to_uppercase()] {
                for ending in ["", "s", "es", "ed", "ing", "y", "ies", "ly", "'s", "’s"] {
                    words.push(format!("{form}{ending}"));
                }
            }
        }
        let text = words.join(" ") + " " + &seeds;
        let mut checked = 0;
        for term in analyze(&text) {
            let raw = &text[term.start..term.end];
            if let Some(pair) = letter_pair(raw.as_bytes()) {
                let kept = match term.text.len() {
                    _ if term.script == Script::Number => number_of_word(&raw.to_lowercase()).is_some(),
                    1 => term.text == raw[..1].to_ascii_lowercase(),
                    _ if raw[1..2].eq_ignore_ascii_case("y") && term.text[1..].starts_with('i') => true,
                    _ => letter_pair(term.text.as_bytes()) == Some(pair),
                };
                assert!(kept, "{raw} -> {}", term.text);
                assert!(
                    term.text.len() <= raw.len() || term.script == Script::Number,
                    "{raw} -> {}",
                    term.text
                );
                assert!(Openings::of([term.text.as_str()]).admit(raw), "{raw}");
                checked += 1;
            }
        }
        assert!(checked > 300_000, "{checked}");
    }

    #[test]
    fn language_is_detected_from_letters() {
        assert_eq!(detect_language("НАТО може стати тилом для миротворців"), "uk");
        assert_eq!(detect_language("NATO committed to helping Ukraine"), "en");
        assert_eq!(detect_language("1234"), "und");
        assert_eq!(detect_language("НАТО может стать тылом для миротворцев"), "ru");
        // No Russian-only letter, but Russian function words.
        assert_eq!(detect_language("сколько ракет получила Украина"), "ru");
        assert_eq!(detect_language("скільки ракет отримала Україна"), "uk");
    }
}
