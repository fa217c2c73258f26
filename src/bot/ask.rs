//! Questions: which messages carry one, and the answer to it (search, cited
//! excerpts, and the buttons under them).

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, Me, MessageId, ParseMode};

use super::render::{self, Lang, Phrase, phrase};
use super::send::{deliver, no_preview, reply_all, reply_sent, say};
use super::state::{Asker, LiveAnswer};
use super::{App, AppBot, digests};
use crate::answer::{Answer, AskOptions, Parsed};
use crate::retrieve::filters;

/// An answer in a group that waited this long for its turn says so.
const BUSY_WAIT_SECONDS: u64 = 10;

/// Questions longer than this are cut before searching: a question is a sentence,
/// and a pasted article would only slow the search down.
const QUESTION_CHARS: usize = 1000;

/// A question carried by a plain message: any text in a private chat; in a group,
/// only a reply to the bot or a message that mentions it.
pub(super) fn question_in(msg: Message, me: Me) -> Option<String> {
    let text = msg.text()?;
    if text.trim_start().starts_with('/') {
        return None;
    }
    if msg.chat.is_private() {
        return Some(text.to_owned());
    }
    let replied_to_bot = msg.reply_to_message().and_then(|r| r.from.as_ref()).is_some_and(|u| u.id == me.id);
    let mention = format!("@{}", me.username());
    if let Some(question) = without_mention(text, &mention) {
        return Some(question);
    }
    replied_to_bot.then(|| text.to_owned())
}

/// `text` with every `mention` (matched ignoring ASCII case, as usernames are ASCII)
/// removed, or `None` when it does not mention the bot.
fn without_mention(text: &str, mention: &str) -> Option<String> {
    let (hay, needle) = (text.as_bytes(), mention.as_bytes());
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    let mut found = false;
    while i + needle.len() <= hay.len() {
        if hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            // The match is ASCII, so both ends are character boundaries.
            out.push_str(&text[at..i]);
            out.push(' ');
            i += needle.len();
            at = i;
            found = true;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[at..]);
    found.then(|| out.trim().to_owned())
}

/// Runs the search on the blocking pool; `None` (after logging) when it failed or
/// took longer than [`App::search_budget`]. A search over budget is not stopped (a
/// blocking task cannot be); it finishes in the background and its answer is dropped.
pub(super) async fn search(app: &Arc<App>, asked: Parsed, options: AskOptions) -> Option<Answer> {
    let searching = Arc::clone(app);
    let started = Instant::now();
    let task = tokio::task::spawn_blocking(move || searching.index.ask_parsed(&asked, options));
    // A search that ends past the budget counts as over it even when its result
    // arrived before the timer fired: the budget is the same whatever the timing.
    let outcome = tokio::time::timeout(app.search_budget, task)
        .await
        .ok()
        .filter(|_| started.elapsed() <= app.search_budget);
    match outcome {
        Some(Ok(Ok(answer))) => Some(answer),
        Some(Ok(Err(err))) => {
            tracing::error!(error = ?anyhow::Error::from(err), "search failed");
            None
        }
        Some(Err(err)) => {
            tracing::error!(error = %err, "search task failed");
            None
        }
        None => {
            tracing::error!(
                budget_ms = app.search_budget.as_millis() as u64,
                "search took too long; answered as unavailable"
            );
            None
        }
    }
}

/// The question as typed: markup pasted along with it (HTML tags and entities, as
/// copied from a web page or a bot's message) taken out, trimmed, and cut to
/// [`QUESTION_CHARS`].
pub(super) fn trimmed_question(text: &str) -> String {
    let plain = without_markup(text);
    let text = plain.trim();
    match text.char_indices().nth(QUESTION_CHARS) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

/// `text` with HTML tags (`<b>`, `</blockquote>`, `<a href="…">`) removed and the
/// common entities (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&nbsp;`) read as
/// their characters. Only tag-shaped runs go: "a < b" and "x > 3" stay as written.
fn without_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let name = rest[1..].strip_prefix('/').unwrap_or(&rest[1..]);
            let end = rest.find('>').filter(|&end| end <= 512 && !rest[1..end].contains('<'));
            if name.starts_with(|c: char| c.is_ascii_alphabetic())
                && let Some(end) = end
            {
                out.push(' ');
                rest = &rest[end + 1..];
                continue;
            }
        } else if let Some((entity, character)) =
            [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " ")]
                .into_iter()
                .find(|(entity, _)| rest.starts_with(entity))
        {
            out.push_str(character);
            rest = &rest[entity.len()..];
            continue;
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// Whether the sender may use the bot here at all; says why not when they may
/// not. Questions, settings and digests share this check.
pub(super) async fn allowed_here<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &App,
    lang: Lang,
) -> anyhow::Result<bool> {
    if app.access.allows(Some(msg.chat.id.0), msg.from.as_ref().map(|u| u.id.0)) {
        return Ok(true);
    }
    tracing::info!(chat = msg.chat.id.0, "refused: chat or user not allowed");
    say(bot, msg, lang, Phrase::NotAllowed).await?;
    Ok(false)
}

