//! Digests and the replies of the digest and settings commands: subscriptions,
//! time zones, unanswered questions.

use std::fmt::Write;

use super::html::{escape, pack_with, utf16_len};
use super::phrases::{Lang, Phrase, phrase};
use super::{MESSAGE_LIMIT, TITLE_CHARS, shorten};
use crate::digest::{Digest, DigestItem, TimeOfDay};
use crate::store::Subscription;

/// A digest as one message: a heading, then each story (title, linked when it has a
/// url; lead sentence; its outlets and date). Stories that do not fit are counted
/// on a last line.
pub fn digest_message(digest: &Digest, filter: &str, lang: Lang) -> String {
    let mut head = format!("<b>📰 {}</b>", escape(phrase(lang, Phrase::DigestHeader)));
    if !filter.is_empty() {
        let _ = write!(head, " · {}", escape(filter));
    }
    let blocks: Vec<String> =
        digest.items.iter().enumerate().map(|(n, item)| digest_item(n + 1, item)).collect();
    let mut text = head;
    let mut shown = 0;
    for block in &blocks {
        // Room for the "and N more" line, should a later story not fit.
        if utf16_len(&text) + 2 + utf16_len(block) + 60 > MESSAGE_LIMIT {
            break;
        }
        text.push_str("\n\n");
        text.push_str(block);
        shown += 1;
    }
    let rest = blocks.len() - shown;
    if rest > 0 {
        let more = match lang {
            Lang::En => format!("…and {rest} more: /latest"),
            Lang::Uk => format!("…і ще {rest}: /latest"),
        };
        let _ = write!(text, "\n\n{}", escape(&more));
    }
    text
}

fn digest_item(n: usize, item: &DigestItem) -> String {
    let title = escape(&shorten(&item.title, TITLE_CHARS));
    let linked = item.sources.iter().find_map(|s| s.url.as_ref());
    let mut block = match linked {
        Some(url) => format!("{n}. <b><a href=\"{}\">{title}</a></b>", escape(url)),
        None => format!("{n}. <b>{title}</b>"),
    };
    if !item.lead.is_empty() {
        let _ = write!(block, "\n{}", escape(&item.lead));
    }
    let mut meta: Vec<String> = Vec::new();
    for source in &item.sources {
        // An article without a named outlet shows its site, or nothing: never its id.
        let Some(outlet) = source.outlet.clone().or_else(|| source.url.as_deref().and_then(site_of)) else {
            continue;
        };
        let outlet = escape(&outlet);
        meta.push(match (&source.url, item.sources.len() > 1) {
            (Some(url), true) => format!("<a href=\"{}\">{outlet}</a>", escape(url)),
            _ => outlet,
        });
    }
    if let Some(date) = &item.date {
        meta.push(escape(date));
    }
    if !meta.is_empty() {
        let _ = write!(block, "\n<i>{}</i>", meta.join(" · "));
    }
    block
}

/// The site of an article's url, as readers name it: `www.bbc.co.uk` is `bbc.co.uk`.
fn site_of(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_owned();
    Some(host.strip_prefix("www.").map(str::to_owned).unwrap_or(host))
}

/// One subscription, as `/subscriptions` lists it and `/subscribe` confirms it.
pub fn subscription_line(sub: &Subscription, lang: Lang) -> String {
    let at = TimeOfDay::from_minute_of_day(sub.minute_of_day);
    let mut line = format!("#{} · {at} {}", sub.id, escape(&sub.tz));
    if let Some(title) = &sub.chat_title {
        let _ = write!(line, " · {}", escape(title));
    }
    let words: Vec<String> = sub
        .include
        .split_whitespace()
        .map(str::to_owned)
        .chain(sub.exclude.split_whitespace().map(|w| format!("-{w}")))
        .collect();
    if !words.is_empty() {
        let _ = write!(line, " · {}", escape(&words.join(" ")));
    }
    if sub.thread_id.is_some() {
        line.push_str(match lang {
            Lang::En => " · in this topic",
            Lang::Uk => " · у цій темі",
        });
    }
    if let Some(reason) = &sub.paused {
        let paused = match lang {
            Lang::En => "paused",
            Lang::Uk => "призупинено",
        };
        let _ = write!(line, " · ⏸ {paused}: {}", escape(reason));
    }
    line
}

