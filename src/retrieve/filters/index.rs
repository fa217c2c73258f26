//! Filters in the index: which passages may be ranked at all.
//!
//! Every passage carries its article's day (`YYYYMMDD`, [`super::day_number`]),
//! outlet ([`outlet_key`] of its name, any case) and language as numbers, indexed and
//! as fast-field columns. A [`Restriction`] is the filters resolved against one
//! searcher: the outlets asked for become the keys of the outlets the archive has
//! whose names start with them. Ranking checks it for every passage it scores,
//! before the passage can enter the candidates (BM25 term at a time, block-max WAND
//! in large segments, nearest vectors), so the best passages *within* the filter
//! come back, not the best ones overall with the rest thrown away. Digests and the
//! "nothing in that period" check run it as a tantivy query ([`Restriction::query`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocAddress, DocId, DocSet, Order, Searcher, SegmentReader, TERMINATED, Term};

use super::{Filters, day_number};
use crate::index::{DAY, LANG_CODE, NewsIndex, OUTLET, SearchError};
use crate::retrieve::semantic::vectors::lang_code;

/// The key a passage stores for its outlet: FNV-1a of the name in lower case.
pub(crate) fn outlet_key(name: &str) -> u64 {
    crate::index::article_key(&name.to_lowercase())
}

/// One segment's columns the filters read.
struct Columns {
    day: Option<Column<u64>>,
    outlet: Option<Column<u64>>,
    lang: Option<Column<u64>>,
}

/// Windows of at most this many distinct days are queried as their days' terms
/// (posting lists, which intersections can be led by); wider ones as a range of the
/// `day` column.
const DAY_TERMS: usize = 256;

/// How the window goes into [`Restriction::query`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Days {
    /// A range over the `day` column: no set-up, read lazily (existence checks,
    /// digests).
    Range,
    /// The window's days as terms, when it has few: postings an intersection can
    /// be led by (a narrow filter driving the ranking). A range when it has many.
    Terms,
    /// Left out: the caller narrows the days itself.
    Skip,
}

/// Filters resolved against one searcher.
pub(crate) struct Restriction {
    /// Inclusive `YYYYMMDD` bounds.
    pub(crate) days: Option<(u64, u64)>,
    /// The distinct days of the archive within the window, oldest first, when they
    /// are at most [`DAY_TERMS`].
    pub(crate) day_terms: Option<Vec<u64>>,
    /// At most this many passages pass (the narrowest of the window, the outlets
    /// and the language, by their document frequencies).
    pub(crate) passages: u64,
    /// Only undated articles pass (the newest first, once the dated ran out).
    undated: bool,
    /// Outlet keys an article must have one of; empty matches nothing.
    outlets: Option<Vec<u64>>,
    not_outlets: Vec<u64>,
    lang: Option<u64>,
    /// Per segment, in the searcher's order.
    columns: Vec<Columns>,
    /// The outlets the `source:` filters matched, as the archive names them; the
    /// names asked for when they matched none.
    pub(crate) source_names: Vec<String>,
}

