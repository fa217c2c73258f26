//! A small fake of the Telegram Bot API, served over real HTTP on a loopback port.
//!
//! Bot tests point teloxide's real [`Bot`] at this server (`set_api_url`), so the
//! whole client stack runs: payload serialisation, the URL teloxide builds, response
//! parsing and error mapping. Nothing is mocked inside teloxide, and no request ever
//! leaves 127.0.0.1.
//!
//! What it fakes:
//! - The methods the bot uses (`getMe`, `getWebhookInfo`, `setWebhook`, `deleteWebhook`,
//!   `getUpdates`, `sendMessage`, `editMessageText`, `getChat`, `getChatMember`,
//!   `setMyCommands`, `answerCallbackQuery`, `answerInlineQuery`), answered with the
//!   shapes Telegram sends (`{"ok":true,"result":…}`).
//! - `getUpdates` long polling with Telegram's offset rules: an update stays queued
//!   until a later request's `offset` confirms it, so no update is lost or repeated
//!   when a poll is dropped half-way; `allowed_updates` is honoured (and remembered),
//!   so an update kind the handler tree does not ask for is never delivered.
//! - A few of Telegram's own refusals: an empty or over-long (> 4096) message text,
//!   and `getUpdates` while a webhook is set.
//! - Injected faults ([`Fault`]) with Telegram's error shape, queued per method.
//!
//! Every other method gets `404 {"ok":false,…}`, so an unexpected call fails loudly.
//! Every request is recorded as an [`ApiCall`] whatever its answer.
//!
//! Wire facts this relies on (teloxide 0.17 / teloxide-core 0.13, checked in the source
//! and by the tests below):
//! - The path is `{api_url}/bot{token}/{Method}` with the method in *PascalCase*
//!   (`SendMessage`, `GetUpdates`), so methods are matched case-insensitively here.
//! - Most bodies are JSON; methods with files are `multipart/form-data`, where every
//!   field is a string and a file is `field=attach://<random id>` plus a part of that
//!   name. Both are recorded; anything unparseable is recorded as `{}`.
//! - On any 5xx answer teloxide sleeps 10 s *before* returning the error
//!   (`DELAY_ON_SERVER_ERROR`), so [`Fault::ServerError`] through a `Bot` makes a test
//!   10 s slower.
//! - `Dispatcher::dispatch` calls `getWebhookInfo`, `deleteWebhook` (only if a webhook
//!   is set), `getMe`, then `getUpdates` with `timeout: 10` and an `allowed_updates`
//!   list derived from the handler tree. On shutdown it drops the poll in flight and
//!   sends one last `getUpdates` (`limit: 1, timeout: 0`) to confirm what it handled.
//!
//! Each test starts its own server on port 0; there is no global state.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Map, Value, json};
use teloxide::{
    Bot,
    types::{Update, UpdateKind},
};
use tokio::{sync::Notify, task::JoinHandle, time::Instant};
use url::Url;

/// The token [`FakeTelegram::bot`] uses. The fake accepts any token.
pub const TOKEN: &str = "123456:TEST";

/// The bot's user id, as `getMe` reports it.
pub const BOT_ID: u64 = 123_456;

/// The bot's username, as `getMe` reports it.
pub const BOT_USERNAME: &str = "newsdesk_bot";

/// Longest time one `getUpdates` call waits, whatever `timeout` it asks for, so tests
/// that poll stay fast.
const LONG_POLL_CAP: Duration = Duration::from_secs(2);

/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
const MAX_MESSAGE_LEN: usize = 4096;

/// Message ids the fake assigns to sent messages start here.
const FIRST_SENT_MESSAGE_ID: i64 = 1000;

/// Chat member statuses Telegram knows, as [`FakeTelegram::set_chat_member_status`]
/// accepts them.
const MEMBER_STATUSES: [&str; 6] = ["creator", "administrator", "member", "restricted", "left", "kicked"];

/// One request the fake received.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiCall {
    /// The method name lowercased, e.g. `"sendmessage"` (teloxide sends `SendMessage`).
    pub method: String,
    /// The request body as JSON. Form and multipart fields are strings, as sent; a file
    /// is `{"filename": …, "size": …}` at the field that names it (teloxide sends
    /// `"document": "attach://<id>"` plus a part `<id>`); an unparseable body is `{}`.
    pub params: Value,
}

/// A failure the fake answers the next matching call with (see [`FakeTelegram::fail_next`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// HTTP 429 with `parameters.retry_after`; teloxide maps it to `RequestError::RetryAfter`.
    TooManyRequests {
        /// Seconds Telegram asks the bot to wait.
        retry_after: u32,
    },
    /// An HTTP 5xx (e.g. 500 or 502) with Telegram's error body. Through a `Bot` this costs
    /// 10 s: teloxide sleeps that long on every 5xx before returning the error.
    ServerError(u16),
    /// HTTP 403 "Forbidden: bot was blocked by the user" (`ApiError::BotBlocked`).
    Forbidden,
    /// HTTP 400 "Bad Request: message to edit not found" (the message was deleted;
    /// `ApiError::MessageToEditNotFound`).
    MessageToEditNotFound,
    /// HTTP 200 with a truncated JSON body (`RequestError::InvalidJson`).
    MalformedJson,
    /// Waits this long, then answers normally.
    Slow(Duration),
    /// HTTP 409 "Conflict: terminated by other getUpdates request; …"
    /// (`ApiError::TerminatedByOtherGetUpdates`).
    Conflict,
    /// The connection is dropped before any answer, as when a proxy resets it; the
    /// request is not carried out (`RequestError::Network`). The fake's connection
    /// task ends with a panic message on stderr, which is how it drops the socket.
    Reset,
}

