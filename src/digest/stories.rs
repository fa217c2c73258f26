//! What goes into a digest: the word filter, and fresh articles grouped into stories
//! (one item per story, however many outlets reported it).

use std::collections::HashSet;
use std::fmt;

use crate::analysis::analyze;
use crate::index::FreshArticle;
use crate::retrieve::filters::{Filters, explicit_filters};

/// Which articles a digest takes: any of `include` (all when empty), none of `exclude`,
/// and with `source:`/`lang:` filters only those outlets and that language.
/// Words are matched as the search matches them (stems, any case); outlets as
/// questions match them (a prefix of the name, any case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `source:UNN`: only these outlets (any of them).
    pub sources: Vec<String>,
    /// `-source:RT`: not these.
    pub not_sources: Vec<String>,
    /// `lang:uk`.
    pub lang: Option<String>,
}

impl Filter {
    /// `nato ukraine -russia source:UNN -source:RT lang:uk`: plain words are
    /// included, `-word` excluded, and the outlet and language filters read as in
    /// questions (`source:"BBC News"` or `source:BBC_News` for a name with spaces).
    /// Time filters (`since:`) mean nothing in a digest, which takes what is new,
    /// and are left out.
    pub fn parse(words: &str) -> Filter {
        let (rest, filters) = explicit_filters(words);
        let mut filter = Filter {
            sources: filters.sources,
            not_sources: filters.not_sources,
            lang: filters.lang,
            ..Filter::default()
        };
        for word in rest.split_whitespace() {
            match word.strip_prefix('-') {
                Some(excluded) if !excluded.is_empty() => filter.exclude.push(excluded.to_owned()),
                Some(_) => {}
                None => filter.include.push(word.to_owned()),
            }
        }
        filter
    }

    /// The filter as a subscription stores it: its included words (with the
    /// `source:` and `lang:` filters) and its excluded ones (with the outlets left
    /// out, as `source:X`), each space-separated. [`Filter::stored`] reads them back.
    pub fn to_stored(&self) -> (String, String) {
        let mut include = self.include.clone();
        include.extend(self.sources.iter().map(|s| format!("source:{}", s.replace(' ', "_"))));
        include.extend(self.lang.iter().map(|l| format!("lang:{l}")));
        let mut exclude = self.exclude.clone();
        exclude.extend(self.not_sources.iter().map(|s| format!("source:{}", s.replace(' ', "_"))));
        (include.join(" "), exclude.join(" "))
    }

    /// A subscription's filter from what [`Filter::to_stored`] wrote.
    pub fn stored(include: &str, exclude: &str) -> Filter {
        let excluded: Vec<String> = exclude.split_whitespace().map(|w| format!("-{w}")).collect();
        Filter::parse(&format!("{include} {}", excluded.join(" ")))
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty()
            && self.exclude.is_empty()
            && self.sources.is_empty()
            && self.not_sources.is_empty()
            && self.lang.is_none()
    }

    /// The outlet and language filters, as the index applies them.
    pub fn filters(&self) -> Filters {
        Filters {
            sources: self.sources.clone(),
            not_sources: self.not_sources.clone(),
            lang: self.lang.clone(),
            ..Filters::default()
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outlet = |s: &String| s.replace(' ', "_");
        let words: Vec<String> = self
            .include
            .iter()
            .cloned()
            .chain(self.exclude.iter().map(|w| format!("-{w}")))
            .chain(self.sources.iter().map(|s| format!("source:{}", outlet(s))))
            .chain(self.not_sources.iter().map(|s| format!("-source:{}", outlet(s))))
            .chain(self.lang.iter().map(|l| format!("lang:{l}")))
            .collect();
        f.write_str(&words.join(" "))
    }
}

/// One outlet's report of a digest item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRef {
    pub article_id: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
}

/// A story in a digest: one title and lead, and every outlet that reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestItem {
    pub title: String,
    /// The opening sentence of the first report, verbatim.
    pub lead: String,
    pub date: Option<String>,
    pub sources: Vec<SourceRef>,
}

/// A digest: its stories, newest first, and the cursor to continue from next time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub items: Vec<DigestItem>,
    /// The newest `added` stamp among the articles considered; the next digest takes
    /// only articles added after it.
    pub cursor: u64,
}

/// Share of shared words above which two reports are the same story.
const SAME_STORY_SIMILARITY: f32 = 0.4;

