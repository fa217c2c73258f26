//! Sentence vectors on disk beside the index, keyed by a hash of the embedded text,
//! and exact nearest-neighbour search over them.
//!
//! Vectors are unit length and stored as int8 (×127), 393 bytes each with key and
//! language for a 384-dimension model (a million sentences: ~400 MB of disk and
//! memory). Up to [`EXACT_SEARCH_LIMIT`] vectors, search is an exact scan, two
//! int8 dot products per sentence; beyond it, an HNSW index (the `instant-distance`
//! crate) proposes candidates that are then scored exactly. The file is append-only: records are added as the
//! embedding server delivers them, a torn last record (a crash mid-write) is
//! ignored on load, and a file made under another model is set aside, not mixed in.
//!
//! File layout: `NDVEC2\n`, the model key line, the dimension as a little-endian
//! u32, then records of `key: u64 LE`, a language byte ([`lang_code`]) and `dim`
//! signed bytes.
//!
//! Search corrects for language: multilingual models rate any sentence in the
//! question's language as closer than a sentence in another language that answers
//! it, because each language's vectors gather around a centre of their own. So
//! each sentence is compared with the question after its language's centre is
//! taken out of it (and the centre of all vectors out of the question): what is
//! left is what the sentence says, not the language it says it in.

mod approximate;
mod centres;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustc_hash::FxBuildHasher;

use approximate::{ApproximateSlot, Centred};
use centres::{Centres, SCALE_SQ, Scorer};

const MAGIC: &[u8] = b"NDVEC2\n";

/// Up to this many vectors every search scans them all; beyond it an approximate
/// index is used.
pub const EXACT_SEARCH_LIMIT: usize = 50_000;

