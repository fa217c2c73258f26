//! Filters in words, plain text (front ends escape it): the window an answer used
//! ("Feb 1-28, 2026", "1–28 лютого 2026"), and what a filter that matches nothing
//! says instead of the usual refusal.

use jiff::civil::Date;

use super::Filters;

const EN_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const UK_MONTHS: [&str; 12] = [
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
];
const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// The language of a label: `uk` and `ru` have their own words; anything else is
/// English.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Uk,
    Ru,
}

fn lang_of(code: &str) -> Lang {
    match code {
        "uk" => Lang::Uk,
        "ru" => Lang::Ru,
        _ => Lang::En,
    }
}

fn month_name(lang: Lang, date: Date) -> &'static str {
    let m = (date.month() - 1) as usize;
    match lang {
        Lang::En => EN_MONTHS[m],
        Lang::Uk => UK_MONTHS[m],
        Lang::Ru => RU_MONTHS[m],
    }
}

/// A day: "Feb 3, 2026", "3 лютого 2026".
fn day(lang: Lang, date: Date) -> String {
    match lang {
        Lang::En => format!("{} {}, {}", month_name(lang, date), date.day(), date.year()),
        _ => format!("{} {} {}", date.day(), month_name(lang, date), date.year()),
    }
}

/// The window in words: "Feb 1-28, 2026", "Feb 23 - Mar 1, 2026", "2016",
/// "since Mar 1, 2026", "until Feb 28, 2026"; in Ukrainian "1–28 лютого 2026", "з 1
/// березня 2026"; `None` without a window. `lang` is `en`, `uk` or `ru`.
pub fn window_label(since: Option<Date>, until: Option<Date>, lang: &str) -> Option<String> {
    let lang = lang_of(lang);
    Some(match (since, until) {
        (None, None) => return None,
        (Some(a), None) => match lang {
            Lang::En => format!("since {}", day(lang, a)),
            Lang::Uk => format!("з {}", day(lang, a)),
            Lang::Ru => format!("с {}", day(lang, a)),
        },
        (None, Some(b)) => match lang {
            Lang::En => format!("until {}", day(lang, b)),
            Lang::Uk => format!("до {}", day(lang, b)),
            Lang::Ru => format!("по {}", day(lang, b)),
        },
        (Some(a), Some(b)) if a == b => day(lang, a),
        (Some(a), Some(b))
            if a.year() == b.year() && (a.month(), a.day()) == (1, 1) && (b.month(), b.day()) == (12, 31) =>
        {
            a.year().to_string()
        }
        (Some(a), Some(b)) if (a.year(), a.month()) == (b.year(), b.month()) => match lang {
            Lang::En => format!("{} {}-{}, {}", month_name(lang, a), a.day(), b.day(), a.year()),
            _ => format!("{}–{} {} {}", a.day(), b.day(), month_name(lang, a), a.year()),
        },
        (Some(a), Some(b)) if a.year() == b.year() => match lang {
            Lang::En => format!(
                "{} {} - {} {}, {}",
                month_name(lang, a),
                a.day(),
                month_name(lang, b),
                b.day(),
                a.year()
            ),
            _ => format!(
                "{} {} – {} {} {}",
                a.day(),
                month_name(lang, a),
                b.day(),
                month_name(lang, b),
                a.year()
            ),
        },
        (Some(a), Some(b)) => match lang {
            Lang::En => format!("{} - {}", day(lang, a), day(lang, b)),
            _ => format!("{} – {}", day(lang, a), day(lang, b)),
        },
    })
}

fn language_name(lang: Lang, code: &str) -> String {
    let name = match (lang, code) {
        (Lang::En, "en") => "in English",
        (Lang::En, "uk") => "in Ukrainian",
        (Lang::En, "ru") => "in Russian",
        (Lang::Uk, "en") => "англійською",
        (Lang::Uk, "uk") => "українською",
        (Lang::Uk, "ru") => "російською",
        (Lang::Ru, "en") => "на английском",
        (Lang::Ru, "uk") => "на украинском",
        (Lang::Ru, "ru") => "на русском",
        _ => return code.to_owned(),
    };
    name.to_owned()
}

/// The filters in words, parts joined by " · ": "Feb 1-28, 2026 · from UNN ·
/// in Ukrainian"; `sources` are the outlets as the archive names them (or as
/// asked, when it names none). Empty without filters.
pub fn filter_description(filters: &Filters, sources: &[String], lang: &str) -> String {
    let l = lang_of(lang);
    let mut parts = Vec::new();
    parts.extend(window_label(filters.since, filters.until, lang));
    if !sources.is_empty() {
        let names = sources.join(", ");
        parts.push(match l {
            Lang::En => format!("from {names}"),
            Lang::Uk => format!("видання: {names}"),
            Lang::Ru => format!("издания: {names}"),
        });
    }
    if !filters.not_sources.is_empty() {
        let names = filters.not_sources.join(", ");
        parts.push(match l {
            Lang::En => format!("not from {names}"),
            Lang::Uk => format!("крім {names}"),
            Lang::Ru => format!("кроме {names}"),
        });
    }
    if let Some(code) = &filters.lang {
        parts.push(language_name(l, code));
    }
    parts.join(" · ")
}

/// What to say when the filters leave no article at all: "No articles from UNN in
/// Feb 1-28, 2026.", "Немає статей від UNN за 1–28 лютого 2026.".
pub fn nothing_matches(filters: &Filters, sources: &[String], lang: &str) -> String {
    let l = lang_of(lang);
    let mut out = String::from(match l {
        Lang::En => "No articles",
        Lang::Uk => "Немає статей",
        Lang::Ru => "Нет статей",
    });
    if let Some(code) = &filters.lang {
        out.push(' ');
        out.push_str(&language_name(l, code));
    }
    if !sources.is_empty() {
        let names = match l {
            Lang::En => sources.join(" or "),
            Lang::Uk => sources.join(" або "),
            Lang::Ru => sources.join(" или "),
        };
        out.push_str(match l {
            Lang::En => " from ",
            Lang::Uk => " від ",
            Lang::Ru => " от ",
        });
        out.push_str(&names);
    }
    if !filters.not_sources.is_empty() {
        out.push_str(match l {
            Lang::En => " other than from ",
            Lang::Uk => " не від ",
            Lang::Ru => " не от ",
        });
        out.push_str(&filters.not_sources.join(", "));
    }
    if filters.impossible() {
        out.push_str(match l {
            Lang::En => " in that period: it ends before it starts",
            Lang::Uk => " за цей період: він закінчується раніше, ніж починається",
            Lang::Ru => " за этот период: он заканчивается раньше, чем начинается",
        });
    } else if let Some(window) = window_label(filters.since, filters.until, lang) {
        let closed = filters.since.is_some() && filters.until.is_some();
        let lead = match (l, closed) {
            (Lang::En, true) => " in ",
            (Lang::Uk, true) => " за ",
            (Lang::Ru, true) => " за ",
            _ => " ",
        };
        out.push_str(lead);
        out.push_str(&window);
    }
    out.push('.');
    out
}

/// What an answer from any time says when its window in words held no article:
/// "No articles in Feb 2-8, 2026; from any time:".
pub fn missed_window(since: Option<Date>, until: Option<Date>, lang: &str) -> String {
    let window = Filters { since, until, ..Filters::default() };
    let nothing = nothing_matches(&window, &[], lang);
    let rest = match lang_of(lang) {
        Lang::En => "from any time:",
        Lang::Uk => "з усього архіву:",
        Lang::Ru => "за всё время:",
    };
    format!("{}; {rest}", nothing.trim_end_matches('.'))
}
