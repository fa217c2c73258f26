//! Bytes of a feed to its items: the charset decoded (BOM, then the HTTP header,
//! then the XML declaration, else UTF-8), every dialect parsed by `feed-rs`.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A parsed feed.
#[derive(Clone, Debug, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The site's address (the feed's `link`), for naming the outlet.
    pub site: Option<String>,
    /// Primary language subtag ("uk" for "uk-UA").
    pub language: Option<String>,
    pub items: Vec<Item>,
}

/// One item, as the feed has it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item {
    /// Its identity: the guid / Atom id / JSON id, else the link, else a hash of the
    /// title and date.
    pub key: String,
    pub title: Option<String>,
    pub link: Option<url::Url>,
    /// Unix seconds.
    pub published: Option<i64>,
    pub updated: Option<i64>,
    /// `content:encoded`, Atom `content`, JSON `content_html`/`content_text` (HTML or text).
    pub content: Option<String>,
    /// RSS `description`, Atom `summary`, JSON `summary`.
    pub summary: Option<String>,
    pub language: Option<String>,
}

/// Decodes and parses a feed; the error is one line saying what is wrong with it.
pub fn parse_feed(bytes: &[u8], content_type: Option<&str>, base: &url::Url) -> Result<ParsedFeed, String> {
    let text = decode(bytes, content_type);
    let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
    let source: Cow<'_, str> = match first {
        Some('<') => Cow::Owned(declare_utf8(&text)),
        Some('{') => Cow::Borrowed(&text),
        _ => return Err("not a feed: neither XML nor JSON".into()),
    };
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // Missing ids are made here (link, else title and date), not randomly.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(source.trim_start_matches('\u{feff}').as_bytes()).map_err(|err| {
        let mut line = format!("not a valid feed: {err}");
        line.truncate(300);
        line
    })?;
    let language = feed.language.as_deref().and_then(primary_language);
    let site = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.trim().to_owned())
        .filter(|h| !h.is_empty());
    let title = feed.title.as_ref().map(|t| plain(&t.content)).filter(|t| !t.is_empty());
    let items = feed
        .entries
        .into_iter()
        .map(|entry| {
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .and_then(|l| base.join(l.href.trim()).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            let title = entry.title.as_ref().map(|t| plain(&t.content)).filter(|t| !t.is_empty());
            let published = entry.published.map(|d| d.timestamp());
            let updated = entry.updated.map(|d| d.timestamp());
            let key = match entry.id.trim() {
                "" => match &link {
                    Some(link) => link.to_string(),
                    None => {
                        let seed = format!("{}\n{:?}", title.as_deref().unwrap_or(""), published.or(updated));
                        format!("hash:{}", &blake3::hash(seed.as_bytes()).to_hex()[..32])
                    }
                },
                id => id.to_owned(),
            };
            Item {
                key,
                title,
                link,
                published,
                updated,
                content: entry.content.and_then(|c| c.body).filter(|b| !b.trim().is_empty()),
                summary: entry.summary.map(|s| s.content).filter(|s| !s.trim().is_empty()),
                language: entry.language.as_deref().and_then(primary_language),
            }
        })
        .collect();
    Ok(ParsedFeed { title, site, language, items })
}

/// "uk" for "uk-UA", "en" for "en_us"; `None` for nonsense.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
}

/// A title's text: tags and entities out, whitespace collapsed.
fn plain(text: &str) -> String {
    let text = if text.contains('<') || text.contains('&') {
        super::text::html_to_paragraphs(text).join(" ")
    } else {
        text.to_owned()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a feed: decoded by its byte-order mark, else by the charset the HTTP
/// header names, else by the one its XML declaration names, else as UTF-8. A charset
/// that does not decode cleanly gives way to the next one that does.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    let header = content_type.and_then(charset_of).and_then(|c| Encoding::for_label(c.as_bytes()));
    let declared = declared_encoding(bytes).and_then(|c| Encoding::for_label(c.as_bytes()));
    let candidates: Vec<&'static Encoding> =
        [header, declared, Some(encoding_rs::UTF_8)].into_iter().flatten().collect();
    for encoding in &candidates {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors {
            return text.into_owned();
        }
    }
    candidates[0].decode_without_bom_handling(bytes).0.into_owned()
}

/// The `charset` parameter of a Content-Type.
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The `encoding` of an XML declaration at the start of `bytes`.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(400)];
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// The XML text with its declaration saying UTF-8, which it now is.
fn declare_utf8(text: &str) -> String {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(rest) = trimmed.strip_prefix("<?xml")
        && let Some(end) = rest.find("?>")
    {
        return format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", &rest[end + 2..]);
    }
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        "https://example.org/feed".parse().unwrap()
    }

    #[test]
    fn charsets_follow_the_bom_the_header_and_the_declaration() {
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("Новини");
        let xml =
            [b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>".as_slice(), &cp1251, b"</t>"].concat();
        assert!(decode(&xml, Some("application/rss+xml")).contains("Новини"));
        assert!(decode(&xml, None).contains("Новини"));
        let (koi8, _, _) = encoding_rs::KOI8_U.encode("Київ");
        assert_eq!(decode(&koi8, Some("text/xml; charset=\"KOI8-U\"")), "Київ");
        // A header that is wrong about UTF-8 gives way to the declaration.
        assert!(decode(&xml, Some("text/xml; charset=utf-8")).contains("Новини"));
        let bom = [b"\xef\xbb\xbf".as_slice(), "Львів".as_bytes()].concat();
        assert_eq!(decode(&bom, Some("text/xml; charset=windows-1251")), "Львів");
    }

    #[test]
    fn items_get_stable_keys() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp; Co</title><link>https://example.org/</link><language>uk-UA</language>
            <item><guid>g-1</guid><title>One</title><link>/a/1</link><description>d</description></item>
            <item><title>Two</title><link>https://example.org/a/2</link></item>
            <item><title>Three</title><pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate></item>
            </channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), None, &base()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("T & Co"));
        assert_eq!(feed.language.as_deref(), Some("uk"));
        let keys: Vec<&str> = feed.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys[..2], ["g-1", "https://example.org/a/2"]);
        assert!(keys[2].starts_with("hash:"));
        let again = parse_feed(rss.as_bytes(), None, &base()).unwrap();
        assert_eq!(again.items[2].key, feed.items[2].key, "the same every time");
        assert_eq!(feed.items[0].link.as_ref().unwrap().as_str(), "https://example.org/a/1");
        assert_eq!(feed.items[2].published, Some(1_773_136_800));
    }

    #[test]
    fn broken_xml_is_one_clear_line() {
        let err =
            parse_feed(b"<rss version=\"2.0\"><channel><item><title>x</titl", None, &base()).unwrap_err();
        assert!(err.starts_with("not a valid feed"), "{err}");
        assert!(!err.contains('\n'));
        let err = parse_feed(b"Hello", None, &base()).unwrap_err();
        assert_eq!(err, "not a feed: neither XML nor JSON");
    }
}
