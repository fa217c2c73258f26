//! The admin commands for feeds, in a private chat with one of the bot's admins:
//! `/feeds` lists every feed (the `NEWSDESK_FEEDS` file's, then those added here)
//! with its state, `/addfeed URL` adds one, `/removefeed N` removes one added here.
//! The feeds added are stored in SQLite; `serve`'s poller reads the list every round.

use std::sync::Arc;

use teloxide::prelude::*;

use super::render::{self, Lang, MESSAGE_LIMIT, escape};
use super::send::reply;
use super::{App, AppBot};
use crate::ingest::feeds::{self, Origin};

/// What these commands say, in English and Ukrainian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Says {
    AdminsOnly,
    PrivateOnly,
    NoFeeds,
    Header,
    Footer,
    AddUsage,
    Added,
    AlreadyThere,
    RemoveUsage,
    Removed,
    InTheFile,
}

fn says(lang: Lang, what: Says) -> &'static str {
    use Says::*;
    match (lang, what) {
        (Lang::En, AdminsOnly) => "Only the bot's admins can manage feeds.",
        (Lang::Uk, AdminsOnly) => "Стрічками керують лише адміністратори бота.",
        (Lang::En, PrivateOnly) => "Feeds are managed in a private chat with me.",
        (Lang::Uk, PrivateOnly) => "Стрічками керують в особистому чаті зі мною.",
        (Lang::En, NoFeeds) => {
            "No feeds yet. Add one with /addfeed URL, or list them in the file NEWSDESK_FEEDS names."
        }
        (Lang::Uk, NoFeeds) => {
            "Стрічок ще немає. Додайте: /addfeed URL, або перелічіть їх у файлі, названому в NEWSDESK_FEEDS."
        }
        (Lang::En, Header) => "Feeds",
        (Lang::Uk, Header) => "Стрічки",
        (Lang::En, Footer) => "/addfeed URL adds a feed, /removefeed N removes one added here.",
        (Lang::Uk, Footer) => "/addfeed URL додає стрічку, /removefeed N прибирає додану тут.",
        (Lang::En, AddUsage) => "Send the feed's address: /addfeed https://example.org/rss.xml",
        (Lang::Uk, AddUsage) => "Надішліть адресу стрічки: /addfeed https://example.org/rss.xml",
        (Lang::En, Added) => "Added. I poll it within a minute; /feeds shows how it went.",
        (Lang::Uk, Added) => "Додано. Я опитаю її протягом хвилини; /feeds покаже, як пройшло.",
        (Lang::En, AlreadyThere) => "That feed is already on the list.",
        (Lang::Uk, AlreadyThere) => "Ця стрічка вже є у списку.",
        (Lang::En, RemoveUsage) => "Send the feed's number from /feeds: /removefeed 2",
        (Lang::Uk, RemoveUsage) => "Надішліть номер стрічки з /feeds: /removefeed 2",
        (Lang::En, Removed) => "Removed. Its articles stay in the archive.",
        (Lang::Uk, Removed) => "Прибрано. Її статті лишаються в архіві.",
        (Lang::En, InTheFile) => "That feed is listed in the NEWSDESK_FEEDS file; remove it there.",
        (Lang::Uk, InTheFile) => "Ця стрічка записана у файлі NEWSDESK_FEEDS; приберіть її там.",
    }
}

async fn say<R: AppBot>(bot: &R, msg: &Message, lang: Lang, what: Says) -> anyhow::Result<()> {
    reply(bot, msg, vec![escape(says(lang, what))], None).await
}

/// Whether the sender may manage feeds here; says why not otherwise.
async fn admin_in_private<R: AppBot>(bot: &R, msg: &Message, app: &App, lang: Lang) -> anyhow::Result<bool> {
    if !msg.from.as_ref().is_some_and(|u| app.access.is_admin(u.id.0)) {
        say(bot, msg, lang, Says::AdminsOnly).await?;
        return Ok(false);
    }
    if !msg.chat.is_private() {
        say(bot, msg, lang, Says::PrivateOnly).await?;
        return Ok(false);
    }
    Ok(true)
}

