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
struct TermRef<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    script: Script,
    stopword: bool,
}

/// [`analyze`] without allocating per word: `each` sees every term in order, its
/// text in a buffer that is reused for the next one. Indexing goes through here.
fn analyze_each(text: &str, words_buf: &mut Vec<(usize, usize)>, mut each: impl FnMut(TermRef<'_>)) {
    let mut term = String::new();
    words_buf.clear();
    words_buf.extend(words(text));
    join_dotted_acronyms(text, words_buf);
    for &(start, end) in words_buf.iter() {
        term.clear();
        if let Some((script, stopword)) = analyze_word(&text[start..end], &mut term) {
            each(TermRef { text: &term, start, end, script, stopword });
        }
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
fn analyze_word(raw: &str, out: &mut String) -> Option<(Script, bool)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    if raw.len() > CACHED_WORD_BYTES {
        return analyze_uncached(raw, out);
    }
    // FxHash: the keys are short words from our own text, not attacker-chosen
    // at scale, and SipHash showed up as a tenth of question time.
    thread_local! {
        static CACHE: RefCell<HashMap<Box<str>, Option<Analysed>, rustc_hash::FxBuildHasher>> =
            RefCell::new(HashMap::default());
    }
    CACHE.with(|cache| {
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
        let analysed = analyze_uncached(raw, out);
        let remembered =
            analysed.map(|(script, stopword)| Analysed { text: out[from..].into(), script, stopword });
        cache.insert(raw.into(), remembered);
        analysed
    })
}

fn analyze_uncached(raw: &str, out: &mut String) -> Option<(Script, bool)> {
    let mut word = String::new();
    let script = normalise(raw, &mut word);
    if word.is_empty() || word.len() > MAX_TERM_BYTES {
        return None;
    }
    let stopword = is_stopword(&word) && !is_shouted_name(raw, &word);
    // Stopwords are never searched or matched: they keep their plain form.
    if stopword {
        out.push_str(&word);
    } else {
        out.push_str(&stem(script, &word));
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

/// Byte ranges of raw words: runs of letters and digits, with apostrophes inside a
/// word, and `.`/`,` between digits, kept as part of it.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let char_at = |i: usize| text[i..].chars().next();
    let mut pos = 0;
    std::iter::from_fn(move || {
        // Skip to the start of the next word; ASCII spaces and punctuation byte by byte.
        let start = loop {
            while bytes.get(pos).is_some_and(|b| b.is_ascii() && !b.is_ascii_alphanumeric()) {
                pos += 1;
            }
            let c = char_at(pos)?;
            if is_word_char(c) {
                break pos;
            }
            pos += c.len_utf8();
        };
        // The word's first character is a word character, so `prev` is set before
        // it is read.
        let mut prev = ' ';
        loop {
            // ASCII letters and digits, the bulk of most text, byte by byte.
            let run = bytes[pos..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            if run > 0 {
                pos += run;
                prev = char::from(bytes[pos - 1]);
            }
            let Some(c) = char_at(pos) else { break };
            if is_word_char(c) || is_joiner(c) {
                pos += c.len_utf8();
                prev = c;
                continue;
            }
            let glue =
                is_apostrophe(c) && prev.is_alphabetic() || matches!(c, '.' | ',') && prev.is_ascii_digit();
            if glue {
                let after = char_at(pos + c.len_utf8());
                let continues = match after {
                    Some(n) if is_apostrophe(c) => n.is_alphabetic(),
                    Some(n) => n.is_ascii_digit(),
                    None => false,
                };
                if continues {
                    pos += c.len_utf8();
                    prev = c;
                    continue;
                }
            }
            break;
        }
        Some((start, pos))
    })
}

/// A letter or digit; the common Latin and Cyrillic letters without a table look-up.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, 'А'..='я' | 'і' | 'ї' | 'є' | 'ґ')
        || !c.is_ascii() && c.is_alphanumeric()
}

/// Combining marks and zero-width joiners stay inside the word they decorate.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '′')
}

/// Joins "U", "S" of "U.S." into one word, so the acronym is findable as "us".
fn join_dotted_acronyms(text: &str, words: &mut Vec<(usize, usize)>) {
    let single_letter = |&(s, e): &(usize, usize)| {
        e - s <= 4 && {
            let mut it = text[s..e].chars();
            matches!((it.next(), it.next()), (Some(c), None) if c.is_alphabetic())
        }
    };
    // Joined in place: `kept` words are done, the rest are still to look at.
    let mut kept = 0;
    let mut run_open = false;
    for i in 0..words.len() {
        let w = words[i];
        if run_open && &text[words[kept - 1].1..w.0] == "." && single_letter(&w) {
            words[kept - 1].1 = w.1;
            continue;
        }
        run_open = text.as_bytes().get(w.1) == Some(&b'.') && single_letter(&w);
        words[kept] = w;
        kept += 1;
    }
    words.truncate(kept);
}

/// Lowercases `raw` into `out`, drops the dots of acronyms and the commas of numbers,
/// unifies apostrophes and folds Latin diacritics; returns the word's script.
fn normalise(raw: &str, out: &mut String) -> Script {
    // Most words are plain ASCII letters and digits: lowercased in place.
    if raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let from = out.len();
        out.push_str(raw);
        out.as_mut_str()[from..].make_ascii_lowercase();
        return if raw.bytes().any(|b| b.is_ascii_alphabetic()) { Script::Latin } else { Script::Number };
    }
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

/// Snowball English for Latin words, Snowball Ukrainian (and a light pass) for
/// Cyrillic ones; numbers and other scripts are kept as they are.
fn stem(script: Script, word: &str) -> String {
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
    sentences_into(text, 0, &mut |s, e| out.push((s, e)));
    out
}

/// [`sentences`], handing each span, shifted by `base`, to `push`.
fn sentences_into(text: &str, base: usize, push: &mut impl FnMut(usize, usize)) {
    let mut start = 0;
    let mut from = 0;
    // Only the text around sentence-ending marks is looked at char by char.
    while let Some(mark) = next_mark(text, from) {
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
            push_trimmed(text, start, end, base, push);
            start = next_start;
            from = next_start;
        } else {
            from = after_mark;
        }
    }
    push_trimmed(text, start, text.len(), base, push);
}

/// Byte offset of the next `.`, `!`, `?` or `…` at or after `from`, found byte by
/// byte, which is several times cheaper than searching character by character.
fn next_mark(text: &str, mut from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        // 0xE2 leads '…' (and other punctuation, such as quotes).
        let at = from + bytes[from..].iter().position(|&b| matches!(b, b'.' | b'!' | b'?' | 0xE2))?;
        if bytes[at] != 0xE2 || text[at..].starts_with('…') {
            return Some(at);
        }
        from = at + 1;
    }
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

fn push_trimmed(text: &str, start: usize, end: usize, base: usize, push: &mut impl FnMut(usize, usize)) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        push(base + start + lead, base + end - trail);
    }
}

