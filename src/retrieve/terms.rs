//! The question as the index sees it: its content terms weighted by IDF, and where
//! each sits in every segment, looked up once per question.

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::columnar::Column;
use tantivy::postings::TermInfo;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{DocAddress, Searcher, Term};

use super::{specific, typos};
use crate::analysis::{Asks, Script, analyze, asks_and_words};
use crate::index::{ARTICLE_KEY, NewsIndex, SearchError};
use crate::retrieve::filters::index::Restriction;

/// Terms found in more passages than this are left out of the BM25 candidate query
/// when the question has a rarer one: on a large archive their long posting lists
/// were most of a question's time (1M passages: p99 28 ms with them, 7 to 9 ms
/// without)
/// while they pick out nothing. They still count when candidates are re-ranked
/// (their weight where present, in the best sentence and in coverage). No SQuAD term
/// reaches it (2,067 paragraphs).
pub(crate) const COMMON_PASSAGES: u64 = 20_000;

/// The question, reduced to what matching needs: each content term with its weight,
/// and the pairs of terms that are adjacent in the question.
#[derive(Clone, Debug, Default)]
pub struct QueryTerms {
    /// Stemmed term → weight (IDF). Stopwords are left out unless the question has
    /// nothing else.
    pub weights: FxHashMap<String, f32>,
    pub bigrams: Vec<(String, String)>,
    /// Stemmed term → its weight in general English ([`specific`]); empty when a
    /// term is in a script the word list cannot judge, and the question is then
    /// judged by `weights` alone.
    pub english: FxHashMap<String, f32>,
    /// What a passage must hold of the question in general English to be cited,
    /// besides its share of the archive's weights ([`specific::EnglishBar`]).
    pub(crate) english_bar: specific::EnglishBar,
    /// What the question asks for, and its words (lowercased): excerpts prefer a
    /// sentence that offers that beyond repeating the question. Read on the
    /// answer path only ([`QueryTerms::read_asks`]): ranking does without.
    pub asks: Asks,
    pub asked: Vec<String>,
    /// Words no passage holds, read as typos ([`typos`]): each as typed, and the
    /// term it was read as.
    pub corrected: Vec<(String, String)>,
}

impl QueryTerms {
    /// Reads what `question` asks for, and its words when it asks for something
    /// ([`asks_and_words`]).
    pub(crate) fn read_asks(&mut self, question: &str) {
        let (asks, words) = asks_and_words(question);
        self.asks = asks;
        self.asked = if asks == Asks::Anything { Vec::new() } else { words };
    }

    /// The weight of all the question's terms together; coverage is measured
    /// against it.
    pub fn total_weight(&self) -> f32 {
        self.weights.values().sum()
    }

    /// A term's weight in general English ([`QueryTerms::english`]); for a word
    /// the list cannot weigh (another script), its weight in the archive.
    pub(crate) fn english_weight(&self, term: &str) -> f32 {
        self.english.get(term).copied().unwrap_or(self.weights[term])
    }
}

/// The question's distinct content terms, as looked up in the index once per
/// question: their document frequencies (for BM25) and
/// where their postings sit in each segment (for [`NewsIndex::match_positions`]).
#[derive(Default)]
pub(crate) struct Lookups {
    pub(crate) terms: Vec<String>,
    pub(crate) body: Vec<Term>,
    pub(crate) title: Vec<Term>,
    pub(crate) body_df: Vec<u64>,
    pub(crate) title_df: Vec<u64>,
    /// Whether the term is in the BM25 candidate query (see [`COMMON_PASSAGES`]).
    pub(crate) searched: Vec<bool>,
    /// Per segment, per term: its body and title postings, when present.
    pub(crate) infos: Vec<Vec<(Option<TermInfo>, Option<TermInfo>)>>,
    /// Per segment, the [`ARTICLE_KEY`] column: ranking keeps one passage per
    /// article without reading ids.
    pub(crate) article_keys: ArticleKeys,
    /// The question's filters, when it has any: only passages they let through
    /// are ranked.
    pub(crate) restriction: Option<Restriction>,
}

impl Lookups {
    /// Finds the postings of `terms` (indexes into [`Lookups::terms`]) in every
    /// segment, and their document frequencies (replacing those of the terms they
    /// held before, if any).
    fn look_up(
        &mut self,
        searcher: &Searcher,
        (body, title): (Field, Field),
        terms: Range<usize>,
    ) -> tantivy::Result<()> {
        for i in terms.clone() {
            self.body_df[i] = 0;
            self.title_df[i] = 0;
        }
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let (body_index, title_index) = (reader.inverted_index(body)?, reader.inverted_index(title)?);
            for i in terms.clone() {
                let in_body = body_index.get_term_info(&self.body[i])?;
                let in_title = title_index.get_term_info(&self.title[i])?;
                self.body_df[i] += in_body.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                self.title_df[i] += in_title.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                let infos = &mut self.infos[ord];
                if i < infos.len() {
                    infos[i] = (in_body, in_title);
                } else {
                    infos.push((in_body, in_title));
                }
            }
        }
        Ok(())
    }

    /// The [`article_key`](crate::index::article_key) of the passage at `address`.
    pub(crate) fn article_of(&self, address: DocAddress) -> u64 {
        self.article_keys[address.segment_ord as usize].first(address.doc_id).unwrap_or_default()
    }
}

