//! The command line: argument parsing, logging set-up and the subcommands.
//!
//! This is the edge of the program: it reads the configuration once, turns library
//! errors into messages with context, and owns stdout (answers) and stderr (logs,
//! progress).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::json;
use tracing_subscriber::EnvFilter;

mod evaluate;
mod import;
mod plain;

use crate::answer::{Answer, AskOptions};
use crate::bot::Updates;
use crate::config::Config;
use crate::index::{self, NewsIndex, SearchError, ServeLock, SyncReport, VECTORS_FILE};
use crate::ingest::{feeds, watch};
use crate::retrieve::semantic::{self, Embedder, Semantic, VectorStore};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about = "Answers questions about a news archive with cited excerpts")]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index the corpus folder (incremental: only new and changed files are read).
    Index {
        #[command(flatten)]
        paths: Paths,
    },
    /// Answer a question, or one question per line from stdin.
    Ask {
        /// The question; without it, questions are read from stdin, one per line.
        question: Option<String>,
        /// Print one JSON object per question.
        #[arg(long)]
        json: bool,
        /// Cited passages per answer (default NEWSDESK_RESULTS, 3).
        #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..=50))]
        k: Option<u16>,
        #[command(flatten)]
        when: When,
        #[command(flatten)]
        paths: Paths,
    },
    /// Run the Telegram bot (long polling) over the index.
    Serve {
        #[command(flatten)]
        paths: Paths,
    },
    /// Fill in the sentence vectors of the semantic layer (needs NEWSDESK_EMBED_URL),
    /// newest articles first. Stopped (Ctrl-C or --budget), it resumes where it left off.
    Embed {
        /// Stop after this long, e.g. `10m`, `90s`, `1h30m`; run again to go on.
        #[arg(long, value_parser = parse_budget)]
        budget: Option<std::time::Duration>,
        #[command(flatten)]
        paths: Paths,
    },
    /// Exit 0 when the running bot's /healthz (at NEWSDESK_HTTP_ADDR) says it is
    /// healthy, 1 otherwise (for container health checks; needs no curl).
    Healthcheck,
    /// Ask questions in an interactive terminal session, as the bot would answer them.
    Chat {
        #[command(flatten)]
        when: When,
        #[command(flatten)]
        paths: Paths,
    },
    /// Add a source's history to the corpus, then index it: `import telegram
    /// result.json` for a channel's Telegram Desktop export.
    Import {
        #[command(subcommand)]
        source: import::ImportSource,
    },
    /// Feeds (RSS, Atom, JSON Feed) listed in NEWSDESK_FEEDS or added with /addfeed.
    Feeds {
        #[command(subcommand)]
        action: FeedsCommand,
    },
    /// Measure answer quality: SQuAD v1.1 or XQuAD-R as closed pools, a question
    /// file over the corpus, or questions that should all be refused.
    Eval {
        #[command(flatten)]
        args: evaluate::EvalArgs,
        #[command(flatten)]
        paths: Paths,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Poll every feed once, write new items to the corpus and index them; prints one
    /// summary line and exits 0 even when some feeds fail.
    Fetch {
        #[command(flatten)]
        paths: Paths,
    },
    /// Each feed with its state: last success, items, failures.
    List,
}

#[derive(Debug, clap::Args)]
pub struct Paths {
    /// Corpus folder (default NEWSDESK_CORPUS, `seeds`).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Index folder (default NEWSDESK_INDEX, `data/index`).
    #[arg(long)]
    pub index: Option<PathBuf>,
}

/// When and where questions are asked: what "today", "last week" and "in February"
/// mean.
#[derive(Debug, Default, clap::Args)]
pub struct When {
    /// Time zone in which "today", "last week" and "in February" are read (an IANA
    /// name such as Europe/Kyiv; default: the system's, else UTC).
    #[arg(long)]
    pub tz: Option<String>,
    /// Ask as if it were this moment (RFC 3339, `2026-02-11T10:00:00Z`, or a day,
    /// `2026-02-11`, read as noon in --tz): to reproduce an answer.
    #[arg(long)]
    pub now: Option<String>,
}

impl When {
    /// The moment questions are asked at, in their time zone.
    pub fn zoned(&self) -> Result<jiff::Zoned, UsageError> {
        let tz = match &self.tz {
            Some(name) => crate::digest::time_zone(name).ok_or_else(|| {
                UsageError(format!("--tz {name:?} is not an IANA time zone name such as Europe/Kyiv"))
            })?,
            None => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
        };
        moment(self.now.as_deref(), tz)
    }
}

