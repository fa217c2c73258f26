//! Cleaning raw scraped text the way a reader skims a page: the date header, view
//! counters, bylines, captions, "Captcha" and trailing tag lists go; the title and
//! outlet are picked out.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::{Article, DERIVED_TITLE_CHARS};
use crate::analysis::{HEADING_WORDS, detect_language, is_heading};

pub(super) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

/// Cleans one raw scraped article. `None` when nothing readable is left.
pub fn parse_raw(id: &str, raw: &str) -> Option<Article> {
    let mut date = None;
    let mut lines: Vec<&str> = raw.lines().collect();
    // The scraper's header: " date 2026-02-12 <ticker or breadcrumb>".
    if let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) {
        let header = lines[first].trim();
        if let Some(rest) = header.strip_prefix("date ") {
            let candidate = rest.trim_start().get(..10).unwrap_or("");
            if is_iso_date(candidate) {
                date = Some(candidate.to_owned());
                lines.remove(first);
            }
        }
    }
    let paragraphs = clean_paragraphs(&lines.join("\n"));
    let mut article = Body::from_paragraphs(paragraphs, None).into_article(id.to_owned(), None)?;
    article.date = date;
    Some(article)
}

/// Paragraphs of raw text with line-level boilerplate removed; the title is not yet
/// known, so it is still among them.
pub(super) fn clean_paragraphs(raw: &str) -> Vec<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    // Lines kept so far, to drop repeats in one look-up (a file of a million
    // distinct short lines stays linear).
    let mut seen: HashSet<&str> = HashSet::new();
    for line in raw.lines() {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() || is_boilerplate(line) {
            continue;
        }
        let line = strip_footnote_marker(line);
        // A caption or teaser repeated verbatim is shown once.
        if !seen.insert(line) {
            continue;
        }
        paragraphs.push(line.to_owned());
    }
    paragraphs
}

/// Lines longer than this (in bytes, trailing punctuation aside) are never a
/// furniture phrase or a view counter.
const MAX_FURNITURE_BYTES: usize = 48;

/// Lines that are page furniture, never article text.
fn is_boilerplate(line: &str) -> bool {
    static EXACT: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        vec![
            "do you like this article?",
            "captcha",
            "captcha *",
            "share",
            "share this article",
            "read also",
            "read more",
            "advertisement",
            "subscribe",
            "comments",
            "related",
            "related articles",
            "читайте також",
            "поділитися",
            "реклама",
            "коментарі",
            "підписуйтесь",
            "details",
            "recall",
            "also read",
        ]
    });
    let core = line.trim_end_matches([':', '.', ' ']);
    // The phrases and counters are short; most lines are paragraphs, not worth
    // lowercasing.
    if core.len() <= MAX_FURNITURE_BYTES {
        let lower = core.to_lowercase();
        if EXACT.contains(&lower.as_str()) {
            return true;
        }
        // "• 34 views", "34 переглядів".
        let mut words = lower.split(|c: char| c.is_whitespace() || c == '•').filter(|w| !w.is_empty());
        if let (Some(n), Some(unit), None) = (words.next(), words.next(), words.next())
            && n.chars().all(|c| c.is_ascii_digit())
            && matches!(unit, "views" | "view" | "переглядів" | "перегляди" | "перегляд" | "comments")
        {
            return true;
        }
    }
    // A breadcrumb: "1. В Україні".
    if line.len() < 60
        && line.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && !line.ends_with(['.', '!', '?'])
    {
        return true;
    }
    // A photo caption ends in a credit: "... on November 27. [Simon Wohlfahrt/AFP]".
    if line.ends_with(']') && line.rfind('[').is_some_and(|i| line[i..].contains('/') && i > 0) {
        return true;
    }
    // A time stamp: "09:24, 2 лютого 2026".
    let first = line.split([',', ' ']).next().unwrap_or("");
    if line.len() < 40
        && first.len() == 5
        && first.as_bytes()[2] == b':'
        && first.replace(':', "").chars().all(|c| c.is_ascii_digit())
    {
        return true;
    }
    false
}

/// Drops a footnote number glued to the first word ("1Assessing" → "Assessing").
fn strip_footnote_marker(line: &str) -> &str {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return line;
    }
    let mut rest = line[digits..].chars();
    match (rest.next(), rest.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => &line[digits..],
        _ => line,
    }
}

/// The paragraphs of an article being assembled, before the title, outlet and
/// trailing furniture are picked out.
pub(super) struct Body {
    title: Option<String>,
    source: Option<String>,
    paragraphs: Vec<String>,
}