/// `/subscriptions`: every subscription on its own line.
pub fn subscriptions(subs: &[Subscription], lang: Lang) -> Vec<String> {
    if subs.is_empty() {
        return vec![escape(phrase(lang, Phrase::NoSubscriptions))];
    }
    let header = format!("<b>{}</b>", escape(phrase(lang, Phrase::SubscriptionsHeader)));
    let lines = subs.iter().map(|s| format!("• {}", subscription_line(s, lang)));
    pack_with(std::iter::once(header).chain(lines), "\n", MESSAGE_LIMIT)
}

/// The confirmation of a new subscription, with when the first digest comes.
pub fn subscribed(sub: &Subscription, first: &str, lang: Lang) -> String {
    let line = subscription_line(sub, lang);
    match lang {
        Lang::En => format!("Done: a digest every day. {line}\nThe next one: {}.", escape(first)),
        Lang::Uk => format!("Готово: дайджест щодня. {line}\nНаступний: {}.", escape(first)),
    }
}

/// How many subscriptions `/unsubscribe` removed.
pub fn unsubscribed(count: usize, lang: Lang) -> String {
    match (lang, count) {
        (Lang::En, 0) => "There was no such digest here.".into(),
        (Lang::En, 1) => "Stopped 1 digest.".into(),
        (Lang::En, n) => format!("Stopped {n} digests."),
        (Lang::Uk, 0) => "Такого дайджесту тут немає.".into(),
        (Lang::Uk, n) => format!("Скасовано дайджестів: {n}."),
    }
}

/// The reply to `/timezone NAME` for an unknown name, or after setting a known one.
pub fn timezone_reply(name: &str, known: bool, lang: Lang) -> String {
    let name = escape(name);
    match (lang, known) {
        (Lang::En, true) => format!("Digests here now follow {name}."),
        (Lang::Uk, true) => format!("Дайджести тут тепер за часом {name}."),
        (Lang::En, false) => {
            format!("I don't know the time zone “{name}”. {}", escape(phrase(lang, Phrase::TimezoneUsage)))
        }
        (Lang::Uk, false) => {
            format!("Не знаю часового поясу «{name}». {}", escape(phrase(lang, Phrase::TimezoneUsage)))
        }
    }
}

/// `/language`: what the chat's language is now (`None`: each person's own), said in it.
pub fn language_reply(choice: Option<&str>, lang: Lang) -> String {
    match (lang, choice) {
        (Lang::En, Some(_)) => "I will write English in this chat.".to_owned(),
        (Lang::Uk, Some(_)) => "У цьому чаті я писатиму українською.".to_owned(),
        (Lang::En, None) => "I will write in each person's Telegram language in this chat.".to_owned(),
        (Lang::Uk, None) => "У цьому чаті я писатиму мовою Telegram кожної людини.".to_owned(),
    }
}

/// `/results`: how many quotes an answer in this chat shows now.
pub fn results_reply(choice: Option<usize>, default: usize, lang: Lang) -> String {
    match (lang, choice) {
        (Lang::En, Some(n)) => format!("Answers here will show up to {n} quotes."),
        (Lang::Uk, Some(n)) => format!("Цитат у відповіді тут: до {n}."),
        (Lang::En, None) => format!("Answers here will show up to {default} quotes, the default."),
        (Lang::Uk, None) => format!("Цитат у відповіді тут: до {default}, як спочатку."),
    }
}

/// `/unanswered`: questions with how often each was asked.
pub fn unanswered(questions: &[(String, u64)], lang: Lang) -> Vec<String> {
    if questions.is_empty() {
        return vec![escape(phrase(lang, Phrase::UnansweredEmpty))];
    }
    let header = format!("<b>{}</b>", escape(phrase(lang, Phrase::UnansweredHeader)));
    let lines = questions.iter().map(|(q, n)| {
        let q = escape(&shorten(q, 200));
        if *n > 1 { format!("• {q} (×{n})") } else { format!("• {q}") }
    });
    pack_with(std::iter::once(header).chain(lines), "\n", MESSAGE_LIMIT)
}