/// `now` (RFC 3339, or a day read as noon) in `tz`, or the present moment.
pub(crate) fn moment(now: Option<&str>, tz: jiff::tz::TimeZone) -> Result<jiff::Zoned, UsageError> {
    let Some(now) = now else { return Ok(jiff::Timestamp::now().to_zoned(tz)) };
    if let Ok(timestamp) = now.parse::<jiff::Timestamp>() {
        return Ok(timestamp.to_zoned(tz));
    }
    now.parse::<jiff::civil::Date>().ok().and_then(|day| day.at(12, 0, 0, 0).to_zoned(tz).ok()).ok_or_else(
        || UsageError(format!("--now {now:?} is neither a moment (2026-02-11T10:00:00Z) nor a day")),
    )
}

impl Paths {
    fn apply(&self, config: &mut Config) {
        if let Some(corpus) = &self.corpus {
            config.corpus = corpus.clone();
        }
        if let Some(index) = &self.index {
            config.index = index.clone();
        }
    }
}

/// A failure that is the user's to fix (bad configuration or arguments): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Logs go to stderr; `RUST_LOG` overrides the default filter. tantivy logs every
/// commit at INFO, hence the quieter default for it.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut config = Config::from_env().map_err(|err| UsageError(err.to_string()))?;
    match args.command {
        Command::Index { paths } => {
            paths.apply(&mut config);
            index(&config)
        }
        Command::Ask { question, json, k, when, paths } => {
            paths.apply(&mut config);
            if let Some(k) = k {
                config.results = usize::from(k);
            }
            when.zoned()?;
            ask(&config, question, json, &when)
        }
        Command::Serve { paths } => {
            paths.apply(&mut config);
            serve(&config)
        }
        Command::Chat { when, paths } => {
            paths.apply(&mut config);
            when.zoned()?;
            chat(&config, &when)
        }
        Command::Healthcheck => healthcheck(&config),
        Command::Embed { budget, paths } => {
            paths.apply(&mut config);
            if config.embed.is_none() {
                return Err(UsageError(
                    "NEWSDESK_EMBED_URL is not set: there is no embedding server to ask".into(),
                )
                .into());
            }
            if let Some(holder) = ServeLock::holder(&config.index) {
                eprintln!(
                    "newsdesk serve (pid {}) is running on this index and fills in its vectors by itself, newest first; nothing to do",
                    holder.pid
                );
                return Ok(());
            }
            // Nothing else waits on the server: larger batches.
            if let Some(embed) = &mut config.embed {
                embed.batch = embed.bulk_batch;
            }
            let index = index_for_answers(&config)?;
            fill_all_vectors(&index, budget)
        }
        Command::Import { source } => import::import(&mut config, source),
        Command::Feeds { action: FeedsCommand::Fetch { paths } } => {
            paths.apply(&mut config);
            feeds_fetch(&config)
        }
        Command::Feeds { action: FeedsCommand::List } => feeds_list(&config),
        Command::Eval { args, paths } => {
            paths.apply(&mut config);
            evaluate::evaluate(&mut config, &args)
        }
    }
}

fn check_corpus(config: &Config) -> anyhow::Result<()> {
    if !config.corpus.is_dir() {
        return Err(UsageError(format!(
            "corpus folder {} does not exist or is not a folder (set NEWSDESK_CORPUS or --corpus)",
            config.corpus.display()
        ))
        .into());
    }
    Ok(())
}

fn open_index(config: &Config) -> anyhow::Result<NewsIndex> {
    let index = NewsIndex::open_or_create(&config.index)
        .with_context(|| format!("cannot open the index in {}", config.index.display()))?;
    Ok(match semantic_layer(config, &config.index.join(VECTORS_FILE), None)? {
        Some(semantic) => index.with_semantic(semantic),
        None => index,
    })
}

