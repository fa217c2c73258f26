//! The serving process holds [`ServeLock`] in the index folder, so `newsdesk index`
//! run meanwhile can say plainly that the running bot keeps the index up to date,
//! instead of racing it for tantivy's writer lock.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File in the index folder that a serving process keeps locked.
const LOCK_FILE: &str = "newsdesk-serve.lock";

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
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = File::options()
            .mode(0o600)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::NewsIndex;

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
