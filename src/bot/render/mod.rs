//! Telegram HTML for answers, articles and listings. The sentences the bot says are in
//! `phrases`, the HTML tools (escaping, measuring, packing into messages) in `html`,
//! digests and subscriptions in `digests`, and channel archiving in `channels`;
//! everything is re-exported here, so callers write `render::X`.
//!
//! Invariant: every piece of corpus or user text passes through [`escape`] exactly
//! once, and only here. Messages are measured in UTF-16 code units on the raw HTML,
//! which is never shorter than what Telegram counts after parsing, and split only
//! between blocks, or between escaped characters, never inside a tag or an entity.

mod channels;
mod digests;
mod html;
mod phrases;

use std::fmt::Write;

use crate::analysis::{HEADING_WORDS, is_heading};
use crate::answer::{Answer, Hit};
use crate::index::ArticleInfo;
use crate::retrieve::filters::{filter_description, missed_window, nothing_matches};

pub use channels::{archive_purged, archive_started, archive_status, archive_stopped, channel_name};
pub use digests::{
    digest_message, language_reply, results_reply, subscribed, subscription_line, subscriptions,
    timezone_reply, unanswered, unsubscribed,
};
pub use html::{MESSAGE_LIMIT, escape, pack, split_escaped};
use html::{pack_with, utf16_len};
pub use phrases::{Lang, Phrase, phrase};

/// Titles longer than this many characters are shortened in citations.
const TITLE_CHARS: usize = 200;

/// Excerpts longer than this many characters are shown in an expandable quote.
const EXPANDABLE_EXCERPT_CHARS: usize = 300;

/// The excerpt, escaped, with the matched words in `<b>`.
fn highlighted(hit: &Hit) -> String {
    let text = &hit.excerpt.text;
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for range in &hit.excerpt.highlights {
        // Ranges are sorted and non-overlapping by contract; skip any that are not.
        if range.start < at
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            continue;
        }
        out.push_str(&escape(&text[at..range.start]));
        out.push_str("<b>");
        out.push_str(&escape(&text[range.clone()]));
        out.push_str("</b>");
        at = range.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(chars).collect();
    format!("{}…", cut.trim_end())
}

/// What an article without a date is called where dates are listed.
fn undated(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "undated",
        Lang::Uk => "без дати",
    }
}

/// `[n] Title · Outlet · 2026-02-12` ("undated" without a date), the title linked
/// when the article has a url.
pub fn citation_line(hit: &Hit, lang: Lang) -> String {
    let title = escape(&shorten(&hit.title, TITLE_CHARS));
    let mut line = format!("[{}] ", hit.rank);
    match &hit.url {
        Some(url) => {
            let _ = write!(line, "<a href=\"{}\">{title}</a>", escape(url));
        }
        None => line.push_str(&title),
    }
    if let Some(source) = &hit.source {
        let _ = write!(line, " · {}", escape(source));
    }
    let _ = write!(line, " · {}", escape(hit.date.as_deref().unwrap_or(undated(lang))));
    // A quote in another language than the question says which.
    if hit.foreign {
        let _ = write!(line, " · {}", escape(&hit.lang));
    }
    line
}

/// One cited passage: the quote, then its citation.
pub fn citation(hit: &Hit, lang: Lang) -> String {
    let open = if hit.excerpt.text.chars().count() > EXPANDABLE_EXCERPT_CHARS {
        "<blockquote expandable>"
    } else {
        "<blockquote>"
    };
    format!("{open}{}</blockquote>\n{}", highlighted(hit), citation_line(hit, lang))
}

