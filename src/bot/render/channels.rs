//! The replies of `/archive`: a channel's archiving started, stopped, purged, or how
//! it stands.

use super::html::escape;
use super::phrases::Lang;

/// How a reply names a channel: `@name` when public, its title in quotes otherwise.
pub fn channel_name(username: Option<&str>, title: &str) -> String {
    match username {
        Some(name) => format!("@{name}"),
        None => format!("“{title}”"),
    }
}

/// Archiving was turned on. `command` is how to reach this channel's archiving from
/// where the reply goes (`/archive` in the channel, `/archive @name` elsewhere).
pub fn archive_started(channel: &str, command: &str, lang: Lang) -> String {
    let (channel, command) = (escape(channel), escape(command));
    match lang {
        Lang::En => format!(
            "Archiving {channel}: from now on its posts, and their edits, go into the archive and can be asked about. Telegram does not show bots earlier posts; the bot's operator can add them from a Telegram Desktop export. {command} off stops it."
        ),
        Lang::Uk => format!(
            "Архівую {channel}: відтепер його дописи та їхні правки потрапляють до архіву, і про них можна запитувати. Давніших дописів Telegram ботам не показує; власник бота може додати їх з експорту Telegram Desktop. {command} off — зупинити."
        ),
    }
}

/// Archiving was turned off; `kept` posts stay.
pub fn archive_stopped(channel: &str, command: &str, kept: usize, lang: Lang) -> String {
    let (channel, command) = (escape(channel), escape(command));
    match lang {
        Lang::En => format!(
            "Stopped archiving {channel}. The posts kept so far ({kept}) stay in the archive; {command} purge deletes them."
        ),
        Lang::Uk => format!(
            "Більше не архівую {channel}. Збережені дописи ({kept}) лишаються в архіві; {command} purge — видалити їх."
        ),
    }
}

/// Archiving was turned off and `removed` posts deleted.
pub fn archive_purged(channel: &str, removed: usize, lang: Lang) -> String {
    let channel = escape(channel);
    match lang {
        Lang::En => format!("Stopped archiving {channel} and deleted its archived posts ({removed})."),
        Lang::Uk => format!("Більше не архівую {channel} і видалив його збережені дописи ({removed})."),
    }
}

/// `/archive` alone: whether the channel is archived and how many posts are kept.
pub fn archive_status(channel: &str, command: &str, on: bool, kept: usize, lang: Lang) -> String {
    let (channel, command) = (escape(channel), escape(command));
    match (lang, on) {
        (Lang::En, true) => {
            format!("{channel} is archived: {kept} posts kept so far. {command} off stops it.")
        }
        (Lang::En, false) => {
            format!("{channel} is not archived ({kept} posts kept). {command} on starts it.")
        }
        (Lang::Uk, true) => {
            format!("{channel} архівується: збережено дописів — {kept}. {command} off — зупинити.")
        }
        (Lang::Uk, false) => {
            format!("{channel} не архівується (збережено дописів — {kept}). {command} on — почати.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_escaped_once() {
        let name = channel_name(None, "<b>News</b> & more");
        let text = archive_status(&name, "/archive", true, 3, Lang::En);
        assert!(text.starts_with("“&lt;b&gt;News&lt;/b&gt; &amp; more” is archived: 3 posts"), "{text}");
        assert_eq!(channel_name(Some("newsroom"), "x"), "@newsroom");
    }
}
