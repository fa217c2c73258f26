//! Question latency on the shipped seeds and on the SQuAD v1.1 dev paragraphs
//! (read from `../shared/bench` when present; that group is skipped otherwise).
//!
//! Run: `cargo bench --bench search`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use newsdesk::corpus::{article_files, read_file};
use newsdesk::eval::load_squad;
use newsdesk::search::{AskOptions, NewsIndex};

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

fn ask_squad(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/squad/dev-v1.1.json");
    if !path.exists() {
        eprintln!("skipping ask/squad: {} not found", path.display());
        return;
    }
    let (articles, questions) = load_squad(&path).unwrap();
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
    group.finish();
}

criterion_group!(benches, ask_seeds, ask_squad);
criterion_main!(benches);
