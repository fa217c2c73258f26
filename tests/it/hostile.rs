//! Hostile and odd input: what a bot in a public group and an archive of scraped
//! files meet. Everything is handled with a clear answer or a clear skip, nothing
//! outside the corpus is read, and nothing panics.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use teloxide::prelude::*;

use newsdesk::bot::App;
use newsdesk::config::Config;
use newsdesk::index::NewsIndex;
use newsdesk::ingest;
use newsdesk::store::Store;

use crate::support::fake_telegram::{self as fake, FakeTelegram};
use crate::support::telegram_html::assert_valid_message;
use crate::support::{button_data, seed_index};

struct Bot {
    telegram: FakeTelegram,
    app: Arc<App>,
    me: teloxide::types::Me,
}

impl Bot {
    async fn on(index: NewsIndex, configure: impl FnOnce(&mut Config)) -> Bot {
        let telegram = FakeTelegram::start().await;
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.rate_limit_per_minute = 1000;
        configure(&mut config);
        let app = Arc::new(App::new(index, Store::in_memory().unwrap(), &config));
        let me = telegram.bot().get_me().await.unwrap();
        Bot { telegram, app, me }
    }

    /// Sends `update` and returns the texts of the messages the bot sent for it.
    async fn ask(&self, update: Value) -> Vec<String> {
        let before = self.telegram.delivered().len();
        let handled = crate::support::dispatch(self.telegram.bot(), &self.me, &self.app, &update).await;
        assert!(handled, "{update}");
        self.telegram.delivered()[before..].iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect()
    }
}