/// Byte ranges of the sentences of a passage: each line is split on its own, so a
/// caption or a heading never runs into the paragraph after it.
pub fn passage_sentences(passage: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    passage_sentences_into(passage, &mut |s, e| spans.push(s..e));
    spans
}

/// [`passage_sentences`], handing each span to `push`.
fn passage_sentences_into(passage: &str, push: &mut impl FnMut(usize, usize)) {
    let mut line_start = 0;
    for line in passage.split_inclusive('\n') {
        sentences_into(line, line_start, push);
        line_start += line.len();
    }
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
///
/// A text's tokens are worked out when its stream is made, into buffers the
/// tokenizer keeps from text to text, so indexing allocates nothing per word.
#[derive(Clone, Default)]
pub struct NewsTokenizer {
    token: tantivy::tokenizer::Token,
    /// The token texts of the current text, one after another.
    texts: String,
    tokens: Vec<Indexed>,
    /// Scratch: the raw words of the current text, and its sentence starts.
    words: Vec<(usize, usize)>,
    breaks: Vec<usize>,
}

/// One token of the current text: where its text is in [`NewsTokenizer::texts`],
/// and its byte offsets in the analysed text.
#[derive(Clone)]
struct Indexed {
    text: std::ops::Range<usize>,
    from: usize,
    to: usize,
}

pub struct NewsTokenStream<'a> {
    texts: &'a str,
    /// Positions count tokens, breaks included: a token's position is its index.
    tokens: std::iter::Enumerate<std::slice::Iter<'a, Indexed>>,
    token: &'a mut tantivy::tokenizer::Token,
}

impl tantivy::tokenizer::Tokenizer for NewsTokenizer {
    type TokenStream<'a> = NewsTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NewsTokenStream<'a> {
        let NewsTokenizer { token, texts, tokens, words, breaks } = self;
        token.reset();
        texts.clear();
        tokens.clear();
        // Start offsets of the sentences after the first.
        breaks.clear();
        passage_sentences_into(text, &mut |start, _| breaks.push(start));
        let mut breaks = breaks.iter().copied().skip(1).peekable();
        analyze_each(text, words, |term| {
            if term.stopword {
                return;
            }
            // One break for any number of sentences passed since the last word.
            let mut at = None;
            while let Some(start) = breaks.next_if(|&start| start <= term.start) {
                at = Some(start);
            }
            if let Some(start) = at
                && !tokens.is_empty()
            {
                let from = texts.len();
                texts.push_str(SENTENCE_BREAK);
                tokens.push(Indexed { text: from..texts.len(), from: start, to: start });
            }
            let from = texts.len();
            texts.push_str(term.text);
            tokens.push(Indexed { text: from..texts.len(), from: term.start, to: term.end });
        });
        NewsTokenStream { texts, tokens: tokens.iter().enumerate(), token }
    }
}

impl tantivy::tokenizer::TokenStream for NewsTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((position, next)) = self.tokens.next() else { return false };
        self.token.text.clear();
        self.token.text.push_str(&self.texts[next.text.clone()]);
        self.token.offset_from = next.from;
        self.token.offset_to = next.to;
        self.token.position = position;
        self.token.position_length = 1;
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
    fn language_is_detected_from_letters() {
        assert_eq!(detect_language("НАТО може стати тилом для миротворців"), "uk");
        assert_eq!(detect_language("NATO committed to helping Ukraine"), "en");
        assert_eq!(detect_language("1234"), "und");
    }
}
