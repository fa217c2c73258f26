//! The digest outbox: a digest is recorded together with the cursor and schedule it
//! moves, marked sending just before it goes to Telegram, then marked sent, failed
//! (to retry) or dropped as delivery goes.
//!
//! A row still marked sending when the process starts is *uncertain*: the process
//! died while Telegram had the request, so the digest may or may not have arrived
//! (the Bot API has no idempotency key to ask). [`Redelivery`] says what becomes of
//! it, once, before delivery starts.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

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

/// What becomes of an uncertain outbox row after a restart
/// (`NEWSDESK_DIGEST_REDELIVERY`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Redelivery {
    /// Never sent again: a digest is lost rather than doubled. The row is dropped
    /// with a reason that says so.
    #[default]
    AtMostOnce,
    /// Sent again: a digest is doubled rather than lost.
    AtLeastOnce,
}

impl Redelivery {
    pub fn parse(raw: &str) -> Option<Redelivery> {
        match raw.to_ascii_lowercase().replace('_', "-").as_str() {
            "at-most-once" => Some(Redelivery::AtMostOnce),
            "at-least-once" => Some(Redelivery::AtLeastOnce),
            _ => None,
        }
    }
}

/// The steps of getting a digest out, in order; a [`Failpoint`] stops the process
/// dead at one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStep {
    /// The digest is in the outbox (with its cursor and schedule); nothing sent.
    Recorded,
    /// Marked sending; the request has not left.
    Sending,
    /// Telegram accepted the message; the sent mark is not written.
    Accepted,
    /// The sent mark is written.
    Marked,
}

impl DeliveryStep {
    const ALL: [(DeliveryStep, &'static str); 4] = [
        (DeliveryStep::Recorded, "recorded"),
        (DeliveryStep::Sending, "sending"),
        (DeliveryStep::Accepted, "accepted"),
        (DeliveryStep::Marked, "marked"),
    ];
}

impl fmt::Display for DeliveryStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = DeliveryStep::ALL.iter().find(|(step, _)| step == self).map_or("?", |(_, name)| name);
        f.write_str(name)
    }
}

/// A crash injected at an exact step of delivery, for the crash tests
/// (`NEWSDESK_FAILPOINT=step:n`: the `n`-th time any delivery reaches `step`, the
/// process aborts, as a SIGKILL would stop it there).
#[derive(Debug)]
pub struct Failpoint {
    step: DeliveryStep,
    nth: u32,
    reached: AtomicU32,
}

impl Failpoint {
    /// Reads `step:n` (`n` from 1; `step` alone means 1).
    pub fn parse(raw: &str) -> Option<Failpoint> {
        let (name, nth) = match raw.split_once(':') {
            Some((name, nth)) => (name, nth.parse().ok().filter(|&n| n > 0)?),
            None => (raw, 1),
        };
        let step = DeliveryStep::ALL.iter().find(|(_, n)| *n == name)?.0;
        Some(Failpoint { step, nth, reached: AtomicU32::new(0) })
    }

    /// Counts `step`; true when this is the time to stop.
    pub fn fires_at(&self, step: DeliveryStep) -> bool {
        step == self.step && self.reached.fetch_add(1, Ordering::SeqCst) + 1 == self.nth
    }
}

impl Clone for Failpoint {
    fn clone(&self) -> Failpoint {
        Failpoint { step: self.step, nth: self.nth, reached: AtomicU32::new(0) }
    }
}

impl PartialEq for Failpoint {
    fn eq(&self, other: &Failpoint) -> bool {
        (self.step, self.nth) == (other.step, other.nth)
    }
}

