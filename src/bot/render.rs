//! Telegram HTML for answers, articles and listings, and every sentence the bot says,
//! in English and Ukrainian.
//!
//! Invariant: every piece of corpus or user text passes through [`escape`] exactly
//! once, and only here. Messages are measured in UTF-16 code units on the raw HTML,
//! which is never shorter than what Telegram counts after parsing, and split only
//! between blocks, or between escaped characters, never inside a tag or an entity.

use std::fmt::Write;

use crate::digest::{Digest, DigestItem, TimeOfDay};
use crate::search::{Answer, ArticleInfo, Hit};
use crate::store::Subscription;

/// Telegram's limit for one message, in UTF-16 code units after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Titles longer than this many characters are shortened in citations.
const TITLE_CHARS: usize = 200;

/// Excerpts longer than this many characters are shown in an expandable quote.
const EXPANDABLE_EXCERPT_CHARS: usize = 300;

/// The language the bot answers in, from the user's Telegram `language_code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Uk,
}

impl Lang {
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(code) if code.starts_with("uk") => Lang::Uk,
            _ => Lang::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
        }
    }
}

/// Everything the bot says that is not archive content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phrase {
    Start,
    Help,
    NothingFound,
    AskUsage,
    ArticleUsage,
    ArticleNotFound,
    NotAllowed,
    SlowDown,
    Unavailable,
    TextOnly,
    UnknownCommand,
    Expired,
    NoMore,
    Thanks,
    LatestHeader,
    SourcesHeader,
    EmptyArchive,
    ButtonMore,
    ButtonArticle,
    DigestHeader,
    DigestEmpty,
    SubscribeUsage,
    ManagersOnly,
    BotAdminsOnly,
    NoSubscriptions,
    SubscriptionsHeader,
    TimezoneUsage,
    ChannelNotFound,
    ChannelNotAdmin,
    ChannelCantPost,
    LanguageUsage,
    ResultsUsage,
    Saved,
    UnansweredEmpty,
    UnansweredHeader,
    UnsubscribeUsage,
}

