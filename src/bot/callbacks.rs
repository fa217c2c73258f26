//! The buttons under an answer: "More" (edits the next page in), "Full article",
//! and 👍/👎 feedback.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode};

use super::ask::{keyboard, search};
use super::commands::send_article;
use super::render::{self, Phrase, phrase};
use super::send::{deliver, lang_of, no_preview};
use super::state::LiveAnswer;
use super::{App, AppBot};
use crate::answer::AskOptions;

#[tracing::instrument(skip_all, fields(user = query.from.id.0))]
pub(super) async fn on_callback<R: AppBot>(
    bot: R,
    query: CallbackQuery,
    app: Arc<App>,
) -> anyhow::Result<()> {
    let lang = lang_of(Some(&query.from));
    let data = query.data.clone().unwrap_or_default();
    let mut parts = data.split(':');
    let (kind, key, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
    // Buttons under inline-mode messages carry no chat; the bot sends none.
    let Some((chat_id, message_id)) = query.message.as_ref().map(|m| (m.chat().id, m.id())) else {
        bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
        return Ok(());
    };
    // Refused as commands are: nothing is read, paged or recorded.
    if !app.access.allows(Some(chat_id.0), Some(query.from.id.0)) {
        tracing::info!(chat = chat_id.0, "refused: chat or user not allowed");
        bot.answer_callback_query(query.id).text(phrase(lang, Phrase::NotAllowed)).await?;
        return Ok(());
    }
    // A key only works under the message its answer was sent as (in a private chat,
    // pressed by that chat's user): data copied into another chat or message, or
    // pressed by someone else in another's private chat, is as good as expired.
    let private = query.message.as_ref().is_some_and(|m| m.chat().is_private());
    let live = app.answers.get_at(key, chat_id.0, message_id.0, Instant::now());
    let Some(live) = live.filter(|_| !private || chat_id.0 == query.from.id.0 as i64) else {
        bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
        return Ok(());
    };
    match (kind, arg) {
        ("m", None) => {
            if !app.access.is_admin(query.from.id.0) && !app.limiter.allow(query.from.id.0, Instant::now()) {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::SlowDown)).await?;
                return Ok(());
            }
            let offset = live.offset + live.shown.len();
            let options =
                AskOptions { k: app.results, offset, min_coverage: app.min_coverage, keep_weak: false };
            let answer = search(&app, live.asked.clone(), options).await;
            match answer {
                Some(answer) if !answer.hits.is_empty() => {
                    // The page is edited into one message: keep the hits that fit.
                    let (text, fitted) = render::one_message(&answer.hits, lang);
                    let shown: Vec<String> =
                        answer.hits[..fitted].iter().map(|h| h.article_id.clone()).collect();
                    app.answers.update(key, LiveAnswer { offset, shown: shown.clone(), ..live });
                    edit(&bot, chat_id, message_id, text, keyboard(key, offset + 1, shown.len(), lang))
                        .await?;
                    bot.answer_callback_query(query.id).await?;
                }
                Some(_) => {
                    bot.answer_callback_query(query.id).text(phrase(lang, Phrase::NoMore)).await?;
                }
                None => {
                    bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Unavailable)).await?;
                }
            }
        }
        ("a", Some(n)) => {
            bot.answer_callback_query(query.id).await?;
            match n.parse::<usize>().ok().and_then(|n| live.shown.get(n)) {
                Some(id) => {
                    let thread =
                        query.message.as_ref().and_then(|m| m.regular_message()).and_then(|m| m.thread_id);
                    send_article(&bot, chat_id, thread, &app, id, lang).await?;
                }
                None => tracing::debug!(data, "article button out of range"),
            }
        }
        ("f", Some(vote @ ("+" | "-"))) => {
            tracing::info!(feedback = vote, question_len = live.question.len(), "answer feedback");
            let now = app.clock.now().as_second();
            let helpful = vote == "+";
            // One vote per user per answer: pressing again replaces the vote.
            let recorded = app.answers.vote(key, query.from.id.0, |earlier| match earlier {
                Some(row) => app.store.change_feedback(row, helpful, &live.shown, now).map(|()| row),
                None => app.store.record_feedback(
                    chat_id.0,
                    query.from.id.0,
                    &live.question,
                    helpful,
                    &live.shown,
                    now,
                ),
            });
            if let Some(Err(err)) = recorded {
                tracing::warn!(error = ?anyhow::Error::from(err), "cannot record feedback");
            }
            bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Thanks)).await?;
        }
        _ => {
            bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
        }
    }
    Ok(())
}

async fn edit<R: AppBot>(
    bot: &R,
    chat: ChatId,
    message: MessageId,
    text: String,
    keyboard: InlineKeyboardMarkup,
) -> anyhow::Result<()> {
    let request = bot
        .edit_message_text(chat, message, text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview())
        .reply_markup(keyboard);
    deliver(request).await?;
    Ok(())
}
