//! The bot end to end: real update JSON through the real handler tree, against a fake
//! Bot API on loopback, asserting the exact requests Telegram would receive.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use teloxide::prelude::*;

use newsdesk::bot::{self, App, AppBot};
use newsdesk::config::Config;
use newsdesk::store::Store;
use teloxide::Bot;

use crate::support::fake_telegram::{self as fake, FakeTelegram, Fault};
use crate::support::telegram_html::assert_valid_message;
use crate::support::{button_data, seed_index};

const USER: u64 = 42;
const GROUP: i64 = -100_200;
const WAIT: Duration = Duration::from_secs(10);

struct Harness {
    telegram: FakeTelegram,
    bot: Bot,
    app: Arc<App>,
    me: teloxide::types::Me,
}

impl Harness {
    async fn new() -> Harness {
        Self::with(|_| {}).await
    }

    async fn with(configure: impl FnOnce(&mut Config)) -> Harness {
        let telegram = FakeTelegram::start().await;
        let mut config = Config::from_lookup(|_| None).unwrap();
        configure(&mut config);
        let app = Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config));
        // Unthrottled: Throttle releases requests every 250 ms, which would only slow
        // the tests; `a_429_is_waited_out…` and `serve_…` use the production stack.
        let bot = telegram.bot();
        let me = bot.get_me().await.unwrap();
        Harness { telegram, bot, app, me }
    }

    /// Dispatches one update through `bot::schema()`; false when no branch took it.
    async fn send(&self, update: Value) -> bool {
        self.send_with(self.bot.clone(), update).await
    }

    /// Like [`Harness::send`], with another Bot API client in front of the fake.
    async fn send_with<R: AppBot>(&self, bot: R, update: Value) -> bool {
        crate::support::dispatch(bot, &self.me, &self.app, &update).await
    }

    /// The `sendMessage` calls made so far (a handler has finished when `send` returns).
    fn sent(&self) -> Vec<Value> {
        self.telegram.calls_to("sendMessage").into_iter().map(|c| c.params).collect()
    }

    fn answered_calls(&self) -> usize {
        self.telegram.calls().iter().filter(|c| c.method != "getme").count()
    }
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap()
}

#[tokio::test]
async fn a_private_question_gets_a_cited_answer_card() {
    let h = Harness::new().await;
    assert!(h.send(fake::private_text(USER, "How much security aid has the US provided to Ukraine?")).await);
    let sent = h.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let card = &sent[0];
    assert_eq!(card["chat_id"], USER);
    assert_eq!(card["parse_mode"], "HTML");
    assert_eq!(card["link_preview_options"]["is_disabled"], true);
    let html = text(card);
    assert_valid_message(html);
    assert!(html.starts_with("<blockquote"), "{html}");
    assert!(html.contains("more than $40 billion in <b>security</b> <b>aid</b> to <b>Ukraine</b>"), "{html}");
    assert!(html.contains("</blockquote>\n[1] NATO committed to helping Ukraine stop Putin · AFP"), "{html}");
    let data = button_data(card);
    assert!(data.iter().any(|d| d.starts_with("m:")), "{data:?}");
    assert!(data.iter().any(|d| d.starts_with("a:") && d.ends_with(":0")), "{data:?}");
    assert!(data.iter().any(|d| d.starts_with("f:") && d.ends_with(":+")), "{data:?}");
    assert!(data.iter().all(|d| d.len() <= 64));
    // A private answer is not threaded as a reply.
    assert!(card.get("reply_parameters").is_none());
}

#[tokio::test]
async fn ask_command_works_in_private_and_addressed_in_groups() {
    let h = Harness::new().await;
    assert!(
        h.send(fake::private_text(
            USER,
            "/ask Which four countries do not support Ukraine's NATO membership?"
        ))
        .await
    );
    assert!(
        h.send(fake::group_text(
            GROUP,
            USER,
            "/ask@newsdesk_bot Where did Rutte speak at the forum in Davos?"
        ))
        .await
    );
    let sent = h.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(
        text(&sent[0]).contains("<b>Slovakia</b>") || text(&sent[0]).contains("Slovakia"),
        "{}",
        text(&sent[0])
    );
    assert_eq!(sent[1]["chat_id"], GROUP);
    assert!(text(&sent[1]).contains("<b>Davos</b>"), "{}", text(&sent[1]));
    // In a group the answer replies to the question.
    assert_eq!(sent[1]["reply_parameters"]["message_id"], fake::INCOMING_MESSAGE_ID);

    // A command addressed to another bot is not ours.
    assert!(!h.send(fake::group_text(GROUP, USER, "/ask@other_bot Davos")).await);
    assert_eq!(h.sent().len(), 2);
}

