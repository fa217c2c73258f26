//! Which feeds to poll: the `NEWSDESK_FEEDS` file (URLs one per line, or OPML) and
//! the feeds admins added, each named by a slug for its corpus folder.

use std::path::Path;

/// A feed to poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedSpec {
    pub url: url::Url,
    /// Where it is listed.
    pub origin: Origin,
}

/// Where a feed is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The `NEWSDESK_FEEDS` file.
    File,
    /// Added by an admin with `/addfeed`.
    Added,
}

impl FeedSpec {
    /// The folder below `<corpus>/feeds/` its items are written to.
    pub fn slug(&self) -> String {
        slug(&self.url)
    }
}

/// What reading a feed list gave: the feeds, and the lines that are not feed URLs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedList {
    pub feeds: Vec<url::Url>,
    pub problems: Vec<String>,
}

/// Reads a feed list: an OPML file (by its `.opml` extension, or when it starts like
/// XML), else URLs one per line with `#` comments. Duplicates are listed once.
pub fn read_feed_list(path: &Path) -> std::io::Result<FeedList> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let opml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("opml"))
        || text.trim_start_matches('\u{feff}').trim_start().starts_with('<');
    Ok(if opml { parse_opml(&text) } else { parse_lines(&text) })
}

/// URLs one per line; `#` starts a comment (at a line's start or after a space).
pub fn parse_lines(text: &str) -> FeedList {
    let mut list = FeedList::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let line = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(i) => line[..i].trim_end(),
            None => line,
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match feed_url(line) {
            Ok(url) => push_unique(&mut list.feeds, url),
            Err(reason) => list.problems.push(format!("line {}: {reason}", n + 1)),
        }
    }
    list
}

/// The `xmlUrl` of every `<outline>` of an OPML file, nested folders included.
pub fn parse_opml(text: &str) -> FeedList {
    let mut list = FeedList::default();
    let document = dom_query::Document::from(text);
    for outline in document.select("outline").iter() {
        let Some(raw) = outline.attr("xmlUrl").or_else(|| outline.attr("xmlurl")) else { continue };
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match feed_url(raw) {
            Ok(url) => push_unique(&mut list.feeds, url),
            Err(reason) => list.problems.push(reason),
        }
    }
    list
}

fn push_unique(feeds: &mut Vec<url::Url>, url: url::Url) {
    if !feeds.contains(&url) {
        feeds.push(url);
    }
}

/// `raw` as a feed URL: absolute, http or https, no longer than 2,000 bytes.
pub fn feed_url(raw: &str) -> Result<url::Url, String> {
    let shown = crate::ingest::escaped(raw);
    if raw.len() > 2000 {
        return Err("a URL longer than 2,000 characters".into());
    }
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(_) => Err(format!("{shown} is not an http(s) URL")),
        Err(_) => Err(format!("{shown} is not a URL")),
    }
}

/// A folder name for the feed at `url`: its host and path in lower-case letters,
/// digits and dashes (at most 60 characters), then a short hash of the whole URL, so
/// that two feeds never share a folder and a feed always gets the same one.
pub fn slug(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("feed").trim_start_matches("www.");
    let mut words = String::new();
    for c in format!("{host}{}", url.path()).chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            words.push(c);
        } else if !words.ends_with('-') {
            words.push('-');
        }
    }
    let mut words: String = words.trim_matches('-').chars().take(60).collect();
    while words.ends_with('-') {
        words.pop();
    }
    let hash = blake3::hash(url.as_str().as_bytes()).to_hex();
    format!("{words}-{}", &hash[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_lists_skip_comments_and_report_bad_lines() {
        let list = parse_lines(
            "# news\nhttps://example.org/rss  # the main one\n\n  http://example.net/atom.xml\nftp://x/y\nhttps://example.org/rss\n",
        );
        let urls: Vec<&str> = list.feeds.iter().map(url::Url::as_str).collect();
        assert_eq!(urls, ["https://example.org/rss", "http://example.net/atom.xml"]);
        assert_eq!(list.problems, ["line 5: ftp://x/y is not an http(s) URL"]);
    }

    #[test]
    fn opml_outlines_are_read_nested_or_not() {
        let list = parse_opml(
            r#"<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head><body>
            <outline text="News"><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></outline>
            <outline type="rss" text="B" xmlUrl="http://b.example/rss.xml" htmlUrl="http://b.example/"/>
            <outline text="no feed"/></body></opml>"#,
        );
        let urls: Vec<&str> = list.feeds.iter().map(url::Url::as_str).collect();
        assert_eq!(urls, ["https://a.example/feed", "http://b.example/rss.xml"]);
    }

    #[test]
    fn a_list_file_is_opml_by_its_extension_or_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let opml = dir.path().join("subscriptions.opml");
        std::fs::write(&opml, r#"<opml><body><outline xmlUrl="https://a.example/rss"/></body></opml>"#)
            .unwrap();
        assert_eq!(read_feed_list(&opml).unwrap().feeds.len(), 1);
        let plain = dir.path().join("feeds.txt");
        std::fs::write(&plain, "https://a.example/rss\nhttps://b.example/atom\n").unwrap();
        assert_eq!(read_feed_list(&plain).unwrap().feeds.len(), 2);
        assert!(read_feed_list(&dir.path().join("missing.txt")).is_err());
    }

    #[test]
    fn slugs_are_readable_stable_and_distinct() {
        let a = slug(&"https://www.Example.org/news/feed.xml".parse().unwrap());
        assert!(a.starts_with("example-org-news-feed-xml-"), "{a}");
        assert_eq!(a, slug(&"https://www.Example.org/news/feed.xml".parse().unwrap()));
        assert_ne!(a, slug(&"https://www.example.org/news/feed.xml?lang=uk".parse().unwrap()));
        let long = slug(&format!("https://example.org/{}", "x".repeat(300)).parse().unwrap());
        assert!(long.len() <= 69, "{long}");
    }
}
