//! The command list and its menu, and the commands that read the archive; the
//! digest and settings commands are in [`super::digests`], `/archive` in
//! `super::channels`.

use std::sync::Arc;

use std::time::Instant;
use teloxide::prelude::*;

use teloxide::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Me, MessageId, ReplyParameters,
};
use teloxide::utils::command::BotCommands;

use super::ask::{admitted, answer, answer_as, article_keyboard, on_edited};
use super::render::{self, Lang, Phrase, phrase};
use super::send::{deliver, html_message, lang_of, reply_sent, say, topic_of};
use super::state::LiveAnswer;
use super::{App, AppBot, channels, digests};

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(
    rename_rule = "lowercase",
    description = "I answer questions about the news archive with cited excerpts."
)]
pub enum Command {
    /// With the deep-link parameter Telegram sends after `/start`: `help` (from
    /// the inline-mode button) shows the help.
    #[command(description = "what I do")]
    Start(String),
    #[command(description = "how to ask")]
    Help,
    #[command(description = "ask a question, e.g. /ask what did Rutte say about guarantees")]
    Ask(String),
    #[command(description = "the newest articles, or the newest on a topic: /latest nato")]
    Latest(String),
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
    #[command(description = "keep a channel's posts in the archive: /archive [@channel] on|off|purge")]
    Archive(String),
    #[command(description = "the feeds and their state (bot admins, private chat)")]
    Feeds,
    #[command(description = "add a feed: /addfeed URL (bot admins, private chat)")]
    Addfeed(String),
    #[command(description = "remove a feed: /removefeed N (bot admins, private chat)")]
    Removefeed(String),
}

#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
pub(super) async fn on_command<R: AppBot>(
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
        Command::Archive(args) => channels::on_archive(&bot, &msg, &me, &app, &args).await,
        Command::Feeds => super::feeds::on_feeds(&bot, &msg, &app, lang).await,
        Command::Addfeed(arg) => super::feeds::on_addfeed(&bot, &msg, &app, lang, &arg).await,
        Command::Removefeed(arg) => super::feeds::on_removefeed(&bot, &msg, &app, lang, &arg).await,
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
        Command::Start(start) if start.trim() == "help" => say(&bot, &msg, lang, Phrase::Help).await,
        Command::Start(_) => say(&bot, &msg, lang, Phrase::Start).await,
        Command::Help => say(&bot, &msg, lang, Phrase::Help).await,
        Command::Ask(question) => answer(&bot, &msg, &app, &question).await,
        // `/latest topic`: the relevant articles, newest first.
        Command::Latest(topic) if !topic.trim().is_empty() => answer_as(&bot, &msg, &app, &topic, true).await,
        Command::Latest(_) => {
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            send_newest(&bot, &app, Place::reply_to(&msg), None, Phrase::LatestHeader, lang).await
        }
        Command::Article(id) => {
            let id = id.trim().to_owned();
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            if id.is_empty() {
                // Ids are not shown anywhere: the newest articles, with their buttons.
                return send_newest(&bot, &app, Place::reply_to(&msg), None, Phrase::ArticleUsage, lang).await;
            }
            send_article(&bot, msg.chat.id, topic_of(&msg), None, &app, &id, lang).await.map(|_| ())
        }
        Command::Digest(_)
        | Command::Subscribe(_)
        | Command::Unsubscribe(_)
        | Command::Subscriptions
        | Command::Timezone(_)
        | Command::Language(_)
        | Command::Results(_)
        | Command::Unanswered
        | Command::Feeds
        | Command::Addfeed(_)
        | Command::Removefeed(_)
        // Handled by `on_command` before it gets here.
        | Command::Archive(_) => Ok(()),
        Command::Sources => {
            if !admitted(&bot, &msg, &app, lang).await? {
                return Ok(());
            }
            let counts = {
                let app = Arc::clone(&app);
                tokio::task::spawn_blocking(move || app.index.sources()).await?
            };
            let counts = match counts {
                Ok(counts) => counts,
                Err(err) => {
                    tracing::error!(error = ?anyhow::Error::from(err), "listing failed");
                    return say(&bot, &msg, lang, Phrase::Unavailable).await;
                }
            };
            let shown = &counts[..counts.len().min(LIST_LENGTH)];
            let outlets: Vec<String> = shown.iter().map(|(name, _)| name.clone()).collect();
            let key = app.answers.insert(LiveAnswer {
                outlets: outlets.clone(),
                ..LiveAnswer::new(String::new(), msg.chat.id.0, 0, Instant::now())
            });
            let buttons: Vec<InlineKeyboardButton> = (0..outlets.len())
                .map(|n| InlineKeyboardButton::callback(format!("📰 {}", n + 1), format!("s:{key}:{n}")))
                .collect();
            let keyboard = (!buttons.is_empty())
                .then(|| InlineKeyboardMarkup::new(buttons.chunks(5).map(<[_]>::to_vec)));
            if let Some(sent) = reply_sent(&bot, &msg, render::sources(&counts, lang), keyboard).await? {
                app.answers.bind(&key, sent.0);
            }
            Ok(())
        }
    }
}

/// Articles a list shows (`/latest`, an outlet's newest), and outlets with buttons.
const LIST_LENGTH: usize = 10;

/// Where a message goes: a chat, its forum topic, and the message it answers.
#[derive(Clone, Copy, Debug)]
pub(super) struct Place {
    pub chat: ChatId,
    pub thread: Option<teloxide::types::ThreadId>,
    pub reply_to: Option<MessageId>,
}

