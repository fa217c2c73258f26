//! Self-hosting operations through real HTTP: `/healthz` and `/metrics` of a serving
//! bot, and webhook mode end to end against the fake Bot API.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use newsdesk::bot::{self, App, Updates};
use newsdesk::config::{Config, Secret};
use newsdesk::store::Store;

use crate::support::fake_telegram::{self as fake, FakeTelegram};
use crate::support::seed_index;

const WAIT: Duration = Duration::from_secs(10);

fn app() -> Arc<App> {
    let config = Config::from_lookup(|_| None).unwrap();
    Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config))
}

async fn local_listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Polls `url` until it answers `status`.
async fn wait_status(url: &str, status: u16) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(response) = reqwest::get(url).await
            && response.status().as_u16() == status
        {
            return response.text().await.unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "{url} never answered {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn healthz_and_metrics_report_a_serving_bot() {
    let telegram = FakeTelegram::start().await;
    let app = app();
    let (listener, base) = local_listener().await;
    let serving =
        tokio::spawn(bot::serve(telegram.bot(), Arc::clone(&app), Some(listener), Updates::Polling));

    let health = wait_status(&format!("{base}/healthz"), 200).await;
    assert!(health.starts_with("ok: index has "), "{health}");
    telegram.push_update(fake::private_text(42, "Which war diverted attention from Ukraine?"));
    telegram.push_update(fake::private_text(42, "What is the boiling point of mercury?"));
    telegram.wait_for("sendMessage", 2, WAIT).await;

    let (status, metrics) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    for line in [
        "newsdesk_questions_total 2\n",
        "newsdesk_abstentions_total 1\n",
        "newsdesk_answer_seconds_count 2\n",
        "newsdesk_answer_seconds_bucket{le=\"+Inf\"} 2\n",
        "newsdesk_telegram_errors_total{kind=\"network\"} 0\n",
        "newsdesk_telegram_429_total 0\n",
        "newsdesk_digests_pending 0\n",
        "# TYPE newsdesk_answer_seconds histogram\n",
    ] {
        assert!(metrics.contains(line), "{line:?} missing from\n{metrics}");
    }
    let passages = metrics.lines().find(|l| l.starts_with("newsdesk_index_passages ")).unwrap();
    assert!(passages.ends_with(&seed_index().num_passages().to_string()), "{passages}");
    assert!(metrics.contains("newsdesk_index_bytes "), "{metrics}");
    assert!(!metrics.contains(fake::TOKEN), "the token never appears in metrics");
    serving.abort();
}

#[tokio::test]
async fn healthz_is_503_with_the_reason_when_telegram_never_answered() {
    let app = app();
    let (listener, base) = local_listener().await;
    let routes = newsdesk::ops::router(app.ops_state());
    let server = tokio::spawn(async move { axum::serve(listener, routes).await.unwrap() });
    let (status, body) = get(&format!("{base}/healthz")).await;
    assert_eq!(status, 503);
    assert_eq!(body, "Telegram not reachable since start (last error: none)\n");
    server.abort();
}

#[tokio::test]
async fn webhook_mode_sets_the_webhook_and_checks_the_secret_on_every_request() {
    let telegram = FakeTelegram::start().await;
    let app = app();
    let (listener, base) = local_listener().await;
    let url = url::Url::parse(&format!("{base}/telegram")).unwrap();
    let updates = Updates::Webhook { url: url.clone(), secret: Some(Secret::new("s3cret-token")) };
    let serving = tokio::spawn(bot::serve(telegram.bot(), Arc::clone(&app), Some(listener), updates));

    let set = telegram.wait_for("setWebhook", 1, WAIT).await;
    assert_eq!(set[0].params["url"], url.as_str());
    assert_eq!(set[0].params["secret_token"], "s3cret-token");
    // The update kinds are set with it: Telegram would otherwise keep an earlier list.
    // (setWebhook goes as a form, so the list is a JSON string.)
    let allowed: Vec<String> =
        serde_json::from_str(set[0].params["allowed_updates"].as_str().unwrap()).unwrap();
    assert_eq!(
        allowed,
        [
            "message",
            "edited_message",
            "channel_post",
            "edited_channel_post",
            "inline_query",
            "callback_query"
        ]
    );
    wait_status(&format!("{base}/healthz"), 200).await;

    let mut update = fake::private_text(42, "Which war diverted attention from Ukraine?");
    update["update_id"] = json!(7);
    let client = reqwest::Client::new();
    let post = |secret: Option<&str>| {
        let mut request =
            client.post(url.as_str()).header("content-type", "application/json").body(update.to_string());
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status().as_u16(), 401, "no secret: refused");
    assert_eq!(post(Some("guess")).await.unwrap().status().as_u16(), 401, "wrong secret: refused");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(telegram.count("sendMessage"), 0, "refused updates are not handled");
    assert_eq!(post(Some("s3cret-token")).await.unwrap().status().as_u16(), 200);
    let sent = telegram.wait_for("sendMessage", 1, WAIT).await;
    assert!(sent[0].params["text"].as_str().unwrap().contains("Hamas"), "{:?}", sent[0].params);
    assert_eq!(telegram.count("getUpdates"), 0, "no polling in webhook mode");
    serving.abort();
}

// Point 5: the HTTP listener takes at most 256 connections at once (those past it
// are closed at once), closes a connection that sends half a header within its
// header timeout, and drops idle connections, so /healthz answers again and the
// process keeps file descriptors for the index.
#[tokio::test]
async fn the_http_listener_limits_connections_and_closes_slow_and_idle_ones() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let telegram = FakeTelegram::start().await;
    let app = app();
    let (listener, base) = local_listener().await;
    let address = listener.local_addr().unwrap();
    let serving =
        tokio::spawn(bot::serve(telegram.bot(), Arc::clone(&app), Some(listener), Updates::Polling));
    wait_status(&format!("{base}/healthz"), 200).await;

    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\n").await.unwrap();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(address).await.unwrap());
    }
    let closed = |idle: &[tokio::net::TcpStream]| {
        idle.iter()
            .filter(|s| {
                let mut byte = [0u8; 1];
                !matches!(s.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while closed(&idle) < 300 - 256 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of 301 connections closed; the limit is 256",
            closed(&idle)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Half a header is not waited for forever (the header timeout is 10 s).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "a connection with half a header stayed open for 30 s");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"), "{}", String::from_utf8_lossy(&rest));

    // Idle connections are closed too, and /healthz answers while they are held.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = reqwest::get(format!("{base}/healthz")).await
            && response.status().as_u16() == 200
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "/healthz never answered beside idle connections");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(idle);
    serving.abort();
}

// Point 9: /healthz names what is wrong without showing filesystem paths.
#[tokio::test]
async fn healthz_does_not_show_filesystem_paths() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = app().ops_state();
    state.index_dir = Some(dir.path().join("index"));
    let (listener, base) = local_listener().await;
    let routes = newsdesk::ops::router(state);
    let server = tokio::spawn(async move { axum::serve(listener, routes).await.unwrap() });
    let (status, body) = get(&format!("{base}/healthz")).await;
    assert_eq!(status, 503);
    assert!(body.contains("index missing"), "{body}");
    assert!(!body.contains(dir.path().to_str().unwrap()) && !body.contains('/'), "{body}");
    server.abort();
}
