//! Telegram channels as sources, end to end: `/archive` through the real dispatcher
//! (long polling against the fake Bot API, which delivers only the update kinds the
//! bot asks for) or the handler tree, posts written into a corpus on disk and
//! indexed, then answered in a private chat with a citation linking the post; and
//! `newsdesk import telegram` on a Telegram Desktop export.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use teloxide::Bot;
use teloxide::prelude::*;

use newsdesk::bot::{self, App};
use newsdesk::config::Config;
use newsdesk::index::NewsIndex;
use newsdesk::ingest::telegram::own_id;
use newsdesk::store::Store;

use crate::support::fake_telegram::{self as fake, FakeTelegram};
use crate::support::telegram_html::assert_valid_message;

const CHANNEL: &str = "newsroom";
const ADMIN: u64 = 42;
const MEMBER: u64 = 43;
const READER: u64 = 44;
const WAIT: Duration = Duration::from_secs(15);

const TRAM: &str = "🚋 Lviv approves a tram line to Sykhiv\n\nThe Lviv city council approved a new tram line to Sykhiv on Tuesday. Construction starts in May.";
const TROLLEYBUS: &str = "🚎 Lviv approves a trolleybus line to Sykhiv\n\nThe Lviv city council approved a new trolleybus line to Sykhiv on Tuesday. Construction starts in May.";
const CAPTION: &str = "The old Lychakiv bakery reopened as a museum of bread on Saturday.";
const GIRAFFE: &str = "The Lviv zoo welcomed a baby giraffe named Sonia.";

/// A newsdesk with a corpus folder (a copy of the seeds), its index and database on
/// disk, and the fake Bot API.
struct Desk {
    telegram: FakeTelegram,
    bot: Bot,
    me: teloxide::types::Me,
    app: Arc<App>,
    corpus: PathBuf,
    _dir: tempfile::TempDir,
}

impl Desk {
    async fn start() -> Desk {
        Self::with(|_| {}).await
    }

    async fn with(configure: impl FnOnce(&mut Config)) -> Desk {
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
        config.corpus = corpus.clone();
        configure(&mut config);
        let app = Arc::new(App::new(index, store, &config));
        let telegram = FakeTelegram::start().await;
        let bot = telegram.bot();
        let me = bot.get_me().await.unwrap();
        Desk { telegram, bot, me, app, corpus, _dir: dir }
    }

    /// Dispatches one update through the handler tree, as the dispatcher would.
    async fn send(&self, update: Value) {
        assert!(crate::support::dispatch(self.bot.clone(), &self.me, &self.app, &update).await, "{update}");
    }

