//! Digests and per-chat settings in Telegram: the commands that manage them, the
//! scheduler that turns due subscriptions into outbox messages, and delivery.
//!
//! Every digest goes through the outbox ([`crate::store`]): it is written there
//! together with the cursor and schedule it moves, then sent, then marked sent. A
//! crash at any point either leaves it pending (sent after restart) or marked sent
//! (never sent again). One delivery runs at a time, so a message is never in flight
//! twice.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, Recipient, ReplyParameters, ThreadId};
use teloxide::{ApiError, RequestError};

use super::render::{self, Lang, Phrase, phrase};
use super::{App, AppBot, admitted, html_message, reply, say, topic_of};
use crate::digest::{self, Filter, TimeOfDay, next_run, time_zone};
use crate::store::{DigestRecord, NewSubscription, OutboxItem, Subscription};

/// How far back the first digest of a chat or subscription looks.
const FIRST_DIGEST_LOOKBACK_MS: u64 = 24 * 60 * 60 * 1000;

/// A 429 is waited out at most this many times in a row before the message goes
/// back to the outbox for a later round.
const RETRY_AFTER_ROUNDS: usize = 5;

/// Longest wait between delivery attempts of a message Telegram keeps refusing for
/// a passing reason (network, 5xx).
const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

/// Stories listed at most in one digest (the rest are counted).
const DIGEST_ITEMS: usize = 30;

/// The language for a message in `msg`'s chat: the chat's setting, else the
/// sender's Telegram language.
pub(super) fn lang_in(app: &App, msg: &Message) -> Lang {
    match app.store.settings(msg.chat.id.0).ok().and_then(|s| s.lang) {
        Some(code) => Lang::from_code(Some(&code)),
        None => super::lang_of(msg.from.as_ref()),
    }
}

fn now_ms(now: Timestamp) -> u64 {
    now.as_millisecond().max(0) as u64
}

fn default_tz(app: &App) -> TimeZone {
    time_zone(&app.default_tz).unwrap_or(TimeZone::UTC)
}

/// The chat's time zone name: its own setting, else the configured default.
fn tz_name(app: &App, chat: i64) -> String {
    app.store.settings(chat).ok().and_then(|s| s.tz).unwrap_or_else(|| app.default_tz.clone())
}

/// Builds a digest from the index, off the async threads.
async fn build(app: &Arc<App>, since: u64, filter: Filter) -> anyhow::Result<digest::Digest> {
    let app = Arc::clone(app);
    let mut digest = tokio::task::spawn_blocking(move || -> anyhow::Result<digest::Digest> {
        let fresh = app.index.fresh_articles(since, &filter.include, &filter.exclude)?;
        Ok(digest::build(fresh, since))
    })
    .await??;
    digest.items.truncate(DIGEST_ITEMS);
    Ok(digest)
}

/// Whether the sender may change this chat's digests and settings: anyone in a
/// private chat, a channel's own posts, a group's anonymous admins, the group's
/// admins, and the bot's admins.
async fn may_manage<R: AppBot>(bot: &R, msg: &Message, app: &App) -> anyhow::Result<bool> {
    if msg.chat.is_private() || msg.chat.is_channel() {
        return Ok(true);
    }
    if msg.sender_chat.as_ref().is_some_and(|c| c.id == msg.chat.id) {
        return Ok(true);
    }
    let Some(user) = &msg.from else { return Ok(false) };
    if app.access.is_admin(user.id.0) {
        return Ok(true);
    }
    let member = bot.get_chat_member(msg.chat.id, user.id).await?;
    Ok(member.is_privileged())
}

/// `/digest [keywords]`: what is new since this chat's last digest, now.
pub(super) async fn on_digest<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    words: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    if !admitted(bot, msg, app, lang).await? {
        return Ok(());
    }
    let thread = topic_of(msg);
    let now = app.clock.now();
    let since = match app.store.chat_cursor(msg.chat.id.0, thread.map(|t| t.0.0))? {
        Some(cursor) => cursor,
        None => now_ms(now).saturating_sub(FIRST_DIGEST_LOOKBACK_MS),
    };
    let filter = Filter::parse(words);
    let digest = build(app, since, filter.clone()).await?;
    if digest.items.is_empty() {
        return say(bot, msg, lang, Phrase::DigestEmpty).await;
    }
    let text = render::digest_message(&digest, &filter.to_string(), lang);
    app.store.record_digest(&DigestRecord {
        subscription_id: None,
        chat_id: msg.chat.id.0,
        thread_id: thread.map(|t| t.0.0),
        reply_to: (!msg.chat.is_private() && !msg.chat.is_channel()).then_some(msg.id.0),
        text: Some(&text),
        cursor: digest.cursor,
        next_due: None,
        now: now.as_second(),
    })?;
    deliver_pending(bot, app).await;
    Ok(())
}