/// Checks access and rate for a message; says why not and returns false when the
/// sender may not ask now.
pub(super) async fn admitted<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &App,
    lang: Lang,
) -> anyhow::Result<bool> {
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(false);
    }
    let asker = asker_of(msg);
    let exempt = matches!(asker, Asker::User(u) if app.access.is_admin(u));
    let limited = !exempt && !app.limiter.allow_asker(asker, Instant::now());
    if limited {
        tracing::info!(chat = msg.chat.id.0, "refused: rate limit");
        say(bot, msg, lang, Phrase::SlowDown).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Whom `msg` counts against for the rate limit: its sender, or, when it speaks for
/// a chat (a channel post, a group's anonymous admin, a channel writing in a group),
/// that chat in this chat.
fn asker_of(msg: &Message) -> Asker {
    match (&msg.sender_chat, &msg.from) {
        (Some(sender), _) => Asker::Chat { chat: msg.chat.id.0, sender: sender.id.0 },
        (None, Some(user)) => Asker::User(user.id.0),
        (None, None) => Asker::Chat { chat: msg.chat.id.0, sender: msg.chat.id.0 },
    }
}

#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
pub(super) async fn on_question<R: AppBot>(
    bot: R,
    msg: Message,
    app: Arc<App>,
    question: String,
) -> anyhow::Result<()> {
    answer(&bot, &msg, &app, &question).await
}

/// One page of the answer to `question`: up to `k` results after `offset`, and
/// whether more follow (one result more is asked for, and not shown).
pub(super) async fn page(app: &Arc<App>, asked: Parsed, offset: usize, k: usize) -> Option<(Answer, bool)> {
    let options = AskOptions { k: k + 1, offset, min_coverage: app.min_coverage, keep_weak: false };
    let mut answer = search(app, asked, options).await?;
    let more = answer.hits.len() > k;
    answer.hits.truncate(k);
    Some((answer, more))
}

/// Answers `question` in reply to `msg`: the cited excerpts with their buttons, or a
/// short "nothing found". Either is remembered with the message asked in, so an edit
/// of the question updates it ([`on_edited`]).
pub(super) async fn answer<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    question: &str,
) -> anyhow::Result<()> {
    answer_as(bot, msg, app, question, false).await
}

