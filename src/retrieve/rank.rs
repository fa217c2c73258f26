//! Lexical ranking: BM25 candidates over body and title, re-ranked by how the
//! question's terms sit in each candidate's best sentence, one passage per article.

use std::collections::HashSet;

use tantivy::collector::{Collector, TopDocs};
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader, Term};

use super::filters::index::Restriction;
use super::specific::{self, EnglishBar};
use super::terms::{Lookups, QueryTerms, Statistics};
use super::{AskOptions, Citations, Cited, bm25, filters};
use crate::analysis::SENTENCE_BREAK;
use crate::index::{NewsIndex, SearchError, article_key};

/// How much a title match counts relative to a body match. Every passage of an
/// article carries its title, so a higher boost drowns the passage-level signal
/// (SQuAD dev: 0.5 to 1.0 best, 2.5 loses a point of top-1). Matching titles only
/// when re-ranking would halve the query's terms, but news questions often name a
/// story by its headline: news-22k title questions fell from 0.79 to 0.72 top-1.
pub(crate) const TITLE_BOOST: f32 = 0.7;

/// BM25 candidates re-ranked by sentence match; deeper changed nothing on SQuAD dev.
pub(crate) const RERANK_DEPTH: usize = 20;

/// Weight of the best sentence's match (sum of IDF of the distinct question terms in
/// one sentence) added to the BM25 score: answers sit in one sentence, so a passage
/// that gathers the question's words there is the better one (SQuAD dev: +3.5 points
/// top-1 over none; 0.7 keeps top-5 at 0.941 where 1.0 gave 0.9396).
pub(crate) const SENTENCE_WEIGHT: f32 = 0.7;

/// Weight of the distinct question terms that two neighbouring sentences hold
/// together: an answer's sentence often leaves its subject to the one before ("It
/// was adopted in 1957.", after the sentence that names the logo). Chosen on SQuAD
/// dev's even half (top-1 0.7838 with none; 0.7843, 0.7849, 0.7849, 0.7862,
/// 0.7864, 0.7853, 0.7860 at 0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.5), reported on the
/// odd half (0.8471 → 0.8496) and XQuAD-R (BENCHMARKS.md).
pub(crate) const PAIR_WEIGHT: f32 = 0.7;

/// Weight of the share of the question's terms the passage holds at all.
pub(crate) const COVERAGE_WEIGHT: f32 = 3.0;

/// In large segments, a filter that lets at most this share (1/NARROW) of the
/// passages through is read as a bit set and only the postings in it scored;
/// broader ones are checked as block-max WAND finds passages (see
/// [`NewsIndex::rank`]).
const NARROW: u64 = 4;

/// Extra weight for two question words that appear side by side, as in the question.
pub(crate) const BIGRAM_BONUS: f32 = 0.5;

impl NewsIndex {
    /// The articles that answer a question, best first, as their [`article_key`]s:
    /// what [`NewsIndex::ask`] ranks, for measuring ranking on its own, as BM25
    /// libraries return document numbers (with the semantic layer on, through `ask`
    /// itself). No stored document is read.
    pub fn rank_articles(&self, question: &str, options: AskOptions) -> Result<Vec<u64>, SearchError> {
        self.rank_articles_at(question, options, &jiff::Zoned::now())
    }

    /// [`NewsIndex::rank_articles`] asked at `now`, in its time zone (see
    /// [`NewsIndex::ask_at`]).
    pub fn rank_articles_at(
        &self,
        question: &str,
        options: AskOptions,
        now: &jiff::Zoned,
    ) -> Result<Vec<u64>, SearchError> {
        let searcher = self.reader.searcher();
        let parsed = filters::parse(question, now);
        let (parsed, missed) = self.settled(&searcher, &parsed)?;
        // The semantic layer, the newest first, listings and missed windows go
        // through `ask`.
        let listing = !parsed.filters.is_empty() && crate::answer::topicless(&parsed.text);
        if self.semantic.is_some() || parsed.newest_first || listing || missed.is_some() {
            let hits = self.ask_parsed(&parsed, options)?.hits;
            return Ok(hits.iter().map(|hit| article_key(&hit.article_id)).collect());
        }
        let (query, mut lookups) = self.query_terms(&searcher, &parsed.text)?;
        lookups.restriction = Restriction::new(self, &searcher, &parsed.filters)?;
        let hits = self.rank(&searcher, &query, &lookups, options)?.hits;
        Ok(hits.iter().map(|hit| hit.article).collect())
    }

