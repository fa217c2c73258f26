//! The bot's in-memory state: who may ask, how fast, and the answers whose buttons
//! are still live.
//!
//! Nothing here touches Telegram: ids are plain integers, time is passed in, so the
//! rules are unit-tested without a clock or a network.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Config;

/// Who may use the bot.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Empty means every chat.
    pub allowed_chats: Vec<i64>,
    /// Empty means every user.
    pub allowed_users: Vec<u64>,
    pub admins: Vec<u64>,
}

impl Access {
    pub fn from_config(config: &Config) -> Access {
        Access {
            allowed_chats: config.allowed_chats.clone(),
            allowed_users: config.allowed_users.clone(),
            admins: config.admins.clone(),
        }
    }

    /// Whether `user` may get archive content in `chat`. Admins may everywhere;
    /// with both lists set, either one admits (a listed user in any chat, anyone in a
    /// listed chat).
    pub fn allows(&self, chat: Option<i64>, user: Option<u64>) -> bool {
        if user.is_some_and(|u| self.is_admin(u)) {
            return true;
        }
        let open_chats = self.allowed_chats.is_empty();
        let open_users = self.allowed_users.is_empty();
        if open_chats && open_users {
            return true;
        }
        let chat_ok = !open_chats && chat.is_some_and(|c| self.allowed_chats.contains(&c));
        let user_ok = !open_users && user.is_some_and(|u| self.allowed_users.contains(&u));
        chat_ok || user_ok
    }

    pub fn is_admin(&self, user: u64) -> bool {
        self.admins.contains(&user)
    }
}

/// Whom a question counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Asker {
    /// A user writing as themselves.
    User(u64),
    /// A chat writing in `chat` as `sender`: a channel's own posts (the channel in
    /// itself), a group's anonymous admins (the group in itself), a channel writing
    /// in a group. Telegram shows every one of them as the same few service users,
    /// so each chat is counted apart.
    Chat { chat: i64, sender: i64 },
}

/// A sliding one-minute window of questions per asker.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: usize,
    recent: Mutex<HashMap<Asker, VecDeque<Instant>>>,
}

