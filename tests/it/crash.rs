//! Killed with no clean-up, newsdesk comes back: the index opens or is rebuilt (kill
//! points from a fixed seed, so a failure repeats), and every digest follows the
//! redelivery policy (the crash injected at exact steps of delivery).

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

/// One outcome of the delivery crash test: where the process stops (the `n`-th
/// message to reach `step`), the redelivery policy, and then what each of the three
/// digests' topics receives in the end and what the outbox says.
struct CrashCase {
    failpoint: &'static str,
    policy: &'static str,
    /// Deliveries to topics 1, 2 and 3.
    deliveries: [usize; 3],
    /// Outbox rows sent and dropped.
    sent: u64,
    dropped: u64,
}

const CRASH_CASES: [CrashCase; 8] = [
    // Stopped after the second digest was written, before anything was sent: the
    // third is written after the restart, and all go out once.
    CrashCase { failpoint: "recorded:2", policy: "at-most-once", deliveries: [1, 1, 1], sent: 3, dropped: 0 },
    // Marked sending, request not sent: uncertain. At most once loses it (dropped,
    // with the reason); at least once sends it.
    CrashCase { failpoint: "sending:2", policy: "at-most-once", deliveries: [1, 0, 1], sent: 2, dropped: 1 },
    CrashCase { failpoint: "sending:2", policy: "at-least-once", deliveries: [1, 1, 1], sent: 3, dropped: 0 },
    // Telegram took it, the sent mark was not written: uncertain. At most once never
    // doubles it; at least once sends it twice.
    CrashCase { failpoint: "accepted:2", policy: "at-most-once", deliveries: [1, 1, 1], sent: 2, dropped: 1 },
    CrashCase {
        failpoint: "accepted:2",
        policy: "at-least-once",
        deliveries: [1, 2, 1],
        sent: 3,
        dropped: 0,
    },
    // After the sent mark: nothing is uncertain, nothing repeats.
    CrashCase { failpoint: "marked:2", policy: "at-most-once", deliveries: [1, 1, 1], sent: 3, dropped: 0 },
    CrashCase { failpoint: "marked:2", policy: "at-least-once", deliveries: [1, 1, 1], sent: 3, dropped: 0 },
    // The last message: the restart has nothing left but the uncertain one.
    CrashCase { failpoint: "accepted:3", policy: "at-most-once", deliveries: [1, 1, 1], sent: 2, dropped: 1 },
];

/// `serve` stopped dead (abort, no clean-up) at each step of digest delivery, then
/// restarted: the database opens, every digest follows the documented policy
/// exactly, and questions asked meanwhile are answered. The crash is injected at an
/// exact step (`NEWSDESK_FAILPOINT`), so every run gives the same result.
#[tokio::test]
async fn serving_stopped_at_each_delivery_step_follows_the_redelivery_policy() {
    let mut cases = tokio::task::JoinSet::new();
    for case in CRASH_CASES {
        cases.spawn(crash_and_restart(case));
    }
    while let Some(done) = cases.join_next().await {
        done.unwrap();
    }
}

async fn crash_and_restart(case: CrashCase) {
    let what = format!("{} with {}", case.failpoint, case.policy);
    let telegram = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let database = dir.path().join("data/newsdesk.db");
    let now = jiff::Timestamp::now().as_second();
    let store = Store::open(&database).unwrap();
    // Three digests into one chat (one delivery at a time there), one per forum topic.
    for topic in 1..=3 {
        let subscription = newsdesk::store::NewSubscription {
            thread_id: Some(topic),
            ..crate::support::due_subscription(-1001, now)
        };
        store.subscribe(&subscription, now).unwrap();
    }
    drop(store);
    let serve = |failpoint: Option<&str>| {
        let mut command = newsdesk(&["serve"], &seeds, dir.path());
        command
            .env("TELOXIDE_TOKEN", fake::TOKEN)
            .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
            .env("NEWSDESK_DIGEST_REDELIVERY", case.policy)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(point) = failpoint {
            command.env("NEWSDESK_FAILPOINT", point);
        }
        command.spawn().unwrap()
    };

    let mut first = serve(Some(case.failpoint));
    let stopped = tokio::time::timeout(Duration::from_secs(60), first.wait()).await;
    let status = stopped.unwrap_or_else(|_| panic!("{what}: the failpoint was never reached")).unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{what}: stopped at the failpoint, {status}");
    Store::open(&database).unwrap_or_else(|err| panic!("{what}: the database opens after the crash: {err}"));

    // A question asked while the bot is down waits at Telegram until it is back.
    telegram.push_update(fake::private_text(100, "Which war diverted attention from Ukraine?"));
    let last = serve(None);
    let expected: usize = case.deliveries.iter().sum();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let digests = telegram.delivered().iter().filter(|m| m["chat_id"] == -1001).count();
        let answered = telegram.delivered().iter().any(|m| m["chat_id"] == 100);
        let pending = Store::open(&database).unwrap().outbox_counts().unwrap().pending;
        if digests >= expected && answered && pending == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: digests {digests}, answered {answered}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Anything more would come within the next scheduler ticks.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kill_after(last, 0).await;

    let per_topic = [1, 2, 3].map(|topic| {
        telegram
            .delivered()
            .iter()
            .filter(|m| m["chat_id"] == -1001 && m["message_thread_id"] == topic)
            .count()
    });
    assert_eq!(per_topic, case.deliveries, "{what}: deliveries per topic");
    let counts = Store::open(&database).unwrap().outbox_counts().unwrap();
    assert_eq!((counts.sent, counts.dropped, counts.pending), (case.sent, case.dropped, 0), "{what}");
}
