//! The answer to a question: the ranked passages' excerpts, cited.
//!
//! [`NewsIndex::ask`] reads top to bottom as the answer path: the question's terms
//! ([`crate::retrieve::terms`]), the ranked articles (lexical, or hybrid with the
//! semantic layer), the refusal when even the best covers too little, then the
//! excerpts of only the passages shown ([`excerpt`]), and the [`Answer`].
//!
//! This module does not depend on teloxide and never formats output for a front end.

pub mod excerpt;

use std::borrow::Cow;
use std::time::Instant;

use jiff::Zoned;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

pub use crate::retrieve::filters::{Filters, Parsed};
pub use crate::retrieve::{AskOptions, DEFAULT_MIN_COVERAGE, Match};

use crate::analysis::{Asks, analyze, detect_language};
use crate::index::{DAY, NewsIndex, SearchError, lead_of, opt_text, text_of};
use crate::retrieve::filters::index::Restriction;
use crate::retrieve::filters::{self};
use crate::retrieve::semantic::Semantic;
use crate::retrieve::terms::Lookups;
use crate::retrieve::{Citations, Cited, QueryTerms};
use excerpt::{Excerpt, PassageMatch, sentence_excerpt, sentence_span};

/// The share of the question an article must cover to be listed when the newest
/// come first: a date outranks any relevance, so "latest on oil prices" must not
/// bring the newest article that only says "prices" (the usual threshold,
/// [`DEFAULT_MIN_COVERAGE`], lets half a two-word question through).
pub const NEWEST_MIN_COVERAGE: f32 = 0.7;

/// When the newest come first, the most relevant articles of each chunk of days
/// taken (at least), to be ordered by day.
const NEWEST_POOL: usize = 20;

/// The answer to one question.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub question: String,
    /// False when nothing relevant was found; `hits` is then empty.
    pub answered: bool,
    pub hits: Vec<Hit>,
    /// Share of the question's term weight found in the best passage, 0..=1.
    pub coverage: f32,
    pub took: std::time::Duration,
    /// The filters applied: the window's days, as read from the question; the
    /// outlets are in `sources`.
    pub filters: Filters,
    /// The outlets `source:` matched, as the archive names them (as asked, when
    /// it has none of that name).
    pub sources: Vec<String>,
    /// The results are the relevant articles newest first, as asked ("latest on …").
    pub newest_first: bool,
    /// The filters leave no article at all: not answered, and the reply says so
    /// ("No articles from UNN in that period") instead of the usual refusal.
    pub nothing_in_filters: bool,
    /// The question named no topic, only filters ("latest", "/latest source:UNN",
    /// "what was written yesterday"): the newest articles within them.
    pub listing: bool,
    /// A window read from words ("last week") that holds no article: the question
    /// was answered from any time, its time words searched as words, and the reply
    /// says so.
    pub missed_window: Option<Window>,
    /// Words of the question no article holds, read as typos of words they do:
    /// each as typed, and as the first cited excerpt that holds it writes it
    /// ("guarentees", "guarantees"). The reply says so.
    pub read_as: Vec<(String, String)>,
}

/// A window's first and last day, both included; `None` for an open end.
pub type Window = (Option<jiff::civil::Date>, Option<jiff::civil::Date>);

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
    /// Strong enough to cite on its own. Only results kept although weak
    /// ([`AskOptions::keep_weak`], for evaluation) are not; users never see them.
    pub strong: bool,
}

/// The typos a question was read with ([`QueryTerms::corrected`]), each with the
/// word as the cited excerpts write it: the first highlighted word that analyses
/// to the term it was read as. One no excerpt shows is left out.
fn read_as(corrected: &[(String, String)], hits: &[Hit]) -> Vec<(String, String)> {
    corrected
        .iter()
        .filter_map(|(typed, term)| {
            let shown = hits.iter().find_map(|hit| {
                hit.excerpt.highlights.iter().find_map(|range| {
                    let words = &hit.excerpt.text[range.clone()];
                    let word = analyze(words).into_iter().find(|t| &t.text == term)?;
                    Some(words[word.start..word.end].to_owned())
                })
            })?;
            Some((typed.clone(), shown))
        })
        .collect()
}

