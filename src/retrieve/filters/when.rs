//! Time in plain words, in English, Ukrainian and Russian, and asking for the newest.
//!
//! The question is split into tokens (words, numbers, `2026-02-03`, `03.02.2026`,
//! `1-15`), and at each token the longest phrase that reads as a time is taken:
//!
//! - a time expression: a day ("March 3", "3 березня 2026", "3 февраля"), a month
//!   ("February 2025", "лютий 2025"), a year ("2016 року"), or a relative one
//!   ("today", "last week", "минулого місяця", "в прошлом году", "the past 3 days");
//! - with what comes before it: "in"/"у"/"в"/"за"/"на" (that span), "since"/"з"/"с"/
//!   "від" (from its first day), "after"/"після"/"после", "until"/"до"/"по", "before",
//!   "between … and …"/"між … і …"/"между … и …", "from … to …"/"з … по …"/"с … по …".
//!
//! A month or a year alone needs such a word before it ("in May", not "may"; "у
//! 2016", not "2016"), since both are words too; the Ukrainian and Russian locative
//! ("у лютому", "в феврале") reads as a month with or without it. A month without a
//! year is its most recent one: "in February" asked in January is last year's. A
//! day without a year likewise. Weeks start on Monday.
//!
//! Anything that does not read as a whole phrase stays a word: "March" in "the march
//! on Kyiv", "May" in "May I ask", "2016" in "Euro 2016".

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// A window's first and last day, both included; an open end is `None`.
pub(super) type Window = (Option<Date>, Option<Date>);

/// The windows found in a text, each with the byte range of its words, and the
/// words that ask for the newest first.
pub(super) struct Found {
    pub(super) windows: Vec<((usize, usize), Window)>,
    pub(super) newest: Vec<(usize, usize)>,
}

pub(super) fn extract(text: &str, today: Date) -> Found {
    let mut lower = String::with_capacity(text.len() + 8);
    let tokens = tokenize(text, &mut lower);
    let reader = Reader { t: &tokens, lower: &lower, today };
    let mut found = Found { windows: Vec::new(), newest: Vec::new() };
    let mut i = 0;
    while i < tokens.len() {
        if !tokens[i].trigger {
            i += 1;
            continue;
        }
        if let Some((n, window)) = reader.window(i) {
            found.windows.push(((tokens[i].start, tokens[i + n - 1].end), window));
            i += n;
            continue;
        }
        if let Some(n) = reader.newest(i) {
            found.newest.push((tokens[i].start, tokens[i + n - 1].end));
            i += n;
            continue;
        }
        i += 1;
    }
    found
}

