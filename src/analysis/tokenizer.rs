//! The adapter that feeds [`analyze`](super::analyze) to tantivy.

use super::{analyze_each, passage_sentences_into};

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
