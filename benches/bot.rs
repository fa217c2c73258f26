//! The bot path end to end against a fake Bot API on loopback: latency from an update
//! being available to the answer's `sendMessage`, and sustained updates per second
//! with Telegram's rate limits switched off (they would cap any local measurement).
//!
//! A load phase then replays a public group's worst hour on a fresh bot with the
//! production rate limit: 10,000 questions from 1,000 users plus one user flooding
//! 200, checking that every user gets every answer the limit allows, the flooder
//! gets polite refusals beyond it, and reporting the peak memory.
//!
//! Run: `cargo bench --bench bot`. Prints the figures; bounded in count and time.

// The fake is shared with the integration tests; its own tests do not run here.
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/support/fake_telegram.rs"]
mod fake_telegram;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, group_text, private_text};
use newsdesk::bot::{self, App};
use newsdesk::config::Config;
use newsdesk::index::NewsIndex;

/// Sequential questions timed for the latency figures.
const LATENCY_QUESTIONS: usize = 300;
/// Updates pushed at once for the throughput figure, and how many distinct users send them.
const BURST_UPDATES: usize = 5_000;
const BURST_USERS: u64 = 500;
/// The load phase: users, questions each (the per-minute limit), and a flooder.
const LOAD_USERS: u64 = 1_000;
const LOAD_PER_USER: usize = 10;
const FLOOD: usize = 200;
/// No single wait may exceed this.
const TIMEOUT: Duration = Duration::from_secs(120);