/// The key of an embedded text (a passage's title and body, or a question).
pub fn key_of(text: &str) -> u64 {
    let hash = blake3::hash(text.as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("cannot read or write the vector file {}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("vectors of {got} dimensions do not fit a file of {expected}")]
    Dimension { expected: usize, got: usize },
}

/// Vectors by key, in memory, mirrored to a file.
#[derive(Debug)]
pub struct VectorStore {
    path: Option<PathBuf>,
    model_key: String,
    dim: usize,
    keys: Vec<u64>,
    langs: Vec<u8>,
    data: Vec<i8>,
    slots: HashMap<u64, usize, FxBuildHasher>,
    writer: Option<BufWriter<File>>,
    /// Each language's centre, kept while the store is unchanged.
    centres: Mutex<Option<Arc<Centres>>>,
    /// Beyond this many vectors, search goes through `approximate`.
    exact_limit: usize,
    approximate: Arc<ApproximateSlot>,
}

impl VectorStore {
    /// A store in memory only.
    pub fn in_memory(model_key: &str) -> VectorStore {
        VectorStore {
            path: None,
            model_key: model_key.to_owned(),
            dim: 0,
            keys: Vec::new(),
            langs: Vec::new(),
            data: Vec::new(),
            slots: HashMap::default(),
            writer: None,
            centres: Default::default(),
            exact_limit: EXACT_SEARCH_LIMIT,
            approximate: Default::default(),
        }
    }

    /// Loads the vectors in `path` made under `model_key`. A file of another model
    /// is renamed to `<path>.old` and a fresh one started.
    pub fn open(path: &Path, model_key: &str) -> Result<VectorStore, VectorError> {
        let io = |source| VectorError::Io { path: path.to_owned(), source };
        let mut store = VectorStore::in_memory(model_key);
        store.path = Some(path.to_owned());
        if let Ok(file) = File::open(path) {
            let mut bytes = Vec::new();
            BufReader::new(file).read_to_end(&mut bytes).map_err(io)?;
            match store.load(&bytes) {
                Some(whole) if whole < bytes.len() => {
                    // Cut a torn last record, so that appends start on a boundary.
                    OpenOptions::new()
                        .write(true)
                        .open(path)
                        .and_then(|f| f.set_len(whole as u64))
                        .map_err(io)?;
                }
                Some(_) => {}
                None => {
                    tracing::info!(path = %path.display(), "vectors were made by another model; starting afresh");
                    std::fs::rename(path, path.with_extension("old")).map_err(io)?;
                }
            }
        }
        Ok(store)
    }

    /// Fills the store from a file's bytes and returns how many bytes hold whole
    /// records; `None` when they belong to another model.
    fn load(&mut self, bytes: &[u8]) -> Option<usize> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let newline = rest.iter().position(|&b| b == b'\n')?;
        if &rest[..newline] != self.model_key.as_bytes() {
            return None;
        }
        let header = MAGIC.len() + newline + 1 + 4;
        let dim = u32::from_le_bytes(bytes.get(header - 4..header)?.try_into().expect("4 bytes")) as usize;
        if dim == 0 {
            return None;
        }
        self.dim = dim;
        let record = 9 + dim;
        // A torn record at the end (a crash mid-append) is dropped.
        let records = bytes[header..].chunks_exact(record);
        let whole = header + records.len() * record;
        for chunk in records {
            let key = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
            let vector: Vec<i8> = chunk[9..].iter().map(|&b| b as i8).collect();
            self.insert(key, chunk[8], &vector);
        }
        Some(whole)
    }

    fn insert(&mut self, key: u64, lang: u8, vector: &[i8]) {
        match self.slots.get(&key) {
            Some(&slot) => {
                self.langs[slot] = lang;
                self.data[slot * self.dim..(slot + 1) * self.dim].copy_from_slice(vector);
            }
            None => {
                self.slots.insert(key, self.keys.len());
                self.keys.push(key);
                self.langs.push(lang);
                self.data.extend_from_slice(vector);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Dimensions of the stored vectors; 0 while the store is empty.
    pub fn dim(&self) -> usize {
        if self.keys.is_empty() { 0 } else { self.dim }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn contains(&self, key: u64) -> bool {
        self.slots.contains_key(&key)
    }

    /// Adds unit vectors under their keys, with their texts' language ([`lang_code`]),
    /// in memory and, for a file store, on disk.
    pub fn add(&mut self, items: &[(u64, u8, Vec<f32>)]) -> Result<(), VectorError> {
        let Some((_, _, first)) = items.first() else { return Ok(()) };
        if self.dim == 0 {
            self.dim = first.len();
        }
        if let Some((_, _, bad)) = items.iter().find(|(_, _, v)| v.len() != self.dim) {
            return Err(VectorError::Dimension { expected: self.dim, got: bad.len() });
        }
        let quantized: Vec<(u64, u8, Vec<i8>)> =
            items.iter().map(|(k, l, v)| (*k, *l, quantize(v))).collect();
        if let Some(path) = self.path.clone() {
            let io = |source| VectorError::Io { path: path.clone(), source };
            if self.writer.is_none() {
                let fresh = !path.exists();
                use std::os::unix::fs::OpenOptionsExt;
                // Readable by the owner only, like the database.
                let file =
                    OpenOptions::new().create(true).append(true).mode(0o600).open(&path).map_err(io)?;
                let mut writer = BufWriter::new(file);
                if fresh {
                    writer.write_all(MAGIC).map_err(io)?;
                    writer.write_all(self.model_key.as_bytes()).map_err(io)?;
                    writer.write_all(b"\n").map_err(io)?;
                    writer.write_all(&(self.dim as u32).to_le_bytes()).map_err(io)?;
                }
                self.writer = Some(writer);
            }
            let writer = self.writer.as_mut().expect("opened above");
            for (key, lang, vector) in &quantized {
                writer.write_all(&key.to_le_bytes()).map_err(io)?;
                writer.write_all(&[*lang]).map_err(io)?;
                writer.write_all(&vector.iter().map(|&x| x as u8).collect::<Vec<u8>>()).map_err(io)?;
            }
            writer.flush().map_err(io)?;
        }
        for (key, lang, vector) in &quantized {
            self.insert(*key, *lang, vector);
        }
        Ok(())
    }

    /// The stored vector under `key`, as f32.
    pub fn get(&self, key: u64) -> Option<Vec<f32>> {
        let slot = *self.slots.get(&key)?;
        Some(
            self.data[slot * self.dim..(slot + 1) * self.dim].iter().map(|&x| f32::from(x) / 127.0).collect(),
        )
    }

    /// The `k` sentences nearest to `query`, best first, by cosine similarity
    /// after each language's centre is taken out (see the module notes).
    ///
    /// Up to the exact-search limit ([`EXACT_SEARCH_LIMIT`] unless set otherwise)
    /// every vector is compared. Beyond it, an approximate index (HNSW) over the
    /// centred vectors proposes candidates, vectors added since it was built are
    /// compared one by one, and all are scored exactly. The index is built on a
    /// background thread, and rebuilt there when the store has grown by a tenth;
    /// until it is ready the search stays exact.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<Near> {
        self.nearest_inner(query, k, None)
    }

    /// Like [`VectorStore::nearest`], among the sentences `accept` lets through
    /// (a question's filters). `accept` is asked only about sentences near enough
    /// to be among the `k` best so far. When the approximate index proposes fewer
    /// than `k` that pass (a narrow filter), the rest of the store is scanned too.
    pub fn nearest_where(&self, query: &[f32], k: usize, mut accept: impl FnMut(&Near) -> bool) -> Vec<Near> {
        self.nearest_inner(query, k, Some(&mut accept))
    }

    fn nearest_inner(
        &self,
        query: &[f32],
        k: usize,
        mut accept: Option<&mut dyn FnMut(&Near) -> bool>,
    ) -> Vec<Near> {
        if self.dim == 0 || query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let centres = self.centres();
        // The question is moved by the centre of all vectors: its own language's
        // pull is what centring removes from the passages.
        let mut q: Vec<f32> = query.iter().zip(&centres.all).map(|(x, c)| x - c).collect();
        let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm <= f32::EPSILON {
            return Vec::new();
        }
        q.iter_mut().for_each(|x| *x /= norm);
        let scorer = Scorer::new(&centres, &q);
        let filtered = accept.is_some();
        let mut best: Vec<Near> = Vec::with_capacity(k + 1);
        // How many are kept, for after the approximate search (read while
        // `consider` holds `best`).
        let kept = std::cell::Cell::new(0);
        let mut consider = |slot: usize| {
            let lang = self.langs[slot];
            let similarity =
                scorer.similarity(slot, lang, &self.data[slot * self.dim..(slot + 1) * self.dim]);
            if best.len() == k && similarity <= best[k - 1].similarity {
                return;
            }
            let near = Near { key: self.keys[slot], similarity, lang };
            if let Some(accept) = accept.as_mut()
                && !accept(&near)
            {
                return;
            }
            let at = best.partition_point(|b| b.similarity >= similarity);
            best.insert(at, near);
            best.truncate(k);
            kept.set(best.len());
        };
        match self.approximate() {
            Some(approximate) => {
                let mut search = instant_distance::Search::default();
                let mut seen = std::collections::HashSet::new();
                for item in approximate.map.search(&Centred(scorer.q8.clone().into()), &mut search) {
                    if seen.insert(*item.value) {
                        consider(*item.value as usize);
                    }
                }
                (approximate.len..self.keys.len()).for_each(&mut consider);
                if filtered && kept.get() < k {
                    (0..approximate.len)
                        .filter(|slot| !seen.contains(&(*slot as u32)))
                        .for_each(&mut consider);
                }
            }
            None => (0..self.keys.len()).for_each(consider),
        }
        best
    }

    /// Sets how many vectors are searched exactly before an approximate index is
    /// used (the default is [`EXACT_SEARCH_LIMIT`]).
    pub fn with_exact_limit(mut self, limit: usize) -> VectorStore {
        self.exact_limit = limit;
        self
    }
}

/// A sentence near a question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub key: u64,
    /// Cosine similarity to the question once the centre of the sentence's
    /// language is taken out.
    pub similarity: f32,
    /// The sentence's language ([`lang_code`]).
    pub lang: u8,
}

/// A text's language as a byte, for [`VectorStore::add`].
pub fn lang_code(lang: &str) -> u8 {
    match lang {
        "en" => 1,
        "uk" => 2,
        "ru" => 3,
        "" => 0,
        // Other languages share one group.
        _ => 255,
    }
}

fn quantize(v: &[f32]) -> Vec<i8> {
    v.iter().map(|x| (x * 127.0).round().clamp(-127.0, 127.0) as i8).collect()
}

fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum()
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn sentences_are_compared_by_what_they_say_not_their_language() {
        let mut store = VectorStore::in_memory("m");
        // Two topics (first two dimensions), two languages (last two), each
        // language pulling its sentences together more than topics do.
        store
            .add(&[
                (1, 1, unit(&[1.0, 0.0, 2.0, 0.0])),
                (2, 1, unit(&[0.0, 1.0, 2.0, 0.0])),
                (3, 2, unit(&[1.0, 0.0, 0.0, 2.0])),
                (4, 2, unit(&[0.0, 1.0, 0.0, 2.0])),
            ])
            .unwrap();
        // Asked in language 2 about the second topic: by raw cosine the other
        // topic in the question's language (3) beats the same topic in language 1.
        let question = unit(&[0.0, 1.0, 0.0, 2.0]);
        let raw = |key: u64| dot_f32(&store.get(key).unwrap(), &question);
        assert!(raw(3) > raw(2));
        let near = store.nearest(&question, 4);
        let mut first_two: Vec<u64> = near[..2].iter().map(|n| n.key).collect();
        first_two.sort_unstable();
        assert_eq!(first_two, [2, 4], "{near:?}");
    }

    #[test]
    fn the_approximate_index_finds_what_the_exact_scan_finds() {
        // Deterministic pseudo-random unit vectors in two languages.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 2000) as f32 / 1000.0 - 1.0
        };
        let items: Vec<(u64, u8, Vec<f32>)> = (0..3000)
            .map(|i| (i, 1 + (i % 2) as u8, unit(&(0..32).map(|_| next()).collect::<Vec<_>>())))
            .collect();
        let mut exact = VectorStore::in_memory("m");
        exact.add(&items).unwrap();
        let mut approximate = VectorStore::in_memory("m").with_exact_limit(1000);
        approximate.add(&items).unwrap();
        approximate.build_approximate();
        let mut found = 0;
        for _ in 0..20 {
            let question = unit(&(0..32).map(|_| next()).collect::<Vec<_>>());
            let want: Vec<u64> = exact.nearest(&question, 10).iter().map(|n| n.key).collect();
            let got = approximate.nearest(&question, 10);
            found += got.iter().filter(|n| want.contains(&n.key)).count();
        }
        assert!(found >= 180, "recall {found}/200");
        // A vector added after the index was built is still found.
        let question = unit(&(0..32).map(|_| next()).collect::<Vec<_>>());
        approximate.add(&[(99_999, 1, question.clone())]).unwrap();
        assert_eq!(approximate.nearest(&question, 1)[0].key, 99_999);
    }

    #[test]
    fn vectors_persist_survive_a_torn_tail_and_are_searched_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        let mut store = VectorStore::open(&path, "m").unwrap();
        store
            .add(&[
                (1, 1, unit(&[1.0, 0.0, 0.0])),
                (2, 1, unit(&[0.0, 1.0, 0.0])),
                (3, 1, unit(&[1.0, 1.0, 0.0])),
            ])
            .unwrap();
        drop(store);
        // A crash mid-append leaves half a record.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[9, 9, 9]).unwrap();
        drop(file);
        let mut store = VectorStore::open(&path, "m").unwrap();
        assert_eq!(store.len(), 3);
        store.add(&[(4, 1, unit(&[0.0, 0.0, 1.0]))]).unwrap();
        drop(store);
        let store = VectorStore::open(&path, "m").unwrap();
        assert_eq!(store.len(), 4, "appends after a torn tail start on a record boundary");
        assert!(store.get(4).unwrap()[2] > 0.99);
        let near = store.nearest(&unit(&[0.9, 0.1, 0.0]), 2);
        assert_eq!(near.iter().map(|n| n.key).collect::<Vec<_>>(), [1, 3]);
        assert!((near[0].similarity - 0.99).abs() < 0.02, "{near:?}");
        // Another model's file is set aside.
        let other = VectorStore::open(&path, "another model").unwrap();
        assert!(other.is_empty());
        assert!(path.with_extension("old").exists());
    }
}
