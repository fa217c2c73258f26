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
