//! `newsdesk eval`: answer quality on closed pools (SQuAD v1.1, XQuAD-R across
//! languages), on a question file over the corpus, on questions cut down to what
//! people type in a chat, and on questions that should all be refused.

use std::path::PathBuf;

use super::{UsageError, fill_all_vectors, index_for_answers, semantic_layer};
use crate::config::Config;
use crate::eval::{self, EvalQuestion, Metrics};
use crate::index::NewsIndex;
use crate::ingest::Article;
use crate::retrieve::semantic::Fusion;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// SQuAD v1.1 JSON: every paragraph becomes an article.
    #[arg(long, conflicts_with_all = ["questions", "xquad"])]
    squad: Option<PathBuf>,
    /// XQuAD-R folder (`en.json`, `de.json`, …): the --paragraph-lang paragraphs become
    /// articles, asked with the --questions-lang questions; the answer's sentence is
    /// known, so the first excerpt is checked for it.
    #[arg(long, conflicts_with = "questions")]
    xquad: Option<PathBuf>,
    /// Language of the XQuAD-R questions.
    #[arg(long, default_value = "en", requires = "xquad")]
    questions_lang: String,
    /// Language of the XQuAD-R paragraphs.
    #[arg(long, default_value = "en", requires = "xquad")]
    paragraph_lang: String,
    /// JSON lines `{"question", "article": id|null, "answer": phrase|null}` over --corpus;
    /// optionally `"now"` and `"tz"` (when and where it is asked) and the filter every
    /// result must be in: `"since"`, `"until"` (YYYY-MM-DD), `"sources"`, `"lang"`.
    #[arg(long, required_unless_present_any = ["squad", "xquad"])]
    questions: Option<PathBuf>,
    /// Ask the --squad or --xquad questions against --corpus instead of their own
    /// paragraphs: none should be answered.
    #[arg(long)]
    off_topic: bool,
    /// Ask only the questions of the pool's even- or odd-numbered articles (counted
    /// from 0 in the --squad or --xquad file; the whole pool is still indexed): a
    /// threshold chosen on one half is reported on the other.
    #[arg(long, value_enum)]
    split: Option<eval::Split>,
    /// Cut every question to its first content words (at most 6), as people type
    /// them in a chat.
    #[arg(long)]
    short: bool,
    /// Give every question one typo (one letter left out, doubled, changed to a key
    /// next to it, or two swapped, in one Latin or Cyrillic word of five letters or
    /// more), as people type in a chat; with --short, after cutting.
    #[arg(long)]
    typos: bool,
    /// `hybrid`: what users get (words and, with NEWSDESK_EMBED_URL set, meaning);
    /// `lexical`: words alone; `dense`: the nearest sentences in meaning alone.
    #[arg(long, value_enum, default_value_t = Ranking::Hybrid)]
    ranking: Ranking,
    /// Print the metrics as one JSON object.
    #[arg(long)]
    json: bool,
    /// Print each question that failed.
    #[arg(long)]
    verbose: bool,
    /// Results asked for per question.
    #[arg(long, default_value_t = eval::DEFAULT_DEPTH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    depth: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Ranking {
    Hybrid,
    Lexical,
    Dense,
}

