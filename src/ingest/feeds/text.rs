//! Text out of HTML: an item's content as paragraphs, and an article page's body
//! through a readability port (`dom_smoothie`), which drops navigation, ads,
//! related links and comments and keeps the paragraphs.

/// Below this many characters, an item's text is a teaser and its page is read.
pub const TEASER_CHARS: usize = 400;

/// The paragraphs of an HTML fragment (or of plain text): block elements and line
/// breaks end a paragraph; scripts, styles and tags go; entities are decoded.
pub fn html_to_paragraphs(html: &str) -> Vec<String> {
    if !html.contains('<') && !html.contains('&') {
        return split_paragraphs(html);
    }
    let document = dom_query::Document::fragment(html);
    document.select("script, style, noscript, template, iframe, object, embed, form, button").remove();
    split_paragraphs(&document.formatted_text())
}

fn split_paragraphs(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect()
}

/// Whether a feed's text for an item is only a teaser: short, or ending the way a
/// cut summary does ("…", "[...]", "Read more").
pub fn is_teaser(paragraphs: &[String]) -> bool {
    let chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
    if chars < TEASER_CHARS {
        return true;
    }
    let Some(last) = paragraphs.last() else { return true };
    let end = last.trim_end().to_lowercase();
    const CUT: [&str; 12] = [
        "…",
        "...",
        "[…]",
        "[...]",
        "read more",
        "continue reading",
        "read the full story",
        "читати далі",
        "читать далее",
        "детальніше",
        "подробнее",
        "далі »",
    ];
    CUT.iter().any(|mark| {
        end.ends_with(mark) || end.ends_with(&format!("{mark} »")) || end.ends_with(&format!("{mark}»"))
    })
}

/// What readability found on an article page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    pub site_name: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Words of a class or id that mark page furniture: ads, promos, sharing, comment
/// threads, related and most-read lists, newsletters, cookie banners.
const FURNITURE: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "adverts",
    "advertisement",
    "advertising",
    "promo",
    "promotion",
    "newsletter",
    "subscribe",
    "subscription",
    "discussion",
    "comment",
    "comments",
    "related",
    "share",
    "sharing",
    "social",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "paywall",
    "login",
    "signup",
    "register",
    "recommended",
    "recommendations",
    "outbrain",
    "taboola",
    "sponsored",
    "popular",
    "mostread",
    "trending",
    "breadcrumb",
    "breadcrumbs",
    "tags",
    "widget",
    "banner",
    "teaser",
    "teasers",
];

/// Whether a class or id names furniture: one of its words is in [`FURNITURE`], or
/// it is a "most read" / "more from" / "read also" box.
fn furniture_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> =
        lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().any(|w| FURNITURE.contains(w))
        || ["most-read", "more-from", "read-also", "read-more", "see-also", "also-read"]
            .iter()
            .any(|p| lower.contains(p))
}

/// Removes what is never article text before readability scores the page:
/// scripts, forms, navigation, and elements named as furniture, unless one holds
/// most of the page's text (a site that calls its article body "share-body").
fn strip_furniture(document: &dom_query::Document) {
    document
        .select("script, style, noscript, template, iframe, object, embed, form, button, nav, footer, aside")
        .remove();
    let total = document.select("body").text().chars().filter(|c| !c.is_whitespace()).count().max(1);
    let named = document.select("[class], [id]");
    for element in named.nodes() {
        let class = element.attr("class").map(|c| c.to_string()).unwrap_or_default();
        let id = element.attr("id").map(|c| c.to_string()).unwrap_or_default();
        if !(furniture_name(&class) || furniture_name(&id)) {
            continue;
        }
        let own = element.text().chars().filter(|c| !c.is_whitespace()).count();
        if own * 4 < total {
            element.remove_from_parent();
        }
    }
}

