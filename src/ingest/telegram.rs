//! Telegram channels as a source: channel posts written into the corpus as article
//! lines, which the corpus reader then reads like any other JSON-lines file.
//!
//! A post is one line of `<corpus>/telegram/<channel id>/<YYYY-MM>.jsonl` (the
//! channel's own id, as `t.me/c/` links and Telegram Desktop exports write it; the
//! month of the post's date, UTC):
//! `{"id": "telegram/<channel id>/<message id>", "title", "source": <channel title>,
//! "date", "url": "https://t.me/<username>/<message id>", "text"}`. Posts come from the
//! bot (`channel_post` and `edited_channel_post` updates) or from a Telegram Desktop
//! export ([`read_export`]); both give the same lines, so importing twice, or importing
//! what the bot already archived, writes nothing.
//!
//! Writing: a new post is appended to its month's file; a post whose line is there
//! with other text (an edit) has its line replaced, by writing the whole file next to
//! itself and renaming it over the old one, so a reader sees the old file or the new
//! one, never half of either. Writers of one channel folder take turns through an
//! advisory lock on a hidden file in it (the bot and `newsdesk import` may run at
//! once). Posts without text (a photo without caption) and commands (`/archive on`)
//! are not archived.
//!
//! Nothing here knows the Bot API: a post is plain data.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::clean::derived_title;
use super::{DERIVED_TITLE_CHARS, escaped_path};

/// The folder below the corpus that holds the channels' posts.
pub const TELEGRAM_FOLDER: &str = "telegram";

/// Channel chat ids in the Bot API are `-100` followed by the channel's own id.
const CHANNEL_ID_OFFSET: i64 = 1_000_000_000_000;

/// The lock file in a channel's folder (hidden, so never read as an article).
const LOCK_FILE: &str = ".lock";

/// A Telegram channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// The Bot API chat id (`-100…`).
    pub chat_id: i64,
    /// `@name` without the `@`, for public channels.
    pub username: Option<String>,
    /// The channel's title, shown as the outlet of its posts.
    pub title: String,
}

impl Channel {
    /// A channel by its Bot API chat id. A username that is not one (Telegram's are
    /// letters, digits and `_`) is dropped, so it never ends up in a link.
    pub fn new(chat_id: i64, username: Option<&str>, title: &str) -> Channel {
        let username = username
            .map(|u| u.trim().trim_start_matches('@'))
            .filter(|u| {
                (1..=64).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
            .map(str::to_owned);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        Channel { chat_id, username, title }
    }

    /// A channel by its own id, as a Telegram Desktop export gives it.
    pub fn from_own_id(own_id: i64, username: Option<&str>, title: &str) -> Channel {
        Channel::new(-CHANNEL_ID_OFFSET - own_id.abs(), username, title)
    }

    /// The channel's own id: the chat id without `-100`, as in `t.me/c/<id>/…` links,
    /// exports and the channel's folder name.
    pub fn own_id(&self) -> i64 {
        own_id(self.chat_id)
    }

    /// The link to post `message_id`: `t.me/<username>/<id>` for a public channel,
    /// `t.me/c/<own id>/<id>` (which opens for its members) for a private one.
    pub fn post_url(&self, message_id: i64) -> String {
        match &self.username {
            Some(name) => format!("https://t.me/{name}/{message_id}"),
            None => format!("https://t.me/c/{}/{message_id}", self.own_id()),
        }
    }

    /// The outlet its posts are cited with: the title, else `@username`.
    fn outlet(&self) -> String {
        match (&self.username, self.title.is_empty()) {
            (_, false) => self.title.clone(),
            (Some(name), true) => format!("@{name}"),
            (None, true) => "Telegram".to_owned(),
        }
    }
}

/// The channel's own id for a Bot API chat id (`-1001234567890` → `1234567890`).
pub fn own_id(chat_id: i64) -> i64 {
    if chat_id <= -CHANNEL_ID_OFFSET { -chat_id - CHANNEL_ID_OFFSET } else { chat_id.abs() }
}

/// One post of a channel, as Telegram delivers it or an export holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPost {
    pub channel: Channel,
    pub message_id: i64,
    /// When it was posted (an edit keeps it), Unix seconds.
    pub date: i64,
    /// Its text, or its media's caption; empty when it has neither.
    pub text: String,
}

impl ChannelPost {
    /// The id of the post's article: `telegram/<channel id>/<message id>`.
    pub fn article_id(&self) -> String {
        format!("{TELEGRAM_FOLDER}/{}/{}", self.channel.own_id(), self.message_id)
    }