/// The semantic layer when an embedding server is configured, with its passage
/// vectors in `vectors` (and question vectors in `queries`, for evaluations).
fn semantic_layer(
    config: &Config,
    vectors: &Path,
    queries: Option<&Path>,
) -> anyhow::Result<Option<std::sync::Arc<Semantic>>> {
    let Some(embed) = &config.embed else { return Ok(None) };
    let embedder = Embedder::new(embed.clone());
    let key = embedder.model_key();
    let store = VectorStore::open(vectors, &key)?;
    let mut semantic = Semantic::new(embedder, store);
    semantic.min_similarity = config.min_similarity;
    if let Some(queries) = queries {
        semantic = semantic.with_query_cache(VectorStore::open(queries, &key)?);
    }
    Ok(Some(std::sync::Arc::new(semantic)))
}

/// Embeds every sentence that lacks a vector, newest articles first, for at most
/// `budget`, with a progress bar (rate and time left) on a terminal and a line every
/// ten seconds otherwise. What is embedded is on disk at once, so a run stopped by
/// its budget or Ctrl-C is resumed by the next.
fn fill_all_vectors(index: &NewsIndex, budget: Option<std::time::Duration>) -> anyhow::Result<()> {
    use std::time::{Duration, Instant};
    if index.semantic().is_none() {
        return Ok(());
    }
    let started = Instant::now();
    let budget = budget.unwrap_or(Duration::MAX);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} embedding [{bar:30}] {pos}/{len} sentences, {per_sec}, {eta} left",
            )
            .expect("the progress template is valid")
            .progress_chars("=> "),
        );
        bar
    });
    let mut embedded = 0;
    let mut last_line = Instant::now();
    loop {
        // Rounds of a minute, so sentences of articles indexed meanwhile (by a sync
        // of another process) are found, newest first, within a minute.
        let round = budget.saturating_sub(started.elapsed()).min(Duration::from_secs(60));
        let before = embedded;
        let report = index.fill_vectors_with(round, &mut |report| {
            let done = (before + report.embedded) as u64;
            let total = done + report.missing as u64;
            match &bar {
                Some(bar) => {
                    bar.set_length(total);
                    bar.set_position(done);
                }
                None if last_line.elapsed() >= Duration::from_secs(10) && report.embedded > 0 => {
                    last_line = Instant::now();
                    eprintln!("{}", progress_line(done, report.missing as u64, started.elapsed()));
                }
                None => {}
            }
        })?;
        embedded += report.embedded;
        if report.missing == 0 {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            eprintln!(
                "embedded {embedded} sentences in {:.1} s; every sentence has a vector",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if report.failed {
            if let Some(bar) = &bar {
                bar.abandon();
            }
            anyhow::bail!(
                "the embedding server failed; {embedded} sentences embedded, {} still lack a vector (run `newsdesk embed` again to go on)",
                report.missing
            );
        }
        if started.elapsed() >= budget {
            if let Some(bar) = &bar {
                bar.abandon();
            }
            eprintln!(
                "{}; budget spent: run `newsdesk embed` again to go on",
                progress_line(embedded as u64, report.missing as u64, started.elapsed())
            );
            return Ok(());
        }
    }
}

/// `embedded 1200 sentences, 3400 to go, 21.3/s, about 2m40s left`.
fn progress_line(done: u64, missing: u64, elapsed: std::time::Duration) -> String {
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let left = if rate > 0.0 {
        format!(", about {} left", human_duration(std::time::Duration::from_secs_f64(missing as f64 / rate)))
    } else {
        String::new()
    };
    format!("embedded {done} sentences, {missing} to go, {rate:.1}/s{left}")
}

/// `1h05m`, `2m40s`, `9s`.
fn human_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// A time budget: whole numbers with `h`, `m` or `s` (`10m`, `1h30m`, `90s`); a bare
/// number is seconds.
fn parse_budget(raw: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("invalid budget {raw:?}: write it like 10m, 90s or 1h30m");
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(seconds));
    }
    let mut total = 0_u64;
    let mut number = String::new();
    for c in raw.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' => {
                let n: u64 = number.parse().map_err(|_| bad())?;
                number.clear();
                let unit = match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                total = n.checked_mul(unit).and_then(|n| total.checked_add(n)).ok_or_else(bad)?;
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(total))
}

