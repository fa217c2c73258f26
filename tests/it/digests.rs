//! Digests end to end: commands through the real handler tree, the real scheduler on
//! a clock the test moves, the real SQLite store and index on disk, the corpus
//! watcher, and the fake Bot API on loopback.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use teloxide::Bot;
use teloxide::prelude::*;

use newsdesk::bot::{App, digests};
use newsdesk::config::Config;
use newsdesk::digest::ManualClock;
use newsdesk::index::NewsIndex;
use newsdesk::ingest::watch;
use newsdesk::store::{Store, StoreError};

use crate::support::fake_telegram::{self as fake, FakeTelegram, Fault};
use crate::support::telegram_html::assert_valid_message;

const ADMIN: u64 = 42;
const MEMBER: u64 = 43;
const GROUP: i64 = -100_300;
const WAIT: Duration = Duration::from_secs(10);
const TICK: Duration = Duration::from_millis(20);

/// 07:59 in Kyiv (EET) on the day before clocks spring forward.
const BEFORE_EIGHT: &str = "2026-03-28T05:59:00Z";
const EIGHT: &str = "2026-03-28T06:00:00Z";
/// 08:00 the next day, in summer time: 23 hours later.
const EIGHT_NEXT_DAY: &str = "2026-03-29T05:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A running newsdesk: a corpus folder (a copy of the seeds), its index and database
/// on disk, the corpus watcher, the digest scheduler, and the fake Bot API.
struct Desk {
    telegram: FakeTelegram,
    bot: Bot,
    me: teloxide::types::Me,
    app: Arc<App>,
    clock: Arc<ManualClock>,
    corpus: PathBuf,
    _dir: tempfile::TempDir,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Desk {
    async fn start(now: &str) -> Desk {
        Self::with(now, |_| {}).await
    }

    async fn with(now: &str, configure: impl FnOnce(&mut Config)) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for entry in std::fs::read_dir(seeds).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
        }
        let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
        index.sync(&corpus, &mut |_, _| {}).unwrap();
        let store = Store::open(&dir.path().join("data/newsdesk.db")).unwrap();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.admins = vec![ADMIN];
        configure(&mut config);
        let clock = Arc::new(ManualClock::new(at(now)));
        let app = Arc::new(App::new(index.clone(), store, &config).with_clock(clock.clone()));
        let telegram = FakeTelegram::start().await;
        let bot = telegram.bot();
        let me = bot.get_me().await.unwrap();
        let tasks = vec![
            tokio::spawn(digests::run_scheduler(bot.clone(), Arc::clone(&app), TICK)),
            tokio::spawn(watch::watch_corpus(index, corpus.clone(), Duration::from_secs(3600))),
        ];
        Desk { telegram, bot, me, app, clock, corpus, _dir: dir, tasks }
    }

    async fn send(&self, update: Value) {
        assert!(crate::support::dispatch(self.bot.clone(), &self.me, &self.app, &update).await, "{update}");
    }

    /// Messages Telegram accepted for `chat`, oldest first.
    fn delivered_to(&self, chat: i64) -> Vec<Value> {
        self.telegram.delivered().into_iter().filter(|p| p["chat_id"] == chat).collect()
    }

    async fn wait_delivered_to(&self, chat: i64, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let delivered = self.delivered_to(chat);
            if delivered.len() >= count {
                return delivered;
            }
            assert!(tokio::time::Instant::now() < deadline, "{count} messages to {chat}; got {delivered:#?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Lets the scheduler run a few rounds, for asserting that nothing more happens.
    async fn settle(&self) {
        tokio::time::sleep(TICK * 10).await;
    }
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap()
}

const US_PRESSURE: &str = "The US will pressure Russia and play a key role in supporting Ukraine";
const STOP_PUTIN: &str = "NATO committed to helping Ukraine stop Putin";

#[tokio::test]
async fn a_group_subscription_posts_at_its_time_once_and_takes_new_articles_next_day() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/subscribe 08:00 nato")).await;
    let confirmation = desk.wait_delivered_to(GROUP, 1).await;
    let confirmation = text(&confirmation[0]);
    assert!(confirmation.contains("08:00 Europe/Kyiv · nato"), "{confirmation}");
    assert!(confirmation.contains("2026-03-28 08:00 EET"), "{confirmation}");

    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 1, "nothing before 08:00");
    desk.clock.set(at(EIGHT));
    let sent = desk.wait_delivered_to(GROUP, 2).await;
    let digest = text(&sent[1]);
    assert_valid_message(digest);
    assert!(digest.contains("News digest") && digest.contains(US_PRESSURE), "{digest}");
    assert!(!digest.contains("НАТО може стати"), "the keyword filter applies: {digest}");
    assert_eq!(sent[1]["parse_mode"], "HTML");
    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 2, "one digest per run");

    // A new article dropped into the corpus is picked up by the watcher ...
    std::fs::write(
        desk.corpus.join("005_logistics.txt"),
        " date 2026-03-28\nNATO opens a logistics hub in Rzeszow for Ukraine aid\n\nKyiv • UNN\n\nNATO opened a logistics hub in Rzeszow to speed up weapons deliveries to Ukraine, the alliance said on Saturday. The hub will handle air defence shipments.\n",
    )
    .unwrap();
    let question = "Where did NATO open a logistics hub?";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let answer = desk.app.index.ask(question, Default::default()).unwrap();
        if answer.hits.first().is_some_and(|h| h.title.contains("Rzeszow")) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the new article never became answerable");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ... answers questions in Telegram ...
    desk.send(fake::group_text(GROUP, MEMBER, &format!("/ask {question}"))).await;
    let answer = desk.wait_delivered_to(GROUP, 3).await;
    assert!(text(&answer[2]).contains("<b>hub</b> in Rzeszow"), "{}", text(&answer[2]));
    // ... and is the only story of the next day's digest.
    desk.clock.set(at(EIGHT_NEXT_DAY));
    let sent = desk.wait_delivered_to(GROUP, 4).await;
    let digest = text(&sent[3]);
    assert!(digest.contains("NATO opens a logistics hub in Rzeszow"), "{digest}");
    assert!(!digest.contains(US_PRESSURE), "already in yesterday's digest: {digest}");
}

