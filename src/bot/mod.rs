//! The Telegram front end: the update-handling tree, its endpoints, and `serve`.
//!
//! Endpoints only adapt: they check access and rate, call [`NewsIndex`] off the async
//! threads, render with [`render`], and send. Every way of asking (a private message,
//! `/ask`, `/ask@bot`, a reply to the bot, a mention, inline mode) ends in the same
//! [`answer`] call, so they cannot drift apart. Errors from search are logged and
//! answered with a fixed sentence; Telegram errors go to the dispatcher's log.

pub mod digests;
pub mod render;
pub mod state;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, LinkPreviewOptions, Me, MessageId, ParseMode,
    ReplyParameters,
};
use teloxide::utils::command::BotCommands;

use crate::config::Config;
use crate::digest::{Clock, SystemClock};
use crate::ops::{self, ErrorKind, Monitor};
use crate::search::{Answer, AskOptions, NewsIndex};
use crate::store::Store;
use render::{Lang, Phrase, phrase};
use state::{Access, AnswerCache, LiveAnswer, RateLimiter};

/// What the handlers need of a Bot API client. Production uses [`Throttled`]; load
/// benchmarks against a local fake use a bare `Bot`, because `Throttle` releases
/// queued requests only every 250 ms, which would swamp any latency figure.
pub trait AppBot:
    Requester<
            Err = teloxide::RequestError,
            // The requests the bot makes must cross threads.
            GetUpdates: Send,
            GetMe: Send,
            GetWebhookInfo: Send,
            DeleteWebhook: Send,
            SetMyCommands: Send,
            SendMessage: Send,
            EditMessageText: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            GetChat: Send,
            GetChatMember: Send,
        > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> AppBot for T where
    T: Requester<
            Err = teloxide::RequestError,
            GetUpdates: Send,
            GetMe: Send,
            GetWebhookInfo: Send,
            DeleteWebhook: Send,
            SetMyCommands: Send,
            SendMessage: Send,
            EditMessageText: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            GetChat: Send,
            GetChatMember: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// The production client: teloxide's `Throttle` keeps to Telegram's per-chat and
/// global limits and waits out a 429's `retry_after` before sending again.
pub type Throttled = Throttle<Bot>;

/// Questions longer than this are cut before searching: a question is a sentence,
/// and a pasted article would only slow the search down.
const QUESTION_CHARS: usize = 1000;

/// Results per inline query (Telegram shows a short list).
const INLINE_RESULTS: usize = 5;

/// How long "More" and "Full article" keep working.
const ANSWER_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Live answers kept at most.
const ANSWER_CACHE_ENTRIES: usize = 50_000;

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(
    rename_rule = "lowercase",
    description = "I answer questions about the news archive with cited excerpts."
)]
pub enum Command {
    #[command(description = "what I do")]
    Start,
    #[command(description = "how to ask")]
    Help,
    #[command(description = "ask a question, e.g. /ask what did Rutte say about guarantees")]
    Ask(String),
    #[command(description = "the newest articles")]
    Latest,
    #[command(description = "a whole article by its id")]
    Article(String),
    #[command(description = "outlets in the archive")]
    Sources,
    #[command(description = "news since the last digest, e.g. /digest nato")]
    Digest(String),
    #[command(description = "a daily digest, e.g. /subscribe 08:00 nato -russia")]
    Subscribe(String),
    #[command(description = "stop digests: /unsubscribe [number|@channel]")]
    Unsubscribe(String),
    #[command(description = "the digests scheduled here")]
    Subscriptions,
    #[command(description = "time zone of digests, e.g. /timezone Europe/Kyiv")]
    Timezone(String),
    #[command(description = "my language here: en, uk or auto")]
    Language(String),
    #[command(description = "quotes per answer here, 1-10")]
    Results(String),
    #[command(description = "questions that found nothing (bot admins)")]
    Unanswered,
}

/// Everything the handlers share.
pub struct App {
    pub index: NewsIndex,
    /// Durable state: settings, subscriptions, the digest outbox, feedback.
    pub store: Arc<Store>,
    /// Counters and health for `/metrics` and `/healthz`.
    pub monitor: Arc<Monitor>,
    pub results: usize,
    pub min_coverage: f32,
    pub access: Access,
    pub limiter: RateLimiter,
    pub answers: AnswerCache,
    /// Time zone of schedules in chats without their own (`NEWSDESK_TZ`).
    pub default_tz: String,
    /// The scheduler's clock; tests move it by hand.
    pub clock: Arc<dyn Clock>,
    /// Held while the outbox is being delivered, so no message is sent twice.
    pub delivery: tokio::sync::Mutex<()>,
}

