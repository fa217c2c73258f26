//! Question latency on the shipped seeds and on the SQuAD v1.1 dev paragraphs,
//! ranking alone, indexing throughput, rendering the cited answer, and the nearest
//! sentence vectors (exact and approximate) of the semantic layer. SQuAD is read
//! from `../shared/bench` when present; its groups are skipped otherwise.
//!
//! Run: `cargo bench --bench search`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use newsdesk::answer::AskOptions;
use newsdesk::bot::render::{Lang, answer_messages};
use newsdesk::eval::load_squad;
use newsdesk::index::NewsIndex;
use newsdesk::ingest::{article_files, read_file};
use newsdesk::retrieve::filters::parse;
use newsdesk::retrieve::semantic::VectorStore;

fn seeds_index() -> NewsIndex {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let articles: Vec<_> = article_files(&dir).unwrap().iter().flat_map(|f| read_file(f).articles).collect();
    let index = NewsIndex::in_memory().unwrap();
    index.add_articles(&articles).unwrap();
    index
}

fn ask_seeds(c: &mut Criterion) {
    let index = seeds_index();
    let mut group = c.benchmark_group("ask/seeds");
    let questions = [
        ("en", "How many missiles did Ukraine receive through the PURL mechanism?"),
        ("uk", "Що сказав Єгор Чернєв про миротворців?"),
        ("off-topic", "What is the best recipe for borscht?"),
    ];
    for (name, question) in questions {
        group.bench_with_input(BenchmarkId::from_parameter(name), question, |b, q| {
            b.iter(|| {
                let answer = index.ask(black_box(q), AskOptions::default()).unwrap();
                // Guard: the benchmark measures a real answer (or a real refusal).
                assert_eq!(answer.answered, name != "off-topic");
                answer
            })
        });
    }
    group.finish();
}

fn squad() -> Option<(Vec<newsdesk::ingest::Article>, Vec<newsdesk::eval::EvalQuestion>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/squad/dev-v1.1.json");
    if !path.exists() {
        eprintln!("skipping the SQuAD groups: {} not found", path.display());
        return None;
    }
    Some(load_squad(&path).unwrap())
}

fn ask_squad(c: &mut Criterion) {
    let Some((articles, questions)) = squad() else { return };
    let index = NewsIndex::in_memory().unwrap();
    index.add_articles(&articles).unwrap();
    // A fixed, spread-out sample of questions, cycled through.
    let sample: Vec<&str> = questions.iter().step_by(97).map(|q| q.question.as_str()).collect();
    let mut group = c.benchmark_group("ask/squad");
    let mut i = 0;
    group.bench_function("2067-paragraphs", |b| {
        b.iter(|| {
            i = (i + 1) % sample.len();
            index.ask(black_box(sample[i]), AskOptions::default()).unwrap()
        })
    });
    group.bench_function("2067-paragraphs/ranking-only", |b| {
        b.iter(|| {
            i = (i + 1) % sample.len();
            index.rank_articles(black_box(sample[i]), AskOptions::default()).unwrap()
        })
    });
    group.finish();
}

/// Reading the filters out of a question: SQuAD questions (which name no window)
/// and questions with time words and filters, at a fixed moment; and the moment
/// itself, as `NewsIndex::ask` takes it in the system's time zone.
fn filters(c: &mut Criterion) {
    let now = "2026-02-11T10:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Kyiv").unwrap());
    let mut group = c.benchmark_group("filters");
    if let Some((_, questions)) = squad() {
        let sample: Vec<&str> = questions.iter().step_by(97).map(|q| q.question.as_str()).collect();
        let mut i = 0;
        group.bench_function("parse/squad-questions", |b| {
            b.iter(|| {
                i = (i + 1) % sample.len();
                parse(black_box(sample[i]), &now)
            })
        });
    }
    let filtered = [
        "What did Rutte say last week?",
        "що писали про PURL у лютому?",
        "sanctions source:UNN since:2026-02-01 lang:uk",
        "на прошлой неделе в Киеве",
        "oil prices between March 1 and 15, 1987",
    ];
    let mut i = 0;
    group.bench_function("parse/with-filters", |b| {
        b.iter(|| {
            i = (i + 1) % filtered.len();
            parse(black_box(filtered[i]), &now)
        })
    });
    group.bench_function("now-in-the-system-zone", |b| b.iter(jiff::Zoned::now));
    group.finish();
}

fn index_squad(c: &mut Criterion) {
    let Some((articles, _)) = squad() else { return };
    let mut group = c.benchmark_group("index/squad");
    group.sample_size(10);
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("2067-paragraphs", |b| {
        b.iter(|| {
            let index = NewsIndex::in_memory().unwrap();
            index.add_articles(black_box(&articles)).unwrap();
            index
        })
    });
    group.finish();
}

fn render_answer(c: &mut Criterion) {
    let index = seeds_index();
    let answer = index
        .ask("How many missiles did Ukraine receive through the PURL mechanism?", AskOptions::default())
        .unwrap();
    assert!(answer.answered);
    c.bench_function("render/cited-answer", |b| b.iter(|| answer_messages(black_box(&answer), Lang::En)));
}

/// Nearest sentence vectors among 50,000 (384 dimensions, two languages, like
/// multilingual-e5-small's): the exact scan, and the approximate index with its
/// exact scoring of the candidates.
fn nearest_vectors(c: &mut Criterion) {
    const COUNT: u64 = 50_000;
    const DIM: usize = 384;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut vector = move || -> Vec<f32> {
        let v: Vec<f32> = (0..DIM)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % 2000) as f32 / 1000.0 - 1.0
            })
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    };
    let items: Vec<(u64, u8, Vec<f32>)> = (0..COUNT).map(|i| (i, 1 + (i % 2) as u8, vector())).collect();
    let questions: Vec<Vec<f32>> = (0..64).map(|_| vector()).collect();
    let mut exact = VectorStore::in_memory("bench");
    exact.add(&items).unwrap();
    let mut approximate = VectorStore::in_memory("bench").with_exact_limit(0);
    approximate.add(&items).unwrap();
    let started = std::time::Instant::now();
    approximate.build_approximate();
    eprintln!("approximate index over {COUNT} vectors built in {:.1} s", started.elapsed().as_secs_f64());
    let mut group = c.benchmark_group("vectors/nearest-50k");
    let mut n = 0;
    group.bench_function("exact", |b| {
        b.iter(|| {
            n += 1;
            exact.nearest(black_box(&questions[n % questions.len()]), 40)
        })
    });
    group.bench_function("approximate", |b| {
        b.iter(|| {
            n += 1;
            approximate.nearest(black_box(&questions[n % questions.len()]), 40)
        })
    });
    group.finish();
}

criterion_group!(benches, ask_seeds, ask_squad, filters, index_squad, render_answer, nearest_vectors);
criterion_main!(benches);
