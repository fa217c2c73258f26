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
//! - Numbers are kept whole ("75%" gives "75", "1,000" gives "1000", "43.030" stays).
//! - Dotted acronyms are joined ("U.S." gives "us"), and an all-capitals word is never
//!   treated as a stopword ("US", "IT").
//!
//! Nothing here knows about tantivy beyond [`NewsTokenizer`], the adapter that feeds
//! [`analyze`] to the index.

use std::sync::LazyLock;

use frostem::{Algorithm, Stemmer};

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
    let mut word = String::new();
    let mut raw_words: Vec<(usize, usize)> = Vec::new();
    for (start, end) in words(text) {
        raw_words.push((start, end));
    }
    let raw_words = join_dotted_acronyms(text, raw_words);
    for (start, end) in raw_words {
        let raw = &text[start..end];
        word.clear();
        let script = normalise(raw, &mut word);
        if word.is_empty() || word.len() > MAX_TERM_BYTES {
            continue;
        }
        // "US", "IT", "WHO" are names; "AND", "NOT" are shouting, not acronyms.
        let all_caps = || {
            let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
            (2..=5).contains(&letters)
                && raw.chars().all(|c| !c.is_lowercase())
                && !matches!(word.as_str(), "and" | "or" | "not" | "the" | "to" | "of" | "in" | "a" | "an")
        };
        let stopword = is_stopword(&word) && !all_caps();
        // Stopwords are never searched or matched: no need to stem them.
        let text = if stopword { word.clone() } else { stem(script, &word) };
        terms.push(Term { text, start, end, script, stopword });
    }
    terms
}

/// Byte ranges of raw words: runs of letters and digits, with apostrophes inside a
/// word, and `.`/`,` between digits, kept as part of it.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip to the start of the next word.
        let (start, first) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (i, c);
            }
        };
        let mut end = start + first.len_utf8();
        let mut prev = first;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() || is_joiner(c) {
                chars.next();
                end = i + c.len_utf8();
                prev = c;
                continue;
            }
            let glue =
                is_apostrophe(c) && prev.is_alphabetic() || matches!(c, '.' | ',') && prev.is_ascii_digit();
            if glue {
                let after = text[i + c.len_utf8()..].chars().next();
                let continues = match after {
                    Some(n) if is_apostrophe(c) => n.is_alphabetic(),
                    Some(n) => n.is_ascii_digit(),
                    None => false,
                };
                if continues {
                    chars.next();
                    prev = c;
                    continue;
                }
            }
            break;
        }
        Some((start, end))
    })
}

/// Combining marks and zero-width joiners stay inside the word they decorate.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '′')
}

/// Joins "U", "S" of "U.S." into one word, so the acronym is findable as "us".
fn join_dotted_acronyms(text: &str, words: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let single_letter = |&(s, e): &(usize, usize)| {
        let mut it = text[s..e].chars();
        matches!((it.next(), it.next()), (Some(c), None) if c.is_alphabetic())
    };
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(words.len());
    let mut run_open = false;
    for w in words {
        if let Some(last) = out.last_mut() {
            let gap = &text[last.1..w.0];
            if run_open && gap == "." && single_letter(&w) {
                last.1 = w.1;
                continue;
            }
        }
        run_open = single_letter(&w) && text[w.1..].starts_with('.');
        out.push(w);
    }
    out
}

