//! What the handlers share: the [`App`] state and the [`AppBot`] client bound.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::Throttle;
use teloxide::prelude::*;

use super::send::{error_detail, error_kind};
use super::state::{Access, AnswerCache, RateLimiter};
use crate::config::Config;
use crate::digest::{Clock, SystemClock};
use crate::index::NewsIndex;
use crate::ingest::telegram::ChannelArchive;
use crate::ops::{self, Monitor};
use crate::store::Store;

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
            SetWebhook: Send,
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
            SetWebhook: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// The production client: teloxide's `Throttle` keeps to Telegram's per-chat and
/// global limits and waits out a 429's `retry_after` before sending again.
pub type Throttled = Throttle<Bot>;

/// How long "More" and "Full article" keep working.
const ANSWER_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Live answers kept at most.
const ANSWER_CACHE_ENTRIES: usize = 50_000;

/// How long one question may search before the reader is told that search is
/// unavailable. Answers take milliseconds (`BENCHMARKS.md`); a search this slow is
/// stuck on something, and a reader should not wait on it.
pub const SEARCH_BUDGET: Duration = Duration::from_secs(5);

/// Everything the handlers share.
pub struct App {
    pub index: NewsIndex,
    /// The corpus folder the index is kept in step with (`NEWSDESK_CORPUS`).
    pub corpus: PathBuf,
    /// Archived channels' posts, written into the corpus.
    pub channels: ChannelArchive,
    /// Durable state: settings, subscriptions, the digest outbox, feedback.
    pub store: Arc<Store>,
    /// Counters and health for `/metrics` and `/healthz`.
    pub monitor: Arc<Monitor>,
    pub results: usize,
    pub min_coverage: f32,
    /// [`SEARCH_BUDGET`]; tests shorten it.
    pub search_budget: Duration,
    pub access: Access,
    pub limiter: RateLimiter,
    pub answers: AnswerCache,
    /// Time zone of schedules in chats without their own (`NEWSDESK_TZ`).
    pub default_tz: String,
    /// The scheduler's clock; tests move it by hand.
    pub clock: Arc<dyn Clock>,
    /// Outbox delivery per chat (one at a time in each), and the sent marks the
    /// database could not take.
    pub delivery: super::digests::Delivery,
    /// The file of feed URLs (`NEWSDESK_FEEDS`), listed by `/feeds` with those added.
    pub feeds_file: Option<std::path::PathBuf>,
    /// Whether `/addfeed` may name private addresses (`NEWSDESK_FEEDS_ALLOW_PRIVATE`).
    pub feeds_allow_private: bool,
}

impl App {
    pub fn new(index: NewsIndex, store: Store, config: &Config) -> App {
        App {
            index,
            corpus: config.corpus.clone(),
            channels: ChannelArchive::new(&config.corpus),
            store: Arc::new(store),
            monitor: Arc::new(Monitor::default()),
            results: config.results,
            min_coverage: config.min_coverage,
            search_budget: SEARCH_BUDGET,
            access: Access::from_config(config),
            limiter: RateLimiter::new(config.rate_limit_per_minute),
            answers: AnswerCache::new(ANSWER_TTL, ANSWER_CACHE_ENTRIES),
            default_tz: config.tz.clone(),
            clock: Arc::new(SystemClock),
            delivery: super::digests::Delivery::new(config.redelivery, config.failpoint.clone()),
            feeds_file: config.feeds.clone(),
            feeds_allow_private: config.feeds_allow_private,
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
