//! Sentence boundaries of a paragraph and of a passage of paragraphs.

/// Words a section heading has at most ("Ukrainian MPs react: praise and
/// skepticism"); a longer line without a closing mark is a headline of its own.
pub const HEADING_WORDS: usize = 12;

/// Whether a paragraph (a whole line) reads as a heading rather than prose: a few
/// words (at most `max_words`), at least one a capitalised word, and no mark
/// that closes a sentence or introduces what follows at its end.
pub fn is_heading(paragraph: &str, max_words: usize) -> bool {
    let line = paragraph.trim();
    // The cheap tests first: most lines are prose and end with a mark.
    !line.ends_with(['.', '!', '?', '…', '"', '”', '»', '\'', '’', ':', ';', ',', ')', ']'])
        && line.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && (2..=max_words).contains(&line.split_whitespace().count())
        && line.chars().count() <= 200
}

/// Whether the sentence at `span` of a passage is a section heading: alone on its
/// line, and [`is_heading`]. Excerpts never include one.
pub fn is_heading_sentence(passage: &str, span: std::ops::Range<usize>) -> bool {
    // Whether it is a heading first: finding its line can mean scanning the
    // passage, and most sentences are prose.
    is_heading(&passage[span.clone()], HEADING_WORDS)
        && passage[..span.start].rsplit('\n').next().is_some_and(|b| b.trim().is_empty())
        && passage[span.end..].split('\n').next().is_some_and(|a| a.trim().is_empty())
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

/// Byte offset of the next `.`, `!`, `?` or `…` at or after `from`, found with
/// `memchr`, which is several times cheaper than searching character by character.
fn next_mark(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let ascii = memchr::memchr3(b'.', b'!', b'?', &bytes[from..]).map(|at| from + at);
    // '…' opens with 0xE2, as do other punctuation marks (such as quotes): it is
    // looked for only before the next ASCII mark.
    let mut at = from;
    while let Some(found) = memchr::memchr(0xE2, &bytes[at..ascii.unwrap_or(bytes.len())]) {
        if text[at + found..].starts_with('…') {
            return Some(at + found);
        }
        at += found + 1;
    }
    ascii
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
pub(super) fn passage_sentences_into(passage: &str, push: &mut impl FnMut(usize, usize)) {
    let mut line_start = 0;
    for line in passage.split_inclusive('\n') {
        sentences_into(line, line_start, push);
        line_start += line.len();
    }
}