/// Lowercases `raw` into `out`, drops the dots of acronyms and the commas of numbers,
/// unifies apostrophes and folds Latin diacritics; returns the word's script.
fn normalise(raw: &str, out: &mut String) -> Script {
    let mut script = Script::Other;
    for c in raw.chars() {
        if script == Script::Other || script == Script::Number {
            if is_cyrillic(c) {
                script = Script::Cyrillic;
            } else if c.is_ascii_alphabetic() || is_latin(c) {
                script = Script::Latin;
            } else if c.is_numeric() && script == Script::Other {
                script = Script::Number;
            }
        }
        match c {
            ',' => {}
            '.' if !raw.starts_with(|c: char| c.is_ascii_digit()) => {}
            c if is_apostrophe(c) => out.push('\''),
            c if is_joiner(c) => {}
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    if script == Script::Latin && !out.is_ascii() {
        let folded = fold_latin(out);
        *out = folded;
    }
    script
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// Folds Latin letters with diacritics to ASCII ("Ciarán" → "ciaran"), using tantivy's
/// table so that it matches the rest of the ecosystem.
fn fold_latin(word: &str) -> String {
    use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer};
    thread_local! {
        static FOLDER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TextAnalyzer::builder(RawTokenizer::default()).filter(AsciiFoldingFilter).build(),
        );
    }
    FOLDER.with(|folder| {
        let mut folder = folder.borrow_mut();
        let mut stream = folder.token_stream(word);
        match stream.next() {
            Some(token) => token.text.clone(),
            None => word.to_owned(),
        }
    })
}

/// Distinct words remembered per thread by [`stem`]; the cache is emptied when full.
const STEM_CACHE_WORDS: usize = 200_000;

/// Stems `word`, remembering the result: news vocabulary repeats so much that a hash
/// look-up saves most of the Snowball work at both index and question time.
fn stem(script: Script, word: &str) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    if script == Script::Number || script == Script::Other {
        return word.to_owned();
    }
    // FxHash: the keys are short words from our own text, not attacker-chosen
    // at scale, and SipHash showed up as a tenth of question time.
    thread_local! {
        static CACHE: RefCell<HashMap<String, String, rustc_hash::FxBuildHasher>> =
            RefCell::new(HashMap::default());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(stem) = cache.get(word) {
            return stem.clone();
        }
        if cache.len() >= STEM_CACHE_WORDS {
            cache.clear();
        }
        let stem = stem_uncached(script, word);
        cache.insert(word.to_owned(), stem.clone());
        stem
    })
}

fn stem_uncached(script: Script, word: &str) -> String {
    static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::English));
    static UKRAINIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Ukrainian));
    match script {
        Script::Latin => ENGLISH.stem(word).into_owned(),
        Script::Cyrillic => ukrainian_stem(&UKRAINIAN, word),
        Script::Number | Script::Other => word.to_owned(),
    }
}

/// Snowball Ukrainian, then a light pass that folds what Snowball leaves apart but a
/// reader would call the same word: consonant alternation ("безпека", "безпеці"), the
/// noun and adjective of one root ("миротворці", "миротворчого"), and the soft sign
/// and apostrophe that inflection moves around.
fn ukrainian_stem(stemmer: &Stemmer, word: &str) -> String {
    let mut stem: String = stemmer.stem(word).into_owned();
    // The fleeting vowel of -ець: "миротворець" has the stem of "миротворця".
    if stem.ends_with("ець") && stem.chars().count() >= 7 {
        stem.truncate(stem.len() - "ець".len());
        stem.push('ц');
    }
    stem.retain(|c| c != '\'' && c != 'ь');
    // Consonants that alternate or carry derivation at the end of a long stem:
    // к/ц/ч (безпека, безпеці; миротворець, миротворці, миротворчий) and the
    // adjective suffixes -ськ/-зьк/-цьк (the soft sign is already gone).
    const SUFFIXES: [&str; 6] = ["ск", "зк", "цк", "ц", "ч", "к"];
    // Surnames in -ов/-ев/-єв/-ів lose the -в in the nominative only ("Чернєв" →
    // "чернє", "Чернєва" → "чернєв"): drop it everywhere.
    let chars = stem.chars().count();
    if chars >= 5 && stem.ends_with('в') {
        let before = stem[..stem.len() - 'в'.len_utf8()].chars().next_back();
        if matches!(before, Some('о' | 'е' | 'є' | 'і' | 'и')) {
            stem.pop();
            return stem;
        }
    }
    if chars >= 6 {
        for suffix in SUFFIXES {
            if stem.ends_with(suffix) && chars - suffix.chars().count() >= 4 {
                stem.truncate(stem.len() - suffix.len());
                break;
            }
        }
    }
    stem
}

fn is_stopword(word: &str) -> bool {
    static STOPWORDS: LazyLock<rustc_hash::FxHashSet<&'static str>> =
        LazyLock::new(|| ENGLISH_STOPWORDS.iter().chain(UKRAINIAN_STOPWORDS.iter()).copied().collect());
    STOPWORDS.contains(word)
}

/// Function words of English questions and news prose. Question words are here too:
/// "what" and "who" say what kind of answer is wanted, not where it is.
const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
    "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not",
    "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "would", "you", "your", "yours", "s", "t", "'s", "did", "does", "done", "say", "said", "says", "tell",
    "much", "many", "kind", "type", "name", "named",
];

