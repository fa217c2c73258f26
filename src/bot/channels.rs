//! Telegram channels as sources: `/archive` turns archiving a channel on and off,
//! and the posts (and edits) of archived channels are handed to the corpus
//! ([`ChannelArchive`](crate::ingest::telegram::ChannelArchive) writes them), then the
//! index is synced at once, so a post is answerable within a second.
//!
//! Who may: in the channel itself, whoever may post there (its admins); from
//! elsewhere, `/archive @channel …` checks that the sender administers the channel
//! and, to turn it on, that the bot is an admin there (Telegram sends channel posts
//! only to bots that are). Like every command, it needs the chat or user to be
//! allowed (`NEWSDESK_ALLOWED_CHATS`, `NEWSDESK_ALLOWED_USERS`).

use std::sync::Arc;

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{Me, Recipient};

use super::ask::allowed_here;
use super::digests::lang_in;
use super::render::{self, Phrase};
use super::send::{reply, say};
use super::{App, AppBot};
use crate::index::SearchError;
use crate::ingest::telegram::{Channel, ChannelPost};

/// A `channel_post` or `edited_channel_post`: archived when its channel is.
#[tracing::instrument(skip_all, fields(chat = msg.chat.id.0, post = msg.id.0))]
pub(super) async fn on_channel_post(msg: Message, app: Arc<App>) -> anyhow::Result<()> {
    let Some(post) = post_of(&msg) else { return Ok(()) };
    if !post.is_archived() || !app.store.archiving(msg.chat.id.0)? {
        return Ok(());
    }
    let saved = tokio::task::spawn_blocking(move || {
        let saved = app.channels.save(std::slice::from_ref(&post));
        if saved.as_ref().is_ok_and(|s| s.changed()) {
            sync_index(&app);
        }
        saved
    })
    .await?;
    match saved {
        Ok(saved) => tracing::debug!(added = saved.added, replaced = saved.replaced, "channel post archived"),
        // The post is lost to the archive, not to the channel: say so in the log.
        Err(err) => tracing::error!(error = ?anyhow::Error::from(err), "cannot archive a channel post"),
    }
    Ok(())
}

/// The post in `msg`: its text, or its media's caption.
fn post_of(msg: &Message) -> Option<ChannelPost> {
    let text = msg.text().or_else(|| msg.caption())?;
    Some(ChannelPost {
        channel: channel_of(&msg.chat),
        message_id: i64::from(msg.id.0),
        date: msg.date.timestamp(),
        text: text.to_owned(),
    })
}

fn channel_of(chat: &teloxide::types::Chat) -> Channel {
    Channel::new(chat.id.0, chat.username(), chat.title().unwrap_or_default())
}