    /// The texts Telegram accepted for `chat`, oldest first.
    fn texts_to(&self, chat: i64) -> Vec<String> {
        self.telegram
            .delivered()
            .into_iter()
            .filter(|p| p["chat_id"] == chat)
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn wait_texts_to(&self, chat: i64, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let texts = self.texts_to(chat);
            if texts.len() >= count {
                for text in &texts {
                    assert_valid_message(text);
                }
                return texts;
            }
            assert!(tokio::time::Instant::now() < deadline, "{count} messages to {chat}; got {texts:#?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until `condition` holds of the index.
    async fn wait_index(&self, what: &str, condition: impl Fn(&NewsIndex) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !condition(&self.app.index) {
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The channel's folder in the corpus.
    fn folder(&self, username: &str) -> PathBuf {
        self.corpus.join("telegram").join(own_id(fake::channel_chat_id(username)).to_string())
    }
}

/// The article id of post `message_id` of `@username`.
fn article_id(username: &str, message_id: i32) -> String {
    format!("telegram/{}/{message_id}", own_id(fake::channel_chat_id(username)))
}

/// A `channel_post` of `@newsroom` with its message id.
fn post(message_id: i32, text: &str) -> Value {
    let mut update = fake::channel_post(CHANNEL, text);
    update["channel_post"]["message_id"] = json!(message_id);
    update
}

fn with_id(mut update: Value, message_id: i32) -> Value {
    update["channel_post"]["message_id"] = json!(message_id);
    update
}

/// Every article line of the channel's folder, by file.
fn archived_lines(folder: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect(),
        Err(_) => return Vec::new(),
    };
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn an_archived_channels_posts_are_answered_with_their_links_and_edits_off_and_purge_work() {
    let desk = Desk::start().await;
    let channel = fake::channel_chat_id(CHANNEL);
    // The real dispatcher, long polling: the fake delivers only the update kinds it
    // asks for, so edits arrive only if `edited_channel_post` is asked for.
    let mut dispatcher = bot::dispatcher(desk.bot.clone(), Arc::clone(&desk.app));
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    // Posts before archiving is on are the channel's own business.
    desk.telegram.push_update(post(9, "An earlier post about the Lviv tram depot."));
    desk.telegram.push_update(post(1, "/archive on"));
    let replies = desk.wait_texts_to(channel, 1).await;
    assert!(replies[0].starts_with("Archiving @newsroom: from now on its posts"), "{}", replies[0]);
    assert!(desk.app.store.archiving(channel).unwrap());

    desk.telegram.push_update(post(10, TRAM));
    desk.telegram.push_update(with_id(fake::channel_photo(CHANNEL, None), 11));
    desk.telegram.push_update(post(13, "/start@some_other_bot"));
    desk.telegram.push_update(with_id(fake::channel_photo(CHANNEL, Some(CAPTION)), 12));
    // A channel's updates are handled in order: once 12 is in the index, so is the rest.
    desk.wait_index("post 12", |index| index.article(&article_id(CHANNEL, 12)).unwrap().is_some()).await;
    let lines = archived_lines(&desk.folder(CHANNEL));
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [article_id(CHANNEL, 10), article_id(CHANNEL, 12)],
        "no photo without caption, no command, nothing from before"
    );
    assert_eq!(lines[0]["title"], "Lviv approves a tram line to Sykhiv");
    assert_eq!(lines[0]["source"], CHANNEL);
    assert_eq!(lines[0]["url"], "https://t.me/newsroom/10");
    assert_eq!(lines[1]["text"], CAPTION);

    // A reader asks in a private chat: the answer quotes the post and links it.
    desk.telegram.push_update(fake::private_text(READER, "Which tram line did the Lviv council approve?"));
    let answers = desk.wait_texts_to(READER as i64, 1).await;
    assert!(
        answers[0].contains("<b>approved</b> a new <b>tram</b> <b>line</b> to Sykhiv on Tuesday."),
        "{}",
        answers[0]
    );
    assert!(
        answers[0].contains(
            "<a href=\"https://t.me/newsroom/10\">Lviv approves a tram line to Sykhiv</a> · newsroom"
        ),
        "{}",
        answers[0]
    );
    desk.telegram.push_update(fake::private_text(READER, "Where did the bakery museum of bread open?"));
    let answers = desk.wait_texts_to(READER as i64, 2).await;
    assert!(answers[1].contains("href=\"https://t.me/newsroom/12\""), "{}", answers[1]);

    // An edit replaces the post's text, in place.
    desk.telegram.push_update(fake::edited_channel_post(CHANNEL, 10, TROLLEYBUS));
    let edited = article_id(CHANNEL, 10);
    desk.wait_index("the edit", |index| {
        index.article(&edited).unwrap().is_some_and(|(_, passages)| passages.join(" ").contains("trolleybus"))
    })
    .await;
    let lines = archived_lines(&desk.folder(CHANNEL));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], edited.as_str());
    assert_eq!(lines[0]["title"], "Lviv approves a trolleybus line to Sykhiv");
    desk.telegram.push_update(fake::private_text(READER, "trolleybus to Sykhiv"));
    let answers = desk.wait_texts_to(READER as i64, 3).await;
    assert!(answers[2].contains("href=\"https://t.me/newsroom/10\""), "{}", answers[2]);
    assert!(!answers[2].contains(" tram "), "the old text is gone: {}", answers[2]);

    // The posts are in digests like any article, linked.
    desk.telegram.push_update(fake::private_text(READER, "/digest"));
    let answers = desk.wait_texts_to(READER as i64, 4).await;
    assert!(answers[3].contains("<a href=\"https://t.me/newsroom/10\">"), "{}", answers[3]);

    desk.telegram.push_update(post(2, "/archive"));
    let replies = desk.wait_texts_to(channel, 2).await;
    assert_eq!(replies[1], "@newsroom is archived: 2 posts kept so far. /archive off stops it.");

    // Off: new posts are no longer archived; those kept stay answerable.
    desk.telegram.push_update(post(3, "/archive off"));
    desk.telegram.push_update(post(14, GIRAFFE));
    desk.telegram.push_update(post(4, "/archive"));
    let replies = desk.wait_texts_to(channel, 4).await;
    assert_eq!(
        replies[2],
        "Stopped archiving @newsroom. The posts kept so far (2) stay in the archive; /archive purge deletes them."
    );
    assert_eq!(replies[3], "@newsroom is not archived (2 posts kept). /archive on starts it.");
    assert_eq!(archived_lines(&desk.folder(CHANNEL)).len(), 2);
    desk.telegram.push_update(fake::private_text(READER, "baby giraffe Sonia"));
    let answers = desk.wait_texts_to(READER as i64, 5).await;
    assert!(answers[4].starts_with("I found nothing"), "{}", answers[4]);
    desk.telegram.push_update(fake::private_text(READER, "trolleybus to Sykhiv"));
    let answers = desk.wait_texts_to(READER as i64, 6).await;
    assert!(answers[5].contains("https://t.me/newsroom/10"), "{}", answers[5]);

    // Purge: the kept posts are deleted, and no longer answered.
    desk.telegram.push_update(post(5, "/archive purge"));
    let replies = desk.wait_texts_to(channel, 5).await;
    assert_eq!(replies[4], "Stopped archiving @newsroom and deleted its archived posts (2).");
    assert!(!desk.folder(CHANNEL).exists());
    desk.wait_index("the purge", |index| index.article(&edited).unwrap().is_none()).await;
    desk.telegram.push_update(fake::private_text(READER, "trolleybus to Sykhiv"));
    let answers = desk.wait_texts_to(READER as i64, 7).await;
    assert!(answers[6].starts_with("I found nothing"), "{}", answers[6]);

    crate::support::shut_down(token, WAIT).await;
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
    assert!(desk.telegram.withheld_updates().is_empty(), "{:?}", desk.telegram.withheld_updates());
}

#[tokio::test]
async fn only_a_channels_admins_turn_archiving_on_from_a_private_chat() {
    let desk = Desk::start().await;
    let channel = fake::channel_chat_id(CHANNEL);

    // Not an admin of the channel: refused, nothing stored.
    desk.telegram.set_member_status_of(MEMBER, "member");
    desk.send(fake::private_text(MEMBER, "/archive @newsroom on")).await;
    assert_eq!(desk.texts_to(MEMBER as i64), ["Only admins of that channel can change its archiving."]);
    assert!(!desk.app.store.archiving(channel).unwrap());
    // The bot is not an admin there: it would never see the posts.
    desk.telegram.set_member_status_of(fake::BOT_ID, "member");
    desk.send(fake::private_text(ADMIN, "/archive @newsroom on")).await;
    let texts = desk.texts_to(ADMIN as i64);
    assert!(texts[0].starts_with("Make me an admin of that channel first"), "{}", texts[0]);
    assert!(!desk.app.store.archiving(channel).unwrap());
    // Both admins: on.
    desk.telegram.set_member_status_of(fake::BOT_ID, "administrator");
    desk.send(fake::private_text(ADMIN, "/archive @newsroom on")).await;
    let texts = desk.texts_to(ADMIN as i64);
    assert!(
        texts[1].starts_with("Archiving @newsroom:")
            && texts[1].ends_with("/archive @newsroom off stops it."),
        "{}",
        texts[1]
    );
    assert!(desk.app.store.archiving(channel).unwrap());

    desk.send(post(20, GIRAFFE)).await;
    desk.send(fake::private_text(READER, "baby giraffe Sonia")).await;
    let answer = &desk.texts_to(READER as i64)[0];
    assert!(answer.contains("href=\"https://t.me/newsroom/20\""), "{answer}");

    // A member cannot turn it off either; an admin can.
    desk.send(fake::private_text(MEMBER, "/archive @newsroom off")).await;
    assert!(desk.app.store.archiving(channel).unwrap());
    desk.send(fake::private_text(ADMIN, "/archive @newsroom")).await;
    assert_eq!(
        desk.texts_to(ADMIN as i64)[2],
        "@newsroom is archived: 1 posts kept so far. /archive @newsroom off stops it."
    );
    desk.send(fake::private_text(ADMIN, "/archive @newsroom off")).await;
    assert!(!desk.app.store.archiving(channel).unwrap());

    // In a group, or without a channel, it says how it works.
    desk.send(fake::group_text(-100_500, ADMIN, "/archive on")).await;
    desk.send(fake::private_text(ADMIN, "/archive on")).await;
    desk.send(fake::private_text(ADMIN, "/archive @newsroom sometimes")).await;
    let texts = desk.texts_to(ADMIN as i64);
    assert!(texts[4..].iter().all(|t| t.starts_with("/archive on, posted in a channel")), "{texts:#?}");
    assert!(desk.texts_to(-100_500)[0].starts_with("/archive on, posted in a channel"));
}

#[tokio::test]
async fn a_channel_off_the_allowlist_cannot_be_archived() {
    let desk = Desk::with(|c| c.allowed_chats = vec![-100]).await;
    let channel = fake::channel_chat_id(CHANNEL);
    desk.send(post(1, "/archive on")).await;
    desk.telegram.set_member_status_of(ADMIN, "administrator");
    desk.send(fake::private_text(ADMIN, "/archive @newsroom on")).await;
    assert_eq!(desk.texts_to(channel), ["Sorry, this bot is private and does not answer here."]);
    assert_eq!(desk.texts_to(ADMIN as i64), ["Sorry, this bot is private and does not answer here."]);
    assert!(!desk.app.store.archiving(channel).unwrap());
    desk.send(post(2, GIRAFFE)).await;
    assert!(!desk.corpus.join("telegram").exists());
}

#[tokio::test]
async fn a_private_channels_posts_link_to_their_t_me_c_address() {
    let desk = Desk::start().await;
    let private = |text: &str, message_id: i32| {
        let mut update = fake::channel_post("hidden", text);
        update["channel_post"]["message_id"] = json!(message_id);
        for chat in ["chat", "sender_chat"] {
            update["channel_post"][chat].as_object_mut().unwrap().remove("username");
            update["channel_post"][chat]["title"] = json!("Hidden Desk");
        }
        update
    };
    desk.send(private("/archive on", 1)).await;
    let channel = fake::channel_chat_id("hidden");
    assert!(
        desk.texts_to(channel)[0].starts_with("Archiving “Hidden Desk”:"),
        "{:?}",
        desk.texts_to(channel)
    );
    desk.send(private(GIRAFFE, 7)).await;
    desk.send(fake::private_text(READER, "baby giraffe Sonia")).await;
    let answer = &desk.texts_to(READER as i64)[0];
    let link = format!("href=\"https://t.me/c/{}/7\"", own_id(channel));
    assert!(answer.contains(&link) && answer.contains("· Hidden Desk"), "{answer}");
}

#[tokio::test]
async fn archiving_into_a_corpus_that_cannot_be_written_is_refused() {
    let desk = Desk::start().await;
    // A file where the channels' folder would be.
    std::fs::write(desk.corpus.join("telegram"), "in the way").unwrap();
    desk.send(post(1, "/archive on")).await;
    let channel = fake::channel_chat_id(CHANNEL);
    assert!(
        desk.texts_to(channel)[0].starts_with("I can't write to the archive folder"),
        "{:?}",
        desk.texts_to(channel)
    );
    assert!(!desk.app.store.archiving(channel).unwrap());
}

fn fixture_export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telegram-export/result.json")
}

fn newsdesk(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .arg("--corpus")
        .arg(dir.join("corpus"))
        .arg("--index")
        .arg(dir.join("index"))
        .env("NEWSDESK_DATA", dir.join("data"))
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_imported_export_is_answered_with_links_to_its_posts_and_importing_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let export = fixture_export();
    let export = export.to_str().unwrap();

    let first = newsdesk(&["import", "telegram", export, "--username", "lvivnews"], dir.path());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("imported “Lviv City News” into telegram/1234567890: 4 new posts, 0 changed, 0 already there; 3 skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("indexed 4 articles"), "{stderr}");
    let folder = dir.path().join("corpus/telegram/1234567890");
    let january = folder.join("2024-01.jsonl");
    assert_eq!(archived_lines(&folder).len(), 4);
    assert_eq!(
        std::fs::read_to_string(&january).unwrap().lines().count(),
        2,
        "the night library and the tram"
    );
    let modified = std::fs::metadata(&january).unwrap().modified().unwrap();

    // Again: nothing new, nothing written.
    let again = newsdesk(&["import", "telegram", export], dir.path());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("0 new posts, 0 changed, 4 already there"), "{stderr}");
    assert_eq!(std::fs::metadata(&january).unwrap().modified().unwrap(), modified);

    // `ask` answers from it, citing the post.
    let ask = newsdesk(&["ask", "--json", "Until when is the night library open on weekends?"], dir.path());
    let answer: Value = serde_json::from_slice(&ask.stdout).unwrap();
    assert_eq!(answer["answered"], true, "{answer}");
    assert_eq!(answer["results"][0]["url"], "https://t.me/lvivnews/2");
    assert_eq!(answer["results"][0]["title"], "Lviv opens a night library");
    assert_eq!(answer["results"][0]["source"], "Lviv City News");
    assert_eq!(answer["results"][0]["date"], "2024-01-12");

    // And so does the bot, in a private chat.
    let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.corpus = dir.path().join("corpus");
    let app = Arc::new(App::new(index, Store::in_memory().unwrap(), &config));
    let telegram = FakeTelegram::start().await;
    let bot = telegram.bot();
    let me = bot.get_me().await.unwrap();
    let question = fake::private_text(READER, "How much is this year's budget for bike lanes?");
    assert!(crate::support::dispatch(bot.clone(), &me, &app, &question).await);
    let answer = telegram.sent_texts().pop().unwrap();
    assert!(answer.contains("48 million hryvnias"), "{answer}");
    assert!(answer.contains("<a href=\"https://t.me/lvivnews/5\">"), "{answer}");
    let question = fake::private_text(READER, "Скільки дерев висадять у Львові?");
    assert!(crate::support::dispatch(bot, &me, &app, &question).await);
    let answer = telegram.sent_texts().pop().unwrap();
    assert!(answer.contains("<a href=\"https://t.me/lvivnews/6\">"), "{answer}");
}

#[test]
fn an_export_of_a_group_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let group = dir.path().join("result.json");
    std::fs::write(&group, r#"{"name": "Friends", "type": "private_group", "id": 5, "messages": []}"#)
        .unwrap();
    let output = newsdesk(&["import", "telegram", group.to_str().unwrap()], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("it is the history of a private_group, and only channels are imported"),
        "{stderr}"
    );
    assert!(!dir.path().join("corpus/telegram").exists());
}