    /// Whether the post becomes an article: it has text, and is not a bot command.
    pub fn is_archived(&self) -> bool {
        self.text.chars().any(char::is_alphanumeric) && !is_command(&self.text)
    }

    /// The post as an article line, with the month file it goes to; `None` when it
    /// is not archived or its date is out of range.
    fn line(&self) -> Option<PostLine> {
        if !self.is_archived() {
            return None;
        }
        let posted = jiff::Timestamp::from_second(self.date).ok()?.to_zoned(jiff::tz::TimeZone::UTC);
        let id = self.article_id();
        let title = post_title(&self.text).unwrap_or_else(|| id.clone());
        let json = serde_json::to_string(&LineJson {
            id: &id,
            title: &title,
            source: &self.channel.outlet(),
            date: &posted.strftime("%Y-%m-%d").to_string(),
            url: &self.channel.post_url(self.message_id),
            text: &self.text,
        })
        .expect("strings always serialise");
        Some(PostLine { month: posted.strftime("%Y-%m").to_string(), id, json })
    }
}

/// A bot command: `/` and a letter at the start (`/archive on`, `/start@bot`).
pub fn is_command(text: &str) -> bool {
    let mut chars = text.trim_start().chars();
    chars.next() == Some('/') && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A post's title: its first line with text when that is short (decoration such as a
/// leading 🔴 or a trailing colon trimmed), else the first sentence of it, cut at a
/// clause or word boundary.
pub fn post_title(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| l.chars().any(char::is_alphanumeric))?;
    let line = line.replace(char::is_control, " ");
    let keep = |c: char| c.is_alphanumeric() || "\"'«»“”„‘’()[]?!…%".contains(c);
    let trimmed = line.trim_matches(|c: char| !keep(c)).trim_end_matches('…');
    if trimmed.chars().count() <= DERIVED_TITLE_CHARS {
        return Some(trimmed.to_owned());
    }
    derived_title(trimmed)
}

struct PostLine {
    /// `YYYY-MM`, the file it goes to.
    month: String,
    id: String,
    json: String,
}

/// The fields of an article line, in the order they are written.
#[derive(Serialize)]
struct LineJson<'a> {
    id: &'a str,
    title: &'a str,
    source: &'a str,
    date: &'a str,
    url: &'a str,
    text: &'a str,
}

/// What saving posts did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Saved {
    /// Posts written for the first time.
    pub added: usize,
    /// Posts whose line was replaced (edited since).
    pub replaced: usize,
    /// Posts already there as they are.
    pub unchanged: usize,
    /// Posts not archived: no text, a command, or a date out of range.
    pub skipped: usize,
}

impl Saved {
    /// Whether any file changed, so the index has something to pick up.
    pub fn changed(&self) -> bool {
        self.added + self.replaced > 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot write {}", escaped_path(path))]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read {}", escaped_path(path))]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a Telegram Desktop export of a channel: {reason}", escaped_path(path))]
    Export { path: PathBuf, reason: String },
}

/// The channels' posts in a corpus folder.
#[derive(Clone, Debug)]
pub struct ChannelArchive {
    /// `<corpus>/telegram`.
    root: PathBuf,
}

impl ChannelArchive {
    pub fn new(corpus: &Path) -> ChannelArchive {
        ChannelArchive { root: corpus.join(TELEGRAM_FOLDER) }
    }

    /// The folder of a channel's posts, by its chat id.
    pub fn folder(&self, chat_id: i64) -> PathBuf {
        self.root.join(own_id(chat_id).to_string())
    }

    /// Checks that posts can be written: the folder exists or can be made, and takes
    /// a file.
    pub fn check_writable(&self) -> Result<(), ArchiveError> {
        let probe = self.root.join(".newsdesk-write-test");
        let written = fs::create_dir_all(&self.root)
            .and_then(|()| fs::write(&probe, b""))
            .and_then(|()| fs::remove_file(&probe));
        written.map_err(|source| ArchiveError::Write { path: self.root.clone(), source })
    }