/// Lines readability keeps that are not article text: a date alone, an
/// "Advertisement" label, a call to log in.
fn furniture_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words = lower.split_whitespace().count();
    if lower.starts_with("advertisement") || lower.starts_with("реклама") || lower.starts_with("sponsored")
    {
        return true;
    }
    if words <= 6 && (lower.contains("log in") || lower.contains("sign in") || lower.contains("subscribe")) {
        return true;
    }
    // "4 March 2026", "2026-03-04 11:00", "Updated: 5 March 2026, 14:00".
    let has_year = lower
        .split(|c: char| !c.is_ascii_digit())
        .any(|d| d.len() == 4 && (d.starts_with("19") || d.starts_with("20")));
    let letters_only_months = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .all(|w| MONTH_WORDS.iter().any(|m| w.starts_with(m)));
    has_year && words <= 6 && letters_only_months && !line.trim_end().ends_with('.')
}

/// Words a date line may have besides numbers.
const MONTH_WORDS: &[&str] = &[
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "updated",
    "published",
    "am",
    "pm",
    "at",
    "on",
    "січ",
    "лют",
    "берез",
    "квіт",
    "трав",
    "черв",
    "лип",
    "серп",
    "верес",
    "жовт",
    "листоп",
    "груд",
    "янв",
    "фев",
    "мар",
    "апр",
    "мая",
    "май",
    "июн",
    "июл",
    "авг",
    "сен",
    "окт",
    "ноя",
    "дек",
    "оновлено",
];

/// The article body of a page, by readability; `None` when the page has none.
pub fn extract_article(html: &str, url: &url::Url) -> Option<Extracted> {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        // Bounded work on an enormous page.
        max_elements_to_parse: 200_000,
        ..Default::default()
    };
    let document = dom_query::Document::from(html);
    // The page's own name for itself, before its furniture (and meta tags) go.
    let site_name = document
        .select("meta[property='og:site_name']")
        .attr("content")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    strip_furniture(&document);
    let mut readability =
        dom_smoothie::Readability::with_document(document, Some(url.as_str()), Some(config)).ok()?;
    let article = readability.parse().ok()?;
    let paragraphs: Vec<String> =
        split_paragraphs(&article.text_content).into_iter().filter(|p| !furniture_line(p)).collect();
    if paragraphs.is_empty() {
        return None;
    }
    let title = Some(article.title.trim().to_owned()).filter(|t| !t.is_empty());
    let site_name =
        site_name.or_else(|| article.site_name.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
    Some(Extracted { title, site_name, paragraphs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_fragments_become_paragraphs() {
        let html = "<p>First &amp; <b>bold</b>.</p><script>var x = 1;</script><p>Second<br>line</p><ul><li>a</li><li>b</li></ul>";
        assert_eq!(html_to_paragraphs(html), ["First & bold.", "Second", "line", "a", "b"]);
        assert_eq!(html_to_paragraphs("plain\n\ntext"), ["plain", "text"]);
    }

    #[test]
    fn dates_and_labels_are_not_paragraphs() {
        for line in [
            "4 March 2026",
            "Updated: 5 March 2026, 14:00",
            "2026-03-04 11:00",
            "ADVERTISEMENT — Win a weekend!",
            "Log in to comment",
        ] {
            assert!(furniture_line(line), "{line}");
        }
        for line in ["In March 2026 the council met.", "The line opens in 2029.", "Marching on"] {
            assert!(!furniture_line(line), "{line}");
        }
        assert!(
            furniture_name("inline-promo")
                && furniture_name("comments")
                && furniture_name("widget most-read")
        );
        assert!(
            !furniture_name("article-content")
                && !furniture_name("story-body")
                && !furniture_name("adjacent")
        );
    }

    #[test]
    fn teasers_are_short_or_cut() {
        assert!(is_teaser(&["A short summary.".into()]));
        let long = "word ".repeat(100);
        assert!(!is_teaser(std::slice::from_ref(&long)));
        assert!(is_teaser(&[format!("{long} […]")]));
        assert!(is_teaser(&[long.clone(), "Read more »".into()]));
        assert!(is_teaser(&[format!("{long}...")]));
    }
}