fn index(config: &Config) -> anyhow::Result<()> {
    check_corpus(config)?;
    if let Some(holder) = ServeLock::holder(&config.index) {
        let ours = index::absolute(&config.corpus);
        if holder.corpus == ours {
            eprintln!(
                "newsdesk serve (pid {}) is running on this index and picks up changes in {} by itself within seconds; nothing to do",
                holder.pid,
                ours.display()
            );
            return Ok(());
        }
        return Err(UsageError(format!(
            "newsdesk serve (pid {}) is running on the index in {}, kept in step with {}; stop it, or give this corpus its own --index",
            holder.pid,
            config.index.display(),
            holder.corpus.display()
        ))
        .into());
    }
    let index = open_index(config)?;
    let report = sync_with_progress(&index, &config.corpus)?;
    eprintln!(
        "indexed {} articles ({} passages) in {:.2} s: {} files read, {} unchanged, {} removed, {} skipped",
        report.articles,
        report.passages,
        report.seconds,
        report.files_indexed,
        report.files_unchanged,
        report.files_removed,
        report.skipped.len(),
    );
    if let Some(backlog) = index.vector_backlog()? {
        eprintln!(
            "{} of {} sentences still lack a vector: `newsdesk embed` fills them in, newest first, and `serve` does while it runs",
            backlog.missing, backlog.sentences
        );
    }
    Ok(())
}

fn sync_with_progress(index: &NewsIndex, corpus: &Path) -> Result<SyncReport, SearchError> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} indexing [{bar:30}] {bytes}/{total_bytes} {eta}",
            )
            .expect("the progress template is valid")
            .progress_chars("=> "),
        );
        bar
    });
    let report = index.sync(corpus, &mut |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report
}

/// Opens the index for answering, building or refreshing it from the corpus first.
/// When another process holds the index (a running `serve`), the index is used as it is.
fn index_for_answers(config: &Config) -> anyhow::Result<NewsIndex> {
    check_corpus(config)?;
    if let Some(holder) = ServeLock::holder(&config.index) {
        tracing::info!(
            pid = holder.pid,
            "a running newsdesk serve keeps this index up to date; answering from it"
        );
        return open_index(config);
    }
    synced_index(config)
}

/// Opens the index and brings it in step with the corpus.
fn synced_index(config: &Config) -> anyhow::Result<NewsIndex> {
    let index = open_index(config)?;
    match sync_with_progress(&index, &config.corpus) {
        Ok(report) if report.files_indexed + report.files_removed > 0 => {
            tracing::info!(
                articles = report.articles,
                passages = report.passages,
                "index refreshed from the corpus"
            );
        }
        Ok(_) => {}
        Err(SearchError::Locked { .. }) => {
            tracing::info!("the index is being written by another process; answering from it as it is");
        }
        Err(err) => return Err(err).context("cannot index the corpus"),
    }
    Ok(index)
}

fn ask(config: &Config, question: Option<String>, json: bool, when: &When) -> anyhow::Result<()> {
    let index = index_for_answers(config)?;
    let options =
        AskOptions { k: config.results, offset: 0, min_coverage: config.min_coverage, keep_weak: false };
    let stdout = std::io::stdout();
    let bold = !json && stdout.is_terminal();
    let mut out = stdout.lock();
    let answer_one = |question: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let answer = index.ask_at(question, options, &when.zoned()?).context("search failed")?;
        if json {
            writeln!(out, "{}", answer_json(&answer))?;
        } else {
            write!(out, "{}", plain::answer(&answer, bold))?;
        }
        Ok(())
    };
    match question {
        Some(question) => answer_one(&question, &mut out)?,
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("cannot read questions from stdin")?;
                if line.trim().is_empty() {
                    continue;
                }
                if !json {
                    writeln!(out, "Q: {}", line.trim())?;
                }
                answer_one(line.trim(), &mut out)?;
                out.flush()?;
            }
        }
    }
    Ok(())
}

/// The `ask --json` object; its shape is a documented interface.
pub fn answer_json(answer: &Answer) -> serde_json::Value {
    let day = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string());
    let filters = json!({
        "since": day(answer.filters.since),
        "until": day(answer.filters.until),
        "sources": answer.sources,
        "excluded_sources": answer.filters.not_sources,
        "lang": answer.filters.lang,
        "matches_nothing": answer.nothing_in_filters,
    });
    let results: Vec<serde_json::Value> = answer
        .hits
        .iter()
        .map(|h| {
            json!({
                "rank": h.rank,
                "article_id": h.article_id,
                "title": h.title,
                "source": h.source,
                "date": h.date,
                "url": h.url,
                "lang": h.lang,
                "excerpt": h.excerpt.text,
                "score": h.score,
                "match": h.matched.as_str(),
            })
        })
        .collect();
    json!({
        "question": answer.question,
        "answered": answer.answered,
        "took_ms": answer.took.as_secs_f64() * 1000.0,
        "filters": filters,
        "missed_window": answer.missed_window.map(|(since, until)| json!({"since": day(since), "until": day(until)})),
        "read_as": answer.read_as.iter().map(|(typed, read)| json!({"typed": typed, "read": read})).collect::<Vec<_>>(),
        "newest_first": answer.newest_first,
        "results": results,
    })
}