/// `/feeds`: every feed with its state; those failing for a day are marked.
pub(super) async fn on_feeds<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    lang: Lang,
) -> anyhow::Result<()> {
    if !admin_in_private(bot, msg, app, lang).await? {
        return Ok(());
    }
    let listing = {
        let app = Arc::clone(app);
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
            let (list, problems) = feeds::feeds_to_poll(app.feeds_file.as_deref(), &app.store);
            let now = app.clock.now().as_second();
            let mut lines = Vec::new();
            for (n, feed) in list.iter().enumerate() {
                let state = app.store.feed_state(feed.url.as_str())?;
                let name = state.title.clone().unwrap_or_else(|| feed.url.to_string());
                let origin = match feed.origin {
                    Origin::File => "file",
                    Origin::Added => "added",
                };
                lines.push(format!(
                    "{}. <a href=\"{}\">{}</a> [{origin}]\n{}",
                    n + 1,
                    escape(feed.url.as_str()),
                    escape(&name),
                    escape(&feeds::status_line(&state, now))
                ));
            }
            lines.extend(problems.iter().map(|p| format!("⚠ {}", escape(p))));
            Ok(lines)
        })
        .await??
    };
    if listing.is_empty() {
        return say(bot, msg, lang, Says::NoFeeds).await;
    }
    let header = format!("<b>{}</b>", escape(says(lang, Says::Header)));
    let footer = escape(says(lang, Says::Footer));
    let blocks = std::iter::once(header).chain(listing).chain(std::iter::once(footer));
    reply(bot, msg, render::pack(blocks, MESSAGE_LIMIT), None).await
}

/// `/addfeed URL`.
pub(super) async fn on_addfeed<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    lang: Lang,
    arg: &str,
) -> anyhow::Result<()> {
    if !admin_in_private(bot, msg, app, lang).await? {
        return Ok(());
    }
    let Ok(url) = feeds::feed_url(arg.trim()) else { return say(bot, msg, lang, Says::AddUsage).await };
    // The guard's verdict now, rather than a failing feed later.
    if let Err(refused) = feeds::check_target(&url, app.feeds_allow_private).await
        && matches!(refused, feeds::FetchError::Refused(_))
    {
        return reply(bot, msg, vec![escape(&refused.to_string())], None).await;
    }
    let (known, _) = feeds::feeds_to_poll(app.feeds_file.as_deref(), &app.store);
    if known.iter().any(|f| f.url == url) {
        return say(bot, msg, lang, Says::AlreadyThere).await;
    }
    let by = msg.from.as_ref().map(|u| u.id.0);
    let added = app.store.add_feed(url.as_str(), by, app.clock.now().as_second())?;
    tracing::info!(feed = %url, admin = ?by, "feed added");
    say(bot, msg, lang, if added { Says::Added } else { Says::AlreadyThere }).await
}

/// `/removefeed N`, N as `/feeds` numbers them.
pub(super) async fn on_removefeed<R: AppBot>(
    bot: &R,
    msg: &Message,
    app: &Arc<App>,
    lang: Lang,
    arg: &str,
) -> anyhow::Result<()> {
    if !admin_in_private(bot, msg, app, lang).await? {
        return Ok(());
    }
    let (list, _) = feeds::feeds_to_poll(app.feeds_file.as_deref(), &app.store);
    let chosen =
        arg.trim().trim_start_matches('#').parse::<usize>().ok().and_then(|n| list.get(n.checked_sub(1)?));
    let Some(feed) = chosen else { return say(bot, msg, lang, Says::RemoveUsage).await };
    if feed.origin == Origin::File {
        return say(bot, msg, lang, Says::InTheFile).await;
    }
    app.store.remove_feed(feed.url.as_str())?;
    tracing::info!(feed = %feed.url, "feed removed");
    say(bot, msg, lang, Says::Removed).await
}
