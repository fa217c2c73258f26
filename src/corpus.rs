//! The corpus: a folder of raw article files, read into clean [`Article`]s.
//!
//! Two formats are read, found recursively: `.txt`/`.md` files holding one raw
//! scraped article each, and `.jsonl` files holding one article per line. Raw text is
//! cleaned the way a reader skims a page: the date header, view counters, bylines,
//! photo captions, "Captcha" and trailing tag lists are removed, and the title and
//! outlet are picked out. Bad input never stops a run: an unreadable file or line
//! becomes a [`Skipped`] entry naming it, and everything else is read.
//!
//! This module knows nothing about the index or Telegram.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::analysis::detect_language;

/// JSON-lines feeds larger than this are skipped: a file is held in memory while
/// it is read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A raw article file (`.txt`, `.md`) larger than this is skipped: no news article
/// is that long (the longest in news-22k is under 100 KB), so it is a log, a dump
/// or a mistake, and indexing it would bury real articles.
pub const MAX_ARTICLE_BYTES: u64 = 8 * 1024 * 1024;

/// Longer `source` fields are cut, longer `url` fields dropped: both are shown in
/// every citation.
const MAX_SOURCE_CHARS: usize = 100;
const MAX_URL_BYTES: usize = 2048;

/// Titles derived from the first sentence are cut to about this many characters.
const DERIVED_TITLE_CHARS: usize = 90;

/// A cleaned article, ready to index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// Stable id: the file stem for raw files, the `id` field for JSONL lines.
    pub id: String,
    pub title: String,
    /// The outlet ("UNN", "AFP"), when the article names one.
    pub source: Option<String>,
    /// Publication date as `YYYY-MM-DD`.
    pub date: Option<String>,
    pub url: Option<String>,
    /// ISO 639-1 code ("en", "uk"), or "und" when unknown.
    pub lang: String,
    /// Body paragraphs, verbatim from the source, boilerplate removed.
    pub paragraphs: Vec<String>,
}

impl Article {
    /// The cleaned article text, paragraphs separated by blank lines.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

/// Why a file, or a line of one, was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    /// 1-based line number within a JSONL file.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

/// What reading one file produced.
#[derive(Debug, Default)]
pub struct FileContents {
    pub articles: Vec<Article>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read corpus folder {}", path.display())]
    Folder { path: PathBuf, source: std::io::Error },
}

/// The article files below `dir`, sorted by path so runs are repeatable.
pub fn article_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|source| CorpusError::Folder { path: folder.clone(), source })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            // Links are not followed: a corpus must not reach outside its folder.
            if kind.is_dir() {
                if !entry.file_name().to_string_lossy().starts_with('.') {
                    pending.push(path);
                }
            } else if kind.is_file() && is_article_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn is_article_file(path: &Path) -> bool {
    let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    !hidden && matches!(ext.as_deref(), Some("txt" | "md" | "jsonl"))
}

/// Reads one article file. Never fails: problems become [`Skipped`] entries.
pub fn read_file(path: &Path) -> FileContents {
    match read_bytes(path) {
        Ok(bytes) => parse_file(path, bytes),
        Err(skipped) => FileContents { articles: Vec::new(), skipped: vec![skipped] },
    }
}

/// The bytes of an article file, or why it cannot be read (too large, unreadable).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Skipped> {
    let skip = |reason: String| Skipped { path: path.to_path_buf(), line: None, reason };
    let is_jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    let limit = if is_jsonl { MAX_FILE_BYTES } else { MAX_ARTICLE_BYTES };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > limit => Err(skip(format!(
            "larger than {} MiB, the most one {} may be",
            limit / (1024 * 1024),
            if is_jsonl { "feed" } else { "article" }
        ))),
        Ok(_) => std::fs::read(path).map_err(|err| skip(format!("cannot read: {err}"))),
        Err(err) => Err(skip(format!("cannot read: {err}"))),
    }
}