fn max_message(text: &str) -> String {
    // Telegram's limit is 4096 UTF-16 units; fill it with the given characters.
    let mut out = String::new();
    for c in text.chars().cycle() {
        if out.encode_utf16().count() + c.len_utf16() > 4096 {
            break;
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn unreadable_text_gets_a_polite_answer_in_valid_html() {
    let bot = Bot::on(seed_index().clone(), |_| {}).await;
    let cases = [
        max_message("a\u{0301}\u{0302}\u{0303}\u{0304}"), // combining marks
        max_message("\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}"), // zero-width
        max_message("\u{202E}NATO\u{202C}\u{200F}مرحبا"), // RTL overrides, Arabic
        max_message("👩\u{200D}👩\u{200D}👧🇺🇦"),          // emoji sequences
        "<b>NATO</b> <script>alert(1)</script> **Rutte** [x](javascript:alert(1)) &amp; &#0;".to_owned(),
        "\u{0}\u{1}\u{7f} Stoltenberg".to_owned(),
    ];
    for question in cases {
        let replies = bot.ask(fake::private_text(42, &question)).await;
        assert_eq!(replies.len(), 1, "one reply to {:?}", question.chars().take(20).collect::<String>());
        assert_valid_message(&replies[0]);
        assert!(!replies[0].contains("<script"), "{}", replies[0]);
    }
}

/// An index of `dir`, holding a one-line `feed.jsonl` with `line` in it.
fn index_of_feed(dir: &Path, line: &str) -> NewsIndex {
    std::fs::write(dir.join("feed.jsonl"), format!("{line}\n")).unwrap();
    let index = NewsIndex::open_or_create(&dir.join("index")).unwrap();
    index.sync(dir, &mut |_, _| {}).unwrap();
    index
}

#[tokio::test]
async fn markup_in_articles_is_quoted_never_interpreted() {
    let dir = tempfile::tempdir().unwrap();
    let feed = r#"{"id": "inject", "title": "<b>Breaking</b> </blockquote><a href=\"javascript:x\">", "source": "</i>Evil & Co", "text": "The ministry said <script>alert(1)</script> that **drones** [hit](http://x) the depot & the bridge at 0400."}"#;
    let bot = Bot::on(index_of_feed(dir.path(), feed), |_| {}).await;
    let replies =
        bot.ask(fake::private_text(42, "What did the ministry say about drones and the depot?")).await;
    assert_valid_message(&replies[0]);
    assert!(replies[0].contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", replies[0]);
    assert!(replies[0].contains("&lt;b&gt;Breaking&lt;/b&gt;"), "{}", replies[0]);
    assert!(!replies[0].contains("<a href=\"javascript"), "a title is never a link target: {}", replies[0]);
}

#[tokio::test]
async fn path_like_ids_name_articles_and_never_files() {
    let dir = tempfile::tempdir().unwrap();
    let feed = r#"{"id": "../../etc/passwd", "title": "Odd id", "text": "An article about NATO air defence with an odd id."}"#;
    let bot = Bot::on(index_of_feed(dir.path(), feed), |_| {}).await;
    let replies = bot.ask(fake::private_text(42, "/article ../../etc/passwd")).await;
    assert!(replies[0].contains("An article about NATO air defence"), "{replies:?}");
    assert!(!replies.iter().any(|r| r.contains("root:")), "{replies:?}");
    let replies = bot.ask(fake::private_text(42, "/article ../../../../etc/hostname")).await;
    assert_eq!(replies, ["There is no article with that id in the archive."]);
    let replies = bot.ask(fake::private_text(42, "/article /etc/passwd")).await;
    assert_eq!(replies, ["There is no article with that id in the archive."]);
}

#[test]
fn an_oversized_article_and_ten_thousand_empty_files_are_skipped_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    // 50 MB of text in one "article".
    let sentence = "The quick reporter filed a very long story about nothing at all. ";
    let big = sentence.repeat(50 * 1024 * 1024 / sentence.len() + 1);
    std::fs::write(corpus.join("huge.txt"), big).unwrap();
    for n in 0..10_000 {
        std::fs::write(corpus.join(format!("empty-{n:05}.txt")), "").unwrap();
    }
    std::fs::write(corpus.join("real.txt"), "Real article\n\nNATO ministers met in Brussels on Thursday.\n")
        .unwrap();
    // A link out of the corpus is not followed.
    std::os::unix::fs::symlink("/etc/passwd", corpus.join("passwd.txt")).unwrap();

    let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    assert_eq!(report.articles, 1, "only the real article");
    assert_eq!(report.skipped.len(), 10_001, "every empty file and the huge one, by name");
    let huge = report.skipped.iter().find(|s| s.path.ends_with("huge.txt")).unwrap();
    assert!(huge.reason.contains("larger than 8 MiB"), "{}", huge.reason);
    assert!(report.skipped.iter().all(|s| !s.path.ends_with("passwd.txt")), "the link is not even looked at");
    assert!(ingest::article_files(&corpus).unwrap().iter().all(|p| !p.ends_with("passwd.txt")));
    let answer = index.ask("NATO ministers in Brussels", Default::default()).unwrap();
    assert_eq!(answer.hits[0].article_id, "real");
}

#[test]
fn arbitrary_bytes_in_article_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let samples: [&[u8]; 6] = [
        b"\xff\xfe\x00\x01binary",
        b"\xef\xbb\xbf date 2026-13-45\n\n\n",
        b"{\"id\": {\"nested\": true}, \"text\": 5}\n{\"id\": \"\", \"text\": \"x\"}\n{broken",
        "\u{202E}\u{200B}\n\n\u{0301}".as_bytes(),
        b" date \n Captcha\n 12 views\n",
        b"\r\n\r\n\r\n",
    ];
    for (n, bytes) in samples.iter().enumerate() {
        for ext in ["txt", "jsonl"] {
            let path = dir.path().join(format!("sample-{n}.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            let contents = ingest::read_file(&path);
            for article in &contents.articles {
                assert!(!article.id.is_empty() && !article.title.is_empty(), "{article:?}");
            }
            assert!(
                !contents.articles.is_empty() || !contents.skipped.is_empty(),
                "{path:?} is accounted for"
            );
        }
    }
}

#[tokio::test]
async fn off_the_allowlist_no_command_reaches_the_archive() {
    let bot = Bot::on(seed_index().clone(), |c| c.allowed_chats = vec![-100]).await;
    for command in
        ["/digest", "/subscribe 08:00", "/sources", "/latest", "/ask NATO", "/article 000_e3a8ee8d0e082d69"]
    {
        let replies = bot.ask(fake::group_text(-200, 42, command)).await;
        assert_eq!(replies, ["Sorry, this bot is private and does not answer here."], "{command}");
    }
    assert!(bot.app.store.subscriptions_of_chat(-200).unwrap().is_empty());
    let inline = bot.telegram.count("answerInlineQuery");
    crate::support::dispatch(bot.telegram.bot(), &bot.me, &bot.app, &fake::inline_query(42, "NATO")).await;
    let answered = bot.telegram.calls_to("answerInlineQuery");
    assert_eq!(answered.len(), inline + 1);
    assert_eq!(answered.last().unwrap().params["results"], Value::Array(vec![]));
}

#[test]
fn the_seed_corpus_is_untouched_by_indexing() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let before: Vec<(std::path::PathBuf, u64)> = ingest::article_files(&seeds)
        .unwrap()
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).unwrap().len();
            (p, len)
        })
        .collect();
    let _ = seed_index();
    for (path, len) in before {
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "{path:?}");
    }
}

