//! Shared builders for the integration tests.

pub mod fake_embed;
pub mod fake_telegram;
pub mod feed_server;
pub mod telegram_html;

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use newsdesk::bot::{self, App, AppBot};
use std::time::Duration;

use newsdesk::index::{NewsIndex, VECTORS_FILE};
use newsdesk::retrieve::semantic::{EmbedConfig, Embedder, Semantic, VectorStore};
use serde_json::Value;
use teloxide::dptree;
use teloxide::types::Me;

/// The seeds indexed once for all read-only tests (in a folder that lives as long as
/// the test process). With `NEWSDESK_TEST_SEED_LAYER` set to an embeddings server
/// URL, the semantic layer is on: `scripts/test.sh` runs the tests again so, to
/// show that lexical answers hold with it.
pub fn seed_index() -> &'static NewsIndex {
    static INDEX: OnceLock<(tempfile::TempDir, NewsIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let index = match std::env::var("NEWSDESK_TEST_SEED_LAYER") {
                Ok(url) if !url.is_empty() => {
                    hybrid_index(dir.path(), embed_config(&url, Duration::from_secs(30)))
                }
                _ => NewsIndex::open_or_create(dir.path()).unwrap(),
            };
            let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
            let report = index.sync(&seeds, &mut |_, _| {}).unwrap();
            assert_eq!(report.articles, 5);
            assert!(report.skipped.is_empty());
            (dir, index)
        })
        .1
}

/// An embeddings server's settings for the tests (e5-style `input_type`).
pub fn embed_config(url: &str, query_timeout: Duration) -> EmbedConfig {
    EmbedConfig {
        url: url.parse().unwrap(),
        model: None,
        input_type: true,
        query_prefix: String::new(),
        passage_prefix: String::new(),
        query_timeout,
        passage_timeout: Duration::from_secs(120),
        batch: 16,
        bulk_batch: 16,
    }
}

/// The seeds indexed in `dir` with the semantic layer on, every sentence embedded.
pub fn hybrid_index(dir: &Path, config: EmbedConfig) -> NewsIndex {
    let embedder = Embedder::new(config);
    let vectors = VectorStore::open(&dir.join(VECTORS_FILE), &embedder.model_key()).unwrap();
    let index =
        NewsIndex::open_or_create(dir).unwrap().with_semantic(Arc::new(Semantic::new(embedder, vectors)));
    index.sync(&Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"), &mut |_, _| {}).unwrap();
    let report = index.fill_vectors(Duration::from_secs(600)).unwrap();
    assert!(!report.failed && report.missing == 0, "{report:?}");
    index
}

/// Dispatches one update (JSON, as Telegram sends it) through `bot::schema()` with
/// the production dependencies; false when no branch took it.
///
/// # Panics
///
/// If a handler returns an error: handlers answer users instead of failing.
pub async fn dispatch<R: AppBot>(bot: R, me: &Me, app: &Arc<App>, update: &Value) -> bool {
    match try_dispatch(bot, me, app, update).await {
        Some(result) => {
            result.expect("the handler succeeds");
            true
        }
        None => false,
    }
}

/// Like [`dispatch`], returning the handler's result (`None` when no branch took
/// the update): for faults where Telegram's own failure reaches the dispatcher's
/// error log.
pub async fn try_dispatch<R: AppBot>(
    bot: R,
    me: &Me,
    app: &Arc<App>,
    update: &Value,
) -> Option<anyhow::Result<()>> {
    let mut deps = bot::dependencies(Arc::clone(app));
    deps.insert(bot);
    deps.insert(me.clone());
    deps.insert(fake_telegram::to_update(update));
    let handler = bot::schema::<R>();
    dptree::type_check(handler.sig(), &deps, &[]);
    match handler.dispatch(deps).await {
        ControlFlow::Break(result) => Some(result),
        ControlFlow::Continue(_) => None,
    }
}

/// A subscription to `chat` that is already due (08:00 Kyiv, every article), as
/// `/subscribe` would store it.
pub fn due_subscription(chat: i64, now: i64) -> newsdesk::store::NewSubscription {
    newsdesk::store::NewSubscription {
        chat_id: chat,
        thread_id: None,
        chat_title: None,
        minute_of_day: 8 * 60,
        tz: "Europe/Kyiv".into(),
        include: String::new(),
        exclude: String::new(),
        created_by: None,
        lang: Some("en".into()),
        next_due: now - 1,
    }
}

/// Asks a running dispatcher to stop (retrying until dispatching has started) and
/// waits until it has, at most `wait`.
pub async fn shut_down(token: teloxide::dispatching::ShutdownToken, wait: std::time::Duration) {
    tokio::time::timeout(wait, async {
        loop {
            if let Ok(done) = token.shutdown() {
                done.await;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the bot stops when asked");
}

/// The callback data of every button under a sent message.
pub fn button_data(message: &Value) -> Vec<String> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|b| b["callback_data"].as_str().unwrap().to_owned())
        .collect()
}
