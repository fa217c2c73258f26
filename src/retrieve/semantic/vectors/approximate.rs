//! The approximate index (HNSW, `instant-distance`) over the centred vectors, used
//! past the exact-search limit and built on a background thread.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{SCALE_SQ, VectorStore, dot, quantize};

impl VectorStore {
    /// The approximate index, when the store is past the exact-search limit and
    /// the index is built; starts a (re)build on a background thread when there is
    /// none or it is a tenth behind.
    pub(super) fn approximate(&self) -> Option<Arc<Approximate>> {
        if self.keys.len() <= self.exact_limit {
            return None;
        }
        let current = self.approximate.built.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let stale = current.as_ref().is_none_or(|a| self.keys.len() > a.len + a.len / 10);
        if stale && !self.approximate.building.swap(true, Ordering::SeqCst) {
            let (points, len) = (self.centred_points(), self.keys.len());
            let shared = self.approximate.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let built = Approximate::build(points, len);
                tracing::info!(
                    vectors = len,
                    seconds = started.elapsed().as_secs_f64(),
                    "approximate vector index built"
                );
                *shared.built.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(built));
                shared.building.store(false, Ordering::SeqCst);
            });
        }
        current
    }

    /// Builds the approximate index now (past the exact-search limit), waiting
    /// for it; for callers that would rather wait once than search exactly.
    pub fn build_approximate(&self) {
        if self.keys.len() > self.exact_limit {
            let built = Approximate::build(self.centred_points(), self.keys.len());
            *self.approximate.built.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(built));
        }
    }

    /// Every vector with its language's centre taken out, unit length, quantized.
    pub(super) fn centred_points(&self) -> Vec<Centred> {
        let centres = self.centres();
        self.data
            .chunks_exact(self.dim)
            .zip(&self.langs)
            .map(|(v, &lang)| {
                let centre = &centres.by_language[centres.group[lang as usize]];
                let mut c: Vec<f32> = v.iter().zip(centre).map(|(&x, c)| f32::from(x) / 127.0 - c).collect();
                let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
                c.iter_mut().for_each(|x| *x /= norm);
                Centred(quantize(&c).into())
            })
            .collect()
    }
}

/// A vector with its language's centre taken out, unit length, quantized: a point
/// of the approximate index.
#[derive(Clone, Debug)]
pub(super) struct Centred(pub(super) Box<[i8]>);

impl instant_distance::Point for Centred {
    fn distance(&self, other: &Self) -> f32 {
        1.0 - dot(&self.0, &other.0) as f32 / SCALE_SQ
    }
}

/// The approximate index over the first `len` vectors (values are their slots).
pub(super) struct Approximate {
    pub(super) len: usize,
    pub(super) map: instant_distance::HnswMap<Centred, u32>,
}

impl Approximate {
    fn build(points: Vec<Centred>, len: usize) -> Approximate {
        let slots: Vec<u32> = (0..points.len() as u32).collect();
        // A fixed seed: the same vectors give the same index.
        let map = instant_distance::Builder::default()
            .ef_construction(BUILD_CANDIDATES)
            // The crate's neighbour-selection heuristic took 70% of build time
            // (perf) for no recall the exact re-scoring does not give back.
            .select_heuristic(None)
            .ef_search(APPROXIMATE_CANDIDATES)
            .seed(7)
            .build(points, slots);
        Approximate { len, map }
    }
}

/// Candidates weighed per vector while building the approximate index (the
/// crate's default is 100): fewer build it faster, and recall is recovered by
/// scoring [`APPROXIMATE_CANDIDATES`] exactly.
pub(super) const BUILD_CANDIDATES: usize = 40;

/// Candidates the approximate index proposes per question, all then scored exactly.
pub(super) const APPROXIMATE_CANDIDATES: usize = 200;

/// The approximate index shared with the thread that builds it.
#[derive(Default)]
pub(super) struct ApproximateSlot {
    pub(super) built: Mutex<Option<Arc<Approximate>>>,
    pub(super) building: AtomicBool,
}

impl std::fmt::Debug for ApproximateSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApproximateSlot")
    }
}