/// BM25 statistics with the question's document frequencies already counted,
/// so scoring does not look every term up again.
pub(crate) struct Statistics<'a> {
    pub(crate) searcher: &'a Searcher,
    pub(crate) lookups: &'a Lookups,
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let l = self.lookups;
        if let Some(i) = l.body.iter().position(|t| t == term) {
            return Ok(l.body_df[i]);
        }
        if let Some(i) = l.title.iter().position(|t| t == term) {
            return Ok(l.title_df[i]);
        }
        self.searcher.doc_freq(term)
    }
}

/// Per segment, the [`ARTICLE_KEY`] column.
pub(crate) type ArticleKeys = Arc<[Column<u64>]>;

impl NewsIndex {
    /// Each segment's [`ARTICLE_KEY`] column, opened once per searcher generation.
    fn article_keys(&self, searcher: &Searcher) -> Result<ArticleKeys, SearchError> {
        self.article_keys.get(searcher, || {
            let keys: tantivy::Result<ArticleKeys> = searcher
                .segment_readers()
                .iter()
                .map(|reader| reader.fast_fields().u64(ARTICLE_KEY))
                .collect();
            Ok(keys?)
        })
    }

    /// The question's content terms, weighted by IDF over passage bodies, and where
    /// each sits in every segment.
    pub(crate) fn query_terms(
        &self,
        searcher: &Searcher,
        question: &str,
    ) -> Result<(QueryTerms, Lookups), SearchError> {
        let f = self.fields;
        // A question of function words only ("what is it?") has no topic to look for.
        let mut content = analyze(question);
        content.retain(|t| !t.stopword);
        let mut lookups = Lookups::default();
        for t in &content {
            if !lookups.terms.contains(&t.text) {
                lookups.terms.push(t.text.clone());
                lookups.body.push(Term::from_field_text(f.body, &t.text));
                lookups.title.push(Term::from_field_text(f.title, &t.text));
            }
        }
        lookups.body_df = vec![0; lookups.terms.len()];
        lookups.title_df = vec![0; lookups.terms.len()];
        for _ in searcher.segment_readers() {
            lookups.infos.push(Vec::with_capacity(lookups.terms.len()));
        }
        lookups.article_keys = self.article_keys(searcher)?;
        lookups.look_up(searcher, (f.body, f.title), 0..lookups.terms.len())?;
        // A word no passage holds may be a typo of one they do ([`typos`]).
        let mut corrected = Vec::new();
        for i in 0..lookups.terms.len() {
            if lookups.body_df[i] > 0 || lookups.title_df[i] > 0 {
                continue;
            }
            let Some(word) = content.iter().find(|t| t.text == lookups.terms[i]) else { continue };
            let raw = &question[word.start..word.end];
            let Some(fixed) = typos::correction(searcher, f.body, raw, &word.text, word.script)? else {
                continue;
            };
            if lookups.terms.contains(&fixed) {
                continue;
            }
            tracing::debug!(
                typed = raw,
                term = word.text.as_str(),
                read_as = fixed.as_str(),
                "a word no passage holds, read as a typo"
            );
            for t in content.iter_mut().filter(|t| t.text == lookups.terms[i]) {
                t.text.clone_from(&fixed);
            }
            lookups.body[i] = Term::from_field_text(f.body, &fixed);
            lookups.title[i] = Term::from_field_text(f.title, &fixed);
            corrected.push((raw.to_owned(), fixed.clone()));
            lookups.terms[i] = fixed;
            lookups.look_up(searcher, (f.body, f.title), i..i + 1)?;
        }
        let common = |df: &u64| *df > COMMON_PASSAGES;
        let all_common = lookups.body_df.iter().all(common);
        lookups.searched = lookups.body_df.iter().map(|df| all_common || !common(df)).collect();
        // Document frequencies still count deleted passages until segments merge, so
        // the total must too (as tantivy's own BM25 does), or weights can go negative.
        let n = searcher.segment_readers().iter().map(|r| r.max_doc() as f32).sum::<f32>();
        let mut q = QueryTerms { corrected, ..QueryTerms::default() };
        for (term, &df) in lookups.terms.iter().zip(&lookups.body_df) {
            let df = df as f32;
            let idf = (1.0 + ((n - df).max(0.0) + 0.5) / (df + 0.5)).ln();
            q.weights.insert(term.clone(), idf);
        }
        // The refusal's second view: how rare each term is in general English.
        let english: Option<Vec<specific::Background>> = lookups
            .terms
            .iter()
            .map(|term| {
                let script = content.iter().find(|t| &t.text == term).map_or(Script::Other, |t| t.script);
                specific::background(term, script)
            })
            .collect();
        if let Some(english) = english {
            let blended = |i: usize| english[i].blended(lookups.body_df[i] as f32, n);
            let key = (0..english.len()).max_by(|&a, &b| blended(a).total_cmp(&blended(b)));
            q.english_bar = specific::EnglishBar {
                key_missing: key.is_some_and(|k| {
                    english[k].listed && lookups.body_df[k] == 0 && lookups.title_df[k] == 0
                }),
                least_held: Some(specific::least_held(
                    n,
                    english.iter().map(|b| specific::beyond_common(b.weight())).sum(),
                )),
            };
            q.english = lookups.terms.iter().zip(&english).map(|(t, b)| (t.clone(), b.weight())).collect();
        }
        q.bigrams = content.windows(2).map(|w| (w[0].text.clone(), w[1].text.clone())).collect();
        Ok((q, lookups))
    }
}