/// Ukrainian function words and question words.
const UKRAINIAN_STOPWORDS: &[&str] = &[
    "а",
    "або",
    "але",
    "б",
    "без",
    "би",
    "був",
    "була",
    "були",
    "було",
    "бути",
    "в",
    "вам",
    "вас",
    "ви",
    "від",
    "він",
    "вона",
    "вони",
    "воно",
    "все",
    "всі",
    "де",
    "для",
    "до",
    "є",
    "ж",
    "же",
    "з",
    "за",
    "зі",
    "і",
    "із",
    "й",
    "його",
    "її",
    "їх",
    "коли",
    "котрий",
    "куди",
    "ледве",
    "лише",
    "між",
    "мене",
    "ми",
    "на",
    "над",
    "навіщо",
    "нам",
    "нас",
    "не",
    "неї",
    "ні",
    "них",
    "ну",
    "о",
    "об",
    "от",
    "очевидно",
    "по",
    "при",
    "про",
    "с",
    "та",
    "так",
    "також",
    "там",
    "те",
    "ти",
    "то",
    "тобто",
    "той",
    "ту",
    "у",
    "усі",
    "хто",
    "це",
    "цей",
    "ці",
    "цього",
    "цьому",
    "цю",
    "ця",
    "чи",
    "чого",
    "чому",
    "що",
    "щоб",
    "як",
    "яка",
    "який",
    "які",
    "якщо",
    "яких",
    "скільки",
    "сказав",
    "сказала",
    "каже",
    "казав",
];

/// Guesses an article's language from its letters: Cyrillic text with Ukrainian-only
/// letters (і ї є ґ) is "uk", other Cyrillic "ru", Latin "en"; otherwise "und".
pub fn detect_language(text: &str) -> &'static str {
    let (mut latin, mut cyrillic, mut ukrainian, mut russian) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().take(20_000) {
        if c.is_ascii_alphabetic() || is_latin(c) {
            latin += 1;
        } else if is_cyrillic(c) {
            cyrillic += 1;
            match c.to_lowercase().next().unwrap_or(c) {
                'і' | 'ї' | 'є' | 'ґ' => ukrainian += 1,
                'ы' | 'э' | 'ё' | 'ъ' => russian += 1,
                _ => {}
            }
        }
    }
    if cyrillic > latin {
        if ukrainian >= russian { "uk" } else { "ru" }
    } else if latin > 0 {
        "en"
    } else {
        "und"
    }
}