/// The sentence for `phrase` in `lang`, as plain text (no HTML).
pub fn phrase(lang: Lang, phrase: Phrase) -> &'static str {
    use Phrase::*;
    match (lang, phrase) {
        (Lang::En, Start) => {
            "Hi! I answer questions about the news archive with quotes from the articles. Send me a question, e.g. “What did Rutte say about security guarantees?”. /help lists everything I can do."
        }
        (Lang::Uk, Start) => {
            "Вітаю! Я відповідаю на запитання про архів новин цитатами зі статей. Надішліть запитання, наприклад «Що Рютте сказав про гарантії безпеки?». /help — усе, що я вмію."
        }
        (Lang::En, Help) => {
            "Ask a question and I reply with the passages that answer it, each with its article's title, outlet and date.\n\n• In a private chat, just write the question.\n• In a group: /ask your question, reply to one of my messages, or mention me.\n• Anywhere: type @ and my name, then the question (inline mode).\n\n/latest — newest articles\n/article ID — a whole article\n/sources — outlets in the archive\n\nDigests:\n/digest [keywords] — what is new since the last digest\n/subscribe 08:00 [keywords] [-excluded] — a digest every day (in a group, admins only; for a channel: /subscribe @channel 08:00 …)\n/subscriptions, /unsubscribe — see and stop them\n/timezone Europe/Kyiv — the time zone of this chat's digests\n/language en|uk|auto, /results 1-10 — how I answer here"
        }
        (Lang::Uk, Help) => {
            "Поставте запитання, і я відповім уривками, що на нього відповідають, з назвою статті, виданням і датою.\n\n• В особистому чаті просто напишіть запитання.\n• У групі: /ask і запитання, відповідь на моє повідомлення або згадка мене.\n• Будь-де: наберіть @ і моє ім'я, потім запитання (inline-режим).\n\n/latest — найновіші статті\n/article ID — уся стаття\n/sources — видання в архіві\n\nДайджести:\n/digest [ключові слова] — що нового від останнього дайджесту\n/subscribe 08:00 [слова] [-виключені] — дайджест щодня (у групі лише для адміністраторів; для каналу: /subscribe @канал 08:00 …)\n/subscriptions, /unsubscribe — переглянути й скасувати\n/timezone Europe/Kyiv — часовий пояс дайджестів цього чату\n/language en|uk|auto, /results 1-10 — як я відповідаю тут"
        }
        (Lang::En, NothingFound) => {
            "I found nothing in the archive that answers this. Try other words, or ask about a person, place or event."
        }
        (Lang::Uk, NothingFound) => {
            "В архіві немає нічого, що відповідає на це запитання. Спробуйте інші слова або запитайте про людину, місце чи подію."
        }
        (Lang::En, AskUsage) => {
            "Write the question after the command, e.g. /ask What did Stoltenberg say about Putin?"
        }
        (Lang::Uk, AskUsage) => {
            "Напишіть запитання після команди, наприклад /ask Що сказав Чернєв про миротворців?"
        }
        (Lang::En, ArticleUsage) => {
            "Give the article's id, e.g. /article 003_d3c851319a9cef4d (ids are shown under every quote)."
        }
        (Lang::Uk, ArticleUsage) => {
            "Вкажіть ідентифікатор статті, наприклад /article 003_d3c851319a9cef4d (його видно під кожною цитатою)."
        }
        (Lang::En, ArticleNotFound) => "There is no article with that id in the archive.",
        (Lang::Uk, ArticleNotFound) => "В архіві немає статті з таким ідентифікатором.",
        (Lang::En, NotAllowed) => "Sorry, this bot is private and does not answer here.",
        (Lang::Uk, NotAllowed) => "Вибачте, це приватний бот, і тут він не відповідає.",
        (Lang::En, SlowDown) => "That's a lot of questions at once. Please wait a minute and ask again.",
        (Lang::Uk, SlowDown) => "Забагато запитань за короткий час. Зачекайте хвилину й запитайте знову.",
        (Lang::En, Unavailable) => "Search is unavailable right now. Please try again later.",
        (Lang::Uk, Unavailable) => "Пошук зараз недоступний. Спробуйте пізніше.",
        (Lang::En, TextOnly) => "I can only read text. Send your question as a message.",
        (Lang::Uk, TextOnly) => "Я читаю лише текст. Надішліть запитання повідомленням.",
        (Lang::En, UnknownCommand) => "I don't know that command. /help lists what I can do.",
        (Lang::Uk, UnknownCommand) => "Я не знаю такої команди. /help — що я вмію.",
        (Lang::En, Expired) => "This answer has expired. Please ask again.",
        (Lang::Uk, Expired) => "Ця відповідь застаріла. Запитайте ще раз.",
        (Lang::En, NoMore) => "No more results.",
        (Lang::Uk, NoMore) => "Більше результатів немає.",
        (Lang::En, Thanks) => "Thanks for the feedback!",
        (Lang::Uk, Thanks) => "Дякую за відгук!",
        (Lang::En, LatestHeader) => "Newest articles:",
        (Lang::Uk, LatestHeader) => "Найновіші статті:",
        (Lang::En, SourcesHeader) => "Outlets in the archive:",
        (Lang::Uk, SourcesHeader) => "Видання в архіві:",
        (Lang::En, EmptyArchive) => "The archive is empty.",
        (Lang::Uk, EmptyArchive) => "Архів порожній.",
        (Lang::En, ButtonMore) => "More ▸",
        (Lang::Uk, ButtonMore) => "Ще ▸",
        (Lang::En, ButtonArticle) => "Full article",
        (Lang::Uk, ButtonArticle) => "Уся стаття",
        (Lang::En, DigestHeader) => "News digest",
        (Lang::Uk, DigestHeader) => "Дайджест новин",
        (Lang::En, DigestEmpty) => "Nothing new since the last digest.",
        (Lang::Uk, DigestEmpty) => "Від останнього дайджесту нічого нового.",
        (Lang::En, SubscribeUsage) => {
            "Give a time and, if you like, keywords: /subscribe 08:00 nato ukraine -russia. The time is in this chat's time zone (see /timezone). For a channel you manage, send me /subscribe @channel 08:00 … in a private chat."
        }
        (Lang::Uk, SubscribeUsage) => {
            "Вкажіть час і, за бажанням, ключові слова: /subscribe 08:00 нато україна -росія. Час — у часовому поясі цього чату (див. /timezone). Для каналу, яким ви керуєте, надішліть мені /subscribe @канал 08:00 … в особистому чаті."
        }
        (Lang::En, ManagersOnly) => "Only this chat's admins can change its digests and settings.",
        (Lang::Uk, ManagersOnly) => {
            "Змінювати дайджести й налаштування цього чату можуть лише його адміністратори."
        }
        (Lang::En, BotAdminsOnly) => "Only the bot's admins can see that.",
        (Lang::Uk, BotAdminsOnly) => "Це бачать лише адміністратори бота.",
        (Lang::En, NoSubscriptions) => "No digests are scheduled here. /subscribe 08:00 starts one.",
        (Lang::Uk, NoSubscriptions) => "Тут не заплановано дайджестів. /subscribe 08:00 — почати.",
        (Lang::En, SubscriptionsHeader) => "Scheduled digests:",
        (Lang::Uk, SubscriptionsHeader) => "Заплановані дайджести:",
        (Lang::En, TimezoneUsage) => {
            "Give a time zone by its IANA name, e.g. /timezone Europe/Kyiv or /timezone America/New_York."
        }
        (Lang::Uk, TimezoneUsage) => {
            "Вкажіть часовий пояс за назвою IANA, наприклад /timezone Europe/Kyiv або /timezone America/New_York."
        }
        (Lang::En, ChannelNotFound) => {
            "I can't find that channel. Check its @name and add me to it as an admin who may post messages."
        }
        (Lang::Uk, ChannelNotFound) => {
            "Не можу знайти цей канал. Перевірте його @назву й додайте мене адміністратором із правом публікувати."
        }
        (Lang::En, ChannelNotAdmin) => "Only admins of that channel can schedule digests there.",
        (Lang::Uk, ChannelNotAdmin) => "Планувати дайджести в каналі можуть лише його адміністратори.",
        (Lang::En, ChannelCantPost) => {
            "I may not post in that channel: make me an admin with the right to post messages, then try again."
        }
        (Lang::Uk, ChannelCantPost) => {
            "Я не можу публікувати в цьому каналі: зробіть мене адміністратором із правом публікувати й спробуйте знову."
        }
        (Lang::En, LanguageUsage) => {
            "/language en or /language uk sets the language I use in this chat; /language auto follows each person's Telegram language."
        }
        (Lang::Uk, LanguageUsage) => {
            "/language uk або /language en — мова, якою я пишу в цьому чаті; /language auto — мова Telegram кожної людини."
        }
        (Lang::En, ResultsUsage) => {
            "/results 1 to 10 sets how many quotes an answer here shows; /results default resets it."
        }
        (Lang::Uk, ResultsUsage) => {
            "/results від 1 до 10 — скільки цитат у відповіді тут; /results default — як спочатку."
        }
        (Lang::En, Saved) => "Saved.",
        (Lang::Uk, Saved) => "Збережено.",
        (Lang::En, UnansweredEmpty) => "Every question so far found an answer.",
        (Lang::Uk, UnansweredEmpty) => "Поки що кожне запитання знайшло відповідь.",
        (Lang::En, UnansweredHeader) => "Recent questions that found nothing:",
        (Lang::Uk, UnansweredHeader) => "Останні запитання без відповіді:",
        (Lang::En, UnsubscribeUsage) => {
            "/unsubscribe stops every digest of this chat (or topic); /unsubscribe 3 stops digest #3 of /subscriptions; /unsubscribe @channel stops a channel's."
        }
        (Lang::Uk, UnsubscribeUsage) => {
            "/unsubscribe — скасувати всі дайджести цього чату (чи теми); /unsubscribe 3 — дайджест №3 зі /subscriptions; /unsubscribe @канал — дайджести каналу."
        }
    }
}

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
        let outlet = escape(source.outlet.as_deref().unwrap_or(&source.article_id));
        meta.push(match (&source.url, item.sources.len() > 1) {
            (Some(url), true) => format!("<a href=\"{}\">{outlet}</a>", escape(url)),
            _ => outlet,
        });
    }
    if let Some(date) = &item.date {
        meta.push(escape(date));
    }
    let _ = write!(block, "\n<i>{}</i>", meta.join(" · "));
    block
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

