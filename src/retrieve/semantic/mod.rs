//! The optional semantic layer: sentence vectors from an embedding server, the
//! sentences nearest a question, and excerpts chosen by meaning for passages that
//! share no words with the question (another language, other wording).
//!
//! It only ever adds to lexical answers. Unset, nothing here runs. When the server
//! fails, the question is answered lexically, a line is logged, and the layer rests
//! for [`REST_AFTER_FAILURE`] so that readers do not wait on a dead server.

mod cache;
pub mod embed;
mod fill;
mod hybrid;
pub mod names;
pub mod vectors;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

pub use cache::{QUESTION_CACHE_ENTRIES, QuestionCache};
pub use embed::{BULK_BATCH, EmbedConfig, EmbedError, Embedder, Kind};
pub use fill::{FillReport, Unembedded, keep_vectors_filled};
pub use vectors::{Near, VectorStore};

/// After a failed request, questions skip the server for this long.
pub const REST_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// Default similarity (cosine once each language's centre is taken out; see
/// [`VectorStore::nearest`]) from which a sentence found only by meaning counts
/// as an answer. Chosen with multilingual-e5-small on the seed questions: 10 of
/// 11 off-topic questions stay below it, most cross-lingual answers are above.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.27;

/// How far the layer is: distinct sentences in the index, and how many of them
/// still lack a vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    pub sentences: usize,
    pub missing: usize,
}

/// How the layer ranks articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fusion {
    /// Nearest sentence in meaning, plus words and names across scripts: what
    /// users get.
    Hybrid,
    /// The nearest sentence in meaning alone, for measuring what fusion adds.
    DenseOnly,
}

/// The layer: an embedding server, the sentence vectors, and its tuning.
#[derive(Debug)]
pub struct Semantic {
    pub embedder: Embedder,
    pub vectors: RwLock<VectorStore>,
    /// See [`DEFAULT_MIN_SIMILARITY`].
    pub min_similarity: f32,
    /// [`Fusion::DenseOnly`] when set (for measuring); [`Fusion::Hybrid`] otherwise.
    dense_only: AtomicBool,
    resting_until: Mutex<Option<Instant>>,
    /// Question vectors kept between runs (evaluation re-asks the same questions).
    query_cache: Option<Mutex<VectorStore>>,
    /// The vectors of recent questions: a question asked again (a popular topic,
    /// "More", an edited message, an inline query typed on) costs no request.
    recent: Mutex<QuestionCache>,
    /// The backlog as last counted by a fill round; `None` before the first.
    backlog: Mutex<Option<Backlog>>,
}

impl Semantic {
    pub fn new(embedder: Embedder, vectors: VectorStore) -> Semantic {
        Semantic {
            embedder,
            vectors: RwLock::new(vectors),
            min_similarity: DEFAULT_MIN_SIMILARITY,
            dense_only: AtomicBool::new(false),
            resting_until: Mutex::new(None),
            query_cache: None,
            recent: Mutex::new(QuestionCache::new(QUESTION_CACHE_ENTRIES)),
            backlog: Mutex::new(None),
        }
    }

    /// How far the layer is, as last counted (by a fill round or
    /// [`NewsIndex::vector_backlog`](crate::index::NewsIndex::vector_backlog)).
    pub fn backlog(&self) -> Option<Backlog> {
        *self.backlog.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_backlog(&self, backlog: Backlog) {
        *self.backlog.lock().unwrap_or_else(|p| p.into_inner()) = Some(backlog);
    }

    /// Vectors stored (sentences embedded, including those no longer in the index).
    pub fn stored(&self) -> usize {
        self.vectors.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// How the layer ranks articles.
    pub fn fusion(&self) -> Fusion {
        if self.dense_only.load(Ordering::Relaxed) { Fusion::DenseOnly } else { Fusion::Hybrid }
    }

    /// Ranks by meaning alone, or not (for measuring what fusion adds).
    pub fn set_fusion(&self, fusion: Fusion) {
        self.dense_only.store(fusion == Fusion::DenseOnly, Ordering::Relaxed);
    }

    /// Keeps question vectors in `cache` (for evaluations that ask the same
    /// questions again).
    pub fn with_query_cache(mut self, cache: VectorStore) -> Semantic {
        self.query_cache = Some(Mutex::new(cache));
        self
    }

    fn resting(&self) -> bool {
        let resting = self.resting_until.lock().unwrap_or_else(|p| p.into_inner());
        resting.is_some_and(|until| Instant::now() < until)
    }

    fn failed(&self, what: &str, err: &dyn std::fmt::Display) {
        tracing::warn!(error = %err, "{what}: answering lexically for now");
        *self.resting_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + REST_AFTER_FAILURE);
    }

    /// The question's vector, or `None` (logged) when the server cannot give it now.
    pub fn query_vector(&self, question: &str) -> Option<Vec<f32>> {
        let dim = self.vectors.read().unwrap_or_else(|p| p.into_inner()).dim();
        if self.resting() || dim == 0 {
            return None;
        }
        let key = vectors::key_of(question);
        if let Some(vector) = self.recent.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
            return Some(vector);
        }
        if let Some(cache) = &self.query_cache
            && let Some(vector) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(key)
        {
            return Some(vector);
        }
        match self.embedder.embed(&[question], Kind::Query) {
            Ok(vectors) if vectors.first().is_some_and(|v| v.len() != dim) => {
                let got = vectors[0].len();
                self.failed(
                    "embedding server changed dimension",
                    &EmbedError::Dimension { expected: dim, got },
                );
                None
            }
            Ok(mut vectors) => {
                let vector = vectors.pop()?;
                self.recent.lock().unwrap_or_else(|p| p.into_inner()).put(key, vector.clone());
                if let Some(cache) = &self.query_cache {
                    let stored =
                        cache.lock().unwrap_or_else(|p| p.into_inner()).add(&[(key, 0, vector.clone())]);
                    if let Err(err) = stored {
                        tracing::warn!(error = %err, "cannot cache a question vector");
                    }
                }
                Some(vector)
            }
            Err(err) => {
                self.failed("embedding server failed on a question", &err);
                None
            }
        }
    }

    /// Whether a passage found by meaning alone is close enough to cite, with the
    /// bar raised by `margin`.
    pub fn answers(&self, near: &Near, margin: f32) -> bool {
        near.similarity >= self.min_similarity + margin
    }

    /// The passages nearest to `query`, best first.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<Near> {
        self.vectors.read().unwrap_or_else(|p| p.into_inner()).nearest(query, k)
    }

    /// The passages nearest to `query` among those `accept` lets through, best first
    /// ([`VectorStore::nearest_where`]).
    pub fn nearest_where(&self, query: &[f32], k: usize, accept: impl FnMut(&Near) -> bool) -> Vec<Near> {
        self.vectors.read().unwrap_or_else(|p| p.into_inner()).nearest_where(query, k, accept)
    }
}
