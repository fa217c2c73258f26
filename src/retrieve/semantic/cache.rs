//! A bounded cache of question vectors, least recently used out first.
//!
//! Embedding a question is nearly all the time the layer adds to an answer (tens of
//! milliseconds with a small model on a CPU); the same question comes back often
//! (a topic of the day asked by many, "More", an edited message, an inline query
//! typed on), and then its vector costs a hash look-up.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

/// Questions whose vectors are kept: 1.5 KB each for a 384-dimension model, so
/// about 1.5 MB.
pub const QUESTION_CACHE_ENTRIES: usize = 1024;

/// Vectors by question key, at most `capacity` of them.
#[derive(Debug)]
pub struct QuestionCache {
    capacity: usize,
    /// Bumped on every use; an entry's stamp says when it was last used.
    clock: u64,
    entries: HashMap<u64, (Arc<[f32]>, u64), FxBuildHasher>,
}

impl QuestionCache {
    pub fn new(capacity: usize) -> QuestionCache {
        QuestionCache { capacity: capacity.max(1), clock: 0, entries: HashMap::default() }
    }

    /// The vector stored under `key`, now the most recently used.
    pub fn get(&mut self, key: u64) -> Option<Vec<f32>> {
        self.clock += 1;
        let (vector, used) = self.entries.get_mut(&key)?;
        *used = self.clock;
        Some(vector.to_vec())
    }

    /// Stores `vector` under `key`; when full, the least recently used goes. Finding
    /// it scans the entries (a thousand stamps: microseconds, against the tens of
    /// milliseconds the miss costs anyway).
    pub fn put(&mut self, key: u64, vector: Vec<f32>) {
        self.clock += 1;
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let oldest = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (vector.into(), self.clock));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_question_goes_first() {
        let mut cache = QuestionCache::new(2);
        cache.put(1, vec![1.0]);
        cache.put(2, vec![2.0]);
        assert_eq!(cache.get(1), Some(vec![1.0]), "1 is now the more recent");
        cache.put(3, vec![3.0]);
        assert_eq!((cache.get(2), cache.get(1), cache.get(3)), (None, Some(vec![1.0]), Some(vec![3.0])));
        assert_eq!(cache.len(), 2, "bounded");
        cache.put(3, vec![3.5]);
        assert_eq!((cache.len(), cache.get(3)), (2, Some(vec![3.5])), "replacing keeps the others");
    }
}