/// Escapes text for Telegram HTML: `<`, `>`, `&` and `"` (the last for attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '"' => out.push_str("&quot;"),
        c => out.push(c),
    }
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

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

/// `[n] Title · Outlet · 2026-02-12`, the title linked when the article has a url.
pub fn citation_line(hit: &Hit) -> String {
    let title = escape(&shorten(&hit.title, TITLE_CHARS));
    let mut line = format!("[{}] ", hit.rank);
    match &hit.url {
        Some(url) => {
            let _ = write!(line, "<a href=\"{}\">{title}</a>", escape(url));
        }
        None => line.push_str(&title),
    }
    for part in [&hit.source, &hit.date].into_iter().flatten() {
        let _ = write!(line, " · {}", escape(part));
    }
    // A quote in another language than the question says which.
    if hit.foreign {
        let _ = write!(line, " · {}", escape(&hit.lang));
    }
    line
}

/// One cited passage: the quote, then its citation.
pub fn citation(hit: &Hit) -> String {
    let open = if hit.excerpt.text.chars().count() > EXPANDABLE_EXCERPT_CHARS {
        "<blockquote expandable>"
    } else {
        "<blockquote>"
    };
    format!("{open}{}</blockquote>\n{}", highlighted(hit), citation_line(hit))
}