impl Place {
    /// In reply to `msg`, as [`reply`] sends (a reply in groups, not in private chats).
    pub fn reply_to(msg: &Message) -> Place {
        Place {
            chat: msg.chat.id,
            thread: topic_of(msg),
            reply_to: (!msg.chat.is_private()).then_some(msg.id),
        }
    }
}

/// The newest articles (of `outlet` only, if given; `Some("")` is the articles
/// without one) as a numbered list under `header`, with a 📄 button for each.
pub(super) async fn send_newest<R: AppBot>(
    bot: &R,
    app: &Arc<App>,
    place: Place,
    outlet: Option<String>,
    header: Phrase,
    lang: Lang,
) -> anyhow::Result<()> {
    let listing = {
        let app = Arc::clone(app);
        tokio::task::spawn_blocking(move || app.index.articles()).await?
    };
    let mut articles = match listing {
        Ok(articles) => articles,
        Err(err) => {
            tracing::error!(error = ?anyhow::Error::from(err), "listing failed");
            let text = render::escape(phrase(lang, Phrase::Unavailable));
            deliver(html_message(bot, place.chat, text)).await?;
            return Ok(());
        }
    };
    if let Some(outlet) = &outlet {
        articles.retain(|a| a.source.as_deref().unwrap_or_default() == outlet);
    }
    articles.truncate(LIST_LENGTH);
    let shown: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let key = app.answers.insert(LiveAnswer {
        shown: shown.clone(),
        ..LiveAnswer::new(String::new(), place.chat.0, LIST_LENGTH, Instant::now())
    });
    let texts = render::latest(&articles, header, lang);
    let count = texts.len();
    for (i, text) in texts.into_iter().enumerate() {
        let mut request = html_message(bot, place.chat, text);
        if let Some(thread) = place.thread {
            request = request.message_thread_id(thread);
        }
        if let Some(message) = place.reply_to {
            request = request.reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
        }
        if i + 1 == count && !shown.is_empty() {
            request = request.reply_markup(article_keyboard(&key, shown.len(), lang));
        }
        let sent = deliver(request).await?;
        if i + 1 == count {
            app.answers.bind(&key, sent.id.0);
        }
    }
    Ok(())
}

/// Messages of an article sent at most (about 12,000 characters); the rest is
/// cut, with a link to the article. A whole 8 MiB article would be some 2,000
/// messages, which Telegram's per-chat limit spreads over half an hour, holding up
/// the chat's next commands and a clean shutdown.
const ARTICLE_MESSAGES: usize = 3;

/// Sends the article `id` (`/article` and the 📄 button), as a reply to `reply_to`
/// if given: at most [`ARTICLE_MESSAGES`] messages of it, then a note that the rest
/// is cut. Returns the first message sent.
pub(super) async fn send_article<R: AppBot>(
    bot: &R,
    chat: ChatId,
    thread: Option<teloxide::types::ThreadId>,
    reply_to: Option<MessageId>,
    app: &Arc<App>,
    id: &str,
    lang: Lang,
) -> anyhow::Result<Option<MessageId>> {
    let found = {
        let app = Arc::clone(app);
        let id = id.to_owned();
        tokio::task::spawn_blocking(move || app.index.article(&id)).await?
    };
    let texts = match found {
        Ok(Some((info, passages))) => {
            render::article_messages_capped(&info, &passages, ARTICLE_MESSAGES, lang)
        }
        Ok(None) => vec![render::escape(phrase(lang, Phrase::ArticleNotFound))],
        Err(err) => {
            tracing::error!(error = ?anyhow::Error::from(err), "article lookup failed");
            vec![render::escape(phrase(lang, Phrase::Unavailable))]
        }
    };
    let mut first = None;
    for text in texts {
        let mut request = html_message(bot, chat, text);
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        if let (Some(message), None) = (reply_to, first) {
            request = request.reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
        }
        let sent = deliver(request).await?.id;
        first.get_or_insert(sent);
    }
    Ok(first)
}

/// An edited command: an edited `/ask` updates its answer; other commands are not
/// run again.
#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0))]
pub(super) async fn on_edited_command<R: AppBot>(
    bot: R,
    msg: Message,
    app: Arc<App>,
    command: Command,
) -> anyhow::Result<()> {
    match command {
        Command::Ask(question) => on_edited(&bot, &msg, &app, &question).await,
        _ => Ok(()),
    }
}

pub(super) async fn on_other_private<R: AppBot>(bot: R, msg: Message) -> anyhow::Result<()> {
    let lang = lang_of(msg.from.as_ref());
    let what = match msg.text() {
        Some(_) => Phrase::UnknownCommand,
        None => Phrase::TextOnly,
    };
    say(&bot, &msg, lang, what).await
}

/// The command menu, in English and Ukrainian.
pub fn command_menu(lang: Lang) -> Vec<BotCommand> {
    let uk = [
        ("start", "що я вмію"),
        ("help", "як ставити запитання"),
        ("ask", "поставити запитання"),
        ("latest", "найновіші статті, або найновіші на тему: /latest нато"),
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
        ("archive", "зберігати дописи каналу в архіві: /archive on|off|purge"),
        ("feeds", "стрічки та їхній стан (адміністраторам)"),
        ("addfeed", "додати стрічку: /addfeed URL (адміністраторам)"),
        ("removefeed", "прибрати стрічку: /removefeed N (адміністраторам)"),
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

/// Registers the command menu (English and Ukrainian).
pub async fn register_commands<R: AppBot>(bot: &R) -> anyhow::Result<()> {
    bot.set_my_commands(command_menu(Lang::En)).await?;
    bot.set_my_commands(command_menu(Lang::Uk)).language_code("uk").await?;
    Ok(())
}