    /// BM25 candidates over body and title, re-ranked by how the question's terms
    /// sit in them, one passage per article, weak ones dropped.
    pub(crate) fn rank(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        options: AskOptions,
    ) -> Result<Ranking, SearchError> {
        let mut ranked = Ranking { hits: Vec::new(), coverage: 0.0, bar: query.english_bar };
        if query.weights.is_empty() {
            return Ok(ranked);
        }
        let f = self.fields;
        let doc_count = searcher.total_num_docs()?;
        let average = |field| -> Result<f32, SearchError> {
            Ok(searcher.total_num_tokens(field)? as f32 / doc_count.max(1) as f32)
        };
        let fields = [
            bm25::FieldNorms::new(f.body, average(f.body)?),
            bm25::FieldNorms::new(f.title, average(f.title)?),
        ];
        // A term absent from a field gets no clause for it.
        let mut clauses = Vec::new();
        let mut clause_terms = Vec::new();
        for i in (0..lookups.terms.len()).filter(|&i| lookups.searched[i]) {
            if lookups.body_df[i] > 0 {
                clauses.push(bm25::Clause::new(0, lookups.body_df[i], doc_count, 1.0));
                clause_terms.push((i, false));
            }
            if lookups.title_df[i] > 0 {
                clauses.push(bm25::Clause::new(1, lookups.title_df[i], doc_count, TITLE_BOOST));
                clause_terms.push((i, true));
            }
        }
        if clauses.is_empty() {
            return Ok(ranked);
        }
        let wanted = options.k + options.offset;
        let limit = (wanted * 3).max(RERANK_DEPTH);
        // Every term's postings in the segments scored term at a time, opened once:
        // BM25 reads copies of them, and re-ranking seeks the candidates in them.
        let mut opened: Vec<Option<TermPostings>> = Vec::with_capacity(lookups.infos.len());
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            opened.push(match reader.max_doc() > bm25::DENSE_MAX_DOCS {
                true => None,
                false => Some(self.open_postings(reader, &lookups.infos[ord])?),
            });
        }
        let term_info = |segment: usize, clause: usize| {
            let (term, title) = clause_terms[clause];
            let (body, in_title) = &lookups.infos[segment][term];
            if title { in_title.as_ref() } else { body.as_ref() }
        };
        // A clause's postings in a segment, at their start: a copy of the opened
        // ones, or read from the index for a segment that has none open.
        let read = |segment: &SegmentReader,
                    ord: usize,
                    clause: usize|
         -> tantivy::Result<Option<SegmentPostings>> {
            let (term, title) = clause_terms[clause];
            if let Some(terms) = &opened[ord] {
                let (body, in_title) = &terms[term];
                return Ok(if title { in_title.clone() } else { body.clone() });
            }
            let Some(info) = term_info(ord, clause) else { return Ok(None) };
            let index = segment.inverted_index(if title { f.title } else { f.body })?;
            Ok(Some(index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?))
        };
        let postings = |ord: usize, clause: usize| read(searcher.segment_reader(ord as u32), ord, clause);
        // Segments too large to score term at a time go through tantivy's block-max
        // WAND, built once if any needs it. With filters, WAND checks them on every
        // passage before it can raise the bar. A narrow filter (at most a
        // [`NARROW`]th of the passages: an outlet, a month) would let WAND skip
        // nothing, since nothing outside it raises the bar: its passages are read
        // from the index as a bit set instead, and only the postings in it scored.
        let restriction = lookups.restriction.as_ref();
        let narrow = restriction.is_some_and(|r| r.passages.saturating_mul(NARROW) <= doc_count);
        let mut wand: Option<Box<dyn Weight>> = None;
        let large = |ord: u32, segment: &SegmentReader| match restriction {
            Some(r) if narrow => {
                let within = r.passages_in(self, searcher, segment)?;
                let postings = |c: usize| read(segment, ord as usize, c);
                bm25::top_within(segment, ord, &fields, &clauses, postings, limit, &within)
            }
            _ => {
                let weight = match &mut wand {
                    Some(weight) => weight,
                    None => wand.insert(self.bm25_weight(searcher, lookups, &clause_terms)?),
                };
                match restriction {
                    Some(r) => {
                        bm25::top_wand_where(weight.as_ref(), ord, segment, limit, |doc| r.accepts(ord, doc))
                    }
                    None => {
                        let collector = TopDocs::with_limit(limit).order_by_score();
                        collector.merge_fruits(vec![collector.collect_segment(
                            weight.as_ref(),
                            ord,
                            segment,
                        )?])
                    }
                }
            }
        };
        // The filters are checked on every passage scored, before it can be a
        // candidate; without them, nothing is checked.
        let top = match restriction {
            None => bm25::top(
                searcher,
                &fields,
                &clauses,
                postings,
                limit,
                bm25::DENSE_MAX_DOCS,
                |_, _| true,
                large,
            )?,
            Some(r) => bm25::top(
                searcher,
                &fields,
                &clauses,
                postings,
                limit,
                bm25::DENSE_MAX_DOCS,
                |ord, doc| r.accepts(ord, doc),
                large,
            )?,
        };
        let mut candidates = self.match_positions(searcher, query, lookups, &top, opened)?;
        for (i, candidate) in candidates.iter_mut().enumerate() {
            if i < RERANK_DEPTH {
                candidate.score += SENTENCE_WEIGHT * candidate.best_sentence
                    + PAIR_WEIGHT * candidate.best_pair
                    + COVERAGE_WEIGHT * candidate.coverage;
            }
        }
        // Ties go to the article with the smaller key, not to wherever indexing
        // threads happened to put the passages: the same archive answers the same.
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| lookups.article_of(a.address).cmp(&lookups.article_of(b.address)))
        });

        let mut seen = HashSet::new();
        let mut rank = 0;
        for candidate in candidates {
            let address = candidate.address;
            let key = lookups.article_of(address);
            if !seen.insert(key) {
                continue;
            }
            if seen.len() == 1 {
                ranked.coverage = candidate.coverage;
            }
            // Every cited passage must match the question well enough on its own:
            // a weak second result is noise under a good first one.
            let strong = query.english_bar.strong(
                candidate.coverage,
                candidate.english,
                candidate.english_held,
                options.min_coverage,
            );
            if !strong && !options.keep_weak {
                continue;
            }
            rank += 1;
            if rank <= options.offset {
                continue;
            }
            ranked.hits.push(RankedPassage {
                address: candidate.address,
                score: candidate.score,
                coverage: candidate.coverage,
                english: candidate.english,
                english_held: candidate.english_held,
                article: key,
            });
            if ranked.hits.len() == options.k {
                break;
            }
        }
        Ok(ranked)
    }

    /// tantivy's BM25 disjunction of the clauses [`NewsIndex::rank`] scores term at a
    /// time (`(term, in title)` pairs), for segments too large for that
    /// ([`bm25::DENSE_MAX_DOCS`]).
    pub(crate) fn bm25_weight(
        &self,
        searcher: &Searcher,
        lookups: &Lookups,
        clause_terms: &[(usize, bool)],
    ) -> tantivy::Result<Box<dyn Weight>> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = clause_terms
            .iter()
            .map(|&(i, title)| -> (Occur, Box<dyn Query>) {
                if title {
                    let query = TermQuery::new(lookups.title[i].clone(), IndexRecordOption::WithFreqs);
                    (Occur::Should, Box::new(BoostQuery::new(Box::new(query), TITLE_BOOST)))
                } else {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(lookups.body[i].clone(), IndexRecordOption::WithFreqs)),
                    )
                }
            })
            .collect();
        let statistics = Statistics { searcher, lookups };
        BooleanQuery::new(clauses)
            .weight(EnableScoring::enabled_from_statistics_provider(&statistics, searcher))
    }

    /// How the question's terms sit in each candidate, read from the index's
    /// positions (sentences are told apart by [`SENTENCE_BREAK`]): the share of the question's weight
    /// the passage and its title hold, and the best sentence's score (the distinct
    /// terms' weight plus a bonus for question words side by side, as
    /// [`PassageMatch`] scores it). No text is read or analysed. `opened` holds the
    /// terms' postings in the segments that have them open already, at their start.
    pub(crate) fn match_positions(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        top: &[(f32, DocAddress)],
        mut opened: Vec<Option<TermPostings>>,
    ) -> Result<Vec<Candidate>, SearchError> {
        let f = self.fields;
        let weights: Vec<f32> = lookups.terms.iter().map(|t| query.weights[t]).collect();
        let english: Vec<f32> = lookups.terms.iter().map(|t| query.english_weight(t)).collect();
        let english_total: f32 = english.iter().sum();
        let index_of = |term: &String| lookups.terms.iter().position(|t| t == term);
        let bigrams: Vec<(usize, usize)> =
            query.bigrams.iter().filter_map(|(a, b)| Some((index_of(a)?, index_of(b)?))).collect();
        let mut sentences = SentenceScorer::new(&weights, &bigrams);
        let total_weight = query.total_weight();
        let mut out: Vec<Candidate> = top
            .iter()
            .map(|&(score, address)| Candidate {
                address,
                score,
                coverage: 0.0,
                english: 0.0,
                english_held: 0.0,
                best_sentence: 0.0,
                best_pair: 0.0,
            })
            .collect();
        // Candidates by segment, each segment's in document order, so every
        // posting list is walked forward once.
        let mut order: Vec<(u32, DocId, usize)> =
            out.iter().enumerate().map(|(i, c)| (c.address.segment_ord, c.address.doc_id, i)).collect();
        order.sort_unstable();
        let mut positions = Vec::new();
        let mut hits: Vec<(u32, usize)> = Vec::new();
        let mut breaks: Vec<u32> = Vec::new();
        let breaks_at = self.sentence_breaks.get(searcher, || -> tantivy::Result<_> {
            let term = Term::from_field_text(f.body, SENTENCE_BREAK);
            searcher
                .segment_readers()
                .iter()
                .map(|reader| Ok(reader.inverted_index(f.body)?.get_term_info(&term)?))
                .collect()
        })?;
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let segment = group[0].0;
            let reader = searcher.segment_reader(segment);
            let body_index = reader.inverted_index(f.body)?;
            let mut terms = match opened[segment as usize].take() {
                Some(terms) => terms,
                None => self.open_postings(reader, &lookups.infos[segment as usize])?,
            };
            let mut sentence_breaks = match &breaks_at[segment as usize] {
                Some(info) => Some(
                    body_index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqsAndPositions)?,
                ),
                None => None,
            };
            for &(_, doc, i) in group {
                hits.clear();
                let (mut body_weight, mut title_weight, mut left_out_weight) = (0.0, 0.0, 0.0);
                let (mut body_english, mut title_english, mut english_held) = (0.0, 0.0, 0.0);
                for (t, &weight) in weights.iter().enumerate() {
                    let (body, title) = &mut terms[t];
                    let mut held = false;
                    if let Some(postings) = body.as_mut()
                        && seek(postings, doc)
                    {
                        held = true;
                        body_weight += weight;
                        body_english += english[t];
                        if !lookups.searched[t] {
                            left_out_weight += weight;
                        }
                        postings.positions(&mut positions);
                        hits.extend(positions.iter().map(|&p| (p, t)));
                    }
                    if let Some(postings) = title.as_mut()
                        && seek(postings, doc)
                    {
                        held = true;
                        title_weight += weight;
                        title_english += english[t];
                    }
                    if held {
                        english_held += specific::beyond_common(english[t]);
                    }
                }
                hits.sort_unstable();
                breaks.clear();
                if let Some(postings) = sentence_breaks.as_mut()
                    && seek(postings, doc)
                {
                    postings.positions(&mut breaks);
                }
                out[i].coverage = union_coverage(body_weight, title_weight, total_weight);
                out[i].english = union_coverage(body_english, title_english, english_total);
                out[i].english_held = english_held;
                out[i].score += left_out_weight;
                (out[i].best_sentence, out[i].best_pair) = sentences.best(&hits, &breaks);
            }
        }
        Ok(out)
    }
}

