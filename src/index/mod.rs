//! The tantivy index of passages, kept in step with a corpus folder.
//!
//! Articles are split into passages (windows of whole paragraphs, [`passages`]), and
//! each passage is one tantivy document carrying its article's metadata
//! ([`schema`]). [`NewsIndex::sync`] re-indexes only the corpus files that changed
//! (the manifest), and the serving process holds [`ServeLock`] so nobody else writes
//! meanwhile. Ranking lives in [`crate::retrieve`] and the answer in
//! [`crate::answer`]; both are `impl NewsIndex` blocks over the handles kept here.
//!
//! This module does not depend on teloxide and never formats output for a front end.

mod articles;
mod lock;
mod manifest;
mod passages;
mod schema;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

pub(crate) use articles::lead_of;
pub use articles::{ArticleInfo, FreshArticle, LEAD_MAX_CHARS};
pub use lock::{Holder, ServeLock, absolute};
pub use passages::{passages, vector_sentences};
pub use schema::article_key;
pub(crate) use schema::{ARTICLE_KEY, DAY, Fields, LANG_CODE, OUTLET, opt_text, text_of};
pub use sync::SyncReport;

use crate::analysis::NewsTokenizer;
use crate::retrieve::semantic::Semantic;
use manifest::{FORMAT_VERSION, clear_index_dir, read_manifest};
use schema::{ANALYZER, schema};

/// Memory for the index writer, shared by its threads.
const WRITER_MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// How long [`NewsIndex::writer`] waits for a writer lock held a moment too long.
const WRITER_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

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
    Corpus(#[from] crate::ingest::CorpusError),
    #[error("the index has no field {0:?}; delete the index folder and run `newsdesk index`")]
    Schema(&'static str),
}

/// A passage index on disk (or in memory, for tests and benchmarks).
#[derive(Clone)]
pub struct NewsIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// `None` for an in-memory index.
    pub(crate) dir: Option<PathBuf>,
    /// The optional semantic layer; `None` answers lexically only.
    pub(crate) semantic: Option<Arc<Semantic>>,
    /// Held by [`NewsIndex::sync`], so syncs of this index in one process (the
    /// corpus watcher's, and one a channel post asks for) take turns instead of
    /// one failing on the writer's lock.
    pub(crate) syncing: Arc<std::sync::Mutex<()>>,
    /// The outlets and days filters read.
    pub(crate) facets: PerGeneration<crate::retrieve::filters::index::Facets>,
    /// Each segment's [`ARTICLE_KEY`] column, opened once per searcher generation
    /// rather than once per question.
    pub(crate) article_keys: PerGeneration<[tantivy::columnar::Column<u64>]>,
    /// Each segment's [`LANG_CODE`] column (`None` in an index built before it
    /// had one), opened once per searcher generation.
    pub(crate) lang_codes: PerGeneration<[Option<tantivy::columnar::Column<u64>>]>,
    /// Where each segment's sentence breaks ([`crate::analysis::SENTENCE_BREAK`])
    /// sit in its body postings, looked up once per searcher generation.
    pub(crate) sentence_breaks: PerGeneration<[Option<tantivy::postings::TermInfo>]>,
}

/// Something read from the whole index once per searcher generation (a commit
/// brings a new one) and shared by every question until the next.
pub(crate) struct PerGeneration<T: ?Sized>(Arc<std::sync::Mutex<Option<Kept<T>>>>);

/// A [`PerGeneration`] value, with the generation it was read for.
type Kept<T> = (u64, Arc<T>);

impl<T: ?Sized> Default for PerGeneration<T> {
    fn default() -> PerGeneration<T> {
        PerGeneration(Arc::default())
    }
}

impl<T: ?Sized> Clone for PerGeneration<T> {
    fn clone(&self) -> PerGeneration<T> {
        PerGeneration(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> PerGeneration<T> {
    /// What `read` gives for `searcher`'s generation, read once.
    pub(crate) fn get<E>(
        &self,
        searcher: &tantivy::Searcher,
        read: impl FnOnce() -> Result<Arc<T>, E>,
    ) -> Result<Arc<T>, E> {
        let generation = searcher.generation().generation_id();
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, value)) = kept.as_ref().filter(|(g, _)| *g == generation) {
            return Ok(Arc::clone(value));
        }
        let value = read()?;
        *kept = Some((generation, Arc::clone(&value)));
        Ok(value)
    }
}

/// File in the index folder holding sentence vectors.
pub const VECTORS_FILE: &str = "newsdesk-vectors.bin";

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
        crate::retrieve::warm_up();
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(NewsIndex {
            index,
            reader,
            fields,
            dir,
            semantic: None,
            syncing: Arc::default(),
            facets: PerGeneration::default(),
            article_keys: PerGeneration::default(),
            lang_codes: PerGeneration::default(),
            sentence_breaks: PerGeneration::default(),
        })
    }

    /// tantivy's writer, once its lock is free. A writer that has just finished
    /// (this process's last sync on a loaded machine, or another process's commit)
    /// may hold it a moment longer: it is asked again for up to [`WRITER_LOCK_WAIT`]
    /// before the index counts as locked.
    fn writer(&self) -> Result<IndexWriter<TantivyDocument>, SearchError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        let started = std::time::Instant::now();
        loop {
            match self.index.writer_with_num_threads(threads, WRITER_MEMORY_BYTES) {
                Ok(writer) => return Ok(writer),
                Err(tantivy::TantivyError::LockFailure(..)) if started.elapsed() < WRITER_LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(tantivy::TantivyError::LockFailure(..)) => {
                    return Err(SearchError::Locked { path: self.dir.clone().unwrap_or_default() });
                }
                Err(other) => return Err(other.into()),
            }
        }
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

    /// The index folder (`None` for an in-memory index).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of passages in the index.
    pub fn num_passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}