/// A running fake Bot API server. It stops accepting connections when dropped.
pub struct FakeTelegram {
    url: Url,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl FakeTelegram {
    /// Starts the server on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                calls: Vec::new(),
                counts: HashMap::new(),
                faults: HashMap::new(),
                updates: VecDeque::new(),
                next_update_id: 1,
                next_message_id: FIRST_SENT_MESSAGE_ID,
                member_status: "administrator".to_owned(),
                member_status_of: HashMap::new(),
                webhook_url: String::new(),
                allowed_updates: None,
                withheld: Vec::new(),
            }),
            changed: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot_token}/{method}", post(handle))
            .fallback(|| async { error(404, "Not Found", None) })
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let url =
            format!("http://{}/", listener.local_addr().expect("local address")).parse().expect("server URL");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Telegram server failed");
        });
        Self { url, shared, server }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:34567/`; pass it to `Bot::set_api_url`.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// A real `teloxide::Bot` with token [`TOKEN`] whose requests go to this server.
    ///
    /// It uses teloxide's default HTTP settings but ignores proxy variables
    /// (`HTTPS_PROXY`, `TELOXIDE_PROXY`), which would otherwise route loopback traffic away.
    pub fn bot(&self) -> Bot {
        let client = teloxide::net::default_reqwest_settings().no_proxy().build().expect("HTTP client");
        Bot::with_client(TOKEN, client).set_api_url(self.url())
    }

    /// Every call received so far, oldest first.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.shared.lock().calls.iter().map(|r| r.call.clone()).collect()
    }

    /// The calls to `method` (any casing, e.g. `"sendMessage"`), oldest first.
    pub fn calls_to(&self, method: &str) -> Vec<ApiCall> {
        let method = method.to_ascii_lowercase();
        self.shared.lock().calls.iter().filter(|r| r.call.method == method).map(|r| r.call.clone()).collect()
    }

    /// How many calls to `method` were recorded, without copying them (for load runs).
    #[allow(dead_code)] // Used by benches/bot.rs.
    pub fn count(&self, method: &str) -> usize {
        self.shared.lock().counts.get(&method.to_ascii_lowercase()).copied().unwrap_or(0)
    }

    /// Waits until at least `count` calls to `method` were recorded; false on timeout.
    #[allow(dead_code)] // Used by benches/bot.rs.
    pub async fn wait_count(&self, method: &str, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.count(method) >= count {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.count(method) >= count;
            }
        }
    }

    /// The texts of the `sendMessage` calls that were answered with success, i.e. what the
    /// chats now show. Calls failed by a [`Fault`] or by validation are left out; see
    /// [`FakeTelegram::calls_to`] for every attempt.
    pub fn sent_texts(&self) -> Vec<String> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|r| r.call.method == "sendmessage" && !r.failed)
            .map(|r| r.call.params["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The `sendMessage` calls Telegram accepted (not failed by a fault or by
    /// validation), oldest first: what chats now show.
    pub fn delivered(&self) -> Vec<Value> {
        let state = self.shared.lock();
        state
            .calls
            .iter()
            .filter(|r| r.call.method == "sendmessage" && !r.failed)
            .map(|r| r.call.params.clone())
            .collect()
    }

    /// The `offset` of every `getUpdates` call, in order (0 when absent). Telegram
    /// confirms every update below a request's offset, so a correct poller sends
    /// offsets that never decrease and end at the last update id + 1.
    pub fn offsets_seen(&self) -> Vec<i64> {
        self.calls_to("getUpdates")
            .iter()
            .map(|c| c.params.get("offset").and_then(int).unwrap_or(0))
            .collect()
    }

    /// Updates pushed but not yet confirmed by a `getUpdates` offset.
    pub fn queued_updates(&self) -> Vec<Value> {
        self.shared.lock().updates.iter().cloned().collect()
    }

    /// Updates never delivered because the poller's `allowed_updates` excluded their kind.
    /// teloxide derives that list from the handler tree, so an update a branch is missing
    /// for ends up here, as it would be lost on Telegram.
    pub fn withheld_updates(&self) -> Vec<Value> {
        self.shared.lock().withheld.clone()
    }

    /// Waits until at least `count` calls to `method` were recorded and returns all calls
    /// to it. A call is recorded when it arrives, before it is answered.
    ///
    /// # Panics
    ///
    /// After `timeout`, with a dump of every call received.
    pub async fn wait_for(&self, method: &str, count: usize, timeout: Duration) -> Vec<ApiCall> {
        let deadline = Instant::now() + timeout;
        loop {
            // Register interest before checking, so a call recorded in between still wakes us.
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();

            let calls = self.calls_to(method);
            if calls.len() >= count {
                return calls;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let calls = self.calls_to(method);
                if calls.len() >= count {
                    return calls;
                }
                let all: Vec<String> =
                    self.calls().iter().map(|c| format!("  {} {}", c.method, c.params)).collect();
                let withheld = self.withheld_updates();
                panic!(
                    "timed out after {timeout:?} waiting for {count} call(s) to {method}, got {}; \
                     all {} call(s):\n{}\nupdates withheld by allowed_updates: {withheld:?}",
                    calls.len(),
                    all.len(),
                    all.join("\n"),
                );
            }
        }
    }

    /// Queues an update for `getUpdates` and returns its `update_id`, which the fake
    /// assigns (1, 2, …) unless the update already has one.
    pub fn push_update(&self, mut update: Value) -> i64 {
        assert!(update.is_object(), "an update is a JSON object: {update}");
        let id = {
            let mut state = self.shared.lock();
            let id = match update.get("update_id").and_then(Value::as_i64) {
                Some(id) => id,
                None => {
                    let id = state.next_update_id;
                    update["update_id"] = json!(id);
                    id
                }
            };
            state.next_update_id = state.next_update_id.max(id + 1);
            let at = state.updates.iter().position(|u| update_id(u) > id).unwrap_or(state.updates.len());
            state.updates.insert(at, update);
            id
        };
        self.shared.changed.notify_waiters();
        id
    }

    /// Makes the next call to `method` (any casing) fail with `fault`. Faults for the
    /// same method queue up and are used in order; the failed call is still recorded.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.shared.lock().faults.entry(method.to_ascii_lowercase()).or_default().push_back(fault);
    }

    /// Sets the `status` `getChatMember` answers for `user_id` in any chat, over the
    /// one [`FakeTelegram::set_chat_member_status`] sets for everyone.
    ///
    /// # Panics
    ///
    /// If `status` is not one of Telegram's (see [`MEMBER_STATUSES`]).
    pub fn set_member_status_of(&self, user_id: u64, status: &str) {
        assert!(MEMBER_STATUSES.contains(&status), "unknown chat member status {status:?}");
        self.shared.lock().member_status_of.insert(user_id as i64, status.to_owned());
    }

    /// Sets the `status` every `getChatMember` answer has (default `"administrator"`).
    ///
    /// # Panics
    ///
    /// If `status` is not one of Telegram's: creator, administrator, member, restricted,
    /// left, kicked.
    pub fn set_chat_member_status(&self, status: &str) {
        assert!(MEMBER_STATUSES.contains(&status), "unknown chat member status {status:?}");
        self.shared.lock().member_status = status.to_owned();
    }

    /// The message ids Telegram gave the accepted `sendMessage` calls, in the order
    /// of [`FakeTelegram::delivered`] (ids count up from [`FIRST_SENT_MESSAGE_ID`],
    /// one per accepted message).
    #[allow(dead_code)] // Not every user of the fake presses buttons.
    pub fn delivered_ids(&self) -> Vec<i32> {
        let accepted = self.delivered().len() as i64;
        (0..accepted).map(|n| (FIRST_SENT_MESSAGE_ID + n) as i32).collect()
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// State shared between the handle and the server.
struct Shared {
    state: Mutex<FakeState>,
    /// Woken on every recorded call and every pushed update.
    changed: Notify,
}

struct FakeState {
    calls: Vec<Recorded>,
    /// Calls per lowercased method, so load runs can poll counts cheaply.
    counts: HashMap<String, usize>,
    /// Pending faults by lowercased method.
    faults: HashMap<String, VecDeque<Fault>>,
    /// Unconfirmed updates, by ascending `update_id`.
    updates: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: i64,
    member_status: String,
    /// Per-user statuses that override `member_status`.
    member_status_of: HashMap<i64, String>,
    /// Empty when no webhook is set, as Telegram reports it.
    webhook_url: String,
    /// The last `allowed_updates` a `getUpdates` call sent; `None` means Telegram's default.
    allowed_updates: Option<Vec<String>>,
    /// Updates dropped because `allowed_updates` excluded their kind.
    withheld: Vec<Value>,
}

impl FakeState {
    /// Drops queued updates whose kind `allowed_updates` excludes, as Telegram never
    /// delivers them.
    fn withhold_unwanted(&mut self) {
        let allowed = self.allowed_updates.clone();
        let (keep, drop): (Vec<Value>, Vec<Value>) =
            self.updates.drain(..).partition(|u| is_allowed(u, allowed.as_deref()));
        self.updates = keep.into();
        self.withheld.extend(drop);
    }
}

/// Whether Telegram delivers `update` under `allowed_updates`. Without a list (or with
/// an empty one) it delivers every kind except `chat_member`, `message_reaction` and
/// `message_reaction_count`.
fn is_allowed(update: &Value, allowed: Option<&[String]>) -> bool {
    let Some(kind) = update.as_object().and_then(|u| u.keys().find(|k| *k != "update_id")) else {
        return true;
    };
    match allowed {
        Some(allowed) => allowed.iter().any(|a| a == kind),
        None => !matches!(kind.as_str(), "chat_member" | "message_reaction" | "message_reaction_count"),
    }
}

struct Recorded {
    call: ApiCall,
    /// Answered with `"ok": false` (or garbage).
    failed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test must not hide its own message behind a poisoned lock.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a call and takes the fault queued for it; returns the call's index.
    fn record(&self, method: String, params: Value) -> (usize, Option<Fault>) {
        let (index, fault) = {
            let mut state = self.lock();
            let fault = state.faults.get_mut(&method).and_then(VecDeque::pop_front);
            // A slow call is carried out; so is one whose answer is garbled on the
            // way back (Telegram did act on it).
            let failed = fault.as_ref().is_some_and(|f| !matches!(f, Fault::Slow(_) | Fault::MalformedJson));
            *state.counts.entry(method.clone()).or_default() += 1;
            state.calls.push(Recorded { call: ApiCall { method, params }, failed });
            (state.calls.len() - 1, fault)
        };
        self.changed.notify_waiters();
        (index, fault)
    }

    fn mark_failed(&self, index: usize) {
        self.lock().calls[index].failed = true;
    }
}

/// `POST /bot{token}/{Method}`.
async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot_token, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let params = parse_body(content_type, &body);
    let (index, fault) = shared.record(method.to_ascii_lowercase(), params.clone());

    let response = match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            None
        }
        // Ending the connection's task drops the socket without a response.
        Some(Fault::Reset) => panic!("fake Bot API: resetting the connection (injected fault)"),
        Some(fault) => Some(fault_response(&fault)),
        None => None,
    };
    let response = match response {
        Some(response) => response,
        None if !bot_token.starts_with("bot") => error(404, "Not Found", None),
        None => answer(&shared, &method, &params).await,
    };
    if response.status() != StatusCode::OK {
        shared.mark_failed(index);
    }
    response
}

/// The fake's answer to a method, as Telegram would give it.
async fn answer(shared: &Shared, method: &str, params: &Value) -> Response {
    match method.to_ascii_lowercase().as_str() {
        "getme" => ok(me_json()),
        "getwebhookinfo" => {
            let url = shared.lock().webhook_url.clone();
            ok(json!({ "url": url, "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "setwebhook" => {
            shared.lock().webhook_url = params["url"].as_str().unwrap_or_default().to_owned();
            ok(json!(true))
        }
        "deletewebhook" => {
            shared.lock().webhook_url.clear();
            ok(json!(true))
        }
        "setmycommands" | "answercallbackquery" | "answerinlinequery" | "deletemessage" => ok(json!(true)),
        "getupdates" => get_updates(shared, params).await,
        "sendmessage" => {
            let Some(chat) = ChatRef::parse(&params["chat_id"]) else {
                return error(400, "Bad Request: chat not found", None);
            };
            if let Some(response) = text_rejection(params) {
                return response;
            }
            let id = {
                let mut state = shared.lock();
                state.next_message_id += 1;
                state.next_message_id - 1
            };
            ok(sent_message(id, &chat, params))
        }
        "editmessagetext" => {
            if let Some(response) = text_rejection(params) {
                return response;
            }
            if params.get("inline_message_id").is_some() {
                return ok(json!(true));
            }
            let Some(chat) = ChatRef::parse(&params["chat_id"]) else {
                return error(400, "Bad Request: chat not found", None);
            };
            let Some(id) = params.get("message_id").and_then(int) else {
                return error(400, "Bad Request: message identifier is not specified", None);
            };
            let mut message = sent_message(id, &chat, params);
            message["edit_date"] = json!(unix_now());
            ok(message)
        }
        "getchat" => match ChatRef::parse(&params["chat_id"]) {
            Some(chat) => ok(chat_full_info(&chat)),
            None => error(400, "Bad Request: chat not found", None),
        },
        "getchatmember" => {
            let user_id = params.get("user_id").and_then(int).unwrap_or_default();
            let status = {
                let state = shared.lock();
                state.member_status_of.get(&user_id).unwrap_or(&state.member_status).clone()
            };
            ok(chat_member(&status, user_id))
        }
        _ => error(404, &format!("Not Found: method {method} is not faked"), None),
    }
}

/// `getUpdates`: confirms updates below `offset`, then returns the queued ones, waiting
/// up to `timeout` seconds (capped at [`LONG_POLL_CAP`]) for one to arrive.
async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let limit = params.get("limit").and_then(int).unwrap_or(100).clamp(1, 100) as usize;
    let wait = Duration::from_secs(params.get("timeout").and_then(int).unwrap_or(0).max(0) as u64);
    let deadline = Instant::now() + wait.min(LONG_POLL_CAP);

    let first_id = {
        let mut state = shared.lock();
        if !state.webhook_url.is_empty() {
            return error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; \
                 use deleteWebhook to delete the webhook first",
                None,
            );
        }
        // Telegram remembers the last list sent; an empty list restores the default.
        if let Some(list) = params.get("allowed_updates") {
            let list: Vec<String> = match list {
                Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                // Multipart sends the list as a JSON string.
                Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
                _ => Vec::new(),
            };
            state.allowed_updates = (!list.is_empty()).then_some(list);
        }
        match params.get("offset").and_then(int) {
            // Telegram: a negative offset keeps only the last `-offset` updates.
            Some(offset) if offset < 0 => {
                let keep = offset.unsigned_abs() as usize;
                let drop = state.updates.len().saturating_sub(keep);
                state.updates.drain(..drop);
                state.updates.front().map_or(state.next_update_id, update_id)
            }
            Some(offset) => {
                state.updates.retain(|u| update_id(u) >= offset);
                offset
            }
            None => 0,
        }
    };

    loop {
        let changed = shared.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();

        let batch: Vec<Value> = {
            let mut state = shared.lock();
            state.withhold_unwanted();
            state.updates.iter().filter(|u| update_id(u) >= first_id).take(limit).cloned().collect()
        };
        if !batch.is_empty() || Instant::now() >= deadline {
            return ok(Value::Array(batch));
        }
        // On timeout the next turn sees the deadline passed and answers `[]`.
        let _ = tokio::time::timeout_at(deadline, changed).await;
    }
}

/// Telegram's refusal of a text, if any: empty, or longer than 4096 characters.
fn text_rejection(params: &Value) -> Option<Response> {
    let text = params["text"].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return Some(error(400, "Bad Request: message text is empty", None));
    }
    if visible_utf16_len(text, params["parse_mode"].as_str()) > MAX_MESSAGE_LEN {
        return Some(error(400, "Bad Request: message is too long", None));
    }
    None
}

/// The length Telegram checks: UTF-16 units after markup is parsed. For HTML this skips
/// tags and counts an entity such as `&amp;` as one unit; other parse modes are
/// counted raw.
fn visible_utf16_len(text: &str, parse_mode: Option<&str>) -> usize {
    if !parse_mode.is_some_and(|mode| mode.eq_ignore_ascii_case("html")) {
        return text.encode_utf16().count();
    }
    let mut len = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            rest = &rest[end + 1..];
            continue;
        }
        if c == '&'
            && let Some(end) = rest.find(';').filter(|&end| end <= 10)
        {
            len += 1;
            rest = &rest[end + 1..];
            continue;
        }
        len += c.len_utf16();
        rest = &rest[c.len_utf8()..];
    }
    len
}

fn fault_response(fault: &Fault) -> Response {
    match *fault {
        Fault::TooManyRequests { retry_after } => error(
            429,
            &format!("Too Many Requests: retry after {retry_after}"),
            Some(json!({ "retry_after": retry_after })),
        ),
        Fault::ServerError(code) => {
            let description = match code {
                500 => "Internal Server Error",
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Server Error",
            };
            error(code, description, None)
        }
        Fault::Forbidden => error(403, "Forbidden: bot was blocked by the user", None),
        Fault::MessageToEditNotFound => error(400, "Bad Request: message to edit not found", None),
        Fault::MalformedJson => {
            (StatusCode::OK, [(CONTENT_TYPE, "application/json")], r#"{"ok":true,"result":{"message_id"#)
                .into_response()
        }
        Fault::Reset => unreachable!("a reset has no answer"),
        Fault::Conflict => error(
            409,
            "Conflict: terminated by other getUpdates request; \
             make sure that only one bot instance is running",
            None,
        ),
        Fault::Slow(_) => unreachable!("a slow call is answered normally"),
    }
}

fn ok(result: Value) -> Response {
    axum::Json(json!({ "ok": true, "result": result })).into_response()
}

/// Telegram's error shape, e.g.
/// `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`.
fn error(code: u16, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({ "ok": false, "error_code": code, "description": description });
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------
// Request bodies

/// The body as a JSON object: JSON, form or multipart; anything else is `{}`.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> Value {
    let content_type = content_type.unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let parsed = match mime.as_str() {
        "multipart/form-data" => boundary(content_type).map(|b| parse_multipart(body, &b)),
        "application/x-www-form-urlencoded" => Some(Value::Object(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )),
        _ => serde_json::from_slice(body).ok(),
    };
    match parsed {
        Some(object @ Value::Object(_)) => object,
        _ => json!({}),
    }
}

/// The `boundary` parameter of a `multipart/form-data` content type (case kept).
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Text parts become strings; file parts become `{"filename": …, "size": …}`, placed at
/// the field that refers to them with `attach://`.
fn parse_multipart(body: &[u8], boundary: &str) -> Value {
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    for part in split_bytes(body, delimiter.as_bytes()).skip(1) {
        if part.starts_with(b"--") {
            break; // the closing delimiter
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(header_end) = find_bytes(part, b"\r\n\r\n") else { continue };
        let headers = String::from_utf8_lossy(&part[..header_end]);
        let content = &part[header_end + 4..];
        let Some(name) = disposition_param(&headers, "name") else { continue };
        let value = match disposition_param(&headers, "filename") {
            Some(filename) => json!({ "filename": filename, "size": content.len() }),
            None => Value::String(String::from_utf8_lossy(content).into_owned()),
        };
        fields.insert(name, value);
    }
    // teloxide sends `document=attach://<id>` plus a file part named `<id>`; put the file
    // where the field is, so tests read `params["document"]["filename"]`.
    let attached: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.strip_prefix("attach://")?.to_owned())))
        .collect();
    for (field, part) in attached {
        if let Some(file) = fields.remove(&part) {
            fields.insert(field, file);
        }
    }
    Value::Object(fields)
}

