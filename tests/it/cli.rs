//! The `newsdesk` binary as a user runs it: answers on stdout, JSON that keeps its
//! documented shape, batch questions from stdin, and one clear line with exit code 2
//! for bad configuration.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs the binary on the seeds with a fresh index folder and a clean environment.
pub(crate) fn newsdesk(index: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.args(args)
        .arg("--corpus")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
        .arg("--index")
        .arg(index)
        .env_remove("NEWSDESK_RESULTS")
        .env_remove("NEWSDESK_MIN_COVERAGE")
        .env("NEWSDESK_DATA", index.join("data"))
        .env("NEWSDESK_HTTP_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

pub(crate) fn json_lines(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn ask_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(
        dir.path(),
        &["ask", "--json", "How much security aid has the US provided to Ukraine?"],
        None,
        &[],
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let answer = lines[0].as_object().unwrap();
    let keys: Vec<&str> = answer.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["answered", "filters", "missed_window", "newest_first", "question", "read_as", "results", "took_ms"]
    );
    assert_eq!(answer["read_as"], serde_json::json!([]));
    assert_eq!(answer["answered"], true);
    assert!(answer["took_ms"].as_f64().unwrap() >= 0.0);
    let results = answer["results"].as_array().unwrap();
    assert!((1..=3).contains(&results.len()));
    let first = results[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["article_id", "date", "excerpt", "lang", "match", "rank", "score", "source", "title", "url"]
    );
    assert_eq!(first["match"], "lexical");
    assert_eq!(first["rank"], 1);
    assert_eq!(first["article_id"], "003_d3c851319a9cef4d");
    assert_eq!(first["title"], "NATO committed to helping Ukraine stop Putin");
    assert_eq!(first["source"], "AFP");
    assert_eq!(first["date"], Value::Null);
    assert_eq!(first["url"], Value::Null);
    assert_eq!(first["lang"], "en");
    assert!(first["excerpt"].as_str().unwrap().contains("$40 billion"));
    assert!(first["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn ask_json_says_how_a_typo_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(dir.path(), &["ask", "--json", "security guarentees for ukraine"], None, &[]);
    let answer = &json_lines(&out)[0];
    assert_eq!(answer["answered"], true);
    assert_eq!(answer["read_as"], serde_json::json!([{"typed": "guarentees", "read": "guarantees"}]));
    assert!(answer["results"][0]["excerpt"].as_str().unwrap().contains("security guarantees"));
}

#[test]
fn batch_mode_answers_each_line_and_k_limits_results() {
    let dir = tempfile::tempdir().unwrap();
    let questions = "Скільки років діє Міжпарламентська рада?\n\nWho won the 2018 FIFA World Cup?\n{}<>= AND -NOT \"\nNATO Ukraine\n";
    let out = newsdesk(dir.path(), &["ask", "--json", "-k", "1"], Some(questions), &[]);
    let lines = json_lines(&out);
    let answered: Vec<bool> = lines.iter().map(|l| l["answered"].as_bool().unwrap()).collect();
    assert_eq!(answered, [true, false, false, true]);
    assert_eq!(lines[0]["results"][0]["article_id"], "004_5bf96f1cfb37fb97");
    assert_eq!(lines[0]["results"][0]["lang"], "uk");
    assert_eq!(lines[0]["results"][0]["date"], "2026-02-02");
    assert!(lines.iter().all(|l| l["results"].as_array().unwrap().len() <= 1));
    assert_eq!(lines[1]["results"], Value::Array(vec![]));
}

#[test]
fn plain_answers_cite_title_outlet_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(dir.path(), &["ask", "Who leads the sanctions policy against Moscow?"], None, &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("[1] “"), "{text}");
    assert!(text.contains("sanctions policy"), "{text}");
    assert!(text.contains(" · UNN · 2026-02-12 [001_6cd02a9f49007a16]"), "{text}");

    let out = newsdesk(dir.path(), &["ask", "What is the capital of Australia?"], None, &[]);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("Nothing in the archive answers that."));
}

#[test]
fn index_prints_a_summary_and_is_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(dir.path(), &["index"], None, &[]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("indexed 5 articles"), "{stderr}");
    assert!(stderr.contains("5 files read, 0 unchanged, 0 removed, 0 skipped"), "{stderr}");
    let out = newsdesk(dir.path(), &["index"], None, &[]);
    assert!(String::from_utf8(out.stderr).unwrap().contains("0 files read, 5 unchanged"));
}

#[test]
fn bad_configuration_is_one_line_per_problem_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(
        dir.path(),
        &["ask", "NATO"],
        None,
        &[("NEWSDESK_RESULTS", "0"), ("NEWSDESK_MIN_COVERAGE", "2")],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("NEWSDESK_RESULTS=\"0\""), "{stderr}");
    assert!(stderr.contains("NEWSDESK_MIN_COVERAGE=\"2\""), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["ask", "NATO", "--corpus", "/nonexistent/corpus", "--index"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr).unwrap().contains("corpus folder /nonexistent/corpus does not exist")
    );
}