/// `text` without the byte ranges `spans` (sorted, apart), spaces squeezed.
pub(super) fn without(text: &str, spans: &[(usize, usize)]) -> String {
    if spans.is_empty() {
        return text.trim().to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in spans {
        out.push_str(&text[at..start]);
        out.push(' ');
        at = end;
    }
    out.push_str(&text[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Word,
    /// Digits, with an English ordinal ending allowed ("3rd").
    Number(u32),
    /// `2026-02-03` or `03.02.2026`.
    Day(Date),
    /// `1-15`, `1–15`: days of a month.
    Days(i8, i8),
}

#[derive(Clone, Debug)]
struct Token {
    /// Where the token is in the lowercased text (apostrophes as `'`).
    lo: u32,
    hi: u32,
    kind: Kind,
    start: usize,
    end: usize,
    /// A number, or a word some phrase can start with (or a month, a weekday):
    /// other words are passed over at the cost of one look-up.
    trigger: bool,
}

/// The tokens of `text`, their lowercased forms written one after another into
/// `lower` (one buffer for all).
fn tokenize(text: &str, lower: &mut String) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(16);
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii_digit() {
            let (kind, end) = digits_token(text, at);
            let lo = lower.len() as u32;
            lower.extend(text[at..end].chars().map(|c| c.to_ascii_lowercase()));
            out.push(Token { lo, hi: lower.len() as u32, kind, start: at, end, trigger: true });
            at = end;
            continue;
        }
        let Some(c) = text[at..].chars().next() else { break };
        if !c.is_alphanumeric() {
            at += c.len_utf8();
            continue;
        }
        let start = at;
        let lo = lower.len();
        let word = &mut *lower;
        let mut chars = text[at..].char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            let apostrophe = matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`')
                && offset > 0
                && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic());
            if c.is_alphanumeric() {
                if c.is_ascii() {
                    word.push(c.to_ascii_lowercase());
                } else if c == 'ё' || c == 'Ё' {
                    word.push('е');
                } else {
                    word.extend(c.to_lowercase());
                }
            } else if apostrophe {
                word.push('\'');
            } else {
                break;
            }
            at = start + offset + c.len_utf8();
        }
        // "until:" and the like are what is left of a filter that did not read
        // ("until:2026-13-01"): not words of a time phrase.
        if bytes.get(at) == Some(&b':') {
            word.push(':');
        }
        let trigger = is_trigger(&lower[lo..]);
        out.push(Token { lo: lo as u32, hi: lower.len() as u32, kind: Kind::Word, start, end: at, trigger });
    }
    out
}

/// The token of digits at `at`: the longest pattern that reads (2026-02-03,
/// 03.02.2026, 1-15, 3rd, 1987), or a word ("5G", "10km"); and where it ends.
fn digits_token(text: &str, at: usize) -> (Kind, usize) {
    let bytes = text.as_bytes();
    let digits =
        |from: usize| from + bytes[from.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    let value = |from: usize, to: usize| text[from..to].parse::<i32>().unwrap_or(0);
    let is = |i: usize, b: u8| bytes.get(i) == Some(&b);
    let j = digits(at);
    let len = j - at;
    // 2026-02-03
    if len == 4 && is(j, b'-') {
        let m_end = digits(j + 1);
        if m_end - (j + 1) == 2 && is(m_end, b'-') {
            let d_end = digits(m_end + 1);
            if d_end - (m_end + 1) == 2
                && let Ok(date) =
                    Date::new(value(at, j) as i16, value(j + 1, m_end) as i8, value(m_end + 1, d_end) as i8)
            {
                return (Kind::Day(date), d_end);
            }
        }
    }
    // 03.02.2026
    if (1..=2).contains(&len) && is(j, b'.') {
        let m_end = digits(j + 1);
        if m_end - (j + 1) == 2 && is(m_end, b'.') {
            let y_end = digits(m_end + 1);
            if y_end - (m_end + 1) == 4
                && let Ok(date) =
                    Date::new(value(m_end + 1, y_end) as i16, value(j + 1, m_end) as i8, value(at, j) as i8)
            {
                return (Kind::Day(date), y_end);
            }
        }
    }
    // 1-15, 1–15
    if (1..=2).contains(&len) {
        let dash = if is(j, b'-') {
            1
        } else if text[j..].starts_with(['–', '—']) {
            3
        } else {
            0
        };
        if dash > 0 {
            let to_end = digits(j + dash);
            if (1..=2).contains(&(to_end - (j + dash))) && !is(to_end, b'-') && !is(to_end, b'.') {
                let (a, b) = (value(at, j), value(j + dash, to_end));
                if (1..=31).contains(&a) && (a..=31).contains(&b) {
                    return (Kind::Days(a as i8, b as i8), to_end);
                }
            }
        }
    }
    // An English ordinal: 1st, 2nd, 3rd, 4th.
    let mut to = j;
    let suffix = bytes.get(j..j + 2).map(|s| s.to_ascii_lowercase());
    if matches!(suffix.as_deref(), Some(b"st" | b"nd" | b"rd" | b"th"))
        && !text[j + 2..].starts_with(|c: char| c.is_alphanumeric())
    {
        to = j + 2;
    }
    if text[to..].starts_with(|c: char| c.is_alphabetic()) {
        // "5G", "10km": a word.
        let rest = &text[to..];
        let end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
        return (Kind::Word, to + end);
    }
    match text[at..j].parse::<u32>() {
        Ok(n) => (Kind::Number(n), to),
        Err(_) => (Kind::Word, to),
    }
}

/// A time expression, before it is placed in a year when it names none.
#[derive(Clone, Copy, Debug)]
enum Expr {
    /// Days already known: a full date, a year, a relative span.
    Span(Date, Date),
    /// A month (and day) without a year, or with one.
    Partial { year: Option<i16>, month: i8, day: Option<i8> },
    /// Days of a month: "1-15 March".
    Days { year: Option<i16>, month: i8, from: i8, to: i8 },
    /// A day of the month without its month, only inside a range ("between 1 and
    /// 15 March", "between March 1 and 15, 1987").
    DayOnly(i8, Option<i16>),
}

/// How a relative phrase resolves.
#[derive(Clone, Copy, Debug)]
enum Rel {
    Today,
    Yesterday,
    DayBefore,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisYear,
    LastYear,
    /// The last n days, today included.
    PastDays(i64),
    PastMonths(i64),
    PastYears(i64),
}

/// Relative phrases, by their words. Longer phrases are tried first.
const RELATIVE: &[(&str, Rel)] = &[
    // English
    ("the day before yesterday", Rel::DayBefore),
    ("day before yesterday", Rel::DayBefore),
    ("today", Rel::Today),
    ("tonight", Rel::Today),
    ("this morning", Rel::Today),
    ("this afternoon", Rel::Today),
    ("this evening", Rel::Today),
    ("yesterday", Rel::Yesterday),
    ("this week", Rel::ThisWeek),
    ("last week", Rel::LastWeek),
    ("previous week", Rel::LastWeek),
    ("the previous week", Rel::LastWeek),
    ("the past week", Rel::PastDays(7)),
    ("past week", Rel::PastDays(7)),
    ("the last week", Rel::PastDays(7)),
    ("the last 24 hours", Rel::PastDays(2)),
    ("the past 24 hours", Rel::PastDays(2)),
    ("last 24 hours", Rel::PastDays(2)),
    ("past 24 hours", Rel::PastDays(2)),
    ("this month", Rel::ThisMonth),
    ("last month", Rel::LastMonth),
    ("previous month", Rel::LastMonth),
    ("the previous month", Rel::LastMonth),
    ("the past month", Rel::PastMonths(1)),
    ("past month", Rel::PastMonths(1)),
    ("the last month", Rel::PastMonths(1)),
    ("this year", Rel::ThisYear),
    ("last year", Rel::LastYear),
    ("previous year", Rel::LastYear),
    ("the past year", Rel::PastYears(1)),
    ("past year", Rel::PastYears(1)),
    ("the last year", Rel::PastYears(1)),
    // Ukrainian
    ("сьогодні", Rel::Today),
    ("сьогодня", Rel::Today),
    ("вчора", Rel::Yesterday),
    ("учора", Rel::Yesterday),
    ("позавчора", Rel::DayBefore),
    ("цього тижня", Rel::ThisWeek),
    ("цей тиждень", Rel::ThisWeek),
    ("цьому тижні", Rel::ThisWeek),
    ("поточного тижня", Rel::ThisWeek),
    ("поточному тижні", Rel::ThisWeek),
    ("минулого тижня", Rel::LastWeek),
    ("минулий тиждень", Rel::LastWeek),
    ("минулому тижні", Rel::LastWeek),
    ("попереднього тижня", Rel::LastWeek),
    ("попередній тиждень", Rel::LastWeek),
    ("останній тиждень", Rel::PastDays(7)),
    ("останнього тижня", Rel::PastDays(7)),
    ("останню добу", Rel::PastDays(2)),
    ("остання доба", Rel::PastDays(2)),
    ("цього місяця", Rel::ThisMonth),
    ("цей місяць", Rel::ThisMonth),
    ("цьому місяці", Rel::ThisMonth),
    ("поточного місяця", Rel::ThisMonth),
    ("минулого місяця", Rel::LastMonth),
    ("минулий місяць", Rel::LastMonth),
    ("минулому місяці", Rel::LastMonth),
    ("попереднього місяця", Rel::LastMonth),
    ("останній місяць", Rel::PastMonths(1)),
    ("останнього місяця", Rel::PastMonths(1)),
    ("цього року", Rel::ThisYear),
    ("цей рік", Rel::ThisYear),
    ("цьому році", Rel::ThisYear),
    ("поточного року", Rel::ThisYear),
    ("минулого року", Rel::LastYear),
    ("минулий рік", Rel::LastYear),
    ("минулому році", Rel::LastYear),
    ("попереднього року", Rel::LastYear),
    ("торік", Rel::LastYear),
    ("останній рік", Rel::PastYears(1)),
    ("останнього року", Rel::PastYears(1)),
    // Russian
    ("сегодня", Rel::Today),
    ("вчера", Rel::Yesterday),
    ("позавчера", Rel::DayBefore),
    ("эта неделя", Rel::ThisWeek),
    ("этой неделе", Rel::ThisWeek),
    ("этой недели", Rel::ThisWeek),
    ("эту неделю", Rel::ThisWeek),
    ("текущей неделе", Rel::ThisWeek),
    ("прошлая неделя", Rel::LastWeek),
    ("прошлой неделе", Rel::LastWeek),
    ("прошлой недели", Rel::LastWeek),
    ("прошлую неделю", Rel::LastWeek),
    ("предыдущей неделе", Rel::LastWeek),
    ("последнюю неделю", Rel::PastDays(7)),
    ("последняя неделя", Rel::PastDays(7)),
    ("последней недели", Rel::PastDays(7)),
    ("последние сутки", Rel::PastDays(2)),
    ("последних суток", Rel::PastDays(2)),
    ("этот месяц", Rel::ThisMonth),
    ("этом месяце", Rel::ThisMonth),
    ("этого месяца", Rel::ThisMonth),
    ("текущем месяце", Rel::ThisMonth),
    ("прошлый месяц", Rel::LastMonth),
    ("прошлом месяце", Rel::LastMonth),
    ("прошлого месяца", Rel::LastMonth),
    ("последний месяц", Rel::PastMonths(1)),
    ("последнего месяца", Rel::PastMonths(1)),
    ("этот год", Rel::ThisYear),
    ("этом году", Rel::ThisYear),
    ("этого года", Rel::ThisYear),
    ("текущем году", Rel::ThisYear),
    ("прошлый год", Rel::LastYear),
    ("прошлом году", Rel::LastYear),
    ("прошлого года", Rel::LastYear),
    ("последний год", Rel::PastYears(1)),
    ("последнего года", Rel::PastYears(1)),
];

/// Words before a time expression that mean "within it".
const WITHIN: &[&str] = &[
    "in",
    "during",
    "for",
    "on",
    "over",
    "throughout",
    "within",
    "of",
    "у",
    "в",
    "во",
    "за",
    "на",
    "протягом",
    "впродовж",
    "упродовж",
];
/// … "from its first day on".
const SINCE: &[&str] = &["since", "from", "з", "із", "зі", "від", "с", "со", "от"];
/// … "after it".
const AFTER: &[&str] = &["after", "після", "после"];
/// … "up to its last day".
const UNTIL: &[&str] = &["until", "till", "til", "through", "thru", "до", "по"];
/// … "before it".
const BEFORE: &[&str] = &["before"];
/// "between … and …".
const BETWEEN: &[&str] = &["between", "між", "поміж", "между"];
const AND: &[&str] = &["and", "і", "й", "та", "и"];
/// "from … to …".
const TO: &[&str] = &["to", "till", "until", "through", "thru", "по", "до"];

/// Month names in every case the three languages use.
const MONTHS: &[(&str, i8)] = &[
    ("january", 1),
    ("jan", 1),
    ("janurary", 1),
    ("janaury", 1),
    ("february", 2),
    ("feb", 2),
    ("febuary", 2),
    ("feburary", 2),
    ("februray", 2),
    ("febrary", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septmber", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("січень", 1),
    ("січня", 1),
    ("лютий", 2),
    ("лютого", 2),
    ("березень", 3),
    ("березня", 3),
    ("квітень", 4),
    ("квітня", 4),
    ("травень", 5),
    ("травня", 5),
    ("червень", 6),
    ("червня", 6),
    ("липень", 7),
    ("липня", 7),
    ("серпень", 8),
    ("серпня", 8),
    ("вересень", 9),
    ("вересня", 9),
    ("жовтень", 10),
    ("жовтня", 10),
    ("листопад", 11),
    ("листопада", 11),
    ("грудень", 12),
    ("грудня", 12),
    ("январь", 1),
    ("января", 1),
    ("февраль", 2),
    ("февраля", 2),
    ("март", 3),
    ("марта", 3),
    ("апрель", 4),
    ("апреля", 4),
    ("май", 5),
    ("мая", 5),
    ("июнь", 6),
    ("июня", 6),
    ("июль", 7),
    ("июля", 7),
    ("август", 8),
    ("августа", 8),
    ("сентябрь", 9),
    ("сентября", 9),
    ("октябрь", 10),
    ("октября", 10),
    ("ноябрь", 11),
    ("ноября", 11),
    ("декабрь", 12),
    ("декабря", 12),
];

/// The Ukrainian and Russian locative ("у лютому", "в феврале"), which means "in"
/// on its own.
const LOCATIVE_MONTHS: &[(&str, i8)] = &[
    ("січні", 1),
    ("январе", 1),
    ("лютому", 2),
    ("феврале", 2),
    ("березні", 3),
    ("марте", 3),
    ("квітні", 4),
    ("апреле", 4),
    ("травні", 5),
    ("мае", 5),
    ("червні", 6),
    ("июне", 6),
    ("липні", 7),
    ("июле", 7),
    ("серпні", 8),
    ("августе", 8),
    ("вересні", 9),
    ("сентябре", 9),
    ("жовтні", 10),
    ("октябре", 10),
    ("листопаді", 11),
    ("ноябре", 11),
    ("грудні", 12),
    ("декабре", 12),
];

/// A month's number, and whether the word is its locative.
fn month(word: &str) -> Option<(i8, bool)> {
    LEXICON.get(word).and_then(|l| match *l {
        Lexeme::Month(month, locative) => Some((month, locative)),
        _ => None,
    })
}

/// Weekday names, in the cases used after "on", "у", "в" and "last".
const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Monday),
    ("понеділок", Weekday::Monday),
    ("понеділка", Weekday::Monday),
    ("понедельник", Weekday::Monday),
    ("понедельника", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("вівторок", Weekday::Tuesday),
    ("вівторка", Weekday::Tuesday),
    ("вторник", Weekday::Tuesday),
    ("вторника", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("середу", Weekday::Wednesday),
    ("середа", Weekday::Wednesday),
    ("середи", Weekday::Wednesday),
    ("среду", Weekday::Wednesday),
    ("среда", Weekday::Wednesday),
    ("среды", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("четвер", Weekday::Thursday),
    ("четверга", Weekday::Thursday),
    ("четверг", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("п'ятницю", Weekday::Friday),
    ("п'ятниця", Weekday::Friday),
    ("п'ятниці", Weekday::Friday),
    ("пятницю", Weekday::Friday),
    ("пятницу", Weekday::Friday),
    ("пятница", Weekday::Friday),
    ("пятницы", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("суботу", Weekday::Saturday),
    ("субота", Weekday::Saturday),
    ("суботи", Weekday::Saturday),
    ("субботу", Weekday::Saturday),
    ("суббота", Weekday::Saturday),
    ("субботы", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
    ("неділю", Weekday::Sunday),
    ("неділя", Weekday::Sunday),
    ("неділі", Weekday::Sunday),
    ("воскресенье", Weekday::Sunday),
    ("воскресенья", Weekday::Sunday),
];

fn weekday(word: &str) -> Option<Weekday> {
    LEXICON.get(word).and_then(|l| match *l {
        Lexeme::Weekday(day) => Some(day),
        _ => None,
    })
}

/// Words after a year that say it is one: "2016 року", "2016 года", "2016 г.".
const YEAR_WORDS: &[&str] = &["року", "році", "рік", "р", "рр", "год", "году", "года", "г", "гг", "year"];

/// Numbers written as words, for "the last three days".
const SMALL_NUMBERS: &[(&str, i64)] = &[
    ("one", 1),
    ("один", 1),
    ("одну", 1),
    ("одна", 1),
    ("одного", 1),
    ("two", 2),
    ("два", 2),
    ("дві", 2),
    ("две", 2),
    ("двох", 2),
    ("двух", 2),
    ("three", 3),
    ("три", 3),
    ("трьох", 3),
    ("трех", 3),
    ("four", 4),
    ("чотири", 4),
    ("четыре", 4),
    ("five", 5),
    ("п'ять", 5),
    ("пять", 5),
    ("six", 6),
    ("шість", 6),
    ("шесть", 6),
    ("seven", 7),
    ("сім", 7),
    ("семь", 7),
    ("ten", 10),
    ("десять", 10),
    ("fourteen", 14),
    ("thirty", 30),
];

fn small_number(word: &str) -> Option<i64> {
    LEXICON.get(word).and_then(|l| match *l {
        Lexeme::Number(n) => Some(n),
        _ => None,
    })
}

/// What a word is, when it is one of the above.
#[derive(Clone, Copy)]
enum Lexeme {
    Month(i8, bool),
    Weekday(Weekday),
    Number(i64),
}

static LEXICON: LazyLock<FxHashMap<&'static str, Lexeme>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    map.extend(MONTHS.iter().map(|&(w, m)| (w, Lexeme::Month(m, false))));
    map.extend(LOCATIVE_MONTHS.iter().map(|&(w, m)| (w, Lexeme::Month(m, true))));
    map.extend(WEEKDAYS.iter().map(|&(w, d)| (w, Lexeme::Weekday(d))));
    map.extend(SMALL_NUMBERS.iter().map(|&(w, n)| (w, Lexeme::Number(n))));
    map
});

/// The unit of "the last 3 days": days in a unit, or months.
enum Unit {
    Days(i64),
    Months(i64),
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "day" | "days" | "день" | "дні" | "днів" | "дня" | "дней" | "доби" | "діб" | "сутки" | "суток" => {
            Unit::Days(1)
        }
        "week" | "weeks" | "тиждень" | "тижні" | "тижнів" | "неделю" | "недели" | "недель" => {
            Unit::Days(7)
        }
        "month" | "months" | "місяць" | "місяці" | "місяців" | "месяц" | "месяца" | "месяцев" => {
            Unit::Months(1)
        }
        "year" | "years" | "рік" | "роки" | "років" | "год" | "года" | "лет" => {
            Unit::Months(12)
        }
        _ => return None,
    })
}

const PAST: &[&str] = &[
    "last",
    "past",
    "previous",
    "останні",
    "останніх",
    "останній",
    "минулі",
    "минулих",
    "попередні",
    "последние",
    "последних",
    "последний",
    "прошедшие",
    "прошлые",
];
const AGO: &[&str] = &["ago", "тому", "назад"];

/// Words that ask for the newest first, as phrases; tried longest first.
const NEWEST: &[&str] = &[
    "what's new about",
    "what's new on",
    "what's new with",
    "what's new in",
    "whats new about",
    "whats new on",
    "what is new about",
    "what is new on",
    "what is new with",
    "what's new",
    "whats new",
    "what is new",
    "anything new about",
    "anything new on",
    "anything new",
    "most recent news",
    "most recent",
    "latest news",
    "latest updates",
    "latest update",
    "latest articles",
    "latest stories",
    "latest",
    "newest articles",
    "newest news",
    "newest",
    "recent news",
    "news first",
    "newest first",
    "latest first",
    "останні новини",
    "останні статті",
    "останні події",
    "останнє про",
    "найновіші новини",
    "найновіші",
    "найсвіжіші новини",
    "найсвіжіші",
    "свіжі новини",
    "що нового",
    "последние новости",
    "последние статьи",
    "последние события",
    "последнее о",
    "последнее про",
    "новейшие новости",
    "новейшие",
    "свежие новости",
    "самые новые",
    "что нового",
    "что новенького",
];

/// Words that start a phrase, or the time expression after a preposition.
static TRIGGERS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    let mut set: FxHashSet<&str> = FxHashSet::default();
    for list in [WITHIN, SINCE, AFTER, UNTIL, BEFORE, BETWEEN, PAST, LAST] {
        set.extend(list.iter().copied());
    }
    set.extend(["prior", "starting", "beginning", "починаючи", "начиная", "the", "year"]);
    set.extend(RELATIVE.iter().map(|(phrase, _)| phrase.split(' ').next().unwrap_or(phrase)));
    set.extend(NEWEST.iter().map(|phrase| phrase.split(' ').next().unwrap_or(phrase)));
    set
});

fn is_trigger(word: &str) -> bool {
    TRIGGERS.contains(word)
        || month(word).is_some()
        || weekday(word).is_some()
        || small_number(word).is_some()
}

/// "last" before a month or a weekday.
const LAST: &[&str] = &[
    "last",
    "минулого",
    "минулої",
    "минулий",
    "минулу",
    "минулому",
    "прошлый",
    "прошлую",
    "прошлое",
    "прошлого",
    "прошлой",
    "прошлом",
];

/// [`RELATIVE`] by first word, so that a word starts no scan of the table.
static RELATIVE_BY_FIRST: LazyLock<FxHashMap<&'static str, Vec<(&'static str, Rel)>>> = LazyLock::new(|| {
    let mut map: FxHashMap<&str, Vec<(&str, Rel)>> = FxHashMap::default();
    for &(phrase, rel) in RELATIVE {
        map.entry(phrase.split(' ').next().unwrap_or(phrase)).or_default().push((phrase, rel));
    }
    map
});

/// [`NEWEST`] by first word.
static NEWEST_BY_FIRST: LazyLock<FxHashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut map: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for &phrase in NEWEST {
        map.entry(phrase.split(' ').next().unwrap_or(phrase)).or_default().push(phrase);
    }
    map
});

struct Reader<'a> {
    t: &'a [Token],
    lower: &'a str,
    today: Date,
}

impl Reader<'_> {
    fn text(&self, t: &Token) -> &str {
        &self.lower[t.lo as usize..t.hi as usize]
    }

    fn word(&self, i: usize) -> Option<&str> {
        self.t.get(i).filter(|t| t.kind == Kind::Word).map(|t| self.text(t))
    }

    fn is(&self, i: usize, words: &[&str]) -> bool {
        self.word(i).is_some_and(|w| words.contains(&w))
    }

    /// The number of tokens of `phrase` (words separated by spaces) matched at `i`.
    fn phrase(&self, i: usize, phrase: &str) -> Option<usize> {
        let mut n = 0;
        for word in phrase.split(' ') {
            if self.text(self.t.get(i + n)?) != word {
                return None;
            }
            n += 1;
        }
        Some(n)
    }

    fn number(&self, i: usize) -> Option<u32> {
        match self.t.get(i)?.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    fn day_number(&self, i: usize) -> Option<i8> {
        let t = self.t.get(i)?;
        // "03" is a day; a four-digit number is not.
        match t.kind {
            Kind::Number(n) if (1..=31).contains(&n) && t.end - t.start <= 4 => Some(n as i8),
            _ => None,
        }
    }

    fn year(&self, i: usize) -> Option<i16> {
        let t = self.t.get(i)?;
        match t.kind {
            Kind::Number(n) if (1800..=2199).contains(&n) && t.end - t.start == 4 => Some(n as i16),
            _ => None,
        }
    }

    /// A year, with the word that may follow it ("2016 року").
    fn year_with_word(&self, i: usize) -> Option<(usize, i16, bool)> {
        let year = self.year(i)?;
        if self.is(i + 1, YEAR_WORDS) {
            return Some((2, year, true));
        }
        Some((1, year, false))
    }

    /// A window at token `i`: how many tokens it takes and its days.
    fn window(&self, i: usize) -> Option<(usize, Window)> {
        // "starting (from) March 1", "починаючи з", "начиная с": since.
        if self.is(i, &["starting", "beginning", "починаючи", "начиная"]) {
            let from = usize::from(self.is(i + 1, &["from", "on", "з", "із", "зі", "від", "с", "со"]));
            if let Some((n, expr)) = self.expr(i + 1 + from, true) {
                let (first, _) = self.resolve(expr)?;
                return Some((n + 1 + from, (Some(first), None)));
            }
        }
        if self.is(i, BETWEEN)
            && let Some((n, window)) = self.range(i + 1, AND)
        {
            return Some((n + 1, window));
        }
        if self.is(i, SINCE) {
            if let Some((n, window)) = self.range(i + 1, TO) {
                return Some((n + 1, window));
            }
            if let Some((n, expr)) = self.expr(i + 1, true) {
                let (first, _) = self.resolve(expr)?;
                return Some((n + 1, (Some(first), None)));
            }
        }
        if self.is(i, AFTER)
            && let Some((n, expr)) = self.expr(i + 1, true)
        {
            let (_, last) = self.resolve(expr)?;
            return Some((n + 1, (last.tomorrow().ok(), None)));
        }
        if self.is(i, UNTIL)
            && let Some((n, expr)) = self.expr(i + 1, true)
        {
            let (_, last) = self.resolve(expr)?;
            return Some((n + 1, (None, Some(last))));
        }
        let before = if self.is(i, BEFORE) { 1 } else { self.phrase(i, "prior to").unwrap_or(0) };
        if before > 0
            && let Some((n, expr)) = self.expr(i + before, true)
        {
            let (first, _) = self.resolve(expr)?;
            return Some((n + before, (None, first.yesterday().ok())));
        }
        // "in the last 3 days", "over the past week", "за останні 3 дні", "в течение".
        let mut lead = 0;
        if self.is(i, &["в"]) && self.is(i + 1, &["течение"]) {
            lead = 2;
        } else if self.is(i, WITHIN) {
            lead = 1;
        }
        if lead > 0
            && let Some((n, expr)) = self.expr(i + lead, true)
        {
            let (first, last) = self.resolve(expr)?;
            return Some((n + lead, (Some(first), Some(last))));
        }
        let (n, expr) = self.expr(i, false)?;
        let (first, last) = self.resolve(expr)?;
        Some((n, (Some(first), Some(last))))
    }

    /// "X and Y" / "X to Y" after "between" / "from": both ends, a bare day on one
    /// side taking its month and year from the other.
    fn range(&self, i: usize, joiners: &[&str]) -> Option<(usize, Window)> {
        let (n1, first) = self.expr_or_day(i)?;
        let j = i + n1;
        let joined = self.is(j, joiners) || (joiners == TO && self.is(j, AND));
        if !joined {
            return None;
        }
        let (n2, second) = self.expr_or_day(j + 1)?;
        let (a, b) = self.resolve_pair(first, second)?;
        Some((n1 + 1 + n2, (Some(a.0), Some(b.1))))
    }

    fn expr_or_day(&self, i: usize) -> Option<(usize, Expr)> {
        if let Some(found) = self.expr(i, true) {
            return Some(found);
        }
        let day = self.day_number(i)?;
        let (n, year) = self.optional_year(i + 1);
        Some((1 + n, Expr::DayOnly(day, year)))
    }

    /// A time expression at `i`. `led` says a preposition came before it, which lets
    /// a bare month or year read as one.
    fn expr(&self, i: usize, led: bool) -> Option<(usize, Expr)> {
        let t = self.t.get(i).filter(|t| t.trigger)?;
        // 2026-02-03, 03.02.2026
        if let Kind::Day(date) = t.kind {
            return Some((1, Expr::Span(date, date)));
        }
        // 1-15 March [2026]
        if let Kind::Days(from, to) = t.kind
            && let Some((m, _)) = self.word(i + 1).and_then(month)
        {
            let (ny, year) = self.optional_year(i + 2);
            return Some((2 + ny, Expr::Days { year, month: m, from, to }));
        }
        // "the 3rd of March", "3 March 2026", "3 березня", "3 февраля 2026 года"
        let the = usize::from(self.is(i, &["the"]));
        if let Some(day) = self.day_number(i + the) {
            let of = usize::from(self.is(i + the + 1, &["of"]));
            if let Some((m, _)) = self.word(i + the + 1 + of).and_then(month) {
                let at = i + the + 2 + of;
                let (ny, year) = self.optional_year(at);
                return Some((at - i + ny, Expr::Partial { year, month: m, day: Some(day) }));
            }
        }
        // "in the last 3 days", "the past 2 weeks", "за останні 3 дні", "3 days ago"
        if let Some(found) = self.past_units(i) {
            return Some(found);
        }
        if let Some(found) = self.ago(i) {
            return Some(found);
        }
        if let Some(word) = self.word(i) {
            // "last February", "минулого лютого"
            if self.is(i, LAST)
                && let Some((m, _)) = self.word(i + 1).and_then(month)
            {
                let this_year = self.today.year();
                let year = if m < self.today.month() { this_year } else { this_year - 1 };
                return Some((2, Expr::Partial { year: Some(year), month: m, day: None }));
            }
            // "last Monday", "on Monday", "у понеділок", "в прошлую пятницу"
            if let Some(found) = self.weekday_expr(i, led) {
                return Some(found);
            }
            if let Some((m, locative)) = month(word) {
                // "March 3, 2026", "March 3rd", "March 1-15"
                if let Some(day) = self.day_number(i + 1) {
                    let (ny, year) = self.optional_year(i + 2);
                    return Some((2 + ny, Expr::Partial { year, month: m, day: Some(day) }));
                }
                if let Some(Kind::Days(from, to)) = self.t.get(i + 1).map(|t| t.kind.clone()) {
                    let (ny, year) = self.optional_year(i + 2);
                    return Some((2 + ny, Expr::Days { year, month: m, from, to }));
                }
                // "February 2025", "лютий 2025 року", "in February last year"
                if let Some((ny, year, _)) = self.year_with_word(i + 1) {
                    return Some((1 + ny, Expr::Partial { year: Some(year), month: m, day: None }));
                }
                if let Some((ny, year)) = self.relative_year(i + 1) {
                    return Some((1 + ny, Expr::Partial { year: Some(year), month: m, day: None }));
                }
                if led || locative {
                    return Some((1, Expr::Partial { year: None, month: m, day: None }));
                }
                return None;
            }
            // "the year 2016"
            if word == "year"
                && led
                && let Some(year) = self.year(i + 1)
            {
                return Some((2, year_span(year)?));
            }
            if word == "the"
                && self.is(i + 1, &["year"])
                && let Some(year) = self.year(i + 2)
            {
                return Some((3, year_span(year)?));
            }
            return self.relative(i);
        }
        // "2016 року" reads anywhere; "2016" alone only after a preposition.
        if let Some((n, year, worded)) = self.year_with_word(i)
            && (led || worded)
        {
            return Some((n, year_span(year)?));
        }
        None
    }

    /// A year after a month: "2025", "2025 року", or not there.
    fn optional_year(&self, i: usize) -> (usize, Option<i16>) {
        match self.year_with_word(i) {
            Some((n, year, _)) => (n, Some(year)),
            None => (0, None),
        }
    }

    /// "last year", "this year", "минулого року", "прошлого года" after a month.
    fn relative_year(&self, i: usize) -> Option<(usize, i16)> {
        let year = self.today.year();
        for (phrase, offset) in [
            ("this year", 0),
            ("last year", -1),
            ("цього року", 0),
            ("минулого року", -1),
            ("торік", -1),
            ("этого года", 0),
            ("прошлого года", -1),
        ] {
            if let Some(n) = self.phrase(i, phrase) {
                return Some((n, year + offset));
            }
        }
        None
    }

    fn relative(&self, i: usize) -> Option<(usize, Expr)> {
        let (n, rel) = RELATIVE_BY_FIRST
            .get(self.word(i)?)?
            .iter()
            .filter_map(|(phrase, rel)| Some((self.phrase(i, phrase)?, *rel)))
            .max_by_key(|(n, _)| *n)?;
        let (a, b) = self.relative_span(rel)?;
        Some((n, Expr::Span(a, b)))
    }

    fn relative_span(&self, rel: Rel) -> Option<(Date, Date)> {
        let today = self.today;
        let monday = today.checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days()).ok()?;
        Some(match rel {
            Rel::Today => (today, today),
            Rel::Yesterday => {
                let day = today.yesterday().ok()?;
                (day, day)
            }
            Rel::DayBefore => {
                let day = today.checked_sub(2.days()).ok()?;
                (day, day)
            }
            Rel::ThisWeek => (monday, monday.checked_add(6.days()).ok()?),
            Rel::LastWeek => (monday.checked_sub(7.days()).ok()?, monday.yesterday().ok()?),
            Rel::ThisMonth => (today.first_of_month(), today.last_of_month()),
            Rel::LastMonth => {
                let last = today.first_of_month().yesterday().ok()?;
                (last.first_of_month(), last)
            }
            Rel::ThisYear => year_bounds(today.year())?,
            Rel::LastYear => year_bounds(today.year() - 1)?,
            Rel::PastDays(n) => (today.checked_sub((n - 1).max(0).days()).ok()?, today),
            Rel::PastMonths(n) => (today.checked_sub(n.months()).ok()?.tomorrow().ok()?, today),
            Rel::PastYears(n) => (today.checked_sub(n.years()).ok()?.tomorrow().ok()?, today),
        })
    }

    /// "(the) last 3 days", "past two weeks", "останні 3 дні", "последние 2 недели".
    fn past_units(&self, i: usize) -> Option<(usize, Expr)> {
        let the = usize::from(self.is(i, &["the"]));
        if !self.is(i + the, PAST) {
            return None;
        }
        let at = i + the + 1;
        let count = self.number(at).map(i64::from).or_else(|| self.word(at).and_then(small_number))?;
        if !(1..=3660).contains(&count) {
            return None;
        }
        let unit = self.word(at + 1).and_then(unit)?;
        let rel = match unit {
            Unit::Days(days) => Rel::PastDays(count * days),
            Unit::Months(months) => Rel::PastMonths(count * months),
        };
        let (a, b) = self.relative_span(rel)?;
        Some((at + 2 - i, Expr::Span(a, b)))
    }

    /// "3 days ago", "2 тижні тому", "5 дней назад": that day (week, month, year).
    fn ago(&self, i: usize) -> Option<(usize, Expr)> {
        let count = self.number(i).map(i64::from).or_else(|| self.word(i).and_then(small_number))?;
        let word = self.word(i + 1)?;
        let unit = unit(word)?;
        if !self.is(i + 2, AGO) || count > 3660 {
            return None;
        }
        let today = self.today;
        let span = match unit {
            Unit::Days(1) => {
                let day = today.checked_sub(count.days()).ok()?;
                (day, day)
            }
            Unit::Days(_) => {
                let day = today.checked_sub((count * 7).days()).ok()?;
                let monday = day.checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days()).ok()?;
                (monday, monday.checked_add(6.days()).ok()?)
            }
            Unit::Months(12) => year_bounds(today.year() - count as i16)?,
            Unit::Months(_) => {
                let day = today.first_of_month().checked_sub(count.months()).ok()?;
                (day, day.last_of_month())
            }
        };
        Some((3, Expr::Span(span.0, span.1)))
    }

    /// "on Monday", "last Friday", "у понеділок", "в среду", "минулої п'ятниці".
    fn weekday_expr(&self, i: usize, led: bool) -> Option<(usize, Expr)> {
        let last = self.is(i, LAST);
        let at = i + usize::from(last);
        let day = self.word(at).and_then(weekday)?;
        if !(led || last) {
            return None;
        }
        let back = (self.today.weekday().to_monday_zero_offset() - day.to_monday_zero_offset()).rem_euclid(7);
        let back = if last && back == 0 { 7 } else { back };
        let date = self.today.checked_sub(i64::from(back).days()).ok()?;
        Some((at + 1 - i, Expr::Span(date, date)))
    }

    /// The days of an expression on its own: a month or day without a year is its
    /// most recent one (today's month and day count).
    fn resolve(&self, expr: Expr) -> Option<(Date, Date)> {
        match expr {
            Expr::Span(a, b) => Some((a, b)),
            Expr::DayOnly(..) => None,
            Expr::Partial { year: Some(year), month, day } => partial_span(year, month, day),
            Expr::Days { year: Some(year), month, from, to } => days_span(year, month, from, to),
            Expr::Partial { year: None, month, day } => {
                let this_year = partial_span(self.today.year(), month, day);
                match this_year {
                    Some(span) if span.0 <= self.today => Some(span),
                    _ => partial_span(self.today.year() - 1, month, day),
                }
            }
            Expr::Days { year: None, month, from, to } => {
                let this_year = days_span(self.today.year(), month, from, to);
                match this_year {
                    Some(span) if span.0 <= self.today => Some(span),
                    _ => days_span(self.today.year() - 1, month, from, to),
                }
            }
        }
    }

    /// Both ends of a range: a bare day takes the other end's month and year; an
    /// end without a year takes the other end's, and the start comes first.
    fn resolve_pair(&self, first: Expr, second: Expr) -> Option<((Date, Date), (Date, Date))> {
        let month_year = |e: Expr| match e {
            Expr::Partial { year, month, .. } | Expr::Days { year, month, .. } => Some((year, month)),
            Expr::Span(a, _) => Some((Some(a.year()), a.month())),
            Expr::DayOnly(..) => None,
        };
        let first = match first {
            Expr::DayOnly(day, own_year) => {
                let (year, month) = month_year(second)?;
                Expr::Partial { year: own_year.or(year), month, day: Some(day) }
            }
            other => other,
        };
        let second = match second {
            Expr::DayOnly(day, own_year) => {
                let (year, month) = month_year(first)?;
                Expr::Partial { year: own_year.or(year), month, day: Some(day) }
            }
            other => other,
        };
        let year_of = |e: Expr| match e {
            Expr::Partial { year, .. } | Expr::Days { year, .. } => year,
            _ => None,
        };
        match (year_of(first), year_of(second), first, second) {
            // "between March 1 and March 15, 2025": the start takes the end's year.
            (None, Some(year), Expr::Partial { month, day, .. }, _) => {
                let b = self.resolve(second)?;
                let mut a = partial_span(year, month, day)?;
                if a.0 > b.1 {
                    a = partial_span(year - 1, month, day)?;
                }
                Some((a, b))
            }
            // The end without a year: its first time on or after the start.
            (_, None, _, Expr::Partial { month, day, .. }) => {
                let a = self.resolve(first)?;
                let mut b = partial_span(a.0.year(), month, day)?;
                if b.1 < a.0 {
                    b = partial_span(a.0.year() + 1, month, day)?;
                }
                Some((a, b))
            }
            _ => {
                let (a, b) = (self.resolve(first)?, self.resolve(second)?);
                (a.0 <= b.1).then_some((a, b))
            }
        }
    }

    /// Asking for the newest first, at `i`: the number of tokens.
    fn newest(&self, i: usize) -> Option<usize> {
        NEWEST_BY_FIRST.get(self.word(i)?)?.iter().filter_map(|phrase| self.phrase(i, phrase)).max()
    }
}

fn year_span(year: i16) -> Option<Expr> {
    let (a, b) = year_bounds(year)?;
    Some(Expr::Span(a, b))
}

fn year_bounds(year: i16) -> Option<(Date, Date)> {
    Some((Date::new(year, 1, 1).ok()?, Date::new(year, 12, 31).ok()?))
}

fn partial_span(year: i16, month: i8, day: Option<i8>) -> Option<(Date, Date)> {
    match day {
        Some(day) => {
            let date = Date::new(year, month, day).ok()?;
            Some((date, date))
        }
        None => {
            let first = Date::new(year, month, 1).ok()?;
            Some((first, first.last_of_month()))
        }
    }
}

fn days_span(year: i16, month: i8, from: i8, to: i8) -> Option<(Date, Date)> {
    Some((Date::new(year, month, from).ok()?, Date::new(year, month, to).ok()?))
}
