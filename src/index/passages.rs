//! Splitting articles into passages, the unit the index stores and ranks, and the
//! sentences of a passage that get vectors.

use crate::analysis::{is_heading_sentence, sentences};
use crate::ingest::Article;
use crate::retrieve::semantic::vectors;

/// Paragraphs are gathered into one passage until it reaches this many characters.
const PASSAGE_TARGET_CHARS: usize = 600;

/// A paragraph longer than this is split at sentence boundaries into passages.
const PASSAGE_MAX_CHARS: usize = 1500;

/// Splits an article into passages: runs of whole paragraphs of about
/// [`PASSAGE_TARGET_CHARS`], with over-long paragraphs split at sentence ends.
/// Passages do not overlap, so joining them gives back the article.
pub fn passages(article: &Article) -> Vec<String> {
    let mut out = Vec::new();
    // The passage being gathered, and its length in characters.
    let mut current = String::new();
    let mut current_chars = 0;
    let flush = |current: &mut String, current_chars: &mut usize, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
        *current_chars = 0;
    };
    for paragraph in &article.paragraphs {
        let paragraph_chars = paragraph.chars().count();
        let pieces = if paragraph_chars > PASSAGE_MAX_CHARS {
            split_long(paragraph).into_iter().map(|piece| (piece, piece.chars().count())).collect()
        } else {
            vec![(paragraph.as_str(), paragraph_chars)]
        };
        for (piece, piece_chars) in pieces {
            if !current.is_empty() && current_chars + piece_chars > PASSAGE_MAX_CHARS {
                flush(&mut current, &mut current_chars, &mut out);
            }
            if !current.is_empty() {
                current.push('\n');
                current_chars += 1;
            }
            current.push_str(piece);
            current_chars += piece_chars;
            if current_chars >= PASSAGE_TARGET_CHARS {
                flush(&mut current, &mut current_chars, &mut out);
            }
        }
    }
    flush(&mut current, &mut current_chars, &mut out);
    out
}

/// Cuts an over-long paragraph into runs of sentences of at most about
/// [`PASSAGE_MAX_CHARS`] / 2 characters each. A run still over [`PASSAGE_MAX_CHARS`]
/// (one sentence that long: a list, a table, text without punctuation) is cut at
/// word boundaries instead, so no passage is ever longer than that, and ranking and
/// excerpts never work through more than one passage's worth of text at a time.
fn split_long(paragraph: &str) -> Vec<&str> {
    let target = PASSAGE_MAX_CHARS / 2;
    let mut out = Vec::new();
    let mut start = 0;
    let mut len = 0;
    let spans = crate::analysis::sentences(paragraph);
    for (i, &(s, e)) in spans.iter().enumerate() {
        len += paragraph[s..e].chars().count();
        let last = i + 1 == spans.len();
        if len >= target || last {
            let end = if last { paragraph.len() } else { e };
            let run = paragraph[start..end].trim();
            if run.chars().count() > PASSAGE_MAX_CHARS {
                cut_at_words(run, target, &mut out);
            } else {
                out.push(run);
            }
            start = end;
            len = 0;
        }
    }
    out.retain(|p| !p.is_empty());
    if out.is_empty() {
        cut_at_words(paragraph, target, &mut out);
    }
    out
}

/// Cuts `text` into pieces of at most `max_chars` characters, each ending at the
/// last whitespace that fits (a longer word is cut where the limit falls), trimmed.
fn cut_at_words<'a>(text: &'a str, max_chars: usize, out: &mut Vec<&'a str>) {
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((limit, next)) = rest.char_indices().nth(max_chars) else {
            out.push(rest);
            return;
        };
        // A whitespace right after a full piece is a word boundary too.
        let cut = match rest[..limit + next.len_utf8()].rfind(char::is_whitespace) {
            Some(space) if space > 0 => space,
            _ => limit,
        };
        out.push(rest[..cut].trim_end());
        rest = rest[cut..].trim_start();
    }
}

/// Sentences shorter than this are not embedded (captions, fragments).
const VECTOR_SENTENCE_MIN_CHARS: usize = 25;

/// The sentences of a passage that get vectors, with their keys: a question is
/// matched by meaning against single sentences, which is where facts sit, and the
/// best one is the excerpt.
pub fn vector_sentences(body: &str) -> Vec<(u64, (usize, usize))> {
    sentences(body)
        .into_iter()
        .filter(|&(s, e)| body[s..e].trim().chars().count() >= VECTOR_SENTENCE_MIN_CHARS)
        .filter(|&(s, e)| !is_heading_sentence(body, s..e))
        .map(|(s, e)| (vectors::key_of(body[s..e].trim()), (s, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(paragraphs: &[&str]) -> Article {
        Article {
            id: "a".into(),
            title: "A title".into(),
            source: None,
            date: None,
            url: None,
            lang: "en".into(),
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn text_without_sentence_ends_is_cut_at_words() {
        let paragraph = "Київ buffalo ".repeat(2_000);
        let passages = passages(&article(&["A short lead.", &paragraph]));
        assert!(passages.len() >= paragraph.chars().count() / (PASSAGE_MAX_CHARS / 2), "{}", passages.len());
        for passage in &passages {
            assert!(passage.chars().count() <= PASSAGE_MAX_CHARS, "{}", passage.chars().count());
            assert!(words(passage).iter().all(|w| ["A", "short", "lead.", "Київ", "buffalo"].contains(w)));
        }
        assert_eq!(words(&passages.join(" ")), words(&format!("A short lead. {paragraph}")));
    }

    #[test]
    fn one_over_long_sentence_among_normal_ones_is_cut_alone() {
        let long = format!("It began {} and ended.", "with many clauses ".repeat(200));
        let paragraph = format!("The first sentence is short. {long} The last sentence is short too.");
        let passages = passages(&article(&[&paragraph]));
        assert!(passages.iter().all(|p| p.chars().count() <= PASSAGE_MAX_CHARS), "{passages:#?}");
        assert!(passages[0].starts_with("The first sentence is short. It began"), "{}", passages[0]);
        assert!(passages.last().unwrap().ends_with("The last sentence is short too."));
        assert_eq!(words(&passages.join(" ")), words(&paragraph));
    }

    #[test]
    fn a_word_longer_than_a_piece_is_cut_where_the_limit_falls() {
        let junk = "ж".repeat(4_000);
        let passages = passages(&article(&[&junk]));
        assert_eq!(passages.concat(), junk);
        assert!(passages.iter().all(|p| p.chars().count() <= PASSAGE_MAX_CHARS / 2), "{passages:#?}");
    }
}