#[tokio::test]
async fn a_subscription_made_in_a_forum_topic_posts_into_that_topic() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::topic_text(GROUP, 77, ADMIN, "/subscribe 08:00")).await;
    let confirmation = desk.wait_delivered_to(GROUP, 1).await;
    assert_eq!(confirmation[0]["message_thread_id"], 77);
    desk.clock.set(at(EIGHT));
    let sent = desk.wait_delivered_to(GROUP, 2).await;
    assert_eq!(sent[1]["message_thread_id"], 77, "{:#?}", sent[1]);
    assert!(text(&sent[1]).contains(STOP_PUTIN));
    // Nothing new by the next morning: no message at all.
    desk.clock.set(at(EIGHT_NEXT_DAY));
    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 2);
    let subscription = &desk.app.store.subscriptions_of_chat(GROUP).unwrap()[0];
    assert_eq!(subscription.next_due, at("2026-03-30T05:00:00Z").as_second(), "moved on to the next day");
}

#[tokio::test]
async fn the_same_story_from_two_outlets_is_one_digest_item_with_both_sources() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    std::fs::write(
        desk.corpus.join("wires.jsonl"),
        concat!(
            r#"{"id": "wire-1", "title": "Denmark pledges F-16 jets to Ukraine", "source": "Reuters", "date": "2026-03-27", "url": "https://reuters.example/f16", "text": "Denmark will deliver six more F-16 fighter jets to Ukraine this spring, its defence minister said on Friday."}"#,
            "
",
            r#"{"id": "wire-2", "title": "Denmark to deliver more F-16 fighter jets to Ukraine", "source": "AP", "date": "2026-03-27", "url": "https://ap.example/f16", "text": "Denmark's defence minister said on Friday the country will deliver six more F-16 jets to Ukraine in spring."}"#,
            "
",
        ),
    )
    .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while desk.app.index.article("wire-2").unwrap().is_none() {
        assert!(tokio::time::Instant::now() < deadline, "the watcher never indexed the new file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    desk.send(fake::group_text(GROUP, MEMBER, "/digest F-16")).await;
    let digest = desk.wait_delivered_to(GROUP, 1).await;
    let digest = text(&digest[0]);
    assert_eq!(digest.matches("F-16").count(), 3, "one item (title and lead) plus the heading: {digest}");
    assert!(
        digest.contains(r#"<a href="https://reuters.example/f16">Reuters</a> · <a href="https://ap.example/f16">AP</a> · 2026-03-27"#),
        "{digest}"
    );
}

#[tokio::test]
async fn only_group_admins_change_subscriptions() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.telegram.set_member_status_of(MEMBER, "member");
    desk.send(fake::group_text(GROUP, MEMBER, "/subscribe 08:00")).await;
    desk.send(fake::group_text(GROUP, MEMBER, "/timezone Europe/London")).await;
    let sent = desk.wait_delivered_to(GROUP, 2).await;
    for reply in &sent {
        assert!(text(reply).contains("Only this chat's admins"), "{}", text(reply));
    }
    assert!(desk.app.store.subscriptions_of_chat(GROUP).unwrap().is_empty());
    desk.send(fake::group_text(GROUP, MEMBER, "/subscriptions")).await;
    let sent = desk.wait_delivered_to(GROUP, 3).await;
    assert!(text(&sent[2]).contains("No digests are scheduled here"), "{}", text(&sent[2]));
}

#[tokio::test]
async fn digest_now_lists_what_is_new_merges_nothing_twice_and_filters_words() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::group_text(GROUP, MEMBER, "/digest")).await;
    let sent = desk.wait_delivered_to(GROUP, 1).await;
    let digest = text(&sent[0]);
    assert_valid_message(digest);
    for title in [US_PRESSURE, STOP_PUTIN, "НАТО може стати «тилом» для миротворців"]
    {
        assert!(digest.contains(title), "{title} missing from {digest}");
    }
    assert_eq!(digest.matches("\n\n").count(), 5, "a heading and 5 stories: {digest}");
    // An article without an outlet shows its site or nothing, never its id; a title
    // taken from the first sentence is not printed again as the lead.
    let looks_like_id = |word: &str| {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
        word.len() == 20 && word.as_bytes()[3] == b'_' && word[4..].bytes().all(|b| b.is_ascii_hexdigit())
    };
    assert!(!digest.split_whitespace().any(looks_like_id), "an id in {digest}");
    for story in digest.split("\n\n").skip(1) {
        let title = story.lines().next().unwrap();
        let title = title.rsplit_once("\">").map_or(title, |(_, t)| t).split("</").next().unwrap();
        let title = title.trim_start_matches(|c: char| c.is_ascii_digit() || ". <b>".contains(c));
        let lead = story.lines().nth(1).unwrap();
        let start: String = title.chars().take(30).collect();
        assert!(!lead.starts_with(&start), "the title again as the lead: {story}");
    }
    desk.send(fake::group_text(GROUP, MEMBER, "/digest")).await;
    let sent = desk.wait_delivered_to(GROUP, 2).await;
    assert_eq!(text(&sent[1]), "Nothing new since the last digest.");

    const OTHER: i64 = -100_301;
    desk.send(fake::group_text(OTHER, MEMBER, "/digest nato -stoltenberg")).await;
    let sent = desk.wait_delivered_to(OTHER, 1).await;
    let digest = text(&sent[0]);
    assert!(digest.contains("nato -stoltenberg") && digest.contains(US_PRESSURE), "{digest}");
    assert!(!digest.contains(STOP_PUTIN), "excluded by -stoltenberg: {digest}");
    desk.send(fake::private_text(MEMBER, "/digest Hamas")).await;
    let sent = desk.wait_delivered_to(MEMBER as i64, 1).await;
    let digest = text(&sent[0]);
    assert!(digest.contains(STOP_PUTIN) && !digest.contains(US_PRESSURE), "{digest}");
}