/// `/subscribe [@channel] HH:MM [keywords] [-excluded]`.
pub(super) async fn on_subscribe<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    app: &Arc<App>,
    args: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    // Digests carry archive content: only where questions are answered.
    if !app.access.allows(Some(msg.chat.id.0), msg.from.as_ref().map(|u| u.id.0)) {
        return say(bot, msg, lang, Phrase::NotAllowed).await;
    }
    let mut words = args.split_whitespace();
    let first = words.next().unwrap_or("");
    let (channel, time) = match first.strip_prefix('@') {
        Some(_) => (Some(first), words.next().unwrap_or("")),
        None => (None, first),
    };
    let Some(at) = TimeOfDay::parse(time) else {
        return say(bot, msg, lang, Phrase::SubscribeUsage).await;
    };
    let filter = Filter::parse(&words.collect::<Vec<_>>().join(" "));
    let (chat_id, thread_id, chat_title) = match channel {
        Some(name) => match channel_for(bot, msg, me, name).await? {
            Ok(id) => (id, None, Some(name.to_owned())),
            Err(refusal) => return say(bot, msg, lang, refusal).await,
        },
        None => {
            if !may_manage(bot, msg, app).await? {
                return say(bot, msg, lang, Phrase::ManagersOnly).await;
            }
            (msg.chat.id.0, topic_of(msg).map(|t| t.0.0), None)
        }
    };
    let tz_name = tz_name(app, msg.chat.id.0);
    let tz = time_zone(&tz_name).unwrap_or_else(|| default_tz(app));
    let now = app.clock.now();
    let next_due = next_run(now, at, &tz);
    let new = NewSubscription {
        chat_id,
        thread_id,
        chat_title,
        minute_of_day: at.minute_of_day(),
        tz: tz_name,
        include: filter.include.join(" "),
        exclude: filter.exclude.join(" "),
        created_by: msg.from.as_ref().map(|u| u.id.0),
        lang: Some(lang.code().to_owned()),
        next_due: next_due.as_second(),
    };
    let id = app.store.subscribe(&new, now.as_second())?;
    // Subscribing again in a chat where delivery had stopped means the bot is back.
    app.store.resume_chat(chat_id)?;
    tracing::info!(subscription = id, chat = chat_id, "subscribed");
    let sub = app.store.subscriptions_of_chat(chat_id)?.into_iter().find(|s| s.id == id);
    let Some(sub) = sub else { return Ok(()) };
    let first = next_due.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string();
    reply(bot, msg, vec![render::subscribed(&sub, &first, lang)], None).await
}

/// The id of `@name` when the sender administers it and the bot may post there;
/// otherwise what to tell the sender.
async fn channel_for<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    name: &str,
) -> anyhow::Result<Result<i64, Phrase>> {
    let Some(user) = &msg.from else { return Ok(Err(Phrase::ChannelNotAdmin)) };
    let chat = match bot.get_chat(Recipient::ChannelUsername(name.to_owned())).await {
        Ok(chat) if !chat.is_private() => chat,
        Ok(_) | Err(RequestError::Api(_)) => return Ok(Err(Phrase::ChannelNotFound)),
        Err(err) => return Err(err.into()),
    };
    let requester = match bot.get_chat_member(chat.id, user.id).await {
        Ok(member) => member,
        Err(RequestError::Api(_)) => return Ok(Err(Phrase::ChannelNotAdmin)),
        Err(err) => return Err(err.into()),
    };
    if !requester.is_privileged() {
        return Ok(Err(Phrase::ChannelNotAdmin));
    }
    let bot_member = match bot.get_chat_member(chat.id, me.id).await {
        Ok(member) => member,
        Err(RequestError::Api(_)) => return Ok(Err(Phrase::ChannelCantPost)),
        Err(err) => return Err(err.into()),
    };
    let can_post =
        if chat.is_channel() { bot_member.kind.can_post_messages() } else { bot_member.is_present() };
    if !can_post {
        return Ok(Err(Phrase::ChannelCantPost));
    }
    Ok(Ok(chat.id.0))
}