/// The reason an uncertain row is dropped under [`Redelivery::AtMostOnce`].
pub const UNCERTAIN: &str =
    "uncertain: the process stopped while Telegram had it; not sent again (at-most-once)";

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
             WHERE sent_at IS NULL AND dropped IS NULL AND sending_at IS NULL
               AND next_attempt <= ?1 AND (?2 IS NULL OR chat_id = ?2)
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

    /// Marks a row as going to Telegram now. Until it is marked sent or failed it
    /// is not pending; after a restart it is uncertain.
    pub fn mark_sending(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute("UPDATE outbox SET sending_at = ?2 WHERE id = ?1", params![id, now])?;
        Ok(())
    }

    /// Takes back a sending mark: Telegram refused the request for now (a 429 being
    /// waited out), so nothing is in flight.
    pub fn clear_sending(&self, id: i64) -> Result<(), StoreError> {
        self.conn().execute("UPDATE outbox SET sending_at = NULL WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// Settles the rows a previous process left marked sending, by `policy`; call
    /// once, before delivery starts. Returns how many there were.
    pub fn settle_uncertain(&self, policy: Redelivery) -> Result<usize, StoreError> {
        let uncertain = "sending_at IS NOT NULL AND sent_at IS NULL AND dropped IS NULL";
        let settled = match policy {
            Redelivery::AtMostOnce => self
                .conn()
                .execute(&format!("UPDATE outbox SET dropped = ?1 WHERE {uncertain}"), params![UNCERTAIN])?,
            Redelivery::AtLeastOnce => {
                self.conn().execute(&format!("UPDATE outbox SET sending_at = NULL WHERE {uncertain}"), [])?
            }
        };
        Ok(settled)
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
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3, sending_at = NULL
             WHERE id = ?1",
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

    fn recorded(store: &Store, chat: i64) -> i64 {
        let record = DigestRecord {
            subscription_id: None,
            chat_id: chat,
            thread_id: None,
            reply_to: None,
            text: Some("digest"),
            cursor: 1,
            next_due: None,
            now: 0,
        };
        store.record_digest(&record).unwrap().unwrap()
    }

    #[test]
    fn a_row_marked_sending_is_settled_by_the_policy_after_a_restart() {
        for (policy, expected) in [
            (Redelivery::AtMostOnce, OutboxCounts { pending: 0, sent: 2, dropped: 1 }),
            (Redelivery::AtLeastOnce, OutboxCounts { pending: 1, sent: 2, dropped: 0 }),
        ] {
            let store = Store::in_memory().unwrap();
            let (done, uncertain, failed) = (recorded(&store, 1), recorded(&store, 2), recorded(&store, 3));
            for id in [done, uncertain, failed] {
                store.mark_sending(id, 10).unwrap();
            }
            store.mark_sent(done, 7, 11).unwrap();
            store.mark_failed(failed, "network", 20).unwrap();
            let pending: Vec<i64> = store.pending(100).unwrap().iter().map(|item| item.id).collect();
            assert_eq!(pending, [failed], "a row in flight is not pending; a failed one is again");
            assert_eq!(store.settle_uncertain(policy).unwrap(), 1, "{policy:?}");
            store.mark_sent(failed, 8, 30).unwrap();
            assert_eq!(store.outbox_counts().unwrap(), expected, "{policy:?}");
            let pending: Vec<i64> = store.pending(100).unwrap().iter().map(|item| item.id).collect();
            let again = (policy == Redelivery::AtLeastOnce).then_some(uncertain);
            assert_eq!(pending, again.into_iter().collect::<Vec<_>>(), "{policy:?}");
            assert_eq!(store.settle_uncertain(policy).unwrap(), 0, "settled once");
        }
    }

    #[test]
    fn a_failpoint_fires_once_at_its_step() {
        let point = Failpoint::parse("accepted:2").unwrap();
        let fired: Vec<bool> =
            [DeliveryStep::Sending, DeliveryStep::Accepted, DeliveryStep::Accepted, DeliveryStep::Accepted]
                .into_iter()
                .map(|step| point.fires_at(step))
                .collect();
        assert_eq!(fired, [false, false, true, false]);
        assert_eq!(Failpoint::parse("recorded").unwrap(), Failpoint::parse("recorded:1").unwrap());
        for bad in ["", "sent", "accepted:0", "accepted:x", "accepted:"] {
            assert!(Failpoint::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(Redelivery::parse("AT_LEAST_ONCE"), Some(Redelivery::AtLeastOnce));
        assert_eq!(Redelivery::parse("exactly-once"), None);
    }
}
