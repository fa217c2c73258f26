//! The tantivy index of passages, kept in step with a corpus folder, and the answer
//! to a question: ranked passages from distinct articles, each with a cited excerpt.
//!
//! Articles are split into passages (windows of whole paragraphs), and each passage
//! is one tantivy document carrying its article's metadata. A question is analysed
//! with the same [`analysis`](crate::analysis) as the text, its terms (never parsed
//! as query syntax) scored with BM25 over body and title (the `bm25` module), and the best
//! candidates are re-ranked by how well their best
//! sentence matches. The answer abstains when even the best passage covers too
//! little of the question.
//!
//! This module does not depend on teloxide and never formats output for a front end.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::InvertedIndexReader;
use tantivy::collector::{Collector, DocSetCollector, TopDocs};
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery, Weight};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentReader,
    TantivyDocument, Term,
};

use crate::analysis::{NewsTokenizer, SENTENCE_BREAK, analyze, detect_language, sentences};
use crate::bm25;
use crate::corpus::{self, Article, Skipped};
use crate::excerpt::{BIGRAM_BONUS, Excerpt, PassageMatch, QueryTerms};
use crate::names;
use crate::semantic::Semantic;
use crate::vectors;

/// Name under which [`NewsTokenizer`] is registered. It is stored in the index
/// schema, so renaming it breaks existing indexes.
const ANALYZER: &str = "news";

/// Bumped whenever the schema, the analyzer or passage splitting changes; an index
/// of another version is rebuilt from the corpus.
const FORMAT_VERSION: u32 = 4;

/// File in the index folder that records which corpus files are indexed.
const MANIFEST_FILE: &str = "newsdesk-manifest.json";

/// Memory for the index writer, shared by its threads.
const WRITER_MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// Paragraphs are gathered into one passage until it reaches this many characters.
const PASSAGE_TARGET_CHARS: usize = 600;

/// A paragraph longer than this is split at sentence boundaries into passages.
const PASSAGE_MAX_CHARS: usize = 1500;

/// How much a title match counts relative to a body match. Every passage of an
/// article carries its title, so a higher boost drowns the passage-level signal
/// (SQuAD dev: 0.5 to 1.0 best, 2.5 loses a point of top-1). Matching titles only
/// when re-ranking would halve the query's terms, but news questions often name a
/// story by its headline: news-22k title questions fell from 0.79 to 0.72 top-1.
const TITLE_BOOST: f32 = 0.7;

/// Terms found in more passages than this are left out of the BM25 candidate query
/// when the question has a rarer one: on a large archive their long posting lists
/// were most of a question's time (1M passages: p99 28 ms with them, 7 to 9 ms
/// without)
/// while they pick out nothing. They still count when candidates are re-ranked
/// (their weight where present, in the best sentence and in coverage). No SQuAD term
/// reaches it (2,067 paragraphs).
const COMMON_PASSAGES: u64 = 20_000;

/// BM25 candidates re-ranked by sentence match; deeper changed nothing on SQuAD dev.
const RERANK_DEPTH: usize = 20;

/// Weight of the best sentence's match (sum of IDF of the distinct question terms in
/// one sentence) added to the BM25 score: answers sit in one sentence, so a passage
/// that gathers the question's words there is the better one (SQuAD dev: +3.5 points
/// top-1 over none; 0.7 keeps top-5 at 0.941 where 1.0 gave 0.9396).
const SENTENCE_WEIGHT: f32 = 0.7;

/// Weight of the share of the question's terms the passage holds at all.
const COVERAGE_WEIGHT: f32 = 3.0;

/// Default share of the question's term weight the best passage must contain for
/// the question to count as answered. Chosen on the seed question set and SQuAD dev:
/// see README.md.
pub const DEFAULT_MIN_COVERAGE: f32 = 0.35;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot read the search index")]
    Read(#[from] std::io::Error),
    #[error("the index in {} is being written by another process (is `newsdesk serve` or `newsdesk index` running?)", path.display())]
    Locked { path: PathBuf },
    #[error("cannot create index folder {}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}", path.display())]
    Manifest { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Corpus(#[from] corpus::CorpusError),
    #[error("the index has no field {0:?}; delete the index folder and run `newsdesk index`")]
    Schema(&'static str),
}

/// Field handles, resolved once from the schema.
#[derive(Clone, Copy, Debug)]
struct Fields {
    article_id: Field,
    file: Field,
    passage: Field,
    title: Field,
    body: Field,
    source: Field,
    date: Field,
    url: Field,
    lang: Field,
    added: Field,
    /// [`article_key`] of the article id: ranking keeps one passage per article
    /// without reading ids.
    article_key: Field,
    /// Keys of the passage's sentences ([`vectors::key_of`]), for their vectors.
    sentences: Field,
    /// [`names::name_keys`] of the title and passage.
    names: Field,
}

/// Fields read as columns by name.
const ARTICLE_KEY: &str = "article_key";

/// The only place field names appear.
fn schema() -> Schema {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored { options.set_stored() } else { options }
    };
    builder.add_text_field("article_id", STRING | STORED | FAST);
    builder.add_text_field("file", STRING);
    builder.add_u64_field("passage", STORED | INDEXED | FAST);
    builder.add_text_field("title", text(true));
    builder.add_text_field("body", text(true));
    builder.add_text_field("source", STRING | STORED);
    builder.add_text_field("date", STRING | STORED | FAST);
    builder.add_text_field("url", STORED);
    builder.add_text_field("lang", STRING | STORED);
    builder.add_u64_field("added", STORED | INDEXED | FAST);
    builder.add_u64_field(ARTICLE_KEY, FAST);
    builder.add_u64_field("sentences", INDEXED | FAST);
    builder.add_text_field("names", STRING);
    builder.build()
}

impl Fields {
    fn from_schema(schema: &Schema) -> Result<Fields, SearchError> {
        let get = |name: &'static str| schema.get_field(name).map_err(|_| SearchError::Schema(name));
        Ok(Fields {
            article_id: get("article_id")?,
            file: get("file")?,
            passage: get("passage")?,
            title: get("title")?,
            body: get("body")?,
            source: get("source")?,
            date: get("date")?,
            url: get("url")?,
            lang: get("lang")?,
            added: get("added")?,
            article_key: get(ARTICLE_KEY)?,
            sentences: get("sentences")?,
            names: get("names")?,
        })
    }
}

/// Options for one question.
#[derive(Clone, Copy, Debug)]
pub struct AskOptions {
    /// Results wanted, from distinct articles.
    pub k: usize,
    /// Results to skip (for "More").
    pub offset: usize,
    /// See [`DEFAULT_MIN_COVERAGE`].
    pub min_coverage: f32,
    /// Keep results too weak to cite (for evaluation, which ranks every question);
    /// [`Answer::answered`] still says whether the first one is strong enough.
    pub keep_weak: bool,
}

impl Default for AskOptions {
    fn default() -> Self {
        AskOptions { k: 3, offset: 0, min_coverage: DEFAULT_MIN_COVERAGE, keep_weak: false }
    }
}

/// The answer to one question.
#[derive(Clone, Debug)]
pub struct Answer {
    pub question: String,
    /// False when nothing relevant was found; `hits` is then empty.
    pub answered: bool,
    pub hits: Vec<Hit>,
    /// Share of the question's term weight found in the best passage, 0..=1.
    pub coverage: f32,
    pub took: std::time::Duration,
}

/// One cited passage.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// 1-based rank within the answer (counting skipped results).
    pub rank: usize,
    pub article_id: String,
    pub title: String,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub lang: String,
    /// Index of the passage within its article.
    pub passage: u64,
    pub excerpt: Excerpt,
    pub score: f32,
    /// How the passage was found.
    pub matched: Match,
    /// The article is in another language than the question.
    pub foreign: bool,
}

/// An article's metadata, as listed by [`NewsIndex::articles`] and [`NewsIndex::sources`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleInfo {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    pub lang: String,
    /// Unix milliseconds when the article entered the index. Every sync stamps its
    /// articles with the time it started, and syncs never overlap, so a later sync's
    /// articles always carry a larger stamp: digests use it as their cursor.
    pub added: u64,
}

