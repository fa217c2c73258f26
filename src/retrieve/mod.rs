//! Ranking: from a question to the passages that answer it, before their text is
//! read.
//!
//! The question is analysed with the same [`analysis`](crate::analysis) as the text
//! and its terms (never parsed as query syntax) looked up once per segment
//! ([`terms`]); BM25 over body and title, term at a time ([`bm25`]), gives the
//! candidates, which are re-ranked by how well their best sentence matches
//! ([`rank`]). With the [`semantic`] layer on, sentences nearest in meaning and
//! names across scripts join the ranking ([`semantic::hybrid`]). The result is a
//! list of [`Citations`]; [`crate::answer`] reads their text and cuts the excerpts.
//!
//! This module does not depend on teloxide and never formats output for a front end.

mod bm25;
pub mod filters;
pub(crate) mod rank;
pub mod semantic;
pub(crate) mod specific;
pub(crate) mod terms;
pub(crate) mod typos;

use tantivy::DocAddress;

pub(crate) use rank::BIGRAM_BONUS;
pub use terms::QueryTerms;

/// Builds the lists questions are read with (the English word list, with each
/// word's share and by opening for typos) on a thread of its own, once per process,
/// so that the first question asked does not wait for them.
pub(crate) fn warm_up() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            specific::warm_up();
            typos::warm_up();
        });
    });
}

/// Default share of the question's term weight the best passage must contain for
/// the question to count as answered. Chosen on the seed question set and SQuAD dev:
/// see README.md.
pub const DEFAULT_MIN_COVERAGE: f32 = 0.35;

/// Options for one question.
#[derive(Clone, Copy, Debug)]
pub struct AskOptions {
    /// Results wanted, from distinct articles.
    pub k: usize,
    /// Results to skip (for "More").
    pub offset: usize,
    /// See [`DEFAULT_MIN_COVERAGE`].
    pub min_coverage: f32,
    /// Keep results too weak to cite (for evaluation, which ranks every question);
    /// [`Answer::answered`] still says whether the first one is strong enough.
    pub keep_weak: bool,
}

impl Default for AskOptions {
    fn default() -> Self {
        AskOptions { k: 3, offset: 0, min_coverage: DEFAULT_MIN_COVERAGE, keep_weak: false }
    }
}

/// How a cited passage was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// By its words (BM25 and sentence match).
    Lexical,
    /// By meaning only (nearest vectors): possibly in another language.
    Semantic,
    /// Both.
    Both,
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Lexical => "lexical",
            Match::Semantic => "semantic",
            Match::Both => "both",
        }
    }
}

/// Passages chosen to cite, before their text is read.
pub(crate) struct Citations {
    pub(crate) cited: Vec<Cited>,
    /// Coverage of the best passage's words, shown or not.
    pub(crate) coverage: f32,
    /// Whether the best passage is strong enough to cite.
    pub(crate) answered: bool,
}

pub(crate) struct Cited {
    pub(crate) address: DocAddress,
    pub(crate) score: f32,
    pub(crate) matched: Match,
    /// For a passage found by meaning only: the key of its sentence nearest the
    /// question, which is the excerpt.
    pub(crate) sentence: Option<u64>,
    /// For a passage found by its words that also holds the article's sentence
    /// nearest the question in meaning: that sentence's key, which the excerpt
    /// leans toward.
    pub(crate) near: Option<u64>,
    /// Strong enough to cite on its own (kept weak ones are not).
    pub(crate) strong: bool,
    /// For a passage found by meaning only: the article's other sentences nearly as
    /// near the question, nearest first, with their passages. One that holds more
    /// of the question's numbers than `sentence` is quoted instead.
    pub(crate) others: Vec<(u64, DocAddress)>,
}

impl Cited {
    pub(crate) fn lexical(address: DocAddress, score: f32, strong: bool) -> Cited {
        Cited {
            address,
            score,
            matched: Match::Lexical,
            sentence: None,
            near: None,
            strong,
            others: Vec::new(),
        }
    }
}