/// Per term of the question, its body postings (with positions) and its title
/// postings in one segment, when the term is there.
pub(crate) type TermPostings = Vec<(Option<SegmentPostings>, Option<SegmentPostings>)>;

impl NewsIndex {
    /// The postings of the terms at `infos` (a segment's [`Lookups::infos`]) in
    /// `segment`, at their start: with frequencies for BM25, and in the body with
    /// positions too, for [`NewsIndex::match_positions`].
    fn open_postings(
        &self,
        segment: &SegmentReader,
        infos: &[(Option<TermInfo>, Option<TermInfo>)],
    ) -> tantivy::Result<TermPostings> {
        let body_index = segment.inverted_index(self.fields.body)?;
        let title_index = segment.inverted_index(self.fields.title)?;
        let mut terms = Vec::with_capacity(infos.len());
        for (body_info, title_info) in infos {
            let body = match body_info {
                Some(info) => Some(
                    body_index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqsAndPositions)?,
                ),
                None => None,
            };
            let title = match title_info {
                Some(info) => {
                    Some(title_index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?)
                }
                None => None,
            };
            terms.push((body, title));
        }
        Ok(terms)
    }
}

/// Moves `postings` to `doc` (never backwards); true when `doc` has the term.
pub(crate) fn seek(postings: &mut SegmentPostings, doc: DocId) -> bool {
    if postings.doc() < doc {
        postings.seek(doc);
    }
    postings.doc() == doc
}