/// An article added to the index recently, with its opening sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreshArticle {
    pub info: ArticleInfo,
    /// The first sentence of the article, verbatim (cut at a word with "…" when over
    /// [`LEAD_MAX_CHARS`]).
    pub lead: String,
}

/// Longest lead sentence a digest shows.
pub const LEAD_MAX_CHARS: usize = 280;

/// What [`NewsIndex::sync`] did.
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    pub files_indexed: usize,
    pub files_unchanged: usize,
    pub files_removed: usize,
    pub articles: usize,
    pub passages: usize,
    pub skipped: Vec<Skipped>,
    pub seconds: f64,
}

/// What is recorded per corpus file, to re-index only what changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    /// Whether the passages carry the semantic layer's sentence and name keys
    /// (written only while the layer is on).
    #[serde(default)]
    semantic: bool,
    files: BTreeMap<String, FileState>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct FileState {
    size: u64,
    modified_ns: u128,
    hash: String,
    articles: usize,
    passages: usize,
}

/// A passage index on disk (or in memory, for tests and benchmarks).
#[derive(Clone)]
pub struct NewsIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// `None` for an in-memory index.
    dir: Option<PathBuf>,
    /// The optional semantic layer; `None` answers lexically only.
    semantic: Option<Arc<Semantic>>,
}

/// Sentences shorter than this are not embedded (captions, fragments).
const VECTOR_SENTENCE_MIN_CHARS: usize = 25;

/// The sentences of a passage that get vectors, with their keys: a question is
/// matched by meaning against single sentences, which is where facts sit, and the
/// best one is the excerpt.
pub fn vector_sentences(body: &str) -> Vec<(u64, (usize, usize))> {
    sentences(body)
        .into_iter()
        .filter(|&(s, e)| body[s..e].trim().chars().count() >= VECTOR_SENTENCE_MIN_CHARS)
        .map(|(s, e)| (vectors::key_of(body[s..e].trim()), (s, e)))
        .collect()
}

/// File in the index folder holding sentence vectors.
pub const VECTORS_FILE: &str = "newsdesk-vectors.bin";

/// How a cited passage was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// By its words (BM25 and sentence match).
    Lexical,
    /// By meaning only (nearest vectors): possibly in another language.
    Semantic,
    /// Both.
    Both,
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Lexical => "lexical",
            Match::Semantic => "semantic",
            Match::Both => "both",
        }
    }
}

/// A sentence without a vector: its key, language ([`vectors::lang_code`]) and text.
pub type Unembedded = (u64, u8, String);

/// What [`NewsIndex::fill_vectors`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FillReport {
    pub embedded: usize,
    /// Passages still without a vector.
    pub missing: usize,
    /// The server failed; the rest waits for the next round.
    pub failed: bool,
}