/// How often `serve` looks for feeds that are due.
const FEEDS_TICK: std::time::Duration = std::time::Duration::from_secs(1);

fn serve(config: &Config) -> anyhow::Result<()> {
    let bot = crate::bot::bot(config).map_err(|err| UsageError(format!("{err:#}")))?;
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    config.check_folders().map_err(|err| UsageError(err.to_string()))?;
    let _lock = match ServeLock::acquire(&config.index, &config.corpus)
        .with_context(|| format!("cannot lock the index in {}", config.index.display()))?
    {
        Ok(lock) => lock,
        Err(holder) => {
            return Err(UsageError(format!(
                "another newsdesk serve (pid {}) is already running on the index in {}",
                holder.pid,
                config.index.display()
            ))
            .into());
        }
    };
    let store = Store::open(&config.database())?;
    let index = synced_index(config)?;
    let app = std::sync::Arc::new(crate::bot::App::new(index.clone(), store, config));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let (corpus, rescan) = (config.corpus.clone(), std::time::Duration::from_secs(config.rescan_seconds));
    let updates = match &config.webhook_url {
        Some(url) => Updates::Webhook { url: url.clone(), secret: config.webhook_secret.clone() },
        None => Updates::Polling,
    };
    runtime.block_on(async move {
        // Bound before connecting to Telegram, so a taken port fails at once.
        let http = match config.http_addr {
            Some(address) => Some(
                tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address} (NEWSDESK_HTTP_ADDR)"))?,
            ),
            None => None,
        };
        let filler = tokio::spawn(semantic::keep_vectors_filled(index.clone()));
        let poller = std::sync::Arc::new(feeds::Poller::new(
            feed_fetcher(config)?,
            corpus.clone(),
            std::sync::Arc::clone(&app.store),
            config.feeds_interval,
        ));
        let polling = tokio::spawn(feeds::run(poller, config.feeds.clone(), FEEDS_TICK));
        let watcher = tokio::spawn(watch::watch_corpus(index, corpus, rescan));
        let served = crate::bot::serve(crate::bot::throttled(bot), app, http, updates).await;
        watcher.abort();
        polling.abort();
        filler.abort();
        served
    })
}

/// The HTTP client of feeds, with the limits the configuration allows.
fn feed_fetcher(config: &Config) -> anyhow::Result<feeds::Fetcher> {
    let limits = feeds::FetchLimits { allow_private: config.feeds_allow_private, ..Default::default() };
    feeds::Fetcher::new(limits).context("cannot set up the HTTP client for feeds")
}

/// `newsdesk feeds fetch`: every feed polled once, new items written and indexed.
fn feeds_fetch(config: &Config) -> anyhow::Result<()> {
    check_corpus(config)?;
    let store = std::sync::Arc::new(Store::open(&config.database())?);
    let (list, problems) = feeds::feeds_to_poll(config.feeds.as_deref(), &store);
    for problem in &problems {
        eprintln!("{problem}");
    }
    if list.is_empty() {
        return Err(UsageError(
            "no feeds to fetch: set NEWSDESK_FEEDS to a file of feed URLs (or an OPML file), or add feeds with /addfeed"
                .into(),
        )
        .into());
    }
    let poller = std::sync::Arc::new(feeds::Poller::new(
        feed_fetcher(config)?,
        config.corpus.clone(),
        store,
        config.feeds_interval,
    ));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime.block_on(poller.poll(&list, false));
    for (url, why) in report.failed() {
        eprintln!("feed {url} skipped: {why}");
    }
    if ServeLock::holder(&config.index).is_some() {
        eprintln!(
            "newsdesk serve is running on this index and indexes the new items by itself within seconds"
        );
    } else if report.new_items() + report.replaced() > 0 || !config.index.join("meta.json").is_file() {
        let index = open_index(config)?;
        match sync_with_progress(&index, &config.corpus) {
            Ok(_) | Err(SearchError::Locked { .. }) => {}
            Err(err) => return Err(err).context("cannot index the new items"),
        }
    }
    println!("{}", report.summary());
    Ok(())
}