/// Users tracked at most; beyond it, idle users are forgotten.
const RATE_LIMITER_USERS: usize = 100_000;

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute: per_minute as usize, recent: Mutex::new(HashMap::new()) }
    }

    /// Records a question from `user` at `now`; false when it is over the limit (the
    /// refused question does not count against the user).
    pub fn allow(&self, user: u64, now: Instant) -> bool {
        self.allow_asker(Asker::User(user), now)
    }

    /// Like [`RateLimiter::allow`], for any [`Asker`].
    pub fn allow_asker(&self, asker: Asker, now: Instant) -> bool {
        const WINDOW: Duration = Duration::from_secs(60);
        let mut recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if recent.len() >= RATE_LIMITER_USERS {
            recent.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let times = recent.entry(asker).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// What the buttons under an answer (or an article list) need: the question, how
/// far the reader has paged, the articles now shown, where the answer is, and what
/// was posted under it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveAnswer {
    /// Empty for an article list (`/latest`), which has no pages.
    pub question: String,
    /// The question with its filters read, as when it was asked: "More" pages the
    /// same window.
    pub asked: crate::answer::Parsed,
    /// Results shown before the current page.
    pub offset: usize,
    /// Results a page holds (the chat's setting when it was asked).
    pub per_page: usize,
    /// Article ids on the current page, in order.
    pub shown: Vec<String>,
    pub created: Instant,
    /// The chat the answer was sent in.
    pub chat: i64,
    /// The message that carries the buttons; `None` until it is sent.
    pub message: Option<i32>,
    /// Messages sent before it when the answer took more than one.
    pub earlier: Vec<i32>,
    /// The message the question came in, whose edits update this answer.
    pub asked_in: Option<i32>,
    /// Articles already posted in the chat under this answer, with the message each
    /// starts at: in a group a whole article is posted once per answer.
    pub posted: Vec<(String, i32)>,
    /// Outlets listed (`/sources`), whose buttons list each one's newest articles.
    pub outlets: Vec<String>,
}

impl LiveAnswer {
    /// An answer to `question` in `chat`, not sent yet, on its first page.
    pub fn new(question: String, chat: i64, per_page: usize, created: Instant) -> LiveAnswer {
        LiveAnswer {
            asked: crate::answer::Parsed::plain(&question),
            question,
            offset: 0,
            per_page,
            shown: Vec::new(),
            created,
            chat,
            message: None,
            earlier: Vec::new(),
            asked_in: None,
            posted: Vec::new(),
            outlets: Vec::new(),
        }
    }
}

/// Answers whose buttons still work, by key. A key is 64 bits that cannot be guessed
/// (a keyed hash, with a secret drawn from the operating system at start, of a
/// counter), and it only works under the message the answer was sent as: button data
/// copied into another chat or message finds nothing. Entries expire after a while
/// and the oldest are dropped when full, so memory stays bounded.
#[derive(Debug)]
pub struct AnswerCache {
    ttl: Duration,
    capacity: usize,
    secret: [u8; 32],
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    next: u64,
    entries: HashMap<String, Entry>,
    order: VecDeque<String>,
}

#[derive(Debug)]
struct Entry {
    answer: LiveAnswer,
    /// Who voted on the answer, and the row their vote is stored as.
    votes: Vec<(u64, i64)>,
}

/// Base-36 digits of a key: 36^13 > 2^64, so 13 hold any 64-bit number.
const KEY_DIGITS: usize = 13;

impl AnswerCache {
    /// # Panics
    ///
    /// If the operating system has no random bytes to give (as `std`'s hash maps
    /// would).
    pub fn new(ttl: Duration, capacity: usize) -> AnswerCache {
        let mut secret = [0; 32];
        getrandom::fill(&mut secret).expect("the operating system provides random bytes");
        AnswerCache { ttl, capacity, secret, inner: Mutex::new(CacheInner::default()) }
    }

    /// Stores an answer and returns its key ([`KEY_DIGITS`] base-36 characters, so
    /// that callback data stays far below Telegram's 64 bytes).
    pub fn insert(&self, answer: LiveAnswer) -> String {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = loop {
            inner.next += 1;
            let hash = blake3::keyed_hash(&self.secret, &inner.next.to_le_bytes());
            let bits = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
            let key = base36(bits);
            if !inner.entries.contains_key(&key) {
                break key;
            }
        };
        while inner.order.len() >= self.capacity {
            if let Some(old) = inner.order.pop_front() {
                inner.entries.remove(&old);
            }
        }
        inner.order.push_back(key.clone());
        inner.entries.insert(key.clone(), Entry { answer, votes: Vec::new() });
        key
    }

    /// Records the message the answer under `key` was sent as, which its buttons are
    /// under; until then they work nowhere.
    pub fn bind(&self, key: &str, message: i32) {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = inner.entries.get_mut(key) {
            entry.answer.message = Some(message);
        }
    }

    /// The live answer under `key`, unless it expired.
    pub fn get(&self, key: &str, now: Instant) -> Option<LiveAnswer> {
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = inner.entries.get(key)?;
        (now.duration_since(entry.answer.created) < self.ttl).then(|| entry.answer.clone())
    }

    /// The live answer under `key` for a button pressed under `message` in `chat`:
    /// `None` when it expired or was sent anywhere else.
    pub fn get_at(&self, key: &str, chat: i64, message: i32, now: Instant) -> Option<LiveAnswer> {
        self.get(key, now).filter(|a| a.chat == chat && a.message == Some(message))
    }

    /// Replaces the answer under `key` (after "More").
    pub fn update(&self, key: &str, answer: LiveAnswer) {
        self.change(key, |live| *live = answer);
    }

    /// Changes the answer under `key` in place; `None` when it is gone.
    pub fn change<T>(&self, key: &str, change: impl FnOnce(&mut LiveAnswer) -> T) -> Option<T> {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.entries.get_mut(key).map(|entry| change(&mut entry.answer))
    }

    /// Claims the posting of `article` under the answer `key`: `Ok(())` for the first
    /// to ask, who then posts it ([`AnswerCache::posted`]); `Err` with the message it
    /// starts at (`None` while it is being sent) for everyone after.
    pub fn claim_post(&self, key: &str, article: &str) -> Result<(), Option<i32>> {
        self.change(key, |live| match live.posted.iter().find(|(id, _)| id == article) {
            Some(&(_, message)) => Err((message != 0).then_some(message)),
            None => {
                live.posted.push((article.to_owned(), 0));
                Ok(())
            }
        })
        .unwrap_or(Err(None))
    }

    /// Records where a claimed article was posted, or gives the claim back
    /// (`None`: posting failed).
    pub fn posted(&self, key: &str, article: &str, message: Option<i32>) {
        self.change(key, |live| match message {
            Some(message) => {
                for (id, at) in &mut live.posted {
                    if id == article {
                        *at = message;
                    }
                }
            }
            None => live.posted.retain(|(id, _)| id != article),
        });
    }

    /// The live answer to the question in `message` of `chat` (for edits of it),
    /// with its key, unless it expired.
    pub fn asked_in(&self, chat: i64, message: i32, now: Instant) -> Option<(String, LiveAnswer)> {
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        inner
            .entries
            .iter()
            .find(|(_, e)| e.answer.chat == chat && e.answer.asked_in == Some(message))
            .filter(|(_, e)| now.duration_since(e.answer.created) < self.ttl)
            .map(|(key, e)| (key.clone(), e.answer.clone()))
    }

    /// Records `user`'s vote on the answer under `key` through `record`, which gets
    /// the row of their earlier vote on it, if any, and returns the row the vote is
    /// now: one vote per user per answer. Votes are recorded one at a time, so two
    /// quick presses never make two rows. `None` when the answer is gone.
    pub fn vote<E>(
        &self,
        key: &str,
        user: u64,
        record: impl FnOnce(Option<i64>) -> Result<i64, E>,
    ) -> Option<Result<(), E>> {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = inner.entries.get_mut(key)?;
        let earlier = entry.votes.iter().find(|(u, _)| *u == user).map(|&(_, row)| row);
        Some(record(earlier).map(|row| {
            if earlier.is_none() {
                entry.votes.push((user, row));
            }
        }))
    }
}

/// `n` in base 36, [`KEY_DIGITS`] characters wide.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; KEY_DIGITS];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out.to_vec()).expect("base-36 digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lists() {
        let open = Access::default();
        assert!(open.allows(Some(-1), Some(1)));
        let chats = Access { allowed_chats: vec![-100], ..Access::default() };
        assert!(chats.allows(Some(-100), Some(1)));
        assert!(!chats.allows(Some(-200), Some(1)));
        assert!(!chats.allows(None, Some(1)), "inline queries have no chat");
        let users = Access { allowed_users: vec![7], admins: vec![9], ..Access::default() };
        assert!(users.allows(None, Some(7)));
        assert!(users.allows(Some(-5), Some(9)), "admins are always allowed");
        assert!(!users.allows(Some(-5), Some(8)));
    }

    #[test]
    fn rate_limit_is_a_sliding_minute() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        assert!(limiter.allow(1, t0));
        assert!(limiter.allow(1, t0 + Duration::from_secs(1)));
        assert!(!limiter.allow(1, t0 + Duration::from_secs(2)));
        assert!(limiter.allow(2, t0 + Duration::from_secs(2)), "users are limited separately");
        assert!(limiter.allow(1, t0 + Duration::from_secs(61)));
    }

    #[test]
    fn chats_speaking_for_themselves_are_limited_per_chat() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        let anonymous = |group| Asker::Chat { chat: group, sender: group };
        assert!(limiter.allow_asker(anonymous(-100), t0));
        assert!(!limiter.allow_asker(anonymous(-100), t0));
        assert!(limiter.allow_asker(anonymous(-200), t0), "another group's anonymous admins");
        assert!(limiter.allow_asker(Asker::Chat { chat: -100, sender: -300 }, t0), "a channel in the group");
        assert!(limiter.allow(1_087_968_824, t0), "the service user itself is another asker");
    }

    #[test]
    fn cached_answers_expire_and_stay_bounded() {
        let cache = AnswerCache::new(Duration::from_secs(10), 2);
        let t0 = Instant::now();
        let answer = LiveAnswer { message: None, ..LiveAnswer::new("q".into(), 1, 3, t0) };
        let a = cache.insert(answer.clone());
        let b = cache.insert(answer.clone());
        assert!(cache.get(&a, t0).is_some());
        assert!(cache.get(&a, t0 + Duration::from_secs(11)).is_none(), "expired");
        let _c = cache.insert(answer);
        assert!(cache.get(&a, t0).is_none(), "evicted as the oldest");
        assert!(cache.get(&b, t0).is_some());
        assert!(a.len() <= 13);
    }

    #[test]
    fn cached_answers_work_only_under_their_message() {
        let cache = AnswerCache::new(Duration::from_secs(10), 10);
        let t0 = Instant::now();
        let answer = LiveAnswer { message: None, ..LiveAnswer::new("q".into(), -100, 3, t0) };
        let key = cache.insert(answer.clone());
        assert!(cache.get_at(&key, -100, 5, t0).is_none(), "not sent yet");
        cache.bind(&key, 5);
        assert!(cache.get_at(&key, -100, 5, t0).is_some());
        assert!(cache.get_at(&key, -100, 6, t0).is_none(), "another message");
        assert!(cache.get_at(&key, -200, 5, t0).is_none(), "another chat");
        let other = cache.insert(answer);
        assert_eq!((key.len(), other.len()), (KEY_DIGITS, KEY_DIGITS));
        assert_ne!(key, other);
        assert_ne!(AnswerCache::new(Duration::from_secs(10), 10).insert(cache.get(&key, t0).unwrap()), key);
    }

    #[test]
    fn each_user_has_one_vote_per_answer() {
        let cache = AnswerCache::new(Duration::from_secs(10), 10);
        let answer = LiveAnswer { message: Some(1), ..LiveAnswer::new("q".into(), 1, 3, Instant::now()) };
        let key = cache.insert(answer);
        let mut rows = 0;
        let mut vote = |user| {
            let mut earlier = None;
            cache.vote(&key, user, |row| {
                earlier = row;
                rows += 1;
                Ok::<_, ()>(rows)
            });
            earlier
        };
        assert_eq!(vote(7), None);
        assert_eq!(vote(7), Some(1), "the same row again");
        assert_eq!(vote(8), None, "another user votes on their own");
        assert_eq!(vote(7), Some(1));
        assert!(cache.vote("nope", 7, |_| Ok::<_, ()>(0)).is_none());
    }

    #[test]
    fn an_article_is_claimed_for_posting_once() {
        let cache = AnswerCache::new(Duration::from_secs(10), 10);
        let key = cache.insert(LiveAnswer::new("q".into(), -100, 3, Instant::now()));
        assert_eq!(cache.claim_post(&key, "a"), Ok(()));
        assert_eq!(cache.claim_post(&key, "a"), Err(None), "being sent");
        cache.posted(&key, "a", Some(77));
        assert_eq!(cache.claim_post(&key, "a"), Err(Some(77)));
        assert_eq!(cache.claim_post(&key, "b"), Ok(()));
        cache.posted(&key, "b", None);
        assert_eq!(cache.claim_post(&key, "b"), Ok(()), "a failed post can be tried again");
        assert_eq!(cache.claim_post("gone", "a"), Err(None));
        cache.change(&key, |live| live.asked_in = Some(5));
        assert!(cache.asked_in(-100, 5, Instant::now()).is_some_and(|(k, _)| k == key));
        assert!(cache.asked_in(-100, 6, Instant::now()).is_none());
    }
}