#[tokio::test]
async fn in_groups_replies_and_mentions_are_questions_but_chatter_is_ignored() {
    let h = Harness::new().await;
    assert!(!h.send(fake::group_text(GROUP, USER, "Anyone seen the news about NATO and Davos today?")).await);
    assert_eq!(h.answered_calls(), 0, "ordinary chatter gets no reply");

    assert!(
        h.send(fake::group_reply_to_bot(
            GROUP,
            USER,
            "And what did Peskov say the Kremlin is waiting for?",
            77
        ))
        .await
    );
    assert!(
        h.send(fake::with_language(
            fake::group_text(GROUP, USER, "@newsdesk_bot що сказав Чернєв про миротворців?"),
            "uk"
        ))
        .await
    );
    let sent = h.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(text(&sent[0]).contains("<b>waiting</b> for signals"), "{}", text(&sent[0]));
    assert!(text(&sent[1]).contains("Чернєв"), "{}", text(&sent[1]));
    assert!(text(&sent[1]).contains("НАТО може стати «тилом»"), "{}", text(&sent[1]));
}

/// A question with a typo is answered as if typed right, and the reply says how it
/// was read, above the citations, in the user's language.
#[tokio::test]
async fn a_question_with_a_typo_is_answered_and_says_how_it_was_read() {
    let h = Harness::new().await;
    assert!(h.send(fake::private_text(USER, "security guarentees for ukraine")).await);
    assert!(h.send(fake::with_language(fake::private_text(USER, "purl missles share"), "uk")).await);
    let sent = h.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let (english, ukrainian) = (text(&sent[0]), text(&sent[1]));
    for html in [english, ukrainian] {
        assert_valid_message(html);
        assert!(html.contains("<blockquote"), "{html}");
    }
    assert!(english.starts_with("<i>✏️ Read “guarentees” as “guarantees”</i>\n"), "{english}");
    assert!(english.contains("<b>security</b> <b>guarantees</b>"), "{english}");
    assert!(ukrainian.starts_with("<i>✏️ Прочитано «missles» як «missiles»</i>\n"), "{ukrainian}");
    assert!(ukrainian.contains("75% of the <b>missiles</b>"), "{ukrainian}");
}

#[tokio::test]
async fn off_topic_questions_get_a_short_reply_in_the_users_language() {
    let h = Harness::new().await;
    h.send(fake::private_text(USER, "What is the best recipe for borscht?")).await;
    h.send(fake::with_language(fake::private_text(USER, "Яка погода завтра у Львові?"), "uk")).await;
    let sent = h.sent();
    assert_eq!(
        text(&sent[0]),
        "I found nothing in the archive that answers this. Try other words, or ask about a person, place or event."
    );
    assert!(text(&sent[1]).starts_with("В архіві немає нічого"), "{}", text(&sent[1]));
    assert!(sent.iter().all(|m| !text(m).contains("blockquote") && m.get("reply_markup").is_none()));
}

#[tokio::test]
async fn inline_mode_returns_one_result_per_cited_passage() {
    let h = Harness::new().await;
    assert!(h.send(fake::inline_query(USER, "NATO security guarantees for Ukraine")).await);
    let calls = h.telegram.calls_to("answerInlineQuery");
    assert_eq!(calls.len(), 1);
    let results = calls[0].params["results"].as_array().unwrap();
    assert!((2..=5).contains(&results.len()), "{results:#?}");
    for result in results {
        assert_eq!(result["type"], "article");
        assert!(!result["title"].as_str().unwrap().is_empty());
        assert!(!result["description"].as_str().unwrap().is_empty());
        let content = &result["input_message_content"];
        assert_eq!(content["parse_mode"], "HTML");
        assert_valid_message(content["message_text"].as_str().unwrap());
        assert!(content["message_text"].as_str().unwrap().contains("<blockquote"));
    }
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, (1..=results.len()).map(|n| n.to_string()).collect::<Vec<_>>());
}

