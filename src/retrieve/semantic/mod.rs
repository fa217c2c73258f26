//! The optional semantic layer: sentence vectors from an embedding server, the
//! sentences nearest a question, and excerpts chosen by meaning for passages that
//! share no words with the question (another language, other wording).
//!
//! It only ever adds to lexical answers. Unset, nothing here runs. When the server
//! fails, the question is answered lexically, a line is logged, and the layer rests
//! for [`REST_AFTER_FAILURE`] so that readers do not wait on a dead server.

pub mod embed;
mod fill;
mod hybrid;
pub mod names;
pub mod vectors;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

pub use embed::{EmbedConfig, EmbedError, Embedder, Kind};
pub use fill::{FillReport, Unembedded, keep_vectors_filled};
pub use vectors::{Near, VectorStore};

/// After a failed request, questions skip the server for this long.
pub const REST_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// Default similarity (cosine once each language's centre is taken out; see
/// [`VectorStore::nearest`]) from which a sentence found only by meaning counts
/// as an answer. Chosen with multilingual-e5-small on the seed questions: 10 of
/// 11 off-topic questions stay below it, most cross-lingual answers are above.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.27;

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
        }
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

    /// Whether a passage found by meaning alone is close enough to cite.
    pub fn answers(&self, near: &Near) -> bool {
        near.similarity >= self.min_similarity
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