impl Body {
    pub(super) fn from_paragraphs(mut paragraphs: Vec<String>, title: Option<&str>) -> Body {
        let mut source = None;
        // Bylines and datelines name the outlet: "Kyiv • UNN", "By Kontur and AFP |".
        paragraphs.retain(|p| match outlet_line(p) {
            Some(outlet) => {
                source.get_or_insert(outlet);
                false
            }
            None => true,
        });
        strip_trailing_tags(&mut paragraphs);
        let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(t.to_owned()),
            None => take_title_line(&mut paragraphs),
        };
        if let Some(title) = &title
            && paragraphs.len() > 1
        {
            // The headline repeated over the photo is not body text; but a text that
            // is all headline (a one-line post) is its own body.
            paragraphs.retain(|p| p != title);
        }
        drop_teasers(&mut paragraphs);
        if source.is_none() {
            source = paragraphs.first().and_then(|p| according_to(p));
        }
        Body { title, source, paragraphs }
    }

    /// The article, in `lang` when the feed says, else in the language its
    /// letters suggest.
    pub(super) fn into_article(self, id: String, lang: Option<String>) -> Option<Article> {
        if self.paragraphs.is_empty() {
            return None;
        }
        // A title with something to read in it: the headline, the first sentence,
        // or at worst the article's id.
        let title = self
            .title
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .or_else(|| self.paragraphs.iter().find_map(|p| derived_title(p)))
            .unwrap_or_else(|| id.clone());
        let lang = lang.unwrap_or_else(|| {
            let sample: String = self.paragraphs.iter().take(10).map(String::as_str).collect();
            detect_language(&format!("{title} {sample}")).to_owned()
        });
        Some(Article {
            id,
            title,
            source: self.source,
            date: None,
            url: None,
            lang,
            paragraphs: self.paragraphs,
        })
    }
}