#[tokio::test]
async fn more_edits_the_answer_and_full_article_sends_the_article() {
    let h = Harness::new().await;
    h.send(fake::private_text(USER, "NATO membership for Ukraine")).await;
    let first = h.sent().remove(0);
    let first_text = text(&first).to_owned();
    let data = button_data(&first);
    let more = data.iter().find(|d| d.starts_with("m:")).unwrap().clone();
    let article = data.iter().find(|d| d.starts_with("a:") && d.ends_with(":0")).unwrap().clone();
    // Buttons work under the message the answer was sent as.
    let message = h.telegram.delivered_ids()[0];

    assert!(h.send(fake::callback_query(USER, USER as i64, message, &more)).await);
    let edits = h.telegram.calls_to("editMessageText");
    assert_eq!(edits.len(), 1, "{:#?}", h.telegram.calls());
    let edited = &edits[0].params;
    assert_eq!(edited["message_id"], message);
    assert_eq!(edited["parse_mode"], "HTML");
    let edited_text = edited["text"].as_str().unwrap();
    assert_valid_message(edited_text);
    assert!(edited_text.contains("[4] "), "results continue after the first three: {edited_text}");
    let labels: Vec<&str> = edited["reply_markup"]["inline_keyboard"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert!(
        labels == ["📄 Full article"] || labels[0] == "📄 4",
        "buttons are labelled with the ranks shown: {labels:?}"
    );
    assert_ne!(edited_text, first_text);
    assert_eq!(h.telegram.calls_to("answerCallbackQuery").len(), 1);

    // The article button under the first answer still refers to the first page's hit? No:
    // "More" replaced the page, so button 0 now names the fourth result's article.
    assert!(h.send(fake::callback_query(USER, USER as i64, message, &article)).await);
    let sent = h.sent();
    let article_message = sent.last().unwrap();
    assert!(text(article_message).starts_with("<b>"), "{}", text(article_message));
    assert_valid_message(text(article_message));
}

#[tokio::test]
async fn expired_or_forged_buttons_answer_politely() {
    let h = Harness::new().await;
    for data in ["m:zzzz", "a:zzzz:0", "garbage", "f:1:?"] {
        assert!(h.send(fake::callback_query(USER, USER as i64, 500, data)).await);
    }
    let answers = h.telegram.calls_to("answerCallbackQuery");
    assert_eq!(answers.len(), 4);
    assert!(answers.iter().all(|a| a.params["text"] == "This answer has expired. Please ask again."));
    assert!(h.sent().is_empty());
}

#[tokio::test]
async fn feedback_buttons_are_acknowledged() {
    let h = Harness::new().await;
    h.send(fake::private_text(USER, "Kellogg plan")).await;
    let up = button_data(&h.sent()[0]).into_iter().find(|d| d.ends_with(":+")).unwrap();
    let message = h.telegram.delivered_ids()[0];
    h.send(fake::callback_query(USER, USER as i64, message, &up)).await;
    assert_eq!(h.telegram.calls_to("answerCallbackQuery")[0].params["text"], "Thanks for the feedback!");
}

#[tokio::test]
async fn chats_off_the_allowlist_get_a_refusal_and_no_archive_content() {
    let h = Harness::with(|c| c.allowed_chats = vec![GROUP]).await;
    h.send(fake::private_text(USER, "How much security aid has the US provided to Ukraine?")).await;
    h.send(fake::group_text(-999, USER, "/ask security aid")).await;
    h.send(fake::private_text(USER, "/latest")).await;
    h.send(fake::private_text(USER, "/article 003_d3c851319a9cef4d")).await;
    h.send(fake::inline_query(USER, "security aid")).await;
    let sent = h.sent();
    assert_eq!(sent.len(), 4);
    for message in &sent {
        assert_eq!(text(message), "Sorry, this bot is private and does not answer here.");
    }
    let inline = h.telegram.calls_to("answerInlineQuery");
    assert_eq!(inline[0].params["results"], Value::Array(vec![]));

    // The allowed group is answered.
    h.send(fake::group_text(GROUP, USER, "/ask security aid")).await;
    assert!(text(h.sent().last().unwrap()).contains("$40 billion"));
}

#[tokio::test]
async fn users_are_rate_limited_with_a_friendly_message() {
    let h = Harness::with(|c| c.rate_limit_per_minute = 2).await;
    for _ in 0..3 {
        h.send(fake::private_text(USER, "Stoltenberg")).await;
    }
    h.send(fake::private_text(USER + 1, "Stoltenberg")).await;
    let texts: Vec<String> = h.sent().iter().map(|m| text(m).to_owned()).collect();
    assert!(texts[0].contains("Stoltenberg") && texts[1].contains("Stoltenberg"));
    assert_eq!(texts[2], "That's a lot of questions at once. Please wait a minute and ask again.");
    assert!(texts[3].contains("Stoltenberg"), "another user is not limited");
}

#[tokio::test]
async fn commands_list_articles_outlets_and_whole_articles() {
    let h = Harness::new().await;
    for command in [
        "/start",
        "/help",
        "/latest",
        "/sources",
        "/article 004_5bf96f1cfb37fb97",
        "/article nope",
        "/article",
    ] {
        assert!(h.send(fake::private_text(USER, command)).await, "{command}");
    }
    let texts: Vec<String> = h.sent().iter().map(|m| text(m).to_owned()).collect();
    assert!(texts[0].starts_with("Hi! I answer questions"));
    assert!(texts[1].contains("📄 under an answer or a list — the whole article"), "{}", texts[1]);
    assert!(texts[2].starts_with("<b>Newest articles:</b>\n1. The US will pressure Russia"), "{}", texts[2]);
    assert!(!texts[2].contains("/article"), "no command that a tap cannot run: {}", texts[2]);
    assert!(texts[3].contains(". UNN — 1"), "{}", texts[3]);
    assert!(texts[4].starts_with("<b>НАТО може стати «тилом»"), "{}", texts[4]);
    h.send(fake::private_text(USER, "/article 000_e3a8ee8d0e082d69")).await;
    let rutte = text(h.sent().last().unwrap()).to_owned();
    assert!(
        rutte.contains("\n\n<b>No repeat of Budapest or Minsk</b>\n\n"),
        "a heading reads as one: {rutte}"
    );
    assert!(!rutte.contains("Trump praises"), "a teaser of another story is not the article: {rutte}");
    assert!(texts[4].contains("2026-02-02"));
    assert_eq!(texts[5], "There is no article with that id in the archive.");
    assert!(texts[6].starts_with("<b>Tap 📄 under an answer or a list"), "{}", texts[6]);
    for t in &texts {
        assert_valid_message(t);
    }
}

#[tokio::test]
async fn odd_messages_get_sensible_replies_and_nothing_panics() {
    let h = Harness::new().await;
    let long = "NATO ".repeat(1000);
    let cases = [
        fake::private_text(USER, &long),
        fake::private_text(USER, "🙂🙂🙂"),
        fake::private_text(USER, "{}<>= AND -NOT \""),
        fake::private_text(USER, "/ask"),
        fake::private_text(USER, "/unknown"),
        fake::private_text(USER, "   "),
    ];
    for update in cases {
        h.send(update).await;
    }
    let texts: Vec<String> = h.sent().iter().map(|m| text(m).to_owned()).collect();
    assert_eq!(texts.len(), 6, "{texts:#?}");
    assert!(texts[0].contains("<blockquote"), "a long question is still answered");
    assert!(texts[1].starts_with("I found nothing"));
    assert!(texts[2].starts_with("I found nothing"));
    assert!(texts[3].starts_with("Write the question after the command"));
    assert!(texts[4].starts_with("I don't know that command"));
    assert!(texts[5].starts_with("Write the question"), "{}", texts[5]);

    // A sticker in a private chat gets a hint; in a group it is ignored.
    let mut sticker = fake::private_text(USER, "x");
    let message = sticker["message"].as_object_mut().unwrap();
    message.remove("text");
    message.remove("entities");
    message.insert(
        "sticker".into(),
        serde_json::json!({"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 512, "height": 512,
                           "is_animated": false, "is_video": false}),
    );
    assert!(h.send(sticker).await);
    assert_eq!(text(h.sent().last().unwrap()), "I can only read text. Send your question as a message.");

    // An edit of a message the bot never answered is answered as a new question.
    assert!(h.send(fake::edited(fake::with_message_id(fake::private_text(USER, "Stoltenberg"), 77))).await);
    assert_eq!(h.sent().len(), 8);
    assert!(text(&h.sent()[7]).contains("<blockquote"), "{}", text(&h.sent()[7]));
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_answer_still_delivered() {
    let h = Harness::new().await;
    h.telegram.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });
    assert!(h.send_with(bot::throttled(h.telegram.bot()), fake::private_text(USER, "Stoltenberg")).await);
    assert_eq!(h.telegram.calls_to("sendMessage").len(), 2, "the request is sent again");
    assert_eq!(h.telegram.sent_texts().len(), 1, "and delivered once");
}

