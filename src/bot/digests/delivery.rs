//! The digest scheduler, which turns due subscriptions into outbox messages, and the
//! delivery of the outbox: retries with backoff, and pausing chats the bot has lost.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{MessageId, ReplyParameters, ThreadId};
use teloxide::{ApiError, RequestError};

use super::{FIRST_DIGEST_LOOKBACK_MS, build, default_tz, now_ms};
use crate::bot::render::{self, Lang};
use crate::bot::send::{error_detail, html_message};
use crate::bot::{App, AppBot};
use crate::digest::{Filter, TimeOfDay, next_run, time_zone};
use crate::store::{DeliveryStep, DigestRecord, Failpoint, OutboxItem, Redelivery, StoreError};

/// A 429 is waited out at most this many times in a row before the message goes
/// back to the outbox for a later round.
const RETRY_AFTER_ROUNDS: usize = 5;

/// Longest wait between delivery attempts of a message Telegram keeps refusing for
/// a passing reason (network, 5xx).
const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

/// Who is delivering where, and what Telegram took that the database could not
/// record. Delivery runs per chat: Telegram paces each chat on its own, so one chat
/// with many digests waiting never holds back another.
///
/// Each message is marked sending before its request leaves; one the process died
/// with is settled by `redelivery` when the scheduler starts
/// ([`Store::settle_uncertain`](crate::store::Store::settle_uncertain)).
#[derive(Debug, Default)]
pub struct Delivery {
    redelivery: Redelivery,
    failpoint: Option<Failpoint>,
    /// One lock per chat: at most one delivery to a chat at a time, so no message
    /// is ever in flight twice.
    chats: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Outbox rows whose new state could not be written, by id. They are never
    /// delivered again while the process runs; the state is written when the
    /// database takes writes again.
    unrecorded: Mutex<HashMap<i64, Unrecorded>>,
}

/// A delivery state the database could not take. The row stays marked sending
/// meanwhile, so it is not pending; should the process die first, the restart
/// settles it as uncertain.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Unrecorded {
    /// Telegram accepted the message; marking it sent failed.
    Sent { message_id: i32, at: i64 },
    /// Telegram did not take it; marking it failed (to retry) failed.
    Failed { reason: String, retry_at: i64 },
}

impl Delivery {
    pub fn new(redelivery: Redelivery, failpoint: Option<Failpoint>) -> Delivery {
        Delivery { redelivery, failpoint, ..Delivery::default() }
    }

    /// Stops the process dead at `step` when the failpoint says so (crash tests).
    fn step(&self, step: DeliveryStep, outbox: i64) {
        if self.failpoint.as_ref().is_some_and(|point| point.fires_at(step)) {
            tracing::warn!(outbox, %step, "failpoint reached; aborting");
            std::process::abort();
        }
    }

    fn chat(&self, chat: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
        // Locks nobody holds or waits for are forgotten, so the map stays small.
        chats.retain(|_, lock| Arc::strong_count(lock) > 1);
        Arc::clone(chats.entry(chat).or_default())
    }

