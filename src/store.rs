//! The bot's durable state in SQLite: per-chat settings, digest subscriptions and
//! cursors, the digest outbox, feedback, and questions that found nothing.
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

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

/// The migrations, in order; `user_version` counts how many have been applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE chat_settings (
        chat_id INTEGER PRIMARY KEY,
        lang TEXT,
        results INTEGER,
        tz TEXT
    );
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER,
        chat_title TEXT,
        minute_of_day INTEGER NOT NULL,
        tz TEXT NOT NULL,
        include TEXT NOT NULL DEFAULT '',
        exclude TEXT NOT NULL DEFAULT '',
        created_by INTEGER,
        lang TEXT,
        created_at INTEGER NOT NULL,
        next_due INTEGER NOT NULL,
        cursor INTEGER,
        paused TEXT
    );
    CREATE INDEX subscriptions_due ON subscriptions (next_due) WHERE paused IS NULL;
    CREATE TABLE digest_cursors (
        chat_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        cursor INTEGER NOT NULL,
        PRIMARY KEY (chat_id, thread_id)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        subscription_id INTEGER,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER,
        reply_to INTEGER,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at INTEGER,
        message_id INTEGER,
        dropped TEXT
    );
    CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND dropped IS NULL;
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER,
        user_id INTEGER,
        question TEXT NOT NULL,
        vote INTEGER NOT NULL,
        articles TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER,
        question TEXT NOT NULL,
        at INTEGER NOT NULL
    );",
];

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
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
}

/// A chat's own settings; `None` means the default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatSettings {
    /// `en` or `uk`; `None` follows each user's Telegram language.
    pub lang: Option<String>,
    pub results: Option<usize>,
    /// IANA time zone name.
    pub tz: Option<String>,
}

/// A subscription as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub chat_id: i64,
    /// The forum topic it posts into.
    pub thread_id: Option<i32>,
    /// `@channel` for channel subscriptions made from a private chat.
    pub chat_title: Option<String>,
    pub minute_of_day: u16,
    pub tz: String,
    /// Space-separated words, as typed.
    pub include: String,
    pub exclude: String,
    pub created_by: Option<u64>,
    /// The language of whoever subscribed, for digests in chats without a setting.
    pub lang: Option<String>,
    /// Unix seconds of the next run.
    pub next_due: i64,
    /// The `added` stamp the last digest reached; `None` before the first.
    pub cursor: Option<u64>,
    /// Why delivery stopped (the bot was removed or blocked), or `None` when active.
    pub paused: Option<String>,
}

/// A subscription to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub chat_title: Option<String>,
    pub minute_of_day: u16,
    pub tz: String,
    pub include: String,
    pub exclude: String,
    pub created_by: Option<u64>,
    pub lang: Option<String>,
    pub next_due: i64,
}

/// A message waiting in (or sent from) the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub subscription_id: Option<i64>,
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    /// The message it answers (a `/digest` command), if any.
    pub reply_to: Option<i32>,
    /// Telegram HTML, ready to send.
    pub text: String,
    pub attempts: u32,
}

/// A digest to record: the outbox message (when there is anything to say) and the
/// cursor and schedule it moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestRecord<'a> {
    pub subscription_id: Option<i64>,
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub reply_to: Option<i32>,
    /// `None` for an empty digest: nothing is sent, the schedule still moves on.
    pub text: Option<&'a str>,
    pub cursor: u64,
    /// The subscription's next run, for scheduled digests.
    pub next_due: Option<i64>,
    pub now: i64,
}

/// Counts for monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sent: u64,
    pub dropped: u64,
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

const SUBSCRIPTION_COLUMNS: &str = "id, chat_id, thread_id, chat_title, minute_of_day, tz, include, exclude, \
     created_by, lang, next_due, cursor, paused";