impl App {
    pub fn new(index: NewsIndex, store: Store, config: &Config) -> App {
        App {
            index,
            store: Arc::new(store),
            monitor: Arc::new(Monitor::default()),
            results: config.results,
            min_coverage: config.min_coverage,
            access: Access::from_config(config),
            limiter: RateLimiter::new(config.rate_limit_per_minute),
            answers: AnswerCache::new(ANSWER_TTL, ANSWER_CACHE_ENTRIES),
            default_tz: config.tz.clone(),
            clock: Arc::new(SystemClock),
            delivery: tokio::sync::Mutex::new(()),
        }
    }

    /// The same app on another clock (tests and simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> App {
        self.clock = clock;
        self
    }

    /// What `/healthz` and `/metrics` read.
    pub fn ops_state(&self) -> ops::OpsState {
        let clock = Arc::clone(&self.clock);
        ops::OpsState {
            monitor: Arc::clone(&self.monitor),
            index: self.index.clone(),
            index_dir: self.index.dir().map(Path::to_owned),
            store: Arc::clone(&self.store),
            now: Arc::new(move || clock.now().as_second()),
        }
    }

    pub(crate) fn telegram_ok(&self) {
        self.monitor.telegram_ok(self.clock.now().as_second());
    }

    /// Counts a failed Telegram call for `/metrics` and `/healthz`.
    pub(crate) fn telegram_error(&self, err: &teloxide::RequestError) {
        self.monitor.telegram_error(error_kind(err), &error_detail(err));
    }
}

/// The kind of a Telegram error, as `/metrics` labels it.
pub fn error_kind(err: &teloxide::RequestError) -> ErrorKind {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::RetryAfter(_) => ErrorKind::RateLimited,
        RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => ErrorKind::Conflict,
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation
            | ApiError::NotEnoughRightsToPostMessages,
        ) => ErrorKind::Forbidden,
        RequestError::Api(ApiError::Unknown(text)) if text.starts_with("Forbidden") => ErrorKind::Forbidden,
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => ErrorKind::Api,
        RequestError::Network(_) | RequestError::Io(_) => ErrorKind::Network,
        RequestError::InvalidJson { .. } => ErrorKind::InvalidResponse,
    }
}

/// A description of a Telegram error that never includes the request URL (which
/// carries the token).
pub fn error_detail(err: &teloxide::RequestError) -> String {
    use teloxide::RequestError;
    match err {
        RequestError::Api(api) => api.to_string(),
        RequestError::RetryAfter(wait) => format!("retry after {} s", wait.seconds()),
        RequestError::MigrateToChatId(_) => "the group became a supergroup".into(),
        RequestError::Network(net) if net.is_timeout() => "timed out".into(),
        RequestError::Network(net) if net.is_connect() => "cannot connect".into(),
        RequestError::Network(_) => "connection failed".into(),
        RequestError::InvalidJson { .. } => "invalid JSON in the answer".into(),
        RequestError::Io(_) => "i/o error".into(),
    }
}

/// The Bot API client for `config`: its token and, when set, its API URL.
pub fn bot(config: &Config) -> anyhow::Result<Bot> {
    let token = config.token()?;
    let mut bot = Bot::new(token.expose());
    if let Some(url) = &config.telegram_api_url {
        bot = bot.set_api_url(url.clone());
    }
    Ok(bot)
}

/// Wraps `bot` in `Throttle` with Telegram's limits.
pub fn throttled(bot: Bot) -> Throttled {
    bot.throttle(Limits::default())
}

/// The application dependencies; the dispatcher adds `Update`, `Me` and the bot.
pub fn dependencies(app: Arc<App>) -> DependencyMap {
    dptree::deps![app]
}

/// The complete update-handling tree, so that tests dispatch through exactly what
/// production runs.
pub fn schema<R: AppBot>() -> UpdateHandler<anyhow::Error> {
    let commands = teloxide::filter_command::<Command, _>().endpoint(on_command::<R>);
    let questions = dptree::filter_map(question_in).endpoint(on_question::<R>);
    // Anything else in a private chat gets a hint; in groups it is chatter.
    let other_private = dptree::filter(|msg: Message| msg.chat.is_private()).endpoint(on_other_private::<R>);
    let messages = Update::filter_message().branch(commands).branch(questions).branch(other_private);
    // In a channel the bot is an admin of, admins' posts with commands work as in a
    // group; other posts are the channel's own content.
    let channel_commands = Update::filter_channel_post()
        .branch(teloxide::filter_command::<Command, _>().endpoint(on_command::<R>));
    dptree::entry()
        .branch(messages)
        .branch(channel_commands)
        .branch(Update::filter_inline_query().endpoint(on_inline::<R>))
        .branch(Update::filter_callback_query().endpoint(on_callback::<R>))
}

