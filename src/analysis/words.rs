//! Finding the words of a text: letters and digits with inner joiners, and dotted
//! acronyms joined.

/// Byte ranges of raw words: runs of letters and digits, with apostrophes inside a
/// word, and `.`/`,` between digits, kept as part of it.
pub(super) fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let char_at = |i: usize| text[i..].chars().next();
    let mut pos = 0;
    std::iter::from_fn(move || {
        // Skip to the start of the next word; ASCII spaces and punctuation byte by byte.
        let start = loop {
            while pos < bytes.len() && bytes[pos].is_ascii() && !ASCII_ALNUM[usize::from(bytes[pos])] {
                pos += 1;
            }
            if pos < bytes.len() && ASCII_ALNUM[usize::from(bytes[pos])] {
                break pos;
            }
            let c = char_at(pos)?;
            if is_word_char(c) {
                break pos;
            }
            pos += c.len_utf8();
        };
        // The word's first character is a word character, so `prev` is set before
        // it is read.
        let mut prev = ' ';
        loop {
            // ASCII letters and digits, the bulk of most text, byte by byte.
            let from = pos;
            while pos < bytes.len() && ASCII_ALNUM[usize::from(bytes[pos])] {
                pos += 1;
            }
            if pos > from {
                prev = char::from(bytes[pos - 1]);
            }
            // Any other ASCII byte ends the word, but for the glue below: a `.` or
            // `,` glues digits only.
            let Some(&b) = bytes.get(pos) else { break };
            if b.is_ascii() && !matches!(b, b'\'' | b'`' | b'.' | b',')
                || matches!(b, b'.' | b',') && !prev.is_ascii_digit()
            {
                break;
            }
            let Some(c) = char_at(pos) else { break };
            if is_word_char(c) || is_joiner(c) {
                pos += c.len_utf8();
                prev = c;
                continue;
            }
            let glue =
                is_apostrophe(c) && prev.is_alphabetic() || matches!(c, '.' | ',') && prev.is_ascii_digit();
            if glue {
                let after = char_at(pos + c.len_utf8());
                let continues = match after {
                    Some(n) if is_apostrophe(c) => n.is_alphabetic(),
                    Some(n) => n.is_ascii_digit(),
                    None => false,
                };
                if continues {
                    pos += c.len_utf8();
                    prev = c;
                    continue;
                }
            }
            break;
        }
        Some((start, pos))
    })
}

/// Which bytes are ASCII letters and digits, looked up rather than compared.
const ASCII_ALNUM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// A letter or digit; the common Latin and Cyrillic letters without a table look-up.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, 'А'..='я' | 'і' | 'ї' | 'є' | 'ґ')
        || !c.is_ascii() && c.is_alphanumeric()
}

/// Combining marks and zero-width joiners stay inside the word they decorate.
pub(super) fn is_joiner(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}')
}

pub(super) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '′')
}

/// Joins "U", "S" of "U.S." into one word, so the acronym is findable as "us".
pub(super) fn join_dotted_acronyms(text: &str, words: &mut Vec<(usize, usize)>) {
    // Most texts have no letter standing alone before a full stop (the word
    // before it would be longer): nothing to join, and no word to look at.
    let lone_letter_before = |dot: usize| {
        let mut before = text[..dot].chars().rev();
        before.next().is_some_and(char::is_alphabetic) && !before.next().is_some_and(char::is_alphanumeric)
    };
    if !memchr::memchr_iter(b'.', text.as_bytes()).any(lone_letter_before) {
        return;
    }
    let single_letter = |&(s, e): &(usize, usize)| {
        e - s <= 4 && {
            let mut it = text[s..e].chars();
            matches!((it.next(), it.next()), (Some(c), None) if c.is_alphabetic())
        }
    };
    // Joined in place: `kept` words are done, the rest are still to look at.
    let mut kept = 0;
    let mut run_open = false;
    for i in 0..words.len() {
        let w = words[i];
        if run_open && &text[words[kept - 1].1..w.0] == "." && single_letter(&w) {
            words[kept - 1].1 = w.1;
            continue;
        }
        run_open = text.as_bytes().get(w.1) == Some(&b'.') && single_letter(&w);
        words[kept] = w;
        kept += 1;
    }
    words.truncate(kept);
}