/// Brings the index in step with the corpus after a channel's files changed. The
/// corpus watcher would too, within a second or a rescan; this makes it now.
fn sync_index(app: &App) {
    if app.index.dir().is_none() {
        return;
    }
    match app.index.sync(&app.corpus, &mut |_, _| {}) {
        Ok(_) => {}
        Err(SearchError::Locked { .. }) => {
            tracing::info!("the index is being written by another process; the watcher picks the post up")
        }
        Err(err) => tracing::warn!(error = ?anyhow::Error::from(err), "cannot index an archived post yet"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Status,
    On,
    Off,
    Purge,
}

/// `[@channel] [on|off|purge]`; `None` when it is neither.
fn parse(args: &str) -> Option<(Option<&str>, Action)> {
    let mut words = args.split_whitespace();
    let mut word = words.next();
    let channel = word.filter(|w| w.starts_with('@') && w.len() > 1);
    if channel.is_some() {
        word = words.next();
    }
    let action = match word.map(str::to_ascii_lowercase).as_deref() {
        None => Action::Status,
        Some("on") => Action::On,
        Some("off") => Action::Off,
        Some("purge") => Action::Purge,
        Some(_) => return None,
    };
    words.next().is_none().then_some((channel, action))
}

/// `/archive [@channel] [on|off|purge]`.
pub(super) async fn on_archive<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    app: &Arc<App>,
    args: &str,
) -> anyhow::Result<()> {
    let lang = lang_in(app, msg);
    if !allowed_here(bot, msg, app, lang).await? {
        return Ok(());
    }
    let Some((named, action)) = parse(args) else { return say(bot, msg, lang, Phrase::ArchiveUsage).await };
    let (channel, command) = match named {
        // Posted in the channel: by one of its admins, the only ones who may post.
        None if msg.chat.is_channel() => (channel_of(&msg.chat), "/archive".to_owned()),
        None => return say(bot, msg, lang, Phrase::ArchiveUsage).await,
        Some(name) => match administered_channel(bot, msg, me, name, action == Action::On).await? {
            Ok(channel) => (channel, format!("/archive {name}")),
            Err(refusal) => return say(bot, msg, lang, refusal).await,
        },
    };
    let name = render::channel_name(channel.username.as_deref(), &channel.title);
    let chat = channel.chat_id;
    let text = match action {
        Action::Status => {
            let kept = kept(app, chat).await?;
            render::archive_status(&name, &command, app.store.archiving(chat)?, kept, lang)
        }
        Action::On => {
            if let Err(err) = app.channels.check_writable() {
                tracing::error!(error = ?anyhow::Error::from(err), "cannot archive channel posts");
                return say(bot, msg, lang, Phrase::ArchiveUnwritable).await;
            }
            let by = msg.from.as_ref().map(|u| u.id.0);
            let now = app.clock.now().as_second();
            if app.store.start_archiving(chat, channel.username.as_deref(), Some(&channel.title), by, now)? {
                tracing::info!(chat, "archiving a channel");
            }
            render::archive_started(&name, &command, lang)
        }
        Action::Off => {
            app.store.stop_archiving(chat)?;
            render::archive_stopped(&name, &command, kept(app, chat).await?, lang)
        }
        Action::Purge => {
            app.store.stop_archiving(chat)?;
            let purging = Arc::clone(app);
            let removed = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let removed = purging.channels.purge(chat)?;
                if removed > 0 {
                    sync_index(&purging);
                }
                Ok(removed)
            })
            .await??;
            tracing::info!(chat, removed, "a channel's archived posts were deleted");
            render::archive_purged(&name, removed, lang)
        }
    };
    reply(bot, msg, vec![text], None).await
}

/// How many posts of the channel are archived.
async fn kept(app: &Arc<App>, chat: i64) -> anyhow::Result<usize> {
    let app = Arc::clone(app);
    Ok(tokio::task::spawn_blocking(move || app.channels.count(chat)).await??)
}

/// The channel `@name` when the sender administers it (and, with `bot_admin`, the
/// bot is one of its admins); otherwise what to tell the sender.
async fn administered_channel<R: AppBot>(
    bot: &R,
    msg: &Message,
    me: &Me,
    name: &str,
    bot_admin: bool,
) -> anyhow::Result<Result<Channel, Phrase>> {
    let Some(user) = &msg.from else { return Ok(Err(Phrase::ArchiveNotAdmin)) };
    let chat = match bot.get_chat(Recipient::ChannelUsername(name.to_owned())).await {
        Ok(chat) if chat.is_channel() => chat,
        Ok(_) => return Ok(Err(Phrase::ArchiveChannelsOnly)),
        Err(RequestError::Api(_)) => return Ok(Err(Phrase::ArchiveNotFound)),
        Err(err) => return Err(err.into()),
    };
    match bot.get_chat_member(chat.id, user.id).await {
        Ok(member) if member.is_privileged() => {}
        Ok(_) | Err(RequestError::Api(_)) => return Ok(Err(Phrase::ArchiveNotAdmin)),
        Err(err) => return Err(err.into()),
    }
    if bot_admin {
        match bot.get_chat_member(chat.id, me.id).await {
            Ok(member) if member.is_privileged() => {}
            Ok(_) | Err(RequestError::Api(_)) => return Ok(Err(Phrase::ArchiveMakeMeAdmin)),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(Ok(Channel::new(chat.id.0, chat.username(), chat.title().unwrap_or_default())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_a_channel_and_an_action() {
        assert_eq!(parse(""), Some((None, Action::Status)));
        assert_eq!(parse(" ON "), Some((None, Action::On)));
        assert_eq!(parse("@news off"), Some((Some("@news"), Action::Off)));
        assert_eq!(parse("@news"), Some((Some("@news"), Action::Status)));
        assert_eq!(parse("@news purge"), Some((Some("@news"), Action::Purge)));
        assert_eq!(parse("maybe"), None);
        assert_eq!(parse("on please"), None);
        assert_eq!(parse("@ on"), None);
    }
}
