//! Splitting articles into passages, the unit the index stores and ranks, and the
//! sentences of a passage that get vectors.

use crate::analysis::sentences;
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
/// [`PASSAGE_MAX_CHARS`] / 2 characters each.
fn split_long(paragraph: &str) -> Vec<&str> {
    let target = PASSAGE_MAX_CHARS / 2;
    let mut out = Vec::new();
    let mut start = 0;
    let mut len = 0;
    let spans = crate::analysis::sentences(paragraph);
    for (i, &(s, e)) in spans.iter().enumerate() {
        let _ = s;
        len += paragraph[s..e].chars().count();
        let last = i + 1 == spans.len();
        if len >= target || last {
            let end = if last { paragraph.len() } else { e };
            out.push(paragraph[start..end].trim());
            start = end;
            len = 0;
        }
    }
    out.retain(|p| !p.is_empty());
    if out.is_empty() {
        out.push(paragraph);
    }
    out
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
        .map(|(s, e)| (vectors::key_of(body[s..e].trim()), (s, e)))
        .collect()
}
