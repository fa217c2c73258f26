//! The `/healthz` and `/metrics` routes: the health verdict and the Prometheus text,
//! read from the [`Monitor`], the index and the database.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::monitor::{ErrorKind, LATENCY_BUCKETS, Monitor, TELEGRAM_STALE_AFTER};
use crate::index::NewsIndex;
use crate::ingest::feeds;
use crate::store::Store;

/// What the HTTP routes read.
#[derive(Clone)]
pub struct OpsState {
    pub monitor: Arc<Monitor>,
    pub index: NewsIndex,
    pub index_dir: Option<PathBuf>,
    pub store: Arc<Store>,
    /// Current unix seconds (a function, so tests can move time).
    pub now: Arc<dyn Fn() -> i64 + Send + Sync>,
}

/// `/healthz` and `/metrics`.
pub fn router(state: OpsState) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).with_state(state)
}

/// The health verdict: `Ok` with a summary, or `Err` with every reason it is not.
pub fn health(state: &OpsState) -> Result<String, Vec<String>> {
    let mut problems = Vec::new();
    if let Some(dir) = &state.index_dir
        && !dir.join("meta.json").is_file()
    {
        // The body is for probes and dashboards: it names the problem, not the path.
        problems.push("index missing: the index folder has no meta.json".to_owned());
    }
    if let Some(reason) = state.monitor.store_unwritable.lock().unwrap_or_else(|p| p.into_inner()).clone() {
        problems.push(format!(
            "database cannot be written ({reason}); digests sent meanwhile are held in memory"
        ));
    }
    let now = (state.now)();
    let ok_at = state.monitor.telegram_ok_at.load(Ordering::Relaxed);
    if ok_at == 0 || now - ok_at > TELEGRAM_STALE_AFTER.as_secs() as i64 {
        let last = state.monitor.last_telegram_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let since = if ok_at == 0 { "since start".to_owned() } else { format!("for {} s", now - ok_at) };
        problems.push(format!(
            "Telegram not reachable {since} (last error: {})",
            last.unwrap_or_else(|| "none".into())
        ));
    }
    // Feeds failing for a day are worth a look, not a restart: detail, never a 503.
    let notes = failing_feeds(state, now);
    if problems.is_empty() {
        let mut summary = format!(
            "ok: index has {} passages; Telegram answered {} s ago{}",
            state.index.num_passages(),
            now - ok_at,
            semantic_detail(&state.index)
        );
        for note in notes {
            summary.push('\n');
            summary.push_str(&note);
        }
        Ok(summary)
    } else {
        problems.extend(notes);
        Err(problems)
    }
}

/// One line per feed that has failed for [`feeds::FAILING_AFTER`] or longer.
fn failing_feeds(state: &OpsState, now: i64) -> Vec<String> {
    match state.store.feed_states() {
        Ok(states) => states
            .iter()
            .filter(|s| feeds::failing_long(s, now))
            .map(|s| {
                format!(
                    "feed {} failing for {}: {}",
                    crate::ingest::escaped(&s.url),
                    feeds::ago(now - s.failing_since.unwrap_or(now)),
                    crate::ingest::escaped(s.last_error.as_deref().unwrap_or("unknown error"))
                )
            })
            .collect(),
        Err(err) => {
            tracing::warn!(error = ?anyhow::Error::from(err), "cannot read the feeds' state for /healthz");
            Vec::new()
        }
    }
}

/// A Prometheus label value: backslash, quote and line break escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// How far the semantic layer is, for `/healthz`: it never makes the bot unhealthy
/// (answers stay lexical meanwhile), but an operator wants to know.
fn semantic_detail(index: &NewsIndex) -> String {
    let Some(semantic) = index.semantic() else { return String::new() };
    match semantic.backlog() {
        None => "; semantic layer: counting sentences".to_owned(),
        Some(b) if b.missing == 0 => format!("; semantic layer: complete ({} sentences)", b.sentences),
        Some(b) => format!(
            "; semantic layer: {} of {} sentences embedded ({:.1}%), newest first, {} to go",
            b.sentences - b.missing.min(b.sentences),
            b.sentences,
            100.0 * (b.sentences - b.missing.min(b.sentences)) as f64 / b.sentences.max(1) as f64,
            b.missing
        ),
    }
}

async fn healthz(State(state): State<OpsState>) -> impl IntoResponse {
    match health(&state) {
        Ok(summary) => (StatusCode::OK, summary + "\n"),
        Err(problems) => (StatusCode::SERVICE_UNAVAILABLE, problems.join("\n") + "\n"),
    }
}

async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    let state2 = state.clone();
    // Counting outbox rows and index files touches the disk: off the async threads.
    let body = tokio::task::spawn_blocking(move || render_metrics(&state2)).await.unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

