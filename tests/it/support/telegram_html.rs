//! A checker for Telegram's HTML parse mode, strict where Telegram is: only its tags,
//! properly nested, `href` the only attribute of `<a>`, `expandable` the only one of
//! `<blockquote>`, and no `<` or `&` that is not part of a tag or a known entity.
//! Returns the text Telegram would display, so its length can be measured.

/// Tags Telegram accepts in HTML parse mode.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
];

/// Parses `html` as Telegram does; `Err` says what Telegram would reject.
pub fn parse(html: &str) -> Result<String, String> {
    let mut text = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or_else(|| format!("unclosed tag at {rest:.20?}"))?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let top = open.pop().ok_or_else(|| format!("</{name}> closes nothing"))?;
                    if top != name {
                        return Err(format!("</{name}> closes <{top}>"));
                    }
                    continue;
                }
                let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
                if !TAGS.contains(&name) {
                    return Err(format!("tag <{name}> is not allowed"));
                }
                let attrs = attrs.trim();
                let ok = match name {
                    "a" => {
                        attrs.starts_with("href=\"")
                            && attrs.ends_with('"')
                            && !attrs[6..attrs.len() - 1].contains('"')
                    }
                    "blockquote" => attrs.is_empty() || attrs == "expandable",
                    "span" => attrs == "class=\"tg-spoiler\"",
                    "code" | "pre" => attrs.is_empty() || attrs.starts_with("class=\"language-"),
                    _ => attrs.is_empty(),
                };
                if !ok {
                    return Err(format!("bad attributes on <{name}>: {attrs:?}"));
                }
                if name == "blockquote" && open.iter().any(|t| t == "blockquote") {
                    return Err("nested blockquote".into());
                }
                open.push(name.to_owned());
            }
            '&' => {
                let end =
                    rest.find(';').filter(|&e| e <= 10).ok_or_else(|| format!("bare & at {rest:.20?}"))?;
                let entity = &rest[1..end];
                let decoded = match entity {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    e if e.starts_with('#') => {
                        let n = e[1..].parse::<u32>().map_err(|_| format!("bad entity &{e};"))?;
                        char::from_u32(n).ok_or_else(|| format!("bad entity &{e};"))?
                    }
                    e => return Err(format!("unknown entity &{e};")),
                };
                text.push(decoded);
                rest = &rest[end + 1..];
            }
            '>' => return Err("bare >".into()),
            c => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!("<{tag}> is never closed"));
    }
    Ok(text)
}

/// Asserts that `html` is a message Telegram accepts: valid, and at most 4096 UTF-16
/// units of displayed text (and of raw HTML, which is what newsdesk measures).
pub fn assert_valid_message(html: &str) {
    let text = parse(html).unwrap_or_else(|err| panic!("invalid Telegram HTML ({err}):\n{html}"));
    assert!(!text.trim().is_empty(), "empty message");
    assert!(html.encode_utf16().count() <= 4096, "message of {} UTF-16 units", html.encode_utf16().count());
}

#[test]
fn the_checker_rejects_what_telegram_rejects() {
    assert_eq!(parse("<b>a &amp; b</b> &lt;x&gt;").unwrap(), "a & b <x>");
    for bad in ["<b>x", "<b>x</i>", "<div>x</div>", "a & b", "a < b", "<a href=x>y</a>", "&nbsp;"] {
        assert!(parse(bad).is_err(), "{bad:?} should be rejected");
    }
}
