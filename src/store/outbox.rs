//! The digest outbox: a digest is recorded together with the cursor and schedule it
//! moves, then marked sent, failed (to retry) or dropped as delivery goes.

use rusqlite::params;

use super::{Store, StoreError};

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

impl Store {
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
        self.pending_where(now, None)
    }

    /// Like [`Store::pending`], for one chat.
    pub fn pending_in(&self, chat: i64, now: i64) -> Result<Vec<OutboxItem>, StoreError> {
        self.pending_where(now, Some(chat))
    }

    fn pending_where(&self, now: i64, chat: Option<i64>) -> Result<Vec<OutboxItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, subscription_id, chat_id, thread_id, reply_to, text, attempts FROM outbox
             WHERE sent_at IS NULL AND dropped IS NULL AND next_attempt <= ?1 AND (?2 IS NULL OR chat_id = ?2)
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![now, chat], |row| {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::subscription;

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
}
