//! The schema, as numbered migrations that [`Store::open`](super::Store::open) applies
//! in order.

/// The migrations, in order; `user_version` counts how many have been applied.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 2: an outbox row is marked `sending_at` just before it goes to Telegram; a
    // row still marked so after a restart is uncertain (see `Redelivery`).
    "ALTER TABLE outbox ADD COLUMN sending_at INTEGER;",
    // 3: channels whose posts are archived (`/archive on`). A row stays when
    // archiving is turned off, so the channel's state reads "off", not "never".
    "CREATE TABLE channel_archives (
        chat_id INTEGER PRIMARY KEY,
        username TEXT,
        title TEXT,
        enabled_by INTEGER,
        enabled_at INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );",
    // 4: feeds. `feeds` holds the ones admins added with /addfeed; `feed_state` the
    // poll state of every feed polled, whatever listed it.
    "CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        added_by INTEGER,
        added_at INTEGER NOT NULL
    );
    CREATE TABLE feed_state (
        url TEXT PRIMARY KEY,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        last_attempt INTEGER,
        last_success INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since INTEGER,
        last_error TEXT,
        next_poll INTEGER NOT NULL DEFAULT 0,
        hold_until INTEGER,
        items INTEGER NOT NULL DEFAULT 0
    );",
];