    /// Writes `posts`: new ones appended, edited ones replacing their lines, the
    /// rest left as they are.
    pub fn save(&self, posts: &[ChannelPost]) -> Result<Saved, ArchiveError> {
        let mut saved = Saved::default();
        let mut by_file: BTreeMap<PathBuf, Vec<PostLine>> = BTreeMap::new();
        for post in posts {
            match post.line() {
                Some(line) => {
                    let file = self.folder(post.channel.chat_id).join(format!("{}.jsonl", line.month));
                    by_file.entry(file).or_default().push(line);
                }
                None => saved.skipped += 1,
            }
        }
        for (file, lines) in by_file {
            let written = write_lines(&file, lines)?;
            saved.added += written.added;
            saved.replaced += written.replaced;
            saved.unchanged += written.unchanged;
        }
        Ok(saved)
    }

    /// Deletes every archived post of the channel; returns how many there were.
    pub fn purge(&self, chat_id: i64) -> Result<usize, ArchiveError> {
        let folder = self.folder(chat_id);
        if !folder.exists() {
            return Ok(0);
        }
        let _turn = lock_folder(&folder)?;
        let count = self.count(chat_id)?;
        fs::remove_dir_all(&folder).map_err(|source| ArchiveError::Write { path: folder, source })?;
        Ok(count)
    }

    /// How many posts of the channel are archived.
    pub fn count(&self, chat_id: i64) -> Result<usize, ArchiveError> {
        let mut count = 0;
        for file in month_files(&self.folder(chat_id))? {
            let text = read_text(&file)?;
            count += text.lines().filter(|l| line_id(l).is_some()).count();
        }
        Ok(count)
    }

    /// The username in the links of the channel's archived posts, newest file first:
    /// what the bot saw, for an export, which does not say.
    pub fn username_in(&self, chat_id: i64) -> Option<String> {
        let files = month_files(&self.folder(chat_id)).ok()?;
        files.iter().rev().find_map(|file| {
            let text = read_text(file).ok()?;
            text.lines().find_map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).ok()?;
                let rest = value["url"].as_str()?.strip_prefix("https://t.me/")?;
                let (name, _) = rest.split_once('/')?;
                (name != "c").then(|| name.to_owned())
            })
        })
    }

    /// Imports a Telegram Desktop export (`result.json`) of one channel, or the
    /// channels of a whole account's export (other chats are left out). Links use
    /// `username` when given (an export of one channel only), else the one the
    /// channel's archived posts use, else `t.me/c/` links.
    pub fn import(&self, export: &Path, username: Option<&str>) -> Result<ImportReport, ArchiveError> {
        let export_error = |reason: String| ArchiveError::Export { path: export.to_owned(), reason };
        let mut read = read_export(export)?;
        if username.is_some() && read.channels.len() != 1 {
            return Err(export_error(format!(
                "it holds {} channels; a username names the channel of an export of one",
                read.channels.len()
            )));
        }
        let mut channels = Vec::new();
        for exported in &mut read.channels {
            let name = username.map(str::to_owned).or_else(|| self.username_in(exported.channel.chat_id));
            let channel = Channel::new(exported.channel.chat_id, name.as_deref(), &exported.channel.title);
            for post in &mut exported.posts {
                post.channel = channel.clone();
            }
            let mut saved = self.save(&exported.posts)?;
            saved.skipped += exported.other_messages;
            channels.push((channel, saved));
        }
        Ok(ImportReport { channels, other_chats: read.other_chats })
    }
}

/// What [`ChannelArchive::import`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// Each channel of the export and what was saved of it (`skipped` counts its
    /// service messages and posts without text too).
    pub channels: Vec<(Channel, Saved)>,
    /// Chats of a whole account's export that are not channels, left out.
    pub other_chats: usize,
}

/// The `.jsonl` files of a channel's folder, oldest month first.
fn month_files(folder: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ArchiveError::Read { path: folder.to_owned(), source }),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    Ok(files)
}

fn read_text(path: &Path) -> Result<String, ArchiveError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(ArchiveError::Read { path: path.to_owned(), source }),
    }
}

/// The `id` of an article line; `None` for a line that is not one (a line cut short
/// by a crash, say).
fn line_id(line: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    serde_json::from_str::<IdOnly>(line).ok().map(|l| l.id)
}

/// Holds the channel folder's lock until dropped, so writers take turns.
fn lock_folder(folder: &Path) -> Result<File, ArchiveError> {
    let path = folder.join(LOCK_FILE);
    let write_error = |source| ArchiveError::Write { path: path.clone(), source };
    let file =
        OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(write_error)?;
    file.lock().map_err(write_error)?;
    Ok(file)
}