/// `newsdesk serve` as deployed: answers over long polling, never logs the token,
/// and stops cleanly on SIGTERM (what `docker stop` sends).
#[tokio::test]
async fn serve_answers_keeps_the_token_secret_and_stops_on_sigterm() {
    use crate::support::fake_telegram::{FakeTelegram, private_text};

    const TOKEN: &str = "123456:SECRETabcdefghijklmnopqrstuvwxyz";
    let telegram = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let http = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    // As if a second instance polled with the same token: Telegram answers 409.
    telegram.fail_next("getUpdates", crate::support::fake_telegram::Fault::Conflict);
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("serve")
        .arg("--corpus")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
        .arg("--index")
        .arg(dir.path())
        .env("NEWSDESK_DATA", dir.path().join("data"))
        .env("NEWSDESK_HTTP_ADDR", &http)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let wait = std::time::Duration::from_secs(30);
    telegram.wait_for("getUpdates", 2, wait).await;
    telegram.push_update(private_text(42, "Which war diverted attention from Ukraine?"));
    let sent = telegram.wait_for("sendMessage", 1, wait).await;
    assert!(sent[0].params["text"].as_str().unwrap().contains("Hamas"));
    // The container health check asks /healthz.
    let health = healthcheck(&http);
    assert!(health.status.success(), "{health:?}");
    assert!(String::from_utf8_lossy(&health.stdout).starts_with("ok: index has "), "{health:?}");

    let pid = child.id().expect("the child is running") as libc::pid_t;
    // SAFETY: kill(2) only sends a signal to our own child process, which is alive.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let output =
        tokio::time::timeout(wait, child.wait_with_output()).await.expect("stops within 30 s").unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}\n{stderr}", output.status);
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(
        stderr.contains("another program is receiving this bot's updates with the same token"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRETabcdef"), "the token leaked into the log:\n{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("SECRETabcdef"));
}

/// `newsdesk healthcheck` against the HTTP listener at `address`.
fn healthcheck(address: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("healthcheck")
        .env("NEWSDESK_HTTP_ADDR", address)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn healthcheck_fails_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let out = healthcheck(&port);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing listens on"), "{out:?}");
}

#[test]
fn serve_refuses_an_unreadable_corpus_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    let out = cmd
        .args(["serve", "--corpus"])
        .arg(dir.path().join("no-such-folder"))
        .arg("--index")
        .arg(dir.path().join("index"))
        .env("NEWSDESK_DATA", dir.path().join("data"))
        .env("TELOXIDE_TOKEN", "123456:abc")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unreadable NEWSDESK_CORPUS=") && stderr.contains("no such folder"), "{stderr}");
}

#[test]
fn serve_without_a_token_says_how_to_set_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(dir.path(), &["serve"], None, &[("TELOXIDE_TOKEN", "")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("TELOXIDE_TOKEN is not set"));
}

#[test]
fn a_refused_connection_is_reported_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(
        dir.path(),
        &["serve"],
        None,
        &[("TELOXIDE_TOKEN", "123456:SECRETzyxwvutsrq"), ("NEWSDESK_TELEGRAM_API_URL", "http://127.0.0.1:9")],
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("SECRETzyxw"), "{stderr}");
}

