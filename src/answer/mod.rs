//! The answer to a question: the ranked passages' excerpts, cited.
//!
//! [`NewsIndex::ask`] reads top to bottom as the answer path: the question's terms
//! ([`crate::retrieve::terms`]), the ranked articles (lexical, or hybrid with the
//! semantic layer), the refusal when even the best covers too little, then the
//! excerpts of only the passages shown ([`excerpt`]), and the [`Answer`].
//!
//! This module does not depend on teloxide and never formats output for a front end.

pub mod excerpt;

use std::time::Instant;

use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

pub use crate::retrieve::{AskOptions, DEFAULT_MIN_COVERAGE, Match};

use crate::analysis::detect_language;
use crate::index::{NewsIndex, SearchError, opt_text, text_of};
use crate::retrieve::{Cited, QueryTerms};
use excerpt::{Excerpt, PassageMatch, sentence_excerpt};

/// The answer to one question.
#[derive(Clone, Debug)]
pub struct Answer {
    pub question: String,
    /// False when nothing relevant was found; `hits` is then empty.
    pub answered: bool,
    pub hits: Vec<Hit>,
    /// Share of the question's term weight found in the best passage, 0..=1.
    pub coverage: f32,
    pub took: std::time::Duration,
}

/// One cited passage.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// 1-based rank within the answer (counting skipped results).
    pub rank: usize,
    pub article_id: String,
    pub title: String,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub lang: String,
    /// Index of the passage within its article.
    pub passage: u64,
    pub excerpt: Excerpt,
    pub score: f32,
    /// How the passage was found.
    pub matched: Match,
    /// The article is in another language than the question.
    pub foreign: bool,
}

impl NewsIndex {
    /// Answers a question with cited passages from distinct articles: by their
    /// words, and with the semantic layer on, by meaning too.
    pub fn ask(&self, question: &str, options: AskOptions) -> Result<Answer, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let (query, lookups) = self.query_terms(&searcher, question)?;
        // Ranked articles, with the refusal decided: what to cite, before any text
        // is read.
        let cited = match self.question_vector(question, &query) {
            Some((semantic, vector)) => {
                self.hybrid(&searcher, &query, &lookups, semantic, &vector, options, question)?
            }
            None => self.rank(&searcher, &query, &lookups, options)?.citations(options.min_coverage),
        };
        // Only the passages shown are read and analysed, for their excerpts.
        let asked_in = detect_language(question);
        let mut hits = Vec::with_capacity(cited.cited.len());
        for (i, passage) in cited.cited.into_iter().enumerate() {
            hits.push(self.cite(&searcher, &query, passage, options.offset + i + 1, asked_in)?);
        }
        Ok(Answer {
            question: question.to_owned(),
            answered: cited.answered,
            hits,
            coverage: cited.coverage,
            took: started.elapsed(),
        })
    }

    /// Reads a passage chosen to cite and cuts its excerpt: the sentence nearest in
    /// meaning for one found by meaning only, else the sentences that match the
    /// question's words best.
    fn cite(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        cited: Cited,
        rank: usize,
        asked_in: &str,
    ) -> Result<Hit, SearchError> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(cited.address)?;
        let body = text_of(&doc, f.body);
        let excerpt = match cited.sentence {
            Some(key) => sentence_excerpt(&body, key),
            None => PassageMatch::new(&body, query).excerpt(&body, query),
        };
        let lang = text_of(&doc, f.lang);
        Ok(Hit {
            rank,
            article_id: text_of(&doc, f.article_id),
            title: text_of(&doc, f.title),
            source: opt_text(&doc, f.source),
            date: opt_text(&doc, f.date),
            url: opt_text(&doc, f.url),
            foreign: !lang.is_empty() && asked_in != "und" && lang != asked_in,
            lang,
            passage: doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0),
            excerpt,
            score: cited.score,
            matched: cited.matched,
        })
    }
}