impl NewsIndex {
    /// Opens the index in `dir`, creating an empty one when there is none (or one of
    /// an older format, which is then emptied so the next sync rebuilds it).
    pub fn open_or_create(dir: &Path) -> Result<NewsIndex, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| SearchError::CreateDir { path: dir.to_owned(), source })?;
        let manifest = read_manifest(dir);
        let exists = dir.join("meta.json").exists();
        let index = if exists && manifest.as_ref().is_some_and(|m| m.version == FORMAT_VERSION) {
            Index::open_in_dir(dir)?
        } else {
            if exists {
                match &manifest {
                    Some(_) => {
                        tracing::info!(dir = %dir.display(), "index format changed; rebuilding from the corpus")
                    }
                    None => tracing::warn!(
                        dir = %dir.display(),
                        "the index has no readable manifest (a first run was interrupted?); rebuilding from the corpus"
                    ),
                }
                clear_index_dir(dir)?;
            }
            Index::create_in_dir(dir, schema())?
        };
        Self::from_index(index, Some(dir.to_owned()))
    }

    /// An empty index in memory.
    pub fn in_memory() -> Result<NewsIndex, SearchError> {
        Self::from_index(Index::create_in_ram(schema()), None)
    }

    fn from_index(index: Index, dir: Option<PathBuf>) -> Result<NewsIndex, SearchError> {
        // Analyzers are not persisted with the index: register on every create *and*
        // open, or queries silently match nothing.
        index.tokenizers().register(ANALYZER, TextAnalyzer::from(NewsTokenizer::default()));
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(NewsIndex { index, reader, fields, dir, semantic: None })
    }

    fn writer(&self) -> Result<IndexWriter<TantivyDocument>, SearchError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        self.index.writer_with_num_threads(threads, WRITER_MEMORY_BYTES).map_err(|err| match err {
            tantivy::TantivyError::LockFailure(..) => {
                SearchError::Locked { path: self.dir.clone().unwrap_or_default() }
            }
            other => other.into(),
        })
    }

    /// Adds articles directly (in-memory indexes, tests, benchmarks). Articles with
    /// an id already present are added again, not replaced.
    pub fn add_articles(&self, articles: &[Article]) -> Result<usize, SearchError> {
        let mut writer = self.writer()?;
        let added = now_millis();
        let mut passages = 0;
        for article in articles {
            passages += self.add_article(&writer, article, "", added)?;
        }
        writer.commit()?;
        // One segment: these indexes are built once and then only read.
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        self.reader.reload()?;
        Ok(passages)
    }

    fn add_article(
        &self,
        writer: &IndexWriter<TantivyDocument>,
        article: &Article,
        file: &str,
        added: u64,
    ) -> Result<usize, SearchError> {
        let f = self.fields;
        let chunks = passages(article);
        // The semantic layer's keys cost a third of indexing: only for its archives.
        let semantic = self.semantic.is_some();
        let title_names = if semantic { names::name_keys(&article.title) } else { Vec::new() };
        for (n, body) in chunks.iter().enumerate() {
            let mut doc = TantivyDocument::new();
            doc.add_text(f.article_id, &article.id);
            doc.add_u64(f.article_key, article_key(&article.id));
            doc.add_text(f.file, file);
            doc.add_u64(f.passage, n as u64);
            doc.add_text(f.title, &article.title);
            doc.add_text(f.body, body);
            if let Some(source) = &article.source {
                doc.add_text(f.source, source);
            }
            if let Some(date) = &article.date {
                doc.add_text(f.date, date);
            }
            if let Some(url) = &article.url {
                doc.add_text(f.url, url);
            }
            doc.add_text(f.lang, &article.lang);
            doc.add_u64(f.added, added);
            if semantic {
                for (key, _) in vector_sentences(body) {
                    doc.add_u64(f.sentences, key);
                }
                let body_names = names::name_keys(body);
                for key in
                    title_names.iter().chain(body_names.iter().filter(|key| !title_names.contains(key)))
                {
                    doc.add_text(f.names, key);
                }
            }
            writer.add_document(doc)?;
        }
        Ok(chunks.len())
    }

    /// Brings the index in step with the corpus folder: new and changed files are
    /// (re)indexed, deleted ones removed, unchanged ones left alone. `progress` is
    /// called with (files done, files to index).
    pub fn sync(
        &self,
        corpus_dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SyncReport, SearchError> {
        let started = Instant::now();
        let dir = self.dir.clone().expect("sync is only called on an on-disk index");
        let semantic = self.semantic.is_some();
        let mut manifest = read_manifest(&dir).unwrap_or_default();
        // Turning the semantic layer on or off re-indexes everything: its keys are in
        // every passage, or in none.
        let reindex = manifest.version == FORMAT_VERSION && manifest.semantic != semantic;
        if reindex && !manifest.files.is_empty() {
            tracing::info!(semantic, "the semantic layer was turned on or off; re-indexing the corpus");
        }
        if manifest.version != FORMAT_VERSION || reindex {
            manifest = Manifest { version: FORMAT_VERSION, semantic, files: BTreeMap::new() };
        }
        let files = corpus::article_files(corpus_dir)?;
        let mut report = SyncReport::default();
        let mut todo = Vec::new();
        let mut present = HashSet::new();
        for path in &files {
            let key = path.strip_prefix(corpus_dir).unwrap_or(path).to_string_lossy().into_owned();
            present.insert(key.clone());
            let Ok(meta) = std::fs::metadata(path) else { continue };
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            match manifest.files.get(&key) {
                Some(state) if state.size == meta.len() && state.modified_ns == modified_ns => {
                    report.files_unchanged += 1;
                    report.articles += state.articles;
                    report.passages += state.passages;
                }
                _ => todo.push((path.clone(), key, meta.len(), modified_ns)),
            }
        }
        let removed: Vec<String> = manifest.files.keys().filter(|k| !present.contains(*k)).cloned().collect();
        if todo.is_empty() && removed.is_empty() && !reindex {
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }

        let mut writer = self.writer()?;
        if reindex {
            writer.delete_all_documents()?;
        }
        let added = now_millis();
        for key in &removed {
            writer.delete_term(Term::from_field_text(self.fields.file, key));
            manifest.files.remove(key);
            report.files_removed += 1;
        }
        // Progress is counted in bytes, so one large JSONL file moves the bar too.
        let total: u64 = todo.iter().map(|(_, _, size, _)| *size).sum();
        let mut done: u64 = 0;
        for (path, key, size, modified_ns) in todo {
            progress(done, total);
            // Read once: the same bytes are hashed and parsed.
            let read = corpus::read_bytes(&path);
            let hash =
                read.as_ref().map(|bytes| blake3::hash(bytes).to_hex().to_string()).unwrap_or_default();
            if read.is_ok()
                && let Some(state) = manifest.files.get_mut(&key).filter(|state| state.hash == hash)
            {
                // Touched but not changed: remember the new time stamp only.
                state.size = size;
                state.modified_ns = modified_ns;
                report.files_unchanged += 1;
                report.articles += state.articles;
                report.passages += state.passages;
                done += size;
                continue;
            }
            writer.delete_term(Term::from_field_text(self.fields.file, &key));
            let (mut articles, mut passages) = (0, 0);
            let mut consumed: u64 = 0;
            let skipped = match read {
                // Articles go to the index as they are parsed: the writer's threads
                // start on the first ones while the rest of a feed is still read.
                Ok(bytes) => corpus::parse_file_each(&path, bytes, |article| {
                    passages += self.add_article(&writer, &article, &key, added)?;
                    articles += 1;
                    consumed += article.paragraphs.iter().map(|p| p.len() as u64 + 1).sum::<u64>();
                    progress(done + consumed.min(size), total);
                    Ok::<(), SearchError>(())
                })?,
                Err(skipped) => vec![skipped],
            };
            done += size;
            for skipped in &skipped {
                tracing::warn!("skipped {skipped}");
            }
            report.skipped.extend(skipped);
            report.files_indexed += 1;
            report.articles += articles;
            report.passages += passages;
            manifest.files.insert(key, FileState { size, modified_ns, hash, articles, passages });
        }
        progress(done, total);
        writer.commit()?;
        writer.wait_merging_threads()?;
        write_manifest(&dir, &manifest)?;
        self.reader.reload()?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// The same index with the semantic layer on. Passages get the layer's keys
    /// when they are indexed: attach it before [`NewsIndex::add_articles`]; an index
    /// on disk is re-indexed by its next [`NewsIndex::sync`] when it was built
    /// without the layer (or with it, and the layer is off).
    pub fn with_semantic(mut self, semantic: Arc<Semantic>) -> NewsIndex {
        self.semantic = Some(semantic);
        self
    }

    pub fn semantic(&self) -> Option<&Arc<Semantic>> {
        self.semantic.as_ref()
    }

    /// Up to `limit` sentences (key, language and text) whose vectors the layer
    /// lacks, and how many lack one in all. Identical sentences share a key and
    /// count once.
    pub fn missing_vectors(&self, limit: usize) -> Result<(usize, Vec<Unembedded>), SearchError> {
        let Some(semantic) = &self.semantic else { return Ok((0, Vec::new())) };
        let searcher = self.reader.searcher();
        let f = self.fields;
        let vectors = semantic.vectors.read().unwrap_or_else(|p| p.into_inner());
        let mut seen: HashSet<u64> = HashSet::new();
        let mut batch = Vec::new();
        let mut missing = 0;
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let column = segment.fast_fields().u64("sentences")?;
            for doc in segment.doc_ids_alive() {
                let lacking: Vec<u64> = column
                    .values_for_doc(doc)
                    .filter(|k| !vectors.contains(*k) && !seen.contains(k))
                    .collect();
                if lacking.is_empty() {
                    continue;
                }
                seen.extend(lacking.iter().copied());
                missing += lacking.len();
                if batch.len() >= limit {
                    continue;
                }
                let stored: TantivyDocument = searcher.doc(tantivy::DocAddress::new(ord as u32, doc))?;
                let body = text_of(&stored, f.body);
                let lang = vectors::lang_code(&text_of(&stored, f.lang));
                for (key, (s, e)) in vector_sentences(&body) {
                    if lacking.contains(&key)
                        && batch.len() < limit
                        && !batch.iter().any(|(k, _, _)| *k == key)
                    {
                        batch.push((key, lang, body[s..e].trim().to_owned()));
                    }
                }
            }
        }
        Ok((missing, batch))
    }

    /// Embeds sentences that lack a vector, a batch at a time, for at most `budget`;
    /// stops at the first failure of the server (the next round retries).
    pub fn fill_vectors(&self, budget: std::time::Duration) -> Result<FillReport, SearchError> {
        let Some(semantic) = &self.semantic else { return Ok(FillReport::default()) };
        let started = Instant::now();
        let batch = semantic.embedder.config().batch.max(1);
        let mut report = FillReport::default();
        loop {
            let (missing, todo) = self.missing_vectors(batch)?;
            report.missing = missing;
            if todo.is_empty() || started.elapsed() >= budget {
                return Ok(report);
            }
            let texts: Vec<&str> = todo.iter().map(|(_, _, t)| t.as_str()).collect();
            match semantic.embedder.embed(&texts, crate::embed::Kind::Passage) {
                Ok(embedded) => {
                    let items: Vec<(u64, u8, Vec<f32>)> =
                        todo.iter().zip(embedded).map(|((k, l, _), v)| (*k, *l, v)).collect();
                    let added = semantic.vectors.write().unwrap_or_else(|p| p.into_inner()).add(&items);
                    if let Err(err) = added {
                        tracing::warn!(error = %err, "cannot store sentence vectors");
                        report.failed = true;
                        return Ok(report);
                    }
                    report.embedded += items.len();
                    report.missing = missing - items.len();
                }
                Err(err) => {
                    tracing::warn!(error = %err, missing, "embedding server failed; sentences wait for their vectors");
                    report.failed = true;
                    return Ok(report);
                }
            }
        }
    }

    /// The index folder (`None` for an in-memory index).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of passages in the index.
    pub fn num_passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Answers a question with cited passages from distinct articles: by their
    /// words, and with the semantic layer on, by meaning too.
    pub fn ask(&self, question: &str, options: AskOptions) -> Result<Answer, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let (query, lookups) = self.query_terms(&searcher, question)?;
        let asked_in = detect_language(question);
        // A question without a content word (symbols, emoji, "AND OR NOT") has no
        // meaning to look for either.
        let semantic = self
            .semantic
            .as_ref()
            .filter(|_| !query.weights.is_empty())
            .and_then(|semantic| Some((semantic, semantic.query_vector(&embedded_question(question))?)));
        let cited = match semantic {
            Some((semantic, vector)) => {
                self.hybrid(&searcher, &query, &lookups, semantic, &vector, options, question)?
            }
            None => {
                let ranked = self.rank(&searcher, &query, &lookups, options)?;
                let answered = !ranked.hits.is_empty() && ranked.coverage >= options.min_coverage;
                let cited =
                    ranked.hits.into_iter().map(|hit| Cited::lexical(hit.address, hit.score)).collect();
                Citations { cited, coverage: ranked.coverage, answered }
            }
        };
        let mut answer = Answer {
            question: question.to_owned(),
            answered: cited.answered,
            hits: Vec::with_capacity(cited.cited.len()),
            coverage: cited.coverage,
            took: Default::default(),
        };
        // Only the passages shown are read and analysed, for their excerpts.
        for (i, cited) in cited.cited.into_iter().enumerate() {
            let doc: TantivyDocument = searcher.doc(cited.address)?;
            let body = text_of(&doc, self.fields.body);
            let excerpt = match cited.sentence {
                Some(key) => sentence_excerpt(&body, key),
                None => PassageMatch::new(&body, &query).excerpt(&body, &query),
            };
            answer.hits.push(self.hit(
                &doc,
                options.offset + i + 1,
                excerpt,
                cited.score,
                cited.matched,
                asked_in,
            ));
        }
        answer.took = started.elapsed();
        Ok(answer)
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        rank: usize,
        excerpt: Excerpt,
        score: f32,
        matched: Match,
        asked_in: &str,
    ) -> Hit {
        let f = self.fields;
        let lang = text_of(doc, f.lang);
        Hit {
            rank,
            article_id: text_of(doc, f.article_id),
            title: text_of(doc, f.title),
            source: opt_text(doc, f.source),
            date: opt_text(doc, f.date),
            url: opt_text(doc, f.url),
            foreign: !lang.is_empty() && asked_in != "und" && lang != asked_in,
            lang,
            passage: doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0),
            excerpt,
            score,
            matched,
        }
    }

    /// Hybrid ranking: each article scores by the nearest of its sentences in
    /// meaning ([`VectorStore::nearest`](vectors::VectorStore::nearest): cosine with
    /// each language's centre taken out), plus [`LEXICAL_WEIGHT`] times the share
    /// of the question its best passage covers in words, plus [`NAME_WEIGHT`] when
    /// it writes one of the question's names in the other script ([`names`]).
    ///
    /// Scores are added, not ranks fused: an article in another language than the
    /// question has no words in common with it, and rank fusion would let any
    /// same-language article that shares a few words outrank it.
    ///
    /// An article is cited when its lexical passage covers the question well
    /// enough (that passage, with its lexical excerpt), or else when its nearest
    /// sentence is close enough ([`Semantic::answers`]; that sentence is the excerpt).
    #[allow(clippy::too_many_arguments)]
    fn hybrid(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        semantic: &Semantic,
        query_vector: &[f32],
        options: AskOptions,
        question: &str,
    ) -> Result<Citations, SearchError> {
        #[derive(Default)]
        struct Entry {
            /// The article's best passage by words.
            lexical: Option<RankedPassage>,
            /// Its sentence nearest in meaning, and the passage holding it.
            semantic: Option<(vectors::Near, DocAddress)>,
            /// The weight of the question's names it writes in the other script.
            names: Option<f32>,
        }
        impl Entry {
            fn score(&self) -> f32 {
                self.semantic.as_ref().map_or(0.0, |(near, _)| near.similarity)
                    + LEXICAL_WEIGHT * self.lexical.as_ref().map_or(0.0, |hit| hit.coverage)
                    + NAME_WEIGHT * self.names.map_or(0.0, |weight| 0.75 + 0.25 * weight)
            }
        }
        let f = self.fields;
        let depth = ((options.k + options.offset) * 3).max(RERANK_DEPTH);
        let mut keys = Vec::new();
        for reader in searcher.segment_readers() {
            keys.push(reader.fast_fields().u64(ARTICLE_KEY)?);
        }
        let article_of = |address: DocAddress| {
            keys[address.segment_ord as usize].first(address.doc_id).unwrap_or_default()
        };
        let mut entries: HashMap<u64, Entry> = HashMap::new();

        let lexical_options = AskOptions { k: depth, offset: 0, keep_weak: true, ..options };
        for hit in self.rank(searcher, query, lookups, lexical_options)?.hits {
            let article = hit.article;
            entries.entry(article).or_default().lexical = Some(hit);
        }
        let mut found = 0;
        for near in semantic.nearest(query_vector, depth * 2) {
            let sentence =
                TermQuery::new(Term::from_field_u64(f.sentences, near.key), IndexRecordOption::Basic);
            // A vector of a sentence no longer in the index finds nothing.
            let Some((_, address)) =
                searcher.search(&sentence, &TopDocs::with_limit(1).order_by_score())?.pop()
            else {
                continue;
            };
            let entry = entries.entry(article_of(address)).or_default();
            if entry.semantic.is_none() {
                entry.semantic = Some((near, address));
                found += 1;
                if found == depth {
                    break;
                }
            }
        }
        // Each name weighs by how rare it is in both scripts: 0 for a name in
        // every passage ("Ukraine", "Україна"), 1 for one in a single passage.
        let passages = searcher.num_docs().max(2) as f32;
        for key in names::foreign_name_keys(question) {
            let there = Term::from_field_text(f.names, &key);
            let df_there = searcher.doc_freq(&there)? as f32;
            if df_there == 0.0 {
                continue;
            }
            let df_here =
                searcher.doc_freq(&Term::from_field_text(f.names, &names::own_script(&key)))? as f32;
            let weight = ((passages / (df_there + df_here)).ln() / passages.ln()).clamp(0.0, 1.0);
            let query = TermQuery::new(there, IndexRecordOption::Basic);
            for (_, address) in searcher.search(&query, &TopDocs::with_limit(depth).order_by_score())? {
                // Only articles already found by words or meaning are raised.
                if let Some(entry) = entries.get_mut(&article_of(address)) {
                    entry.names = Some(entry.names.unwrap_or(0.0).max(weight));
                }
            }
        }

        let mut order: Vec<(f32, u64, Entry)> =
            entries.into_iter().map(|(key, e)| (e.score(), key, e)).collect();
        // Ties go the same way every time.
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut out = Citations { cited: Vec::new(), coverage: 0.0, answered: false };
        let mut rank = 0;
        for (n, (score, _, entry)) in order.into_iter().enumerate() {
            let coverage = entry.lexical.as_ref().map_or(0.0, |hit| hit.coverage);
            let lexical_ok = entry.lexical.is_some() && coverage >= options.min_coverage;
            let semantic_ok = entry.semantic.as_ref().is_some_and(|(near, _)| semantic.answers(near));
            if n == 0 {
                out.coverage = coverage;
                out.answered = lexical_ok || semantic_ok;
            }
            if !lexical_ok && !semantic_ok && !options.keep_weak {
                continue;
            }
            rank += 1;
            if rank <= options.offset {
                continue;
            }
            let matched =
                |alone| if entry.lexical.is_some() && entry.semantic.is_some() { Match::Both } else { alone };
            // The lexical passage when its words answer, else the sentence nearest
            // in meaning.
            let cited = match (&entry.semantic, &entry.lexical) {
                (Some((near, address)), lexical) if !lexical_ok || lexical.is_none() => Cited {
                    address: *address,
                    score,
                    matched: matched(Match::Semantic),
                    sentence: Some(near.key),
                },
                (_, Some(hit)) => {
                    Cited { address: hit.address, score, matched: matched(Match::Lexical), sentence: None }
                }
                (_, None) => continue,
            };
            out.cited.push(cited);
            if out.cited.len() == options.k {
                break;
            }
        }
        Ok(out)
    }

    /// The articles that answer a question, best first, as their [`article_key`]s:
    /// what [`NewsIndex::ask`] ranks, for measuring ranking on its own, as BM25
    /// libraries return document numbers (with the semantic layer on, through `ask`
    /// itself). No stored document is read.
    pub fn rank_articles(&self, question: &str, options: AskOptions) -> Result<Vec<u64>, SearchError> {
        if self.semantic.is_some() {
            let hits = self.ask(question, options)?.hits;
            return Ok(hits.iter().map(|hit| article_key(&hit.article_id)).collect());
        }
        let searcher = self.reader.searcher();
        let (query, lookups) = self.query_terms(&searcher, question)?;
        let hits = self.rank(&searcher, &query, &lookups, options)?.hits;
        Ok(hits.iter().map(|hit| hit.article).collect())
    }

    /// BM25 candidates over body and title, re-ranked by how the question's terms
    /// sit in them, one passage per article, weak ones dropped.
    fn rank(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        options: AskOptions,
    ) -> Result<Ranking, SearchError> {
        let mut ranked = Ranking { hits: Vec::new(), coverage: 0.0 };
        if query.weights.is_empty() {
            return Ok(ranked);
        }
        let f = self.fields;
        let doc_count = searcher.total_num_docs()?;
        let average = |field| -> Result<f32, SearchError> {
            Ok(searcher.total_num_tokens(field)? as f32 / doc_count.max(1) as f32)
        };
        let fields = [
            bm25::FieldNorms::new(f.body, average(f.body)?),
            bm25::FieldNorms::new(f.title, average(f.title)?),
        ];
        // A term absent from a field gets no clause for it.
        let mut clauses = Vec::new();
        let mut clause_terms = Vec::new();
        for i in (0..lookups.terms.len()).filter(|&i| lookups.searched[i]) {
            if lookups.body_df[i] > 0 {
                clauses.push(bm25::Clause::new(0, lookups.body_df[i], doc_count, 1.0));
                clause_terms.push((i, false));
            }
            if lookups.title_df[i] > 0 {
                clauses.push(bm25::Clause::new(1, lookups.title_df[i], doc_count, TITLE_BOOST));
                clause_terms.push((i, true));
            }
        }
        if clauses.is_empty() {
            return Ok(ranked);
        }
        let wanted = options.k + options.offset;
        let limit = (wanted * 3).max(RERANK_DEPTH);
        let term_info = |segment: usize, clause: usize| {
            let (term, title) = clause_terms[clause];
            let (body, in_title) = &lookups.infos[segment][term];
            if title { in_title.as_ref() } else { body.as_ref() }
        };
        // Segments too large to score term at a time go through tantivy's block-max
        // WAND, built once if any needs it.
        let mut wand: Option<Box<dyn Weight>> = None;
        let large = |ord: u32, segment: &SegmentReader| {
            let weight = match &mut wand {
                Some(weight) => weight,
                None => wand.insert(self.bm25_weight(searcher, lookups, &clause_terms)?),
            };
            let collector = TopDocs::with_limit(limit).order_by_score();
            collector.merge_fruits(vec![collector.collect_segment(weight.as_ref(), ord, segment)?])
        };
        let top = bm25::top(searcher, &fields, &clauses, term_info, limit, bm25::DENSE_MAX_DOCS, large)?;
        let mut candidates = self.match_positions(searcher, query, lookups, &top)?;
        for (i, candidate) in candidates.iter_mut().enumerate() {
            if i < RERANK_DEPTH {
                candidate.score +=
                    SENTENCE_WEIGHT * candidate.best_sentence + COVERAGE_WEIGHT * candidate.coverage;
            }
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));

        let mut keys = Vec::new();
        for reader in searcher.segment_readers() {
            keys.push(reader.fast_fields().u64(ARTICLE_KEY)?);
        }
        let mut seen = HashSet::new();
        let mut rank = 0;
        for candidate in candidates {
            let address = candidate.address;
            let key = keys[address.segment_ord as usize].first(address.doc_id).unwrap_or_default();
            if !seen.insert(key) {
                continue;
            }
            if seen.len() == 1 {
                ranked.coverage = candidate.coverage;
            }
            // Every cited passage must match the question well enough on its own:
            // a weak second result is noise under a good first one.
            if candidate.coverage < options.min_coverage && !options.keep_weak {
                continue;
            }
            rank += 1;
            if rank <= options.offset {
                continue;
            }
            ranked.hits.push(RankedPassage {
                address: candidate.address,
                score: candidate.score,
                coverage: candidate.coverage,
                article: key,
            });
            if ranked.hits.len() == options.k {
                break;
            }
        }
        Ok(ranked)
    }

    /// tantivy's BM25 disjunction of the clauses [`NewsIndex::rank`] scores term at a
    /// time (`(term, in title)` pairs), for segments too large for that
    /// ([`bm25::DENSE_MAX_DOCS`]).
    fn bm25_weight(
        &self,
        searcher: &Searcher,
        lookups: &Lookups,
        clause_terms: &[(usize, bool)],
    ) -> tantivy::Result<Box<dyn Weight>> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = clause_terms
            .iter()
            .map(|&(i, title)| -> (Occur, Box<dyn Query>) {
                if title {
                    let query = TermQuery::new(lookups.title[i].clone(), IndexRecordOption::WithFreqs);
                    (Occur::Should, Box::new(BoostQuery::new(Box::new(query), TITLE_BOOST)))
                } else {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(lookups.body[i].clone(), IndexRecordOption::WithFreqs)),
                    )
                }
            })
            .collect();
        let statistics = Statistics { searcher, lookups };
        BooleanQuery::new(clauses)
            .weight(EnableScoring::enabled_from_statistics_provider(&statistics, searcher))
    }

    /// How the question's terms sit in each candidate, read from the index's
    /// positions (sentences are told apart by [`SENTENCE_BREAK`]): the share of the question's weight
    /// the passage and its title hold, and the best sentence's score (the distinct
    /// terms' weight plus a bonus for question words side by side, as
    /// [`PassageMatch`] scores it). No text is read or analysed.
    fn match_positions(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        top: &[(f32, DocAddress)],
    ) -> Result<Vec<Candidate>, SearchError> {
        let f = self.fields;
        let weights: Vec<f32> = lookups.terms.iter().map(|t| query.weights[t]).collect();
        let index_of = |term: &String| lookups.terms.iter().position(|t| t == term);
        let bigrams: Vec<(usize, usize)> =
            query.bigrams.iter().filter_map(|(a, b)| Some((index_of(a)?, index_of(b)?))).collect();
        let mut sentences = SentenceScorer::new(&weights, &bigrams);
        let total_weight = query.total_weight();
        let mut out: Vec<Candidate> = top
            .iter()
            .map(|&(score, address)| Candidate { address, score, coverage: 0.0, best_sentence: 0.0 })
            .collect();
        // Candidates by segment, each segment's in document order, so every
        // posting list is walked forward once.
        let mut order: Vec<(u32, DocId, usize)> =
            out.iter().enumerate().map(|(i, c)| (c.address.segment_ord, c.address.doc_id, i)).collect();
        order.sort_unstable();
        let mut positions = Vec::new();
        let mut hits: Vec<(u32, usize)> = Vec::new();
        let mut breaks: Vec<u32> = Vec::new();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            let segment = group[0].0;
            let reader = searcher.segment_reader(segment);
            let body_index = reader.inverted_index(f.body)?;
            let title_index = reader.inverted_index(f.title)?;
            let open = |index: &InvertedIndexReader, info: &Option<TermInfo>, option| {
                info.as_ref().map(|info| index.read_postings_from_terminfo(info, option)).transpose()
            };
            let mut body = Vec::with_capacity(weights.len());
            let mut title = Vec::with_capacity(weights.len());
            for (body_info, title_info) in &lookups.infos[segment as usize] {
                body.push(open(&body_index, body_info, IndexRecordOption::WithFreqsAndPositions)?);
                title.push(open(&title_index, title_info, IndexRecordOption::Basic)?);
            }
            let mut sentence_breaks = body_index.read_postings(
                &Term::from_field_text(f.body, SENTENCE_BREAK),
                IndexRecordOption::WithFreqsAndPositions,
            )?;
            for &(_, doc, i) in group {
                hits.clear();
                let (mut body_weight, mut title_weight, mut left_out_weight) = (0.0, 0.0, 0.0);
                for (t, &weight) in weights.iter().enumerate() {
                    if let Some(postings) = body[t].as_mut()
                        && seek(postings, doc)
                    {
                        body_weight += weight;
                        if !lookups.searched[t] {
                            left_out_weight += weight;
                        }
                        postings.positions(&mut positions);
                        hits.extend(positions.iter().map(|&p| (p, t)));
                    }
                    if let Some(postings) = title[t].as_mut()
                        && seek(postings, doc)
                    {
                        title_weight += weight;
                    }
                }
                hits.sort_unstable();
                breaks.clear();
                if let Some(postings) = sentence_breaks.as_mut()
                    && seek(postings, doc)
                {
                    postings.positions(&mut breaks);
                }
                out[i].coverage = union_coverage(body_weight, title_weight, total_weight);
                out[i].score += left_out_weight;
                out[i].best_sentence = sentences.best(&hits, &breaks);
            }
        }
        Ok(out)
    }

    /// The question's content terms, weighted by IDF over passage bodies, and where
    /// each sits in every segment.
    fn query_terms(&self, searcher: &Searcher, question: &str) -> Result<(QueryTerms, Lookups), SearchError> {
        let f = self.fields;
        let analysed = analyze(question);
        // A question of function words only ("what is it?") has no topic to look for.
        let content: Vec<_> = analysed.iter().filter(|t| !t.stopword).collect();
        let mut lookups = Lookups::default();
        for t in &content {
            if !lookups.terms.contains(&t.text) {
                lookups.terms.push(t.text.clone());
                lookups.body.push(Term::from_field_text(f.body, &t.text));
                lookups.title.push(Term::from_field_text(f.title, &t.text));
            }
        }
        lookups.body_df = vec![0; lookups.terms.len()];
        lookups.title_df = vec![0; lookups.terms.len()];
        for reader in searcher.segment_readers() {
            let (body_index, title_index) = (reader.inverted_index(f.body)?, reader.inverted_index(f.title)?);
            let mut infos = Vec::with_capacity(lookups.terms.len());
            for i in 0..lookups.terms.len() {
                let body = body_index.get_term_info(&lookups.body[i])?;
                let title = title_index.get_term_info(&lookups.title[i])?;
                lookups.body_df[i] += body.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                lookups.title_df[i] += title.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                infos.push((body, title));
            }
            lookups.infos.push(infos);
        }
        let common = |df: &u64| *df > COMMON_PASSAGES;
        let all_common = lookups.body_df.iter().all(common);
        lookups.searched = lookups.body_df.iter().map(|df| all_common || !common(df)).collect();
        // Document frequencies still count deleted passages until segments merge, so
        // the total must too (as tantivy's own BM25 does), or weights can go negative.
        let n = searcher.segment_readers().iter().map(|r| r.max_doc() as f32).sum::<f32>();
        let mut q = QueryTerms::default();
        for (term, &df) in lookups.terms.iter().zip(&lookups.body_df) {
            let df = df as f32;
            let idf = (1.0 + ((n - df).max(0.0) + 0.5) / (df + 0.5)).ln();
            q.weights.insert(term.clone(), idf);
        }
        q.bigrams = content.windows(2).map(|w| (w[0].text.clone(), w[1].text.clone())).collect();
        Ok((q, lookups))
    }

    /// The whole cleaned article, passage by passage, or `None` for an unknown id.
    pub fn article(&self, id: &str) -> Result<Option<(ArticleInfo, Vec<String>)>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let query = TermQuery::new(Term::from_field_text(f.article_id, id), IndexRecordOption::Basic);
        let docs = searcher.search(&query, &TopDocs::with_limit(10_000).order_by_score())?;
        let mut passages: Vec<(u64, TantivyDocument)> = Vec::new();
        for (_, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            let n = doc.get_first(f.passage).and_then(|v| v.as_u64()).unwrap_or(0);
            passages.push((n, doc));
        }
        passages.sort_by_key(|(n, _)| *n);
        let Some((_, first)) = passages.first() else { return Ok(None) };
        let info = self.info(first);
        Ok(Some((info, passages.iter().map(|(_, d)| text_of(d, f.body)).collect())))
    }

    /// All articles' metadata, newest first (by date, then by when indexed).
    pub fn articles(&self) -> Result<Vec<ArticleInfo>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let query = TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic);
        let docs = searcher
            .search(&query, &TopDocs::with_limit(searcher.num_docs().max(1) as usize).order_by_score())?;
        let mut out = Vec::with_capacity(docs.len());
        for (_, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            out.push(self.info(&doc));
        }
        out.sort_by(|a, b| b.date.cmp(&a.date).then(b.added.cmp(&a.added)).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Articles added after `since` (an [`ArticleInfo::added`] stamp) that match any
    /// of the `include` words (every article when empty) and none of the `exclude`
    /// words, in title or text; newest first, like [`NewsIndex::articles`].
    pub fn fresh_articles(
        &self,
        since: u64,
        include: &[String],
        exclude: &[String],
    ) -> Result<Vec<FreshArticle>, SearchError> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let recent = || -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                std::ops::Bound::Excluded(Term::from_field_u64(f.added, since)),
                std::ops::Bound::Unbounded,
            ))
        };
        let words = |words: &[String]| -> Box<dyn Query> {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for term in words.iter().flat_map(|w| analyze(w)) {
                for field in [f.body, f.title] {
                    let query =
                        TermQuery::new(Term::from_field_text(field, &term.text), IndexRecordOption::Basic);
                    clauses.push((Occur::Should, Box::new(query)));
                }
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let articles_matching = |query: &dyn Query| -> Result<HashSet<String>, SearchError> {
            let mut ids = HashSet::new();
            for address in searcher.search(query, &DocSetCollector)? {
                let doc: TantivyDocument = searcher.doc(address)?;
                ids.insert(text_of(&doc, f.article_id));
            }
            Ok(ids)
        };
        let mut wanted: Option<HashSet<String>> = None;
        if !include.is_empty() {
            let query = BooleanQuery::new(vec![(Occur::Must, recent()), (Occur::Must, words(include))]);
            wanted = Some(articles_matching(&query)?);
        }
        let unwanted = if exclude.is_empty() {
            HashSet::new()
        } else {
            articles_matching(&BooleanQuery::new(vec![
                (Occur::Must, recent()),
                (Occur::Must, words(exclude)),
            ]))?
        };
        let first_passages = BooleanQuery::new(vec![
            (Occur::Must, recent()),
            (
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_u64(f.passage, 0), IndexRecordOption::Basic)),
            ),
        ]);
        let mut out = Vec::new();
        for address in searcher.search(&first_passages, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            let info = self.info(&doc);
            if wanted.as_ref().is_some_and(|w| !w.contains(&info.id)) || unwanted.contains(&info.id) {
                continue;
            }
            out.push(FreshArticle { lead: lead_of(&text_of(&doc, f.body)), info });
        }
        out.sort_by(|a, b| {
            b.info
                .date
                .cmp(&a.info.date)
                .then(b.info.added.cmp(&a.info.added))
                .then(a.info.id.cmp(&b.info.id))
        });
        Ok(out)
    }

    /// Outlets with their article counts, most articles first.
    pub fn sources(&self) -> Result<Vec<(String, usize)>, SearchError> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for article in self.articles()? {
            *counts.entry(article.source.unwrap_or_default()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    fn info(&self, doc: &TantivyDocument) -> ArticleInfo {
        let f = self.fields;
        ArticleInfo {
            id: text_of(doc, f.article_id),
            title: text_of(doc, f.title),
            source: opt_text(doc, f.source),
            date: opt_text(doc, f.date),
            url: opt_text(doc, f.url),
            lang: text_of(doc, f.lang),
            added: doc.get_first(f.added).and_then(|v| v.as_u64()).unwrap_or(0),
        }
    }
}

/// Moves `postings` to `doc` (never backwards); true when `doc` has the term.
fn seek(postings: &mut SegmentPostings, doc: DocId) -> bool {
    if postings.doc() < doc {
        postings.seek(doc);
    }
    postings.doc() == doc
}

/// The question's distinct content terms, as looked up in the index once per
/// question: their document frequencies (for BM25) and
/// where their postings sit in each segment (for [`NewsIndex::match_positions`]).
#[derive(Default)]
struct Lookups {
    terms: Vec<String>,
    body: Vec<Term>,
    title: Vec<Term>,
    body_df: Vec<u64>,
    title_df: Vec<u64>,
    /// Whether the term is in the BM25 candidate query (see [`COMMON_PASSAGES`]).
    searched: Vec<bool>,
    /// Per segment, per term: its body and title postings, when present.
    infos: Vec<Vec<(Option<TermInfo>, Option<TermInfo>)>>,
}

/// BM25 statistics with the question's document frequencies already counted,
/// so scoring does not look every term up again.
struct Statistics<'a> {
    searcher: &'a Searcher,
    lookups: &'a Lookups,
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let l = self.lookups;
        if let Some(i) = l.body.iter().position(|t| t == term) {
            return Ok(l.body_df[i]);
        }
        if let Some(i) = l.title.iter().position(|t| t == term) {
            return Ok(l.title_df[i]);
        }
        self.searcher.doc_freq(term)
    }
}

