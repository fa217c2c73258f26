//! Explicit filters: `since:`, `until:`, `on:`, `source:`, `-source:`, `lang:`.
//!
//! A filter is one whitespace-separated chunk, `key:value`, the key in any case; an
//! outlet with spaces in its name is quoted (`source:"BBC News"`) or written with
//! underscores (`source:BBC_News`). A chunk whose key is unknown, or whose value
//! does not read (`since:soon`, `lang:de`), stays in the question as words.

use jiff::civil::Date;

use super::Filters;

/// Takes the explicit filters out of `question`: the text without them (each
/// replaced by a space), and the filters.
pub(super) fn extract(question: &str) -> (String, Filters) {
    let mut filters = Filters::default();
    // Most questions have no filter: nothing to take out.
    if !question.contains(':') {
        return (question.to_owned(), filters);
    }
    let mut rest = String::with_capacity(question.len());
    let mut at = 0;
    let bytes = question.as_bytes();
    while at < question.len() {
        // Copy whitespace through.
        let c = question[at..].chars().next().expect("at a character boundary");
        if c.is_whitespace() {
            rest.push(c);
            at += c.len_utf8();
            continue;
        }
        let chunk_end = end_of_chunk(question, at);
        let chunk = &question[at..chunk_end];
        match read_filter(question, at, chunk_end) {
            Some((end, filter)) => {
                apply(&mut filters, filter);
                rest.push(' ');
                at = end;
            }
            None => {
                rest.push_str(chunk);
                at = chunk_end;
            }
        }
        debug_assert!(at <= bytes.len());
    }
    (rest, filters)
}

fn end_of_chunk(text: &str, from: usize) -> usize {
    text[from..].find(char::is_whitespace).map_or(text.len(), |i| from + i)
}

enum Filter {
    Since(Date),
    Until(Date),
    On(Date, Date),
    Source(String),
    NotSource(String),
    Lang(&'static str),
}

/// The filter starting at `at` (whose whitespace-separated chunk ends at
/// `chunk_end`) and where it ends, or `None` when the chunk is not one.
fn read_filter(text: &str, at: usize, chunk_end: usize) -> Option<(usize, Filter)> {
    let chunk = &text[at..chunk_end];
    let (key, value) = chunk.split_once(':')?;
    let key = key.to_lowercase();
    let value_at = at + key.len() + 1;
    match key.as_str() {
        "source" | "-source" => {
            let (name, end) = outlet_value(text, value_at, chunk_end)?;
            let filter = if key.starts_with('-') { Filter::NotSource(name) } else { Filter::Source(name) };
            Some((end, filter))
        }
        "since" => Some((chunk_end, Filter::Since(date_value(value)?.0))),
        "until" => Some((chunk_end, Filter::Until(date_value(value)?.1))),
        "on" => {
            let (first, last) = date_value(value)?;
            Some((chunk_end, Filter::On(first, last)))
        }
        "lang" => {
            let lang = match trim_punctuation(value).to_lowercase().as_str() {
                "uk" | "ua" | "ukr" => "uk",
                "en" | "eng" => "en",
                "ru" | "rus" => "ru",
                _ => return None,
            };
            Some((chunk_end, Filter::Lang(lang)))
        }
        _ => None,
    }
}

fn apply(filters: &mut Filters, filter: Filter) {
    match filter {
        Filter::Since(date) => filters.narrow(Some(date), None),
        Filter::Until(date) => filters.narrow(None, Some(date)),
        Filter::On(first, last) => filters.narrow(Some(first), Some(last)),
        Filter::Source(name) => {
            if !filters.sources.contains(&name) {
                filters.sources.push(name);
            }
        }
        Filter::NotSource(name) => {
            if !filters.not_sources.contains(&name) {
                filters.not_sources.push(name);
            }
        }
        Filter::Lang(lang) => filters.lang = Some(lang.to_owned()),
    }
}

/// Question marks and the like typed after a filter (`source:UNN?`).
fn trim_punctuation(value: &str) -> &str {
    value.trim_end_matches(['?', '!', '.', ',', ';', ')', '»', '"', '\'', '”'])
}

/// An outlet name: up to the end of the chunk, or a quoted name that may hold
/// spaces. Underscores read as spaces.
fn outlet_value(text: &str, from: usize, chunk_end: usize) -> Option<(String, usize)> {
    let rest = &text[from..];
    let quote = rest.chars().next()?;
    let closing = match quote {
        '"' => Some('"'),
        '\'' => Some('\''),
        '«' => Some('»'),
        '“' => Some('”'),
        _ => None,
    };
    let (name, end) = match closing {
        Some(closing) => {
            let inner = from + quote.len_utf8();
            let close = text[inner..].find(closing)?;
            // Punctuation typed right after the closing quote goes with it.
            let end = end_of_chunk(text, inner + close + closing.len_utf8());
            (&text[inner..inner + close], end)
        }
        None => (trim_punctuation(&text[from..chunk_end]), chunk_end),
    };
    let name = name.replace('_', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some((name, end))
}

/// `YYYY-MM-DD` (that day), `YYYY-MM` (that month) or `YYYY` (that year), as its
/// first and last day.
pub(super) fn date_value(value: &str) -> Option<(Date, Date)> {
    let value = trim_punctuation(value);
    let parts: Vec<&str> = value.split('-').collect();
    let number = |s: &str, len: usize| -> Option<i16> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    match parts.as_slice() {
        [y] => {
            let year = number(y, 4)?;
            Some((Date::new(year, 1, 1).ok()?, Date::new(year, 12, 31).ok()?))
        }
        [y, m] => {
            let first = Date::new(number(y, 4)?, i8::try_from(number(m, 2)?).ok()?, 1).ok()?;
            Some((first, first.last_of_month()))
        }
        [y, m, d] => {
            let day = Date::new(
                number(y, 4)?,
                i8::try_from(number(m, 2)?).ok()?,
                i8::try_from(number(d, 2)?).ok()?,
            )
            .ok()?;
            Some((day, day))
        }
        _ => None,
    }
}
