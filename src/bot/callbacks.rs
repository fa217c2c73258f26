//! The buttons under an answer: "More ▸" and "◂ Back" (edit the next or previous
//! page in), "Full article" (in a group, posted once per answer), and 👍/👎.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;

use super::ask::{Paging, edit_html, keyboard, page};
use super::commands::{Place, send_article, send_newest};
use super::render::{self, Phrase, phrase};
use super::send::{lang_of, topic_of};
use super::{App, AppBot};

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
        ("m" | "p", None) if !live.question.is_empty() => {
            if !app.access.is_admin(query.from.id.0) && !app.limiter.allow(query.from.id.0, Instant::now()) {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::SlowDown)).await?;
                return Ok(());
            }
            let offset = match kind {
                "m" => live.offset + live.shown.len(),
                _ => live.offset.saturating_sub(live.per_page),
            };
            match page(&app, live.asked.clone(), offset, live.per_page).await {
                Some((answer, more)) if !answer.hits.is_empty() => {
                    // The page is edited into one message: keep the hits that fit.
                    let (text, fitted) = render::one_message(&answer.hits, lang);
                    let shown: Vec<String> =
                        answer.hits[..fitted].iter().map(|h| h.article_id.clone()).collect();
                    let paging = Paging { back: offset > 0, more: more || fitted < answer.hits.len() };
                    let keyboard = keyboard(key, offset + 1, shown.len(), paging, lang);
                    app.answers.change(key, |live| {
                        live.offset = offset;
                        live.shown = shown;
                    });
                    edit_html(&bot, chat_id, message_id, text, Some(keyboard)).await?;
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
            let Some(id) = n.parse::<usize>().ok().and_then(|n| live.shown.get(n)) else {
                tracing::debug!(data, "article button out of range");
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
                return Ok(());
            };
            let thread = query.message.as_ref().and_then(|m| m.regular_message()).and_then(topic_of);
            if private {
                bot.answer_callback_query(query.id).await?;
                send_article(&bot, chat_id, thread, None, &app, id, lang).await?;
                return Ok(());
            }
            // In a group the article is posted once per answer, as a reply to it:
            // pressing again (anyone) points to it instead of posting it again.
            if app.answers.claim_post(key, id).is_err() {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::ArticleAbove)).await?;
                return Ok(());
            }
            bot.answer_callback_query(query.id).await?;
            let posted = send_article(&bot, chat_id, thread, Some(message_id), &app, id, lang).await;
            app.answers.posted(key, id, posted.as_ref().ok().copied().flatten().map(|m| m.0));
            posted?;
        }
        ("s", Some(n)) => {
            let Some(outlet) = n.parse::<usize>().ok().and_then(|n| live.outlets.get(n)) else {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::Expired)).await?;
                return Ok(());
            };
            // As with articles: in a group, each outlet's list once per /sources.
            if !private && app.answers.claim_post(key, &format!("outlet:{outlet}")).is_err() {
                bot.answer_callback_query(query.id).text(phrase(lang, Phrase::ListAbove)).await?;
                return Ok(());
            }
            bot.answer_callback_query(query.id).await?;
            let thread = query.message.as_ref().and_then(|m| m.regular_message()).and_then(topic_of);
            let place = Place { chat: chat_id, thread, reply_to: (!private).then_some(message_id) };
            send_newest(&bot, &app, place, Some(outlet.clone()), Phrase::LatestHeader, lang).await?;
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
