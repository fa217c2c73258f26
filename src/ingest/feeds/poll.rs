//! Polling: one feed (fetch, parse, map items to articles, dedupe, read teaser
//! items' pages, write), every feed once (`feeds fetch`), and the serve loop that
//! polls each feed when it is due.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::archive::{self, FEEDS_DIR, FeedLine, Known};
use super::list::{FeedSpec, Origin, read_feed_list};
use super::net::{Conditional, FetchError, Fetched, Fetcher, Wanted};
use super::parse::{Item, ParsedFeed, parse_feed};
use super::text::{extract_article, html_to_paragraphs, is_teaser};
use crate::store::{FeedOutcome, Store};

/// Items read from one feed at most per poll (the newest, as feeds list them first).
pub const MAX_ITEMS_PER_POLL: usize = 500;

/// Feeds polled at once; each host still gets one request at a time.
pub const PARALLEL_FEEDS: usize = 16;

/// A feed failing this long shows in `/healthz` and `/feeds`.
pub const FAILING_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest wait between polls of a failing feed.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);

/// Every feed to poll: the file's (in its order), then those admins added. Lines of
/// the file that are not feed URLs are returned as problems.
pub fn feeds_to_poll(file: Option<&Path>, store: &Store) -> (Vec<FeedSpec>, Vec<String>) {
    let mut feeds = Vec::new();
    let mut problems = Vec::new();
    if let Some(path) = file {
        match read_feed_list(path) {
            Ok(list) => {
                let shown = crate::ingest::escaped_path(path);
                feeds.extend(list.feeds.into_iter().map(|url| FeedSpec { url, origin: Origin::File }));
                problems.extend(list.problems.into_iter().map(|p| format!("{shown}: {p}")));
            }
            Err(err) => problems.push(format!(
                "cannot read the feed list {} (NEWSDESK_FEEDS): {err}",
                crate::ingest::escaped_path(path)
            )),
        }
    }
    match store.added_feeds() {
        Ok(added) => {
            for feed in added {
                if let Ok(url) = url::Url::parse(&feed.url)
                    && !feeds.iter().any(|f: &FeedSpec| f.url == url)
                {
                    feeds.push(FeedSpec { url, origin: Origin::Added });
                }
            }
        }
        Err(err) => problems.push(format!("cannot read the feeds added by admins: {err}")),
    }
    (feeds, problems)
}

/// What one poll of one feed did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedCounts {
    pub new_items: usize,
    pub replaced: usize,
    /// Article pages fetched for teaser-only items.
    pub pages: usize,
    /// The server said 304 Not Modified.
    pub not_modified: bool,
}

/// How one feed's poll ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedResult {
    Ok(FeedCounts),
    Failed(String),
    /// Not polled: the server's `Retry-After` has not passed.
    Held {
        until: i64,
    },
}

/// What a round of polls did, feed by feed.
#[derive(Clone, Debug, Default)]
pub struct PollReport {
    pub feeds: Vec<(String, FeedResult)>,
}

impl PollReport {
    pub fn new_items(&self) -> usize {
        self.counts().map(|c| c.new_items).sum()
    }

    pub fn replaced(&self) -> usize {
        self.counts().map(|c| c.replaced).sum()
    }

    pub fn pages(&self) -> usize {
        self.counts().map(|c| c.pages).sum()
    }

    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.feeds.iter().filter_map(|(url, r)| match r {
            FeedResult::Failed(why) => Some((url.as_str(), why.as_str())),
            _ => None,
        })
    }

    fn counts(&self) -> impl Iterator<Item = &FeedCounts> {
        self.feeds.iter().filter_map(|(_, r)| match r {
            FeedResult::Ok(c) => Some(c),
            _ => None,
        })
    }

    /// One line: feeds ok / failed (by URL, with why), new items, pages fetched.
    pub fn summary(&self) -> String {
        let ok = self.counts().count();
        let failed: Vec<String> = self.failed().map(|(url, why)| format!("{url} ({why})")).collect();
        let held = self.feeds.iter().filter(|(_, r)| matches!(r, FeedResult::Held { .. })).count();
        let mut line = format!("feeds: {ok} ok, {} failed", failed.len());
        if !failed.is_empty() {
            line.push_str(&format!(": {}", failed.join(", ")));
        }
        if held > 0 {
            line.push_str(&format!("; {held} waiting for their Retry-After"));
        }
        line.push_str(&format!(
            "; {} new items, {} updated, {} pages fetched",
            self.new_items(),
            self.replaced(),
            self.pages()
        ));
        crate::ingest::escaped(&line).into_owned()
    }
}