/// Adds `lines` to the month file `path`: appended when all are new, else the whole
/// file rewritten with the changed lines in place.
fn write_lines(path: &Path, lines: Vec<PostLine>) -> Result<Saved, ArchiveError> {
    let folder = path.parent().expect("a month file is inside its channel's folder");
    fs::create_dir_all(folder).map_err(|source| ArchiveError::Write { path: folder.to_owned(), source })?;
    let _turn = lock_folder(folder)?;
    let existing = read_text(path)?;
    let mut kept: Vec<String> =
        existing.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    let mut at: HashMap<String, usize> =
        kept.iter().enumerate().filter_map(|(n, line)| Some((line_id(line)?, n))).collect();
    let mut saved = Saved::default();
    let mut appended = Vec::new();
    let mut rewrite = false;
    for line in lines {
        match at.get(&line.id) {
            Some(&n) if kept[n] == line.json => saved.unchanged += 1,
            Some(&n) => {
                kept[n] = line.json;
                saved.replaced += 1;
                rewrite = true;
            }
            None => {
                at.insert(line.id, kept.len());
                appended.push(line.json.clone());
                kept.push(line.json);
                saved.added += 1;
            }
        }
    }
    let write_error = |source| ArchiveError::Write { path: path.to_owned(), source };
    if rewrite {
        replace_file(path, &kept).map_err(write_error)?;
    } else if !appended.is_empty() {
        let mut text = String::new();
        // A line cut short by a crash stays one bad line; the next starts afresh.
        if !existing.is_empty() && !existing.ends_with('\n') {
            text.push('\n');
        }
        for line in &appended {
            text.push_str(line);
            text.push('\n');
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(write_error)?;
        file.write_all(text.as_bytes()).and_then(|()| file.sync_data()).map_err(write_error)?;
    }
    Ok(saved)
}

/// Writes `lines` as the new content of `path`: into a hidden file beside it, synced,
/// then renamed over it.
fn replace_file(path: &Path, lines: &[String]) -> io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.tmp"));
    let mut file = File::create(&temporary)?;
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    // The rename itself is durable once the folder is synced.
    File::open(folder)?.sync_all()
}

/// A Telegram Desktop export, as far as importing it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub channels: Vec<ExportedChannel>,
    /// Chats of a whole account's export that are not channels.
    pub other_chats: usize,
}

/// One channel of an export and its posts (without username: exports do not say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedChannel {
    pub channel: Channel,
    pub posts: Vec<ChannelPost>,
    /// Service messages and messages Telegram Desktop could not export.
    pub other_messages: usize,
}

/// Reads a Telegram Desktop JSON export (`result.json`): of one channel (the chat's
/// `name`, `type`, `id` and `messages` at the top level), or of a whole account (a
/// `chats.list` and `left_chats.list` of them), whose channels are taken and other
/// chats counted. An export of one chat that is not a channel is an error.
pub fn read_export(path: &Path) -> Result<Export, ArchiveError> {
    let export_error = |reason: String| ArchiveError::Export { path: path.to_owned(), reason };
    let file = File::open(path).map_err(|source| ArchiveError::Read { path: path.to_owned(), source })?;
    let export: ExportJson = serde_json::from_reader(BufReader::new(file))
        .map_err(|err| export_error(format!("not the JSON Telegram Desktop writes ({err})")))?;
    if export.messages.is_some() {
        let chat =
            ExportChat { name: export.name, kind: export.kind, id: export.id, messages: export.messages };
        return match exported_channel(chat) {
            Ok(channel) => Ok(Export { channels: vec![channel], other_chats: 0 }),
            Err(kind) => Err(export_error(format!(
                "it is the history of a {}, and only channels are imported",
                kind.as_deref().unwrap_or("chat of no type")
            ))),
        };
    }
    let lists = [export.chats, export.left_chats];
    if lists.iter().all(Option::is_none) {
        return Err(export_error(
            "it has neither `messages` (an export of one chat) nor `chats` (of a whole account)".into(),
        ));
    }
    let mut read = Export { channels: Vec::new(), other_chats: 0 };
    for chat in lists.into_iter().flatten().flat_map(|list| list.list) {
        match exported_channel(chat) {
            Ok(channel) => read.channels.push(channel),
            Err(_) => read.other_chats += 1,
        }
    }
    Ok(read)
}

