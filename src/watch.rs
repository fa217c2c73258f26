//! Keeping the index in step with the corpus folder while the bot serves: file
//! events (inotify and friends, through `notify`) trigger an incremental sync within
//! about a second, and a periodic rescan catches what events miss (network file
//! systems, a watcher that failed to start).
//!
//! The serving process holds [`ServeLock`] in the index folder, so `newsdesk index`
//! run meanwhile can say plainly that the running bot keeps the index up to date,
//! instead of racing it for tantivy's writer lock.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use serde::{Deserialize, Serialize};

use crate::search::{NewsIndex, SearchError};

/// File in the index folder that a serving process keeps locked.
const LOCK_FILE: &str = "newsdesk-serve.lock";

/// Quiet time after the last file event before syncing, so a file copied in
/// several writes is read once, whole.
const SETTLE: Duration = Duration::from_millis(300);

/// Who holds the lock: written into the lock file for the message others print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub corpus: PathBuf,
}

/// An exclusive lock on an index folder for the life of a `serve` process. The OS
/// releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

impl ServeLock {
    /// Takes the lock on `index_dir`, or returns who holds it.
    pub fn acquire(index_dir: &Path, corpus: &Path) -> std::io::Result<Result<ServeLock, Holder>> {
        std::fs::create_dir_all(index_dir)?;
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(index_dir.join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => {
                let holder = Holder { pid: std::process::id(), corpus: absolute(corpus) };
                file.set_len(0)?;
                file.rewind()?;
                file.write_all(serde_json::to_string(&holder).unwrap_or_default().as_bytes())?;
                file.sync_all()?;
                Ok(Ok(ServeLock { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(Err(read_holder(&mut file))),
            Err(std::fs::TryLockError::Error(err)) => Err(err),
        }
    }

    /// Who holds the lock on `index_dir`, if anyone.
    pub fn holder(index_dir: &Path) -> Option<Holder> {
        let mut file = File::options().read(true).write(true).open(index_dir.join(LOCK_FILE)).ok()?;
        match file.try_lock() {
            Ok(()) => None,
            Err(_) => Some(read_holder(&mut file)),
        }
    }
}

fn read_holder(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    serde_json::from_str(&text).unwrap_or(Holder { pid: 0, corpus: PathBuf::new() })
}

/// `path` made absolute (for comparing corpus folders named differently).
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_owned())
}

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
            tracing::info!(corpus = %corpus.display(), rescan_s = rescan.as_secs(), "watching the corpus for changes");
            Some(watcher)
        }
        Err(err) => {
            tracing::warn!(error = %err, corpus = %corpus.display(), rescan_s = rescan.as_secs(), "cannot watch the corpus; re-scanning it periodically instead");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_sees_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let lock = ServeLock::acquire(dir.path(), Path::new("seeds")).unwrap().unwrap();
        // Locks are per open file description, so a second open in this process
        // conflicts just as another process would.
        let holder = ServeLock::acquire(dir.path(), Path::new("other")).unwrap().unwrap_err();
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(ServeLock::holder(dir.path()), Some(holder));
        drop(lock);
        assert_eq!(ServeLock::holder(dir.path()), None);
    }

    #[test]
    fn rebuilding_an_old_index_keeps_the_serve_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = ServeLock::acquire(dir.path(), Path::new("seeds")).unwrap().unwrap();
        // An index without a manifest is of an older format and is rebuilt.
        std::fs::write(dir.path().join("meta.json"), "{}").unwrap();
        NewsIndex::open_or_create(dir.path()).unwrap();
        assert!(ServeLock::holder(dir.path()).is_some(), "the lock file survived the rebuild");
    }
}