/// A question carried by a plain message: any text in a private chat; in a group,
/// only a reply to the bot or a message that mentions it.
fn question_in(msg: Message, me: Me) -> Option<String> {
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

fn lang_of(user: Option<&teloxide::types::User>) -> Lang {
    Lang::from_code(user.and_then(|u| u.language_code.as_deref()))
}

/// Citations link their articles; a preview card of the first link would bury the
/// quotes, so previews are off everywhere.
fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

fn html_message<R: AppBot>(bot: &R, chat: ChatId, text: String) -> R::SendMessage {
    bot.send_message(chat, text).parse_mode(ParseMode::Html).link_preview_options(no_preview())
}

/// Sends `texts` as HTML replies to `msg` (threaded in groups and forum topics); the
/// last one carries `keyboard`.
async fn reply<R: AppBot>(
    bot: &R,
    msg: &Message,
    texts: Vec<String>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<()> {
    let count = texts.len();
    for (i, text) in texts.into_iter().enumerate() {
        let mut request = html_message(bot, msg.chat.id, text);
        if !msg.chat.is_private() {
            request = request.reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply());
        }
        if let Some(thread) = topic_of(msg) {
            request = request.message_thread_id(thread);
        }
        if i + 1 == count
            && let Some(keyboard) = keyboard.clone()
        {
            request = request.reply_markup(keyboard);
        }
        deliver(request).await?;
    }
    Ok(())
}

/// Attempts at one message before giving up on a Telegram that cannot be reached.
const SEND_ATTEMPTS: u32 = 5;

/// Sends `request`, and sends it again after a failure that means Telegram did not
/// take it: no connection, a 5xx, a 429 (after its `retry_after`). Up to
/// [`SEND_ATTEMPTS`] times, waiting 0.5, 1, 2, 4 s between. Other errors (and an
/// answer that was not valid JSON, when Telegram did act on the request) are not
/// retried, so a message is never sent twice.
async fn deliver<Q>(request: Q) -> Result<teloxide::requests::Output<Q>, teloxide::RequestError>
where
    Q: teloxide::requests::Request<Err = teloxide::RequestError>,
{
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        let sent = request.send_ref().await;
        match sent {
            Err(err) if attempt < SEND_ATTEMPTS && is_transient(&err) => {
                let wait = match &err {
                    teloxide::RequestError::RetryAfter(wait) => wait.duration(),
                    _ => pause,
                };
                tracing::warn!(attempt, error = %error_detail(&err), wait_ms = wait.as_millis() as u64, "Telegram did not take a message; sending it again");
                tokio::time::sleep(wait).await;
                pause *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Whether a failed request certainly did not reach Telegram's processing, so that
/// sending it again cannot duplicate it.
fn is_transient(err: &teloxide::RequestError) -> bool {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::RetryAfter(_) | RequestError::Io(_) => true,
        // No answer at all: refused, reset before a response, timed out connecting.
        RequestError::Network(net) => {
            net.is_connect() || net.is_request() || net.is_body() || net.is_timeout()
        }
        RequestError::Api(ApiError::Unknown(text)) => {
            ["Internal Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout"]
                .iter()
                .any(|phrase| text.contains(phrase))
        }
        _ => false,
    }
}

/// The forum topic a message belongs to. Telegram also sets `message_thread_id` on
/// replies in ordinary supergroups, where sending it back fails with "message
/// thread not found", so only topic messages count.
fn topic_of(msg: &Message) -> Option<teloxide::types::ThreadId> {
    if msg.is_topic_message { msg.thread_id } else { None }
}

async fn say<R: AppBot>(bot: &R, msg: &Message, lang: Lang, what: Phrase) -> anyhow::Result<()> {
    reply(bot, msg, vec![render::escape(phrase(lang, what))], None).await
}

/// Runs the search on the blocking pool; `None` (after logging) when it failed.
async fn search(app: &Arc<App>, question: String, options: AskOptions) -> Option<Answer> {
    let app = Arc::clone(app);
    match tokio::task::spawn_blocking(move || app.index.ask(&question, options)).await {
        Ok(Ok(answer)) => Some(answer),
        Ok(Err(err)) => {
            tracing::error!(error = ?anyhow::Error::from(err), "search failed");
            None
        }
        Err(err) => {
            tracing::error!(error = %err, "search task failed");
            None
        }
    }
}

fn trimmed_question(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUESTION_CHARS) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

/// Checks access and rate for a message; says why not and returns false when the
/// sender may not ask now.
async fn admitted<R: AppBot>(bot: &R, msg: &Message, app: &App, lang: Lang) -> anyhow::Result<bool> {
    let user = msg.from.as_ref().map(|u| u.id.0);
    if !app.access.allows(Some(msg.chat.id.0), user) {
        tracing::info!(chat = msg.chat.id.0, "refused: chat or user not allowed");
        say(bot, msg, lang, Phrase::NotAllowed).await?;
        return Ok(false);
    }
    let limited = user.is_some_and(|u| !app.access.is_admin(u) && !app.limiter.allow(u, Instant::now()));
    if limited {
        tracing::info!(chat = msg.chat.id.0, "refused: rate limit");
        say(bot, msg, lang, Phrase::SlowDown).await?;
        return Ok(false);
    }
    Ok(true)
}

#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
async fn on_question<R: AppBot>(bot: R, msg: Message, app: Arc<App>, question: String) -> anyhow::Result<()> {
    answer(&bot, &msg, &app, &question).await
}

/// Answers `question` in reply to `msg`: the cited excerpts with their buttons, or a
/// short "nothing found".
async fn answer<R: AppBot>(bot: &R, msg: &Message, app: &Arc<App>, question: &str) -> anyhow::Result<()> {
    let lang = digests::lang_in(app, msg);
    let question = trimmed_question(question);
    if question.is_empty() {
        return say(bot, msg, lang, Phrase::AskUsage).await;
    }
    if !admitted(bot, msg, app, lang).await? {
        return Ok(());
    }
    let results = app.store.settings(msg.chat.id.0).ok().and_then(|s| s.results).unwrap_or(app.results);
    let options = AskOptions { k: results, offset: 0, min_coverage: app.min_coverage, keep_weak: false };
    let Some(answer) = search(app, question.clone(), options).await else {
        return say(bot, msg, lang, Phrase::Unavailable).await;
    };
    app.monitor.question(answer.answered, answer.took);
    tracing::debug!(answered = answer.answered, took_ms = answer.took.as_secs_f64() * 1e3, "answered");
    if !answer.answered {
        // Kept for /unanswered: what readers look for and the archive lacks.
        if let Err(err) = app.store.record_unanswered(msg.chat.id.0, &question, app.clock.now().as_second()) {
            tracing::warn!(error = ?anyhow::Error::from(err), "cannot record an unanswered question");
        }
        return say(bot, msg, lang, Phrase::NothingFound).await;
    }
    let shown: Vec<String> = answer.hits.iter().map(|h| h.article_id.clone()).collect();
    let key =
        app.answers.insert(LiveAnswer { question, offset: 0, shown: shown.clone(), created: Instant::now() });
    let keyboard = keyboard(&key, 1, shown.len(), lang);
    reply(bot, msg, render::answer_messages(&answer, lang), Some(keyboard)).await
}

/// "Full article" buttons, one per result (labelled with the results' ranks, from
/// `first_rank`, at most [`BUTTONS_PER_ROW`] a row), then "More" and 👍/👎.
/// Callback data: `a:<key>:<n>`, `m:<key>`, `f:<key>:+` / `f:<key>:-`.
fn keyboard(key: &str, first_rank: usize, results: usize, lang: Lang) -> InlineKeyboardMarkup {
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
    let mut rows: Vec<Vec<InlineKeyboardButton>> =
        articles.chunks(BUTTONS_PER_ROW).map(<[_]>::to_vec).collect();
    rows.push(vec![
        InlineKeyboardButton::callback(phrase(lang, Phrase::ButtonMore), format!("m:{key}")),
        InlineKeyboardButton::callback("👍", format!("f:{key}:+")),
        InlineKeyboardButton::callback("👎", format!("f:{key}:-")),
    ]);
    InlineKeyboardMarkup::new(rows)
}

/// Telegram clients show about this many buttons side by side.
const BUTTONS_PER_ROW: usize = 5;

#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
async fn on_command<R: AppBot>(
    bot: R,
    msg: Message,
    me: Me,
    app: Arc<App>,
    command: Command,
) -> anyhow::Result<()> {
    let lang = digests::lang_in(&app, &msg);
    let done = match command {
        Command::Digest(words) => digests::on_digest(&bot, &msg, &app, &words).await,
        Command::Subscribe(args) => digests::on_subscribe(&bot, &msg, &me, &app, &args).await,
        Command::Unsubscribe(args) => digests::on_unsubscribe(&bot, &msg, &me, &app, &args).await,
        Command::Subscriptions => digests::on_subscriptions(&bot, &msg, &app).await,
        Command::Timezone(name) => digests::on_timezone(&bot, &msg, &app, &name).await,
        Command::Language(arg) => digests::on_language(&bot, &msg, &app, &arg).await,
        Command::Results(arg) => digests::on_results(&bot, &msg, &app, &arg).await,
        Command::Unanswered => digests::on_unanswered(&bot, &msg, &app).await,
        other => on_archive_command(&bot, &msg, &app, other, lang).await,
    };
    match done {
        // Telegram refusing our reply is the dispatcher's to log; anything else
        // (the database, the index) gets a polite sentence.
        Err(err) if err.downcast_ref::<teloxide::RequestError>().is_none() => {
            tracing::error!(error = ?err, "command failed");
            say(&bot, &msg, lang, Phrase::Unavailable).await
        }
        done => done,
    }
}

/// The commands that read the archive: `/start`, `/help`, `/ask`, `/latest`,
/// `/article`, `/sources`.
async fn on_archive_command<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    command: Command,
    lang: Lang,
) -> anyhow::Result<()> {
    // The arms below were written against owned values; the clones are cheap.
    let (bot, msg, app) = (bot.clone(), msg.clone(), Arc::clone(app));
    match command {
        Command::Start => say(&bot, &msg, lang, Phrase::Start).await,
        Command::Help => say(&bot, &msg, lang, Phrase::Help).await,
        Command::Ask(question) => answer(&bot, &msg, &app, &question).await,
        Command::Latest => {
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            let listing = {
                let app = Arc::clone(&app);
                tokio::task::spawn_blocking(move || app.index.articles()).await?
            };
            match listing {
                Ok(mut articles) => {
                    articles.truncate(10);
                    reply(&bot, &msg, render::latest(&articles, lang), None).await
                }
                Err(err) => {
                    tracing::error!(error = ?anyhow::Error::from(err), "listing failed");
                    say(&bot, &msg, lang, Phrase::Unavailable).await
                }
            }
        }
        Command::Article(id) => {
            let id = id.trim().to_owned();
            if id.is_empty() {
                return say(&bot, &msg, lang, Phrase::ArticleUsage).await;
            }
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            send_article(&bot, msg.chat.id, topic_of(&msg), &app, &id, lang).await
        }
        Command::Digest(_)
        | Command::Subscribe(_)
        | Command::Unsubscribe(_)
        | Command::Subscriptions
        | Command::Timezone(_)
        | Command::Language(_)
        | Command::Results(_)
        // Handled by `on_command` before it gets here.
        | Command::Unanswered => Ok(()),
        Command::Sources => {
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            let counts = {
                let app = Arc::clone(&app);
                tokio::task::spawn_blocking(move || app.index.sources()).await?
            };
            match counts {
                Ok(counts) => reply(&bot, &msg, render::sources(&counts, lang), None).await,
                Err(err) => {
                    tracing::error!(error = ?anyhow::Error::from(err), "listing failed");
                    say(&bot, &msg, lang, Phrase::Unavailable).await
                }
            }
        }
    }
}

async fn send_article<R: AppBot>(
    bot: &R,
    chat: ChatId,
    thread: Option<teloxide::types::ThreadId>,
    app: &Arc<App>,
    id: &str,
    lang: Lang,
) -> anyhow::Result<()> {
    let found = {
        let app = Arc::clone(app);
        let id = id.to_owned();
        tokio::task::spawn_blocking(move || app.index.article(&id)).await?
    };
    let texts = match found {
        Ok(Some((info, passages))) => render::article_messages(&info, &passages),
        Ok(None) => vec![render::escape(phrase(lang, Phrase::ArticleNotFound))],
        Err(err) => {
            tracing::error!(error = ?anyhow::Error::from(err), "article lookup failed");
            vec![render::escape(phrase(lang, Phrase::Unavailable))]
        }
    };
    for text in texts {
        let mut request = html_message(bot, chat, text);
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        deliver(request).await?;
    }
    Ok(())
}

async fn on_other_private<R: AppBot>(bot: R, msg: Message) -> anyhow::Result<()> {
    let lang = lang_of(msg.from.as_ref());
    let what = match msg.text() {
        Some(_) => Phrase::UnknownCommand,
        None => Phrase::TextOnly,
    };
    say(&bot, &msg, lang, what).await
}

#[tracing::instrument(skip_all, fields(user = query.from.id.0))]
async fn on_inline<R: AppBot>(bot: R, query: InlineQuery, app: Arc<App>) -> anyhow::Result<()> {
    let question = trimmed_question(&query.query);
    let mut results = Vec::new();
    // Inline queries have no chat: only the user list applies.
    let allowed = app.access.allows(None, Some(query.from.id.0))
        || (app.access.allowed_users.is_empty() && app.access.allowed_chats.is_empty());
    let within_rate =
        app.access.is_admin(query.from.id.0) || app.limiter.allow(query.from.id.0, Instant::now());
    if allowed && within_rate && !question.is_empty() {
        let options =
            AskOptions { k: INLINE_RESULTS, offset: 0, min_coverage: app.min_coverage, keep_weak: false };
        if let Some(answer) = search(&app, question, options).await {
            app.monitor.question(answer.answered, answer.took);
            for hit in &answer.hits {
                let content = InputMessageContent::Text(
                    InputMessageContentText::new(render::citation(hit))
                        .parse_mode(ParseMode::Html)
                        .link_preview_options(no_preview()),
                );
                let article =
                    InlineQueryResultArticle::new(format!("{}", hit.rank), hit.title.clone(), content)
                        .description(render::inline_description(hit));
                results.push(InlineQueryResult::Article(article));
            }
        }
    }
    // Results are personal: Telegram must not serve one user's (allowed, within-rate)
    // results to another; empty answers are not cached at all.
    let cache_time = if results.is_empty() { 0 } else { 30 };
    bot.answer_inline_query(query.id, results).cache_time(cache_time).is_personal(true).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(user = query.from.id.0))]
async fn on_callback<R: AppBot>(bot: R, query: CallbackQuery, app: Arc<App>) -> anyhow::Result<()> {
    let lang = lang_of(Some(&query.from));
    let data = query.data.clone().unwrap_or_default();
    let mut parts = data.split(':');
    let (kind, key, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
    let live = app.answers.get(key, Instant::now());
    let chat = query.message.as_ref().map(|m| (m.chat().id, m.id()));
    let allowed = app.access.allows(chat.map(|(c, _)| c.0), Some(query.from.id.0));
    let (Some(live), Some((chat_id, message_id)), true) = (live, chat, allowed) else {
        bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
        return Ok(());
    };
    match (kind, arg) {
        ("m", None) => {
            if !app.access.is_admin(query.from.id.0) && !app.limiter.allow(query.from.id.0, Instant::now()) {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::SlowDown)).await?;
                return Ok(());
            }
            let offset = live.offset + live.shown.len();
            let options =
                AskOptions { k: app.results, offset, min_coverage: app.min_coverage, keep_weak: false };
            let answer = search(&app, live.question.clone(), options).await;
            match answer {
                Some(answer) if !answer.hits.is_empty() => {
                    // The page is edited into one message: keep the hits that fit.
                    let (text, fitted) = render::one_message(&answer.hits);
                    let shown: Vec<String> =
                        answer.hits[..fitted].iter().map(|h| h.article_id.clone()).collect();
                    app.answers.update(key, LiveAnswer { offset, shown: shown.clone(), ..live });
                    edit(&bot, chat_id, message_id, text, keyboard(key, offset + 1, shown.len(), lang))
                        .await?;
                    bot.answer_callback_query(query.id).await?;
                }
                Some(_) => {
                    bot.answer_callback_query(query.id).text(phrase(lang, Phrase::NoMore)).await?;
                }
                None => {
                    bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Unavailable)).await?;
                }
            }
        }
        ("a", Some(n)) => {
            bot.answer_callback_query(query.id).await?;
            match n.parse::<usize>().ok().and_then(|n| live.shown.get(n)) {
                Some(id) => {
                    let thread =
                        query.message.as_ref().and_then(|m| m.regular_message()).and_then(|m| m.thread_id);
                    send_article(&bot, chat_id, thread, &app, id, lang).await?;
                }
                None => tracing::debug!(data, "article button out of range"),
            }
        }
        ("f", Some(vote @ ("+" | "-"))) => {
            tracing::info!(feedback = vote, question_len = live.question.len(), "answer feedback");
            let now = app.clock.now().as_second();
            let recorded = app.store.record_feedback(
                chat_id.0,
                query.from.id.0,
                &live.question,
                vote == "+",
                &live.shown,
                now,
            );
            if let Err(err) = recorded {
                tracing::warn!(error = ?anyhow::Error::from(err), "cannot record feedback");
            }
            bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Thanks)).await?;
        }
        _ => {
            bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
        }
    }
    Ok(())
}