/// Scores a passage's sentences from the positions of the question's terms, as
/// [`PassageMatch`] scores them from text: each sentence earns the weight of every
/// distinct term in it, plus a bonus for question words side by side.
struct SentenceScorer<'a> {
    weights: &'a [f32],
    bigrams: &'a [(usize, usize)],
    /// Terms already counted in the current sentence: stamped with `stamp`, which
    /// moves on with every sentence of every passage.
    seen: Vec<usize>,
    stamp: usize,
}

impl<'a> SentenceScorer<'a> {
    fn new(weights: &'a [f32], bigrams: &'a [(usize, usize)]) -> Self {
        SentenceScorer { weights, bigrams, seen: vec![0; weights.len()], stamp: 0 }
    }

    /// The best sentence's score, given (position, term) hits sorted by position and
    /// the positions of the passage's sentence breaks.
    fn best(&mut self, hits: &[(u32, usize)], breaks: &[u32]) -> f32 {
        self.stamp += 1;
        let mut sentence = 0;
        let (mut score, mut best) = (0.0f32, 0.0f32);
        let mut previous: Option<(u32, usize)> = None;
        for &(position, t) in hits {
            let mut next = sentence;
            while next < breaks.len() && breaks[next] < position {
                next += 1;
            }
            if next != sentence {
                sentence = next;
                self.stamp += 1;
                score = 0.0;
                previous = None;
            }
            let weight = self.weights[t];
            if self.seen[t] != self.stamp {
                self.seen[t] = self.stamp;
                score += weight;
            }
            if let Some((p, pt)) = previous
                && p + 1 == position
                && self.bigrams.contains(&(pt, t))
            {
                score += BIGRAM_BONUS * weight.min(self.weights[pt]);
            }
            previous = Some((position, t));
            best = best.max(score);
        }
        best
    }
}