/// [`answer`], the relevant articles newest first when `newest_first` (`/latest
/// topic`) even if the question does not ask for it. Its time words and filters are
/// read in the chat's time zone.
pub(super) async fn answer_as<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    question: &str,
    newest_first: bool,
) -> anyhow::Result<()> {
    let lang = digests::lang_in(app, msg);
    let question = trimmed_question(question);
    if question.is_empty() {
        return say(bot, msg, lang, Phrase::AskUsage).await;
    }
    if !admitted(bot, msg, app, lang).await? {
        return Ok(());
    }
    let per_page = results_in(app, msg.chat.id.0);
    let mut asked = filters::parse(&question, &digests::chat_now(app, msg.chat.id.0));
    asked.newest_first |= newest_first;
    let Some((answer, more)) = page(app, asked.clone(), 0, per_page).await else {
        return say(bot, msg, lang, Phrase::Unavailable).await;
    };
    let live = LiveAnswer {
        asked_in: Some(msg.id.0),
        asked,
        ..LiveAnswer::new(question, msg.chat.id.0, per_page, Instant::now())
    };
    record_question(app, msg.chat.id.0, &answer);
    // Updates from one chat are handled in turn, and Telegram paces a group: in a
    // busy one, an answer that waited says how long and why.
    let asked_at = msg.edit_date().unwrap_or(&msg.date).timestamp();
    let waited = jiff::Timestamp::now().as_second().saturating_sub(asked_at).max(0) as u64;
    let note =
        (!msg.chat.is_private() && waited >= BUSY_WAIT_SECONDS).then(|| render::waited_note(waited, lang));
    let texts = render::answer_messages_after(&answer, note, lang);
    if !answer.answered {
        let key = app.answers.insert(live);
        if let Some(sent) = reply_sent(bot, msg, texts, None).await? {
            app.answers.bind(&key, sent.0);
        }
        return Ok(());
    }
    let shown: Vec<String> = answer.hits.iter().map(|h| h.article_id.clone()).collect();
    let key = app.answers.insert(LiveAnswer { shown: shown.clone(), ..live });
    let keyboard = keyboard(&key, 1, shown.len(), Paging { back: false, more }, lang);
    // The buttons work under the message they were sent with, and nowhere else.
    let sent = reply_all(bot, msg, texts, Some(keyboard)).await?;
    if let Some((last, earlier)) = sent.split_last() {
        app.answers.bind(&key, last.0);
        app.answers.change(&key, |live| live.earlier = earlier.iter().map(|m| m.0).collect());
    }
    Ok(())
}

/// Quotes per answer in `chat`: its own setting, else the configured default.
fn results_in(app: &App, chat: i64) -> usize {
    app.store.settings(chat).ok().and_then(|s| s.results).unwrap_or(app.results)
}

/// Counts the question, and keeps an unanswered one for /unanswered: what readers
/// look for and the archive lacks.
fn record_question(app: &App, chat: i64, answer: &Answer) {
    app.monitor.question(answer.answered, answer.took);
    tracing::debug!(answered = answer.answered, took_ms = answer.took.as_secs_f64() * 1e3, "answered");
    if !answer.answered
        && let Err(err) = app.store.record_unanswered(chat, &answer.question, app.clock.now().as_second())
    {
        tracing::warn!(error = ?anyhow::Error::from(err), "cannot record an unanswered question");
    }
}

#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
pub(super) async fn on_edited_question<R: AppBot>(
    bot: R,
    msg: Message,
    app: Arc<App>,
    question: String,
) -> anyhow::Result<()> {
    on_edited(&bot, &msg, &app, &question).await
}

/// A question edited after the bot replied to it: the reply is edited to answer the
/// new wording (a longer first answer loses its earlier messages). A question the
/// bot never replied to (or whose reply is too old to remember) is answered anew.
pub(super) async fn on_edited<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    question: &str,
) -> anyhow::Result<()> {
    let Some((key, live)) = app.answers.asked_in(msg.chat.id.0, msg.id.0, Instant::now()) else {
        return answer(bot, msg, app, question).await;
    };
    let lang = digests::lang_in(app, msg);
    let question_text = question;
    let question = trimmed_question(question);
    let Some(reply) = live.message else { return Ok(()) };
    if question.is_empty() || question == live.question || !admitted(bot, msg, app, lang).await? {
        return Ok(());
    }
    let asked = filters::parse(&question, &digests::chat_now(app, msg.chat.id.0));
    let Some((answer, more)) = page(app, asked.clone(), 0, live.per_page).await else {
        return say(bot, msg, lang, Phrase::Unavailable).await;
    };
    record_question(app, msg.chat.id.0, &answer);
    for earlier in &live.earlier {
        if let Err(err) = bot.delete_message(msg.chat.id, MessageId(*earlier)).await {
            tracing::debug!(error = %err, "cannot delete an earlier part of an edited answer");
        }
    }
    let (text, shown, keyboard) = if answer.answered {
        let (text, fitted) = render::one_message(&answer.hits, lang);
        let shown: Vec<String> = answer.hits[..fitted].iter().map(|h| h.article_id.clone()).collect();
        let more = more || fitted < answer.hits.len();
        let keyboard = keyboard(&key, 1, shown.len(), Paging { back: false, more }, lang);
        (text, shown, Some(keyboard))
    } else {
        // The refusal, saying which filters left nothing when there were some.
        let refusal = render::answer_messages(&answer, lang).swap_remove(0);
        (refusal, Vec::new(), None)
    };
    app.answers.change(&key, |live| {
        live.question = question;
        live.asked = asked;
        live.offset = 0;
        live.shown = shown;
        live.earlier.clear();
        live.posted.clear();
    });
    match edit_html(bot, msg.chat.id, MessageId(reply), text, keyboard).await {
        // The reply was deleted meanwhile: the edited question gets a new one.
        Err(err)
            if matches!(
                err.downcast_ref::<teloxide::RequestError>(),
                Some(teloxide::RequestError::Api(teloxide::ApiError::MessageToEditNotFound))
            ) =>
        {
            app.answers.change(&key, |live| live.asked_in = None);
            self::answer(bot, msg, app, question_text).await
        }
        done => done,
    }
}