#[tokio::test]
async fn a_channel_admin_subscribes_a_channel_from_a_private_chat() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    let channel = fake::channel_chat_id("newsroom");
    // Not an admin of the channel: refused.
    desk.telegram.set_member_status_of(MEMBER, "member");
    desk.send(fake::private_text(MEMBER, "/subscribe @newsroom 08:00")).await;
    let sent = desk.wait_delivered_to(MEMBER as i64, 1).await;
    assert!(text(&sent[0]).contains("Only admins of that channel"), "{}", text(&sent[0]));
    // The bot may not post there: refused with what to do.
    desk.telegram.set_member_status_of(fake::BOT_ID, "member");
    desk.send(fake::private_text(ADMIN, "/subscribe @newsroom 08:00 ukraine")).await;
    let sent = desk.wait_delivered_to(ADMIN as i64, 1).await;
    assert!(text(&sent[0]).contains("make me an admin"), "{}", text(&sent[0]));
    // Both admins: subscribed, and the digest goes to the channel.
    desk.telegram.set_member_status_of(fake::BOT_ID, "administrator");
    desk.send(fake::private_text(ADMIN, "/subscribe @newsroom 08:00 ukraine")).await;
    let sent = desk.wait_delivered_to(ADMIN as i64, 2).await;
    assert!(text(&sent[1]).contains("@newsroom · ukraine"), "{}", text(&sent[1]));
    desk.send(fake::private_text(ADMIN, "/subscriptions")).await;
    let sent = desk.wait_delivered_to(ADMIN as i64, 3).await;
    assert!(text(&sent[2]).contains("@newsroom"), "{}", text(&sent[2]));
    assert!(desk.delivered_to(channel).is_empty());
    desk.clock.set(at(EIGHT));
    let posts = desk.wait_delivered_to(channel, 1).await;
    assert!(text(&posts[0]).contains("News digest</b> · ukraine"), "{}", text(&posts[0]));
    assert!(posts[0].get("reply_parameters").is_none());

    // An admin's command posted in the channel works as in a group.
    desk.send(fake::channel_post("newsroom", "/subscriptions")).await;
    let posts = desk.wait_delivered_to(channel, 2).await;
    assert!(text(&posts[1]).contains("08:00 Europe/Kyiv"), "{}", text(&posts[1]));
    desk.send(fake::private_text(ADMIN, "/unsubscribe @newsroom")).await;
    let sent = desk.wait_delivered_to(ADMIN as i64, 4).await;
    assert_eq!(text(&sent[3]), "Stopped 1 digest.");
}

