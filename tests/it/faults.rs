//! Telegram misbehaving: every kind of failure the fake can inject, through the real
//! handler tree and the real dispatcher. Once Telegram recovers, every question has
//! exactly one answer, and no update is skipped or handled twice.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;

use newsdesk::bot::{self, App};
use newsdesk::config::Config;
use newsdesk::store::Store;

use crate::support::fake_telegram::{self as fake, FakeTelegram, Fault};
use crate::support::seed_index;

const QUESTION: &str = "Which war diverted attention from Ukraine?";

async fn answers_once_despite(fault: Fault, attempts: usize) {
    let telegram = FakeTelegram::start().await;
    let config = Config::from_lookup(|_| None).unwrap();
    let app = Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config));
    let bot = telegram.bot();
    let me = bot.get_me().await.unwrap();
    telegram.fail_next("sendMessage", fault.clone());
    let handled = tokio::time::timeout(
        Duration::from_secs(60),
        crate::support::try_dispatch(bot, &me, &app, &fake::private_text(42, QUESTION)),
    )
    .await
    .expect("handled within a minute")
    .expect("the update is for the handler tree");
    // A garbled reply from Telegram reaches the dispatcher's error log; nothing else
    // may fail.
    assert!(handled.is_ok() || fault == Fault::MalformedJson, "{fault:?}: {handled:?}");
    let delivered = telegram.delivered();
    assert_eq!(delivered.len(), 1, "{fault:?}: exactly one answer: {delivered:#?}");
    assert!(delivered[0]["text"].as_str().unwrap().contains("Hamas"), "{fault:?}");
    assert_eq!(telegram.count("sendMessage"), attempts, "{fault:?}: attempts");
}

#[tokio::test]
async fn a_500_is_retried_and_answered_once() {
    answers_once_despite(Fault::ServerError(500), 2).await;
}

#[tokio::test]
async fn a_502_is_retried_and_answered_once() {
    answers_once_despite(Fault::ServerError(502), 2).await;
}

#[tokio::test]
async fn a_connection_reset_is_retried_and_answered_once() {
    answers_once_despite(Fault::Reset, 2).await;
}

#[tokio::test]
async fn a_429_is_waited_out_and_answered_once() {
    answers_once_despite(Fault::TooManyRequests { retry_after: 1 }, 2).await;
}

#[tokio::test]
async fn a_garbled_answer_is_not_sent_twice() {
    // Telegram acted on the request; only its reply was lost.
    answers_once_despite(Fault::MalformedJson, 1).await;
}

#[tokio::test]
async fn a_server_slow_for_ten_seconds_is_waited_for() {
    answers_once_despite(Fault::Slow(Duration::from_secs(10)), 1).await;
}

/// Long polling through the real dispatcher while `getUpdates` fails in every way:
/// each update is handled exactly once, and offsets only move forward.
#[tokio::test]
async fn polling_survives_faults_without_skipping_or_repeating_updates() {
    let telegram = FakeTelegram::start().await;
    let config = Config::from_lookup(|_| None).unwrap();
    let app = Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config));
    for fault in
        [Fault::Reset, Fault::MalformedJson, Fault::Conflict, Fault::TooManyRequests { retry_after: 1 }]
    {
        telegram.fail_next("getUpdates", fault);
    }
    let mut ids = Vec::new();
    for user in 1..=5_u64 {
        ids.push(telegram.push_update(fake::private_text(user, QUESTION)));
    }
    let mut dispatcher = bot::dispatcher(telegram.bot(), app);
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });
    telegram.wait_for("sendMessage", 5, Duration::from_secs(60)).await;
    // A late update after the faults.
    ids.push(telegram.push_update(fake::private_text(6, QUESTION)));
    telegram.wait_for("sendMessage", 6, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut chats: Vec<i64> = telegram.delivered().iter().map(|m| m["chat_id"].as_i64().unwrap()).collect();
    chats.sort();
    assert_eq!(chats, [1, 2, 3, 4, 5, 6], "every update answered exactly once");
    let offsets = telegram.offsets_seen();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "offsets never go back: {offsets:?}");
    assert!(offsets.iter().all(|&o| o == 0 || o <= ids.last().unwrap() + 1), "{offsets:?}");

    crate::support::shut_down(token, Duration::from_secs(30)).await;
    running.await.unwrap();
    assert_eq!(
        *telegram.offsets_seen().last().unwrap(),
        ids.last().unwrap() + 1,
        "all confirmed on shutdown"
    );
}

/// A data folder that can be made unwritable while the bot has its database open:
/// as root (where file modes do not stop writes) a 1 MiB tmpfs that is then filled
/// up; otherwise a second connection holding SQLite's write lock.
struct DataDisk {
    dir: tempfile::TempDir,
    mounted: bool,
    blocker: Option<rusqlite::Connection>,
}

impl DataDisk {
    fn new() -> DataDisk {
        let dir = tempfile::tempdir().unwrap();
        let mounted = is_root()
            && std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
        DataDisk { dir, mounted, blocker: None }
    }