/// The most passages of one article read for its closing words.
const MAX_PASSAGES: usize = 200;

impl NewsIndex {
    /// Answers a question with cited passages from distinct articles: by their
    /// words, and with the semantic layer on, by meaning too. Its filters and time
    /// words are read as asked now, in the system's time zone ([`NewsIndex::ask_at`]).
    pub fn ask(&self, question: &str, options: AskOptions) -> Result<Answer, SearchError> {
        self.ask_at(question, options, &Zoned::now())
    }

    /// [`NewsIndex::ask`] asked at `now`, whose time zone is the asker's: "today",
    /// "last week" and "in February" are theirs.
    pub fn ask_at(&self, question: &str, options: AskOptions, now: &Zoned) -> Result<Answer, SearchError> {
        self.ask_parsed(&filters::parse(question, now), options)
    }

    /// Answers a question whose filters were already read ([`filters::parse`]).
    ///
    /// Time in words gives way where it cannot mean a window: in an archive with no
    /// dated article at all (SQuAD's paragraphs), time and recency words are only
    /// words, and ranking is as without filters; a window in words that holds no
    /// article ("in 1975" asked of a news archive) is answered from any time, its
    /// words searched, and [`Answer::missed_window`] says so. Explicit filters
    /// always hold ("No articles from UNN in that period").
    pub fn ask_parsed(&self, parsed: &Parsed, options: AskOptions) -> Result<Answer, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        if let (Cow::Owned(settled), missed_window) = self.settled(&searcher, parsed)? {
            let mut answer = self.ask_parsed(&settled, options)?;
            answer.missed_window = missed_window;
            answer.took = started.elapsed();
            return Ok(answer);
        }
        let (mut query, mut lookups) = self.query_terms(&searcher, &parsed.text)?;
        query.read_asks(&parsed.text);
        lookups.restriction = Restriction::new(self, &searcher, &parsed.filters)?;
        let mut answer = Answer {
            question: parsed.question.clone(),
            filters: parsed.filters.clone(),
            sources: lookups.restriction.as_ref().map(|r| r.source_names.clone()).unwrap_or_default(),
            newest_first: parsed.newest_first,
            ..Answer::default()
        };
        if lookups.restriction.as_ref().is_some_and(Restriction::excludes_everything) {
            answer.nothing_in_filters = true;
            answer.took = started.elapsed();
            return Ok(answer);
        }
        let asked_in = detect_language(&parsed.question);
        // Filters and no topic: the newest articles within them.
        if (parsed.newest_first || !parsed.filters.is_empty()) && topicless(&parsed.text) {
            answer.listing = true;
            let listed = self.newest_within(&searcher, lookups.restriction.as_ref(), options)?;
            for (i, address) in listed.into_iter().enumerate() {
                answer.hits.push(self.listed(&searcher, address, options.offset + i + 1, asked_in)?);
            }
            answer.answered = !answer.hits.is_empty();
            answer.coverage = 1.0;
        } else {
            // Ranked articles, with the refusal decided: what to cite, before any
            // text is read.
            let vector = self.question_vector(&parsed.text, &query);
            let cited = if parsed.newest_first {
                self.newest_relevant(&searcher, &query, &mut lookups, parsed, vector.as_ref(), options)?
            } else {
                self.citations(&searcher, &query, &lookups, parsed, vector.as_ref(), options)?
            };
            // Only the passages shown are read and analysed, for their excerpts.
            for (i, passage) in cited.cited.into_iter().enumerate() {
                answer.hits.push(self.cite(&searcher, &query, passage, options.offset + i + 1, asked_in)?);
            }
            answer.answered = cited.answered;
            answer.coverage = cited.coverage;
            answer.read_as = read_as(&query.corrected, &answer.hits);
        }
        if !answer.answered
            && let Some(restriction) = &lookups.restriction
        {
            answer.nothing_in_filters = !restriction.matches_any(self, &searcher)?;
        }
        answer.took = started.elapsed();
        Ok(answer)
    }

    /// The question as this archive reads it (see [`NewsIndex::ask_parsed`]): as
    /// asked; or with its time words as words, the archive having no dated
    /// article; or without its window in words, which holds no article (returned
    /// too, for the reply to say so).
    pub(crate) fn settled<'p>(
        &self,
        searcher: &Searcher,
        parsed: &'p Parsed,
    ) -> Result<(Cow<'p, Parsed>, Option<Window>), SearchError> {
        if !(parsed.window_in_words || parsed.newest_first) {
            return Ok((Cow::Borrowed(parsed), None));
        }
        if !self.has_dated(searcher)? {
            return Ok((Cow::Owned(parsed.undated()), None));
        }
        if parsed.window_in_words
            && let Some(window) = Restriction::new(self, searcher, &parsed.filters)?
            && !window.matches_any(self, searcher)?
        {
            return Ok((
                Cow::Owned(parsed.without_window()),
                Some((parsed.filters.since, parsed.filters.until)),
            ));
        }
        Ok((Cow::Borrowed(parsed), None))
    }

    /// The ranked passages to cite: lexical, or hybrid with the semantic layer
    /// (given the question's vector).
    fn citations(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        parsed: &Parsed,
        vector: Option<&(&Semantic, Vec<f32>)>,
        options: AskOptions,
    ) -> Result<Citations, SearchError> {
        Ok(match vector {
            Some((semantic, vector)) => {
                self.hybrid(searcher, query, lookups, semantic, vector, options, &parsed.text)?
            }
            None => self.rank(searcher, query, lookups, options)?.citations(options.min_coverage),
        })
    }

    /// The newest articles strong enough to cite, newest first: the question is
    /// ranked within the archive's newest day (within its own filters), then the
    /// two days before, the four before, … until there are enough; then among the
    /// undated articles. Relevance decides what counts; the date, the order.
    fn newest_relevant(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &mut Lookups,
        parsed: &Parsed,
        vector: Option<&(&Semantic, Vec<f32>)>,
        options: AskOptions,
    ) -> Result<Citations, SearchError> {
        let wanted = options.k + options.offset;
        let own = lookups.restriction.take();
        let (from, to) = own.as_ref().and_then(|r| r.days).unwrap_or((0, u64::MAX));
        let days: Vec<u64> = self.days_of(searcher, from, to)?.0.into_iter().rev().collect();
        let min_coverage = options.min_coverage.max(NEWEST_MIN_COVERAGE);
        // Within a chunk of several days, the newest of its relevant articles are
        // among its most relevant ones: a pool of them is taken and ordered by day.
        let strong =
            AskOptions { k: (wanted * 3).max(NEWEST_POOL), offset: 0, keep_weak: false, min_coverage };
        let mut found = Citations { cited: Vec::new(), coverage: 0.0, answered: false };
        let take = |cited: Citations, found: &mut Citations| {
            if found.cited.is_empty() {
                found.coverage = cited.coverage;
            }
            found.cited.extend(cited.cited.into_iter().filter(|c| c.strong));
        };
        let (mut at, mut chunk) = (0, 1);
        while found.cited.len() < wanted && at < days.len() {
            let these = &days[at..(at + chunk).min(days.len())];
            let mut filters = parsed.filters.clone();
            filters.narrow(date_of(*these.last().expect("a chunk has days")), date_of(these[0]));
            lookups.restriction = Restriction::new(self, searcher, &filters)?;
            let cited = self.citations(searcher, query, lookups, parsed, vector, strong)?;
            // Within a chunk: newest first, then by relevance.
            let mut cited_days = Vec::with_capacity(cited.cited.len());
            for c in &cited.cited {
                cited_days.push(day_at(searcher, c.address)?);
            }
            let mut ordered: Vec<(Option<u64>, Cited)> = cited_days.into_iter().zip(cited.cited).collect();
            ordered.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
            take(Citations { cited: ordered.into_iter().map(|(_, c)| c).collect(), ..cited }, &mut found);
            at += chunk;
            chunk *= 2;
        }
        if found.cited.len() < wanted && own.as_ref().is_none_or(|r| r.days.is_none()) {
            let all = match Restriction::new(self, searcher, &parsed.filters)? {
                Some(own) => own,
                None => Restriction::everything(searcher),
            };
            lookups.restriction = Some(all.only_undated(searcher)?);
            let cited = self.citations(searcher, query, lookups, parsed, vector, strong)?;
            take(cited, &mut found);
        }
        lookups.restriction = own;
        found.cited.truncate(wanted);
        found.answered = !found.cited.is_empty();
        found.cited = found.cited.into_iter().skip(options.offset).collect();
        Ok(found)
    }

    /// The first passages of the newest articles the filters let through, newest
    /// first (undated ones last), skipping `options.offset`.
    fn newest_within(
        &self,
        searcher: &Searcher,
        restriction: Option<&Restriction>,
        options: AskOptions,
    ) -> Result<Vec<DocAddress>, SearchError> {
        let newest = self.newest_articles(searcher, restriction, options.k + options.offset)?;
        Ok(newest.into_iter().skip(options.offset).collect())
    }

    /// A listed article (no topic asked): its first passage's lead sentence.
    fn listed(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        rank: usize,
        asked_in: &str,
    ) -> Result<Hit, SearchError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        // The first sentence that does not repeat the title, else the first.
        let body = text_of(&doc, self.fields.body);
        let lead = Some(lead_of(&body, &text_of(&doc, self.fields.title)))
            .filter(|lead| !lead.is_empty())
            .unwrap_or_else(|| lead_of(&body, ""));
        let excerpt = Excerpt { text: lead, highlights: Vec::new() };
        Ok(self.hit_of(&doc, rank, excerpt, (0.0, Match::Lexical, true), asked_in))
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
        let (doc, excerpt) = match cited.sentence {
            Some(key) => match self.numbered_sentence(searcher, &body, key, &cited, query)? {
                Some((doc, body, key)) => (doc, sentence_excerpt(&body, key)),
                None => (doc, sentence_excerpt(&body, key)),
            },
            None => {
                let near = cited.near.and_then(|key| sentence_span(&body, key));
                let closing = match query.asks {
                    Asks::Ending => self.closing_passage(searcher, &doc, query)?,
                    _ => None,
                };
                closing.unwrap_or_else(|| {
                    let excerpt = PassageMatch::new(&body, query).excerpt(&body, query, near);
                    (doc, excerpt)
                })
            }
        };
        Ok(self.hit_of(&doc, rank, excerpt, (cited.score, cited.matched, cited.strong), asked_in))
    }

    /// For a passage found by meaning: another of the article's sentences nearly as
    /// near the question ([`Cited::others`]) that holds more of the question's
    /// numbers than the nearest, `key` in `body`, with its passage and that
    /// passage's text; the nearer of two that hold as many. `None` when the
    /// nearest holds as many as any, or the question has no number.
    ///
    /// Names are not counted: a sentence that repeats the question's names is
    /// often the one that sets the scene, not the one that answers.
    fn numbered_sentence(
        &self,
        searcher: &Searcher,
        body: &str,
        key: u64,
        cited: &Cited,
        query: &QueryTerms,
    ) -> Result<Option<(TantivyDocument, String, u64)>, SearchError> {
        let numbers: Vec<&str> = query.weights.keys().map(String::as_str).filter(|t| is_number(t)).collect();
        if cited.others.is_empty() || numbers.is_empty() {
            return Ok(None);
        }
        let held = |body: &str, key: u64| {
            let Some(span) = sentence_span(body, key) else { return 0 };
            let terms = analyze(&body[span]);
            numbers.iter().filter(|n| terms.iter().any(|t| t.text == **n)).count()
        };
        let mut best = held(body, key);
        let mut chosen = None;
        for &(other, address) in &cited.others {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = text_of(&doc, self.fields.body);
            let count = held(&text, other);
            if count > best {
                best = count;
                chosen = Some((doc, text, other));
            }
        }
        Ok(chosen)
    }

    /// For a question on how something ended: the passage of the same article
    /// with words of ending ("He closed with …") that holds the most of the
    /// question's weight (the later one, when two hold as much), and its closing
    /// excerpt ([`PassageMatch::closing_excerpt`]). The closing words of a speech
    /// are seldom in the passage that names the speaker and the occasion.
    fn closing_passage(
        &self,
        searcher: &Searcher,
        doc: &TantivyDocument,
        query: &QueryTerms,
    ) -> Result<Option<(TantivyDocument, Excerpt)>, SearchError> {
        let f = self.fields;
        let id = Term::from_field_text(f.article_id, &text_of(doc, f.article_id));
        let passages = searcher.search(
            &TermQuery::new(id, IndexRecordOption::Basic),
            &TopDocs::with_limit(MAX_PASSAGES).order_by_score(),
        )?;
        let mut best: Option<((f32, u64), TantivyDocument, Excerpt)> = None;
        for (_, address) in passages {
            let passage: TantivyDocument = searcher.doc(address)?;
            let body = text_of(&passage, f.body);
            let matched = PassageMatch::new(&body, query);
            let key =
                (matched.matched_weight, passage.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0));
            if key.0 <= 0.0 || best.as_ref().is_some_and(|(k, ..)| key.0 < k.0 || key.0 == k.0 && key.1 < k.1)
            {
                continue;
            }
            if let Some(excerpt) = matched.closing_excerpt(&body, query) {
                best = Some((key, passage, excerpt));
            }
        }
        Ok(best.map(|(_, passage, excerpt)| (passage, excerpt)))
    }

    fn hit_of(
        &self,
        doc: &TantivyDocument,
        rank: usize,
        excerpt: Excerpt,
        (score, matched, strong): (f32, Match, bool),
        asked_in: &str,
    ) -> Hit {
        let f = self.fields;
        let lang = text_of(doc, f.lang);
        Hit {
            rank,
            article_id: text_of(doc, f.article_id),
            title: text_of(doc, f.title),
            source: opt_text(doc, f.source),
            date: opt_text(doc, f.date),
            url: opt_text(doc, f.url),
            foreign: !lang.is_empty() && asked_in != "und" && lang != asked_in,
            lang,
            passage: doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0),
            excerpt,
            score,
            matched,
            strong,
        }
    }
}