/// The Prometheus text exposition of everything [`Monitor`] counts, plus the outbox
/// and the index.
pub fn render_metrics(state: &OpsState) -> String {
    let m = &state.monitor;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let one = |v: u64| vec![(String::new(), v.to_string())];
    metric(
        "newsdesk_questions_total",
        "counter",
        "Questions asked (messages, commands, inline).",
        &one(m.questions()),
    );
    metric(
        "newsdesk_abstentions_total",
        "counter",
        "Questions answered with \"nothing found\".",
        &one(m.abstentions.load(Ordering::Relaxed)),
    );
    let mut buckets = Vec::new();
    let mut cumulative = 0;
    for (i, bound) in LATENCY_BUCKETS.iter().map(|b| b.to_string()).chain(["+Inf".to_owned()]).enumerate() {
        cumulative += m.latency_counts[i].load(Ordering::Relaxed);
        buckets.push((format!("_bucket{{le=\"{bound}\"}}"), cumulative.to_string()));
    }
    buckets.push(("_sum".into(), format!("{}", m.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6)));
    buckets.push(("_count".into(), cumulative.to_string()));
    metric("newsdesk_answer_seconds", "histogram", "Time to find an answer (search and excerpts).", &buckets);
    let errors: Vec<(String, String)> = ErrorKind::ALL
        .iter()
        .map(|k| (format!("{{kind=\"{}\"}}", k.label()), m.telegram_errors(*k).to_string()))
        .collect();
    metric("newsdesk_telegram_errors_total", "counter", "Failed Telegram API calls by kind.", &errors);
    metric(
        "newsdesk_telegram_429_total",
        "counter",
        "429 Too Many Requests answers from Telegram.",
        &one(m.telegram_errors(ErrorKind::RateLimited)),
    );
    let ok_at = m.telegram_ok_at.load(Ordering::Relaxed);
    metric(
        "newsdesk_telegram_last_success_timestamp_seconds",
        "gauge",
        "When a Telegram API call last succeeded (unix time).",
        &one(ok_at.max(0) as u64),
    );
    metric(
        "newsdesk_store_write_errors_total",
        "counter",
        "Writes to the database that failed (disk full, read-only file).",
        &one(m.store_write_errors()),
    );
    match state.store.outbox_counts() {
        Ok(counts) => {
            metric("newsdesk_digests_sent_total", "counter", "Digests delivered.", &one(counts.sent));
            metric(
                "newsdesk_digests_pending",
                "gauge",
                "Digests waiting in the outbox.",
                &one(counts.pending),
            );
            metric(
                "newsdesk_digests_dropped_total",
                "counter",
                "Digests Telegram refused for good (chat gone, bot blocked).",
                &one(counts.dropped),
            );
        }
        Err(err) => tracing::warn!(error = ?anyhow::Error::from(err), "cannot count the outbox for /metrics"),
    }
    match state.store.feed_states() {
        Ok(states) if !states.is_empty() => {
            let per_feed = |value: &dyn Fn(&crate::store::FeedState) -> u64| -> Vec<(String, String)> {
                states
                    .iter()
                    .map(|s| (format!("{{feed=\"{}\"}}", label(&s.url)), value(s).to_string()))
                    .collect()
            };
            metric(
                "newsdesk_feed_last_success_timestamp_seconds",
                "gauge",
                "When each feed was last fetched or found unchanged (unix time; 0: never).",
                &per_feed(&|s| s.last_success.unwrap_or(0).max(0) as u64),
            );
            metric(
                "newsdesk_feed_failures",
                "gauge",
                "Failed polls of each feed in a row since its last success.",
                &per_feed(&|s| u64::from(s.failures)),
            );
            metric(
                "newsdesk_feed_items_total",
                "counter",
                "Items written from each feed (new and updated).",
                &per_feed(&|s| s.items),
            );
        }
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(error = ?anyhow::Error::from(err), "cannot read the feeds' state for /metrics")
        }
    }
    metric(
        "newsdesk_index_passages",
        "gauge",
        "Passages in the search index.",
        &one(state.index.num_passages()),
    );
    if let Some(semantic) = state.index.semantic() {
        metric(
            "newsdesk_vectors_stored",
            "gauge",
            "Sentence vectors on disk (the semantic layer).",
            &one(semantic.stored() as u64),
        );
        if let Some(backlog) = semantic.backlog() {
            metric(
                "newsdesk_vectors_sentences",
                "gauge",
                "Distinct sentences in the index that get a vector.",
                &one(backlog.sentences as u64),
            );
            metric(
                "newsdesk_vectors_backlog",
                "gauge",
                "Sentences still waiting for a vector (filled newest first).",
                &one(backlog.missing as u64),
            );
        }
    }
    if let Some(dir) = &state.index_dir {
        metric("newsdesk_index_bytes", "gauge", "Size of the index folder on disk.", &one(folder_bytes(dir)));
    }
    out
}

fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some(if meta.is_dir() { folder_bytes(&e.path()) } else { meta.len() })
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn latency_buckets_are_cumulative() {
        let state = OpsState {
            monitor: Arc::new(Monitor::default()),
            index: NewsIndex::in_memory().unwrap(),
            index_dir: None,
            store: Arc::new(Store::in_memory().unwrap()),
            now: Arc::new(|| 1_000),
        };
        state.monitor.question(true, Duration::from_micros(800));
        state.monitor.question(false, Duration::from_millis(30));
        state.monitor.question(true, Duration::from_secs(9));
        let text = render_metrics(&state);
        assert!(text.contains("newsdesk_answer_seconds_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("newsdesk_answer_seconds_bucket{le=\"0.05\"} 2\n"), "{text}");
        assert!(text.contains("newsdesk_answer_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("newsdesk_answer_seconds_count 3\n"), "{text}");
        assert!(text.contains("newsdesk_abstentions_total 1\n"), "{text}");
        assert_eq!(health(&state).unwrap_err().len(), 1, "Telegram never answered");
        state.monitor.telegram_ok(990);
        assert!(health(&state).is_ok());
    }

    #[test]
    fn a_feed_failing_for_a_day_is_detail_not_a_failure() {
        use crate::store::FeedOutcome;
        let state = OpsState {
            monitor: Arc::new(Monitor::default()),
            index: NewsIndex::in_memory().unwrap(),
            index_dir: None,
            store: Arc::new(Store::in_memory().unwrap()),
            now: Arc::new(|| 200_000),
        };
        state.monitor.telegram_ok(199_990);
        let failure = FeedOutcome::Failure { error: "HTTP 500".into(), hold_until: None };
        state.store.record_feed_poll("https://a.example/rss", &failure, 100_000, 100_900).unwrap();
        state.store.record_feed_poll("https://b.example/\"rss\"", &failure, 190_000, 190_900).unwrap();
        let summary = health(&state).unwrap();
        assert!(summary.ends_with("\nfeed https://a.example/rss failing for 27 h: HTTP 500"), "{summary}");
        assert!(!summary.contains("b.example"), "failing for less than a day: {summary}");
        let text = render_metrics(&state);
        assert!(text.contains("newsdesk_feed_failures{feed=\"https://a.example/rss\"} 1\n"), "{text}");
        assert!(
            text.contains("newsdesk_feed_items_total{feed=\"https://b.example/\\\"rss\\\"\"} 0\n"),
            "{text}"
        );
    }

    #[test]
    fn the_semantic_backlog_is_in_metrics_and_health() {
        use crate::retrieve::semantic::{EmbedConfig, Embedder, Semantic, VectorStore};
        let embedder = Embedder::new(EmbedConfig {
            // Nothing is embedded here: only the counting is looked at.
            url: "http://127.0.0.1:9/v1".parse().unwrap(),
            model: None,
            input_type: true,
            query_prefix: String::new(),
            passage_prefix: String::new(),
            query_timeout: Duration::from_millis(100),
            passage_timeout: Duration::from_millis(100),
            batch: 8,
            bulk_batch: 8,
        });
        let index = NewsIndex::in_memory()
            .unwrap()
            .with_semantic(Arc::new(Semantic::new(embedder, VectorStore::in_memory("m"))));
        let article = crate::ingest::Article {
            id: "a".into(),
            title: "Harbour".into(),
            source: None,
            date: Some("2026-11-29".into()),
            url: None,
            lang: "en".into(),
            paragraphs: vec![
                "The harbour board met on Monday to decide on the new quay. It chose the northern site for the new quay. The harbour board met on Monday to decide on the new quay.".into(),
            ],
        };
        index.add_articles(&[article]).unwrap();
        let state = OpsState {
            monitor: Arc::new(Monitor::default()),
            index: index.clone(),
            index_dir: None,
            store: Arc::new(Store::in_memory().unwrap()),
            now: Arc::new(|| 1_000),
        };
        state.monitor.telegram_ok(990);
        assert!(health(&state).unwrap().ends_with("semantic layer: counting sentences"));
        index.vector_backlog().unwrap();
        let text = render_metrics(&state);
        assert!(text.contains("newsdesk_vectors_backlog 2\n"), "a sentence said twice counts once: {text}");
        assert!(text.contains("newsdesk_vectors_stored 0\n"), "{text}");
        let summary = health(&state).unwrap();
        assert!(
            summary.ends_with("semantic layer: 0 of 2 sentences embedded (0.0%), newest first, 2 to go"),
            "{summary}"
        );
    }
}