impl Store {
    /// Opens (creating when missing) the database at `path` and brings its schema up
    /// to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::CreateDir { path: dir.to_owned(), source })?;
        }
        let corrupt =
            |err: rusqlite::Error| StoreError::Corrupt { path: path.to_owned(), detail: err.to_string() };
        let conn = Connection::open(path).map_err(corrupt)?;
        // The first read is where SQLite notices a file that is not a database.
        let check: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0)).map_err(corrupt)?;
        if check != "ok" {
            return Err(StoreError::Corrupt { path: path.to_owned(), detail: check });
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(corrupt)?;
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

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    pub fn settings(&self, chat: i64) -> Result<ChatSettings, StoreError> {
        if let Some(known) = self.settings.lock().unwrap_or_else(|p| p.into_inner()).get(&chat) {
            return Ok(known.clone());
        }
        let settings = self
            .conn()
            .query_row("SELECT lang, results, tz FROM chat_settings WHERE chat_id = ?1", [chat], |row| {
                Ok(ChatSettings {
                    lang: row.get(0)?,
                    results: row.get::<_, Option<i64>>(1)?.map(|n| n as usize),
                    tz: row.get(2)?,
                })
            })
            .optional()?
            .unwrap_or_default();
        let mut known = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: past this many chats, start over rather than grow.
        if known.len() >= 100_000 {
            known.clear();
        }
        known.insert(chat, settings.clone());
        Ok(settings)
    }

    fn forget_settings(&self, chat: i64) {
        self.settings.lock().unwrap_or_else(|p| p.into_inner()).remove(&chat);
    }

    pub fn set_lang(&self, chat: i64, lang: Option<&str>) -> Result<(), StoreError> {
        self.upsert_setting(chat, "lang", lang.map(|l| rusqlite::types::Value::Text(l.to_owned())))
    }

    pub fn set_results(&self, chat: i64, results: Option<usize>) -> Result<(), StoreError> {
        self.upsert_setting(chat, "results", results.map(|n| rusqlite::types::Value::Integer(n as i64)))
    }

    /// Sets the chat's time zone and moves the next run of each of its subscriptions
    /// to `next_due(minute_of_day)`, in one transaction.
    pub fn set_tz(&self, chat: i64, tz: &str, next_due: impl Fn(u16) -> i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO chat_settings (chat_id, tz) VALUES (?1, ?2)
             ON CONFLICT (chat_id) DO UPDATE SET tz = excluded.tz",
            params![chat, tz],
        )?;
        let subscriptions: Vec<(i64, u16)> = {
            let mut stmt = tx.prepare("SELECT id, minute_of_day FROM subscriptions WHERE chat_id = ?1")?;
            stmt.query_map([chat], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?
        };
        for (id, minute) in subscriptions {
            tx.execute(
                "UPDATE subscriptions SET tz = ?1, next_due = ?2 WHERE id = ?3",
                params![tz, next_due(minute), id],
            )?;
        }
        tx.commit()?;
        drop(conn);
        self.forget_settings(chat);
        Ok(())
    }

    fn upsert_setting(
        &self,
        chat: i64,
        column: &'static str,
        value: Option<rusqlite::types::Value>,
    ) -> Result<(), StoreError> {
        // `column` is one of this module's constants, never user text.
        let sql = format!(
            "INSERT INTO chat_settings (chat_id, {column}) VALUES (?1, ?2)
             ON CONFLICT (chat_id) DO UPDATE SET {column} = excluded.{column}"
        );
        self.conn().execute(&sql, params![chat, value])?;
        self.forget_settings(chat);
        Ok(())
    }

    pub fn subscribe(&self, new: &NewSubscription, now: i64) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO subscriptions
               (chat_id, thread_id, chat_title, minute_of_day, tz, include, exclude, created_by, lang, created_at, next_due)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                new.chat_id,
                new.thread_id,
                new.chat_title,
                new.minute_of_day,
                new.tz,
                new.include,
                new.exclude,
                new.created_by.map(|u| u as i64),
                new.lang,
                now,
                new.next_due,
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// The subscriptions posting into `chat`, oldest first.
    pub fn subscriptions_of_chat(&self, chat: i64) -> Result<Vec<Subscription>, StoreError> {
        self.query_subscriptions(
            &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE chat_id = ?1 ORDER BY id"),
            [chat],
        )
    }

    /// The subscriptions `user` made for channels (from a private chat), oldest first.
    pub fn channel_subscriptions_by(&self, user: u64) -> Result<Vec<Subscription>, StoreError> {
        self.query_subscriptions(
            &format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions
                 WHERE created_by = ?1 AND chat_title IS NOT NULL ORDER BY id"
            ),
            [user as i64],
        )
    }

    /// Active subscriptions whose next run is at or before `now`.
    pub fn due(&self, now: i64) -> Result<Vec<Subscription>, StoreError> {
        self.query_subscriptions(
            &format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions
                 WHERE paused IS NULL AND next_due <= ?1 ORDER BY next_due, id"
            ),
            [now],
        )
    }

    fn query_subscriptions(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Subscription>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(args, |row| {
            Ok(Subscription {
                id: row.get(0)?,
                chat_id: row.get(1)?,
                thread_id: row.get(2)?,
                chat_title: row.get(3)?,
                minute_of_day: row.get(4)?,
                tz: row.get(5)?,
                include: row.get(6)?,
                exclude: row.get(7)?,
                created_by: row.get::<_, Option<i64>>(8)?.map(|u| u as u64),
                lang: row.get(9)?,
                next_due: row.get(10)?,
                cursor: row.get::<_, Option<i64>>(11)?.map(|c| c as u64),
                paused: row.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes the subscriptions of `chat` (only those posting into `thread` when
    /// given; only subscription `id` when given) and returns how many went.
    pub fn unsubscribe(&self, chat: i64, thread: Option<i32>, id: Option<i64>) -> Result<usize, StoreError> {
        let removed = self.conn().execute(
            "DELETE FROM subscriptions WHERE chat_id = ?1
               AND (?2 IS NULL OR thread_id IS ?2)
               AND (?3 IS NULL OR id = ?3)",
            params![chat, thread, id],
        )?;
        Ok(removed)
    }

    /// Stops delivery to `chat` (the bot was removed or blocked there).
    pub fn pause_chat(&self, chat: i64, reason: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE subscriptions SET paused = ?2 WHERE chat_id = ?1 AND paused IS NULL",
            params![chat, reason],
        )?)
    }

    /// Resumes the paused subscriptions of `chat` (someone subscribed there again).
    pub fn resume_chat(&self, chat: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute("UPDATE subscriptions SET paused = NULL WHERE chat_id = ?1", [chat])?)
    }

    /// The `added` stamp the chat's last digest (in `thread`) reached.
    pub fn chat_cursor(&self, chat: i64, thread: Option<i32>) -> Result<Option<u64>, StoreError> {
        let cursor: Option<i64> = self
            .conn()
            .query_row(
                "SELECT cursor FROM digest_cursors WHERE chat_id = ?1 AND thread_id = ?2",
                params![chat, thread.unwrap_or(0)],
                |row| row.get(0),
            )
            .optional()?;
        Ok(cursor.map(|c| c as u64))
    }

    /// Records a digest in one transaction: the outbox message (if any), the chat's
    /// cursor, and the subscription's cursor and next run. Returns the outbox id.
    pub fn record_digest(&self, digest: &DigestRecord<'_>) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut outbox = None;
        if let Some(text) = digest.text {
            tx.execute(
                "INSERT INTO outbox (subscription_id, chat_id, thread_id, reply_to, text, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    digest.subscription_id,
                    digest.chat_id,
                    digest.thread_id,
                    digest.reply_to,
                    text,
                    digest.now
                ],
            )?;
            outbox = Some(tx.last_insert_rowid());
            tx.execute(
                "INSERT INTO digest_cursors (chat_id, thread_id, cursor) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id, thread_id) DO UPDATE SET cursor = max(cursor, excluded.cursor)",
                params![digest.chat_id, digest.thread_id.unwrap_or(0), digest.cursor as i64],
            )?;
        }
        if let Some(id) = digest.subscription_id {
            tx.execute(
                "UPDATE subscriptions SET cursor = ?2, next_due = coalesce(?3, next_due) WHERE id = ?1",
                params![id, digest.cursor as i64, digest.next_due],
            )?;
        }
        tx.commit()?;
        Ok(outbox)
    }

    /// Outbox messages not yet sent nor dropped whose next attempt is due, oldest first.
    pub fn pending(&self, now: i64) -> Result<Vec<OutboxItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, subscription_id, chat_id, thread_id, reply_to, text, attempts FROM outbox
             WHERE sent_at IS NULL AND dropped IS NULL AND next_attempt <= ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([now], |row| {
            Ok(OutboxItem {
                id: row.get(0)?,
                subscription_id: row.get(1)?,
                chat_id: row.get(2)?,
                thread_id: row.get(3)?,
                reply_to: row.get(4)?,
                text: row.get(5)?,
                attempts: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn mark_sent(&self, id: i64, message_id: i32, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET sent_at = ?2, message_id = ?3, attempts = attempts + 1 WHERE id = ?1",
            params![id, now, message_id],
        )?;
        Ok(())
    }

    /// A failed attempt that may succeed later: try again at `retry_at`.
    pub fn mark_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE id = ?1",
            params![id, error, retry_at],
        )?;
        Ok(())
    }

    /// A message that can never be delivered (the chat is gone): it stays recorded
    /// with the reason, and is not tried again.
    pub fn drop_message(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.conn().execute("UPDATE outbox SET dropped = ?2 WHERE id = ?1", params![id, reason])?;
        Ok(())
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        Ok(self.conn().query_row(
            "SELECT
               count(*) FILTER (WHERE sent_at IS NULL AND dropped IS NULL),
               count(*) FILTER (WHERE sent_at IS NOT NULL),
               count(*) FILTER (WHERE dropped IS NOT NULL)
             FROM outbox",
            [],
            |row| {
                Ok(OutboxCounts {
                    pending: row.get::<_, i64>(0)? as u64,
                    sent: row.get::<_, i64>(1)? as u64,
                    dropped: row.get::<_, i64>(2)? as u64,
                })
            },
        )?)
    }

    pub fn record_feedback(
        &self,
        chat: i64,
        user: u64,
        question: &str,
        helpful: bool,
        articles: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO feedback (chat_id, user_id, question, vote, articles, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![chat, user as i64, question, if helpful { 1 } else { -1 }, articles.join(" "), now],
        )?;
        Ok(())
    }

    /// Votes so far: (helpful, not helpful).
    pub fn feedback_counts(&self) -> Result<(u64, u64), StoreError> {
        Ok(self.conn().query_row(
            "SELECT count(*) FILTER (WHERE vote > 0), count(*) FILTER (WHERE vote < 0) FROM feedback",
            [],
            |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
        )?)
    }

    pub fn record_unanswered(&self, chat: i64, question: &str, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO unanswered (chat_id, question, at) VALUES (?1, ?2, ?3)",
            params![chat, question, now],
        )?;
        Ok(())
    }

    /// The most recent questions that found nothing, each once with how often it was
    /// asked (compared ignoring case and surrounding space), newest first.
    pub fn unanswered(&self, limit: usize) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT min(question), count(*), max(at) AS last FROM unanswered
             GROUP BY lower(trim(question)) ORDER BY last DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(chat: i64, next_due: i64) -> NewSubscription {
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

    #[test]
    fn a_digest_moves_outbox_cursor_and_schedule_together() {
        let store = Store::in_memory().unwrap();
        let id = store.subscribe(&subscription(-100, 1_000), 0).unwrap();
        assert!(store.due(999).unwrap().is_empty());
        assert_eq!(store.due(1_000).unwrap().len(), 1);
        let outbox = store
            .record_digest(&DigestRecord {
                subscription_id: Some(id),
                chat_id: -100,
                thread_id: None,
                reply_to: None,
                text: Some("digest"),
                cursor: 42,
                next_due: Some(87_400),
                now: 1_000,
            })
            .unwrap()
            .unwrap();
        assert!(store.due(1_000).unwrap().is_empty(), "the next run moved on");
        assert_eq!(store.chat_cursor(-100, None).unwrap(), Some(42));
        assert_eq!(store.pending(1_000).unwrap()[0].id, outbox);
        store.mark_failed(outbox, "network", 1_060).unwrap();
        assert!(store.pending(1_030).unwrap().is_empty(), "backing off");
        assert_eq!(store.pending(1_060).unwrap()[0].attempts, 1);
        store.mark_sent(outbox, 5, 1_061).unwrap();
        assert!(store.pending(i64::MAX).unwrap().is_empty());
        assert_eq!(store.outbox_counts().unwrap(), OutboxCounts { pending: 0, sent: 1, dropped: 0 });
    }

    #[test]
    fn paused_chats_are_not_due_and_unanswered_questions_group() {
        let store = Store::in_memory().unwrap();
        store.subscribe(&subscription(-1, 0), 0).unwrap();
        store.subscribe(&subscription(-2, 0), 0).unwrap();
        assert_eq!(store.pause_chat(-1, "blocked").unwrap(), 1);
        let due: Vec<i64> = store.due(10).unwrap().iter().map(|s| s.chat_id).collect();
        assert_eq!(due, [-2]);
        store.record_unanswered(-1, "Who won?", 1).unwrap();
        store.record_unanswered(-1, "who won? ", 2).unwrap();
        store.record_unanswered(-1, "Mars", 3).unwrap();
        assert_eq!(store.unanswered(10).unwrap(), [("Mars".to_owned(), 1), ("Who won?".to_owned(), 2)]);
    }
}