/// A parameter of the part's `Content-Disposition` header, e.g. `name="text"`.
fn disposition_param(headers: &str, key: &str) -> Option<String> {
    let line = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    line.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut rest: &'a [u8], delimiter: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match find_bytes(rest, delimiter) {
            Some(at) => {
                let piece = &rest[..at];
                rest = &rest[at + delimiter.len()..];
                Some(piece)
            }
            None => {
                done = true;
                Some(rest)
            }
        }
    })
}

/// An integer that may arrive as a JSON number or, from forms, as a string.
fn int(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str()?.trim().parse().ok())
}

fn update_id(update: &Value) -> i64 {
    update["update_id"].as_i64().unwrap_or_default()
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_secs() as i64)
}

// ---------------------------------------------------------------------------------------
// Answers

/// A `chat_id` as bots send it: a number (also as a string) or `"@channelusername"`.
enum ChatRef {
    Id(i64),
    Username(String),
}

impl ChatRef {
    fn parse(value: &Value) -> Option<Self> {
        if let Some(id) = int(value) {
            return Some(Self::Id(id));
        }
        let username = value.as_str()?.strip_prefix('@')?;
        (!username.is_empty()).then(|| Self::Username(username.to_owned()))
    }

    fn is_channel(&self) -> bool {
        matches!(self, Self::Username(_))
    }
}

