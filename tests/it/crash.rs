//! Killed at random points (SIGKILL, no clean-up), newsdesk comes back: the index
//! opens or is rebuilt, the database is intact, and no digest is lost or doubled.
//! The kill points come from a fixed seed, so a failure repeats.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use newsdesk::store::Store;

use crate::support::fake_telegram::{self as fake, FakeTelegram};

/// Kill delays in milliseconds, from a small xorshift generator.
fn kill_points(seed: u64, count: usize, range: std::ops::Range<u64>) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            range.start + state % (range.end - range.start)
        })
        .collect()
}

fn newsdesk(args: &[&str], corpus: &Path, dir: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    command
        .args(args)
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(dir.join("index"))
        .env("NEWSDESK_DATA", dir.join("data"))
        .env("NEWSDESK_HTTP_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

async fn kill_after(mut child: tokio::process::Child, millis: u64) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// A corpus big enough that indexing takes a while: 20 feeds of 100 articles.
fn write_corpus(corpus: &Path) {
    std::fs::create_dir_all(corpus).unwrap();
    for file in 0..20 {
        let mut lines = String::new();
        for n in 0..100 {
            let text = format!(
                "Article {file}-{n} reports that the council of district {n} met in town {file} to discuss bridges, \
                 schools and the budget. The mayor said repairs would start in spring. Residents asked about \
                 heating, buses and the market square. Officials promised a plan by the end of the month."
            );
            lines.push_str(&serde_json::json!({ "id": format!("a{file}-{n}"), "title": format!("Council {file}-{n}"), "text": text }).to_string());
            lines.push('\n');
        }
        std::fs::write(corpus.join(format!("feed-{file:02}.jsonl")), lines).unwrap();
    }
}

#[tokio::test]
async fn indexing_killed_at_random_points_leaves_an_index_that_opens_or_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    write_corpus(&corpus);
    for millis in kill_points(0x5eed, 8, 20..700) {
        let child = newsdesk(&["index"], &corpus, dir.path()).spawn().unwrap();
        kill_after(child, millis).await;
        // Whatever state the kill left, asking works: the index opens, or is
        // rebuilt from the corpus with a log line saying so.
        let asked =
            newsdesk(&["ask", "--json", "When will repairs start in district 7?"], &corpus, dir.path())
                .output()
                .await
                .unwrap();
        let stderr = String::from_utf8_lossy(&asked.stderr);
        assert!(asked.status.success(), "after a kill at {millis} ms: {stderr}");
        let answer: serde_json::Value = serde_json::from_slice(&asked.stdout).unwrap();
        assert_eq!(answer["answered"], true, "after a kill at {millis} ms: {answer}");
    }
    let indexed = newsdesk(&["index"], &corpus, dir.path()).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&indexed.stderr);
    assert!(indexed.status.success(), "{stderr}");
    assert!(stderr.contains("indexed 2000 articles"), "every article once: {stderr}");
}

#[tokio::test]
async fn serving_killed_at_random_points_delivers_each_digest_once() {
    let telegram = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let database = dir.path().join("data/newsdesk.db");
    let now = jiff::Timestamp::now().as_second();
    let store = Store::open(&database).unwrap();
    for chat in [-1001, -1002, -1003] {
        store.subscribe(&crate::support::due_subscription(chat, now), now).unwrap();
    }
    drop(store);
    let serve = || {
        newsdesk(&["serve"], &seeds, dir.path())
            .env("TELOXIDE_TOKEN", fake::TOKEN)
            .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
            .spawn()
            .unwrap()
    };
    // Questions keep arriving while the process is killed and restarted.
    for (n, millis) in kill_points(0xdead, 6, 50..1500).into_iter().enumerate() {
        telegram
            .push_update(fake::private_text(100 + n as u64, "Which war diverted attention from Ukraine?"));
        kill_after(serve(), millis).await;
        let store = Store::open(&database).expect("the database opens after every kill");
        assert!(store.outbox_counts().unwrap().sent <= 3);
    }
    // Questions asked while the bot is down wait at Telegram until it is back.
    for user in 100..106 {
        telegram.push_update(fake::private_text(user, "Which war diverted attention from Ukraine?"));
    }
    // A last run that is left to finish.
    let last = serve();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let digests = telegram
            .delivered()
            .into_iter()
            .filter(|m| m["chat_id"].as_i64().is_some_and(|c| c < -1000))
            .count();
        let answered = (100..106).all(|user| telegram.delivered().iter().any(|m| m["chat_id"] == user));
        if digests >= 3 && answered {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "digests {digests}, all answered {answered}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kill_after(last, 0).await;
    for chat in [-1001, -1002, -1003] {
        let count = telegram.delivered().iter().filter(|m| m["chat_id"] == chat).count();
        assert_eq!(count, 1, "chat {chat} got its digest exactly once");
    }
    let counts = Store::open(&database).unwrap().outbox_counts().unwrap();
    assert_eq!((counts.sent, counts.pending), (3, 0));
}