#[tokio::test]
async fn serve_long_polls_registers_commands_and_answers() {
    let telegram = FakeTelegram::start().await;
    let config = Config::from_lookup(|_| None).unwrap();
    let app = Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config));
    let bot = bot::throttled(telegram.bot());
    bot::register_commands(&bot).await.unwrap();
    let mut dispatcher = bot::dispatcher(bot, app);
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    telegram.push_update(fake::private_text(USER, "Which war diverted attention from Ukraine?"));
    telegram.push_update(fake::group_text(GROUP, USER, "just chatting"));
    telegram.push_update(fake::inline_query(USER, "Kellogg"));
    let sent = telegram.wait_for("sendMessage", 1, WAIT).await;
    let answer = sent[0].params["text"].as_str().unwrap();
    assert!(answer.contains("war</b> with Hamas"), "{answer}");
    telegram.wait_for("answerInlineQuery", 1, WAIT).await;

    let commands = telegram.calls_to("setMyCommands");
    assert_eq!(commands.len(), 2);
    let names: Vec<&str> = commands[0].params["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "start",
            "help",
            "ask",
            "latest",
            "article",
            "sources",
            "digest",
            "subscribe",
            "unsubscribe",
            "subscriptions",
            "timezone",
            "language",
            "results",
            "unanswered",
            "archive",
            "feeds",
            "addfeed",
            "removefeed"
        ]
    );
    assert_eq!(commands[1].params["language_code"], "uk");
    let uk: Vec<&str> = commands[1].params["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(uk, names, "both menus list the same commands");

    // The dispatcher asks Telegram for the update kinds the tree handles: exactly
    // `bot::UPDATE_KINDS`, which a webhook is set with.
    let polls = telegram.calls_to("getUpdates");
    let mut allowed: Vec<&str> =
        polls[0].params["allowed_updates"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    allowed.sort_unstable();
    let mut kinds: Vec<String> = bot::UPDATE_KINDS
        .iter()
        .map(|k| serde_json::to_value(k).unwrap().as_str().unwrap().to_owned())
        .collect();
    kinds.sort_unstable();
    assert_eq!(allowed, kinds);
    for kind in
        ["message", "edited_message", "channel_post", "edited_channel_post", "inline_query", "callback_query"]
    {
        assert!(allowed.contains(&kind), "{allowed:?}");
    }

    // An edit arrives through long polling too, and updates the answer in place.
    let question = fake::with_message_id(fake::private_text(USER, "Stoltenberg Hamas war"), 900);
    telegram.push_update(question.clone());
    telegram.wait_for("sendMessage", 2, WAIT).await;
    let mut edited = question;
    edited["message"]["text"] = serde_json::json!("Kellogg peace plan");
    telegram.push_update(fake::edited(edited));
    let edits = telegram.wait_for("editMessageText", 1, WAIT).await;
    assert!(edits[0].params["text"].as_str().unwrap().contains("Kellogg"), "{}", edits[0].params);

    crate::support::shut_down(token, WAIT).await;
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
    assert_eq!(telegram.sent_texts().len(), 2, "chatter was not answered; the edit sent nothing new");
}

#[tokio::test]
async fn mentions_with_case_changing_letters_do_not_panic() {
    let h = Harness::new().await;
    // "Ω" shrinks and "İ" grows when lowercased: byte offsets of a lowercased copy
    // do not point into the original.
    assert!(h.send(fake::group_text(GROUP, USER, "Ω@NewsDesk_Bot İ Stoltenberg")).await);
    assert_eq!(h.sent().len(), 1, "the mention was taken as a question and answered");
}

#[tokio::test]
async fn replies_in_plain_supergroups_are_not_sent_to_a_thread() {
    let h = Harness::new().await;
    // Telegram marks replies in ordinary supergroups with a thread id; only forum
    // topics may be addressed by it.
    let mut update = fake::group_reply_to_bot(GROUP, USER, "What is the Kremlin waiting for?", 77);
    update["message"]["message_thread_id"] = serde_json::json!(77);
    assert!(h.send(update).await);
    let mut topic = fake::group_text(GROUP, USER, "/ask Kellogg plan");
    topic["message"]["message_thread_id"] = serde_json::json!(5);
    topic["message"]["is_topic_message"] = serde_json::json!(true);
    assert!(h.send(topic).await);
    let sent = h.sent();
    assert!(sent[0].get("message_thread_id").is_none(), "{:#?}", sent[0]);
    assert_eq!(sent[1]["message_thread_id"], 5);
}

#[tokio::test]
async fn inline_results_are_never_shared_between_users() {
    let h = Harness::new().await;
    h.send(fake::inline_query(USER, "Kellogg")).await;
    h.send(fake::inline_query(USER, "")).await;
    let calls = h.telegram.calls_to("answerInlineQuery");
    assert_eq!(calls[0].params["is_personal"], true);
    assert_eq!(calls[1].params["cache_time"], 0, "empty results are not cached");
}

#[tokio::test]
async fn markup_pasted_with_a_question_is_read_as_text() {
    // Copied from a web page or another bot's answer: tags and entities come along.
    let clean = Harness::new().await;
    clean.send(fake::private_text(42, "What is the PURL mechanism?")).await;
    let pasted = Harness::new().await;
    pasted
        .send(fake::private_text(42, "What is the PURL mechanism? </blockquote><a href=\"x\">x</a> &amp;"))
        .await;
    let (clean, pasted) = (clean.sent(), pasted.sent());
    assert!(text(&clean[0]).contains("PURL"), "{}", text(&clean[0]));
    assert_eq!(text(&pasted[0]), text(&clean[0]));
}

/// The labels of the buttons under a message (or an edit), row by row, flattened.
fn labels(message: &Value) -> Vec<String> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row.as_array().unwrap())
                .map(|b| b["text"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The callback data of the button labelled `label` under `message`.
fn data_of(message: &Value, label: &str) -> String {
    let rows = message["reply_markup"]["inline_keyboard"].as_array().unwrap();
    let mut buttons = rows.iter().flat_map(|row| row.as_array().unwrap());
    let button = buttons.find(|b| b["text"] == label).unwrap_or_else(|| panic!("no {label} in {message}"));
    button["callback_data"].as_str().unwrap().to_owned()
}

// Issue point 1: articles are one tap away from /latest, /sources and a bare /article.
#[tokio::test]
async fn lists_of_articles_and_outlets_open_with_one_tap() {
    let h = Harness::new().await;
    h.send(fake::private_text(USER, "/latest")).await;
    let list = h.sent()[0].clone();
    let buttons = labels(&list);
    assert!(buttons.len() >= 5 && buttons.iter().all(|b| b.starts_with("📄 ")), "{buttons:?}");
    let first_title =
        text(&list).lines().nth(1).unwrap().trim_start_matches("1. ").split(" · ").next().unwrap();
    h.send(fake::callback_query(USER, USER as i64, h.telegram.delivered_ids()[0], &data_of(&list, "📄 1")))
        .await;
    let article = h.sent()[1].clone();
    assert!(text(&article).starts_with(&format!("<b>{first_title}")), "{}", text(&article));

    // A bare /article says how, and gives the buttons to do it.
    h.send(fake::private_text(USER, "/article")).await;
    let hint = h.sent().last().unwrap().clone();
    assert!(text(&hint).contains("Tap 📄"), "{}", text(&hint));
    assert!(labels(&hint).contains(&"📄 1".to_owned()));

    // /sources: a button per outlet lists that outlet's newest articles.
    h.send(fake::private_text(USER, "/sources")).await;
    let sources = h.sent().last().unwrap().clone();
    let n = h.sent().len() - 1;
    let line = text(&sources).lines().find(|l| l.contains("UNN")).unwrap().to_owned();
    let number = line.split('.').next().unwrap();
    h.send(fake::callback_query(
        USER,
        USER as i64,
        h.telegram.delivered_ids()[n],
        &data_of(&sources, &format!("📰 {number}")),
    ))
    .await;
    let outlet = h.sent().last().unwrap().clone();
    assert_eq!(text(&outlet).lines().count(), 2, "one UNN article: {}", text(&outlet));
    assert!(text(&outlet).contains("UNN"), "{}", text(&outlet));
    assert_eq!(labels(&outlet), ["📄 Full article"]);
    for message in h.sent() {
        assert_valid_message(text(&message));
    }
}

// Issue point 3: "More" only when there is more, and the first results stay reachable.
#[tokio::test]
async fn more_is_offered_only_when_there_is_more_and_back_returns_to_the_first_page() {
    let h = Harness::new().await;
    h.send(fake::private_text(USER, "Kellogg peace plan sanctions")).await;
    h.send(fake::private_text(USER, "NATO membership for Ukraine")).await;
    let sent = h.sent();
    let (single, paged) = (&sent[0], &sent[1]);
    assert!(!labels(single).iter().any(|l| l.contains("More")), "{:?}: {}", labels(single), text(single));
    assert!(labels(paged).contains(&"More ▸".to_owned()), "{:?}", labels(paged));
    assert!(!labels(paged).contains(&"◂ Back".to_owned()));

    let message = h.telegram.delivered_ids()[1];
    h.send(fake::callback_query(USER, USER as i64, message, &data_of(paged, "More ▸"))).await;
    let second = h.telegram.calls_to("editMessageText")[0].params.clone();
    assert!(text(&second).contains("[4] "), "{}", text(&second));
    assert!(labels(&second).contains(&"◂ Back".to_owned()), "{:?}", labels(&second));
    // Five seed articles: whatever the second page holds, it is the last one here.
    assert!(!labels(&second).contains(&"More ▸".to_owned()), "{:?}", labels(&second));

    h.send(fake::callback_query(USER, USER as i64, message, &data_of(&second, "◂ Back"))).await;
    let back = h.telegram.calls_to("editMessageText")[1].params.clone();
    assert!(text(&back).contains("[1] ") && !text(&back).contains("[4] "), "{}", text(&back));
    assert!(labels(&back).contains(&"More ▸".to_owned()) && !labels(&back).contains(&"◂ Back".to_owned()));
    assert_valid_message(text(&second));
    assert_valid_message(text(&back));
}

// Issue point 4: in a group a whole article is posted once per answer, as a reply.
#[tokio::test]
async fn a_full_article_is_posted_once_per_answer_in_a_group() {
    let h = Harness::new().await;
    h.send(fake::group_text(GROUP, USER, "@newsdesk_bot what did Kellogg say about the peace plan")).await;
    let answer = h.sent()[0].clone();
    let answer_id = h.telegram.delivered_ids()[0];
    let article = data_of(&answer, &labels(&answer)[0]);
    h.send(fake::callback_query(USER, GROUP, answer_id, &article)).await;
    let posted = h.sent().len();
    assert!(posted >= 2, "the article is posted");
    assert_eq!(h.sent()[1]["reply_parameters"]["message_id"], answer_id, "{}", h.sent()[1]);
    for member in [USER, 7, 8] {
        h.send(fake::callback_query(member, GROUP, answer_id, &article)).await;
    }
    assert_eq!(h.sent().len(), posted, "pressed again, nothing more is posted");
    let toasts = h.telegram.calls_to("answerCallbackQuery");
    assert_eq!(toasts.len(), 4);
    for toast in &toasts[1..] {
        assert!(toast.params["text"].as_str().unwrap().contains("already posted"), "{}", toast.params);
    }
}

// Issue point 5: an edited question gets its answer updated in place.
#[tokio::test]
async fn an_edited_question_updates_its_answer_in_place() {
    let h = Harness::new().await;
    let asked = |text: &str| fake::with_message_id(fake::private_text(USER, text), 500);
    // (Refused by words alone; with the semantic layer on, something near in
    // meaning may be quoted instead.)
    h.send(asked("what did Stoltenbreg say about the wor")).await;
    let first = h.sent()[0].clone();
    assert!(!text(&first).contains("Hamas"), "{}", text(&first));

    // The typo fixed: the reply becomes the answer, no new message.
    h.send(fake::edited(asked("Which war diverted attention from Ukraine?"))).await;
    assert_eq!(h.sent().len(), 1);
    let edits = h.telegram.calls_to("editMessageText");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].params["message_id"], h.telegram.delivered_ids()[0]);
    let updated = edits[0].params.clone();
    assert!(text(&updated).contains("Hamas"), "{}", text(&updated));
    assert!(labels(&updated).contains(&"👍".to_owned()));
    assert_valid_message(text(&updated));

    // Edited again to something else: the buttons follow the new answer.
    h.send(fake::edited(asked("Kellogg peace plan"))).await;
    let edits = h.telegram.calls_to("editMessageText");
    assert_eq!(edits.len(), 2);
    assert_ne!(edits[1].params["text"], updated["text"]);
    let article = data_of(&edits[1].params, &labels(&edits[1].params)[0]);
    h.send(fake::callback_query(USER, USER as i64, h.telegram.delivered_ids()[0], &article)).await;
    assert!(text(h.sent().last().unwrap()).contains("Kellogg"), "{}", text(h.sent().last().unwrap()));

    // The reply deleted meanwhile: the edited question gets a new reply.
    h.telegram.fail_next("editMessageText", Fault::MessageToEditNotFound);
    let before = h.sent().len();
    h.send(fake::edited(asked("Which war diverted attention from Ukraine?"))).await;
    assert_eq!(h.sent().len(), before + 1);
    assert!(text(h.sent().last().unwrap()).contains("Hamas"));

    // In a group, a message edited to mention the bot is answered as new.
    h.send(fake::edited(fake::with_message_id(
        fake::group_text(GROUP, 9, "@newsdesk_bot Kellogg plan"),
        600,
    )))
    .await;
    let last = h.sent().last().unwrap().clone();
    assert_eq!(last["chat_id"], GROUP);
    assert!(text(&last).contains("<blockquote"));
}