const QUESTIONS: [&str; 6] = [
    "How much security aid has the US provided to Ukraine?",
    "Which four countries do not support Ukraine's NATO membership?",
    "Що сказав Єгор Чернєв про миротворців?",
    "What is the Kremlin waiting for?",
    "What is the best recipe for borscht?",
    "How many missiles did Ukraine receive through PURL?",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let index = NewsIndex::in_memory().unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let articles: Vec<_> = newsdesk::ingest::article_files(&seeds)
        .unwrap()
        .iter()
        .flat_map(|f| newsdesk::ingest::read_file(f).articles)
        .collect();
    index.add_articles(&articles).unwrap();

    let telegram = FakeTelegram::start().await;
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.rate_limit_per_minute = 1000;
    let app = Arc::new(App::new(index, newsdesk::store::Store::in_memory().unwrap(), &config));
    let mut dispatcher = bot::dispatcher(telegram.bot(), app);
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    // Warm up: the first poll, connections, caches.
    telegram.push_update(private_text(1, QUESTIONS[0]));
    assert!(telegram.wait_count("sendMessage", 1, TIMEOUT).await);

    let mut latencies = Vec::with_capacity(LATENCY_QUESTIONS);
    for i in 0..LATENCY_QUESTIONS {
        let before = telegram.count("sendMessage");
        let started = Instant::now();
        telegram.push_update(private_text(2 + (i as u64 % 50), QUESTIONS[i % QUESTIONS.len()]));
        assert!(telegram.wait_count("sendMessage", before + 1, TIMEOUT).await, "no answer");
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "update-to-sendMessage latency over {LATENCY_QUESTIONS} questions: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );

    let before = telegram.count("sendMessage");
    let started = Instant::now();
    for i in 0..BURST_UPDATES {
        let user = 10_000 + (i as u64 % BURST_USERS);
        let question = QUESTIONS[i % QUESTIONS.len()];
        // Half private questions, half /ask in groups (one group per user).
        let update = if i % 2 == 0 {
            private_text(user, question)
        } else {
            group_text(-(user as i64), user, &format!("/ask {question}"))
        };
        telegram.push_update(update);
    }
    let done = telegram.wait_count("sendMessage", before + BURST_UPDATES, TIMEOUT).await;
    let elapsed = started.elapsed();
    let answered = telegram.count("sendMessage") - before;
    println!(
        "burst of {BURST_UPDATES} updates from {BURST_USERS} users: {answered} answered in {:.2} s = {:.0} updates/s{}",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64(),
        if done { "" } else { " (TIMED OUT)" },
    );

    if let Ok(done) = token.shutdown() {
        let _ = tokio::time::timeout(TIMEOUT, done).await;
    }
    let _ = tokio::time::timeout(TIMEOUT, running).await;

    load(index_of(&seeds)).await;
}

fn index_of(seeds: &Path) -> NewsIndex {
    let index = NewsIndex::in_memory().unwrap();
    let articles: Vec<_> = newsdesk::ingest::article_files(seeds)
        .unwrap()
        .iter()
        .flat_map(|f| newsdesk::ingest::read_file(f).articles)
        .collect();
    index.add_articles(&articles).unwrap();
    index
}

/// Peak resident memory of this process (bot, fake server and all), from Linux.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn load(index: NewsIndex) {
    let telegram = FakeTelegram::start().await;
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.rate_limit_per_minute = LOAD_PER_USER as u32;
    let app = Arc::new(App::new(index, newsdesk::store::Store::in_memory().unwrap(), &config));
    let mut dispatcher = bot::dispatcher(telegram.bot(), app);
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let flooder = 999_999_u64;
    let total = LOAD_USERS as usize * LOAD_PER_USER + FLOOD;
    let started = Instant::now();
    // Round-robin over users, with the flooder's questions mixed in.
    let mut flooded = 0;
    for round in 0..LOAD_PER_USER {
        for user in 0..LOAD_USERS {
            let question = QUESTIONS[(round + user as usize) % QUESTIONS.len()];
            telegram.push_update(private_text(100_000 + user, question));
            if user % 50 == 0 && flooded < FLOOD {
                for _ in 0..2 {
                    telegram.push_update(private_text(flooder, QUESTIONS[0]));
                    flooded += 1;
                }
            }
        }
    }
    while flooded < FLOOD {
        telegram.push_update(private_text(flooder, QUESTIONS[0]));
        flooded += 1;
    }
    let done = telegram.wait_count("sendMessage", total, TIMEOUT).await;
    let elapsed = started.elapsed();

    let delivered = telegram.delivered();
    let mut per_user = std::collections::HashMap::<i64, (usize, usize)>::new();
    for message in &delivered {
        let entry = per_user.entry(message["chat_id"].as_i64().unwrap_or_default()).or_default();
        if message["text"].as_str().unwrap_or_default().starts_with("That's a lot of questions") {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    let fully_answered = (0..LOAD_USERS)
        .filter(|u| per_user.get(&((100_000 + u) as i64)) == Some(&(LOAD_PER_USER, 0)))
        .count();
    let (flood_answers, flood_refusals) = per_user.get(&(flooder as i64)).copied().unwrap_or_default();
    println!(
        "load: {total} updates ({LOAD_USERS} users x {LOAD_PER_USER} + a flooder x {FLOOD}) in {:.2} s = {:.0} updates/s{}; \
         {fully_answered}/{LOAD_USERS} users got all {LOAD_PER_USER} answers; the flooder got {flood_answers} answers and \
         {flood_refusals} refusals; peak RSS {:.0} MB",
        elapsed.as_secs_f64(),
        delivered.len() as f64 / elapsed.as_secs_f64(),
        if done { "" } else { " (TIMED OUT)" },
        peak_rss_mb(),
    );
    assert!(done, "every update got a reply");
    assert_eq!(fully_answered, LOAD_USERS as usize, "every user within the limit was answered");
    assert_eq!(
        (flood_answers, flood_refusals),
        (LOAD_PER_USER, FLOOD - LOAD_PER_USER),
        "the limit applies to the flooder"
    );

    if let Ok(done) = token.shutdown() {
        let _ = tokio::time::timeout(TIMEOUT, done).await;
    }
    let _ = tokio::time::timeout(TIMEOUT, running).await;
}