/// Byte ranges of the sentences of a paragraph, trimmed of surrounding whitespace.
///
/// A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets) when
/// whitespace and an upper-case letter, digit or opening quote follow. Abbreviations
/// like "U.S." or "Mr." with a capitalised word after them are the known false breaks;
/// the excerpt logic tolerates them by joining short neighbours.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut from = 0;
    // Only the text around sentence-ending marks is looked at char by char.
    while let Some(found) = text[from..].find(['.', '!', '?', '…']) {
        let mark = from + found;
        let after_mark = mark + text[mark..].chars().next().map_or(1, char::len_utf8);
        let closers = text[after_mark..]
            .chars()
            .take_while(|c| matches!(c, '"' | '”' | '’' | '\'' | ')' | '»' | ']' | '.' | '!' | '?'))
            .map(char::len_utf8)
            .sum::<usize>();
        let end = after_mark + closers;
        let next_start =
            end + text[end..].chars().take_while(|c| c.is_whitespace()).map(char::len_utf8).sum::<usize>();
        let boundary = next_start > end
            && text[next_start..].chars().next().is_some_and(|c| {
                c.is_uppercase()
                    || c.is_ascii_digit()
                    || matches!(c, '"' | '“' | '«' | '\'' | '‘' | '(' | '[')
            })
            && !is_abbreviation(&text[start..mark]);
        if boundary {
            push_trimmed(text, start, end, &mut out);
            start = next_start;
            from = next_start;
        } else {
            from = after_mark;
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

/// True when the text before a period ends in a title or a single initial ("Mr",
/// "Dr", "J"), after which a capitalised word does not start a new sentence.
fn is_abbreviation(before: &str) -> bool {
    let last = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let single_upper = {
        let mut it = last.chars();
        matches!((it.next(), it.next()), (Some(c), None) if c.is_uppercase())
    };
    single_upper
        || matches!(
            last,
            "Mr" | "Mrs"
                | "Ms"
                | "Dr"
                | "Prof"
                | "St"
                | "Gen"
                | "Sen"
                | "Rep"
                | "Gov"
                | "Lt"
                | "Col"
                | "Jr"
                | "Sr"
                | "vs"
                | "No"
                | "Jan"
                | "Feb"
                | "Aug"
                | "Sept"
                | "Oct"
                | "Nov"
                | "Dec"
                | "Inc"
                | "Co"
                | "Corp"
                | "Ltd"
                | "etc"
                | "approx"
        )
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        out.push((start + lead, end - trail));
    }
}

/// Byte ranges of the sentences of a passage: each line is split on its own, so a
/// caption or a heading never runs into the paragraph after it.
pub fn passage_sentences(passage: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut line_start = 0;
    for line in passage.split_inclusive('\n') {
        for (s, e) in sentences(line) {
            spans.push(line_start + s..line_start + e);
        }
        line_start += line.len();
    }
    spans
}

/// The term the index holds at every sentence break of a text, so ranking can tell
/// from positions alone which sentence a word is in. [`analyze`] never produces it
/// (it is not a word character), so no question can search for it.
pub const SENTENCE_BREAK: &str = "\u{2029}";

/// Feeds [`analyze`] to tantivy, so the index sees exactly the terms queries and
/// excerpts see. Stopwords are left out (a question never searches for them), and
/// positions count content words only: two question words with nothing but
/// stopwords between them ("president of the union") sit at adjacent positions.
/// Between sentences ([`passage_sentences`]) stands a [`SENTENCE_BREAK`].
#[derive(Clone, Default)]
pub struct NewsTokenizer {
    token: tantivy::tokenizer::Token,
}

pub struct NewsTokenStream<'a> {
    terms: std::vec::IntoIter<Term>,
    /// Start offsets of the sentences after the current one.
    breaks: std::iter::Peekable<std::vec::IntoIter<usize>>,
    /// A word held back while the break before it is emitted.
    pending: Option<Term>,
    token: &'a mut tantivy::tokenizer::Token,
    position: usize,
}

impl tantivy::tokenizer::Tokenizer for NewsTokenizer {
    type TokenStream<'a> = NewsTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NewsTokenStream<'a> {
        self.token.reset();
        let breaks: Vec<usize> = passage_sentences(text).iter().skip(1).map(|span| span.start).collect();
        NewsTokenStream {
            terms: analyze(text).into_iter(),
            breaks: breaks.into_iter().peekable(),
            pending: None,
            token: &mut self.token,
            position: 0,
        }
    }
}

impl tantivy::tokenizer::TokenStream for NewsTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let term = match self.pending.take() {
            Some(term) => term,
            None => {
                let Some(term) = self.terms.by_ref().find(|t| !t.stopword) else { return false };
                // One break for any number of sentences passed since the last word.
                let mut at = None;
                while let Some(&start) = self.breaks.peek()
                    && start <= term.start
                {
                    at = Some(start);
                    self.breaks.next();
                }
                if let Some(start) = at
                    && self.position > 0
                {
                    self.token.text.clear();
                    self.token.text.push_str(SENTENCE_BREAK);
                    self.token.offset_from = start;
                    self.token.offset_to = start;
                    self.token.position = self.position;
                    self.token.position_length = 1;
                    self.position += 1;
                    self.pending = Some(term);
                    return true;
                }
                term
            }
        };
        self.token.text = term.text;
        self.token.offset_from = term.start;
        self.token.offset_to = term.end;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
        true
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        self.token
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
    fn sentences_split_on_terminal_punctuation() {
        let text = "Mr. Rutte came. He said \"no.\" Then U.S. troops left! Done";
        let parts: Vec<&str> = sentences(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(parts, ["Mr. Rutte came.", "He said \"no.\"", "Then U.S. troops left!", "Done"]);
    }

    #[test]
    fn language_is_detected_from_letters() {
        assert_eq!(detect_language("НАТО може стати тилом для миротворців"), "uk");
        assert_eq!(detect_language("NATO committed to helping Ukraine"), "en");
        assert_eq!(detect_language("1234"), "und");
    }
}