/// A stable negative id for a channel known only by username, in Telegram's `-100…` range.
fn channel_id(username: &str) -> i64 {
    let hash = username
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    -1_001_000_000_000 - (hash % 1_000_000_000) as i64
}

/// A `Chat`: private when the id is positive, a supergroup when negative, a channel for
/// `@username`.
fn chat_json(chat: &ChatRef) -> Value {
    match *chat {
        ChatRef::Id(id) if id > 0 => user_chat(id as u64),
        ChatRef::Id(id) => group_chat(id),
        ChatRef::Username(ref name) => {
            json!({ "id": channel_id(name), "type": "channel", "title": name, "username": name })
        }
    }
}

fn user_chat(user_id: u64) -> Value {
    json!({ "id": user_id, "type": "private", "first_name": "Test", "username": format!("user{user_id}") })
}

fn group_chat(chat_id: i64) -> Value {
    json!({ "id": chat_id, "type": "supergroup", "title": "Test group" })
}

/// The bot as a `User`.
fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "Newsdesk", "username": BOT_USERNAME })
}

/// `getMe`: the bot user plus the bot-only flags teloxide's `Me` requires.
fn me_json() -> Value {
    let mut me = bot_user();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(true);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// The `Message` Telegram returns for a message the bot sent (or edited).
///
/// It echoes `text`, `message_thread_id` and an inline keyboard. Markup is not parsed:
/// `text` comes back as sent and there are no `entities`.
fn sent_message(message_id: i64, chat: &ChatRef, params: &Value) -> Value {
    let chat_value = chat_json(chat);
    let mut message = json!({
        "message_id": message_id,
        "date": unix_now(),
        "chat": chat_value,
        "text": params["text"],
    });
    // Channel posts have a sender chat instead of a sender.
    if chat.is_channel() {
        message["sender_chat"] = chat_value;
    } else {
        message["from"] = bot_user();
    }
    if let Some(thread) = params.get("message_thread_id").and_then(int) {
        message["message_thread_id"] = json!(thread);
    }
    if params["reply_markup"].get("inline_keyboard").is_some() {
        message["reply_markup"] = params["reply_markup"].clone();
    }
    message
}

/// `getChat`: a `ChatFullInfo`. teloxide requires `accepted_gift_types` and
/// `max_reaction_count` besides the chat itself.
fn chat_full_info(chat: &ChatRef) -> Value {
    let mut info = chat_json(chat);
    info["accepted_gift_types"] = json!({
        "unlimited_gifts": false,
        "limited_gifts": false,
        "unique_gifts": false,
        "premium_subscription": false,
    });
    info["max_reaction_count"] = json!(11);
    info
}

/// `getChatMember`: a `ChatMember` with `status` and every field teloxide requires for it.
fn chat_member(status: &str, user_id: i64) -> Value {
    let user = if user_id == BOT_ID as i64 {
        bot_user()
    } else {
        json!({ "id": user_id, "is_bot": false, "first_name": "Test", "username": format!("user{user_id}") })
    };
    let mut member = json!({ "status": status, "user": user });
    let extra = match status {
        "creator" => json!({ "is_anonymous": false }),
        "administrator" => json!({
            "can_be_edited": false,
            "is_anonymous": false,
            "can_manage_chat": true,
            "can_delete_messages": true,
            "can_manage_video_chats": true,
            "can_restrict_members": true,
            "can_promote_members": false,
            "can_change_info": true,
            "can_invite_users": true,
            "can_post_stories": true,
            "can_edit_stories": true,
            "can_delete_stories": true,
            "can_pin_messages": true,
            "can_manage_topics": false,
            // Channel rights; Telegram sends them for channel admins.
            "can_post_messages": true,
            "can_edit_messages": true,
        }),
        "restricted" => json!({
            "until_date": 0,
            "is_member": true,
            "can_send_messages": false,
            "can_send_audios": false,
            "can_send_documents": false,
            "can_send_photos": false,
            "can_send_videos": false,
            "can_send_video_notes": false,
            "can_send_voice_notes": false,
            "can_send_polls": false,
            "can_send_other_messages": false,
            "can_add_web_page_previews": false,
            "can_change_info": false,
            "can_invite_users": false,
            "can_pin_messages": false,
            "can_manage_topics": false,
        }),
        "kicked" => json!({ "until_date": 0 }),
        _ => json!({}), // member, left
    };
    if let (Value::Object(member), Value::Object(extra)) = (&mut member, extra) {
        member.extend(extra);
    }
    member
}

// ---------------------------------------------------------------------------------------
// Incoming updates, as Telegram sends them

/// Every incoming message built here has this `message_id`; set another with
/// `update["message"]["message_id"] = json!(n)`.
pub const INCOMING_MESSAGE_ID: i32 = 1;

/// A user as Telegram describes them in updates; `language_code` is `"en"` until
/// [`with_language`] changes it.
fn user_json(user_id: u64) -> Value {
    json!({
        "id": user_id,
        "is_bot": false,
        "first_name": "Test",
        "username": format!("user{user_id}"),
        "language_code": "en",
    })
}

/// An incoming text message; a leading `/command` gets its `bot_command` entity, as
/// Telegram adds one.
fn text_message(chat: Value, user_id: u64, text: &str) -> Value {
    let mut message = json!({
        "message_id": INCOMING_MESSAGE_ID,
        "from": user_json(user_id),
        "chat": chat,
        "date": unix_now(),
        "text": text,
    });
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        message["entities"] =
            json!([{ "type": "bot_command", "offset": 0, "length": command.encode_utf16().count() }]);
    }
    message
}

