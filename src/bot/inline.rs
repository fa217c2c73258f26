//! Inline mode: `@bot question` in any chat, answered with a short list of
//! citations.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{
    InlineQueryResult, InlineQueryResultArticle, InlineQueryResultsButton, InlineQueryResultsButtonKind,
    InputMessageContent, InputMessageContentText, ParseMode,
};

use super::ask::{search, trimmed_question};
use super::render::{Phrase, phrase};
use super::send::{lang_of, no_preview};
use super::{App, AppBot, digests, render};
use crate::answer::AskOptions;
use crate::retrieve::filters;

/// Results per inline query (Telegram shows a short list).
const INLINE_RESULTS: usize = 5;

#[tracing::instrument(skip_all, fields(user = query.from.id.0))]
pub(super) async fn on_inline<R: AppBot>(bot: R, query: InlineQuery, app: Arc<App>) -> anyhow::Result<()> {
    let question = trimmed_question(&query.query);
    let mut results = Vec::new();
    // Inline queries have no chat: only the user list applies.
    let allowed = app.access.allows(None, Some(query.from.id.0))
        || (app.access.allowed_users.is_empty() && app.access.allowed_chats.is_empty());
    if allowed && question.is_empty() {
        return on_empty(&bot, query, &app).await;
    }
    let within_rate =
        || app.access.is_admin(query.from.id.0) || app.limiter.allow(query.from.id.0, Instant::now());
    if allowed && !question.is_empty() && within_rate() {
        let options =
            AskOptions { k: INLINE_RESULTS, offset: 0, min_coverage: app.min_coverage, keep_weak: false };
        // No chat: time words are read in the time zone of the user's private chat
        // with the bot, if they set one.
        let asked = filters::parse(&question, &digests::chat_now(&app, query.from.id.0 as i64));
        let lang = lang_of(Some(&query.from));
        if let Some(answer) = search(&app, asked, options).await {
            app.monitor.question(answer.answered, answer.took);
            for hit in &answer.hits {
                let content = InputMessageContent::Text(
                    InputMessageContentText::new(render::citation(hit, lang))
                        .parse_mode(ParseMode::Html)
                        .link_preview_options(no_preview()),
                );
                let article =
                    InlineQueryResultArticle::new(format!("{}", hit.rank), hit.title.clone(), content)
                        .description(render::inline_description(hit));
                results.push(InlineQueryResult::Article(article));
            }
        }
    }
    // Results are personal: Telegram must not serve one user's (allowed, within-rate)
    // results to another; empty answers are not cached at all.
    let cache_time = if results.is_empty() { 0 } else { 30 };
    bot.answer_inline_query(query.id, results).cache_time(cache_time).is_personal(true).await?;
    Ok(())
}

/// An empty inline query (the bot's name typed, nothing after it yet): the newest
/// articles to share, and a button above them that opens the bot's help.
async fn on_empty<R: AppBot>(bot: &R, query: InlineQuery, app: &Arc<App>) -> anyhow::Result<()> {
    let lang = lang_of(Some(&query.from));
    let listing = {
        let app = Arc::clone(app);
        tokio::task::spawn_blocking(move || app.index.articles()).await?
    };
    let articles = listing.unwrap_or_else(|err| {
        tracing::error!(error = ?anyhow::Error::from(err), "listing failed");
        Vec::new()
    });
    let results = articles
        .iter()
        .take(INLINE_RESULTS)
        .enumerate()
        .map(|(n, info)| {
            let content = InputMessageContent::Text(
                InputMessageContentText::new(render::article_card(info))
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_preview()),
            );
            let meta: Vec<&str> =
                [&info.source, &info.date].into_iter().flatten().map(String::as_str).collect();
            let article = InlineQueryResultArticle::new(format!("new{n}"), info.title.clone(), content)
                .description(meta.join(" · "));
            InlineQueryResult::Article(article)
        })
        .collect::<Vec<_>>();
    let button = InlineQueryResultsButton {
        text: phrase(lang, Phrase::InlineHint).to_owned(),
        kind: InlineQueryResultsButtonKind::StartParameter("help".into()),
    };
    bot.answer_inline_query(query.id, results).button(button).cache_time(0).is_personal(true).await?;
    Ok(())
}
