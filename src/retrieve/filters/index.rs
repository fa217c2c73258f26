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

use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Searcher, Term};

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

/// Filters resolved against one searcher.
pub(crate) struct Restriction {
    /// Inclusive `YYYYMMDD` bounds.
    days: Option<(u64, u64)>,
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
        let mut restriction = Restriction { days, outlets: wanted, not_outlets, lang, columns, source_names };
        if filters.impossible() {
            restriction.outlets = Some(Vec::new());
        }
        Ok(Some(restriction))
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

    /// The filters as a tantivy query over the indexed day, outlet and language.
    pub(crate) fn query(&self, index: &NewsIndex) -> Box<dyn Query> {
        let f = index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
        if let Some((from, to)) = self.days {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(f.day, from)),
                    Bound::Included(Term::from_field_u64(f.day, to)),
                )),
            ));
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
        Box::new(BooleanQuery::new(clauses))
    }

    /// Whether any passage at all passes.
    pub(crate) fn matches_any(&self, index: &NewsIndex, searcher: &Searcher) -> Result<bool, SearchError> {
        if self.excludes_everything() {
            return Ok(false);
        }
        let found = searcher.search(&*self.query(index), &TopDocs::with_limit(1).order_by_score())?;
        Ok(!found.is_empty())
    }
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
    /// The outlets the archive names, as written, from the `source` field's terms.
    pub(crate) fn outlets_of(&self, searcher: &Searcher) -> Result<BTreeSet<String>, SearchError> {
        let mut names = BTreeSet::new();
        let mut seen = HashSet::new();
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(self.fields.source)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                let bytes = terms.key();
                if seen.insert(bytes.to_vec())
                    && let Ok(name) = std::str::from_utf8(bytes)
                {
                    names.insert(name.to_owned());
                }
            }
        }
        Ok(names)
    }
}