/// The channel of an exported chat, or the chat's type when it is not one.
fn exported_channel(chat: ExportChat) -> Result<ExportedChannel, Option<String>> {
    let kind = chat.kind.as_deref();
    let (true, Some(id)) = (matches!(kind, Some("public_channel" | "private_channel")), chat.id) else {
        return Err(chat.kind);
    };
    let channel = Channel::from_own_id(id, None, chat.name.as_deref().unwrap_or_default());
    let mut exported = ExportedChannel { channel: channel.clone(), posts: Vec::new(), other_messages: 0 };
    for message in chat.messages.unwrap_or_default() {
        let date = message.unix_date();
        match (message.kind.as_str(), date) {
            ("message", Some(date)) => exported.posts.push(ChannelPost {
                channel: channel.clone(),
                message_id: message.id,
                date,
                text: message.text.map(ExportText::plain).unwrap_or_default(),
            }),
            _ => exported.other_messages += 1,
        }
    }
    Ok(exported)
}

/// The top level of `result.json`: one chat, or an account's chat lists. (The
/// chat's fields are repeated rather than flattened in: `flatten` would buffer the
/// whole file.)
#[derive(Deserialize)]
struct ExportJson {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<i64>,
    messages: Option<Vec<ExportMessage>>,
    chats: Option<ChatList>,
    left_chats: Option<ChatList>,
}

#[derive(Deserialize)]
struct ChatList {
    #[serde(default)]
    list: Vec<ExportChat>,
}

#[derive(Deserialize)]
struct ExportChat {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<i64>,
    messages: Option<Vec<ExportMessage>>,
}

#[derive(Deserialize)]
struct ExportMessage {
    id: i64,
    /// `message`, `service` or `unsupported`.
    #[serde(rename = "type", default)]
    kind: String,
    /// Local time of the exporting computer, `2024-01-31T12:00:00`.
    date: Option<String>,
    /// Unix seconds, as a string (exports since 2021).
    date_unixtime: Option<String>,
    text: Option<ExportText>,
}

