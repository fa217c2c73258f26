//! Plain-text rendering of answers, for the terminal (`ask`, `chat`).

use std::fmt::Write;

use crate::answer::{Answer, Hit};
use crate::retrieve::filters::{filter_description, missed_window, nothing_matches};

/// The reply when nothing relevant was found.
pub const NOTHING_FOUND: &str =
    "Nothing in the archive answers that. Try other words, or ask about a person, place or event.";

/// What an answer was filtered by, as its first line: "Feb 1-28, 2026 · from UNN ·
/// newest first"; empty without filters.
pub fn heading(answer: &Answer) -> String {
    let mut line = filter_description(&answer.filters, &answer.sources, "en");
    let order = match (answer.listing, answer.newest_first) {
        (true, _) => Some("the newest articles"),
        (false, true) => Some("newest first"),
        _ => None,
    };
    if let Some(order) = order {
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(order);
    }
    line
}

/// An answer as plain text: each excerpt in quotes with its citation under it.
/// `bold` wraps matched words in ANSI bold (for a terminal).
pub fn answer(answer: &Answer, bold: bool) -> String {
    if answer.nothing_in_filters {
        return format!("{}\n", nothing_matches(&answer.filters, &answer.sources, "en"));
    }
    let heading = heading(answer);
    if !answer.answered {
        if heading.is_empty() {
            return format!("{NOTHING_FOUND}\n");
        }
        return format!(
            "Nothing in the archive ({heading}) answers that. Try other words, or a wider window.\n"
        );
    }
    let mut out = String::new();
    if !answer.read_as.is_empty() {
        let pairs: Vec<String> =
            answer.read_as.iter().map(|(typed, read)| format!("“{typed}” as “{read}”")).collect();
        let _ = writeln!(out, "Read {}.\n", pairs.join(", "));
    }
    if let Some((since, until)) = answer.missed_window {
        let _ = writeln!(out, "{}\n", missed_window(since, until, "en"));
    }
    if !heading.is_empty() {
        let _ = writeln!(out, "{heading}\n");
    }
    for hit in &answer.hits {
        let _ = writeln!(out, "[{}] “{}”", hit.rank, excerpt(hit, bold));
        let _ = writeln!(out, "    — {}", citation(hit));
        out.push('\n');
    }
    out
}

/// "Title · Outlet · 2026-02-12 · id" ("undated" for an article without a date)
/// and the url when there is one.
pub fn citation(hit: &Hit) -> String {
    let mut parts = vec![hit.title.clone()];
    parts.extend(hit.source.clone());
    parts.push(hit.date.clone().unwrap_or_else(|| "undated".to_owned()));
    if hit.foreign {
        parts.push(hit.lang.clone());
    }
    let mut line = parts.join(" · ");
    let _ = write!(line, " [{}]", hit.article_id);
    if let Some(url) = &hit.url {
        let _ = write!(line, " {url}");
    }
    line
}

fn excerpt(hit: &Hit, bold: bool) -> String {
    let text = &hit.excerpt.text;
    if !bold {
        return text.clone();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for range in &hit.excerpt.highlights {
        out.push_str(&text[at..range.start]);
        out.push_str("\x1b[1m");
        out.push_str(&text[range.clone()]);
        out.push_str("\x1b[0m");
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}