/// The key in callback data such as `m:<key>` or `a:<key>:0`.
fn answer_key(data: &str) -> &str {
    data.split(':').nth(1).unwrap()
}

/// The text of each `answerCallbackQuery` call so far ("" when it had none).
fn callback_answers(bot: &Bot) -> Vec<String> {
    bot.telegram
        .calls_to("answerCallbackQuery")
        .iter()
        .map(|c| c.params["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

// Point 2: answer keys are unguessable and bound to the chat and message the answer
// was sent as; another user's forged button data reads nothing and records nothing.
#[tokio::test]
async fn forged_button_data_never_reaches_another_users_answer() {
    const EXPIRED: &str = "This answer has expired. Please ask again.";
    let (alice, bob) = (42_u64, 43_u64);
    let bot = Bot::on(seed_index().clone(), |_| {}).await;
    bot.ask(fake::private_text(alice, "NATO membership for Ukraine")).await;
    bot.ask(fake::private_text(alice, "Kellogg plan")).await;
    let delivered = bot.telegram.delivered();
    let ids = bot.telegram.delivered_ids();
    let (first, second) = (button_data(&delivered[0]), button_data(&delivered[1]));
    let more = first.iter().find(|d| d.starts_with("m:")).unwrap().clone();
    let key = answer_key(&more).to_owned();
    // Not a counter: room for 64 bits (13 base-36 digits); callback data within 64 bytes.
    assert!(key.len() >= 13 && key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    assert_ne!(key, answer_key(&second[0]));
    assert!(first.iter().chain(&second).all(|d| d.len() <= 64));

    // Bob presses Alice's buttons on a message of his own chat, and on one in hers.
    let forged = [format!("m:{key}"), format!("a:{key}:0"), format!("f:{key}:-")];
    for data in &forged {
        assert!(bot.ask(fake::callback_query(bob, bob as i64, ids[0], data)).await.is_empty());
        assert!(bot.ask(fake::callback_query(bob, alice as i64, ids[0], data)).await.is_empty());
    }
    // Alice's own key pressed under her other answer belongs to another message.
    assert!(bot.ask(fake::callback_query(alice, alice as i64, ids[1], &more)).await.is_empty());
    assert!(bot.telegram.calls_to("editMessageText").is_empty(), "no page was edited in");
    assert_eq!(bot.app.store.feedback_counts().unwrap(), (0, 0), "no vote was recorded");
    assert_eq!(callback_answers(&bot), vec![EXPIRED; 7]);

    // Under the message it was sent as, the key works.
    bot.ask(fake::callback_query(alice, alice as i64, ids[0], &more)).await;
    let edits = bot.telegram.calls_to("editMessageText");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].params["chat_id"], alice);
    assert_eq!(edits[0].params["message_id"], ids[0]);
}

/// `update` as sent by one of the group's anonymous admins (Telegram shows them as
/// GroupAnonymousBot, with the group itself as the sender chat).
fn from_anonymous_admin(mut update: Value) -> Value {
    let message = &mut update["message"];
    message["sender_chat"] = message["chat"].clone();
    message["from"] = serde_json::json!({
        "id": 1_087_968_824_u64, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"
    });
    update
}

// Point 6: channel posts are limited per channel, anonymous admins per group; one
// group's anonymous admins never use up another's.
#[tokio::test]
async fn channel_posts_and_anonymous_admins_are_rate_limited_per_chat() {
    const SLOW_DOWN: &str = "That's a lot of questions at once. Please wait a minute and ask again.";
    let bot = Bot::on(seed_index().clone(), |c| c.rate_limit_per_minute = 2).await;
    let answered = |replies: &[String]| replies.len() == 1 && replies[0].contains("<blockquote");

    for _ in 0..2 {
        assert!(answered(&bot.ask(fake::channel_post("newsroom", "/ask Stoltenberg")).await));
    }
    assert_eq!(bot.ask(fake::channel_post("newsroom", "/ask Stoltenberg")).await, [SLOW_DOWN]);
    assert!(answered(&bot.ask(fake::channel_post("other_channel", "/ask Stoltenberg")).await));

    for _ in 0..2 {
        let replies = bot.ask(from_anonymous_admin(fake::group_text(-100, 7, "/ask Stoltenberg"))).await;
        assert!(answered(&replies), "{replies:?}");
    }
    let replies = bot.ask(from_anonymous_admin(fake::group_text(-100, 7, "/ask Stoltenberg"))).await;
    assert_eq!(replies, [SLOW_DOWN]);
    let replies = bot.ask(from_anonymous_admin(fake::group_text(-200, 7, "/ask Stoltenberg"))).await;
    assert!(answered(&replies), "another group's anonymous admins are not limited: {replies:?}");
    let replies = bot.ask(fake::group_text(-100, 7, "/ask Stoltenberg")).await;
    assert!(answered(&replies), "members are limited on their own: {replies:?}");
}

// Point 7: `/article` and the 📄 button send at most a few messages of a long article,
// then a line with its link; a huge article never queues thousands of sends.
#[tokio::test]
async fn a_huge_article_is_cut_after_a_few_messages() {
    let dir = tempfile::tempdir().unwrap();
    // About 250 KB in 150 distinct paragraphs: some 60 messages whole.
    let text = (0..150)
        .map(|n| {
            format!("Paragraph {n}: the harbour authority reported on grain shipments and tugboats. ")
                .repeat(20)
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let feed = serde_json::json!({
        "id": "big", "title": "Harbour report", "url": "https://example.com/harbour-report", "text": text,
    });
    let bot = Bot::on(index_of_feed(dir.path(), &feed.to_string()), |_| {}).await;
    let replies = bot.ask(fake::private_text(42, "/article big")).await;
    assert_eq!(replies.len(), 4, "three messages of the article and a note");
    assert!(replies[0].starts_with("<b>Harbour report</b>"), "{}", replies[0]);
    assert!(replies[1..3].iter().all(|r| r.starts_with("Paragraph ")), "{replies:?}");
    let last = &replies[3];
    assert!(
        last.contains("the rest is cut") && last.contains("https://example.com/harbour-report"),
        "{last}"
    );
    for reply in &replies {
        assert_valid_message(reply);
    }

    bot.ask(fake::private_text(42, "harbour authority grain shipments tugboats")).await;
    let answer = bot.telegram.delivered().len() - 1;
    let article = button_data(&bot.telegram.delivered()[answer])[0].clone();
    let message = bot.telegram.delivered_ids()[answer];
    let replies = bot.ask(fake::callback_query(42, 42, message, &article)).await;
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert!(replies[3].contains("the rest is cut"), "{}", replies[3]);
}

// Point 9: off the allowlist, settings are not written and buttons are refused as
// commands are; each user has one vote per answer, the latest.
#[tokio::test]
async fn settings_and_feedback_are_refused_off_the_allowlist_and_votes_are_capped() {
    const NOT_ALLOWED: &str = "Sorry, this bot is private and does not answer here.";
    let bot = Bot::on(seed_index().clone(), |c| c.allowed_users = vec![42]).await;
    for command in ["/language uk", "/results 1", "/timezone Europe/London"] {
        let replies = bot.ask(fake::group_text(-200, 43, command)).await;
        assert_eq!(replies, [NOT_ALLOWED], "{command}");
    }
    assert_eq!(bot.app.store.settings(-200).unwrap(), Default::default());

    // An allowed user's answer in a group; a member off the list presses its buttons.
    bot.ask(fake::group_text(-200, 42, "/ask Kellogg plan")).await;
    let answer = bot.telegram.delivered().len() - 1;
    let data = button_data(&bot.telegram.delivered()[answer]);
    let message = bot.telegram.delivered_ids()[answer];
    let up = data.iter().find(|d| d.ends_with(":+")).unwrap();
    let down = data.iter().find(|d| d.ends_with(":-")).unwrap();
    bot.ask(fake::callback_query(43, -200, message, up)).await;
    assert_eq!(callback_answers(&bot), [NOT_ALLOWED]);
    assert_eq!(bot.app.store.feedback_counts().unwrap(), (0, 0));

    // The allowed user votes again and again: one vote, the latest, counts.
    for vote in [up, up, up, down] {
        bot.ask(fake::callback_query(42, -200, message, vote)).await;
    }
    assert_eq!(bot.app.store.feedback_counts().unwrap(), (0, 1));
}

/// The passages of article `id`, which must be in `index`.
fn passages_of(index: &NewsIndex, id: &str) -> Vec<String> {
    index.article(id).unwrap().unwrap_or_else(|| panic!("article {id:?} is indexed")).1
}

// Point 1 (quadratic excerpt work): a megabyte of one unpunctuated line is cut into
// bounded passages at word boundaries, so the excerpt of any passage is as short as
// usual and its work bounded.
#[test]
fn a_long_unpunctuated_article_gets_bounded_passages_and_a_normal_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let words = 1024 * 1024 / "buffalo ".len();
    std::fs::write(corpus.join("buffalo.txt"), "buffalo ".repeat(words)).unwrap();
    let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    index.sync(&corpus, &mut |_, _| {}).unwrap();

    let passages = passages_of(&index, "buffalo");
    assert!(passages.len() > 100, "{} passages", passages.len());
    for passage in &passages {
        assert!(passage.chars().count() <= 1500, "a passage of {} characters", passage.chars().count());
        assert!(passage.split(' ').all(|word| word == "buffalo"), "cut at word boundaries");
    }
    let kept: usize = passages.iter().map(|p| p.split_whitespace().count()).sum();
    assert_eq!(kept, words, "every word is kept");

    let answer = index.ask("buffalo", Default::default()).unwrap();
    let excerpt = &answer.hits[0].excerpt;
    let chars = excerpt.text.chars().count();
    assert!(chars <= newsdesk::answer::excerpt::EXCERPT_MAX_CHARS + 2, "an excerpt of {chars} characters");
    assert!(!excerpt.highlights.is_empty());
}

// Point 1 (quadratic excerpt work): a question whose search outlasts its time budget
// is answered with the fixed "unavailable" sentence instead of keeping the reader
// waiting; the search may finish in the background.
#[tokio::test]
async fn a_search_over_its_time_budget_is_answered_politely() {
    let telegram = FakeTelegram::start().await;
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.rate_limit_per_minute = 1000;
    let mut app = App::new(seed_index().clone(), Store::in_memory().unwrap(), &config);
    app.search_budget = std::time::Duration::ZERO;
    let me = telegram.bot().get_me().await.unwrap();
    let bot = Bot { telegram, app: Arc::new(app), me };
    let replies =
        bot.ask(fake::private_text(42, "How much security aid has the US provided to Ukraine?")).await;
    assert_eq!(replies, ["Search is unavailable right now. Please try again later."]);
    let inline = bot.telegram.count("answerInlineQuery");
    crate::support::dispatch(bot.telegram.bot(), &bot.me, &bot.app, &fake::inline_query(42, "NATO")).await;
    let answered = bot.telegram.calls_to("answerInlineQuery");
    assert_eq!(answered.len(), inline + 1, "an inline query is still answered, with nothing");
    assert_eq!(answered.last().unwrap().params["results"], Value::Array(vec![]));
}

/// The first seed article's file name, id and title.
const SEED: (&str, &str, &str) = (
    "000_e3a8ee8d0e082d69.txt",
    "000_e3a8ee8d0e082d69",
    "NATO Secretary General Mark Rutte visited Kyiv on 3 February and addressed Ukraine’s…",
);

fn seed_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(SEED.0)).unwrap()
}

// Point 8 (duplicate article ids merge): a feed line reusing a raw file's id is
// skipped by name and line, never spliced into the real article; the same file name
// in two subfolders gives two articles.
#[tokio::test]
async fn a_duplicate_id_is_skipped_by_name_and_never_merged() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("a")).unwrap();
    std::fs::create_dir_all(corpus.join("b")).unwrap();
    std::fs::write(corpus.join(SEED.0), seed_text()).unwrap();
    let spoof = format!(
        r#"{{"id": "{}", "title": "SPOOFED TITLE", "source": "Suspilne", "text": "Spoofed paragraph about pelicans."}}"#,
        SEED.1
    );
    let twice = r#"{"id": "twice", "title": "Twice first", "text": "The first article called twice."}
{"id": "twice", "title": "Twice second", "text": "The second article called twice, about walruses."}"#;
    std::fs::write(corpus.join("feed.jsonl"), format!("{spoof}\n{twice}\n")).unwrap();
    std::fs::write(
        corpus.join("a/x.txt"),
        "Folder a headline here\n\nThe article in folder a is about otters.\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("b/x.txt"),
        "Folder b headline here\n\nThe article in folder b is about herons.\n",
    )
    .unwrap();

    let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(skipped[0].contains("feed.jsonl:1:") && skipped[0].contains(SEED.1), "{}", skipped[0]);
    assert!(skipped[1].contains("feed.jsonl:3:") && skipped[1].contains("\"twice\""), "{}", skipped[1]);
    assert!(skipped.iter().all(|s| s.contains("duplicate id")), "{skipped:#?}");
    assert_eq!(report.articles, 4);

    let (info, passages) = index.article(SEED.1).unwrap().unwrap();
    assert_eq!(info.title, SEED.2);
    assert!(passages.iter().all(|p| !p.contains("pelicans")), "{passages:#?}");
    assert!(index.ask("pelicans", Default::default()).unwrap().hits.is_empty());
    let (info, passages) = index.article("twice").unwrap().unwrap();
    assert_eq!((info.title.as_str(), passages.len()), ("Twice first", 1));
    assert!(passages.iter().all(|p| !p.contains("walruses")));
    assert!(passages_of(&index, "a/x").concat().contains("otters"));
    assert!(passages_of(&index, "b/x").concat().contains("herons"));
    assert!(index.article("x").unwrap().is_none());

    let bot = Bot::on(index, |_| {}).await;
    let replies = bot.ask(fake::private_text(42, "/article b/x")).await;
    assert!(replies[0].contains("herons") && !replies[0].contains("otters"), "{replies:?}");
    let replies = bot.ask(fake::private_text(42, &format!("/article {}", SEED.1))).await;
    assert!(replies[0].contains("Rutte") && !replies.concat().contains("SPOOFED"), "{replies:?}");
}