async fn edit<R: AppBot>(
    bot: &R,
    chat: ChatId,
    message: MessageId,
    text: String,
    keyboard: InlineKeyboardMarkup,
) -> anyhow::Result<()> {
    let request = bot
        .edit_message_text(chat, message, text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview())
        .reply_markup(keyboard);
    deliver(request).await?;
    Ok(())
}

/// The command menu, in English and Ukrainian.
pub fn command_menu(lang: Lang) -> Vec<BotCommand> {
    let uk = [
        ("start", "що я вмію"),
        ("help", "як ставити запитання"),
        ("ask", "поставити запитання"),
        ("latest", "найновіші статті"),
        ("article", "уся стаття за ідентифікатором"),
        ("sources", "видання в архіві"),
        ("digest", "новини від останнього дайджесту"),
        ("subscribe", "щоденний дайджест, напр. /subscribe 08:00 нато"),
        ("unsubscribe", "скасувати дайджести"),
        ("subscriptions", "заплановані дайджести"),
        ("timezone", "часовий пояс дайджестів"),
        ("language", "моя мова тут: uk, en або auto"),
        ("results", "скільки цитат у відповіді"),
        ("unanswered", "запитання без відповіді (адміністраторам)"),
    ];
    match lang {
        // teloxide's descriptions carry the "/" prefix; Telegram's menu wants bare
        // names ("1-32 lowercase letters, digits and underscores").
        Lang::En => Command::bot_commands()
            .into_iter()
            .map(|c| BotCommand::new(c.command.trim_start_matches('/'), c.description))
            .collect(),
        Lang::Uk => uk.iter().map(|(c, d)| BotCommand::new(*c, *d)).collect(),
    }
}

