//! Sending: HTML replies, in the right thread, retried while Telegram cannot take
//! them; and how Telegram errors are named for logs and `/metrics`.

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode, ReplyParameters};

use super::AppBot;
use super::render::{self, Lang, Phrase, phrase};
use crate::ops::ErrorKind;

pub(super) fn lang_of(user: Option<&teloxide::types::User>) -> Lang {
    Lang::from_code(user.and_then(|u| u.language_code.as_deref()))
}

/// Citations link their articles; a preview card of the first link would bury the
/// quotes, so previews are off everywhere.
pub(super) fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

pub(super) fn html_message<R: AppBot>(bot: &R, chat: ChatId, text: String) -> R::SendMessage {
    bot.send_message(chat, text).parse_mode(ParseMode::Html).link_preview_options(no_preview())
}

/// Sends `texts` as HTML replies to `msg` (threaded in groups and forum topics); the
/// last one carries `keyboard`.
pub(super) async fn reply<R: AppBot>(
    bot: &R,
    msg: &Message,
    texts: Vec<String>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<()> {
    reply_sent(bot, msg, texts, keyboard).await.map(|_| ())
}

/// Like [`reply`], returning the id of the last message sent (the one with the
/// keyboard).
pub(super) async fn reply_sent<R: AppBot>(
    bot: &R,
    msg: &Message,
    texts: Vec<String>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<Option<MessageId>> {
    Ok(reply_all(bot, msg, texts, keyboard).await?.pop())
}

/// Like [`reply`], returning the ids of every message sent, in order.
pub(super) async fn reply_all<R: AppBot>(
    bot: &R,
    msg: &Message,
    texts: Vec<String>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<Vec<MessageId>> {
    let mut sent = Vec::with_capacity(texts.len());
    let count = texts.len();
    for (i, text) in texts.into_iter().enumerate() {
        let mut request = html_message(bot, msg.chat.id, text);
        if !msg.chat.is_private() {
            request = request.reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply());
        }
        if let Some(thread) = topic_of(msg) {
            request = request.message_thread_id(thread);
        }
        if i + 1 == count
            && let Some(keyboard) = keyboard.clone()
        {
            request = request.reply_markup(keyboard);
        }
        sent.push(deliver(request).await?.id);
    }
    Ok(sent)
}

/// Attempts at one message before giving up on a Telegram that cannot be reached.
const SEND_ATTEMPTS: u32 = 5;

/// Sends `request`, and sends it again after a failure that means Telegram did not
/// take it: no connection, a 5xx, a 429 (after its `retry_after`). Up to
/// [`SEND_ATTEMPTS`] times, waiting 0.5, 1, 2, 4 s between. Other errors (and an
/// answer that was not valid JSON, when Telegram did act on the request) are not
/// retried, so a message is never sent twice.
pub(super) async fn deliver<Q>(request: Q) -> Result<teloxide::requests::Output<Q>, teloxide::RequestError>
where
    Q: teloxide::requests::Request<Err = teloxide::RequestError>,
{
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        let sent = request.send_ref().await;
        match sent {
            Err(err) if attempt < SEND_ATTEMPTS && is_transient(&err) => {
                let wait = match &err {
                    teloxide::RequestError::RetryAfter(wait) => wait.duration(),
                    _ => pause,
                };
                tracing::warn!(attempt, error = %error_detail(&err), wait_ms = wait.as_millis() as u64, "Telegram did not take a message; sending it again");
                tokio::time::sleep(wait).await;
                pause *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Whether a failed request certainly did not reach Telegram's processing, so that
/// sending it again cannot duplicate it.
fn is_transient(err: &teloxide::RequestError) -> bool {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::RetryAfter(_) | RequestError::Io(_) => true,
        // No answer at all: refused, reset before a response, timed out connecting.
        RequestError::Network(net) => {
            net.is_connect() || net.is_request() || net.is_body() || net.is_timeout()
        }
        RequestError::Api(ApiError::Unknown(text)) => {
            ["Internal Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout"]
                .iter()
                .any(|phrase| text.contains(phrase))
        }
        _ => false,
    }
}

/// The kind of a Telegram error, as `/metrics` labels it.
pub fn error_kind(err: &teloxide::RequestError) -> ErrorKind {
    use teloxide::{ApiError, RequestError};
    match err {
        RequestError::RetryAfter(_) => ErrorKind::RateLimited,
        RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => ErrorKind::Conflict,
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation
            | ApiError::NotEnoughRightsToPostMessages,
        ) => ErrorKind::Forbidden,
        RequestError::Api(ApiError::Unknown(text)) if text.starts_with("Forbidden") => ErrorKind::Forbidden,
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => ErrorKind::Api,
        RequestError::Network(_) | RequestError::Io(_) => ErrorKind::Network,
        RequestError::InvalidJson { .. } => ErrorKind::InvalidResponse,
    }
}

/// A description of a Telegram error that never includes the request URL (which
/// carries the token).
pub fn error_detail(err: &teloxide::RequestError) -> String {
    use teloxide::RequestError;
    match err {
        RequestError::Api(api) => api.to_string(),
        RequestError::RetryAfter(wait) => format!("retry after {} s", wait.seconds()),
        RequestError::MigrateToChatId(_) => "the group became a supergroup".into(),
        RequestError::Network(net) if net.is_timeout() => "timed out".into(),
        RequestError::Network(net) if net.is_connect() => "cannot connect".into(),
        RequestError::Network(_) => "connection failed".into(),
        RequestError::InvalidJson { .. } => "invalid JSON in the answer".into(),
        RequestError::Io(_) => "i/o error".into(),
    }
}

/// The forum topic a message belongs to. Telegram also sets `message_thread_id` on
/// replies in ordinary supergroups, where sending it back fails with "message
/// thread not found", so only topic messages count.
pub(super) fn topic_of(msg: &Message) -> Option<teloxide::types::ThreadId> {
    if msg.is_topic_message { msg.thread_id } else { None }
}

pub(super) async fn say<R: AppBot>(bot: &R, msg: &Message, lang: Lang, what: Phrase) -> anyhow::Result<()> {
    reply(bot, msg, vec![render::escape(phrase(lang, what))], None).await
}