/// `/unsubscribe`, `/unsubscribe N`, `/unsubscribe @channel`.
pub(super) async fn on_unsubscribe<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    app: &Arc<App>,
    args: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    let arg = args.trim();
    let removed = if arg.starts_with('@') {
        match channel_for_removal(bot, msg, me, arg).await? {
            Ok(channel) => app.store.unsubscribe(channel, None, None)?,
            Err(refusal) => return say(bot, msg, lang, refusal).await,
        }
    } else {
        let id = match arg {
            "" => None,
            n => match n.trim_start_matches('#').parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => return say(bot, msg, lang, Phrase::UnsubscribeUsage).await,
            },
        };
        if !may_manage(bot, msg, app).await? {
            return say(bot, msg, lang, Phrase::ManagersOnly).await;
        }
        let mut removed = app.store.unsubscribe(
            msg.chat.id.0,
            if id.is_none() { topic_of(msg).map(|t| t.0.0) } else { None },
            id,
        )?;
        // In a private chat, a number may also name a channel subscription made here.
        if removed == 0
            && let (Some(id), Some(user)) = (id, msg.from.as_ref())
            && msg.chat.is_private()
            && let Some(sub) = app.store.channel_subscriptions_by(user.id.0)?.into_iter().find(|s| s.id == id)
        {
            removed = app.store.unsubscribe(sub.chat_id, None, Some(id))?;
        }
        removed
    };
    reply(bot, msg, vec![render::unsubscribed(removed, lang)], None).await
}

/// Like [`channel_for`], but only the sender's admin rights matter: the bot may
/// already have lost its own.
async fn channel_for_removal<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    name: &str,
) -> anyhow::Result<Result<i64, Phrase>> {
    match channel_for(bot, msg, me, name).await? {
        Err(Phrase::ChannelCantPost) => {
            let chat = bot.get_chat(Recipient::ChannelUsername(name.to_owned())).await?;
            Ok(Ok(chat.id.0))
        }
        other => Ok(other),
    }
}

/// `/subscriptions`: this chat's, and in a private chat also the channels' ones the
/// sender made.
pub(super) async fn on_subscriptions<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    let mut subs: Vec<Subscription> = app.store.subscriptions_of_chat(msg.chat.id.0)?;
    if msg.chat.is_private()
        && let Some(user) = &msg.from
    {
        subs.extend(app.store.channel_subscriptions_by(user.id.0)?);
    }
    reply(bot, msg, render::subscriptions(&subs, lang), None).await
}

/// `/timezone [Area/City]`.
pub(super) async fn on_timezone<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    name: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    let name = name.trim();
    if name.is_empty() {
        let current = tz_name(app, msg.chat.id.0);
        let text =
            format!("{} {}", render::escape(&current), render::escape(phrase(lang, Phrase::TimezoneUsage)));
        return reply(bot, msg, vec![text], None).await;
    }
    let Some(tz) = time_zone(name) else {
        return reply(bot, msg, vec![render::timezone_reply(name, false, lang)], None).await;
    };
    if !may_manage(bot, msg, app).await? {
        return say(bot, msg, lang, Phrase::ManagersOnly).await;
    }
    // The canonical spelling, as the time zone database has it.
    let name = tz.iana_name().unwrap_or(name).to_owned();
    let now = app.clock.now();
    app.store.set_tz(msg.chat.id.0, &name, |minute| {
        next_run(now, TimeOfDay::from_minute_of_day(minute), &tz).as_second()
    })?;
    reply(bot, msg, vec![render::timezone_reply(&name, true, lang)], None).await
}

/// `/language en|uk|auto`.
pub(super) async fn on_language<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    arg: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    let choice = match arg.trim().to_lowercase().as_str() {
        "en" | "english" => Some(Some("en")),
        "uk" | "ua" | "українська" | "ukrainian" => Some(Some("uk")),
        "auto" | "default" => Some(None),
        _ => None,
    };
    let Some(choice) = choice else { return say(bot, msg, lang, Phrase::LanguageUsage).await };
    if !may_manage(bot, msg, app).await? {
        return say(bot, msg, lang, Phrase::ManagersOnly).await;
    }
    app.store.set_lang(msg.chat.id.0, choice)?;
    say(bot, msg, lang_in(app, msg), Phrase::Saved).await
}

