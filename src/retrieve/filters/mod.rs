//! Filters a question carries: a time window, outlets, a language, and whether it
//! asks for the newest first.
//!
//! Two kinds, anywhere in the question, in the CLI, the bot and inline mode:
//!
//! - explicit ([`explicit`]): `since:2026-02-01`, `until:2026-02-28`, `on:2026-02-03`
//!   (a day, or `2026-02` a month, `2026` a year), `source:UNN` (an outlet,
//!   case-insensitive, a prefix will do; repeated means any of them),
//!   `-source:RT`, `lang:uk|en|ru`. A `word:` that is none of these stays a word.
//! - time in plain words, in English, Ukrainian and Russian ([`when`]): "today",
//!   "last week", "in February", "у лютому", "з 1 березня", "на прошлой неделе",
//!   "between March 1 and 15", "за останні 3 дні", and "latest"/"останні новини"/
//!   "последние новости" for the newest first.
//!
//! [`parse`] is a pure function of the question and the moment it is asked in the
//! asker's time zone (a [`Zoned`]): "today" is the asker's date. The words that set a
//! filter are taken out of the text that is searched. Articles carry a publication
//! date (a calendar day, no time), so a window is a range of days, both ends
//! included. How the filter is applied in the index is in [`index`].

mod explicit;
pub(crate) mod index;
mod label;
mod when;

use jiff::Zoned;
use jiff::civil::Date;

pub use label::{filter_description, missed_window, nothing_matches, window_label};

/// What a question is filtered by. Empty means no filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// First day of the window, included.
    pub since: Option<Date>,
    /// Last day of the window, included.
    pub until: Option<Date>,
    /// Outlets, as asked (`source:unn`): an article from any of them passes. Matched
    /// case-insensitively as a prefix of the outlet's name.
    pub sources: Vec<String>,
    /// Outlets left out (`-source:rt`), matched as `sources` are.
    pub not_sources: Vec<String>,
    /// `en`, `uk` or `ru`.
    pub lang: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        !self.dated() && self.sources.is_empty() && self.not_sources.is_empty() && self.lang.is_none()
    }

    /// Whether a time window is set (undated articles are then left out).
    pub fn dated(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Narrows the window to the days both windows share.
    pub(crate) fn narrow(&mut self, since: Option<Date>, until: Option<Date>) {
        if let Some(since) = since {
            self.since = Some(self.since.map_or(since, |s| s.max(since)));
        }
        if let Some(until) = until {
            self.until = Some(self.until.map_or(until, |u| u.min(until)));
        }
    }

    /// Whether the window holds no day at all ("since:2026-03-01 until:2026-02-01").
    pub fn impossible(&self) -> bool {
        matches!((self.since, self.until), (Some(since), Some(until)) if since > until)
    }
}

/// A question with its filters taken out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The question as asked.
    pub question: String,
    /// What is searched: the question without the words that set a filter.
    pub text: String,
    pub filters: Filters,
    /// "latest", "newest", "what's new about", "останні новини", "последние новости":
    /// relevant articles newest first.
    pub newest_first: bool,
    /// The window (`filters.since`, `filters.until`) was read from words ("last
    /// week"), not from `since:`/`until:`/`on:`.
    pub window_in_words: bool,
    /// The question without its explicit filters and words asking for the newest,
    /// its time words kept: searched when the window in words holds no article.
    pub text_with_time: String,
    /// The question without its explicit filters only: searched when the archive
    /// has no dated article at all, where time words are only words.
    pub plain_text: String,
}

impl Parsed {
    /// A question asked with nothing taken out of it (no filter words read).
    pub fn plain(question: &str) -> Parsed {
        Parsed {
            question: question.to_owned(),
            text: question.to_owned(),
            text_with_time: question.to_owned(),
            plain_text: question.to_owned(),
            ..Parsed::default()
        }
    }

    /// The same question with its time words and words asking for the newest
    /// read as words (the archive has no dated article).
    pub fn undated(&self) -> Parsed {
        let mut filters = self.filters.clone();
        if self.window_in_words {
            (filters.since, filters.until) = (None, None);
        }
        Parsed {
            question: self.question.clone(),
            text: self.plain_text.clone(),
            filters,
            newest_first: false,
            window_in_words: false,
            text_with_time: self.plain_text.clone(),
            plain_text: self.plain_text.clone(),
        }
    }

    /// The same question without its window in words, whose words are searched
    /// (the window holds no article).
    pub fn without_window(&self) -> Parsed {
        let mut filters = self.filters.clone();
        (filters.since, filters.until) = (None, None);
        Parsed { text: self.text_with_time.clone(), filters, window_in_words: false, ..self.clone() }
    }
}

/// Reads the filters out of `question`, asked at `now` (its time zone is the
/// asker's: "today" and "in February" are the asker's).
///
/// Explicit dates (`since:`, `until:`, `on:`) win: with one, time in words is left
/// as words ("nasdaq short in march falls since:1987-03-01"). Several windows in
/// words narrow each other ("in February since the 10th"); when they share no day,
/// only the last is read and the others stay words ("results for the year to feb
/// 27, Mar 25 1987").
pub fn parse(question: &str, now: &Zoned) -> Parsed {
    let today = now.date();
    let (rest, mut filters) = explicit::extract(question);
    let found = when::extract(&rest, today);
    let mut windows: Vec<_> = if filters.dated() { Vec::new() } else { found.windows };
    let mut shared = Filters::default();
    for (_, (since, until)) in &windows {
        shared.narrow(*since, *until);
    }
    if shared.impossible() && windows.len() > 1 {
        windows.drain(..windows.len() - 1);
    }
    for (_, (since, until)) in &windows {
        filters.narrow(*since, *until);
    }
    let mut spans: Vec<(usize, usize)> = windows.iter().map(|(span, _)| *span).collect();
    spans.extend(&found.newest);
    spans.sort_unstable();
    Parsed {
        question: question.to_owned(),
        text: when::without(&rest, &spans),
        filters,
        newest_first: !found.newest.is_empty(),
        window_in_words: !windows.is_empty(),
        text_with_time: when::without(&rest, &found.newest),
        plain_text: when::without(&rest, &[]),
    }
}

/// Only the explicit filters of `text` (`source:UNN`, `lang:uk`, `since:…`): the
/// text without them, and the filters. Digests read their keywords this way.
pub fn explicit_filters(text: &str) -> (String, Filters) {
    explicit::extract(text)
}

/// The calendar day of `date` as the index stores it: `YYYYMMDD` as a number, which
/// orders as the dates do.
pub(crate) fn day_number(date: Date) -> u64 {
    let year = u64::try_from(date.year()).unwrap_or(0);
    year * 10_000 + date.month() as u64 * 100 + date.day() as u64
}

/// The `YYYYMMDD` number of an article's `YYYY-MM-DD` date.
pub(crate) fn day_of(date: &str) -> Option<u64> {
    date.parse::<Date>().ok().map(day_number)
}

#[cfg(test)]
mod tests;