/// Scores a passage's sentences from the positions of the question's terms, as
/// [`PassageMatch`] scores them from text: each sentence earns the weight of every
/// distinct term in it, plus a bonus for question words side by side.
pub(crate) struct SentenceScorer<'a> {
    pub(crate) weights: &'a [f32],
    pub(crate) bigrams: &'a [(usize, usize)],
    /// Terms already counted in the current sentence: stamped with `stamp`, which
    /// moves on with every sentence of every passage.
    pub(crate) seen: Vec<usize>,
    pub(crate) stamp: usize,
}

impl<'a> SentenceScorer<'a> {
    pub(crate) fn new(weights: &'a [f32], bigrams: &'a [(usize, usize)]) -> Self {
        SentenceScorer { weights, bigrams, seen: vec![0; weights.len()], stamp: 0 }
    }

    /// The best sentence's score, and the weight of the distinct terms of the best
    /// two neighbouring sentences together (or of one sentence alone), given
    /// (position, term) hits sorted by position and the positions of the
    /// passage's sentence breaks. Only the first 64 terms count in the pair.
    pub(crate) fn best(&mut self, hits: &[(u32, usize)], breaks: &[u32]) -> (f32, f32) {
        self.stamp += 1;
        let mut sentence = 0;
        let (mut score, mut best) = (0.0f32, 0.0f32);
        let mut previous: Option<(u32, usize)> = None;
        // The terms of the current sentence and of the sentence before it, when
        // that one is its neighbour; a pair is weighed as a sentence closes.
        let (mut terms, mut before) = (0u64, 0u64);
        let mut pair = 0.0f32;
        for &(position, t) in hits {
            let mut next = sentence;
            while next < breaks.len() && breaks[next] < position {
                next += 1;
            }
            if next != sentence {
                pair = pair.max(self.weight_of(terms | before));
                before = if next == sentence + 1 { terms } else { 0 };
                terms = 0;
                sentence = next;
                self.stamp += 1;
                score = 0.0;
                previous = None;
            }
            let weight = self.weights[t];
            if self.seen[t] != self.stamp {
                self.seen[t] = self.stamp;
                score += weight;
            }
            if t < 64 {
                terms |= 1 << t;
            }
            if let Some((p, pt)) = previous
                && p + 1 == position
                && self.bigrams.contains(&(pt, t))
            {
                score += BIGRAM_BONUS * weight.min(self.weights[pt]);
            }
            previous = Some((position, t));
            best = best.max(score);
        }
        (best, pair.max(self.weight_of(terms | before)))
    }

