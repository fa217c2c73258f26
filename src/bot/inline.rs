//! Inline mode: `@bot question` in any chat, answered with a short list of
//! citations.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{
    InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText, ParseMode,
};

use super::ask::{search, trimmed_question};
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
    let within_rate =
        app.access.is_admin(query.from.id.0) || app.limiter.allow(query.from.id.0, Instant::now());
    if allowed && within_rate && !question.is_empty() {
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
