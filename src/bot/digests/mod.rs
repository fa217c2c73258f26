//! Digests and per-chat settings in Telegram: here the commands that manage them;
//! in `delivery` the scheduler that turns due subscriptions into outbox messages,
//! and delivery.
//!
//! Every digest goes through the outbox ([`crate::store`]): it is written there
//! together with the cursor and schedule it moves, then sent, then marked sent. A
//! crash at any point either leaves it pending (sent after restart) or marked sent
//! (never sent again). One delivery runs per chat at a time, so a message is never
//! in flight twice, and a chat with many digests waiting never delays another.

mod delivery;

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{Me, Recipient};

use super::ask::{admitted, allowed_here};
use super::render::{self, Lang, Phrase, phrase};
use super::send::{lang_of, reply, say, topic_of};
use super::{App, AppBot};
use crate::digest::{self, Filter, TimeOfDay, next_run, time_zone};
use crate::store::{DigestRecord, NewSubscription, Subscription, SubscriptionLimit};

use delivery::deliver_to_chat;
pub use delivery::{Delivery, run_scheduler};

/// How far back the first digest of a chat or subscription looks.
const FIRST_DIGEST_LOOKBACK_MS: u64 = 24 * 60 * 60 * 1000;

/// Subscriptions one chat may have, so that one chat cannot fill the schedule
/// (`Phrase::ChatSubscriptionsFull` says the number).
const SUBSCRIPTIONS_PER_CHAT: usize = 10;

/// Subscriptions one user may make across all chats (`Phrase::UserSubscriptionsFull`
/// says the number).
const SUBSCRIPTIONS_PER_USER: usize = 20;

/// Stories listed at most in one digest (the rest are counted).
const DIGEST_ITEMS: usize = 30;

/// The language for a message in `msg`'s chat: the chat's setting, else the
/// sender's Telegram language.
pub(super) fn lang_in(app: &App, msg: &Message) -> Lang {
    match app.store.settings(msg.chat.id.0).ok().and_then(|s| s.lang) {
        Some(code) => Lang::from_code(Some(&code)),
        None => lang_of(msg.from.as_ref()),
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

/// Now, in `chat`'s time zone: what "today" and "last week" mean there.
pub(super) fn chat_now(app: &App, chat: i64) -> jiff::Zoned {
    let tz = time_zone(&tz_name(app, chat)).unwrap_or_else(|| default_tz(app));
    app.clock.now().to_zoned(tz)
}

/// Builds a digest from the index, off the async threads.
async fn build(app: &Arc<App>, since: u64, filter: Filter) -> anyhow::Result<digest::Digest> {
    let app = Arc::clone(app);
    let mut digest = tokio::task::spawn_blocking(move || -> anyhow::Result<digest::Digest> {
        let fresh = app.index.fresh_articles(since, &filter.include, &filter.exclude, &filter.filters())?;
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
    // Sent now, in this chat's turn only: never behind other chats' scheduled digests.
    deliver_to_chat(bot, app, msg.chat.id.0).await;
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
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(());
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
    let (include, exclude) = filter.to_stored();
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
        include,
        exclude,
        created_by: msg.from.as_ref().map(|u| u.id.0),
        lang: Some(lang.code().to_owned()),
        next_due: next_due.as_second(),
    };
    let id = match app.store.subscribe_within(
        &new,
        now.as_second(),
        SUBSCRIPTIONS_PER_CHAT,
        SUBSCRIPTIONS_PER_USER,
    )? {
        Ok(id) => id,
        Err(SubscriptionLimit::Chat(_)) => return say(bot, msg, lang, Phrase::ChatSubscriptionsFull).await,
        Err(SubscriptionLimit::User(_)) => return say(bot, msg, lang, Phrase::UserSubscriptionsFull).await,
    };
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
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(());
    }
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
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(());
    }
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
    reply(bot, msg, vec![render::language_reply(choice, lang_in(app, msg))], None).await
}

/// `/results 1-10|default`.
pub(super) async fn on_results<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    arg: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(());
    }
    let choice = match arg.trim() {
        "default" | "auto" => Some(None),
        n => n.parse::<usize>().ok().filter(|n| (1..=10).contains(n)).map(Some),
    };
    let Some(choice) = choice else { return say(bot, msg, lang, Phrase::ResultsUsage).await };
    if !may_manage(bot, msg, app).await? {
        return say(bot, msg, lang, Phrase::ManagersOnly).await;
    }
    app.store.set_results(msg.chat.id.0, choice)?;
    reply(bot, msg, vec![render::results_reply(choice, app.results, lang)], None).await
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