    /// The summed weight of the terms whose bits `terms` sets.
    fn weight_of(&self, mut terms: u64) -> f32 {
        let mut weight = 0.0;
        while terms != 0 {
            weight += self.weights[terms.trailing_zeros() as usize];
            terms &= terms - 1;
        }
        weight
    }
}

/// A BM25 candidate with what [`NewsIndex::match_positions`] learnt about it.
pub(crate) struct Candidate {
    pub(crate) address: DocAddress,
    pub(crate) score: f32,
    pub(crate) coverage: f32,
    /// Coverage by the question's weights in general English
    /// ([`QueryTerms::english`]).
    pub(crate) english: f32,
    /// The weights in general English of the question's terms it holds (in the
    /// body or the title), each beyond a common word's
    /// ([`specific::beyond_common`]), added up.
    pub(crate) english_held: f32,
    pub(crate) best_sentence: f32,
    /// The weight of the distinct terms the best two neighbouring sentences
    /// hold together ([`SentenceScorer::best`]).
    pub(crate) best_pair: f32,
}

/// The passages that answer a question, before their text is read.
pub(crate) struct Ranking {
    pub(crate) hits: Vec<RankedPassage>,
    /// Coverage of the best passage, shown or not.
    pub(crate) coverage: f32,
    /// See [`QueryTerms::english_bar`].
    pub(crate) bar: EnglishBar,
}