/// Polls feeds into a corpus folder and records their state in the store.
pub struct Poller {
    fetcher: Fetcher,
    corpus: PathBuf,
    store: Arc<Store>,
    interval: Duration,
    /// What the feeds' files hold; read on the first poll.
    known: tokio::sync::Mutex<Option<Known>>,
    /// Set when `known` may not match the files (a write failed, lines moved).
    stale: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller").field("corpus", &self.corpus).finish_non_exhaustive()
    }
}

/// Unix seconds now.
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// `base` stretched or shrunk by up to a tenth, at random, so feeds polled together
/// once drift apart.
pub fn jittered(base: Duration) -> Duration {
    let unit = (getrandom::u64().unwrap_or(0) % 2001) as f64 / 1000.0 - 1.0;
    base.mul_f64(1.0 + unit * 0.1)
}

/// The wait after the `failures`-th failure in a row: the interval, doubled for each
/// failure before it, at most [`MAX_BACKOFF`] (but never below the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let doubled = interval.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(MAX_BACKOFF.max(interval))
}

impl Poller {
    pub fn new(fetcher: Fetcher, corpus: PathBuf, store: Arc<Store>, interval: Duration) -> Poller {
        Poller {
            fetcher,
            corpus,
            store,
            interval,
            known: tokio::sync::Mutex::new(None),
            stale: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Polls `feeds` (all of them, or with `due_only` those due), [`PARALLEL_FEEDS`]
    /// at a time, under the corpus's feeds lock.
    pub async fn poll(self: &Arc<Self>, feeds: &[FeedSpec], due_only: bool) -> PollReport {
        let _lock = match self.lock().await {
            Ok(lock) => lock,
            Err(err) => {
                let why = format!(
                    "cannot lock {}: {err}",
                    crate::ingest::escaped_path(&self.corpus.join(FEEDS_DIR))
                );
                return PollReport {
                    feeds: feeds
                        .iter()
                        .map(|f| (f.url.to_string(), FeedResult::Failed(why.clone())))
                        .collect(),
                };
            }
        };
        self.ensure_known().await;
        let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL_FEEDS));
        let mut tasks = tokio::task::JoinSet::new();
        let at = now();
        for (n, spec) in feeds.iter().enumerate() {
            if due_only {
                let state = self.store.feed_state(spec.url.as_str()).unwrap_or_default();
                if state.next_poll > at || state.hold_until.is_some_and(|h| h > at) {
                    continue;
                }
            }
            let (poller, spec, slots) = (Arc::clone(self), spec.clone(), Arc::clone(&slots));
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await;
                (n, spec.url.to_string(), poller.poll_one(&spec).await)
            });
        }
        let mut results = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(result) => results.push(result),
                Err(err) => tracing::error!(error = %err, "a feed poll panicked"),
            }
        }
        results.sort_by_key(|(n, ..)| *n);
        PollReport { feeds: results.into_iter().map(|(_, url, r)| (url, r)).collect() }
    }

    /// The corpus's feeds lock, so that two processes never write the same files
    /// (`serve` and a `feeds fetch` run meanwhile take turns).
    async fn lock(&self) -> std::io::Result<std::fs::File> {
        let dir = self.corpus.join(FEEDS_DIR);
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(".newsdesk-feeds.lock"))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(Duration::from_millis(200)).await
                }
                Err(std::fs::TryLockError::Error(err)) => return Err(err),
            }
        }
    }

    async fn ensure_known(&self) {
        let mut known = self.known.lock().await;
        if known.is_none() || self.stale.swap(false, std::sync::atomic::Ordering::Relaxed) {
            let corpus = self.corpus.clone();
            let loaded = tokio::task::spawn_blocking(move || Known::load(&corpus)).await.unwrap_or_default();
            tracing::debug!(items = loaded.len(), "feed items in the corpus");
            *known = Some(loaded);
        }
    }

    /// Polls one feed and records how it went.
    pub async fn poll_one(&self, spec: &FeedSpec) -> FeedResult {
        let url = spec.url.as_str();
        let state = match self.store.feed_state(url) {
            Ok(state) => state,
            Err(err) => return FeedResult::Failed(format!("cannot read its state: {err}")),
        };
        let started = now();
        if let Some(until) = state.hold_until.filter(|h| *h > started) {
            return FeedResult::Held { until };
        }
        let conditional =
            Conditional { etag: state.etag.as_deref(), last_modified: state.last_modified.as_deref() };
        let fetched = self.fetcher.get(&spec.url, Wanted::Feed, conditional).await;
        let (outcome, result) = match fetched {
            Ok(Fetched::NotModified) => (
                FeedOutcome::Success { title: None, etag: None, last_modified: None, items: 0 },
                Ok(FeedCounts { not_modified: true, ..FeedCounts::default() }),
            ),
            Ok(Fetched::Body(body)) => {
                let (bytes, content_type, base) = (body.bytes, body.content_type, body.url);
                let parsed =
                    tokio::task::spawn_blocking(move || parse_feed(&bytes, content_type.as_deref(), &base))
                        .await
                        .unwrap_or_else(|err| Err(format!("parser failed: {err}")));
                match parsed {
                    Ok(feed) => match self.take_items(spec, &feed).await {
                        Ok(counts) => (
                            FeedOutcome::Success {
                                title: feed.title.clone(),
                                etag: body.etag,
                                last_modified: body.last_modified,
                                items: (counts.new_items + counts.replaced) as u64,
                            },
                            Ok(counts),
                        ),
                        Err(why) => (FeedOutcome::Failure { error: why.clone(), hold_until: None }, Err(why)),
                    },
                    Err(why) => (FeedOutcome::Failure { error: why.clone(), hold_until: None }, Err(why)),
                }
            }
            Err(err) => {
                let hold = err.retry_after().map(|d| started + d.as_secs() as i64);
                let why = err.to_string();
                (FeedOutcome::Failure { error: why.clone(), hold_until: hold }, Err(why))
            }
        };
        let finished = now();
        let next = match &outcome {
            FeedOutcome::Success { .. } => finished + jittered(self.interval).as_secs().max(1) as i64,
            FeedOutcome::Failure { hold_until, .. } => {
                let wait = jittered(backoff(self.interval, state.failures + 1)).as_secs().max(1) as i64;
                (finished + wait).max(hold_until.unwrap_or(0))
            }
        };
        if let Err(err) = self.store.record_feed_poll(url, &outcome, finished, next) {
            tracing::error!(error = ?anyhow::Error::from(err), feed = url, "cannot record a feed poll");
        }
        match result {
            Ok(counts) => {
                if counts.new_items + counts.replaced > 0 {
                    tracing::info!(
                        feed = url,
                        new = counts.new_items,
                        updated = counts.replaced,
                        pages = counts.pages,
                        "feed polled"
                    );
                }
                FeedResult::Ok(counts)
            }
            Err(why) => {
                let why = crate::ingest::escaped(&why).into_owned();
                tracing::warn!(feed = url, error = %why, "feed skipped");
                FeedResult::Failed(why)
            }
        }
    }

    /// Maps the items of a parsed feed to lines, dedupes them and writes them.
    async fn take_items(&self, spec: &FeedSpec, feed: &ParsedFeed) -> Result<FeedCounts, String> {
        let mut counts = FeedCounts::default();
        let fetched_at = jiff::Timestamp::now();
        let month = fetched_at.strftime("%Y-%m").to_string();
        let slug = spec.slug();
        let folder = self.corpus.join(FEEDS_DIR).join(&slug);
        let new_file = folder.join(format!("{month}.jsonl"));
        let source = feed
            .title
            .clone()
            .or_else(|| {
                feed.site
                    .as_deref()
                    .and_then(|s| url::Url::parse(s).ok())
                    .and_then(|u| u.host_str().map(str::to_owned))
            })
            .or_else(|| spec.url.host_str().map(str::to_owned));
        let mut new_lines: Vec<FeedLine> = Vec::new();
        let mut replacements: HashMap<PathBuf, HashMap<String, FeedLine>> = HashMap::new();
        for item in feed.items.iter().take(MAX_ITEMS_PER_POLL) {
            let item_hash = item_hash(item);
            // What is to be done with it, decided (and reserved) under the lock.
            let replace_in = {
                let mut guard = self.known.lock().await;
                let known = guard.get_or_insert_with(Known::default);
                match known.item(&item.key) {
                    Some(entry) if entry.item_hash == item_hash || entry.id.is_empty() => continue,
                    Some(entry) => Some(entry.clone()),
                    None => {
                        if item.link.as_ref().is_some_and(|l| known.has_url(l.as_str())) {
                            continue;
                        }
                        known.reserve(&item.key, item.link.as_ref().map(url::Url::as_str));
                        None
                    }
                }
            };
            let id = replace_in.as_ref().map_or_else(|| article_id(&slug, &item.key), |e| e.id.clone());
            let line = self
                .line_for(spec, feed, item, id, source.clone(), &item_hash, &fetched_at, &mut counts)
                .await;
            let mut guard = self.known.lock().await;
            let known = guard.get_or_insert_with(Known::default);
            let Some(line) = line else {
                if replace_in.is_none() {
                    known.release(&item.key);
                }
                continue;
            };
            match replace_in {
                // The feed changed around the item, not its title or text: nothing
                // to rewrite.
                Some(entry) if entry.text == archive::text_key(&line.text) && entry.title == line.title => {
                    known.rehash(&item.key, &line.item_hash);
                }
                Some(entry) => {
                    known.insert(&entry.file, &line);
                    replacements.entry(entry.file).or_default().insert(line.id.clone(), line);
                }
                None if known.has_text(&line.text) => known.release(&item.key),
                None => {
                    known.insert(&new_file, &line);
                    new_lines.push(line);
                }
            }
        }
        let new_count = new_lines.len();
        let corpus = self.corpus.clone();
        let written = tokio::task::spawn_blocking(move || -> Result<(usize, bool), String> {
            let mut new_lines = new_lines;
            let shown = |path: &Path| crate::ingest::escaped_path(path.strip_prefix(&corpus).unwrap_or(path));
            let (mut replaced, mut moved) = (0, false);
            for (file, lines) in &replacements {
                match archive::replace(file, lines) {
                    Ok(n) => replaced += n,
                    // The file was deleted meanwhile: the edited items are written anew.
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                        replaced += lines.len();
                        new_lines.extend(lines.values().cloned());
                        moved = true;
                    }
                    Err(err) => return Err(format!("cannot rewrite {}: {err}", shown(file))),
                }
            }
            archive::append(&new_file, &new_lines)
                .map_err(|e| format!("cannot write {}: {e}", shown(&new_file)))?;
            Ok((replaced, moved))
        })
        .await
        .map_err(|err| format!("writing failed: {err}"))
        .and_then(|written| written);
        match written {
            Ok((replaced, moved)) => {
                if moved {
                    // Lines moved to another file: where everything is is read again
                    // before the next round.
                    self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                counts.replaced = replaced;
            }
            Err(why) => {
                // What was not written must not count as known: the files are read
                // again before the next round.
                self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(why);
            }
        }
        counts.new_items = new_count;
        Ok(counts)
    }

    /// The line for `item`: its text from the feed, or from its page when the feed
    /// has only a teaser. `None` when there is no text at all.
    #[allow(clippy::too_many_arguments)]
    async fn line_for(
        &self,
        spec: &FeedSpec,
        feed: &ParsedFeed,
        item: &Item,
        id: String,
        source: Option<String>,
        item_hash: &str,
        fetched_at: &jiff::Timestamp,
        counts: &mut FeedCounts,
    ) -> Option<FeedLine> {
        let html = item.content.as_deref().or(item.summary.as_deref()).unwrap_or_default().to_owned();
        let mut paragraphs = html_to_paragraphs(&html);
        let mut title = item.title.clone();
        if is_teaser(&paragraphs)
            && let Some(link) = &item.link
        {
            match self.fetcher.get(link, Wanted::Page, Conditional::default()).await {
                Ok(Fetched::Body(page)) => {
                    counts.pages += 1;
                    let html_page = page.content_type.as_deref().is_none_or(|t| t.contains("html"));
                    if html_page {
                        let text = super::parse::decode(&page.bytes, page.content_type.as_deref());
                        let base = page.url.clone();
                        let extracted = tokio::task::spawn_blocking(move || extract_article(&text, &base))
                            .await
                            .ok()
                            .flatten();
                        let chars = |ps: &[String]| ps.iter().map(|p| p.chars().count()).sum::<usize>();
                        if let Some(found) = extracted
                            && chars(&found.paragraphs) > chars(&paragraphs)
                        {
                            paragraphs = found.paragraphs;
                            title = title.or(found.title);
                        }
                    }
                }
                Ok(Fetched::NotModified) => {}
                Err(err) => {
                    let err: FetchError = err;
                    tracing::debug!(page = %link, error = %err, "article page not read; the feed's text is kept");
                }
            }
        }
        if paragraphs.is_empty() {
            paragraphs = title.iter().cloned().collect();
        }
        if paragraphs.is_empty() {
            return None;
        }
        // The headline is the title, not the first paragraph.
        if title.as_deref().is_some_and(|t| paragraphs.first().is_some_and(|p| p == t))
            && paragraphs.len() > 1
        {
            paragraphs.remove(0);
        }
        let date = item
            .published
            .or(item.updated)
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .unwrap_or(*fetched_at)
            .strftime("%Y-%m-%d")
            .to_string();
        Some(FeedLine {
            id,
            title,
            text: paragraphs.join("\n\n"),
            date: Some(date),
            source,
            url: item.link.as_ref().map(url::Url::to_string),
            lang: item.language.clone().or_else(|| feed.language.clone()),
            feed: spec.url.to_string(),
            key: item.key.clone(),
            item_hash: item_hash.to_owned(),
            fetched: fetched_at.to_string(),
        })
    }
}

