//! Time windows, outlets and the newest first, end to end: through the binary
//! (`ask`, `--tz`, `--now`, `--json`) and through the bot's real handler tree against
//! the fake Bot API, in chats with their own time zones.
//!
//! The seeds: 001 (UNN, 2026-02-12, English), 004 (no outlet, 2026-02-02,
//! Ukrainian), and three undated ones: 000 (Suspilne), 002 (no outlet), 003 (AFP).

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;
use teloxide::prelude::*;

use newsdesk::bot::App;
use newsdesk::config::Config;
use newsdesk::digest::ManualClock;
use newsdesk::store::Store;

use crate::cli::{json_lines, newsdesk};
use crate::support::fake_telegram::{self as fake, FakeTelegram};
use crate::support::telegram_html::assert_valid_message;
use crate::support::{button_data, seed_index};

/// 03:00 UTC on Feb 13th 2026: still the 12th in New York, already the 13th in Kyiv.
const NIGHT: &str = "2026-02-13T03:00:00Z";

fn ask_json(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["ask", "--json", "-k", "5"];
    all.extend_from_slice(args);
    let out = newsdesk(dir.path(), &all, None, &[]);
    json_lines(&out).remove(0)
}

fn ids(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["article_id"].as_str().unwrap()[..3].to_owned())
        .collect()
}

#[test]
fn ask_reads_time_words_in_the_given_zone() {
    // "today" at 03:00 UTC is the 12th in New York: the UNN article of that day.
    let answer = ask_json(&["--now", NIGHT, "--tz", "America/New_York", "What did NATO say today?"]);
    assert_eq!(answer["filters"]["since"], "2026-02-12");
    assert_eq!(answer["filters"]["until"], "2026-02-12");
    assert_eq!(answer["answered"], true, "{answer}");
    for result in answer["results"].as_array().unwrap() {
        assert_eq!(result["date"], "2026-02-12", "{answer}");
    }
    assert_eq!(answer["missed_window"], Value::Null);
    // In Kyiv it is the 13th, and the archive has nothing of that day: the answer
    // comes from any time, and says which window held nothing.
    let answer = ask_json(&["--now", NIGHT, "--tz", "Europe/Kyiv", "What did NATO say today?"]);
    assert_eq!(answer["missed_window"]["since"], "2026-02-13");
    assert_eq!(answer["missed_window"]["until"], "2026-02-13");
    assert_eq!(answer["filters"]["since"], Value::Null);
    assert_eq!(answer["answered"], true);
    // An explicit window holds, and says it matches nothing.
    let answer = ask_json(&["--now", NIGHT, "What did NATO say? on:2026-02-13"]);
    assert_eq!(answer["filters"]["since"], "2026-02-13");
    assert_eq!(answer["answered"], false);
    assert_eq!(answer["filters"]["matches_nothing"], true);
    assert_eq!(answer["results"], Value::Array(vec![]));
}

#[test]
fn time_words_are_only_words_in_an_archive_without_dates() {
    // SQuAD's paragraphs have no dates: "in 1975" and "most recent" rank as words,
    // exactly as before filters existed.
    use newsdesk::answer::AskOptions;
    use newsdesk::index::NewsIndex;
    use newsdesk::ingest::Article;
    let index = NewsIndex::in_memory().unwrap();
    let article = |id: &str, text: &str| Article {
        id: id.into(),
        title: id.into(),
        source: Some("Wikipedia".into()),
        date: None,
        url: None,
        lang: "en".into(),
        paragraphs: vec![text.into()],
    };
    index
        .add_articles(&[
            article("a", "In 1975 the most recent treaty on the river was signed in Geneva by both states."),
            article("b", "The river treaty was renegotiated, and both states signed it again in Vienna."),
        ])
        .unwrap();
    let now: jiff::Zoned = "2026-02-11T10:00:00+02:00[Europe/Kyiv]".parse().unwrap();
    let options = AskOptions { k: 2, keep_weak: true, ..AskOptions::default() };
    for question in ["Where was the river treaty signed in 1975?", "What is the most recent river treaty?"] {
        let filtered = index.ask_at(question, options, &now).unwrap();
        let plain = index.ask_parsed(&newsdesk::answer::Parsed::plain(question), options).unwrap();
        let ids =
            |a: &newsdesk::answer::Answer| a.hits.iter().map(|h| h.article_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&filtered), ids(&plain), "{question}");
        assert_eq!(filtered.hits[0].score, plain.hits[0].score, "{question}");
        assert!(
            !filtered.newest_first && filtered.filters.since.is_none() && filtered.missed_window.is_none()
        );
    }
}