#[tokio::test]
async fn a_blocked_bot_pauses_the_subscription_instead_of_retrying_forever() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::private_text(MEMBER, "/subscribe 08:00")).await;
    desk.wait_delivered_to(MEMBER as i64, 1).await;
    desk.telegram.fail_next("sendMessage", Fault::Forbidden);
    desk.clock.set(at(EIGHT));
    desk.telegram.wait_for("sendMessage", 2, WAIT).await;
    desk.settle().await;
    desk.clock.set(at(EIGHT_NEXT_DAY));
    desk.settle().await;
    assert_eq!(desk.telegram.count("sendMessage"), 2, "tried once, then paused");
    let subscription = &desk.app.store.subscriptions_of_chat(MEMBER as i64).unwrap()[0];
    assert_eq!(subscription.paused.as_deref(), Some("the bot was blocked"));
    // Subscribing again (the user unblocked the bot) resumes delivery.
    desk.send(fake::private_text(MEMBER, "/subscriptions")).await;
    let sent = desk.wait_delivered_to(MEMBER as i64, 2).await;
    assert!(text(&sent[1]).contains("paused: the bot was blocked"), "{}", text(&sent[1]));
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_digest_sent_once() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/subscribe 08:00")).await;
    desk.wait_delivered_to(GROUP, 1).await;
    desk.telegram.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });
    desk.clock.set(at(EIGHT));
    let started = std::time::Instant::now();
    desk.wait_delivered_to(GROUP, 2).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "retry_after was honoured");
    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 2);
    assert_eq!(desk.app.store.outbox_counts().unwrap().sent, 1);
}

