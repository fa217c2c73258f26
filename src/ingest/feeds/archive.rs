//! The feeds' part of the corpus: `<corpus>/feeds/<feed>/<YYYY-MM>.jsonl`, one
//! article per line in the format the corpus reader takes, plus what dedupe needs
//! (the item's key and a hash of it as the feed had it). [`Known`] is what those
//! files hold: keys, URLs and text hashes, and where each key's line is.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The folder below the corpus that feeds write to.
pub const FEEDS_DIR: &str = "feeds";

/// One line of a feed's month file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedLine {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The feed it came from.
    pub feed: String,
    /// The item's identity in its feed (guid, else link, else a hash).
    pub key: String,
    /// A hash of the item as the feed had it: a new one means the item was edited.
    pub item_hash: String,
    /// When it was fetched (RFC 3339).
    pub fetched: String,
}

/// A line as read back: only what dedupe needs, and lenient, since people may
/// write lines of their own into these files.
#[derive(Deserialize)]
struct Stored {
    id: Option<serde_json::Value>,
    title: Option<String>,
    key: Option<String>,
    url: Option<String>,
    text: Option<String>,
    item_hash: Option<String>,
}

/// Where a known item's line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub file: PathBuf,
    pub id: String,
    pub item_hash: String,
    /// [`text_key`] and title of the line as written, to tell an edit of the text
    /// from a change only in what the feed carries around it.
    pub text: Option<u64>,
    pub title: Option<String>,
}

/// What the feeds' files already hold.
#[derive(Debug, Default)]
pub struct Known {
    items: HashMap<u64, Entry>,
    urls: HashSet<u64>,
    texts: HashSet<u64>,
}

/// A short stable hash.
pub fn hash64(text: &str) -> u64 {
    u64::from_le_bytes(blake3::hash(text.as_bytes()).as_bytes()[..8].try_into().expect("8 bytes"))
}

/// A URL as dedupe compares it: no fragment, no `utm_*` tracking parameters.
pub fn url_key(url: &str) -> u64 {
    let Ok(mut url) = url::Url::parse(url.trim()) else { return hash64(url.trim()) };
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    hash64(url.as_str())
}

/// A text as dedupe compares it: its words, lower-cased.
pub fn text_key(text: &str) -> Option<u64> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| hash64(&words.join(" ")))
}

impl Known {
    /// Reads every `.jsonl` file below `<corpus>/feeds`; unreadable lines are left
    /// to the corpus reader to report.
    pub fn load(corpus: &Path) -> Known {
        let mut known = Known::default();
        let dir = corpus.join(FEEDS_DIR);
        let Ok(files) = crate::ingest::article_files(&dir) else { return known };
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(stored) = serde_json::from_str::<Stored>(line) else { continue };
                let id = match stored.id {
                    Some(serde_json::Value::String(s)) => s,
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    _ => continue,
                };
                let key = stored.key.unwrap_or_else(|| id.clone());
                known.items.insert(
                    hash64(&key),
                    Entry {
                        file: file.clone(),
                        id,
                        item_hash: stored.item_hash.unwrap_or_default(),
                        text: stored.text.as_deref().and_then(text_key),
                        title: stored.title,
                    },
                );
                if let Some(url) = &stored.url {
                    known.urls.insert(url_key(url));
                }
                if let Some(text) = stored.text.as_deref().and_then(text_key) {
                    known.texts.insert(text);
                }
            }
        }
        known
    }

    pub fn item(&self, key: &str) -> Option<&Entry> {
        self.items.get(&hash64(key))
    }

    pub fn has_url(&self, url: &str) -> bool {
        self.urls.contains(&url_key(url))
    }

    pub fn has_text(&self, text: &str) -> bool {
        text_key(text).is_some_and(|k| self.texts.contains(&k))
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Records a line written to `file`.
    pub fn insert(&mut self, file: &Path, line: &FeedLine) {
        self.items.insert(
            hash64(&line.key),
            Entry {
                file: file.to_owned(),
                id: line.id.clone(),
                item_hash: line.item_hash.clone(),
                text: text_key(&line.text),
                title: line.title.clone(),
            },
        );
        if let Some(url) = &line.url {
            self.urls.insert(url_key(url));
        }
        if let Some(text) = text_key(&line.text) {
            self.texts.insert(text);
        }
    }

    /// Holds `key` and `url` while an item is being fetched, so that a feed polled
    /// at the same time does not write it too.
    pub fn reserve(&mut self, key: &str, url: Option<&str>) {
        self.items.entry(hash64(key)).or_insert_with(|| Entry {
            file: PathBuf::new(),
            id: String::new(),
            item_hash: String::new(),
            text: None,
            title: None,
        });
        if let Some(url) = url {
            self.urls.insert(url_key(url));
        }
    }

    /// Remembers that the item `key` now has `item_hash` in its feed, though its
    /// line did not change (the feed changed only what is around its text).
    pub fn rehash(&mut self, key: &str, item_hash: &str) {
        if let Some(entry) = self.items.get_mut(&hash64(key)) {
            entry.item_hash = item_hash.to_owned();
        }
    }

    /// Lets go of a reservation that was not written.
    pub fn release(&mut self, key: &str) {
        let k = hash64(key);
        if self.items.get(&k).is_some_and(|e| e.id.is_empty()) {
            self.items.remove(&k);
        }
    }
}