    fn unrecorded(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Unrecorded>> {
        self.unrecorded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_unrecorded(&self, id: i64) -> bool {
        self.unrecorded().contains_key(&id)
    }
}

/// Runs the digest scheduler until the task is dropped: every `tick`, due
/// subscriptions become outbox messages and each chat with pending messages gets a
/// delivery of its own (dropping the scheduler stops them too).
pub async fn run_scheduler<R: AppBot>(bot: R, app: Arc<App>, tick: Duration) {
    settle_uncertain(&app);
    let mut deliveries = tokio::task::JoinSet::new();
    loop {
        if let Err(err) = schedule_due(&app).await {
            tracing::error!(error = ?err, "digest scheduling failed");
        }
        while deliveries.try_join_next().is_some() {}
        deliver_pending(&bot, &app, &mut deliveries);
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
        let filter = Filter::stored(&sub.include, &sub.exclude);
        let digest = build(app, since, filter.clone()).await?;
        let lang = match app.store.settings(sub.chat_id)?.lang.or(sub.lang.clone()) {
            Some(code) => Lang::from_code(Some(&code)),
            None => Lang::En,
        };
        let text =
            (!digest.items.is_empty()).then(|| render::digest_message(&digest, &filter.to_string(), lang));
        app.store
            .record_digest(&DigestRecord {
                subscription_id: Some(sub.id),
                chat_id: sub.chat_id,
                thread_id: sub.thread_id,
                reply_to: None,
                text: text.as_deref(),
                cursor: digest.cursor,
                next_due: Some(next.as_second()),
                now: now.as_second(),
            })
            .map_err(|err| write_failed(app, err))?;
        write_ok(app);
        app.delivery.step(DeliveryStep::Recorded, sub.id);
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

/// Starts a delivery for every chat with pending outbox messages whose time has
/// come, unless one already runs there (it picks up what is new before it ends, or
/// the next tick does).
fn deliver_pending<R: AppBot>(bot: &R, app: &Arc<App>, deliveries: &mut tokio::task::JoinSet<()>) {
    record_unrecorded(app);
    let pending = match app.store.pending(app.clock.now().as_second()) {
        Ok(pending) => pending,
        Err(err) => {
            tracing::error!(error = ?anyhow::Error::from(err), "cannot read the outbox");
            return;
        }
    };
    let mut chats = HashSet::new();
    for item in pending {
        if app.delivery.is_unrecorded(item.id) || !chats.insert(item.chat_id) {
            continue;
        }
        let Ok(guard) = app.delivery.chat(item.chat_id).try_lock_owned() else { continue };
        let (bot, app) = (bot.clone(), Arc::clone(app));
        deliveries.spawn(async move {
            deliver_chat(&bot, &app, item.chat_id).await;
            drop(guard);
        });
    }
}

/// Delivers `chat`'s pending messages now (`/digest`): it waits only for a delivery
/// to the same chat, never for other chats'.
pub(super) async fn deliver_to_chat<R: AppBot>(bot: &R, app: &Arc<App>, chat: i64) {
    let lock = app.delivery.chat(chat);
    let _one_at_a_time = lock.lock().await;
    deliver_chat(bot, app, chat).await;
}

/// Sends `chat`'s pending messages one at a time, oldest first, each at most once
/// per call; the caller holds the chat's lock. A message whose outcome cannot be
/// written ends the delivery.
async fn deliver_chat<R: AppBot>(bot: &R, app: &App, chat: i64) {
    let mut tried = HashSet::new();
    loop {
        let pending = match app.store.pending_in(chat, app.clock.now().as_second()) {
            Ok(pending) => pending,
            Err(err) => {
                tracing::error!(error = ?anyhow::Error::from(err), "cannot read the outbox");
                return;
            }
        };
        let next = pending
            .into_iter()
            .find(|item| !tried.contains(&item.id) && !app.delivery.is_unrecorded(item.id));
        let Some(item) = next else { return };
        tried.insert(item.id);
        if let Err(err) = deliver(bot, app, &item).await {
            tracing::error!(error = ?anyhow::Error::from(err), outbox = item.id, chat, "cannot record a delivery");
            return;
        }
    }
}

/// Settles the digests a previous process was sending when it died, by the
/// configured policy, before any delivery starts.
fn settle_uncertain(app: &App) {
    let policy = app.delivery.redelivery;
    match app.store.settle_uncertain(policy) {
        Ok(0) => {}
        Ok(count) => match policy {
            Redelivery::AtMostOnce => tracing::warn!(
                count,
                "digests were being sent when newsdesk stopped; they may not have arrived and are not sent again (NEWSDESK_DIGEST_REDELIVERY=at-most-once)"
            ),
            Redelivery::AtLeastOnce => tracing::warn!(
                count,
                "digests were being sent when newsdesk stopped; they are sent again and may arrive twice (NEWSDESK_DIGEST_REDELIVERY=at-least-once)"
            ),
        },
        Err(err) => {
            let err = write_failed(app, err);
            tracing::error!(error = ?anyhow::Error::from(err), "cannot settle the digests left sending");
        }
    }
}

/// Writes the delivery states the database refused before, now that it may take them.
fn record_unrecorded(app: &App) {
    let held: Vec<(i64, Unrecorded)> =
        app.delivery.unrecorded().iter().map(|(id, u)| (*id, u.clone())).collect();
    if held.is_empty() {
        return;
    }
    for (id, state) in held {
        let written = match &state {
            Unrecorded::Sent { message_id, at } => app.store.mark_sent(id, *message_id, *at),
            Unrecorded::Failed { reason, retry_at } => app.store.mark_failed(id, reason, *retry_at),
        };
        if written.is_err() {
            return;
        }
        app.delivery.unrecorded().remove(&id);
        tracing::info!(outbox = id, "delivery state written after the database recovered");
    }
    write_ok(app);
}

/// Counts and reports a failed write to the database.
fn write_failed(app: &App, err: StoreError) -> StoreError {
    let detail = match &err {
        StoreError::Sqlite(sqlite) => sqlite.to_string(),
        other => other.to_string(),
    };
    app.monitor.store_write_failed(&detail);
    err
}

/// A write went through: the database is healthy again unless a state is still held.
fn write_ok(app: &App) {
    if app.delivery.unrecorded().is_empty() {
        app.monitor.store_writes_ok();
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

async fn deliver<R: AppBot>(bot: &R, app: &App, item: &OutboxItem) -> Result<(), StoreError> {
    let failed = |err| write_failed(app, err);
    // Not sent unless it is known to be on its way: a crash from here on leaves the
    // row uncertain, settled by the redelivery policy at the next start.
    app.store.mark_sending(item.id, app.clock.now().as_second()).map_err(failed)?;
    app.delivery.step(DeliveryStep::Sending, item.id);
    let outcome = send_item(bot, app, item).await;
    let now = app.clock.now().as_second();
    match outcome {
        Outcome::Sent(message) => {
            app.delivery.step(DeliveryStep::Accepted, item.id);
            if let Err(err) = app.store.mark_sent(item.id, message.0, now) {
                // Telegram has it: it must never go out again, whatever the database says.
                app.delivery
                    .unrecorded()
                    .insert(item.id, Unrecorded::Sent { message_id: message.0, at: now });
                let err = failed(err);
                tracing::error!(
                    error = ?anyhow::Error::from(err),
                    outbox = item.id,
                    chat = item.chat_id,
                    "digest delivered but not recorded as sent; held in memory and not sent again"
                );
                return Ok(());
            }
            app.delivery.step(DeliveryStep::Marked, item.id);
            tracing::info!(outbox = item.id, chat = item.chat_id, "digest delivered");
        }
        Outcome::Failed(reason) => {
            let backoff = (30_i64 << item.attempts.min(10)).min(MAX_BACKOFF_SECONDS);
            let retry_at = now + backoff;
            if let Err(err) = app.store.mark_failed(item.id, &reason, retry_at) {
                // Known not delivered: retried once the database takes the mark.
                app.delivery.unrecorded().insert(item.id, Unrecorded::Failed { reason, retry_at });
                return Err(failed(err));
            }
            tracing::warn!(outbox = item.id, chat = item.chat_id, %reason, retry_in_s = backoff, "digest not delivered yet");
        }
        Outcome::Undeliverable { reason, chat_gone } => {
            app.store.drop_message(item.id, &reason).map_err(failed)?;
            if chat_gone {
                let paused = app.store.pause_chat(item.chat_id, &reason).map_err(failed)?;
                tracing::warn!(chat = item.chat_id, %reason, paused, "cannot post in this chat; its digests are paused");
            } else {
                tracing::error!(outbox = item.id, %reason, "digest refused by Telegram; dropped");
            }
        }
    }
    write_ok(app);
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
                        // Nothing is in flight while waiting: a crash now loses nothing.
                        let cleared = app.store.clear_sending(item.id);
                        tokio::time::sleep(wait.duration()).await;
                        if cleared.is_ok()
                            && let Err(err) = app.store.mark_sending(item.id, app.clock.now().as_second())
                        {
                            return Outcome::Failed(format!("cannot mark it sending: {err}"));
                        }
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
    let later = || Outcome::Failed(error_detail(err));
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