#[tokio::test]
async fn time_zones_are_validated_and_move_the_schedule() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/subscribe 08:00")).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/timezone Mars/Olympus")).await;
    let sent = desk.wait_delivered_to(GROUP, 2).await;
    assert!(text(&sent[1]).contains("I don't know the time zone “Mars/Olympus”"), "{}", text(&sent[1]));
    desk.send(fake::group_text(GROUP, ADMIN, "/timezone europe/london")).await;
    let sent = desk.wait_delivered_to(GROUP, 3).await;
    assert_eq!(text(&sent[2]), "Digests here now follow Europe/London.");
    // 08:00 Kyiv came and went: nothing, as the digest is now due at 08:00 London.
    desk.clock.set(at(EIGHT));
    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 3);
    desk.clock.set(at("2026-03-28T08:00:00Z"));
    desk.wait_delivered_to(GROUP, 4).await;
}

#[tokio::test]
async fn feedback_and_unanswered_questions_are_kept_for_admins() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::private_text(MEMBER, "What is the boiling point of mercury?")).await;
    desk.send(fake::private_text(MEMBER, "/unanswered")).await;
    let sent = desk.wait_delivered_to(MEMBER as i64, 2).await;
    assert_eq!(text(&sent[1]), "Only the bot's admins can see that.");
    desk.send(fake::private_text(ADMIN, "/unanswered")).await;
    let sent = desk.wait_delivered_to(ADMIN as i64, 1).await;
    assert!(text(&sent[0]).contains("What is the boiling point of mercury?"), "{}", text(&sent[0]));

    desk.send(fake::private_text(MEMBER, "What did Kellogg say?")).await;
    let sent = desk.wait_delivered_to(MEMBER as i64, 3).await;
    let rows = sent[2]["reply_markup"]["inline_keyboard"].as_array().unwrap();
    let thumbs_up = rows.iter().flat_map(|row| row.as_array().unwrap()).find(|b| b["text"] == "👍").unwrap();
    let key = thumbs_up["callback_data"].as_str().unwrap().to_owned();
    // The button is pressed under the answer, as Telegram reports it.
    let n = desk.telegram.delivered().iter().position(|m| *m == sent[2]).unwrap();
    let message = desk.telegram.delivered_ids()[n];
    desk.send(fake::callback_query(MEMBER, MEMBER as i64, message, &key)).await;
    assert_eq!(desk.app.store.feedback_counts().unwrap(), (1, 0));
}

#[tokio::test]
async fn chat_settings_set_language_and_results() {
    let desk = Desk::start(BEFORE_EIGHT).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/language uk")).await;
    desk.send(fake::group_text(GROUP, ADMIN, "/results 1")).await;
    desk.send(fake::group_text(GROUP, MEMBER, "/ask What did Rutte say about the US?")).await;
    let sent = desk.wait_delivered_to(GROUP, 3).await;
    // Each setting says what it set, in the chat's language from then on.
    assert_eq!(text(&sent[0]), "У цьому чаті я писатиму українською.");
    assert_eq!(text(&sent[1]), "Цитат у відповіді тут: до 1.");
    assert_eq!(text(&sent[2]).matches("<blockquote").count(), 1, "{}", text(&sent[2]));
    desk.send(fake::group_text(GROUP, MEMBER, "/results 99")).await;
    let sent = desk.wait_delivered_to(GROUP, 4).await;
    assert!(text(&sent[3]).contains("/results від 1 до 10"), "{}", text(&sent[3]));
}

