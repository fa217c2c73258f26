//! Looking articles up: one whole article, all of them, the outlets, and the
//! articles added since a digest's cursor.

use std::collections::{HashMap, HashSet};

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use super::{NewsIndex, SearchError, opt_text, text_of};
use crate::analysis::{analyze, sentences};
use crate::retrieve::filters::Filters;
use crate::retrieve::filters::index::{Days, Restriction};

/// An article's metadata, as listed by [`NewsIndex::articles`] and [`NewsIndex::sources`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleInfo {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub lang: String,
    /// Unix milliseconds when the article entered the index. Every sync stamps the
    /// articles new to it with the time it started (an article read again, because
    /// a line was appended to its file or it was edited, keeps its first stamp), and
    /// syncs never overlap, so a later sync's new articles always carry a larger
    /// stamp: digests use it as their cursor.
    pub added: u64,
}

/// An article added to the index recently, with its opening sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreshArticle {
    pub info: ArticleInfo,
    /// The first sentence of the article, verbatim (cut at a word with "…" when over
    /// [`LEAD_MAX_CHARS`]).
    pub lead: String,
}

/// Longest lead sentence a digest shows.
pub const LEAD_MAX_CHARS: usize = 280;

impl NewsIndex {
    /// The whole cleaned article, passage by passage, or `None` for an unknown id.
    pub fn article(&self, id: &str) -> Result<Option<(ArticleInfo, Vec<String>)>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let query = TermQuery::new(Term::from_field_text(f.article_id, id), IndexRecordOption::Basic);
        let docs = searcher.search(&query, &TopDocs::with_limit(10_000).order_by_score())?;
        let mut passages: Vec<(u64, TantivyDocument)> = Vec::new();
        for (_, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            let n = doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0);
            passages.push((n, doc));
        }
        passages.sort_by_key(|(n, _)| *n);
        let Some((_, first)) = passages.first() else { return Ok(None) };
        let info = self.info(first);
        Ok(Some((info, passages.iter().map(|(_, d)| text_of(d, f.body)).collect())))
    }

    /// All articles' metadata, newest first (by date, then by when indexed).
    pub fn articles(&self) -> Result<Vec<ArticleInfo>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let query = TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic);
        let docs = searcher
            .search(&query, &TopDocs::with_limit(searcher.num_docs().max(1) as usize).order_by_score())?;
        let mut out = Vec::with_capacity(docs.len());
        for (_, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            out.push(self.info(&doc));
        }
        out.sort_by(|a, b| b.date.cmp(&a.date).then(b.added.cmp(&a.added)).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Articles added after `since` (an [`ArticleInfo::added`] stamp) that match any
    /// of the `include` words (every article when empty) and none of the `exclude`
    /// words, in title or text, and that `filters` let through (outlets, language,
    /// window, applied in the index as a question's are); newest first, like
    /// [`NewsIndex::articles`].
    pub fn fresh_articles(
        &self,
        since: u64,
        include: &[String],
        exclude: &[String],
        filters: &Filters,
    ) -> Result<Vec<FreshArticle>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let restriction = Restriction::new(self, &searcher, filters)?;
        let recent = || -> Box<dyn Query> {
            let added: Box<dyn Query> = Box::new(RangeQuery::new(
                std::ops::Bound::Excluded(Term::from_field_u64(f.added, since)),
                std::ops::Bound::Unbounded,
            ));
            match &restriction {
                Some(r) => Box::new(BooleanQuery::new(vec![
                    (Occur::Must, added),
                    (Occur::Must, r.query(self, Days::Range)),
                ])),
                None => added,
            }
        };
        let words = |words: &[String]| -> Box<dyn Query> {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for term in words.iter().flat_map(|w| analyze(w)) {
                for field in [f.body, f.title] {
                    let query =
                        TermQuery::new(Term::from_field_text(field, &term.text), IndexRecordOption::Basic);
                    clauses.push((Occur::Should, Box::new(query)));
                }
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let articles_matching = |query: &dyn Query| -> Result<HashSet<String>, SearchError> {
            let mut ids = HashSet::new();
            for address in searcher.search(query, &DocSetCollector)? {
                let doc: TantivyDocument = searcher.doc(address)?;
                ids.insert(text_of(&doc, f.article_id));
            }
            Ok(ids)
        };
        let mut wanted: Option<HashSet<String>> = None;
        if !include.is_empty() {
            let query = BooleanQuery::new(vec![(Occur::Must, recent()), (Occur::Must, words(include))]);
            wanted = Some(articles_matching(&query)?);
        }
        let unwanted = if exclude.is_empty() {
            HashSet::new()
        } else {
            articles_matching(&BooleanQuery::new(vec![
                (Occur::Must, recent()),
                (Occur::Must, words(exclude)),
            ]))?
        };
        let first_passages = BooleanQuery::new(vec![
            (Occur::Must, recent()),
            (
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic)),
            ),
        ]);
        let mut out = Vec::new();
        for address in searcher.search(&first_passages, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            let info = self.info(&doc);
            if wanted.as_ref().is_some_and(|w| !w.contains(&info.id)) || unwanted.contains(&info.id) {
                continue;
            }
            out.push(FreshArticle { lead: lead_of(&text_of(&doc, f.body), &info.title), info });
        }
        out.sort_by(|a, b| {
            b.info
                .date
                .cmp(&a.info.date)
                .then(b.info.added.cmp(&a.info.added))
                .then(a.info.id.cmp(&b.info.id))
        });
        Ok(out)
    }

    /// Outlets with their article counts, most articles first.
    pub fn sources(&self) -> Result<Vec<(String, usize)>, SearchError> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for article in self.articles()? {
            *counts.entry(article.source.unwrap_or_default()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    pub(crate) fn info(&self, doc: &TantivyDocument) -> ArticleInfo {
        let f = self.fields;
        ArticleInfo {
            id: text_of(doc, f.article_id),
            title: text_of(doc, f.title),
            source: opt_text(doc, f.source),
            date: opt_text(doc, f.date),
            url: opt_text(doc, f.url),
            lang: text_of(doc, f.lang),
            added: doc.get_first(f.added).and_then(|v| v.as_u64()).unwrap_or(0),
        }
    }
}

/// The first sentence of `text` that does not repeat `title` (an article whose title
/// is its first sentence leads with the next one), cut at a word boundary when too
/// long; empty when there is none.
pub(crate) fn lead_of(text: &str, title: &str) -> String {
    let title = title.trim_end_matches(['…', '.', ' ']);
    let repeats_title = |sentence: &str| {
        let sentence = sentence.trim_end_matches(['.', '!', '?', ' ']);
        !title.is_empty() && (sentence.starts_with(title) || title.starts_with(sentence))
    };
    let Some(sentence) = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|line| sentences(line).into_iter().map(move |(s, e)| line[s..e].trim()))
        .find(|sentence| !sentence.is_empty() && !repeats_title(sentence))
    else {
        return String::new();
    };
    if sentence.chars().count() <= LEAD_MAX_CHARS {
        return sentence.to_owned();
    }
    let cut = sentence.char_indices().nth(LEAD_MAX_CHARS).map_or(sentence.len(), |(i, _)| i);
    let cut = sentence[..cut].rfind(' ').filter(|&i| i > cut / 2).unwrap_or(cut);
    format!("{}…", sentence[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::lead_of;

    #[test]
    fn the_lead_is_the_first_sentence_that_does_not_repeat_the_title() {
        let text = "NATO ministers met in Brussels on Tuesday. They agreed to send more air defence.\nA second paragraph.";
        assert_eq!(
            lead_of(text, "NATO ministers met in Brussels on Tuesday"),
            "They agreed to send more air defence."
        );
        assert_eq!(lead_of(text, "NATO ministers met in Brussels…"), "They agreed to send more air defence.");
        assert_eq!(lead_of(text, "Ministers meet"), "NATO ministers met in Brussels on Tuesday.");
        assert_eq!(lead_of("Only a title.", "Only a title"), "");
    }
}