// Point 8 (duplicate article ids merge): across incremental syncs the article already
// indexed keeps its id, and a duplicate skipped earlier takes the id once it is free.
#[test]
fn a_duplicate_id_stays_skipped_until_the_id_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let line =
        |title: &str, text: &str| format!(r#"{{"id": "shared", "title": "{title}", "text": "{text}"}}"#);
    std::fs::write(corpus.join("m.jsonl"), line("Middle", "The middle feed tells of lynxes.") + "\n")
        .unwrap();
    let index = NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    index.sync(&corpus, &mut |_, _| {}).unwrap();

    // A later file that sorts first does not take an id already indexed.
    std::fs::write(corpus.join("a.jsonl"), line("Early", "The early feed tells of badgers.") + "\n").unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(report.skipped[0].path.ends_with("a.jsonl") && report.skipped[0].line == Some(1));
    assert_eq!(index.article("shared").unwrap().unwrap().0.title, "Middle");

    // Unrelated changes keep it so.
    std::fs::write(corpus.join("z.jsonl"), line("Late", "The late feed tells of moles.") + "\n").unwrap();
    index.sync(&corpus, &mut |_, _| {}).unwrap();
    assert_eq!(index.article("shared").unwrap().unwrap().0.title, "Middle");
    assert_eq!(passages_of(&index, "shared").len(), 1);

    // The holder goes: the first remaining file in path order takes the id.
    std::fs::remove_file(corpus.join("m.jsonl")).unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    assert_eq!(index.article("shared").unwrap().unwrap().0.title, "Early");
    assert!(passages_of(&index, "shared").concat().contains("badgers"));
    assert_eq!(report.skipped.len(), 1, "the late one is skipped: {:?}", report.skipped);
    assert!(report.skipped[0].path.ends_with("z.jsonl"));
    assert_eq!(report.articles, 1);
}

