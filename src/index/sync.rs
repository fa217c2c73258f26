//! Adding articles: directly (in-memory indexes) or by bringing the index in step
//! with the corpus folder, re-indexing only the files that changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, IndexWriter, Searcher, TantivyDocument, Term};

use super::manifest::{FORMAT_VERSION, FileState, Manifest, read_manifest, write_manifest};
use super::{NewsIndex, SearchError, article_key, passages, schema, vector_sentences};
use crate::ingest::{self, Article, Skipped, Verdict};
use crate::retrieve::filters::day_of;
use crate::retrieve::filters::index::outlet_key;
use crate::retrieve::semantic::names;
use crate::retrieve::semantic::vectors::lang_code;

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

impl NewsIndex {
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

    pub(crate) fn add_article(
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
        // What filters read: the day, the outlet and the language as numbers.
        let day = article.date.as_deref().and_then(day_of);
        let outlet = article.source.as_deref().map(outlet_key);
        let lang = u64::from(lang_code(&article.lang));
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
            if let Some(day) = day {
                doc.add_u64(f.day, day);
            }
            if let Some(outlet) = outlet {
                doc.add_u64(f.outlet, outlet);
            }
            doc.add_u64(f.lang_code, lang);
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
    ///
    /// An id names one article in the corpus. Files are read in path order, and an
    /// article whose id is already used (by an article indexed from a file this run
    /// leaves alone, or read earlier in this run) is skipped by name and line: the
    /// article indexed first keeps its id. Whenever a file is changed or removed,
    /// the files that had articles skipped that way are read again too, so an id
    /// that was freed goes to the first of them in path order.
    pub fn sync(
        &self,
        corpus_dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SyncReport, SearchError> {
        let _turn = self.syncing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
        let files = ingest::article_files(corpus_dir)?;
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
            match manifest.files.get_mut(&key) {
                Some(state) if state.size == meta.len() && state.modified_ns == modified_ns => {
                    report.files_unchanged += 1;
                    report.articles += state.articles;
                    report.passages += state.passages;
                }
                // Touched but not changed: remember the new time stamp only. Known
                // before anything is indexed, because a file left alone keeps its ids.
                Some(state) if state.size == meta.len() && hash_of(path).is_some_and(|h| h == state.hash) => {
                    state.modified_ns = modified_ns;
                    report.files_unchanged += 1;
                    report.articles += state.articles;
                    report.passages += state.passages;
                }
                _ => todo.push((path.clone(), key, meta.len(), modified_ns)),
            }
        }
        let removed: Vec<String> = manifest.files.keys().filter(|k| !present.contains(*k)).cloned().collect();
        // A changed or removed file may free an id another file's article was refused.
        let freeing = !removed.is_empty() || todo.iter().any(|(_, key, ..)| manifest.files.contains_key(key));
        if freeing {
            let queued: HashSet<String> = todo.iter().map(|(_, key, ..)| key.clone()).collect();
            for path in &files {
                let key = path.strip_prefix(corpus_dir).unwrap_or(path).to_string_lossy().into_owned();
                if let Some(state) = manifest.files.get(&key)
                    && state.duplicates > 0
                    && !queued.contains(&key)
                {
                    report.files_unchanged -= 1;
                    report.articles -= state.articles;
                    report.passages -= state.passages;
                    todo.push((path.clone(), key, state.size, state.modified_ns));
                }
            }
            todo.sort();
        }
        if todo.is_empty() && removed.is_empty() && !reindex {
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }

        // Ids of the index as it is, except those of the files re-indexed or removed.
        let released = removed.iter().chain(todo.iter().map(|(_, key, ..)| key));
        let mut ids = Ids::new(self, !reindex, released)?;
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
            let read = ingest::read_bytes(&path);
            let hash =
                read.as_ref().map(|bytes| blake3::hash(bytes).to_hex().to_string()).unwrap_or_default();
            writer.delete_term(Term::from_field_text(self.fields.file, &key));
            let (mut articles, mut passages, mut duplicates) = (0, 0, 0);
            let mut consumed: u64 = 0;
            let raw_id = ingest::raw_article_id(Path::new(&key));
            let skipped = match read {
                // Articles go to the index as they are parsed: the writer's threads
                // start on the first ones while the rest of a feed is still read.
                Ok(bytes) => ingest::parse_file_each(&path, &raw_id, bytes, |article| {
                    if let Some(holder) = ids.holder(&article.id, &key)? {
                        duplicates += 1;
                        return Ok(Verdict::Refused(ingest::duplicate_id(&article.id, &holder)));
                    }
                    // An article read again (its file changed: a line appended or
                    // edited) keeps the stamp it was first indexed with, so digests
                    // do not take it as new.
                    let stamp = ids.stamp(&article.id).unwrap_or(added);
                    passages += self.add_article(&writer, &article, &key, stamp)?;
                    articles += 1;
                    consumed += article.paragraphs.iter().map(|p| p.len() as u64 + 1).sum::<u64>();
                    progress(done + consumed.min(size), total);
                    Ok::<_, SearchError>(Verdict::Taken)
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
            manifest.files.insert(key, FileState { size, modified_ns, hash, articles, passages, duplicates });
        }
        progress(done, total);
        writer.commit()?;
        writer.wait_merging_threads()?;
        write_manifest(&dir, &manifest)?;
        self.reader.reload()?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// The BLAKE3 hash of a corpus file, `None` when it cannot be read.
fn hash_of(path: &Path) -> Option<String> {
    ingest::read_bytes(path).ok().map(|bytes| blake3::hash(&bytes).to_hex().to_string())
}

/// The article ids in use while a sync runs: those of the index as it was, apart
/// from the files being re-indexed or removed, and those indexed since.
struct Ids {
    /// The index before this sync, and the documents of the files it releases;
    /// `None` when nothing of it stays.
    before: Option<(Searcher, HashSet<DocAddress>)>,
    article_id: Field,
    /// Ids indexed in this sync, with the file each came from.
    added: HashMap<String, String>,
    /// The `added` stamps of the articles of the files released, by id.
    stamps: HashMap<String, u64>,
}

impl Ids {
    fn new<'a>(
        index: &NewsIndex,
        keep: bool,
        released: impl Iterator<Item = &'a String>,
    ) -> Result<Ids, SearchError> {
        let searcher = index.reader.searcher();
        let mut stamps = HashMap::new();
        let before = if keep && searcher.num_docs() > 0 {
            let mut docs = HashSet::new();
            for key in released {
                let query =
                    TermQuery::new(Term::from_field_text(index.fields.file, key), IndexRecordOption::Basic);
                docs.extend(searcher.search(&query, &DocSetCollector)?);
            }
            for &address in &docs {
                let doc: TantivyDocument = searcher.doc(address)?;
                if let Some(stamp) = doc.get_first(index.fields.added).and_then(|v| v.as_u64()) {
                    stamps.insert(schema::text_of(&doc, index.fields.article_id), stamp);
                }
            }
            Some((searcher, docs))
        } else {
            None
        };
        Ok(Ids { before, article_id: index.fields.article_id, added: HashMap::new(), stamps })
    }

    /// The `added` stamp `id` had before this sync, when its file is read again.
    fn stamp(&self, id: &str) -> Option<u64> {
        self.stamps.get(id).copied()
    }

    /// Takes `id` for an article of `file`; when it is already in use, says where
    /// instead (the file, or the index).
    fn holder(&mut self, id: &str, file: &str) -> Result<Option<String>, SearchError> {
        if let Some(holder) = self.added.get(id) {
            return Ok(Some(if holder == file { "this file".to_owned() } else { holder.clone() }));
        }
        if let Some((searcher, released)) = &self.before {
            let query = TermQuery::new(Term::from_field_text(self.article_id, id), IndexRecordOption::Basic);
            if searcher.search(&query, &DocSetCollector)?.iter().any(|doc| !released.contains(doc)) {
                return Ok(Some("the index".to_owned()));
            }
        }
        self.added.insert(id.to_owned(), file.to_owned());
        Ok(None)
    }
}

fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
