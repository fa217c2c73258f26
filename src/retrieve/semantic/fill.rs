//! Filling in sentence vectors: what lacks one, embedding it in batches, and the
//! loop that keeps the layer in step with the index while serving.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tantivy::TantivyDocument;

use super::{embed, vectors};
use crate::index::{NewsIndex, SearchError, text_of, vector_sentences};

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
}

/// Keeps sentence vectors in step with the index while serving: new passages get
/// theirs within seconds, in small batches so questions are not kept waiting on the
/// embedding server; a failing server is retried every half minute. Returns at once
/// without a semantic layer.
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
