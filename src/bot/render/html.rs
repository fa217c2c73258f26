//! Telegram HTML as text: escaping, length in UTF-16 units, and packing blocks into
//! messages under [`MESSAGE_LIMIT`] without cutting a tag or an entity.

/// Telegram's limit for one message, in UTF-16 code units after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Escapes text for Telegram HTML: `<`, `>`, `&` and `"` (the last for attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '"' => out.push_str("&quot;"),
        c => out.push(c),
    }
}

pub(super) fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Greedily packs whole blocks into messages, blank-line separated.
pub fn pack(blocks: impl IntoIterator<Item = String>, limit: usize) -> Vec<String> {
    pack_with(blocks, "\n\n", limit)
}

/// Greedily packs whole blocks into messages of at most `limit` UTF-16 units. Callers
/// split long plain text beforehand ([`split_escaped`]); a tagged block that is still
/// too long (only possible with pathological urls) is sent as its plain text.
pub(super) fn pack_with(
    blocks: impl IntoIterator<Item = String>,
    separator: &str,
    limit: usize,
) -> Vec<String> {
    let mut messages = Vec::new();
    let mut current = String::new();
    for block in blocks {
        if utf16_len(&block) > limit {
            if !current.is_empty() {
                messages.push(std::mem::take(&mut current));
            }
            messages.extend(split_escaped(&unescape(&strip_tags(&block)), limit));
            continue;
        }
        if !current.is_empty() && utf16_len(&current) + utf16_len(separator) + utf16_len(&block) > limit {
            messages.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str(separator);
        }
        current.push_str(&block);
    }
    if !current.is_empty() {
        messages.push(current);
    }
    messages
}

/// The text of our own HTML without its tags (tags never contain `<` or `>` inside).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Inverse of [`escape`] for text without tags.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Escapes plain `text` into pieces of at most `limit` UTF-16 units each, cutting at
/// the last whitespace when there is one in the second half of a piece, and never
/// inside an entity or a surrogate pair.
pub fn split_escaped(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut units = 0;
    // Byte length in `current` and unit count at the last whitespace.
    let mut last_space: Option<(usize, usize)> = None;
    for c in text.chars() {
        let mut escaped = String::new();
        push_escaped(&mut escaped, c);
        let n = utf16_len(&escaped);
        if units + n > limit {
            match last_space.filter(|&(_, u)| u > limit / 2) {
                Some((byte, u)) => {
                    let rest = current.split_off(byte);
                    pieces.push(std::mem::take(&mut current));
                    current = rest;
                    units -= u;
                }
                None => {
                    pieces.push(std::mem::take(&mut current));
                    units = 0;
                }
            }
            last_space = None;
        }
        current.push_str(&escaped);
        units += n;
        if c.is_whitespace() {
            last_space = Some((current.len(), units));
        }
    }
    if !current.trim().is_empty() {
        pieces.push(current);
    }
    pieces.retain(|p| !p.trim().is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_splits_between_entities() {
        let text = "a&b ".repeat(3000);
        let pieces = split_escaped(&text, 100);
        for piece in &pieces {
            assert!(utf16_len(piece) <= 100);
            assert!(!piece.ends_with('&') && !piece.contains("&a ") && !piece.ends_with("&am"));
        }
        let joined: String = pieces.concat();
        assert_eq!(unescape(&joined).split_whitespace().count(), 3000);
    }
}
