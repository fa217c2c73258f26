//! What goes into a digest: the word filter, and fresh articles grouped into stories
//! (one item per story, however many outlets reported it).

use std::collections::HashSet;
use std::fmt;

use crate::analysis::analyze;
use crate::index::FreshArticle;

/// Which articles a digest takes: any of `include` (all when empty), none of `exclude`.
/// Words are matched as the search matches them (stems, any case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Filter {
    /// `nato ukraine -russia`: plain words are included, `-word` excluded.
    pub fn parse(words: &str) -> Filter {
        let mut filter = Filter::default();
        for word in words.split_whitespace() {
            match word.strip_prefix('-') {
                Some(excluded) if !excluded.is_empty() => filter.exclude.push(excluded.to_owned()),
                Some(_) => {}
                None => filter.include.push(word.to_owned()),
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> =
            self.include.iter().cloned().chain(self.exclude.iter().map(|w| format!("-{w}"))).collect();
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