/// The dispatcher over [`schema`], with its dependencies, logging and Ctrl-C handling.
/// Building it checks that every dependency the tree needs is present.
pub fn dispatcher<R: AppBot>(
    bot: R,
    app: Arc<App>,
) -> Dispatcher<R, anyhow::Error, teloxide::dispatching::DefaultKey> {
    let errors = Arc::clone(&app);
    Dispatcher::builder(bot, schema::<R>())
        .dependencies(dependencies(app))
        .default_handler(|update| async move {
            tracing::debug!(update_id = ?update.id, "ignored update");
        })
        .error_handler(Arc::new(move |err: anyhow::Error| {
            let app = Arc::clone(&errors);
            async move {
                if let Some(telegram) = err.downcast_ref::<teloxide::RequestError>() {
                    app.telegram_error(telegram);
                    tracing::warn!(error = %error_detail(telegram), "Telegram refused a reply");
                } else {
                    tracing::error!(error = ?err, "update handler failed");
                }
            }
        }))
        .enable_ctrlc_handler()
        .build()
}

/// Registers the command menu (English and Ukrainian).
pub async fn register_commands<R: AppBot>(bot: &R) -> anyhow::Result<()> {
    bot.set_my_commands(command_menu(Lang::En)).await?;
    bot.set_my_commands(command_menu(Lang::Uk)).language_code("uk").await?;
    Ok(())
}