/// Appends `lines` to `file` in one write (creating its folder).
pub fn append(file: &Path, lines: &[FeedLine]) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut buffer = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut buffer, line)?;
        buffer.push(b'\n');
    }
    let mut out = std::fs::OpenOptions::new().create(true).append(true).open(file)?;
    // A file that does not end in a line break (edited by hand) gets one first.
    if out.metadata()?.len() > 0 {
        use std::io::{Read, Seek, SeekFrom};
        let mut last = [0u8; 1];
        let mut reader = std::fs::File::open(file)?;
        reader.seek(SeekFrom::End(-1))?;
        reader.read_exact(&mut last)?;
        if last[0] != b'\n' {
            buffer.insert(0, b'\n');
        }
    }
    out.write_all(&buffer)?;
    out.sync_data()
}

/// Replaces the lines of `file` whose `id` is a key of `lines` (written to a hidden
/// file beside it, then renamed over it, so a reader never sees half of it).
/// Returns how many lines were replaced.
pub fn replace(file: &Path, lines: &HashMap<String, FeedLine>) -> std::io::Result<usize> {
    let text = std::fs::read_to_string(file)?;
    let mut out = String::with_capacity(text.len());
    let mut replaced = 0;
    for line in text.lines() {
        let id = serde_json::from_str::<Stored>(line).ok().and_then(|s| match s.id {
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        });
        match id.and_then(|id| lines.get(&id)) {
            Some(new) => {
                out.push_str(&serde_json::to_string(new)?);
                replaced += 1;
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = file.with_file_name(format!(".{name}.tmp"));
    {
        let mut tmp = std::fs::File::create(&temporary)?;
        tmp.write_all(out.as_bytes())?;
        tmp.sync_data()?;
    }
    std::fs::rename(&temporary, file)?;
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, key: &str, text: &str) -> FeedLine {
        FeedLine {
            id: id.into(),
            text: text.into(),
            url: Some(format!("https://example.org/{id}?utm_source=rss#top")),
            feed: "https://example.org/rss".into(),
            key: key.into(),
            item_hash: "h1".into(),
            ..FeedLine::default()
        }
    }

    #[test]
    fn lines_are_appended_replaced_and_known_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FEEDS_DIR).join("example").join("2026-03.jsonl");
        append(&file, &[line("a", "k-a", "Alpha text."), line("b", "k-b", "Beta text.")]).unwrap();
        let known = Known::load(dir.path());
        assert_eq!(known.len(), 2);
        assert_eq!(known.item("k-a").unwrap().file, file);
        assert!(known.has_url("https://example.org/a"), "tracking and fragment ignored");
        assert!(known.has_text("alpha   TEXT"));
        let mut edited = line("a", "k-a", "Alpha text, edited.");
        edited.item_hash = "h2".into();
        let replaced = replace(&file, &HashMap::from([("a".to_owned(), edited)])).unwrap();
        assert_eq!(replaced, 1);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().next().unwrap().contains("edited"));
        assert_eq!(Known::load(dir.path()).item("k-a").unwrap().item_hash, "h2");
        // The corpus reader takes the lines as articles.
        let contents = crate::ingest::read_file(&file);
        assert_eq!(contents.articles.len(), 2, "{:?}", contents.skipped);
    }
}