/// Whether a question term is a number (numbers analyse to their digits).
fn is_number(term: &str) -> bool {
    term.starts_with(|c: char| c.is_ascii_digit()) && term.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The day (`YYYYMMDD`) of the passage at `address`, if it has one.
fn day_at(searcher: &Searcher, address: DocAddress) -> Result<Option<u64>, SearchError> {
    let column = searcher.segment_reader(address.segment_ord).fast_fields().column_opt::<u64>(DAY)?;
    Ok(column.and_then(|c| c.first(address.doc_id)))
}

/// The date of a `YYYYMMDD` day.
fn date_of(day: u64) -> Option<jiff::civil::Date> {
    let (y, m, d) = (day / 10_000, day / 100 % 100, day % 100);
    jiff::civil::Date::new(i16::try_from(y).ok()?, m as i8, d as i8).ok()
}

/// Words that name no topic: what is left of "what was written yesterday", "news
/// from UNN", "що писали у лютому", "что нового" once the filters are read.
const NO_TOPIC: &[&str] = &[
    "news",
    "new",
    "happen",
    "happened",
    "happening",
    "write",
    "wrote",
    "written",
    "writing",
    "say",
    "said",
    "says",
    "report",
    "reported",
    "reports",
    "article",
    "articles",
    "story",
    "stories",
    "anything",
    "everything",
    "update",
    "updates",
    "headlines",
    "published",
    "publish",
    "show",
    "list",
    "give",
    "tell",
    "me",
    "there",
    "any",
    "новини",
    "новина",
    "новин",
    "писали",
    "пишуть",
    "написали",
    "сталося",
    "відбулося",
    "статті",
    "статей",
    "повідомляли",
    "публікації",
    "покажи",
    "нового",
    "новое",
    "новости",
    "новостей",
    "пишут",
    "случилось",
    "произошло",
    "статьи",
    "сообщали",
    "публикации",
    "покажи",
    "что",
    "що",
];

/// Whether `text` (a question without its filters) names no topic.
pub(crate) fn topicless(text: &str) -> bool {
    analyze(text)
        .iter()
        .filter(|t| !t.stopword)
        .all(|t| NO_TOPIC.contains(&text[t.start..t.end].to_lowercase().as_str()))
}
