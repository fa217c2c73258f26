//! Per-chat settings (language, results, time zone), and what users tell the bot
//! about its answers: feedback votes and questions that found nothing.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// A chat's own settings; `None` means the default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatSettings {
    /// `en` or `uk`; `None` follows each user's Telegram language.
    pub lang: Option<String>,
    pub results: Option<usize>,
    /// IANA time zone name.
    pub tz: Option<String>,
}

impl Store {
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

    /// Records a vote and returns its row, which [`Store::change_feedback`] takes
    /// when the same user votes on the same answer again: one vote per user per
    /// answer. (Answers live in memory, so the bot keeps the rows of the votes on
    /// its live answers; see `bot::state::AnswerCache::vote`.)
    pub fn record_feedback(
        &self,
        chat: i64,
        user: u64,
        question: &str,
        helpful: bool,
        articles: &[String],
        now: i64,
    ) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO feedback (chat_id, user_id, question, vote, articles, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![chat, user as i64, question, if helpful { 1 } else { -1 }, articles.join(" "), now],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Replaces the vote recorded as `row` (the user changed their mind, or pressed
    /// again); the row stays one.
    pub fn change_feedback(
        &self,
        row: i64,
        helpful: bool,
        articles: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE feedback SET vote = ?2, articles = ?3, at = ?4 WHERE id = ?1",
            params![row, if helpful { 1 } else { -1 }, articles.join(" "), now],
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

    #[test]
    fn unanswered_questions_group() {
        let store = Store::in_memory().unwrap();
        store.record_unanswered(-1, "Who won?", 1).unwrap();
        store.record_unanswered(-1, "who won? ", 2).unwrap();
        store.record_unanswered(-1, "Mars", 3).unwrap();
        assert_eq!(store.unanswered(10).unwrap(), [("Mars".to_owned(), 1), ("Who won?".to_owned(), 2)]);
    }

    #[test]
    fn a_changed_vote_stays_one_row() {
        let store = Store::in_memory().unwrap();
        let shown = ["a".to_owned()];
        let row = store.record_feedback(-1, 7, "q", true, &shown, 1).unwrap();
        store.change_feedback(row, true, &shown, 2).unwrap();
        store.change_feedback(row, false, &shown, 3).unwrap();
        assert_eq!(store.feedback_counts().unwrap(), (0, 1));
        store.record_feedback(-1, 8, "q", true, &shown, 4).unwrap();
        assert_eq!(store.feedback_counts().unwrap(), (1, 1));
    }
}