/// Parses the bytes of an article file (`.jsonl` by extension, else raw text).
pub fn parse_file(path: &Path, bytes: Vec<u8>) -> FileContents {
    let mut articles = Vec::new();
    let skipped = parse_file_each(path, bytes, |article| {
        articles.push(article);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    FileContents { articles, skipped }
}

/// Parses the bytes of an article file like [`parse_file`], handing each article to
/// `each` as soon as it is read, so a large feed is indexed while the rest of it is
/// still being parsed. Returns what was skipped, or the first error of `each`.
pub fn parse_file_each<E>(
    path: &Path,
    bytes: Vec<u8>,
    mut each: impl FnMut(Article) -> Result<(), E>,
) -> Result<Vec<Skipped>, E> {
    let skip = |reason: String| vec![Skipped { path: path.to_path_buf(), line: None, reason }];
    let is_jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    if bytes.contains(&0) {
        return Ok(skip("binary file (contains NUL bytes)".into()));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            return Ok(skip(format!("not valid UTF-8 (at byte {})", err.utf8_error().valid_up_to())));
        }
    };
    if is_jsonl {
        return parse_jsonl(path, &text, each);
    }
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match parse_raw(&id, &text) {
        Some(article) => each(article).map(|()| Vec::new()),
        None => Ok(skip("empty: no article text".into())),
    }
}

#[derive(Deserialize)]
struct JsonArticle {
    id: serde_json::Value,
    title: Option<String>,
    text: String,
    date: Option<String>,
    source: Option<String>,
    url: Option<String>,
    lang: Option<String>,
}

fn parse_jsonl<E>(
    path: &Path,
    text: &str,
    mut each: impl FnMut(Article) -> Result<(), E>,
) -> Result<Vec<Skipped>, E> {
    let mut skipped = Vec::new();
    let mut articles = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut skip = |reason: String| {
            skipped.push(Skipped { path: path.to_path_buf(), line: Some(n + 1), reason });
        };
        let record: JsonArticle = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(err) => {
                skip(format!("not a valid article: {err}"));
                continue;
            }
        };
        let id = match &record.id {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if id.is_empty() || id.len() > 200 || id.chars().any(char::is_control) {
            skip("`id` must be a non-empty string of at most 200 characters".into());
            continue;
        }
        let date = match record.date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) if is_iso_date(d) => Some(d.to_owned()),
            Some(d) => {
                skip(format!("`date` {d:?} is not YYYY-MM-DD"));
                continue;
            }
        };
        let paragraphs = clean_paragraphs(&record.text);
        let body = Body::from_paragraphs(paragraphs, record.title.as_deref());
        let lang = nonempty(record.lang).map(|lang| lang.to_ascii_lowercase());
        let Some(mut article) = body.into_article(id, lang) else {
            skip("empty: no article text".into());
            continue;
        };
        article.date = date.or(article.date);
        // Bounded, so one citation always fits in a Telegram message.
        article.source =
            nonempty(record.source).map(|s| s.chars().take(MAX_SOURCE_CHARS).collect()).or(article.source);
        article.url = nonempty(record.url)
            .filter(|u| u.len() <= MAX_URL_BYTES)
            .and_then(|u| url::Url::parse(&u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from);
        articles += 1;
        each(article)?;
    }
    if articles == 0 && skipped.is_empty() {
        skipped.push(Skipped { path: path.to_path_buf(), line: None, reason: "empty: no articles".into() });
    }
    Ok(skipped)
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn is_iso_date(s: &str) -> bool {
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
fn clean_paragraphs(raw: &str) -> Vec<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    for line in raw.lines() {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() || is_boilerplate(line) {
            continue;
        }
        let line = strip_footnote_marker(line);
        // A caption or teaser repeated verbatim is shown once.
        if paragraphs.iter().any(|p| p == line) {
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
struct Body {
    title: Option<String>,
    source: Option<String>,
    paragraphs: Vec<String>,
}

impl Body {
    fn from_paragraphs(mut paragraphs: Vec<String>, title: Option<&str>) -> Body {
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
        if let Some(title) = &title {
            // The headline repeated over the photo is not body text.
            paragraphs.retain(|p| p != title);
        }
        if source.is_none() {
            source = paragraphs.first().and_then(|p| according_to(p));
        }
        Body { title, source, paragraphs }
    }

    /// The article, in `lang` when the feed says, else in the language its
    /// letters suggest.
    fn into_article(self, id: String, lang: Option<String>) -> Option<Article> {
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
fn derived_title(paragraph: &str) -> Option<String> {
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
    fn jsonl_dates_are_validated() {
        assert!(is_iso_date("2026-02-12"));
        assert!(!is_iso_date("2026-13-12"));
        assert!(!is_iso_date("12.02.2026"));
    }
}