#[test]
fn chat_answers_pages_with_more_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        newsdesk(dir.path(), &["chat"], Some("more\nNATO Ukraine\nmore\nmore\nmore\nquit\nKellogg\n"), &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(text.starts_with("Ask a question first."), "{text}");
    assert!(text.contains("[1] “") && text.contains("[4] “"), "more continues the ranking: {text}");
    assert!(text.contains("No more results."), "{text}");
    assert!(!text.contains("Kellogg"), "nothing is answered after quit: {text}");
}

// Point 9: a start-up Telegram refuses is one short line: what failed and why, never
// Telegram's raw answer.
#[tokio::test]
async fn a_failed_start_up_shows_a_short_reason_not_the_raw_answer() {
    use crate::support::fake_telegram::{FakeTelegram, Fault, TOKEN};
    let telegram = FakeTelegram::start().await;
    telegram.fail_next("getMe", Fault::MalformedJson);
    let dir = tempfile::tempdir().unwrap();
    let url = telegram.url().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let out = newsdesk(
            dir.path(),
            &["serve"],
            None,
            &[("TELOXIDE_TOKEN", TOKEN), ("NEWSDESK_TELEGRAM_API_URL", &url)],
        );
        drop(dir);
        out
    })
    .await
    .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr.lines().find(|l| l.starts_with("newsdesk:")).unwrap_or_default();
    assert!(line.contains("getMe") && line.contains("invalid JSON"), "{stderr}");
    assert!(!stderr.contains("message_id") && !stderr.contains("raw"), "{stderr}");
}

/// `newsdesk embed` against an embeddings server on loopback, over a corpus of
/// dated articles: the newest article's sentences go first, a syndicated copy's
/// sentences are sent once, a second run has nothing to do, and a budget it cannot
/// read is a usage error.
#[test]
fn embed_fills_newest_articles_first_and_sends_each_text_once() {
    use crate::support::fake_embed::FakeEmbedServer;
    let server = FakeEmbedServer::start();
    let temp = tempfile::tempdir().unwrap();
    let corpus = temp.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let story = |name: &str| {
        (1..=10)
            .map(|n| format!("The {name} story says in sentence number {n} what the harbour board decided."))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let line = |id: &str, date: &str, text: &str| {
        serde_json::json!({"id": id, "title": format!("Story {id}"), "date": date, "lang": "en", "text": text})
            .to_string()
    };
    let lines = [
        line("old", "2020-01-01", &story("oldest")),
        line("new", "2026-11-29", &story("newest")),
        line("mid", "2024-05-05", &story("middle")),
        // A syndicated copy of the newest, published earlier elsewhere.
        line("copy", "2019-03-03", &story("newest")),
    ];
    std::fs::write(corpus.join("feed.jsonl"), lines.join("\n")).unwrap();
    let embed = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .arg("embed")
            .args(args)
            .arg("--corpus")
            .arg(&corpus)
            .arg("--index")
            .arg(temp.path().join("index"))
            .env("NEWSDESK_DATA", temp.path().join("data"))
            .env("NEWSDESK_EMBED_URL", &server.url)
            .env("NEWSDESK_EMBED_INPUT_TYPE", "true")
            .env("NEWSDESK_EMBED_BATCH", "1")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = embed(&[]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("embedded 30 sentences") && stderr.contains("every sentence has a vector"),
        "{stderr}"
    );
    let received = server.received();
    assert_eq!(received.len(), 30, "three distinct stories of ten sentences: {received:#?}");
    // Sentences are sent in stretches of eight batches, shortest first within one.
    assert!(received[..8].iter().all(|s| s.starts_with("The newest story")), "{received:#?}");
    assert!(received[20..].iter().all(|s| s.starts_with("The oldest story")), "{received:#?}");

    let again = embed(&["--budget", "10m"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success() && stderr.contains("embedded 0 sentences"), "{stderr}");
    assert_eq!(server.received().len(), 30, "nothing is embedded twice");

    let bad = embed(&["--budget", "ten minutes"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("write it like 10m"), "{stderr}");
}