// Point 9 (a file name with a newline forges a log line): names are escaped wherever
// they are reported, so one skipped file is one line.
#[test]
fn a_file_name_with_a_newline_cannot_forge_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let forged = "x.txt\n2026-01-01T00:00:00Z  INFO newsdesk: all good\u{202E}.txt";
    std::fs::write(corpus.join(forged), "").unwrap();
    std::fs::write(
        corpus.join("real.txt"),
        "Real headline for the test\n\nNATO ministers met in Brussels.\n",
    )
    .unwrap();
    let index_dir = dir.path().join("index");
    let index = NewsIndex::open_or_create(&index_dir).unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    let line = report.skipped[0].to_string();
    assert!(!line.contains('\n') && !line.contains('\u{202E}'), "{line:?}");
    assert!(line.contains(r"x.txt\n2026-01-01") && line.contains("empty"), "{line}");
    drop(index);

    // The binary's log says the same on one line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("index")
        .arg("--corpus")
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index-2"))
        .env("NEWSDESK_DATA", dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(r"x.txt\n2026-01-01"), "{stderr}");
    assert!(stderr.lines().all(|l| !l.starts_with("2026-01-01T00:00:00Z")), "{stderr}");
    assert!(!stderr.contains('\u{202E}'), "{stderr}");
}