/// `/results 1-10|default`.
pub(super) async fn on_results<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    arg: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    let choice = match arg.trim() {
        "default" | "auto" => Some(None),
        n => n.parse::<usize>().ok().filter(|n| (1..=10).contains(n)).map(Some),
    };
    let Some(choice) = choice else { return say(bot, msg, lang, Phrase::ResultsUsage).await };
    if !may_manage(bot, msg, app).await? {
        return say(bot, msg, lang, Phrase::ManagersOnly).await;
    }
    app.store.set_results(msg.chat.id.0, choice)?;
    say(bot, msg, lang, Phrase::Saved).await
}

/// `/unanswered`: for the bot's admins, the recent questions that found nothing.
pub(super) async fn on_unanswered<R: AppBot>(bot: &R, msg: &Message, app: &Arc<App>) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    if !msg.from.as_ref().is_some_and(|u| app.access.is_admin(u.id.0)) {
        return say(bot, msg, lang, Phrase::BotAdminsOnly).await;
    }
    let questions = app.store.unanswered(30)?;
    reply(bot, msg, render::unanswered(&questions, lang), None).await
}

/// Runs the digest scheduler until the task is dropped: every `tick`, due
/// subscriptions become outbox messages and pending messages are delivered.
pub async fn run_scheduler<R: AppBot>(bot: R, app: Arc<App>, tick: Duration) {
    loop {
        if let Err(err) = schedule_due(&app).await {
            tracing::error!(error = ?err, "digest scheduling failed");
        }
        deliver_pending(&bot, &app).await;
        tokio::time::sleep(tick).await;
    }
}

/// Writes a digest to the outbox for every due subscription (an empty one only moves
/// the schedule on).
async fn schedule_due(app: &Arc<App>) -> anyhow::Result<()> {
    let now = app.clock.now();
    for sub in app.store.due(now.as_second())? {
        let tz = time_zone(&sub.tz).unwrap_or_else(|| default_tz(app));
        let next = next_run(now, TimeOfDay::from_minute_of_day(sub.minute_of_day), &tz);
        // The allowlists may have changed since the subscription was made.
        if !app.access.allows(Some(sub.chat_id), sub.created_by) {
            tracing::info!(
                subscription = sub.id,
                chat = sub.chat_id,
                "chat no longer allowed; digest paused"
            );
            app.store.pause_chat(sub.chat_id, "not on the allowlist")?;
            continue;
        }
        let since = sub.cursor.unwrap_or_else(|| now_ms(now).saturating_sub(FIRST_DIGEST_LOOKBACK_MS));
        let filter = Filter {
            include: sub.include.split_whitespace().map(str::to_owned).collect(),
            exclude: sub.exclude.split_whitespace().map(str::to_owned).collect(),
        };
        let digest = build(app, since, filter.clone()).await?;
        let lang = match app.store.settings(sub.chat_id)?.lang.or(sub.lang.clone()) {
            Some(code) => Lang::from_code(Some(&code)),
            None => Lang::En,
        };
        let text =
            (!digest.items.is_empty()).then(|| render::digest_message(&digest, &filter.to_string(), lang));
        app.store.record_digest(&DigestRecord {
            subscription_id: Some(sub.id),
            chat_id: sub.chat_id,
            thread_id: sub.thread_id,
            reply_to: None,
            text: text.as_deref(),
            cursor: digest.cursor,
            next_due: Some(next.as_second()),
            now: now.as_second(),
        })?;
        tracing::info!(
            subscription = sub.id,
            chat = sub.chat_id,
            stories = digest.items.len(),
            next = %next,
            "digest scheduled"
        );
    }
    Ok(())
}

/// Sends every pending outbox message whose time has come. One delivery runs at a
/// time (the lock), so no message is ever in flight twice.
pub(super) async fn deliver_pending<R: AppBot>(bot: &R, app: &Arc<App>) {
    let _one_at_a_time = app.delivery.lock().await;
    let pending = match app.store.pending(app.clock.now().as_second()) {
        Ok(pending) => pending,
        Err(err) => {
            tracing::error!(error = ?anyhow::Error::from(err), "cannot read the outbox");
            return;
        }
    };
    for item in pending {
        if let Err(err) = deliver(bot, app, &item).await {
            tracing::error!(error = ?err, outbox = item.id, "cannot record a delivery");
        }
    }
}

