//! Feeds: those admins added (`/addfeed`), and the poll state of every feed polled
//! (conditional-GET validators, successes and failures, the next poll).

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A feed an admin added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedFeed {
    pub id: i64,
    pub url: String,
    pub added_by: Option<u64>,
    pub added_at: i64,
}

/// What is known of one feed's polls. Times are unix seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    pub url: String,
    /// The feed's own title, from its last successful parse.
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    /// Failures in a row since the last success.
    pub failures: u32,
    /// When the current run of failures began.
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
    /// When the feed is due again (0: at once).
    pub next_poll: i64,
    /// Not before this time: the server's `Retry-After`.
    pub hold_until: Option<i64>,
    /// Items written from this feed so far (new and replaced).
    pub items: u64,
}

/// How a poll of a feed ended, for [`Store::record_feed_poll`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Fetched (or 304): the new validators and title when the server sent them,
    /// and how many items were written.
    Success { title: Option<String>, etag: Option<String>, last_modified: Option<String>, items: u64 },
    /// Failed for `error`; `hold_until` when the server said when to come back.
    Failure { error: String, hold_until: Option<i64> },
}

const STATE_COLUMNS: &str = "url, title, etag, last_modified, last_attempt, last_success, failures,
    failing_since, last_error, next_poll, hold_until, items";

fn state_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    Ok(FeedState {
        url: row.get(0)?,
        title: row.get(1)?,
        etag: row.get(2)?,
        last_modified: row.get(3)?,
        last_attempt: row.get(4)?,
        last_success: row.get(5)?,
        failures: row.get::<_, i64>(6)?.max(0) as u32,
        failing_since: row.get(7)?,
        last_error: row.get(8)?,
        next_poll: row.get(9)?,
        hold_until: row.get(10)?,
        items: row.get::<_, i64>(11)?.max(0) as u64,
    })
}

impl Store {
    /// Adds a feed for `/addfeed`; false when it is already there.
    pub fn add_feed(&self, url: &str, added_by: Option<u64>, now: i64) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "INSERT INTO feeds (url, added_by, added_at) VALUES (?1, ?2, ?3) ON CONFLICT (url) DO NOTHING",
            params![url, added_by.map(|u| u as i64), now],
        )?;
        Ok(changed > 0)
    }

    /// Removes a feed added with `/addfeed`; false when it was not there. Its poll
    /// state goes with it, and the items already written stay in the corpus.
    pub fn remove_feed(&self, url: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let removed = tx.execute("DELETE FROM feeds WHERE url = ?1", [url])?;
        tx.execute("DELETE FROM feed_state WHERE url = ?1", [url])?;
        tx.commit()?;
        Ok(removed > 0)
    }

    /// The feeds admins added, oldest first.
    pub fn added_feeds(&self) -> Result<Vec<AddedFeed>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, url, added_by, added_at FROM feeds ORDER BY id")?;
        let rows = stmt.query_map([], |row| {
            Ok(AddedFeed {
                id: row.get(0)?,
                url: row.get(1)?,
                added_by: row.get::<_, Option<i64>>(2)?.map(|u| u as u64),
                added_at: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The poll state of `url`, or the state of a feed never polled.
    pub fn feed_state(&self, url: &str) -> Result<FeedState, StoreError> {
        let state = self
            .conn()
            .query_row(&format!("SELECT {STATE_COLUMNS} FROM feed_state WHERE url = ?1"), [url], state_of)
            .optional()?;
        Ok(state.unwrap_or_else(|| FeedState { url: url.to_owned(), ..FeedState::default() }))
    }

    /// Every feed's poll state, by URL.
    pub fn feed_states(&self) -> Result<Vec<FeedState>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {STATE_COLUMNS} FROM feed_state ORDER BY url"))?;
        let rows = stmt.query_map([], state_of)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a poll of `url` at `now`, due again at `next_poll`.
    pub fn record_feed_poll(
        &self,
        url: &str,
        outcome: &FeedOutcome,
        now: i64,
        next_poll: i64,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute("INSERT INTO feed_state (url) VALUES (?1) ON CONFLICT (url) DO NOTHING", [url])?;
        match outcome {
            FeedOutcome::Success { title, etag, last_modified, items } => conn.execute(
                "UPDATE feed_state SET
                    title = COALESCE(?2, title),
                    etag = COALESCE(?3, etag),
                    last_modified = COALESCE(?4, last_modified),
                    last_attempt = ?5, last_success = ?5, failures = 0, failing_since = NULL,
                    last_error = NULL, next_poll = ?6, hold_until = NULL, items = items + ?7
                 WHERE url = ?1",
                params![url, title, etag, last_modified, now, next_poll, *items as i64],
            )?,
            FeedOutcome::Failure { error, hold_until } => conn.execute(
                "UPDATE feed_state SET
                    last_attempt = ?2, failures = failures + 1,
                    failing_since = COALESCE(failing_since, ?2),
                    last_error = ?3, next_poll = ?4, hold_until = ?5
                 WHERE url = ?1",
                params![url, now, error, next_poll, hold_until],
            )?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_feeds_and_poll_state_round_trip() {
        let store = Store::in_memory().unwrap();
        assert!(store.add_feed("https://example.org/rss", Some(7), 100).unwrap());
        assert!(!store.add_feed("https://example.org/rss", Some(8), 101).unwrap(), "already there");
        let added = store.added_feeds().unwrap();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].added_by, Some(7));

        let url = "https://example.org/rss";
        assert_eq!(store.feed_state(url).unwrap().next_poll, 0, "never polled: due at once");
        let failure = FeedOutcome::Failure { error: "HTTP 500".into(), hold_until: Some(400) };
        store.record_feed_poll(url, &failure, 200, 300).unwrap();
        store.record_feed_poll(url, &failure, 300, 500).unwrap();
        let state = store.feed_state(url).unwrap();
        assert_eq!((state.failures, state.failing_since, state.next_poll), (2, Some(200), 500));
        assert_eq!(state.last_error.as_deref(), Some("HTTP 500"));
        let success = FeedOutcome::Success {
            title: Some("Example".into()),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            items: 3,
        };
        store.record_feed_poll(url, &success, 600, 1500).unwrap();
        let state = store.feed_state(url).unwrap();
        assert_eq!((state.failures, state.failing_since, state.last_success), (0, None, Some(600)));
        assert_eq!(
            (state.items, state.etag.as_deref(), state.title.as_deref()),
            (3, Some("\"v1\""), Some("Example"))
        );
        assert_eq!(store.feed_states().unwrap().len(), 1);

        assert!(store.remove_feed(url).unwrap());
        assert!(store.added_feeds().unwrap().is_empty());
        assert_eq!(store.feed_state(url).unwrap().items, 0, "its state went with it");
    }
}
