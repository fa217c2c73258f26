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
    CUT.iter().any(|mark| end.ends_with(mark) || end.ends_with(&format!("{mark} »")) || end.ends_with(&format!("{mark}»")))
}

/// What readability found on an article page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    pub site_name: Option<String>,
    pub paragraphs: Vec<String>,
}

/// The article body of a page, by readability; `None` when the page has none.
pub fn extract_article(html: &str, url: &url::Url) -> Option<Extracted> {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        // Bounded work on an enormous page.
        max_elements_to_parse: 200_000,
        ..Default::default()
    };
    let mut readability = dom_smoothie::Readability::new(html, Some(url.as_str()), Some(config)).ok()?;
    let article = readability.parse().ok()?;
    let paragraphs: Vec<String> = split_paragraphs(&article.text_content);
    if paragraphs.is_empty() {
        return None;
    }
    let title = Some(article.title.trim().to_owned()).filter(|t| !t.is_empty());
    let site_name = article.site_name.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
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
    fn teasers_are_short_or_cut() {
        assert!(is_teaser(&["A short summary.".into()]));
        let long = "word ".repeat(100);
        assert!(!is_teaser(&[long.clone()]));
        assert!(is_teaser(&[format!("{long} […]")]));
        assert!(is_teaser(&[long.clone(), "Read more »".into()]));
        assert!(is_teaser(&[format!("{long}...")]));
    }
}
