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

use jiff::Zoned;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

pub use crate::retrieve::filters::{Filters, Parsed};
pub use crate::retrieve::{AskOptions, DEFAULT_MIN_COVERAGE, Match};

use crate::analysis::{analyze, detect_language};
use crate::index::{DAY, NewsIndex, SearchError, lead_of, opt_text, text_of};
use crate::retrieve::filters::index::Restriction;
use crate::retrieve::filters::{self};
use crate::retrieve::{Citations, Cited, QueryTerms};
use excerpt::{Excerpt, PassageMatch, sentence_excerpt};

/// Articles considered when a question asks for the newest first: the most
/// relevant this many, of which those strong enough to cite are shown newest first.
pub const NEWEST_POOL: usize = 50;

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
    pub fn ask_parsed(&self, parsed: &Parsed, options: AskOptions) -> Result<Answer, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let (query, mut lookups) = self.query_terms(&searcher, &parsed.text)?;
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
            let cited = if parsed.newest_first {
                let pool =
                    AskOptions { k: NEWEST_POOL.max(options.k + options.offset), offset: 0, ..options };
                let cited = self.citations(&searcher, &query, &lookups, parsed, pool)?;
                newest_of(&searcher, cited, options)?
            } else {
                self.citations(&searcher, &query, &lookups, parsed, options)?
            };
            // Only the passages shown are read and analysed, for their excerpts.
            for (i, passage) in cited.cited.into_iter().enumerate() {
                answer.hits.push(self.cite(&searcher, &query, passage, options.offset + i + 1, asked_in)?);
            }
            answer.answered = cited.answered;
            answer.coverage = cited.coverage;
        }
        if !answer.answered
            && let Some(restriction) = &lookups.restriction
        {
            answer.nothing_in_filters = !restriction.matches_any(self, &searcher)?;
        }
        answer.took = started.elapsed();
        Ok(answer)
    }

    /// The ranked passages to cite: lexical, or hybrid with the semantic layer.
    fn citations(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &crate::retrieve::terms::Lookups,
        parsed: &Parsed,
        options: AskOptions,
    ) -> Result<Citations, SearchError> {
        Ok(match self.question_vector(&parsed.text, query) {
            Some((semantic, vector)) => {
                self.hybrid(searcher, query, lookups, semantic, &vector, options, &parsed.text)?
            }
            None => self.rank(searcher, query, lookups, options)?.citations(options.min_coverage),
        })
    }

    /// The first passages of the newest articles the filters let through, newest
    /// first (undated ones last), skipping `options.offset`.
    fn newest_within(
        &self,
        searcher: &Searcher,
        restriction: Option<&Restriction>,
        options: AskOptions,
    ) -> Result<Vec<DocAddress>, SearchError> {
        let f = self.fields;
        let first: Box<dyn Query> =
            Box::new(TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic));
        let query: Box<dyn Query> = match restriction {
            Some(r) => Box::new(BooleanQuery::new(vec![(Occur::Must, first), (Occur::Must, r.query(self))])),
            None => first,
        };
        let collector = TopDocs::with_limit(options.k.max(1))
            .and_offset(options.offset)
            .order_by_u64_field(DAY, Order::Desc);
        Ok(searcher.search(&*query, &collector)?.into_iter().map(|(_, address)| address).collect())
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
        Ok(self.hit_of(&doc, rank, excerpt, 0.0, Match::Lexical, asked_in))
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
        Ok(self.hit_of(&doc, rank, excerpt, cited.score, cited.matched, asked_in))
    }

    fn hit_of(
        &self,
        doc: &TantivyDocument,
        rank: usize,
        excerpt: Excerpt,
        score: f32,
        matched: Match,
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
        }
    }
}

/// The relevant articles of `cited` newest first (undated ones after the dated,
/// and those too weak to cite, kept for evaluation, after all of them, in their
/// order), then the page `options` asks for.
fn newest_of(
    searcher: &Searcher,
    mut cited: Citations,
    options: AskOptions,
) -> Result<Citations, SearchError> {
    let mut days = Vec::with_capacity(cited.cited.len());
    for c in &cited.cited {
        let column = searcher.segment_reader(c.address.segment_ord).fast_fields().column_opt::<u64>(DAY)?;
        days.push(column.and_then(|col| col.first(c.address.doc_id)));
    }
    let mut order: Vec<(usize, Cited)> = cited.cited.drain(..).enumerate().collect();
    // Stable: equal days keep their order by relevance.
    order.sort_by(|(a, x), (b, y)| y.strong.cmp(&x.strong).then(days[*b].cmp(&days[*a])));
    cited.answered = order.first().is_some_and(|(_, c)| c.strong);
    cited.cited = order.into_iter().map(|(_, c)| c).skip(options.offset).take(options.k).collect();
    Ok(cited)
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
