//! Keeping the index in step with the corpus folder while the bot serves: file
//! events (inotify and friends, through `notify`) trigger an incremental sync within
//! about a second, and a periodic rescan catches what events miss (network file
//! systems, a watcher that failed to start).

use std::path::PathBuf;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::index::{NewsIndex, SearchError};

/// Quiet time after the last file event before syncing, so a file copied in
/// several writes is read once, whole.
const SETTLE: Duration = Duration::from_millis(300);

/// Syncs `index` with `corpus` whenever files change, and every `rescan` anyway;
/// runs until the task is dropped. Failures are logged and retried at the next
/// change or rescan.
pub async fn watch_corpus(index: NewsIndex, corpus: PathBuf, rescan: Duration) {
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<()>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = events_tx.send(());
        }
    })
    .and_then(|mut watcher| watcher.watch(&corpus, RecursiveMode::Recursive).map(|()| watcher));
    // Keep the watcher alive as long as this task.
    let _watcher = match watcher {
        Ok(watcher) => {
            tracing::info!(corpus = %super::escaped_path(&corpus), rescan_s = rescan.as_secs(), "watching the corpus for changes");
            Some(watcher)
        }
        Err(err) => {
            tracing::warn!(error = %err, corpus = %super::escaped_path(&corpus), rescan_s = rescan.as_secs(), "cannot watch the corpus; re-scanning it periodically instead");
            None
        }
    };
    // Changes made before the watch began are caught by a first sync right away.
    let mut first = true;
    loop {
        tokio::select! {
            () = std::future::ready(()), if first => first = false,
            Some(()) = events.recv() => {
                // Let a burst of events (a copy, an editor's save) settle.
                loop {
                    tokio::time::sleep(SETTLE).await;
                    let mut more = false;
                    while events.try_recv().is_ok() {
                        more = true;
                    }
                    if !more {
                        break;
                    }
                }
            }
            () = tokio::time::sleep(rescan) => {}
        }
        let (index, corpus) = (index.clone(), corpus.clone());
        let synced = tokio::task::spawn_blocking(move || index.sync(&corpus, &mut |_, _| {})).await;
        match synced {
            Ok(Ok(report)) if report.files_indexed + report.files_removed > 0 => tracing::info!(
                files_indexed = report.files_indexed,
                files_removed = report.files_removed,
                skipped = report.skipped.len(),
                articles = report.articles,
                "corpus change indexed"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(SearchError::Locked { .. })) => {
                tracing::warn!("the index is being written by another process; will retry")
            }
            Ok(Err(err)) => tracing::error!(error = ?anyhow::Error::from(err), "cannot index corpus changes"),
            Err(err) => tracing::error!(error = %err, "indexing task failed"),
        }
    }
}