#[test]
fn ask_json_says_which_filters_it_applied() {
    let answer = ask_json(&["--now", NIGHT, "Ukraine security source:unn -source:afp lang:en in February"]);
    let filters = answer["filters"].as_object().unwrap();
    let keys: Vec<&str> = filters.keys().map(String::as_str).collect();
    assert_eq!(keys, ["excluded_sources", "lang", "matches_nothing", "since", "sources", "until"]);
    assert_eq!(filters["since"], "2026-02-01");
    assert_eq!(filters["until"], "2026-02-28");
    // The outlet as the archive names it.
    assert_eq!(filters["sources"], serde_json::json!(["UNN"]));
    assert_eq!(filters["excluded_sources"], serde_json::json!(["afp"]));
    assert_eq!(filters["lang"], "en");
    assert_eq!(ids(&answer), ["001"]);
    assert_eq!(answer["newest_first"], false);
}

#[test]
fn ask_without_filters_is_ranked_as_before() {
    let answer = ask_json(&["How much security aid has the US provided to Ukraine?"]);
    assert_eq!(answer["filters"]["since"], Value::Null);
    assert_eq!(answer["filters"]["sources"], serde_json::json!([]));
    assert_eq!(answer["newest_first"], false);
    assert_eq!(ids(&answer)[0], "003");
}

#[test]
fn the_newest_first_when_asked_and_undated_last() {
    let answer = ask_json(&["latest on NATO and Ukraine"]);
    assert_eq!(answer["newest_first"], true);
    let dates: Vec<&Value> = answer["results"].as_array().unwrap().iter().map(|r| &r["date"]).collect();
    assert_eq!(dates[0], "2026-02-12", "{answer}");
    // Dated articles first, newest first; then the undated ones.
    let first_undated = dates.iter().position(|d| d.is_null()).unwrap_or(dates.len());
    assert!(dates[first_undated..].iter().all(|d| d.is_null()), "{dates:?}");
    let dated: Vec<&str> = dates[..first_undated].iter().map(|d| d.as_str().unwrap()).collect();
    assert!(dated.windows(2).all(|w| w[0] >= w[1]), "{dated:?}");

    // No topic at all: the newest articles.
    let answer = ask_json(&["latest"]);
    assert_eq!(ids(&answer)[..2], ["001", "004"]);
}