/// What an answer was filtered by, plain text: "Feb 1-28, 2026 · from UNN · newest
/// first"; empty without filters.
pub fn filters_line(answer: &Answer, lang: Lang) -> String {
    let mut line = filter_description(&answer.filters, &answer.sources, lang.code());
    let order = match (answer.listing, answer.newest_first, lang) {
        (true, _, Lang::En) => Some("the newest articles"),
        (true, _, Lang::Uk) => Some("найновіші статті"),
        (false, true, Lang::En) => Some("newest first"),
        (false, true, Lang::Uk) => Some("найновіші спершу"),
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

/// The answer as messages of at most [`MESSAGE_LIMIT`], split only between citations.
/// With filters, a first line says which ("🗓 Feb 1-28, 2026 · from UNN"); when
/// they leave no article at all, the reply says so instead of the usual refusal.
pub fn answer_messages(answer: &Answer, lang: Lang) -> Vec<String> {
    answer_messages_after(answer, None, lang)
}

/// [`answer_messages`], led by `note` (already HTML) when given.
pub fn answer_messages_after(answer: &Answer, note: Option<String>, lang: Lang) -> Vec<String> {
    let body = if answer.nothing_in_filters {
        vec![escape(&nothing_matches(&answer.filters, &answer.sources, lang.code()))]
    } else {
        let filters = filters_line(answer, lang);
        if !answer.answered {
            let refusal = escape(phrase(lang, Phrase::NothingFound));
            if filters.is_empty() {
                vec![refusal]
            } else {
                vec![format!("<i>{}</i>\n{refusal}", escape(&filters))]
            }
        } else {
            let missed = answer.missed_window.map(|(since, until)| missed_window(since, until, lang.code()));
            let heading = match (missed, filters.is_empty()) {
                (Some(missed), true) => Some(format!("<i>🗓 {}</i>", escape(&missed))),
                (Some(missed), false) => Some(format!("<i>🗓 {} · {}</i>", escape(&missed), escape(&filters))),
                (None, false) => Some(format!("<i>🗓 {}</i>", escape(&filters))),
                (None, true) => None,
            };
            let read_as = read_as_note(&answer.read_as, lang);
            read_as
                .into_iter()
                .chain(heading)
                .chain(answer.hits.iter().map(|hit| citation(hit, lang)))
                .collect()
        }
    };
    pack(note.into_iter().chain(body), MESSAGE_LIMIT)
}

/// Said above an answer whose question was read with typos corrected: "✏️ Read
/// “guarentees” as “guarantees”", in italics; `None` without any.
pub fn read_as_note(read_as: &[(String, String)], lang: Lang) -> Option<String> {
    if read_as.is_empty() {
        return None;
    }
    let pairs: Vec<String> = read_as
        .iter()
        .map(|(typed, read)| match lang {
            Lang::En => format!("“{typed}” as “{read}”"),
            Lang::Uk => format!("«{typed}» як «{read}»"),
        })
        .collect();
    let text = match lang {
        Lang::En => format!("✏️ Read {}", pairs.join(", ")),
        Lang::Uk => format!("✏️ Прочитано {}", pairs.join(", ")),
    };
    Some(format!("<i>{}</i>", escape(&text)))
}

/// Said before an answer that waited its turn in a busy group: how long, and why.
pub fn waited_note(seconds: u64, lang: Lang) -> String {
    let text = match lang {
        Lang::En => format!(
            "⏳ Sorry for the wait ({seconds} s): many questions came at once, and Telegram lets a bot post about 20 messages a minute in a group. Every question gets its answer, in turn."
        ),
        Lang::Uk => format!(
            "⏳ Вибачте за очікування ({seconds} с): запитань було багато одразу, а Telegram дозволяє боту надсилати в групу близько 20 повідомлень на хвилину. Кожне запитання отримає відповідь, по черзі."
        ),
    };
    format!("<i>{}</i>", escape(&text))
}

/// The first hits' citations that fit in one message, and how many that is (at
/// least one: a single citation always fits).
pub fn one_message(hits: &[Hit], lang: Lang) -> (String, usize) {
    let mut text = String::new();
    let mut fitted = 0;
    for hit in hits {
        let block = citation(hit, lang);
        let extra = if text.is_empty() { 0 } else { 2 };
        if fitted > 0 && utf16_len(&text) + extra + utf16_len(&block) > MESSAGE_LIMIT {
            break;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&block);
        fitted += 1;
    }
    (text, fitted)
}

/// A whole article: a bold title line, outlet and date, then the paragraphs.
pub fn article_messages(info: &ArticleInfo, paragraphs: &[String]) -> Vec<String> {
    let mut head = format!("<b>{}</b>", escape(&shorten(&info.title, TITLE_CHARS)));
    let meta: Vec<String> = [&info.source, &info.date].into_iter().flatten().map(|s| escape(s)).collect();
    if !meta.is_empty() {
        let _ = write!(head, "\n{}", meta.join(" · "));
    }
    if let Some(url) = &info.url {
        let _ = write!(head, "\n<a href=\"{}\">{}</a>", escape(url), escape(&shorten(url, 80)));
    }
    let blocks = std::iter::once(head).chain(paragraphs.iter().flat_map(|p| with_headings(p)));
    pack(blocks, MESSAGE_LIMIT)
}

/// The blocks of a passage's text: section headings (lines of their own) in bold as
/// blocks of their own, the lines between them escaped and split to fit a message.
fn with_headings(passage: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    for line in passage.lines() {
        if is_heading(line, HEADING_WORDS) {
            if !text.is_empty() {
                blocks.extend(split_escaped(&text.join("\n"), MESSAGE_LIMIT));
                text.clear();
            }
            blocks.push(format!("<b>{}</b>", escape(line.trim())));
        } else {
            text.push(line);
        }
    }
    if !text.is_empty() {
        blocks.extend(split_escaped(&text.join("\n"), MESSAGE_LIMIT));
    }
    blocks
}

/// Links longer than this are left out of the note under a cut article, so the note
/// stays one short message.
const CUT_LINK_CHARS: usize = 2048;

/// [`article_messages`], or when they are more than `max_messages`, the first
/// `max_messages` and a note that the rest is cut, with the article's link when it
/// has one.
pub fn article_messages_capped(
    info: &ArticleInfo,
    paragraphs: &[String],
    max_messages: usize,
    lang: Lang,
) -> Vec<String> {
    let mut messages = article_messages(info, paragraphs);
    if messages.len() > max_messages {
        messages.truncate(max_messages);
        let mut note = format!("✂️ {}", escape(phrase(lang, Phrase::ArticleCut)));
        if let Some(url) = info.url.as_deref().filter(|u| u.chars().count() <= CUT_LINK_CHARS) {
            let _ = write!(note, "\n<a href=\"{}\">{}</a>", escape(url), escape(&shorten(url, 80)));
        }
        messages.push(note);
    }
    messages
}

/// `/latest`: one line per article, newest first.
///
/// The articles are numbered as the 📄 buttons under the list are; `header` comes
/// first (a hint of how to read them, for a bare `/article`).
pub fn latest(articles: &[ArticleInfo], header: Phrase, lang: Lang) -> Vec<String> {
    if articles.is_empty() {
        return vec![escape(phrase(lang, Phrase::EmptyArchive))];
    }
    let lines = articles.iter().enumerate().map(|(n, a)| {
        let mut line = format!("{}. {}", n + 1, escape(&shorten(&a.title, 120)));
        if let Some(source) = &a.source {
            let _ = write!(line, " · {}", escape(source));
        }
        let _ = write!(line, " · {}", escape(a.date.as_deref().unwrap_or(undated(lang))));
        line
    });
    let header = format!("<b>{}</b>", escape(phrase(lang, header)));
    pack_with(std::iter::once(header).chain(lines), "\n", MESSAGE_LIMIT)
}

/// `/sources`: outlets with their article counts.
pub fn sources(sources: &[(String, usize)], lang: Lang) -> Vec<String> {
    if sources.is_empty() {
        return vec![escape(phrase(lang, Phrase::EmptyArchive))];
    }
    let unknown = match lang {
        Lang::En => "(outlet not named)",
        Lang::Uk => "(видання не вказано)",
    };
    let lines = sources.iter().enumerate().map(|(i, (name, n))| {
        let name = if name.is_empty() { unknown } else { name.as_str() };
        format!("{}. {} — {n}", i + 1, escape(name))
    });
    let header = format!("<b>{}</b>", escape(phrase(lang, Phrase::SourcesHeader)));
    pack_with(std::iter::once(header).chain(lines), "\n", MESSAGE_LIMIT)
}

/// An article as an inline result sends it (an empty inline query offers the
/// newest): the title, linked when it has a url, then outlet and date.
pub fn article_card(info: &ArticleInfo) -> String {
    let title = escape(&shorten(&info.title, TITLE_CHARS));
    let mut card = match &info.url {
        Some(url) => format!("<b><a href=\"{}\">{title}</a></b>", escape(url)),
        None => format!("<b>{title}</b>"),
    };
    let meta: Vec<String> = [&info.source, &info.date].into_iter().flatten().map(|s| escape(s)).collect();
    if !meta.is_empty() {
        let _ = write!(card, "\n{}", meta.join(" · "));
    }
    card
}

/// An inline result's description: the start of the excerpt, plain text.
pub fn inline_description(hit: &Hit) -> String {
    shorten(&hit.excerpt.text, 120)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::excerpt::Excerpt;

    fn hit(title: &str, text: &str, highlights: Vec<std::ops::Range<usize>>) -> Hit {
        Hit {
            rank: 1,
            article_id: "a".into(),
            title: title.into(),
            source: Some("AFP".into()),
            date: Some("2026-02-12".into()),
            url: Some("https://example.org/a?x=1&y=\"2\"".into()),
            lang: "en".into(),
            passage: 0,
            excerpt: Excerpt { text: text.into(), highlights },
            score: 1.0,
            matched: crate::answer::Match::Lexical,
            foreign: false,
            strong: true,
        }
    }

    #[test]
    fn citations_escape_once_and_mark_highlights() {
        let h = hit("<Budget> & you", "rates rose <sharply>", std::iter::once(0..5).collect());
        assert_eq!(
            citation(&h, Lang::En),
            "<blockquote><b>rates</b> rose &lt;sharply&gt;</blockquote>\n[1] <a href=\"https://example.org/a?x=1&amp;y=&quot;2&quot;\">&lt;Budget&gt; &amp; you</a> · AFP · 2026-02-12"
        );
    }
}