/// Edits one of the bot's messages to `text` (Telegram HTML), with `keyboard` or none.
pub(super) async fn edit_html<R: AppBot>(
    bot: &R,
    chat: ChatId,
    message: MessageId,
    text: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<()> {
    let mut request = bot
        .edit_message_text(chat, message, text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview());
    if let Some(keyboard) = keyboard {
        request = request.reply_markup(keyboard);
    }
    match deliver(request).await {
        // The same text again (an edit that changed nothing the answer shows).
        Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        done => done.map(|_| ()).map_err(Into::into),
    }
}

/// Which page buttons an answer's page gets.
#[derive(Clone, Copy, Debug)]
pub(super) struct Paging {
    /// "◂": a page before this one.
    pub back: bool,
    /// "More ▸": results after this page.
    pub more: bool,
}

/// "Full article" buttons, one per result (labelled with the results' ranks, from
/// `first_rank`, at most [`BUTTONS_PER_ROW`] a row), then "◂" and "More ▸" where
/// there is a page to go to, and 👍/👎.
/// Callback data: `a:<key>:<n>`, `p:<key>`, `m:<key>`, `f:<key>:+` / `f:<key>:-`.
pub(super) fn keyboard(
    key: &str,
    first_rank: usize,
    results: usize,
    paging: Paging,
    lang: Lang,
) -> InlineKeyboardMarkup {
    let mut rows = article_rows(key, first_rank, results, lang);
    let mut last = Vec::new();
    if paging.back {
        last.push(InlineKeyboardButton::callback(phrase(lang, Phrase::ButtonBack), format!("p:{key}")));
    }
    if paging.more {
        last.push(InlineKeyboardButton::callback(phrase(lang, Phrase::ButtonMore), format!("m:{key}")));
    }
    last.push(InlineKeyboardButton::callback("👍", format!("f:{key}:+")));
    last.push(InlineKeyboardButton::callback("👎", format!("f:{key}:-")));
    rows.push(last);
    InlineKeyboardMarkup::new(rows)
}

/// The "Full article" buttons alone (under article lists such as `/latest`).
pub(super) fn article_keyboard(key: &str, results: usize, lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(article_rows(key, 1, results, lang))
}

fn article_rows(key: &str, first_rank: usize, results: usize, lang: Lang) -> Vec<Vec<InlineKeyboardButton>> {
    let articles: Vec<InlineKeyboardButton> = (0..results)
        .map(|n| {
            let label = if results == 1 {
                format!("📄 {}", phrase(lang, Phrase::ButtonArticle))
            } else {
                format!("📄 {}", first_rank + n)
            };
            InlineKeyboardButton::callback(label, format!("a:{key}:{n}"))
        })
        .collect();
    articles.chunks(BUTTONS_PER_ROW).map(<[_]>::to_vec).collect()
}

/// Telegram clients show about this many buttons side by side.
const BUTTONS_PER_ROW: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_markup_is_taken_out_of_questions() {
        let table = [
            ("What is the PURL mechanism? </blockquote><a href=\"x\">x</a>", "What is the PURL mechanism? x"),
            ("<b>NATO</b> &amp; Ukraine", "NATO & Ukraine"),
            ("is 3 < 5 and 7 > 2", "is 3 < 5 and 7 > 2"),
            ("a <3 b", "a <3 b"),
            ("Rutte&#39;s visit&nbsp;to Kyiv", "Rutte's visit to Kyiv"),
            ("&unknown; stays", "&unknown; stays"),
        ];
        for (pasted, plain) in table {
            assert_eq!(trimmed_question(pasted).split_whitespace().collect::<Vec<_>>().join(" "), plain);
        }
    }
}
