//! Plain-text rendering of answers, for the terminal (`ask`, `chat`).

use std::fmt::Write;

use crate::answer::{Answer, Hit};

/// The reply when nothing relevant was found.
pub const NOTHING_FOUND: &str =
    "Nothing in the archive answers that. Try other words, or ask about a person, place or event.";

/// An answer as plain text: each excerpt in quotes with its citation under it.
/// `bold` wraps matched words in ANSI bold (for a terminal).
pub fn answer(answer: &Answer, bold: bool) -> String {
    if !answer.answered {
        return format!("{NOTHING_FOUND}\n");
    }
    let mut out = String::new();
    for hit in &answer.hits {
        let _ = writeln!(out, "[{}] “{}”", hit.rank, excerpt(hit, bold));
        let _ = writeln!(out, "    — {}", citation(hit));
        out.push('\n');
    }
    out
}

/// "Title · Outlet · 2026-02-12 · id" and the url when there is one.
pub fn citation(hit: &Hit) -> String {
    let mut parts = vec![hit.title.clone()];
    parts.extend(hit.source.clone());
    parts.extend(hit.date.clone());
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
