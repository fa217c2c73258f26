//! Digest subscriptions: creating, listing and removing them, finding the due ones,
//! pausing a chat's delivery, and the cursor a chat's digests reached.

use std::ops::Deref;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A subscription to create: where and when it posts and which articles it takes.
/// A stored [`Subscription`] carries one as its `spec`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
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
}

/// A subscription as stored: what it was created with, plus its id and where its
/// delivery stands. The spec's fields read as its own (`sub.chat_id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub spec: NewSubscription,
    /// The `added` stamp the last digest reached; `None` before the first.
    pub cursor: Option<u64>,
    /// Why delivery stopped (the bot was removed or blocked), or `None` when active.
    pub paused: Option<String>,
}

impl Deref for Subscription {
    type Target = NewSubscription;

    fn deref(&self) -> &NewSubscription {
        &self.spec
    }
}

/// Why [`Store::subscribe_within`] refused a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionLimit {
    /// The chat has this many already.
    Chat(usize),
    /// The user made this many already.
    User(usize),
}

const SUBSCRIPTION_COLUMNS: &str = "id, chat_id, thread_id, chat_title, minute_of_day, tz, include, exclude, \
     created_by, lang, next_due, cursor, paused";

impl Store {
    /// Stores `new` with no limit (see [`Store::subscribe_within`]).
    pub fn subscribe(&self, new: &NewSubscription, now: i64) -> Result<i64, StoreError> {
        Self::insert_subscription(&self.conn(), new, now)
    }

    fn insert_subscription(
        conn: &rusqlite::Connection,
        new: &NewSubscription,
        now: i64,
    ) -> Result<i64, StoreError> {
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

    /// Stores `new` unless its chat already has `per_chat` subscriptions or its
    /// creator made `per_user`; counting and storing are one transaction.
    pub fn subscribe_within(
        &self,
        new: &NewSubscription,
        now: i64,
        per_chat: usize,
        per_user: usize,
    ) -> Result<Result<i64, SubscriptionLimit>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let in_chat: i64 =
            tx.query_row("SELECT count(*) FROM subscriptions WHERE chat_id = ?1", [new.chat_id], |row| {
                row.get(0)
            })?;
        if in_chat as usize >= per_chat {
            return Ok(Err(SubscriptionLimit::Chat(per_chat)));
        }
        if let Some(user) = new.created_by {
            let by_user: i64 = tx.query_row(
                "SELECT count(*) FROM subscriptions WHERE created_by = ?1",
                [user as i64],
                |row| row.get(0),
            )?;
            if by_user as usize >= per_user {
                return Ok(Err(SubscriptionLimit::User(per_user)));
            }
        }
        let id = Self::insert_subscription(&tx, new, now)?;
        tx.commit()?;
        Ok(Ok(id))
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
                spec: NewSubscription {
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
                },
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::subscription;

    #[test]
    fn paused_chats_are_not_due() {
        let store = Store::in_memory().unwrap();
        store.subscribe(&subscription(-1, 0), 0).unwrap();
        store.subscribe(&subscription(-2, 0), 0).unwrap();
        assert_eq!(store.pause_chat(-1, "blocked").unwrap(), 1);
        let due: Vec<i64> = store.due(10).unwrap().iter().map(|s| s.chat_id).collect();
        assert_eq!(due, [-2]);
    }
}