/// A feed item's article id: the feed's folder name and a hash of its key.
pub fn article_id(slug: &str, key: &str) -> String {
    format!("{slug}/{}", &blake3::hash(key.as_bytes()).to_hex()[..16])
}

/// A hash of an item as the feed has it: a change means it was edited upstream.
fn item_hash(item: &Item) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [
        item.title.as_deref(),
        item.link.as_ref().map(url::Url::as_str),
        item.content.as_deref(),
        item.summary.as_deref(),
    ] {
        hasher.update(part.unwrap_or_default().as_bytes());
        hasher.update(b"\0");
    }
    hasher.finalize().to_hex()[..16].to_owned()
}

/// Polls every due feed, forever: the feed list (file and store) is read again each
/// round, so edits to the file and `/addfeed` apply without a restart.
pub async fn run(poller: Arc<Poller>, file: Option<PathBuf>, tick: Duration) {
    let mut reported: Vec<String> = Vec::new();
    loop {
        let (feeds, problems) = feeds_to_poll(file.as_deref(), poller.store());
        // Each problem with the list is logged once, not every round.
        for problem in &problems {
            if !reported.contains(problem) {
                tracing::warn!("{problem}");
            }
        }
        reported = problems;
        let mut wait = tick;
        if !feeds.is_empty() {
            let report = poller.poll(&feeds, true).await;
            if report.new_items() + report.replaced() > 0 {
                tracing::info!(
                    new = report.new_items(),
                    updated = report.replaced(),
                    pages = report.pages(),
                    "feeds polled"
                );
            }
            // A corpus that cannot be written (a read-only mount) is said once per
            // interval, not every tick.
            if let Some((_, why)) = report.failed().find(|(_, why)| why.starts_with("cannot lock")) {
                tracing::error!("feeds cannot be written to the corpus: {why}");
                wait = poller.interval.max(tick);
            }
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_day() {
        let minute = Duration::from_secs(60);
        assert_eq!(backoff(minute, 1), minute);
        assert_eq!(backoff(minute, 3), minute * 4);
        assert_eq!(backoff(minute, 40), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(2 * 86_400), 3), Duration::from_secs(2 * 86_400));
        for _ in 0..100 {
            let j = jittered(Duration::from_secs(1000)).as_secs_f64();
            assert!((900.0..=1100.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn summaries_are_one_line() {
        let report = PollReport {
            feeds: vec![
                (
                    "https://a.example/rss".into(),
                    FeedResult::Ok(FeedCounts { new_items: 3, pages: 2, ..FeedCounts::default() }),
                ),
                ("https://b.example/rss".into(), FeedResult::Failed("HTTP 500".into())),
            ],
        };
        assert_eq!(
            report.summary(),
            "feeds: 1 ok, 1 failed: https://b.example/rss (HTTP 500); 3 new items, 0 updated, 2 pages fetched"
        );
    }
}