    fn database(&self) -> std::path::PathBuf {
        self.dir.path().join("newsdesk.db")
    }

    /// Fills the tmpfs to the last byte, or takes the database's write lock.
    fn make_unwritable(&mut self) {
        if self.mounted {
            use std::io::Write;
            let mut filler = std::fs::File::create(self.dir.path().join("filler")).unwrap();
            let block = vec![0u8; 4096];
            for _ in 0..1024 {
                if filler.write_all(&block).and_then(|()| filler.sync_all()).is_err() {
                    return;
                }
            }
            panic!("a 1 MiB tmpfs never filled up");
        }
        let conn = rusqlite::Connection::open(self.database()).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        self.blocker = Some(conn);
    }

    fn make_writable(&mut self) {
        let _ = std::fs::remove_file(self.dir.path().join("filler"));
        self.blocker = None;
    }
}

impl Drop for DataDisk {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

// Point 4: a digest Telegram accepted but whose sent mark cannot be written (disk
// full, database read-only) is never sent again while the bot runs; the failure is
// counted in /metrics and makes /healthz 503 with the reason, and the mark is
// written once the database takes writes again.
#[tokio::test]
async fn a_digest_whose_sent_mark_cannot_be_written_is_not_sent_again() {
    let mut disk = DataDisk::new();
    let telegram = FakeTelegram::start().await;
    let store = Store::open(&disk.database()).unwrap();
    let now = jiff::Timestamp::now().as_second();
    store.subscribe(&crate::support::due_subscription(-100_500, now), now).unwrap();
    let config = Config::from_lookup(|_| None).unwrap();
    let app = Arc::new(App::new(seed_index().clone(), store, &config));
    telegram.fail_next("sendMessage", Fault::Slow(Duration::from_millis(1500)));
    let scheduler = tokio::spawn(bot::digests::run_scheduler(
        telegram.bot(),
        Arc::clone(&app),
        Duration::from_millis(20),
    ));
    telegram.wait_for("sendMessage", 1, Duration::from_secs(10)).await;
    disk.make_unwritable();

    let metrics = || newsdesk::ops::render_metrics(&app.ops_state());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !metrics().contains("newsdesk_store_write_errors_total 1\n") && telegram.count("sendMessage") == 1 {
        assert!(tokio::time::Instant::now() < deadline, "the failed write was never counted:\n{}", metrics());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(telegram.count("sendMessage"), 1, "sent again: {:#?}", telegram.sent_texts());
    assert_eq!(telegram.delivered().len(), 1);
    let problems = newsdesk::ops::health(&app.ops_state()).unwrap_err();
    assert!(problems.iter().any(|p| p.contains("database cannot be written")), "{problems:?}");
    assert!(!problems.iter().any(|p| p.contains(disk.dir.path().to_str().unwrap())), "{problems:?}");

    disk.make_writable();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.store.outbox_counts().map(|c| c.sent).unwrap_or(0) != 1 {
        assert!(tokio::time::Instant::now() < deadline, "the sent mark was never written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(newsdesk::ops::health(&app.ops_state()).is_ok());
    assert_eq!(telegram.count("sendMessage"), 1);
    scheduler.abort();
}

// Point 4: `serve` refuses, in one line naming the file, a database it cannot
// write (a full disk as root, else a read-only file), before it talks to Telegram.
#[tokio::test]
async fn serve_refuses_a_database_it_cannot_write() {
    let telegram = FakeTelegram::start().await;
    let mut disk = DataDisk::new();
    drop(Store::open(&disk.database()).unwrap());
    if disk.mounted {
        disk.make_unwritable();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(disk.database(), std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let index = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--corpus"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
        .arg("--index")
        .arg(index.path())
        .env("NEWSDESK_DATA", disk.dir.path())
        .env("NEWSDESK_HTTP_ADDR", "127.0.0.1:0")
        .env("TELOXIDE_TOKEN", fake::TOKEN)
        .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("serve stops at once")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("newsdesk:")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("cannot be written") && lines[0].contains("newsdesk.db"), "{stderr}");
    assert_eq!(telegram.count("getMe"), 0, "refused before connecting: {stderr}");
}

// Point 4: the files the bot creates (the database and its -wal and -shm, the serve
// lock, the vectors) are readable by their owner only.
#[test]
fn files_the_bot_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
    let store = Store::open(&dir.path().join("newsdesk.db")).unwrap();
    store.set_lang(-1, Some("uk")).unwrap();
    for name in ["newsdesk.db", "newsdesk.db-wal", "newsdesk.db-shm"] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
    let _lock = newsdesk::index::ServeLock::acquire(dir.path(), dir.path()).unwrap().unwrap();
    assert_eq!(mode("newsdesk-serve.lock"), 0o600);
    let mut vectors =
        newsdesk::retrieve::semantic::VectorStore::open(&dir.path().join("vectors.bin"), "model").unwrap();
    vectors.add(&[(1, 0, vec![0.5, 0.5])]).unwrap();
    drop(vectors);
    assert_eq!(mode("vectors.bin"), 0o600);
}