/// An update with a text message from `user_id` in their private chat with the bot.
pub fn private_text(user_id: u64, text: &str) -> Value {
    json!({ "message": text_message(user_chat(user_id), user_id, text) })
}

/// An update with a text message from `user_id` in the supergroup `chat_id` (negative).
pub fn group_text(chat_id: i64, user_id: u64, text: &str) -> Value {
    json!({ "message": text_message(group_chat(chat_id), user_id, text) })
}

/// Like [`group_text`], but replying to the bot's message `replied_message_id`; Telegram
/// includes the replied-to message in full.
pub fn group_reply_to_bot(chat_id: i64, user_id: u64, text: &str, replied_message_id: i32) -> Value {
    let mut update = group_text(chat_id, user_id, text);
    update["message"]["reply_to_message"] = json!({
        "message_id": replied_message_id,
        "from": bot_user(),
        "chat": group_chat(chat_id),
        "date": unix_now(),
        "text": "An earlier answer from the bot",
    });
    update
}

/// Like [`group_text`], in the forum topic whose root message is `thread_id`.
pub fn topic_text(chat_id: i64, thread_id: i32, user_id: u64, text: &str) -> Value {
    let mut update = group_text(chat_id, user_id, text);
    update["message"]["chat"]["is_forum"] = json!(true);
    update["message"]["message_thread_id"] = json!(thread_id);
    update["message"]["is_topic_message"] = json!(true);
    update
}

/// A `channel_post` update: `text` posted in the channel `@username` (by one of its
/// admins, signed as the channel, as Telegram shows channel posts).
pub fn channel_post(username: &str, text: &str) -> Value {
    let chat = chat_json(&ChatRef::Username(username.to_owned()));
    let mut post = json!({
        "message_id": INCOMING_MESSAGE_ID,
        "sender_chat": chat,
        "chat": chat,
        "date": unix_now(),
        "text": text,
    });
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        post["entities"] =
            json!([{ "type": "bot_command", "offset": 0, "length": command.encode_utf16().count() }]);
    }
    json!({ "channel_post": post })
}

/// An `edited_channel_post` update: the post `message_id` of `@username` now reads
/// `text` (Telegram sends the whole message again, with `edit_date`).
pub fn edited_channel_post(username: &str, message_id: i32, text: &str) -> Value {
    let mut post = channel_post(username, text)["channel_post"].take();
    post["message_id"] = json!(message_id);
    post["edit_date"] = json!(unix_now());
    json!({ "edited_channel_post": post })
}