#[test]
fn plain_answers_state_the_window_and_say_when_a_filter_matches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ask = |question: &str| {
        let out = newsdesk(dir.path(), &["ask", "--now", NIGHT, "--tz", "Europe/Kyiv", question], None, &[]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = ask("Who leads the sanctions policy against Moscow? in February");
    assert!(text.starts_with("Feb 1-28, 2026\n\n[1] “"), "{text}");
    assert_eq!(ask("sanctions source:Reuters"), "No articles from Reuters.\n");
    assert_eq!(ask("sanctions on:2026-01"), "No articles in Jan 1-31, 2026.\n");
    assert_eq!(
        ask("sanctions source:unn since:2026-01-01 until:2026-01-31"),
        "No articles from UNN in Jan 1-31, 2026.\n"
    );
    // A window in words that holds nothing: the answer from any time, which says so.
    let text = ask("Who leads the sanctions policy against Moscow? in January");
    assert!(text.starts_with("No articles in Jan 1-31, 2026; from any time:\n\n[1] “"), "{text}");
    // Undated articles say so; they are in no window.
    assert!(ask("Stoltenberg $40 billion").contains(" · AFP · undated [003_"), "undated");
    assert!(
        ask("Stoltenberg $40 billion since:2020-01-01")
            .starts_with("Nothing in the archive (since Jan 1, 2020)")
    );
}

#[test]
fn a_bad_time_zone_or_moment_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdesk(dir.path(), &["ask", "--tz", "Mars/Olympus", "NATO"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--tz"));
    let out = newsdesk(dir.path(), &["ask", "--now", "soon", "NATO"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
}

const USER: u64 = 4242;
const NEW_YORK_GROUP: i64 = -100_777;

struct Harness {
    telegram: FakeTelegram,
    bot: Bot,
    app: Arc<App>,
    me: teloxide::types::Me,
}

impl Harness {
    async fn at(now: &str) -> Harness {
        let telegram = FakeTelegram::start().await;
        let config = Config::from_lookup(|_| None).unwrap();
        let clock = Arc::new(ManualClock::new(now.parse::<Timestamp>().unwrap()));
        let app =
            Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config).with_clock(clock));
        app.store.set_tz(NEW_YORK_GROUP, "America/New_York", |_| 0).unwrap();
        let bot = telegram.bot();
        let me = bot.get_me().await.unwrap();
        Harness { telegram, bot, app, me }
    }

    async fn send(&self, update: Value) -> bool {
        crate::support::dispatch(self.bot.clone(), &self.me, &self.app, &update).await
    }

    fn last_text(&self) -> String {
        let sent = self.telegram.calls_to("sendMessage");
        sent.last().unwrap().params["text"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn each_chat_reads_today_in_its_own_time_zone() {
    let h = Harness::at(NIGHT).await;
    // The default zone (Europe/Kyiv): the 13th, with nothing in the archive; the
    // answer comes from any time, and says so.
    h.send(fake::private_text(USER, "What did NATO say today?")).await;
    let html = h.last_text();
    assert!(
        html.starts_with("<i>🗓 No articles in Feb 13, 2026; from any time:</i>\n\n<blockquote"),
        "{html}"
    );
    h.send(fake::private_text(USER, "What did NATO say? on:2026-02-13")).await;
    assert_eq!(h.last_text(), "No articles in Feb 13, 2026.");
    // A group in New York: the 12th.
    h.send(fake::group_text(NEW_YORK_GROUP, USER, "/ask What did NATO say today?")).await;
    let html = h.last_text();
    assert_valid_message(&html);
    assert!(html.starts_with("<i>🗓 Feb 12, 2026</i>\n\n<blockquote"), "{html}");
    assert!(html.contains(" · UNN · 2026-02-12"), "{html}");
    assert!(!html.contains("undated"), "{html}");
}

#[tokio::test]
async fn outlets_filter_answers_more_pages_and_inline_results() {
    let h = Harness::at(NIGHT).await;
    // Two quotes a page, so that the three articles left have a second page.
    h.send(fake::private_text(USER, "/results 2")).await;
    h.send(fake::private_text(USER, "NATO Ukraine security -source:UNN")).await;
    let html = h.last_text();
    assert!(html.starts_with("<i>🗓 not from UNN</i>"), "{html}");
    assert!(!html.contains("· UNN ·"), "{html}");
    // "More" pages within the same filters.
    let card = h.telegram.calls_to("sendMessage").last().unwrap().params.clone();
    let more = button_data(&card).into_iter().find(|d| d.starts_with("m:")).unwrap();
    let message = *h.telegram.delivered_ids().last().unwrap();
    h.send(fake::callback_query(USER, USER as i64, message, &more)).await;
    assert!(!h.telegram.calls_to("editMessageText").is_empty());
    for edit in h.telegram.calls_to("editMessageText") {
        assert!(!edit.params["text"].as_str().unwrap().contains("· UNN ·"), "{edit:?}");
    }
    // A filter that matches nothing says so.
    h.send(fake::private_text(USER, "NATO source:Reuters")).await;
    assert_eq!(h.last_text(), "No articles from Reuters.");
    h.send(fake::with_language(fake::private_text(USER, "НАТО source:Reuters"), "uk")).await;
    assert_eq!(h.last_text(), "Немає статей від Reuters.");

    h.send(fake::inline_query(USER, "NATO Ukraine source:AFP")).await;
    let inline = h.telegram.calls_to("answerInlineQuery");
    let results = inline.last().unwrap().params["results"].as_array().unwrap().clone();
    assert!(!results.is_empty());
    for result in &results {
        let text = result["input_message_content"]["message_text"].as_str().unwrap();
        assert!(text.contains(" · AFP · undated"), "{text}");
    }
}

#[tokio::test]
async fn latest_with_a_topic_is_newest_first() {
    let h = Harness::at(NIGHT).await;
    h.send(fake::private_text(USER, "/latest NATO Ukraine")).await;
    let html = h.last_text();
    assert_valid_message(&html);
    assert!(html.starts_with("<i>🗓 newest first</i>"), "{html}");
    let first = html.find("2026-02-12").unwrap();
    let undated = html.find("undated").unwrap_or(usize::MAX);
    assert!(first < undated, "{html}");
    // Without a topic, the listing as before, undated articles marked.
    h.send(fake::private_text(USER, "/latest")).await;
    let listing = h.last_text();
    assert!(listing.starts_with("<b>Newest articles:</b>\n1. The US will pressure Russia"), "{listing}");
    assert!(listing.contains(" · AFP · undated"), "{listing}");
    // Ukrainian: the window in Ukrainian, and what was written then.
    h.send(fake::with_language(fake::private_text(USER, "що писали у лютому?"), "uk")).await;
    let html = h.last_text();
    assert!(html.starts_with("<i>🗓 1–28 лютого 2026 · найновіші статті</i>"), "{html}");
    assert!(html.contains("2026-02-12") && html.contains("2026-02-02"), "{html}");
    assert!(!html.contains("без дати"), "{html}");
}

#[tokio::test]
async fn help_documents_the_filters() {
    let h = Harness::at(NIGHT).await;
    h.send(fake::private_text(USER, "/help")).await;
    let help = h.last_text();
    for needle in ["source:UNN", "since:2026-02-01", "lang:uk", "last week", "/latest [topic]"] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
    h.send(fake::with_language(fake::private_text(USER, "/help"), "uk")).await;
    assert!(h.last_text().contains("минулого тижня"));
}

#[tokio::test]
async fn digests_take_outlet_and_language_filters() {
    let h = Harness::at(NIGHT).await;
    h.send(fake::private_text(USER, "/digest source:UNN")).await;
    let digest = h.last_text();
    assert!(digest.contains("source:UNN"), "{digest}");
    assert!(digest.contains("<i>UNN · 2026-02-12</i>"), "{digest}");
    assert!(!digest.contains("AFP") && !digest.contains("Suspilne"), "{digest}");

    h.send(fake::private_text(USER, "/subscribe 08:00 nato source:UNN lang:en -source:AFP")).await;
    let confirmation = h.last_text();
    assert!(confirmation.contains("nato source:UNN lang:en -source:AFP"), "{confirmation}");
    let sub = &h.app.store.subscriptions_of_chat(USER as i64).unwrap()[0];
    let filter = newsdesk::digest::Filter::stored(&sub.include, &sub.exclude);
    assert_eq!(
        (filter.sources, filter.not_sources, filter.lang),
        (vec!["UNN".to_owned()], vec!["AFP".to_owned()], Some("en".to_owned()))
    );
}

#[test]
fn vector_candidates_keep_to_the_filters_too() {
    use crate::support::fake_embed::FakeEmbedServer;
    use crate::support::{embed_config, hybrid_index};
    use newsdesk::answer::{AskOptions, Match};
    let server = FakeEmbedServer::start();
    let dir = tempfile::tempdir().unwrap();
    let index = hybrid_index(dir.path(), embed_config(&server.url, std::time::Duration::from_secs(5)));
    let now: jiff::Zoned = "2026-02-13T10:00:00+02:00[Europe/Kyiv]".parse().unwrap();
    let options = AskOptions { k: 5, keep_weak: true, ..AskOptions::default() };
    // Without filters the layer brings articles by meaning from everywhere …
    let all = index.ask_at("NATO security guarantees for Ukraine", options, &now).unwrap();
    assert!(all.hits.iter().any(|h| h.matched != Match::Lexical), "{all:#?}");
    assert!(all.hits.iter().any(|h| h.date.is_none()));
    // … with them, only what they let through, found by words or by meaning.
    for (question, passes) in [
        (
            "NATO security guarantees for Ukraine source:UNN",
            (|h: &newsdesk::answer::Hit| h.source.as_deref() == Some("UNN"))
                as fn(&newsdesk::answer::Hit) -> bool,
        ),
        ("NATO security guarantees for Ukraine lang:uk", |h| h.lang == "uk"),
        ("NATO security guarantees for Ukraine in February", |h| {
            h.date.as_deref().is_some_and(|d| d.starts_with("2026-02"))
        }),
        ("NATO security guarantees for Ukraine -source:AFP", |h| h.source.as_deref() != Some("AFP")),
    ] {
        let answer = index.ask_at(question, options, &now).unwrap();
        assert!(!answer.hits.is_empty(), "{question}");
        assert!(answer.hits.iter().all(passes), "{question}: {answer:#?}");
    }
}
