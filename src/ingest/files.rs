//! Finding and reading article files: raw text files and JSON-lines feeds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::clean::parse_raw;
use super::clean::{Body, clean_paragraphs, is_iso_date};
use super::{
    Article, CorpusError, FileContents, MAX_ARTICLE_BYTES, MAX_FILE_BYTES, MAX_SOURCE_CHARS, MAX_URL_BYTES,
    Skipped, Verdict,
};

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

/// Parses the bytes of an article file (`.jsonl` by extension, else raw text). A raw
/// file's article is named by its file stem; a feed's second article with an id
/// already used in it is skipped.
pub fn parse_file(path: &Path, bytes: Vec<u8>) -> FileContents {
    let mut articles: Vec<Article> = Vec::new();
    let mut ids = HashSet::new();
    let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let skipped = parse_file_each(path, &id, bytes, |article| {
        if !ids.insert(article.id.clone()) {
            return Ok::<_, std::convert::Infallible>(Verdict::Refused(duplicate_id(
                &article.id,
                "this file",
            )));
        }
        articles.push(article);
        Ok(Verdict::Taken)
    })
    .unwrap_or_else(|never| match never {});
    FileContents { articles, skipped }
}

/// The id of the article in a raw file at `relative`, its path below the corpus
/// folder: the path without its extension, `/`-separated ("x" for `x.txt`, "a/x" for
/// `a/x.md`), so files of the same name in different folders are different articles.
pub fn raw_article_id(relative: &Path) -> String {
    let mut parts: Vec<String> = match relative.parent() {
        Some(parent) => parent.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
        None => Vec::new(),
    };
    parts.push(relative.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    parts.join("/")
}

/// Why an article was refused for its id, `holder` saying where the id is taken.
pub fn duplicate_id(id: &str, holder: &str) -> String {
    format!("duplicate id {id:?}: already used by an article in {holder}")
}

/// Parses the bytes of an article file like [`parse_file`], handing each article to
/// `each` as soon as it is read, so a large feed is indexed while the rest of it is
/// still being parsed. A raw file's article gets the id `raw_id`. An article `each`
/// refuses is skipped, by name and line, with the reason it gives. Returns what was
/// skipped, or the first error of `each`.
pub fn parse_file_each<E>(
    path: &Path,
    raw_id: &str,
    bytes: Vec<u8>,
    mut each: impl FnMut(Article) -> Result<Verdict, E>,
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
    match parse_raw(raw_id, &text) {
        Some(article) => Ok(match each(article)? {
            Verdict::Taken => Vec::new(),
            Verdict::Refused(reason) => skip(reason),
        }),
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
    mut each: impl FnMut(Article) -> Result<Verdict, E>,
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
        match each(article)? {
            Verdict::Taken => articles += 1,
            Verdict::Refused(reason) => {
                skipped.push(Skipped { path: path.to_path_buf(), line: Some(n + 1), reason });
            }
        }
    }
    if articles == 0 && skipped.is_empty() {
        skipped.push(Skipped { path: path.to_path_buf(), line: None, reason: "empty: no articles".into() });
    }
    Ok(skipped)
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}
