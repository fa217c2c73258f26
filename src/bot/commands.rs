//! The command list and its menu, and the commands that read the archive; the
//! digest and settings commands are in [`super::digests`].

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{BotCommand, Me};
use teloxide::utils::command::BotCommands;

use super::ask::{admitted, answer};
use super::render::{self, Lang, Phrase, phrase};
use super::send::{deliver, html_message, lang_of, reply, say, topic_of};
use super::{App, AppBot, digests};

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
        | Command::Feeds
        | Command::Addfeed(_)
        | Command::Removefeed(_)
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

/// Messages of an article sent at most (about 12,000 characters); the rest is
/// cut, with a link to the article. A whole 8 MiB article would be some 2,000
/// messages, which Telegram's per-chat limit spreads over half an hour, holding up
/// the chat's next commands and a clean shutdown.
const ARTICLE_MESSAGES: usize = 3;

/// Sends the article `id` (`/article` and the 📄 button): at most
/// [`ARTICLE_MESSAGES`] messages of it, then a note that the rest is cut.
pub(super) async fn send_article<R: AppBot>(
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
        Ok(Some((info, passages))) => {
            render::article_messages_capped(&info, &passages, ARTICLE_MESSAGES, lang)
        }
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