/// Groups fresh articles (newest first) into stories: an article joins the first
/// earlier story whose title and lead share enough words with its own.
pub fn build(articles: Vec<FreshArticle>, since: u64) -> Digest {
    let cursor = articles.iter().map(|a| a.info.added).max().unwrap_or(since).max(since);
    let mut stories: Vec<(HashSet<String>, DigestItem)> = Vec::new();
    for article in articles {
        let words = story_words(&article);
        let source = SourceRef {
            article_id: article.info.id.clone(),
            outlet: article.info.source.clone(),
            url: article.info.url.clone(),
            date: article.info.date.clone(),
        };
        let same = stories.iter_mut().find(|(other, _)| similarity(&words, other) >= SAME_STORY_SIMILARITY);
        match same {
            Some((_, item)) => {
                if !item.sources.iter().any(|s| s.outlet.is_some() && s.outlet == source.outlet) {
                    item.sources.push(source);
                }
            }
            None => stories.push((
                words,
                DigestItem {
                    title: article.info.title,
                    lead: article.lead,
                    date: article.info.date,
                    sources: vec![source],
                },
            )),
        }
    }
    Digest { items: stories.into_iter().map(|(_, item)| item).collect(), cursor }
}

fn story_words(article: &FreshArticle) -> HashSet<String> {
    let mut text = article.info.title.clone();
    text.push(' ');
    text.push_str(&article.lead);
    analyze(&text).into_iter().filter(|t| !t.stopword).map(|t| t.text).collect()
}

/// Jaccard similarity of two word sets.
fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_split_included_and_excluded_words() {
        let filter = Filter::parse("NATO  ukraine -russia - -");
        assert_eq!(filter.include, ["NATO", "ukraine"]);
        assert_eq!(filter.exclude, ["russia"]);
        assert_eq!(filter.to_string(), "NATO ukraine -russia");
        assert!(Filter::parse("").is_empty());
    }

    #[test]
    fn filters_take_outlets_and_a_language() {
        let filter =
            Filter::parse("nato -russia source:UNN -source:RT lang:uk source:\"BBC News\" since:2026-02-01");
        assert_eq!(filter.include, ["nato"]);
        assert_eq!(filter.exclude, ["russia"]);
        assert_eq!(filter.sources, ["UNN", "BBC News"]);
        assert_eq!(filter.not_sources, ["RT"]);
        assert_eq!(filter.lang.as_deref(), Some("uk"));
        assert_eq!(filter.to_string(), "nato -russia source:UNN source:BBC_News -source:RT lang:uk");
        // As a subscription stores it, and back.
        let (include, exclude) = filter.to_stored();
        assert_eq!(include, "nato source:UNN source:BBC_News lang:uk");
        assert_eq!(exclude, "russia source:RT");
        assert_eq!(Filter::stored(&include, &exclude), filter);
        // Stored before outlet filters existed: words only.
        let old = Filter::stored("nato ukraine", "russia");
        assert_eq!((old.include.len(), old.exclude.len(), old.sources.len()), (2, 1, 0));
    }

    fn fresh(id: &str, outlet: &str, title: &str, lead: &str, added: u64) -> FreshArticle {
        FreshArticle {
            info: crate::index::ArticleInfo {
                id: id.into(),
                title: title.into(),
                source: Some(outlet.into()),
                date: Some("2026-02-12".into()),
                url: Some(format!("https://{outlet}.example/{id}")),
                lang: "en".into(),
                added,
            },
            lead: lead.into(),
        }
    }

    #[test]
    fn one_story_from_several_outlets_is_one_item() {
        let articles = vec![
            fresh(
                "a",
                "UNN",
                "Rutte: the US will pressure Russia and support Ukraine",
                "NATO Secretary General Mark Rutte said the US remains key to supporting Ukraine and pressuring Russia.",
                10,
            ),
            fresh(
                "b",
                "Suspilne",
                "Power outages in Kyiv after overnight strikes",
                "Kyiv had power cuts after strikes on energy sites.",
                11,
            ),
            fresh(
                "c",
                "AFP",
                "US to keep pressuring Russia and backing Ukraine, NATO's Rutte says",
                "The United States will keep pressuring Russia and supporting Ukraine, NATO chief Mark Rutte said on Thursday.",
                12,
            ),
        ];
        let digest = build(articles, 5);
        assert_eq!(digest.cursor, 12);
        assert_eq!(digest.items.len(), 2, "{digest:#?}");
        let outlets: Vec<_> = digest.items[0].sources.iter().map(|s| s.outlet.clone().unwrap()).collect();
        assert_eq!(outlets, ["UNN", "AFP"]);
        assert_eq!(digest.items[1].sources.len(), 1);
        assert_eq!(build(Vec::new(), 5).cursor, 5, "an empty digest keeps the cursor");
    }
}