pub fn evaluate(config: &mut Config, args: &EvalArgs) -> anyhow::Result<()> {
    if args.ranking == Ranking::Lexical {
        config.embed = None;
    } else if args.ranking == Ranking::Dense && config.embed.is_none() {
        return Err(UsageError("--ranking dense needs NEWSDESK_EMBED_URL".into()).into());
    }
    let fusion = if args.ranking == Ranking::Dense { Fusion::DenseOnly } else { Fusion::Hybrid };
    let pool = match (&args.squad, &args.xquad) {
        (Some(squad), _) => Some((eval::load_squad(squad)?, "squad".to_owned())),
        (None, Some(dir)) => Some((
            eval::load_xquad(dir, &args.questions_lang, &args.paragraph_lang)?,
            format!("xquad-{}", args.paragraph_lang),
        )),
        (None, None) => None,
    };
    let pool = pool.map(|((articles, questions), name)| match args.split {
        Some(split) => ((articles, eval::split(questions, split)), name),
        None => ((articles, questions), name),
    });
    let (index, mut questions) = match pool {
        Some(((_, questions), _)) if args.off_topic => {
            (corpus_index(config, fusion)?, eval::off_topic(questions))
        }
        Some(((articles, questions), name)) => (pool_index(config, &articles, &name, fusion)?, questions),
        None => {
            let Some(file) = &args.questions else {
                return Err(UsageError("give --squad FILE, --xquad DIR or --questions FILE".into()).into());
            };
            (corpus_index(config, fusion)?, eval::load_questions(file)?)
        }
    };
    if args.short {
        questions = eval::shortened(&questions);
    }
    if args.typos {
        questions = eval::with_typos(&questions);
    }
    let metrics = eval::evaluate(&index, &questions, config.min_coverage, args.depth)?;
    if args.verbose {
        for outcome in metrics.outcomes.iter().filter(|o| !o.passed) {
            eprintln!(
                "FAIL {:?}: answered={} first={:?} excerpt={:?}",
                outcome.question, outcome.answered, outcome.first_article, outcome.first_excerpt
            );
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        print_metrics(&metrics, &questions);
    }
    Ok(())
}

/// The corpus folder's index, with the layer ranking as `fusion` says.
fn corpus_index(config: &Config, fusion: Fusion) -> anyhow::Result<NewsIndex> {
    let index = index_for_answers(config)?;
    Ok(with_fusion(index, fusion))
}

/// A closed pool indexed in memory. Vectors are kept in the data folder, so later
/// runs embed nothing again.
fn pool_index(
    config: &Config,
    articles: &[Article],
    name: &str,
    fusion: Fusion,
) -> anyhow::Result<NewsIndex> {
    let mut index = NewsIndex::in_memory()?;
    let vectors = config.data.join(format!("{name}-vectors.bin"));
    let queries = config.data.join(format!("{name}-question-vectors.bin"));
    if config.embed.is_some() {
        std::fs::create_dir_all(&config.data)?;
    }
    let semantic = semantic_layer(config, &vectors, Some(&queries))?;
    if let Some(semantic) = &semantic {
        index = index.with_semantic(semantic.clone());
    }
    let started = std::time::Instant::now();
    let passages = index.add_articles(articles)?;
    tracing::info!(
        articles = articles.len(),
        passages,
        seconds = started.elapsed().as_secs_f64(),
        "indexed the evaluation pool"
    );
    if semantic.is_some() {
        fill_all_vectors(&index, None)?;
    }
    Ok(with_fusion(index, fusion))
}

fn with_fusion(index: NewsIndex, fusion: Fusion) -> NewsIndex {
    if let Some(semantic) = index.semantic() {
        semantic.set_fusion(fusion);
    }
    index
}

fn print_metrics(metrics: &Metrics, questions: &[EvalQuestion]) {
    println!("questions            {}", metrics.questions);
    if metrics.answerable > 0 {
        println!("top-1                {:.3}", metrics.top1);
        println!("top-5                {:.3}", metrics.top5);
        println!("top-20               {:.3}", metrics.top20);
        println!("MRR@10               {:.3}", metrics.mrr10);
        println!("answer in excerpt 1  {:.3}", metrics.answer_in_first_excerpt);
        println!("answer in top-3      {:.3}", metrics.answer_in_top3_excerpts);
        if questions.iter().any(|q| q.gold_sentence.is_some()) {
            println!("gold sentence in 1   {:.3}", metrics.gold_sentence_in_first_excerpt);
        }
    }
    if metrics.filtered_questions > 0 {
        println!(
            "filter precision     {:.3} ({} questions with a window or outlet, {} results outside; windows read {:.3})",
            metrics.filter_precision,
            metrics.filtered_questions,
            metrics.results_outside_filters,
            metrics.windows_read
        );
    }
    println!(
        "abstention accuracy  {:.3} ({} false refusals, {} false answers)",
        metrics.abstention_accuracy, metrics.false_abstentions, metrics.false_answers
    );
    println!(
        "as users see it      answer@1 {:.3}, {} refused, {} off-topic answered (weak results left out)",
        metrics.shown_answer_at_1, metrics.shown_refusals, metrics.shown_false_answers
    );
    println!("answers/s (1 thread) {:.0}, {} excerpts each", metrics.queries_per_second, metrics.depth);
    println!(
        "rankings/s           {:.0} (ranking alone: top-1 {:.3}, top-5 {:.3})",
        metrics.ranking_queries_per_second, metrics.ranking_top1, metrics.ranking_top5
    );
    println!(
        "latency p50/p95/p99  {:.2} / {:.2} / {:.2} ms",
        metrics.latency_p50_ms, metrics.latency_p95_ms, metrics.latency_p99_ms
    );
}
