//! The Telegram front end: the update-handling tree ([`schema`]), its endpoints, and
//! [`serve`](fn@serve).
//!
//! Endpoints only adapt: they check access and rate, call
//! [`NewsIndex`](crate::index::NewsIndex) off the async threads, render with
//! [`render`], and send. Every way of asking (a private message, `/ask`, `/ask@bot`, a
//! reply to the bot, a mention, inline mode) ends in the same
//! [`answer`](ask::answer) call, so they cannot drift apart. Errors from search are
//! logged and answered with a fixed sentence; Telegram errors go to the dispatcher's
//! log.
//!
//! Where things are: `app` the state the handlers share; `ask` questions and answers;
//! `commands` the command list and the archive commands; `channels` channel posts
//! archived as articles and `/archive`; `inline` inline mode;
//! `callbacks` the answer's buttons; [`digests`] digests and per-chat settings; `feeds`
//! the admins' feed commands; `send`
//! sending, retries and Telegram errors; `serve` connecting, polling or webhook, and
//! the HTTP listener; [`render`] every text the bot sends; [`state`] access, rate
//! limits and live answers.

mod app;
mod ask;
mod callbacks;
mod channels;
mod commands;
pub mod digests;
mod feeds;
mod inline;
pub mod render;
mod send;
mod serve;
pub mod state;

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

pub use app::{App, AppBot, SEARCH_BUDGET, Throttled};
pub use commands::{Command, command_menu, register_commands};
pub use send::{error_detail, error_kind};
pub use serve::{SCHEDULER_TICK, Updates, bot, dispatcher, serve, throttled};

use ask::{on_edited_question, on_question, question_in};
use callbacks::on_callback;
use channels::on_channel_post;
use commands::{on_command, on_edited_command, on_other_private};
use inline::on_inline;

/// The application dependencies; the dispatcher adds `Update`, `Me` and the bot.
pub fn dependencies(app: Arc<App>) -> DependencyMap {
    dptree::deps![app]
}

/// The update kinds [`schema`] handles, which the bot asks Telegram for. Long
/// polling derives the same list from the tree (a test keeps the two equal); a
/// webhook is set with this one, since Telegram otherwise keeps whatever list was
/// asked for last.
pub const UPDATE_KINDS: [AllowedUpdate; 6] = [
    AllowedUpdate::Message,
    AllowedUpdate::EditedMessage,
    AllowedUpdate::ChannelPost,
    AllowedUpdate::EditedChannelPost,
    AllowedUpdate::InlineQuery,
    AllowedUpdate::CallbackQuery,
];

/// The complete update-handling tree, so that tests dispatch through exactly what
/// production runs.
pub fn schema<R: AppBot>() -> UpdateHandler<anyhow::Error> {
    let commands = teloxide::filter_command::<Command, _>().endpoint(on_command::<R>);
    let questions = dptree::filter_map(question_in).endpoint(on_question::<R>);
    // Anything else in a private chat gets a hint; in groups it is chatter.
    let other_private = dptree::filter(|msg: Message| msg.chat.is_private()).endpoint(on_other_private::<R>);
    let messages = Update::filter_message().branch(commands).branch(questions).branch(other_private);
    // In a channel the bot is an admin of, admins' posts with commands work as in a
    // group; other posts are the channel's own content, archived when the channel
    // is (`/archive on`), and so are their edits.
    let channel_posts = Update::filter_channel_post()
        .branch(teloxide::filter_command::<Command, _>().endpoint(on_command::<R>))
        .branch(dptree::endpoint(on_channel_post));
    let channel_edits = Update::filter_edited_channel_post().endpoint(on_channel_post);
    // A question edited after it was asked: the answer follows the new wording.
    let edits = Update::filter_edited_message()
        .branch(teloxide::filter_command::<Command, _>().endpoint(on_edited_command::<R>))
        .branch(dptree::filter_map(question_in).endpoint(on_edited_question::<R>));
    dptree::entry()
        .branch(messages)
        .branch(edits)
        .branch(channel_posts)
        .branch(channel_edits)
        .branch(Update::filter_inline_query().endpoint(on_inline::<R>))
        .branch(Update::filter_callback_query().endpoint(on_callback::<R>))
}