impl ExportMessage {
    /// When it was posted: `date_unixtime`, else `date` read as UTC.
    fn unix_date(&self) -> Option<i64> {
        if let Some(seconds) = self.date_unixtime.as_deref().and_then(|s| s.trim().parse().ok()) {
            return Some(seconds);
        }
        let civil: jiff::civil::DateTime = self.date.as_deref()?.trim().parse().ok()?;
        Some(civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
    }
}

/// A message's text: a string, or a list of strings and entities (`{"type": "bold",
/// "text": …}`), in order.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExportText {
    Plain(String),
    Parts(Vec<TextPart>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextPart {
    Plain(String),
    Entity {
        text: String,
    },
    /// Anything else Telegram may write one day: no text.
    #[allow(dead_code)]
    Other(serde::de::IgnoredAny),
}

impl ExportText {
    fn plain(self) -> String {
        match self {
            ExportText::Plain(text) => text,
            ExportText::Parts(parts) => parts
                .into_iter()
                .map(|part| match part {
                    TextPart::Plain(text) | TextPart::Entity { text } => text,
                    TextPart::Other(_) => String::new(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel() -> Channel {
        Channel::new(-1_001_234_567_890, Some("newsroom"), "The Newsroom")
    }

    fn post(message_id: i64, text: &str) -> ChannelPost {
        // 2024-01-31 23:30 UTC.
        ChannelPost { channel: channel(), message_id, date: 1_706_743_800, text: text.into() }
    }

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn ids_and_links_follow_telegram() {
        let public = channel();
        assert_eq!(public.own_id(), 1_234_567_890);
        assert_eq!(public.post_url(42), "https://t.me/newsroom/42");
        let private = Channel::new(-1_001_234_567_890, None, "Private");
        assert_eq!(private.post_url(42), "https://t.me/c/1234567890/42");
        assert_eq!(Channel::from_own_id(1_234_567_890, None, "x").chat_id, -1_001_234_567_890);
        assert_eq!(post(42, "x").article_id(), "telegram/1234567890/42");
        // A username that could break out of a link is dropped.
        assert_eq!(Channel::new(-1, Some("a/b\"c"), "t").username, None);
        assert_eq!(Channel::new(-1, Some("@Good_Name"), "t").username.as_deref(), Some("Good_Name"));
    }

    #[test]
    fn titles_are_the_first_line_or_sentence_trimmed() {
        assert_eq!(
            post_title("🔴 Air raid alert in Kyiv\n\nGo to the shelters.").unwrap(),
            "Air raid alert in Kyiv"
        );
        assert_eq!(post_title("Main news of the day:\n1. One").unwrap(), "Main news of the day");
        assert_eq!(post_title("\n\n⚡️\nWho won the vote?").unwrap(), "Who won the vote?");
        let long = "The parliament passed the budget in its second reading on Thursday. It now goes to the president, who is expected to sign it.";
        assert_eq!(
            post_title(long).unwrap(),
            "The parliament passed the budget in its second reading on Thursday"
        );
        let run_on = "word ".repeat(40);
        let title = post_title(&run_on).unwrap();
        assert!(title.ends_with('…') && title.chars().count() <= DERIVED_TITLE_CHARS + 1, "{title}");
        assert_eq!(post_title("📷"), None);
    }

    #[test]
    fn commands_and_posts_without_text_are_not_archived() {
        assert!(is_command("/archive on") && is_command("  /start@newsdesk_bot"));
        assert!(!is_command("/ not a command") && !is_command("1/2 of the budget"));
        assert!(!post(1, "/archive on").is_archived());
        assert!(!post(1, "").is_archived());
        assert!(!post(1, " 🔥 ").is_archived());
        assert!(post(1, "News").is_archived());
    }

    #[test]
    fn posts_are_appended_edits_replace_and_purge_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let archive = ChannelArchive::new(dir.path());
        let saved = archive.save(&[post(1, "First post."), post(2, "Second post."), post(3, "")]).unwrap();
        assert_eq!(saved, Saved { added: 2, replaced: 0, unchanged: 0, skipped: 1 });
        let file = dir.path().join("telegram/1234567890/2024-01.jsonl");
        let written = lines(&file);
        assert_eq!(written.len(), 2);
        assert_eq!(written[0]["id"], "telegram/1234567890/1");
        assert_eq!(written[0]["title"], "First post");
        assert_eq!(written[0]["source"], "The Newsroom");
        assert_eq!(written[0]["date"], "2024-01-31");
        assert_eq!(written[0]["url"], "https://t.me/newsroom/1");
        assert_eq!(written[0]["text"], "First post.");

        // Saving the same again writes nothing; an edit replaces its line in place.
        let before = fs::metadata(&file).unwrap().modified().unwrap();
        assert_eq!(archive.save(&[post(1, "First post.")]).unwrap().unchanged, 1);
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
        let saved = archive.save(&[post(1, "First post, corrected.")]).unwrap();
        assert_eq!((saved.replaced, saved.added), (1, 0));
        let written = lines(&file);
        assert_eq!(written.len(), 2);
        assert_eq!(written[0]["text"], "First post, corrected.");
        assert_eq!(written[1]["text"], "Second post.");
        assert!(!dir.path().join("telegram/1234567890/.2024-01.jsonl.tmp").exists());

        assert_eq!(archive.count(channel().chat_id).unwrap(), 2);
        assert_eq!(archive.username_in(channel().chat_id).as_deref(), Some("newsroom"));
        assert_eq!(archive.purge(channel().chat_id).unwrap(), 2);
        assert!(!dir.path().join("telegram/1234567890").exists());
        assert_eq!(archive.count(channel().chat_id).unwrap(), 0);
        assert_eq!(archive.purge(channel().chat_id).unwrap(), 0);
    }

    #[test]
    fn a_line_cut_short_by_a_crash_does_not_swallow_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let archive = ChannelArchive::new(dir.path());
        let folder = dir.path().join("telegram/1234567890");
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join("2024-01.jsonl"), "{\"id\": \"telegram/1234567890/1\", \"te").unwrap();
        assert_eq!(archive.save(&[post(2, "Second post.")]).unwrap().added, 1);
        let text = fs::read_to_string(folder.join("2024-01.jsonl")).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["text"], "Second post.");
    }

    #[test]
    fn exports_of_one_channel_and_of_an_account_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let single = dir.path().join("result.json");
        fs::write(
            &single,
            r#"{"name": "The Newsroom", "type": "public_channel", "id": 1234567890, "messages": [
                {"id": 1, "type": "service", "date": "2024-01-01T10:00:00", "date_unixtime": "1704103200", "actor": "The Newsroom", "action": "create_channel", "title": "The Newsroom", "text": ""},
                {"id": 2, "type": "message", "date": "2024-01-31T12:00:00", "date_unixtime": "1706702400", "from": "The Newsroom", "from_id": "channel1234567890",
                 "text": ["The ", {"type": "bold", "text": "council"}, " met. See ", {"type": "text_link", "text": "the minutes", "href": "https://example.org"}, "."],
                 "text_entities": [{"type": "plain", "text": "The "}]},
                {"id": 3, "type": "message", "date": "2024-02-01T09:00:00", "text": "Plain text, no unixtime."},
                {"id": 4, "type": "message", "date_unixtime": "1706702500", "photo": "(File not included.)", "text": ""}
            ]}"#,
        )
        .unwrap();
        let export = read_export(&single).unwrap();
        assert_eq!(export.other_chats, 0);
        let [channel] = export.channels.as_slice() else { panic!("{export:?}") };
        assert_eq!(channel.channel, Channel::from_own_id(1_234_567_890, None, "The Newsroom"));
        assert_eq!(channel.other_messages, 1);
        let texts: Vec<&str> = channel.posts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["The council met. See the minutes.", "Plain text, no unixtime.", ""]);
        assert_eq!(channel.posts[0].date, 1_706_702_400);
        assert_eq!(channel.posts[1].date, 1_706_778_000, "2024-02-01T09:00:00 read as UTC");

