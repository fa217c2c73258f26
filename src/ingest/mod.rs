//! The corpus: a folder of raw article files, read into clean [`Article`]s.
//!
//! Two formats are read, found recursively: `.txt`/`.md` files holding one raw
//! scraped article each, and `.jsonl` files holding one article per line. Raw text is
//! cleaned the way a reader skims a page: the date header, view counters, bylines,
//! photo captions, "Captcha" and trailing tag lists are removed, and the title and
//! outlet are picked out. Bad input never stops a run: an unreadable file or line
//! becomes a [`Skipped`] entry naming it, and everything else is read.
//!
//! This module knows nothing about the index or the Bot API. [`watch`] keeps a
//! running index in step with the folder; [`telegram`] writes channel posts into it
//! as article lines (from the bot, or from a Telegram Desktop export).

mod clean;
pub mod feeds;
mod files;
pub mod telegram;
pub mod watch;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

pub use clean::parse_raw;
pub use files::{
    article_files, duplicate_id, parse_file, parse_file_each, raw_article_id, read_bytes, read_file,
};

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
    /// Stable id, one article's in a corpus: the path below the corpus folder
    /// without extension for raw files ([`raw_article_id`]: the file stem for files
    /// directly in it), the `id` field for JSONL lines.
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
    /// One line, whatever the file is called: names and reasons are [`escaped`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = escaped_path(&self.path);
        let reason = escaped(&self.reason);
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {reason}"),
            None => write!(f, "{path}: {reason}"),
        }
    }
}

/// What a reader of one article file made of an article handed to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Taken,
    /// Not taken, for this reason; the article is [`Skipped`] by name and line.
    Refused(String),
}

/// `text` safe to print on one line of a log or terminal: control characters (line
/// breaks, escape sequences), line separators and bidirectional overrides are written
/// as Rust escapes (`\n`, `\u{202e}`). Corpus file names are anyone's bytes, and a
/// name with a line break in it would otherwise forge a log line.
pub fn escaped(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path [`escaped`] for printing.
pub fn escaped_path(path: &Path) -> String {
    escaped(&path.to_string_lossy()).into_owned()
}

/// What reading one file produced.
#[derive(Debug, Default)]
pub struct FileContents {
    pub articles: Vec<Article>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read corpus folder {}", escaped_path(path))]
    Folder { path: PathBuf, source: std::io::Error },
}