/// A BM25 candidate with what [`NewsIndex::match_positions`] learnt about it.
struct Candidate {
    address: DocAddress,
    score: f32,
    coverage: f32,
    best_sentence: f32,
}

/// The passages that answer a question, before their text is read.
struct Ranking {
    hits: Vec<RankedPassage>,
    /// Coverage of the best passage, shown or not.
    coverage: f32,
}

struct RankedPassage {
    address: DocAddress,
    score: f32,
    coverage: f32,
    /// [`article_key`] of its article.
    article: u64,
}

/// Passages chosen to cite, before their text is read.
struct Citations {
    cited: Vec<Cited>,
    /// Coverage of the best passage's words, shown or not.
    coverage: f32,
    /// Whether the best passage is strong enough to cite.
    answered: bool,
}

struct Cited {
    address: DocAddress,
    score: f32,
    matched: Match,
    /// For a passage found by meaning only: the key of its sentence nearest the
    /// question, which is the excerpt.
    sentence: Option<u64>,
}

impl Cited {
    fn lexical(address: DocAddress, score: f32) -> Cited {
        Cited { address, score, matched: Match::Lexical, sentence: None }
    }
}

/// In hybrid ranking, the weight of the share of the question an article's best
/// passage covers in words, against the similarity of its nearest sentence in
/// meaning (about 0.2 to 0.7 for a sentence that answers). Chosen, with
/// [`NAME_WEIGHT`], on the seed questions in both languages
/// (`tests/fixtures/seed-questions.jsonl`, `crosslingual-questions.jsonl`).
const LEXICAL_WEIGHT: f32 = 0.6;