/// `newsdesk feeds list`: each feed, where it is listed, and its state.
fn feeds_list(config: &Config) -> anyhow::Result<()> {
    let store = Store::open(&config.database())?;
    let (list, problems) = feeds::feeds_to_poll(config.feeds.as_deref(), &store);
    for problem in &problems {
        eprintln!("{problem}");
    }
    if list.is_empty() {
        println!(
            "no feeds: set NEWSDESK_FEEDS to a file of feed URLs (or an OPML file), or add feeds with /addfeed"
        );
        return Ok(());
    }
    let now = jiff::Timestamp::now().as_second();
    for (n, feed) in list.iter().enumerate() {
        let state = store.feed_state(feed.url.as_str())?;
        let origin = match feed.origin {
            feeds::Origin::File => "file",
            feeds::Origin::Added => "added",
        };
        let title =
            state.title.as_deref().map(|t| format!(" ({})", crate::ingest::escaped(t))).unwrap_or_default();
        println!("{}. {}{title} [{origin}]: {}", n + 1, feed.url, feeds::status_line(&state, now));
    }
    Ok(())
}

/// Asks the local HTTP listener for `/healthz` with a plain HTTP/1.0 request and
/// prints its answer.
fn healthcheck(config: &Config) -> anyhow::Result<()> {
    use std::io::Read;
    let mut address = config
        .http_addr
        .ok_or_else(|| UsageError("NEWSDESK_HTTP_ADDR is off: there is no /healthz to ask".into()))?;
    // A listener on every interface is reached on loopback.
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = std::time::Duration::from_secs(5);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
        .with_context(|| format!("nothing listens on {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(format!("GET /healthz HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())?;
    let mut response = String::new();
    stream.take(64 * 1024).read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let healthy = head.lines().next().is_some_and(|status| status.split_whitespace().nth(1) == Some("200"));
    print!("{body}");
    if healthy { Ok(()) } else { Err(anyhow::anyhow!("unhealthy")) }
}

/// A terminal session: each line is a question, answered as the bot would; `more`
/// shows the next results, `quit` (or end of input) leaves.
fn chat(config: &Config, when: &When) -> anyhow::Result<()> {
    let index = index_for_answers(config)?;
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let bold = std::io::stdout().is_terminal();
    if interactive {
        println!("Ask about the archive. `more` shows further results, `quit` leaves.");
    }
    let mut last: Option<(String, usize)> = None;
    let mut line = String::new();
    loop {
        if interactive {
            print!("> ");
            std::io::stdout().flush()?;
        }
        line.clear();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let input = line.trim();
        let (question, offset) = match input {
            "" => continue,
            "quit" | "exit" | "/quit" => break,
            "more" | "/more" => match &last {
                Some((q, shown)) => (q.clone(), *shown),
                None => {
                    println!("Ask a question first.");
                    continue;
                }
            },
            q => (q.to_owned(), 0),
        };
        let options =
            AskOptions { k: config.results, offset, min_coverage: config.min_coverage, keep_weak: false };
        let answer = index.ask_at(&question, options, &when.zoned()?).context("search failed")?;
        if offset > 0 && answer.hits.is_empty() {
            println!("No more results.\n");
            continue;
        }
        print!("{}", plain::answer(&answer, bold));
        last = Some((question, offset + answer.hits.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn budgets_read_as_people_write_them() {
        let minutes = |m: u64| Ok(Duration::from_secs(m * 60));
        assert_eq!(parse_budget("10m"), minutes(10));
        assert_eq!(parse_budget("1h30m"), minutes(90));
        assert_eq!(parse_budget("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_budget("45"), Ok(Duration::from_secs(45)));
        for bad in ["", "m", "10x", "10m5", "0m", "-5m", "99999999999999999999h"] {
            assert!(parse_budget(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            progress_line(100, 50, Duration::from_secs(10)),
            "embedded 100 sentences, 50 to go, 10.0/s, about 5s left"
        );
        assert_eq!(human_duration(Duration::from_secs(3 * 3600 + 65)), "3h01m");
    }
}