/// How often the digest scheduler looks for due subscriptions and pending messages.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(1);

/// How updates arrive.
#[derive(Clone, Debug, Default)]
pub enum Updates {
    /// `getUpdates` long polling: no public address needed.
    #[default]
    Polling,
    /// Telegram posts updates to `url` (which the HTTP listener serves, behind the
    /// self-hoster's HTTPS proxy), each carrying `secret`.
    Webhook { url: url::Url, secret: Option<crate::config::Secret> },
}

/// Connects, registers the command menu, starts the digest scheduler (which first
/// delivers what a previous run left in the outbox), the Telegram health probe and
/// the HTTP listener (`/healthz`, `/metrics`, and the webhook in webhook mode), then
/// handles updates until SIGINT (Ctrl-C) or SIGTERM, finishing those in flight.
pub async fn serve<R: AppBot>(
    bot: R,
    app: Arc<App>,
    http: Option<tokio::net::TcpListener>,
    updates: Updates,
) -> anyhow::Result<()> {
    let me = bot.get_me().await?;
    app.telegram_ok();
    tracing::info!(username = %me.username(), "connected to Telegram");
    register_commands(&bot).await?;
    let scheduler = tokio::spawn(digests::run_scheduler(bot.clone(), Arc::clone(&app), SCHEDULER_TICK));
    let probe = tokio::spawn(probe_telegram(bot.clone(), Arc::clone(&app)));
    let mut routes = ops::router(app.ops_state());
    let mut dispatcher = dispatcher(bot.clone(), Arc::clone(&app));
    let token = dispatcher.shutdown_token();
    tokio::spawn(stop_on_sigterm(token));

    match updates {
        Updates::Polling => {
            if let Some(listener) = http {
                tokio::spawn(serve_http(listener, routes, None));
            }
            let polling = teloxide::update_listeners::polling_default(bot).await;
            let polling_errors = Arc::clone(&app);
            let on_error = Arc::new(move |err: teloxide::RequestError| {
                let app = Arc::clone(&polling_errors);
                async move { on_polling_error(&app, &err).await }
            });
            dispatcher.dispatch_with_listener(polling, on_error).await;
        }
        Updates::Webhook { url, secret } => {
            let listener = http.ok_or_else(|| anyhow::anyhow!("webhook mode needs the HTTP listener"))?;
            let address = listener.local_addr()?;
            let mut options = teloxide::update_listeners::webhooks::Options::new(address, url.clone());
            if let Some(secret) = secret {
                options = options.secret_token(secret.expose().to_owned());
            }
            // Sets the webhook (with the secret, checked on every request); stopping
            // the listener deletes it again.
            let (webhook, stopped, webhook_routes) =
                teloxide::update_listeners::webhooks::axum_to_router(bot, options).await?;
            app.telegram_ok();
            tracing::info!(path = url.path(), "webhook set; Telegram posts updates to it");
            routes = routes.merge(webhook_routes);
            let server = tokio::spawn(serve_http(listener, routes, Some(Box::pin(stopped))));
            dispatcher
                .dispatch_with_listener(
                    webhook,
                    LoggingErrorHandler::with_custom_text("webhook listener failed"),
                )
                .await;
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
    // A digest cut off mid-send stays pending in the outbox and goes out next start.
    scheduler.abort();
    probe.abort();
    tracing::info!("stopped");
    Ok(())
}

/// `enable_ctrlc_handler` only listens for SIGINT, but `docker stop` and systemd send
/// SIGTERM: without this, in-flight updates are cut off.
async fn stop_on_sigterm(token: teloxide::dispatching::ShutdownToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut sigterm) = signal(SignalKind::terminate()) else {
        tracing::warn!("cannot listen for SIGTERM; only Ctrl-C stops the bot cleanly");
        return;
    };
    sigterm.recv().await;
    tracing::info!("SIGTERM received, finishing the updates in flight");
    // Shutting down before dispatching has started fails; retry until it works.
    loop {
        match token.shutdown() {
            Ok(done) => {
                done.await;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

type StopFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Serves `routes` until `stop` resolves (or forever).
async fn serve_http(listener: tokio::net::TcpListener, routes: axum::Router, stop: Option<StopFuture>) {
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(%address, "HTTP listening: /healthz, /metrics");
    let server = axum::serve(listener, routes);
    let served = match stop {
        Some(stop) => server.with_graceful_shutdown(stop).await,
        None => server.await,
    };
    if let Err(err) = served {
        tracing::error!(error = %err, "the HTTP listener failed");
    }
}

/// Errors from `getUpdates`, counted and explained; teloxide retries by itself.
async fn on_polling_error(app: &App, err: &teloxide::RequestError) {
    app.telegram_error(err);
    match error_kind(err) {
        ErrorKind::Conflict => tracing::error!(
            "another program is receiving this bot's updates with the same token (Telegram answered 409 Conflict); \
             stop the other newsdesk instance, or give each instance its own bot token"
        ),
        _ => tracing::warn!(error = %error_detail(err), "cannot get updates from Telegram; retrying"),
    }
}

/// Confirms every [`ops::TELEGRAM_PROBE_INTERVAL`] that Telegram answers, for
/// `/healthz` (a long poll that returns nothing says nothing either way).
async fn probe_telegram<R: AppBot>(bot: R, app: Arc<App>) {
    loop {
        tokio::time::sleep(ops::TELEGRAM_PROBE_INTERVAL).await;
        match bot.get_me().await {
            Ok(_) => app.telegram_ok(),
            Err(err) => app.telegram_error(&err),
        }
    }
}
