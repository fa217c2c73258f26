//! The bot's durable state in SQLite: per-chat settings, digest subscriptions and
//! cursors, the digest outbox, feedback, questions that found nothing, the
//! channels whose posts are archived, and the feeds admins added with their poll
//! state.
//!
//! The schema grows by numbered migrations (`PRAGMA user_version`), each applied in
//! one transaction. A file that is not a newsdesk database, fails SQLite's integrity
//! check, or was written by a newer newsdesk is an error naming the file: state is
//! never reset behind the owner's back.
//!
//! Exactly-once digests rest on one rule: a digest is written to the outbox in the
//! same transaction that moves its subscription's cursor and next run, and marked
//! sent only after Telegram accepted it. A crash before the send leaves it pending
//! (it is sent after restart); a digest already marked sent is never sent again.
//!
//! Nothing here knows Telegram: chats, users and threads are plain integers.

mod archives;
mod chats;
mod feeds;
mod migrations;
mod outbox;
mod subscriptions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use chats::ChatSettings;
pub use feeds::{AddedFeed, FeedOutcome, FeedState};
use migrations::MIGRATIONS;
pub use outbox::{DeliveryStep, DigestRecord, Failpoint, OutboxCounts, OutboxItem, Redelivery, UNCERTAIN};
pub use subscriptions::{NewSubscription, Subscription, SubscriptionLimit};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error(
        "{} is not a usable newsdesk database ({detail}); it was left untouched: restore it from a backup or move it away to start afresh",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{} was written by a newer newsdesk (schema {found}, this one knows {known}); upgrade newsdesk",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, known: usize },
    #[error(
        "{} cannot be written ({detail}): free space on its disk, or give the user newsdesk runs as write access to it and its folder",
        path.display()
    )]
    Unwritable { path: PathBuf, detail: String },
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
}

/// The database. One connection behind a mutex: every statement is short, and
/// SQLite serialises writers anyway.
pub struct Store {
    conn: Mutex<Connection>,
    /// Chat settings read so far: every message needs its chat's, and they change
    /// only through this store.
    settings: Mutex<std::collections::HashMap<i64, ChatSettings>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating when missing) the database at `path` and brings its schema up
    /// to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::CreateDir { path: dir.to_owned(), source })?;
        }
        create_private(path).map_err(|err| StoreError::Unwritable {
            path: path.to_owned(),
            detail: err.kind().to_string(),
        })?;
        // A damaged file is corrupt; anything else SQLite cannot do (a full disk, a
        // read-only file or folder) is a problem of where the file lives.
        let failed = |err: rusqlite::Error| match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) | None => {
                StoreError::Corrupt { path: path.to_owned(), detail: err.to_string() }
            }
            Some(_) => StoreError::Unwritable { path: path.to_owned(), detail: err.to_string() },
        };
        let conn = Connection::open(path).map_err(failed)?;
        // The first read is where SQLite notices a file that is not a database.
        let check: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0)).map_err(failed)?;
        if check != "ok" {
            return Err(StoreError::Corrupt { path: path.to_owned(), detail: check });
        }
        // A database that opens but cannot be written would lose every sent mark:
        // refuse it now rather than send digests that cannot be recorded.
        let unwritable =
            |err: rusqlite::Error| StoreError::Unwritable { path: path.to_owned(), detail: err.to_string() };
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(failed)?;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; PRAGMA user_version = {version}; COMMIT;"))
            .map_err(unwritable)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::migrate(conn, path)
    }

    /// A database in memory, for tests.
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::migrate(Connection::open_in_memory()?, Path::new(":memory:"))
    }

    fn migrate(mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (n, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", n as i64 + 1)?;
            tx.commit()?;
            tracing::debug!(version = n + 1, "database migrated");
        }
        Ok(Store { conn: Mutex::new(conn), settings: Mutex::default() })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version (number of migrations applied); [`SCHEMA_VERSION`] once
    /// opened.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }
}

/// The schema version this newsdesk writes: the number of migrations.
pub const SCHEMA_VERSION: i64 = migrations::MIGRATIONS.len() as i64;

/// Creates the database file readable by its owner only, when it does not exist yet.
/// SQLite gives its `-wal` and `-shm` files the database's mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod fixtures {
    use super::NewSubscription;

    /// A daily 08:00 Kyiv subscription to `chat` taking articles about NATO.
    pub(super) fn subscription(chat: i64, next_due: i64) -> NewSubscription {
        NewSubscription {
            chat_id: chat,
            thread_id: None,
            chat_title: None,
            minute_of_day: 8 * 60,
            tz: "Europe/Kyiv".into(),
            include: "nato".into(),
            exclude: String::new(),
            created_by: Some(7),
            lang: None,
            next_due,
        }
    }
}