/// In hybrid ranking, the weight of writing one of the question's names in the
/// other script (the only words two languages share).
const NAME_WEIGHT: f32 = 0.55;

/// A stable 64-bit hash (FNV-1a) of an article id, stored with every passage.
pub fn article_key(id: &str) -> u64 {
    id.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The question as sent to the embedding server: words with the quotes and signs
/// that search engines read as operators taken off their edges, so that
/// `"Stoltenberg"` and `-Stoltenberg` mean what `Stoltenberg` does, as they do
/// lexically.
fn embedded_question(question: &str) -> String {
    let operator = |c: char| matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '-' | '+' | '*' | '~' | '^');
    question
        .split_whitespace()
        .map(|word| word.trim_matches(operator))
        .filter(|word| !word.is_empty() && !matches!(*word, "AND" | "OR" | "NOT"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The excerpt for a passage found by meaning: the sentence under `key` (with the
/// next one when it is short), verbatim.
fn sentence_excerpt(body: &str, key: u64) -> Excerpt {
    let spans = vector_sentences(body);
    let Some(at) = spans.iter().position(|(k, _)| *k == key) else {
        return Excerpt {
            text: body.chars().take(crate::excerpt::EXCERPT_MAX_CHARS).collect(),
            highlights: Vec::new(),
        };
    };
    let (start, mut end) = spans[at].1;
    if let Some(&(_, (_, next_end))) = spans.get(at + 1)
        && end - start < crate::excerpt::EXCERPT_MAX_CHARS / 3
        && next_end - start <= crate::excerpt::EXCERPT_MAX_CHARS
    {
        end = next_end;
    }
    Excerpt { text: body[start..end].trim().to_owned(), highlights: Vec::new() }
}

/// Share of the question's weight found in the passage or its title.
fn union_coverage(body: f32, title: f32, total: f32) -> f32 {
    if total <= 0.0 {
        return 0.0;
    }
    (body.max(title) + 0.5 * body.min(title)).min(total) / total
}

fn text_of(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

fn opt_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned)
}

fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The first sentence of `text`, cut at a word boundary when too long.
fn lead_of(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let sentence = sentences(first).first().map_or(first, |&(s, e)| &first[s..e]).trim();
    if sentence.chars().count() <= LEAD_MAX_CHARS {
        return sentence.to_owned();
    }
    let cut = sentence.char_indices().nth(LEAD_MAX_CHARS).map_or(sentence.len(), |(i, _)| i);
    let cut = sentence[..cut].rfind(' ').filter(|&i| i > cut / 2).unwrap_or(cut);
    format!("{}…", sentence[..cut].trim_end())
}

/// Splits an article into passages: runs of whole paragraphs of about
/// [`PASSAGE_TARGET_CHARS`], with over-long paragraphs split at sentence ends.
/// Passages do not overlap, so joining them gives back the article.
pub fn passages(article: &Article) -> Vec<String> {
    let mut out = Vec::new();
    // The passage being gathered, and its length in characters.
    let mut current = String::new();
    let mut current_chars = 0;
    let flush = |current: &mut String, current_chars: &mut usize, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
        *current_chars = 0;
    };
    for paragraph in &article.paragraphs {
        let paragraph_chars = paragraph.chars().count();
        let pieces = if paragraph_chars > PASSAGE_MAX_CHARS {
            split_long(paragraph).into_iter().map(|piece| (piece, piece.chars().count())).collect()
        } else {
            vec![(paragraph.as_str(), paragraph_chars)]
        };
        for (piece, piece_chars) in pieces {
            if !current.is_empty() && current_chars + piece_chars > PASSAGE_MAX_CHARS {
                flush(&mut current, &mut current_chars, &mut out);
            }
            if !current.is_empty() {
                current.push('\n');
                current_chars += 1;
            }
            current.push_str(piece);
            current_chars += piece_chars;
            if current_chars >= PASSAGE_TARGET_CHARS {
                flush(&mut current, &mut current_chars, &mut out);
            }
        }
    }
    flush(&mut current, &mut current_chars, &mut out);
    out
}

/// Cuts an over-long paragraph into runs of sentences of at most about
/// [`PASSAGE_MAX_CHARS`] / 2 characters each.
fn split_long(paragraph: &str) -> Vec<&str> {
    let target = PASSAGE_MAX_CHARS / 2;
    let mut out = Vec::new();
    let mut start = 0;
    let mut len = 0;
    let spans = crate::analysis::sentences(paragraph);
    for (i, &(s, e)) in spans.iter().enumerate() {
        let _ = s;
        len += paragraph[s..e].chars().count();
        let last = i + 1 == spans.len();
        if len >= target || last {
            let end = if last { paragraph.len() } else { e };
            out.push(paragraph[start..end].trim());
            start = end;
            len = 0;
        }
    }
    out.retain(|p| !p.is_empty());
    if out.is_empty() {
        out.push(paragraph);
    }
    out
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(MANIFEST_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), SearchError> {
    let path = dir.join(MANIFEST_FILE);
    let tmp = dir.join(format!("{MANIFEST_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(manifest).expect("the manifest always serialises");
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| SearchError::Manifest { path, source })
}

/// Files in the index folder that outlive a rebuild: the running server's lock, and
/// sentence vectors (keyed by content, so still valid for the rebuilt index).
const KEPT_ON_REBUILD: [&str; 2] = ["newsdesk-serve.lock", VECTORS_FILE];

/// Removes an outdated index's files, leaving the folder.
fn clear_index_dir(dir: &Path) -> Result<(), SearchError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| SearchError::CreateDir { path: dir.to_owned(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if KEPT_ON_REBUILD.iter().any(|kept| entry.file_name() == *kept) {
            continue;
        }
        let result = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        result.map_err(|source| SearchError::CreateDir { path: path.clone(), source })?;
    }
    Ok(())
}
