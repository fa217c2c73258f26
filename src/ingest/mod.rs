//! The corpus: a folder of raw article files, read into clean [`Article`]s.
//!
//! Two formats are read, found recursively: `.txt`/`.md` files holding one raw
//! scraped article each, and `.jsonl` files holding one article per line. Raw text is
//! cleaned the way a reader skims a page: the date header, view counters, bylines,
//! photo captions, "Captcha" and trailing tag lists are removed, and the title and
//! outlet are picked out. Bad input never stops a run: an unreadable file or line
//! becomes a [`Skipped`] entry naming it, and everything else is read.
//!
//! This module knows nothing about the index or Telegram. [`watch`] keeps a
//! running index in step with the folder.

mod clean;
mod files;
pub mod watch;

use std::fmt;
use std::path::PathBuf;

pub use clean::parse_raw;
pub use files::{article_files, parse_file, parse_file_each, read_bytes, read_file};

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