/// The outlet named by a dateline ("Kyiv • UNN") or byline ("By Kontur and AFP |").
fn outlet_line(line: &str) -> Option<String> {
    if line.chars().count() > 60 {
        return None;
    }
    if let Some((place, outlet)) = line.split_once('•') {
        let (place, outlet) = (place.trim(), outlet.trim());
        if !place.is_empty() && !outlet.is_empty() {
            return Some(outlet.to_owned());
        }
    }
    let by = line.strip_prefix("By ").or_else(|| line.strip_prefix("Автор: "))?;
    let names = by.trim_end_matches(|c: char| c == '|' || c.is_whitespace());
    // A byline is names, not a sentence: "By 2030, Ukraine plans…" is not one.
    let name_like = !names.is_empty()
        && !names.ends_with(['.', '!', '?'])
        && !names.chars().any(|c| c.is_ascii_digit())
        && names
            .split([' ', ',', '&'])
            .filter(|w| !w.is_empty() && *w != "and")
            .all(|w| w.starts_with(|c: char| c.is_uppercase()));
    if !name_like {
        return None;
    }
    let last = names.rsplit([',', '&']).next()?.rsplit(" and ").next()?.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

/// The outlet a lead attributes itself to: "..., according to Suspilne."
fn according_to(paragraph: &str) -> Option<String> {
    let first_sentence = paragraph.split(". ").next()?;
    let (_, after) = first_sentence.rsplit_once("according to ")?;
    let name = after.trim_end_matches(['.', ' ']);
    let proper = name.split(' ').all(|w| w.starts_with(|c: char| c.is_uppercase()));
    (proper && !name.is_empty() && name.split(' ').count() <= 4).then(|| name.to_owned())
}

/// Words a teaser line has at most: a headline, not a paragraph.
const TEASER_WORDS: usize = 40;

/// Removes headlines of other stories placed between paragraphs ("Trump praises
/// Ukraine-Russia talks as … cold snap"): a headline-like line (no closing mark)
/// longer than a section heading, or one of 7 words or more straight before
/// another headline-like line (a teaser, then the section heading). Section
/// headings stay; excerpts never include them
/// ([`is_heading`](crate::analysis::is_heading)).
fn drop_teasers(paragraphs: &mut Vec<String>) {
    let headline = |p: &String| is_heading(p, TEASER_WORDS);
    let teaser: Vec<bool> = (0..paragraphs.len())
        .map(|i| {
            let p = &paragraphs[i];
            let inside = i > 0 && i + 1 < paragraphs.len();
            let words = p.split_whitespace().count();
            inside
                && headline(p)
                && (words > HEADING_WORDS || words >= 7 && paragraphs.get(i + 1).is_some_and(headline))
        })
        .collect();
    let mut flags = teaser.into_iter();
    paragraphs.retain(|_| !flags.next().unwrap_or(false));
}

/// Removes the tag list and byline at the end of a page: a run of short lines with no
/// sentence punctuation ("Sanctions", "War in Ukraine", "НАТО Україна війна Бельгія").
fn strip_trailing_tags(paragraphs: &mut Vec<String>) {
    let keep = paragraphs.len().min(1);
    while paragraphs.len() > keep {
        let last = paragraphs.last().expect("length checked above");
        let words = last.split_whitespace().count();
        if words <= 6 && !ends_like_sentence(last) {
            paragraphs.pop();
        } else {
            break;
        }
    }
}

fn ends_like_sentence(line: &str) -> bool {
    line.trim_end().ends_with(['.', '!', '?', '…', '"', '”', '»', ':', ';'])
}

/// Takes the headline out of the first paragraphs: the first line that reads like a
/// headline (at least three words, no closing period, not too long). A one-word
/// rubric before it ("Security") is dropped with it.
fn take_title_line(paragraphs: &mut Vec<String>) -> Option<String> {
    for i in 0..paragraphs.len().min(3) {
        let line = &paragraphs[i];
        let words = line.split_whitespace().count();
        if words >= 3 && line.chars().count() <= 200 && !line.trim_end().ends_with(['.', '…']) {
            let title = paragraphs.remove(i);
            // Anything before the headline is a rubric or breadcrumb.
            paragraphs.drain(..i);
            return Some(title);
        }
        if words >= 3 {
            // A first paragraph of prose: the page has no headline line.
            return None;
        }
    }
    None
}

/// A readable title from the first sentence, cut at a clause or word boundary.
pub(super) fn derived_title(paragraph: &str) -> Option<String> {
    // The first sentence with a letter or digit in it (not a stray "." or "—").
    let sentence = paragraph
        .split_inclusive(['.', '!', '?'])
        .map(|s| s.trim().trim_end_matches('.').trim())
        .find(|s| s.chars().any(char::is_alphanumeric))?;
    if sentence.chars().count() <= DERIVED_TITLE_CHARS {
        return Some(sentence.to_owned());
    }
    let cut: String = sentence.chars().take(DERIVED_TITLE_CHARS).collect();
    // Prefer the end of a clause, then a word boundary.
    let at = cut.rfind([',', ';', ':']).filter(|&i| i >= 40).or_else(|| cut.rfind(' '));
    let head = at.map_or(cut.as_str(), |i| &cut[..i]).trim_end_matches([',', ';', ':', ' ']);
    Some(format!("{head}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_lines_are_recognised() {
        for line in
            ["• 34 views", "Do you like this article?", "Captcha *", "1. В Україні", "09:24, 2 лютого 2026"]
        {
            assert!(is_boilerplate(line), "{line:?}");
        }
        for line in ["NATO Secretary General Mark Rutte stated that the US remains a key player.", "1998"] {
            assert!(!is_boilerplate(line), "{line:?}");
        }
    }

    #[test]
    fn sentences_starting_with_by_are_not_bylines() {
        assert_eq!(outlet_line("By 2030, Ukraine plans to produce 1,000 drones a day."), None);
        assert_eq!(outlet_line("By the end of the year"), None);
        assert_eq!(outlet_line("By Kontur and AFP |").as_deref(), Some("AFP"));
        assert_eq!(outlet_line("Kyiv • UNN").as_deref(), Some("UNN"));
    }

    #[test]
    fn footnote_markers_are_stripped() {
        assert_eq!(strip_footnote_marker("1Assessing the realism"), "Assessing the realism");
        assert_eq!(strip_footnote_marker("3D printing"), "3D printing");
        assert_eq!(strip_footnote_marker("2022 was"), "2022 was");
    }

    #[test]
    fn derived_titles_are_short() {
        let title = derived_title(
            "Countries of the North Atlantic Alliance may offer Ukraine a guarantee of security in the form of ongoing economic and military assistance. More.",
        )
        .unwrap();
        assert!(title.chars().count() <= DERIVED_TITLE_CHARS + 1, "{title}");
        assert!(title.starts_with("Countries of the North Atlantic Alliance"), "{title}");
    }

    #[test]
    fn a_title_always_has_something_to_read() {
        // Found by the parser property test: a text opening with a stray full stop.
        assert_eq!(derived_title(".НАТО. ").as_deref(), Some("НАТО"));
        assert_eq!(derived_title(". — ."), None);
        let article = parse_raw("x-1", ". — .\n\nNATO met.").unwrap();
        assert_eq!(article.title, "NATO met");
    }

    #[test]
    fn a_text_that_is_all_headline_keeps_it_as_its_body() {
        let one_line = vec!["Air raid alert in Kyiv".to_owned()];
        let article =
            Body::from_paragraphs(one_line, Some("Air raid alert in Kyiv")).into_article("p".into(), None);
        assert_eq!(article.unwrap().paragraphs, ["Air raid alert in Kyiv"]);
        // With a body beside it, the repeated headline is dropped as before.
        let two = vec!["Air raid alert in Kyiv".to_owned(), "Go to the shelters.".to_owned()];
        let article =
            Body::from_paragraphs(two, Some("Air raid alert in Kyiv")).into_article("p".into(), None);
        assert_eq!(article.unwrap().paragraphs, ["Go to the shelters."]);
    }

    #[test]
    fn jsonl_dates_are_validated() {
        assert!(is_iso_date("2026-02-12"));
        assert!(!is_iso_date("2026-13-12"));
        assert!(!is_iso_date("12.02.2026"));
    }
}