/// What became of one delivery attempt.
enum Outcome {
    Sent(MessageId),
    /// Worth trying again later.
    Failed(String),
    /// Never deliverable; with whether the chat itself is gone.
    Undeliverable {
        reason: String,
        chat_gone: bool,
    },
}

async fn deliver<R: AppBot>(bot: &R, app: &App, item: &OutboxItem) -> anyhow::Result<()> {
    let outcome = send_item(bot, app, item).await;
    let now = app.clock.now().as_second();
    match outcome {
        Outcome::Sent(message) => {
            app.store.mark_sent(item.id, message.0, now)?;
            tracing::info!(outbox = item.id, chat = item.chat_id, "digest delivered");
        }
        Outcome::Failed(reason) => {
            let backoff = (30_i64 << item.attempts.min(10)).min(MAX_BACKOFF_SECONDS);
            app.store.mark_failed(item.id, &reason, now + backoff)?;
            tracing::warn!(outbox = item.id, chat = item.chat_id, %reason, retry_in_s = backoff, "digest not delivered yet");
        }
        Outcome::Undeliverable { reason, chat_gone } => {
            app.store.drop_message(item.id, &reason)?;
            if chat_gone {
                let paused = app.store.pause_chat(item.chat_id, &reason)?;
                tracing::warn!(chat = item.chat_id, %reason, paused, "cannot post in this chat; its digests are paused");
            } else {
                tracing::error!(outbox = item.id, %reason, "digest refused by Telegram; dropped");
            }
        }
    }
    Ok(())
}

async fn send_item<R: AppBot>(bot: &R, app: &App, item: &OutboxItem) -> Outcome {
    for _ in 0..RETRY_AFTER_ROUNDS {
        let mut request = html_message(bot, ChatId(item.chat_id), item.text.clone());
        if let Some(thread) = item.thread_id {
            request = request.message_thread_id(ThreadId(MessageId(thread)));
        }
        if let Some(message) = item.reply_to {
            request = request
                .reply_parameters(ReplyParameters::new(MessageId(message)).allow_sending_without_reply());
        }
        let sent = request.await;
        match sent {
            Ok(sent) => {
                app.telegram_ok();
                return Outcome::Sent(sent.id);
            }
            Err(err) => {
                app.telegram_error(&err);
                match err {
                    RequestError::RetryAfter(wait) => {
                        tracing::info!(wait_s = wait.seconds(), "Telegram asked to slow down; waiting");
                        tokio::time::sleep(wait.duration()).await;
                    }
                    err => return classify(&err),
                }
            }
        }
    }
    Outcome::Failed("rate limited".into())
}

/// Sorts a failed send into "later" and "never". The reason never includes the
/// request URL, which carries the token.
fn classify(err: &RequestError) -> Outcome {
    let later = || Outcome::Failed(super::error_detail(err));
    let gone = |reason: &str| Outcome::Undeliverable { reason: reason.to_owned(), chat_gone: true };
    match err {
        RequestError::Api(api) => match api {
            ApiError::BotBlocked => gone("the bot was blocked"),
            ApiError::BotKicked | ApiError::BotKickedFromSupergroup | ApiError::BotKickedFromChannel => {
                gone("the bot was removed from the chat")
            }
            ApiError::ChatNotFound | ApiError::GroupDeactivated | ApiError::UserDeactivated => {
                gone("the chat no longer exists")
            }
            ApiError::CantInitiateConversation | ApiError::CantTalkWithBots => {
                gone("the bot may not write there")
            }
            ApiError::NotEnoughRightsToPostMessages => gone("the bot may not post there"),
            ApiError::Unknown(text) if text.starts_with("Forbidden") => gone("the bot may not post there"),
            ApiError::Unknown(text) if text.contains("thread not found") => gone("the forum topic is gone"),
            // Our own message is at fault: sending it again cannot help.
            ApiError::MessageIsTooLong | ApiError::CantParseEntities(_) | ApiError::MessageTextIsEmpty => {
                Outcome::Undeliverable { reason: api.to_string(), chat_gone: false }
            }
            // Anything else (a 5xx among them) may pass.
            _ => later(),
        },
        RequestError::MigrateToChatId(_) => gone("the group became a supergroup; subscribe again there"),
        RequestError::Network(_)
        | RequestError::InvalidJson { .. }
        | RequestError::Io(_)
        | RequestError::RetryAfter(_) => later(),
    }
}