#[test]
fn a_corrupt_database_is_an_error_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsdesk.db");
    let garbage = b"this is not a database, but somebody's subscriptions might be in here".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);

    // A database from a newer newsdesk is refused too.
    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(Store::open(&newer).unwrap_err(), StoreError::TooNew { found: 99, .. }));
}

#[test]
fn the_database_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsdesk.db");
    let store = Store::open(&path).unwrap();
    store.set_lang(-5, Some("uk")).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.settings(-5).unwrap().lang.as_deref(), Some("uk"));
    assert_eq!(store.schema_version().unwrap(), newsdesk::store::SCHEMA_VERSION);
    assert_eq!(
        newsdesk::store::SCHEMA_VERSION,
        4,
        "the first schema, the outbox's sending mark, channel archives, feeds"
    );
}

/// `newsdesk serve` as a process on the seeds, with its index and data in `dir`.
fn serve_process(telegram: &FakeTelegram, dir: &Path) -> tokio::process::Child {
    serve_process_with(telegram, dir, &[])
}

fn serve_process_with(telegram: &FakeTelegram, dir: &Path, env: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .envs(env.iter().copied())
        .args(["serve", "--corpus"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
        .arg("--index")
        .arg(dir.join("index"))
        .env("NEWSDESK_DATA", dir.join("data"))
        .env("NEWSDESK_HTTP_ADDR", "127.0.0.1:0")
        .env("TELOXIDE_TOKEN", fake::TOKEN)
        .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn sigkill(mut child: tokio::process::Child) {
    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[tokio::test]
async fn a_digest_killed_between_outbox_and_send_is_delivered_once_after_restart() {
    let telegram = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("data/newsdesk.db");
    // A subscription that is already due, as /subscribe stores it.
    let now = Timestamp::now().as_second();
    let store = Store::open(&database).unwrap();
    let subscription = crate::support::due_subscription(GROUP, now);
    store.subscribe(&subscription, now).unwrap();
    drop(store);

    // The process stops dead right after the digest was written to the outbox,
    // before anything was sent (an injected crash at that exact step).
    let mut first = serve_process_with(&telegram, dir.path(), &[("NEWSDESK_FAILPOINT", "recorded")]);
    let stopped = tokio::time::timeout(Duration::from_secs(60), first.wait()).await.unwrap().unwrap();
    assert!(!stopped.success(), "stopped at the failpoint: {stopped}");
    let counts = Store::open(&database).unwrap().outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.sent), (1, 0), "written to the outbox before sending");
    assert!(telegram.delivered().is_empty());

    // After a restart the pending digest goes out, once.
    let second = serve_process(&telegram, dir.path());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while telegram.delivered().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the digest was never delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let digest = telegram.delivered()[0].clone();
    assert_eq!(digest["chat_id"], GROUP);
    assert!(text(&digest).contains("News digest"), "{digest}");

    // `newsdesk index` meanwhile says the running bot keeps the index up to date.
    let index = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["index", "--corpus"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
        .arg("--index")
        .arg(dir.path().join("index"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&index.stderr);
    assert!(index.status.success(), "{stderr}");
    assert!(stderr.contains("is running on this index and picks up changes"), "{stderr}");

    // Killed again after the send was recorded, and restarted: never sent twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigkill(second).await;
    let polls = telegram.count("getUpdates");
    let third = serve_process(&telegram, dir.path());
    telegram.wait_for("getUpdates", polls + 1, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sigkill(third).await;
    assert_eq!(telegram.delivered().len(), 1, "{:#?}", telegram.delivered());
    let counts = Store::open(&database).unwrap().outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.sent), (0, 1));
}

// Point 3: one user cannot fill the schedule. A chat takes at most 10 subscriptions
// and a user makes at most 20; past either, `/subscribe` says so and stores nothing.
#[tokio::test]
async fn subscriptions_are_capped_per_chat_and_per_user() {
    const SECOND: i64 = -100_302;
    const THIRD: i64 = -100_303;
    let desk = Desk::start(BEFORE_EIGHT).await;
    for n in 0..10 {
        desk.send(fake::group_text(GROUP, ADMIN, &format!("/subscribe 08:{n:02}"))).await;
    }
    desk.send(fake::group_text(GROUP, ADMIN, "/subscribe 09:00")).await;
    let sent = desk.wait_delivered_to(GROUP, 11).await;
    assert!(text(&sent[10]).contains("already has 10 digests"), "{}", text(&sent[10]));
    assert_eq!(desk.app.store.subscriptions_of_chat(GROUP).unwrap().len(), 10);

    for n in 0..10 {
        desk.send(fake::group_text(SECOND, ADMIN, &format!("/subscribe 10:{n:02}"))).await;
    }
    desk.send(fake::group_text(THIRD, ADMIN, "/subscribe 11:00")).await;
    let sent = desk.wait_delivered_to(THIRD, 1).await;
    assert!(text(&sent[0]).contains("You already have 20 digests"), "{}", text(&sent[0]));
    assert!(desk.app.store.subscriptions_of_chat(THIRD).unwrap().is_empty());
    // Someone else may still subscribe the third chat.
    desk.send(fake::group_text(THIRD, MEMBER, "/subscribe 11:00")).await;
    let sent = desk.wait_delivered_to(THIRD, 2).await;
    assert!(text(&sent[1]).contains("11:00 Europe/Kyiv"), "{}", text(&sent[1]));
}

// Point 3: delivery is per chat. Twenty digests due in one chat (stored directly,
// past the caps, as an old database may hold them) do not hold back another chat's
// digest due at the same minute, nor a `/digest` asked for meanwhile; each is
// still delivered exactly once.
#[tokio::test]
async fn one_chat_with_many_pending_digests_does_not_delay_other_chats() {
    const OTHER: i64 = -100_304;
    let desk = Desk::start(BEFORE_EIGHT).await;
    let now = at(EIGHT).as_second();
    for _ in 0..20 {
        desk.app.store.subscribe(&crate::support::due_subscription(GROUP, now), now).unwrap();
    }
    desk.app.store.subscribe(&crate::support::due_subscription(OTHER, now), now).unwrap();
    // Every send takes a while, as Telegram's pacing of one chat would.
    for _ in 0..30 {
        desk.telegram.fail_next("sendMessage", Fault::Slow(Duration::from_millis(150)));
    }
    desk.clock.set(at(EIGHT));
    desk.wait_delivered_to(OTHER, 1).await;
    let group_so_far = desk.delivered_to(GROUP).len();
    assert!(group_so_far <= 3, "the other chat waited for {group_so_far} of this chat's digests");

    let asked = desk.send(fake::private_text(MEMBER, "/digest"));
    tokio::time::timeout(WAIT, asked).await.expect("/digest answers");
    let group_so_far = desk.delivered_to(GROUP).len();
    assert!(group_so_far < 20, "/digest waited for {group_so_far} scheduled digests");
    assert!(text(&desk.delivered_to(MEMBER as i64)[0]).contains("News digest"));

    desk.wait_delivered_to(GROUP, 20).await;
    desk.settle().await;
    assert_eq!(desk.delivered_to(GROUP).len(), 20, "each digest once");
    assert_eq!(desk.delivered_to(OTHER).len(), 1);
    let counts = desk.app.store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.sent), (0, 22));
}
