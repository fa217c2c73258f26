//! Channels whose posts are archived: turned on and off by `/archive`, read for
//! every channel post.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

impl Store {
    /// Turns archiving on for the channel `chat_id` (recording its name and title, and
    /// who asked); false when it was on already.
    pub fn start_archiving(
        &self,
        chat_id: i64,
        username: Option<&str>,
        title: Option<&str>,
        by: Option<u64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let was_on: bool = conn
            .query_row("SELECT active FROM channel_archives WHERE chat_id = ?1", [chat_id], |row| row.get(0))
            .optional()?
            .unwrap_or(false);
        conn.execute(
            "INSERT INTO channel_archives (chat_id, username, title, enabled_by, enabled_at, active)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)
             ON CONFLICT (chat_id) DO UPDATE SET username = excluded.username, title = excluded.title,
                 enabled_by = CASE WHEN active THEN enabled_by ELSE excluded.enabled_by END,
                 enabled_at = CASE WHEN active THEN enabled_at ELSE excluded.enabled_at END,
                 active = 1",
            params![chat_id, username, title, by.map(|u| u as i64), now],
        )?;
        Ok(!was_on)
    }

    /// Turns archiving off for the channel; false when it was not on.
    pub fn stop_archiving(&self, chat_id: i64) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute("UPDATE channel_archives SET active = 0 WHERE chat_id = ?1 AND active", [chat_id])?;
        Ok(changed > 0)
    }

    /// Whether the channel's new posts are archived.
    pub fn archiving(&self, chat_id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT active FROM channel_archives WHERE chat_id = ?1", [chat_id], |row| row.get(0))
            .optional()?
            .unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archiving_turns_on_and_off() {
        let store = Store::in_memory().unwrap();
        let channel = -1_001_234_567_890;
        assert!(!store.archiving(channel).unwrap());
        assert!(store.start_archiving(channel, Some("news"), Some("News"), Some(7), 100).unwrap());
        assert!(
            !store.start_archiving(channel, Some("news"), Some("News"), Some(8), 200).unwrap(),
            "on already"
        );
        assert!(store.archiving(channel).unwrap());
        assert!(store.stop_archiving(channel).unwrap());
        assert!(!store.stop_archiving(channel).unwrap(), "off already");
        assert!(!store.archiving(channel).unwrap());
        assert!(!store.archiving(-100).unwrap(), "another chat");
    }
}