/// The answer as messages of at most [`MESSAGE_LIMIT`], split only between citations.
pub fn answer_messages(answer: &Answer, lang: Lang) -> Vec<String> {
    if !answer.answered {
        return vec![escape(phrase(lang, Phrase::NothingFound))];
    }
    pack(answer.hits.iter().map(citation), MESSAGE_LIMIT)
}

/// The first hits' citations that fit in one message, and how many that is (at
/// least one: a single citation always fits).
pub fn one_message(hits: &[Hit]) -> (String, usize) {
    let mut text = String::new();
    let mut fitted = 0;
    for hit in hits {
        let block = citation(hit);
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

/// Greedily packs whole blocks into messages, blank-line separated.
pub fn pack(blocks: impl IntoIterator<Item = String>, limit: usize) -> Vec<String> {
    pack_with(blocks, "\n\n", limit)
}

/// Greedily packs whole blocks into messages of at most `limit` UTF-16 units. Callers
/// split long plain text beforehand ([`split_escaped`]); a tagged block that is still
/// too long (only possible with pathological urls) is sent as its plain text.
fn pack_with(blocks: impl IntoIterator<Item = String>, separator: &str, limit: usize) -> Vec<String> {
    let mut messages = Vec::new();
    let mut current = String::new();
    for block in blocks {
        if utf16_len(&block) > limit {
            if !current.is_empty() {
                messages.push(std::mem::take(&mut current));
            }
            messages.extend(split_escaped(&unescape(&strip_tags(&block)), limit));
            continue;
        }
        if !current.is_empty() && utf16_len(&current) + utf16_len(separator) + utf16_len(&block) > limit {
            messages.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str(separator);
        }
        current.push_str(&block);
    }
    if !current.is_empty() {
        messages.push(current);
    }
    messages
}

/// The text of our own HTML without its tags (tags never contain `<` or `>` inside).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Inverse of [`escape`] for text without tags.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Escapes plain `text` into pieces of at most `limit` UTF-16 units each, cutting at
/// the last whitespace when there is one in the second half of a piece, and never
/// inside an entity or a surrogate pair.
pub fn split_escaped(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut units = 0;
    // Byte length in `current` and unit count at the last whitespace.
    let mut last_space: Option<(usize, usize)> = None;
    for c in text.chars() {
        let mut escaped = String::new();
        push_escaped(&mut escaped, c);
        let n = utf16_len(&escaped);
        if units + n > limit {
            match last_space.filter(|&(_, u)| u > limit / 2) {
                Some((byte, u)) => {
                    let rest = current.split_off(byte);
                    pieces.push(std::mem::take(&mut current));
                    current = rest;
                    units -= u;
                }
                None => {
                    pieces.push(std::mem::take(&mut current));
                    units = 0;
                }
            }
            last_space = None;
        }
        current.push_str(&escaped);
        units += n;
        if c.is_whitespace() {
            last_space = Some((current.len(), units));
        }
    }
    if !current.trim().is_empty() {
        pieces.push(current);
    }
    pieces.retain(|p| !p.trim().is_empty());
    pieces
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
    let blocks = std::iter::once(head).chain(paragraphs.iter().flat_map(|p| split_escaped(p, MESSAGE_LIMIT)));
    pack(blocks, MESSAGE_LIMIT)
}

/// `/latest`: one line per article, newest first.
pub fn latest(articles: &[ArticleInfo], lang: Lang) -> Vec<String> {
    if articles.is_empty() {
        return vec![escape(phrase(lang, Phrase::EmptyArchive))];
    }
    let lines = articles.iter().map(|a| {
        let mut line = format!("• {}", escape(&shorten(&a.title, 120)));
        for part in [&a.source, &a.date].into_iter().flatten() {
            let _ = write!(line, " · {}", escape(part));
        }
        let _ = write!(line, " — /article {}", escape(&a.id));
        line
    });
    let header = format!("<b>{}</b>", escape(phrase(lang, Phrase::LatestHeader)));
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
    let lines = sources.iter().map(|(name, n)| {
        let name = if name.is_empty() { unknown } else { name.as_str() };
        format!("• {} — {n}", escape(name))
    });
    let header = format!("<b>{}</b>", escape(phrase(lang, Phrase::SourcesHeader)));
    pack_with(std::iter::once(header).chain(lines), "\n", MESSAGE_LIMIT)
}

/// An inline result's description: the start of the excerpt, plain text.
pub fn inline_description(hit: &Hit) -> String {
    shorten(&hit.excerpt.text, 120)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::excerpt::Excerpt;

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
            matched: crate::search::Match::Lexical,
            foreign: false,
        }
    }

    #[test]
    fn citations_escape_once_and_mark_highlights() {
        let h = hit("<Budget> & you", "rates rose <sharply>", std::iter::once(0..5).collect());
        assert_eq!(
            citation(&h),
            "<blockquote><b>rates</b> rose &lt;sharply&gt;</blockquote>\n[1] <a href=\"https://example.org/a?x=1&amp;y=&quot;2&quot;\">&lt;Budget&gt; &amp; you</a> · AFP · 2026-02-12"
        );
    }

    #[test]
    fn long_text_splits_between_entities() {
        let text = "a&b ".repeat(3000);
        let pieces = split_escaped(&text, 100);
        for piece in &pieces {
            assert!(utf16_len(piece) <= 100);
            assert!(!piece.ends_with('&') && !piece.contains("&a ") && !piece.ends_with("&am"));
        }
        let joined: String = pieces.concat();
        assert_eq!(unescape(&joined).split_whitespace().count(), 3000);
    }

    #[test]
    fn language_follows_the_user() {
        assert_eq!(Lang::from_code(Some("uk")), Lang::Uk);
        assert_eq!(Lang::from_code(Some("uk-UA")), Lang::Uk);
        assert_eq!(Lang::from_code(Some("de")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
    }
}