impl Restriction {
    /// The filters against `searcher`, or `None` when there are none.
    pub(crate) fn new(
        index: &NewsIndex,
        searcher: &Searcher,
        filters: &Filters,
    ) -> Result<Option<Restriction>, SearchError> {
        if filters.is_empty() {
            return Ok(None);
        }
        let days = filters
            .dated()
            .then(|| (filters.since.map_or(0, day_number), filters.until.map_or(u64::MAX, day_number)));
        let needs_outlets = !filters.sources.is_empty() || !filters.not_sources.is_empty();
        let outlets = if needs_outlets { index.outlets_of(searcher)? } else { BTreeSet::new() };
        let matching = |asked: &[String]| -> Vec<&String> {
            outlets.iter().filter(|name| asked.iter().any(|a| outlet_matches(name, a))).collect()
        };
        let (wanted, source_names) = if filters.sources.is_empty() {
            (None, Vec::new())
        } else {
            let found = matching(&filters.sources);
            let names = if found.is_empty() {
                filters.sources.clone()
            } else {
                found.iter().map(|n| (*n).clone()).collect()
            };
            (Some(found.iter().map(|n| outlet_key(n)).collect::<Vec<_>>()), names)
        };
        let not_outlets = matching(&filters.not_sources).iter().map(|n| outlet_key(n)).collect();
        let lang = filters.lang.as_deref().map(|l| u64::from(lang_code(l)));
        let mut columns = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let fast = reader.fast_fields();
            columns.push(Columns {
                day: if days.is_some() { fast.column_opt::<u64>(DAY)? } else { None },
                outlet: if needs_outlets { fast.column_opt::<u64>(OUTLET)? } else { None },
                lang: if lang.is_some() { fast.column_opt::<u64>(LANG_CODE)? } else { None },
            });
        }
        // How many passages can pass at most: the narrowest part.
        let f = index.fields;
        let mut passages = searcher.num_docs();
        let mut day_terms = None;
        if let Some((from, to)) = days {
            let (found, in_window) = index.days_of(searcher, from, to)?;
            passages = passages.min(in_window);
            day_terms = (found.len() <= DAY_TERMS).then(|| found.into_iter().collect());
        }
        if let Some(keys) = &wanted {
            let mut df = 0;
            for &key in keys {
                df += searcher.doc_freq(&Term::from_field_u64(f.outlet, key))?;
            }
            passages = passages.min(df);
        }
        if let Some(lang) = lang {
            passages = passages.min(searcher.doc_freq(&Term::from_field_u64(f.lang_code, lang))?);
        }
        let mut restriction = Restriction {
            days,
            day_terms,
            passages,
            undated: false,
            outlets: wanted,
            not_outlets,
            lang,
            columns,
            source_names,
        };
        if filters.impossible() {
            restriction.outlets = Some(Vec::new());
            restriction.passages = 0;
        }
        Ok(Some(restriction))
    }

    /// No filter at all (what [`Restriction::only_undated`] narrows).
    pub(crate) fn everything(searcher: &Searcher) -> Restriction {
        let columns =
            searcher.segment_readers().iter().map(|_| Columns { day: None, outlet: None, lang: None });
        Restriction {
            days: None,
            day_terms: None,
            passages: searcher.num_docs(),
            undated: false,
            outlets: None,
            not_outlets: Vec::new(),
            lang: None,
            columns: columns.collect(),
            source_names: Vec::new(),
        }
    }

    /// The same filters, for undated articles only.
    pub(crate) fn only_undated(mut self, searcher: &Searcher) -> Result<Restriction, SearchError> {
        self.undated = true;
        self.days = None;
        self.day_terms = None;
        for (columns, reader) in self.columns.iter_mut().zip(searcher.segment_readers()) {
            columns.day = reader.fast_fields().column_opt::<u64>(DAY)?;
        }
        Ok(self)
    }

    /// Whether no passage can pass (an outlet the archive does not have, a window
    /// that ends before it starts).
    pub(crate) fn excludes_everything(&self) -> bool {
        self.outlets.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether passage `doc` of segment `segment` passes.
    #[inline]
    pub(crate) fn accepts(&self, segment: u32, doc: DocId) -> bool {
        let columns = &self.columns[segment as usize];
        if self.undated && columns.day.as_ref().is_some_and(|c| c.first(doc).is_some()) {
            return false;
        }
        if let Some((from, to)) = self.days {
            match columns.day.as_ref().and_then(|c| c.first(doc)) {
                Some(day) if day >= from && day <= to => {}
                // Undated articles are in no window.
                _ => return false,
            }
        }
        if self.outlets.is_some() || !self.not_outlets.is_empty() {
            let outlet = columns.outlet.as_ref().and_then(|c| c.first(doc));
            if let Some(wanted) = &self.outlets
                && !outlet.is_some_and(|o| wanted.contains(&o))
            {
                return false;
            }
            if outlet.is_some_and(|o| self.not_outlets.contains(&o)) {
                return false;
            }
        }
        if let Some(lang) = self.lang
            && columns.lang.as_ref().and_then(|c| c.first(doc)) != Some(lang)
        {
            return false;
        }
        true
    }

    /// The filters as a tantivy query over the indexed day, outlet and language,
    /// the window as `days` says.
    pub(crate) fn query(&self, index: &NewsIndex, days: Days) -> Box<dyn Query> {
        let f = index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
        match (self.days, &self.day_terms, days) {
            (None, _, _) | (_, _, Days::Skip) => {}
            (Some(_), Some(terms), Days::Terms) => clauses.push((Occur::Must, any_day(index, terms))),
            (Some((from, to)), _, _) => clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(f.day, from)),
                    Bound::Included(Term::from_field_u64(f.day, to)),
                )),
            )),
        }
        if let Some(outlets) = &self.outlets {
            let any: Vec<(Occur, Box<dyn Query>)> = outlets
                .iter()
                .map(|&key| -> (Occur, Box<dyn Query>) {
                    let term = Term::from_field_u64(f.outlet, key);
                    (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        for &key in &self.not_outlets {
            let term = Term::from_field_u64(f.outlet, key);
            clauses.push((Occur::MustNot, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if let Some(lang) = self.lang {
            let term = Term::from_field_u64(f.lang_code, lang);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if self.undated {
            clauses.push((
                Occur::MustNot,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(f.day, 0)),
                    Bound::Included(Term::from_field_u64(f.day, u64::MAX)),
                )),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The passages of `segment` that pass, as a bit set, read from the index
    /// ([`Restriction::query`]).
    pub(crate) fn passages_in(
        &self,
        index: &NewsIndex,
        searcher: &Searcher,
        segment: &SegmentReader,
    ) -> tantivy::Result<BitSet> {
        let mut bits = BitSet::with_max_value(segment.max_doc());
        let weight =
            self.query(index, Days::Terms).weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            bits.insert(doc);
            doc = scorer.advance();
        }
        Ok(bits)
    }

    /// Whether any passage at all passes: the first match found ends the search.
    pub(crate) fn matches_any(&self, index: &NewsIndex, searcher: &Searcher) -> Result<bool, SearchError> {
        if self.excludes_everything() {
            return Ok(false);
        }
        let weight =
            self.query(index, Days::Range).weight(EnableScoring::disabled_from_searcher(searcher))?;
        for reader in searcher.segment_readers() {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let alive = reader.alive_bitset();
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    return Ok(true);
                }
                doc = scorer.advance();
            }
        }
        Ok(false)
    }
}

/// What filters read of the whole index: its outlets and its days, with the
/// passages of each day (see `NewsIndex::facets`).
#[derive(Debug, Default)]
pub(crate) struct Facets {
    outlets: BTreeSet<String>,
    days: BTreeMap<u64, u64>,
}

/// Filters that let at most this many passages through are listed by reading them
/// all ([`NewsIndex::newest_articles`]); about 2 ms a hundred thousand.
const LISTED_DIRECTLY: u64 = 200_000;

/// Any of `days`, as their terms.
fn any_day(index: &NewsIndex, days: &[u64]) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = days
        .iter()
        .map(|&day| -> (Occur, Box<dyn Query>) {
            let term = Term::from_field_u64(index.fields.day, day);
            (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// Whether the outlet `name` is the one `asked` for: `asked` starts it, in any case
/// ("unn" for "UNN", "bbc" for "BBC News"), a leading "the" aside.
pub(crate) fn outlet_matches(name: &str, asked: &str) -> bool {
    let name = name.to_lowercase();
    let asked = asked.to_lowercase();
    let asked = asked.trim();
    if asked.is_empty() {
        return false;
    }
    name.starts_with(asked) || name.strip_prefix("the ").is_some_and(|rest| rest.starts_with(asked))
}

impl NewsIndex {
    /// The first passages of the `wanted` newest articles `restriction` lets through
    /// (undated ones after the dated), newest first.
    ///
    /// A narrow filter (at most [`LISTED_DIRECTLY`] passages) is read whole and
    /// its articles ranked by day. Otherwise the archive's distinct days are read
    /// from the `day` field's terms, newest first, and the articles of the newest
    /// day, then of the two next, the four next, … are ranked by day until there
    /// are enough: the newest articles of a million passages cost a look at the
    /// last days', not a sort of them all.
    pub(crate) fn newest_articles(
        &self,
        searcher: &Searcher,
        restriction: Option<&Restriction>,
        wanted: usize,
    ) -> Result<Vec<DocAddress>, SearchError> {
        let f = self.fields;
        let mut out = Vec::new();
        if wanted == 0 || restriction.is_some_and(Restriction::excludes_everything) {
            return Ok(out);
        }
        let first_passages = || -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic))
        };
        let by_day = |query: &dyn Query, limit: usize| -> Result<Vec<DocAddress>, SearchError> {
            let top = TopDocs::with_limit(limit).order_by_u64_field(DAY, Order::Desc);
            Ok(searcher.search(query, &top)?.into_iter().map(|(_, address)| address).collect())
        };
        if let Some(r) = restriction
            && r.passages <= LISTED_DIRECTLY
        {
            let query = BooleanQuery::new(vec![
                (Occur::Must, first_passages()),
                (Occur::Must, r.query(self, Days::Terms)),
            ]);
            return by_day(&query, wanted);
        }
        let (from, to) = restriction.and_then(|r| r.days).unwrap_or((0, u64::MAX));
        let days: Vec<u64> = match restriction.and_then(|r| r.day_terms.clone()) {
            Some(days) => days.into_iter().rev().collect(),
            None => self.days_of(searcher, from, to)?.0.into_iter().rev().collect(),
        };
        let filtered = |mut clauses: Vec<(Occur, Box<dyn Query>)>| -> BooleanQuery {
            if let Some(r) = restriction {
                clauses.push((Occur::Must, r.query(self, Days::Skip)));
            }
            BooleanQuery::new(clauses)
        };
        let (mut at, mut chunk) = (0, 1);
        while out.len() < wanted && at < days.len() {
            let these = &days[at..(at + chunk).min(days.len())];
            let query = filtered(vec![(Occur::Must, first_passages()), (Occur::Must, any_day(self, these))]);
            out.extend(by_day(&query, wanted - out.len())?);
            at += chunk;
            chunk *= 2;
        }
        // Then the undated, when the window lets them in.
        if out.len() < wanted && restriction.is_none_or(|r| r.days.is_none()) {
            let dated = RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.day, 0)),
                Bound::Included(Term::from_field_u64(f.day, u64::MAX)),
            );
            let query = filtered(vec![(Occur::Must, first_passages()), (Occur::MustNot, Box::new(dated))]);
            let top = TopDocs::with_limit(wanted - out.len()).order_by_score();
            out.extend(searcher.search(&query, &top)?.into_iter().map(|(_, address)| address));
        }
        Ok(out)
    }

    /// Whether any article of the archive has a date.
    pub(crate) fn has_dated(&self, searcher: &Searcher) -> Result<bool, SearchError> {
        Ok(!self.facets(searcher)?.days.is_empty())
    }

    /// The archive's distinct days from `from` to `to` (`YYYYMMDD`, both included),
    /// oldest first, and how many passages carry them.
    pub(crate) fn days_of(
        &self,
        searcher: &Searcher,
        from: u64,
        to: u64,
    ) -> Result<(BTreeSet<u64>, u64), SearchError> {
        let facets = self.facets(searcher)?;
        let mut days = BTreeSet::new();
        let mut passages = 0;
        if from <= to {
            for (&day, &count) in facets.days.range(from..=to) {
                days.insert(day);
                passages += count;
            }
        }
        Ok((days, passages))
    }

    /// The outlets and days of the searcher's index, read from the `source` and
    /// `day` fields' terms once per searcher generation (they change only when
    /// articles are added or removed).
    fn facets(&self, searcher: &Searcher) -> Result<Arc<Facets>, SearchError> {
        self.facets.get(searcher, || self.read_facets(searcher))
    }

    fn read_facets(&self, searcher: &Searcher) -> Result<Arc<Facets>, SearchError> {
        let mut facets = Facets { outlets: BTreeSet::new(), days: BTreeMap::new() };
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(self.fields.source)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                if let Ok(name) = std::str::from_utf8(terms.key())
                    && !facets.outlets.contains(name)
                {
                    facets.outlets.insert(name.to_owned());
                }
            }
            let inverted = reader.inverted_index(self.fields.day)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                if let Ok(bytes) = <[u8; 8]>::try_from(terms.key()) {
                    *facets.days.entry(u64::from_be_bytes(bytes)).or_default() +=
                        u64::from(terms.value().doc_freq);
                }
            }
        }
        Ok(Arc::new(facets))
    }

    /// The outlets the archive names, as written.
    pub(crate) fn outlets_of(&self, searcher: &Searcher) -> Result<BTreeSet<String>, SearchError> {
        Ok(self.facets(searcher)?.outlets.clone())
    }
}