impl Ranking {
    /// The passages to cite, and whether the best is strong enough to cite at all
    /// (it covers at least `min_coverage` of the question, and enough of it in
    /// general English: [`EnglishBar::strong`]).
    pub(crate) fn citations(self, min_coverage: f32) -> Citations {
        let strong =
            |hit: &RankedPassage| self.bar.strong(hit.coverage, hit.english, hit.english_held, min_coverage);
        let answered = self.hits.first().is_some_and(strong);
        let cited =
            self.hits.into_iter().map(|hit| Cited::lexical(hit.address, hit.score, strong(&hit))).collect();
        Citations { cited, coverage: self.coverage, answered }
    }
}

pub(crate) struct RankedPassage {
    pub(crate) address: DocAddress,
    pub(crate) score: f32,
    pub(crate) coverage: f32,
    /// Coverage by the question's weights in general English
    /// ([`QueryTerms::english`]).
    pub(crate) english: f32,
    /// See [`Candidate::english_held`].
    pub(crate) english_held: f32,
    /// [`article_key`] of its article.
    pub(crate) article: u64,
}

/// Share of the question's weight found in the passage or its title.
pub(crate) fn union_coverage(body: f32, title: f32, total: f32) -> f32 {
    if total <= 0.0 {
        return 0.0;
    }
    (body.max(title) + 0.5 * body.min(title)).min(total) / total
}