/// A `channel_post` update with a photo in `@username`, captioned or not.
pub fn channel_photo(username: &str, caption: Option<&str>) -> Value {
    let mut update = channel_post(username, "");
    let post = &mut update["channel_post"];
    if let Some(fields) = post.as_object_mut() {
        fields.remove("text");
    }
    post["photo"] = json!([{ "file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 60 }]);
    if let Some(caption) = caption {
        post["caption"] = json!(caption);
    }
    update
}

/// The id the fake gives the channel `@username`.
pub fn channel_chat_id(username: &str) -> i64 {
    channel_id(username)
}

/// An update with an inline query `@newsdesk_bot {query}` from `user_id`.
pub fn inline_query(user_id: u64, query: &str) -> Value {
    json!({
        "inline_query": {
            "id": format!("inline-{user_id}"),
            "from": user_json(user_id),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
    })
}

/// An update with a press on an inline button carrying `data`, under the bot's message
/// `message_id` in `chat_id`. The message is included in full, as Telegram does for
/// messages it still has (teloxide's `MaybeInaccessibleMessage::Regular`).
pub fn callback_query(user_id: u64, chat_id: i64, message_id: i32, data: &str) -> Value {
    let chat = if chat_id > 0 { user_chat(chat_id as u64) } else { group_chat(chat_id) };
    json!({
        "callback_query": {
            "id": format!("callback-{user_id}-{message_id}"),
            "from": user_json(user_id),
            "chat_instance": format!("instance-{chat_id}"),
            "data": data,
            "message": {
                "message_id": message_id,
                "from": bot_user(),
                "chat": chat,
                // A date of 0 would mean "inaccessible message" to teloxide.
                "date": unix_now(),
                "text": "A message from the bot",
                "reply_markup": {
                    "inline_keyboard": [[{ "text": "Button", "callback_data": data }]]
                },
            },
        }
    })
}

/// The message of `update` (built here) with the id `message_id` instead of the
/// usual one, so that a later edit of it can name it.
pub fn with_message_id(mut update: Value, message_id: i32) -> Value {
    update["message"]["message_id"] = json!(message_id);
    update
}

/// `update`'s message as Telegram reports an edit of it: an `edited_message` with an
/// `edit_date`, same id, the new text.
pub fn edited(mut update: Value) -> Value {
    let mut message = update.as_object_mut().and_then(|u| u.remove("message")).expect("a message update");
    message["edit_date"] = json!(unix_now());
    json!({ "edited_message": message })
}

/// Sets the sender's `language_code` (e.g. `"uk"`) in an update built here.
pub fn with_language(mut update: Value, language_code: &str) -> Value {
    for kind in ["message", "edited_message", "inline_query", "callback_query"] {
        if let Some(from) = update.get_mut(kind).and_then(|v| v.get_mut("from")) {
            from["language_code"] = json!(language_code);
        }
    }
    update
}

/// Parses update JSON into teloxide's `Update` (adding `update_id: 0` if absent).
///
/// It goes through a string on purpose: `serde_json::from_value::<Update>` silently yields
/// `UpdateKind::Error`, because teloxide's `UpdateKind` deserializer first tries to
/// borrow keys as `&str`.
///
/// # Panics
///
/// If teloxide cannot parse it, including when it would become `UpdateKind::Error`.
pub fn to_update(value: &Value) -> Update {
    let mut value = value.clone();
    if value.get("update_id").is_none() {
        value["update_id"] = json!(0);
    }
    let update: Update = serde_json::from_str(&value.to_string())
        .unwrap_or_else(|e| panic!("teloxide rejects this update ({e}): {value:#}"));
    if let UpdateKind::Error(_) = update.kind {
        panic!("teloxide parsed this update as UpdateKind::Error: {value:#}");
    }
    update
}

#[cfg(test)]
mod tests {
    use std::{future::IntoFuture, time::Duration};

    use serde_json::{Value, json};
    use teloxide::{
        ApiError, RequestError,
        adaptors::throttle::Limits,
        prelude::*,
        types::{
            AllowedUpdate, ChatMemberKind, InputFile, MaybeInaccessibleMessage, MessageEntityKind, MessageId,
            Recipient, ThreadId, UpdateKind, UserId,
        },
    };
    use tokio::time::Instant;

    use super::*;

    /// Bounds every await in these tests (teloxide's own HTTP timeout is 17 s).
    const LIMIT: Duration = Duration::from_secs(10);

    async fn within<F: IntoFuture>(future: F) -> F::Output {
        tokio::time::timeout(LIMIT, future).await.expect("timed out")
    }

    /// Posts a raw body, bypassing teloxide; returns the status and the body.
    async fn raw_post(fake: &FakeTelegram, method: &str, content_type: &str, body: &str) -> (u16, Value) {
        let client = teloxide::net::default_reqwest_settings().no_proxy().build().unwrap();
        let url = format!("{}bot{TOKEN}/{method}", fake.url());
        let response =
            within(client.post(url).header("content-type", content_type).body(body.to_owned()).send())
                .await
                .unwrap();
        let status = response.status().as_u16();
        let text = within(response.text()).await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    #[tokio::test]
    async fn get_me_parses_as_teloxide_me() {
        let fake = FakeTelegram::start().await;
        let me = within(fake.bot().get_me()).await.unwrap();

        assert_eq!(me.id, UserId(BOT_ID));
        assert!(me.is_bot);
        assert_eq!(me.username(), BOT_USERNAME);
        assert!(me.can_join_groups && me.supports_inline_queries);
        assert!(!me.can_read_all_group_messages && !me.can_connect_to_business && !me.has_main_web_app);
        // teloxide sends `GetMe`; the fake records it lowercased.
        assert_eq!(fake.calls()[0].method, "getme");
    }

    #[tokio::test]
    async fn sent_and_edited_messages_parse_and_echo_the_request() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        let first = within(bot.send_message(ChatId(42), "hi")).await.unwrap();
        let second = within(bot.send_message(ChatId(42), "again").message_thread_id(ThreadId(MessageId(7))))
            .await
            .unwrap();
        assert_eq!(first.text(), Some("hi"));
        assert!(first.chat.is_private());
        assert_eq!(first.from.as_ref().map(|u| u.id), Some(UserId(BOT_ID)));
        assert_eq!(second.id.0, first.id.0 + 1, "message ids increase");
        assert_eq!(second.thread_id, Some(ThreadId(MessageId(7))));

        let group = within(bot.send_message(ChatId(-100), "to the group")).await.unwrap();
        assert!(group.chat.is_supergroup());
        assert_eq!(group.chat.title(), Some("Test group"));

        let channel =
            within(bot.send_message(Recipient::ChannelUsername("@news".into()), "post")).await.unwrap();
        assert!(channel.chat.is_channel());
        assert_eq!(channel.chat.username(), Some("news"));
        assert_eq!(fake.calls_to("sendMessage")[3].params["chat_id"], "@news");

        let edited = within(bot.edit_message_text(ChatId(42), MessageId(5), "x")).await.unwrap();
        assert_eq!((edited.id, edited.text()), (MessageId(5), Some("x")));
        assert!(edited.edit_date().is_some());

        assert_eq!(fake.sent_texts(), ["hi", "again", "to the group", "post"]);
        assert_eq!(fake.calls_to("SENDMESSAGE").len(), 4, "method lookup ignores case");
        assert_eq!(fake.calls_to("editMessageText")[0].params["message_id"], 5);
    }

    #[tokio::test]
    async fn texts_telegram_would_reject_are_rejected_and_not_counted_as_sent() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        let empty = within(bot.send_message(ChatId(42), " ")).await.unwrap_err();
        assert!(matches!(empty, RequestError::Api(ApiError::MessageTextIsEmpty)), "{empty:?}");

        let long = within(bot.send_message(ChatId(42), "я".repeat(4097))).await.unwrap_err();
        assert!(matches!(long, RequestError::Api(ApiError::MessageIsTooLong)), "{long:?}");

        // With HTML, tags don't count and an entity counts once: 4096 visible characters pass.
        let html = format!("<b>{}</b>&amp;", "a".repeat(4095));
        within(bot.send_message(ChatId(42), html).parse_mode(teloxide::types::ParseMode::Html))
            .await
            .unwrap();

        assert_eq!(fake.calls_to("sendMessage").len(), 3);
        assert_eq!(fake.sent_texts().len(), 1, "only the accepted message counts as sent");
    }

    #[tokio::test]
    async fn chat_member_answers_parse_for_every_status() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        let admin = within(bot.get_chat_member(ChatId(-100), UserId(BOT_ID))).await.unwrap();
        assert!(matches!(admin.kind, ChatMemberKind::Administrator(_)), "default is administrator");
        assert_eq!(admin.user.id, UserId(BOT_ID));
        assert!(admin.kind.can_delete_messages());

        for status in MEMBER_STATUSES {
            fake.set_chat_member_status(status);
            let member = within(bot.get_chat_member(ChatId(-100), UserId(7))).await.unwrap();
            let parsed = match member.kind {
                ChatMemberKind::Owner(_) => "creator",
                ChatMemberKind::Administrator(_) => "administrator",
                ChatMemberKind::Member(_) => "member",
                ChatMemberKind::Restricted(_) => "restricted",
                ChatMemberKind::Left => "left",
                ChatMemberKind::Banned(_) => "kicked",
            };
            assert_eq!(parsed, status);
            assert_eq!(member.user.id, UserId(7));
        }
    }

    #[tokio::test]
    async fn get_chat_parses_for_groups_users_and_channels() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        let group = within(bot.get_chat(ChatId(-100))).await.unwrap();
        assert_eq!(group.id, ChatId(-100));
        assert!(group.is_supergroup());
        assert_eq!(group.title(), Some("Test group"));

        let user = within(bot.get_chat(ChatId(42))).await.unwrap();
        assert!(user.is_private());

        let channel = within(bot.get_chat(Recipient::ChannelUsername("@news".into()))).await.unwrap();
        assert!(channel.is_channel());
    }

    #[tokio::test]
    async fn webhook_state_round_trips_and_blocks_get_updates() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        assert_eq!(within(bot.get_webhook_info()).await.unwrap().url, None);
        within(bot.set_webhook("https://example.org/hook".parse().unwrap())).await.unwrap();
        let info = within(bot.get_webhook_info()).await.unwrap();
        assert_eq!(info.url.map(String::from), Some("https://example.org/hook".to_owned()));

        // As on Telegram, polling while a webhook is set is a conflict.
        let err = within(bot.get_updates()).await.unwrap_err();
        assert!(err.to_string().contains("webhook is active"), "{err}");

        within(bot.delete_webhook()).await.unwrap();
        assert_eq!(within(bot.get_webhook_info()).await.unwrap().url, None);
        within(bot.set_my_commands(Vec::new())).await.unwrap();
    }

    #[tokio::test]
    async fn get_updates_follows_telegram_offset_rules_and_long_polls() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();

        let ids: Vec<i64> = ["a", "b", "c"].iter().map(|t| fake.push_update(private_text(42, t))).collect();
        assert_eq!(ids, [1, 2, 3]);

        // No offset confirms nothing; offset 2 confirms (forgets) update 1.
        assert_eq!(within(bot.get_updates()).await.unwrap().len(), 3);
        let updates = within(bot.get_updates().offset(2).limit(1)).await.unwrap();
        assert_eq!(updates.iter().map(|u| u.id.0).collect::<Vec<_>>(), [2]);
        assert_eq!(fake.queued_updates().len(), 2);

        // Confirming everything, then polling an empty queue, waits for `timeout`.
        let started = Instant::now();
        let updates = within(bot.get_updates().offset(4).timeout(1)).await.unwrap();
        assert!(updates.is_empty());
        assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
        assert!(fake.queued_updates().is_empty());

        // A long poll returns as soon as an update arrives (the cap is 2 s, not 10).
        let poll = tokio::spawn({
            let bot = bot.clone();
            async move { bot.get_updates().offset(4).timeout(10).await }
        });
        fake.wait_for("getUpdates", 4, LIMIT).await;
        let started = Instant::now();
        fake.push_update(with_language(private_text(42, "d"), "uk"));
        let updates = within(poll).await.unwrap().unwrap();
        assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].id.0, 4);

        // A negative offset keeps only the last updates, as `drop_pending_updates` uses it.
        fake.push_update(private_text(42, "e"));
        let updates = within(bot.get_updates().offset(-1)).await.unwrap();
        assert_eq!(updates.iter().map(|u| u.id.0).collect::<Vec<_>>(), [5]);

        assert_eq!(fake.offsets_seen(), [0, 2, 4, 4, -1]);
    }

    #[tokio::test]
    async fn get_updates_honours_and_remembers_allowed_updates() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        fake.push_update(inline_query(42, "storm"));
        fake.push_update(private_text(42, "hi"));

        let updates = within(bot.get_updates().allowed_updates([AllowedUpdate::Message])).await.unwrap();
        assert!(matches!(&updates[..], [Update { kind: UpdateKind::Message(_), .. }]), "{updates:?}");
        assert_eq!(fake.withheld_updates().len(), 1);

        // Later calls without the list keep it, as on Telegram.
        fake.push_update(callback_query(42, 42, 9, "x"));
        assert!(within(bot.get_updates().offset(3)).await.unwrap().is_empty());
        assert_eq!(fake.withheld_updates().len(), 2);

        // An empty list restores the default kinds.
        fake.push_update(callback_query(42, 42, 9, "y"));
        let updates = within(bot.get_updates().offset(3).allowed_updates([])).await.unwrap();
        assert!(matches!(&updates[..], [Update { kind: UpdateKind::CallbackQuery(_), .. }]), "{updates:?}");
    }

    #[tokio::test]
    async fn unknown_methods_fail_loudly_and_multipart_bodies_are_recorded() {
        let fake = FakeTelegram::start().await;
        let document = InputFile::memory(b"hello".to_vec()).file_name("notes.txt");

        let err = within(fake.bot().send_document(ChatId(42), document).caption("notes")).await.unwrap_err();
        match err {
            RequestError::Api(ApiError::Unknown(description)) => {
                assert_eq!(description, "Not Found: method SendDocument is not faked")
            }
            other => panic!("expected an API error, got {other:?}"),
        }

        // teloxide sends files as multipart, where every field is a string, and the file
        // as `document=attach://<random id>` plus a part of that name; the fake joins them.
        let call = &fake.calls_to("sendDocument")[0];
        assert_eq!(call.params["chat_id"], "42");
        assert_eq!(call.params["caption"], "notes");
        assert_eq!(call.params["document"], json!({ "filename": "notes.txt", "size": 5 }));
        assert_eq!(call.params.as_object().unwrap().len(), 3, "{:#}", call.params);
        assert!(fake.sent_texts().is_empty());
    }

    #[tokio::test]
    async fn bodies_in_any_encoding_are_recorded() {
        let fake = FakeTelegram::start().await;

        let (status, body) =
            raw_post(&fake, "sendMessage", "application/x-www-form-urlencoded", "chat_id=-5&text=a+b%21")
                .await;
        assert_eq!(status, 200);
        assert_eq!(body["result"]["chat"]["type"], "supergroup");
        assert_eq!(body["result"]["text"], "a b!");

        let (status, body) = raw_post(&fake, "getMe", "application/json", "{not json").await;
        assert_eq!((status, &body["ok"]), (200, &json!(true)));
        let (status, _) = raw_post(&fake, "getMe", "text/plain", "").await;
        assert_eq!(status, 200);

        let (status, body) = raw_post(&fake, "noSuchMethod", "application/json", "{}").await;
        assert_eq!(status, 404);
        assert_eq!(
            body,
            json!({"ok": false, "error_code": 404, "description": "Not Found: method noSuchMethod is not faked"})
        );

        let params: Vec<Value> = fake.calls().into_iter().map(|c| c.params).collect();
        assert_eq!(params, [json!({"chat_id": "-5", "text": "a b!"}), json!({}), json!({}), json!({})]);
        assert_eq!(fake.sent_texts(), ["a b!"]);
    }

    #[tokio::test]
    async fn faults_map_to_teloxide_errors_in_queue_order() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        fake.fail_next("sendMessage", Fault::Forbidden);
        fake.fail_next("sendmessage", Fault::MalformedJson);
        fake.fail_next("sendMessage", Fault::Slow(Duration::from_millis(300)));
        fake.fail_next("sendMessage", Fault::Reset);
        fake.fail_next("getUpdates", Fault::Conflict);

        let err = within(bot.send_message(ChatId(42), "1")).await.unwrap_err();
        assert!(matches!(err, RequestError::Api(ApiError::BotBlocked)), "{err:?}");
        let err = within(bot.send_message(ChatId(42), "2")).await.unwrap_err();
        assert!(matches!(err, RequestError::InvalidJson { .. }), "{err:?}");
        let started = Instant::now();
        within(bot.send_message(ChatId(42), "3")).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        let err = within(bot.send_message(ChatId(42), "4")).await.unwrap_err();
        assert!(matches!(err, RequestError::Network(_)), "{err:?}");
        within(bot.send_message(ChatId(42), "5")).await.unwrap();

        let err = within(bot.get_updates()).await.unwrap_err();
        assert!(matches!(err, RequestError::Api(ApiError::TerminatedByOtherGetUpdates)), "{err:?}");

        assert_eq!(fake.calls_to("sendMessage").len(), 5, "failed calls are recorded too");
        // A garbled answer still means Telegram carried the request out.
        assert_eq!(fake.sent_texts(), ["2", "3", "5"]);
    }

    /// Checked over raw HTTP: through a `Bot`, teloxide would sleep 10 s on the 5xx first.
    #[tokio::test]
    async fn server_errors_have_telegram_shape() {
        let fake = FakeTelegram::start().await;
        fake.fail_next("getMe", Fault::ServerError(502));

        let (status, body) = raw_post(&fake, "getMe", "application/json", "{}").await;
        assert_eq!(status, 502);
        assert_eq!(body, json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}));
        let (status, _) = raw_post(&fake, "getMe", "application/json", "{}").await;
        assert_eq!(status, 200, "the fault applies once");
    }

    #[tokio::test]
    async fn too_many_requests_surfaces_as_retry_after() {
        let fake = FakeTelegram::start().await;
        fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });

        let (status, body) =
            raw_post(&fake, "sendMessage", "application/json", r#"{"chat_id":1,"text":"x"}"#).await;
        assert_eq!(status, 429);
        assert_eq!(
            body,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
                   "parameters": {"retry_after": 1}})
        );

        // A plain `Bot` does not retry: the caller gets `RetryAfter` and must wait itself.
        fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });
        let err = within(fake.bot().send_message(ChatId(42), "hi")).await.unwrap_err();
        assert!(matches!(err, RequestError::RetryAfter(s) if s.seconds() == 1), "{err:?}");
        assert!(fake.sent_texts().is_empty());
    }

    /// teloxide's `Throttle` (retries on by default) freezes for `retry_after` seconds and
    /// sends the same request again, so the caller just sees a late success.
    #[tokio::test]
    async fn throttle_retries_after_too_many_requests() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot().throttle(Limits::default());
        fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });

        let started = Instant::now();
        let message = within(bot.send_message(ChatId(42), "hi")).await.unwrap();
        assert_eq!(message.text(), Some("hi"));
        assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
        assert_eq!(fake.calls_to("sendMessage").len(), 2);
        assert_eq!(fake.sent_texts(), ["hi"]);
    }

    #[tokio::test]
    async fn wait_for_panics_with_a_dump_of_all_calls() {
        let fake = FakeTelegram::start().await;
        within(fake.bot().get_me()).await.unwrap();

        let waiting =
            tokio::spawn(async move { fake.wait_for("sendMessage", 1, Duration::from_millis(100)).await });
        let panic = within(waiting).await.unwrap_err().into_panic();
        let message = panic.downcast_ref::<String>().expect("a formatted panic message");
        assert!(message.contains("waiting for 1 call(s) to sendMessage, got 0"), "{message}");
        assert!(message.contains("getme {}"), "{message}");
    }

    #[test]
    fn builders_yield_the_update_kinds_teloxide_expects() {
        let UpdateKind::Message(m) = to_update(&private_text(42, "/ask storm")).kind else {
            panic!("message")
        };
        assert!(m.chat.is_private());
        assert_eq!(m.text(), Some("/ask storm"));
        assert_eq!(m.from.as_ref().map(|u| u.id), Some(UserId(42)));
        assert_eq!(m.from.as_ref().and_then(|u| u.language_code.as_deref()), Some("en"));
        let entities = m.entities().unwrap();
        assert!(matches!(entities[0].kind, MessageEntityKind::BotCommand) && entities[0].length == 4);

        let uk = to_update(&with_language(private_text(42, "привіт"), "uk"));
        let UpdateKind::Message(m) = uk.kind else { panic!("message") };
        assert_eq!(m.from.and_then(|u| u.language_code).as_deref(), Some("uk"));

        let UpdateKind::Message(m) = to_update(&group_text(-100, 42, "hi")).kind else { panic!("message") };
        assert!(m.chat.is_supergroup());
        assert_eq!(m.chat.id, ChatId(-100));

        let UpdateKind::Message(m) = to_update(&group_reply_to_bot(-100, 42, "more?", 77)).kind else {
            panic!("message")
        };
        let replied = m.reply_to_message().expect("reply_to_message");
        assert_eq!(replied.id, MessageId(77));
        assert_eq!(replied.from.as_ref().map(|u| u.id), Some(UserId(BOT_ID)));

        let update = with_language(inline_query(42, "storm"), "uk");
        let UpdateKind::InlineQuery(q) = to_update(&update).kind else { panic!("inline query") };
        assert_eq!((q.query.as_str(), q.from.language_code.as_deref()), ("storm", Some("uk")));

        let update = with_language(callback_query(42, -100, 9, "page:2"), "uk");
        let UpdateKind::CallbackQuery(q) = to_update(&update).kind else { panic!("callback query") };
        assert_eq!(q.data.as_deref(), Some("page:2"));
        assert_eq!(q.from.language_code.as_deref(), Some("uk"));
        let Some(MaybeInaccessibleMessage::Regular(m)) = q.message else { panic!("a regular message") };
        assert_eq!((m.id, m.chat.id), (MessageId(9), ChatId(-100)));

        // The gotcha `to_update` exists for.
        let mut value = private_text(42, "hi");
        value["update_id"] = json!(1);
        let from_value: Update = serde_json::from_value(value).unwrap();
        assert!(matches!(from_value.kind, UpdateKind::Error(_)));
    }

    /// End to end: a real `Dispatcher` polls the fake, the handler echoes, and shutdown
    /// confirms every update exactly once.
    #[tokio::test]
    async fn dispatcher_echoes_over_long_polling_and_confirms_every_update() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        // A stale webhook, which polling must delete first.
        within(bot.set_webhook("https://example.org/hook".parse().unwrap())).await.unwrap();

        let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
            if let Some(text) = msg.text() {
                bot.send_message(msg.chat.id, text).await?;
            }
            Ok::<(), RequestError>(())
        });
        let mut dispatcher = Dispatcher::builder(bot, handler).build();
        let shutdown = dispatcher.shutdown_token();
        let running = tokio::spawn(async move { dispatcher.dispatch().await });

        fake.wait_for("getUpdates", 1, LIMIT).await;
        fake.push_update(private_text(42, "hello"));
        let last = fake.push_update(private_text(42, "world"));
        fake.wait_for("sendMessage", 2, LIMIT).await;

        within(shutdown.shutdown().expect("the dispatcher is running")).await;
        within(running).await.expect("dispatcher task");

        assert_eq!(fake.sent_texts(), ["hello", "world"], "each update handled once, in order");
        assert_eq!(fake.calls_to("sendMessage")[0].params["chat_id"], 42);
        let methods: Vec<String> = fake.calls().into_iter().map(|c| c.method).collect();
        assert_eq!(methods[..5], ["setwebhook", "getwebhookinfo", "deletewebhook", "getme", "getupdates"]);

        let offsets = fake.offsets_seen();
        assert!(offsets.is_sorted(), "offsets never go back: {offsets:?}");
        assert_eq!(offsets.last(), Some(&(last + 1)), "shutdown confirms the last update: {offsets:?}");
        assert!(fake.queued_updates().is_empty());
    }
}