        let account = dir.path().join("account.json");
        fs::write(
            &account,
            r#"{"about": "…", "personal_information": {"user_id": 1},
                "chats": {"about": "…", "list": [
                    {"name": "Mum", "type": "personal_chat", "id": 5, "messages": [{"id": 1, "type": "message", "date_unixtime": "1706702400", "text": "private"}]},
                    {"name": "Closed", "type": "private_channel", "id": 777, "messages": [{"id": 9, "type": "message", "date_unixtime": "1706702400", "text": "Closed news."}]}
                ]},
                "left_chats": {"about": "…", "list": [
                    {"name": "Old", "type": "public_channel", "id": 888, "messages": []}
                ]}}"#,
        )
        .unwrap();
        let export = read_export(&account).unwrap();
        assert_eq!(export.other_chats, 1);
        let names: Vec<&str> = export.channels.iter().map(|c| c.channel.title.as_str()).collect();
        assert_eq!(names, ["Closed", "Old"]);

        let group = dir.path().join("group.json");
        fs::write(&group, r#"{"name": "Chat", "type": "private_supergroup", "id": 1, "messages": []}"#)
            .unwrap();
        let err = read_export(&group).unwrap_err().to_string();
        assert!(err.contains("private_supergroup") && err.contains("only channels"), "{err}");
        let other = dir.path().join("other.json");
        fs::write(&other, r#"{"hello": 1}"#).unwrap();
        assert!(read_export(&other).unwrap_err().to_string().contains("neither `messages`"));
        fs::write(&other, "not json").unwrap();
        assert!(read_export(&other).unwrap_err().to_string().contains("not the JSON"));
    }

    #[test]
    fn importing_twice_writes_nothing_new_and_keeps_the_bots_links() {
        let dir = tempfile::tempdir().unwrap();
        let archive = ChannelArchive::new(dir.path());
        // The bot archived post 2 already, and knows the channel's username.
        archive
            .save(&[ChannelPost {
                channel: channel(),
                message_id: 2,
                date: 1_706_702_400,
                text: "The council met. See the minutes.".into(),
            }])
            .unwrap();
        let export = dir.path().join("result.json");
        fs::write(
            &export,
            r#"{"name": "The Newsroom", "type": "public_channel", "id": 1234567890, "messages": [
                {"id": 1, "type": "message", "date_unixtime": "1706702300", "text": "An older post."},
                {"id": 2, "type": "message", "date_unixtime": "1706702400", "text": ["The council met. See ", {"type": "text_link", "text": "the minutes", "href": "https://example.org"}, "."]}
            ]}"#,
        )
        .unwrap();
        let report = archive.import(&export, None).unwrap();
        let [(imported, saved)] = report.channels.as_slice() else { panic!("{report:?}") };
        assert_eq!(imported.username.as_deref(), Some("newsroom"));
        assert_eq!((saved.added, saved.unchanged, saved.replaced), (1, 1, 0));
        let again = archive.import(&export, None).unwrap();
        assert_eq!((again.channels[0].1.added, again.channels[0].1.unchanged), (0, 2));
        let written = lines(&dir.path().join("telegram/1234567890/2024-01.jsonl"));
        assert_eq!(written[1]["url"], "https://t.me/newsroom/1");
    }
}