// Issue point 7: an empty inline query offers the newest articles and a way to learn how.
#[tokio::test]
async fn an_empty_inline_query_offers_the_newest_and_a_hint() {
    let h = Harness::new().await;
    h.send(fake::inline_query(USER, "")).await;
    let answer = h.telegram.calls_to("answerInlineQuery")[0].params.clone();
    assert_eq!(answer["button"]["start_parameter"], "help", "{answer}");
    assert!(answer["button"]["text"].as_str().unwrap().contains("question"));
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for result in results {
        assert_valid_message(result["input_message_content"]["message_text"].as_str().unwrap());
    }
    // The button opens the bot with /start help: the help.
    h.send(fake::private_text(USER, "/start help")).await;
    assert!(text(&h.sent()[0]).contains("📄 under an answer"), "{}", text(&h.sent()[0]));
}

// Issue point 10: 30 people ask in one group within a minute. Telegram lets a bot
// post about 20 messages a minute there (teloxide's Throttle keeps to it), so the
// answers queue: none is lost, each replies to its question, and those that waited
// say how long and why. Bounded: 30 questions, at most three minutes.
#[tokio::test]
async fn a_busy_group_gets_every_answer_in_turn_with_the_wait_stated() {
    const ASKERS: i32 = 30;
    let telegram = FakeTelegram::start().await;
    let config = Config::from_lookup(|_| None).unwrap();
    let app = Arc::new(App::new(seed_index().clone(), Store::in_memory().unwrap(), &config));
    let mut dispatcher = bot::dispatcher(bot::throttled(telegram.bot()), app);
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });
    for n in 0..ASKERS {
        let question =
            fake::group_text(GROUP, 1_000 + n as u64, "/ask Which war diverted attention from Ukraine?");
        telegram.push_update(fake::with_message_id(question, 5_000 + n));
    }
    let sent = telegram.wait_for("sendMessage", ASKERS as usize, Duration::from_secs(180)).await;
    let mut replied_to: Vec<i64> =
        sent.iter().map(|c| c.params["reply_parameters"]["message_id"].as_i64().unwrap()).collect();
    replied_to.sort();
    assert_eq!(replied_to, (5_000..5_000 + ASKERS as i64).collect::<Vec<_>>(), "one answer to each question");
    let waited: Vec<&str> = sent
        .iter()
        .map(|c| c.params["text"].as_str().unwrap())
        .filter(|t| t.starts_with("<i>⏳ Sorry for the wait ("))
        .collect();
    // The first answers go out at once; the last ten wait for the next minute.
    assert!(!sent[0].params["text"].as_str().unwrap().contains("⏳"));
    assert!(waited.len() >= 10, "{} answers said they waited", waited.len());
    for call in &sent {
        let text = call.params["text"].as_str().unwrap();
        assert!(text.contains("war</b> with Hamas"), "{text}");
        assert_valid_message(text);
    }
    crate::support::shut_down(token, WAIT).await;
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
}
