//! Phrases to windows, in English, Ukrainian and Russian; explicit filters; the
//! newest first; and the window in words.

use jiff::Zoned;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::*;

/// `when` (an instant, `2026-02-11T10:00:00Z`) in the time zone `tz`.
fn at(when: &str, tz: &str) -> Zoned {
    when.parse::<jiff::Timestamp>().unwrap().to_zoned(TimeZone::get(tz).unwrap())
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// A Wednesday in Kyiv.
const WEDNESDAY: &str = "2026-02-11T10:00:00Z";

fn window(question: &str, now: &Zoned) -> (Option<Date>, Option<Date>) {
    let parsed = parse(question, now);
    (parsed.filters.since, parsed.filters.until)
}

#[track_caller]
fn check(table: &[(&str, &str, Option<&str>, Option<&str>)], tz: &str) {
    for &(question, when, since, until) in table {
        let now = at(when, tz);
        assert_eq!(window(question, &now), (since.map(d), until.map(d)), "{question:?} asked {now}");
    }
}

#[test]
fn english_phrases_become_windows() {
    let w = WEDNESDAY;
    check(
        &[
            ("what happened today", w, Some("2026-02-11"), Some("2026-02-11")),
            ("Rutte yesterday", w, Some("2026-02-10"), Some("2026-02-10")),
            ("Rutte the day before yesterday", w, Some("2026-02-09"), Some("2026-02-09")),
            ("NATO this week", w, Some("2026-02-09"), Some("2026-02-15")),
            ("What did Rutte say last week?", w, Some("2026-02-02"), Some("2026-02-08")),
            ("sanctions this month", w, Some("2026-02-01"), Some("2026-02-28")),
            ("sanctions last month", w, Some("2026-01-01"), Some("2026-01-31")),
            ("budget this year", w, Some("2026-01-01"), Some("2026-12-31")),
            ("budget last year", w, Some("2025-01-01"), Some("2025-12-31")),
            ("PURL in February", w, Some("2026-02-01"), Some("2026-02-28")),
            ("PURL in Febuary", w, Some("2026-02-01"), Some("2026-02-28")),
            ("PURL in February 2025", w, Some("2025-02-01"), Some("2025-02-28")),
            ("PURL February 2025", w, Some("2025-02-01"), Some("2025-02-28")),
            ("PURL in feb last year", w, Some("2025-02-01"), Some("2025-02-28")),
            // The most recent March had not come this year yet.
            ("strikes in March", w, Some("2025-03-01"), Some("2025-03-31")),
            ("strikes in May", w, Some("2025-05-01"), Some("2025-05-31")),
            ("strikes since March", w, Some("2025-03-01"), None),
            ("strikes since March 1", w, Some("2025-03-01"), None),
            ("strikes since February 3", w, Some("2026-02-03"), None),
            ("since yesterday", w, Some("2026-02-10"), None),
            ("since last week", w, Some("2026-02-02"), None),
            ("until February 5", w, None, Some("2026-02-05")),
            ("before February 5", w, None, Some("2026-02-04")),
            ("after February 5", w, Some("2026-02-06"), None),
            ("before 2020", w, None, Some("2019-12-31")),
            ("between February 3 and February 10", w, Some("2026-02-03"), Some("2026-02-10")),
            ("between Feb 3 and 10", w, Some("2026-02-03"), Some("2026-02-10")),
            ("between March 1 and 15, 1987", w, Some("1987-03-01"), Some("1987-03-15")),
            ("between 3 and 10 February", w, Some("2026-02-03"), Some("2026-02-10")),
            ("from December to February", w, Some("2025-12-01"), Some("2026-02-28")),
            ("from Jan 5 to Feb 2", w, Some("2026-01-05"), Some("2026-02-02")),
            ("between 2014 and 2016", w, Some("2014-01-01"), Some("2016-12-31")),
            ("February 1-10", w, Some("2026-02-01"), Some("2026-02-10")),
            ("1-10 February 2025", w, Some("2025-02-01"), Some("2025-02-10")),
            ("over the last 3 days", w, Some("2026-02-09"), Some("2026-02-11")),
            ("in the past three days", w, Some("2026-02-09"), Some("2026-02-11")),
            ("last 2 weeks", w, Some("2026-01-29"), Some("2026-02-11")),
            ("in the past week", w, Some("2026-02-05"), Some("2026-02-11")),
            ("the past month", w, Some("2026-01-12"), Some("2026-02-11")),
            ("in the last 24 hours", w, Some("2026-02-10"), Some("2026-02-11")),
            ("3 days ago", w, Some("2026-02-08"), Some("2026-02-08")),
            ("on 3 February 2026", w, Some("2026-02-03"), Some("2026-02-03")),
            ("on the 3rd of February", w, Some("2026-02-03"), Some("2026-02-03")),
            ("February 3rd, 2026", w, Some("2026-02-03"), Some("2026-02-03")),
            ("2026-02-03 Rutte", w, Some("2026-02-03"), Some("2026-02-03")),
            ("on 03.02.2026", w, Some("2026-02-03"), Some("2026-02-03")),
            ("on Monday", w, Some("2026-02-09"), Some("2026-02-09")),
            ("on Wednesday", w, Some("2026-02-11"), Some("2026-02-11")),
            ("last Wednesday", w, Some("2026-02-04"), Some("2026-02-04")),
            ("in 2016", w, Some("2016-01-01"), Some("2016-12-31")),
            ("in 1987", w, Some("1987-01-01"), Some("1987-12-31")),
            ("during the year 2016", w, Some("2016-01-01"), Some("2016-12-31")),
            // Words that only look like time stay words.
            ("Euro 2016 final", w, None, None),
            ("May I ask about sanctions", w, None, None),
            ("the march on Kyiv", w, None, None),
            ("the last thing Rutte said", w, None, None),
            ("Black Friday sales", w, None, None),
            ("last year's budget", w, None, None),
            ("5G towers", w, None, None),
            ("1.5 billion dollars", w, None, None),
            ("between the two parties", w, None, None),
            ("since the war began", w, None, None),
            ("from Reuters to the BBC", w, None, None),
        ],
        "Europe/Kyiv",
    );
}

#[test]
fn ukrainian_phrases_become_windows() {
    let w = WEDNESDAY;
    check(
        &[
            ("що писали сьогодні", w, Some("2026-02-11"), Some("2026-02-11")),
            ("вчора", w, Some("2026-02-10"), Some("2026-02-10")),
            ("учора у Харкові", w, Some("2026-02-10"), Some("2026-02-10")),
            ("позавчора", w, Some("2026-02-09"), Some("2026-02-09")),
            ("цього тижня", w, Some("2026-02-09"), Some("2026-02-15")),
            ("на цьому тижні", w, Some("2026-02-09"), Some("2026-02-15")),
            ("минулого тижня", w, Some("2026-02-02"), Some("2026-02-08")),
            ("на минулому тижні", w, Some("2026-02-02"), Some("2026-02-08")),
            ("цього місяця", w, Some("2026-02-01"), Some("2026-02-28")),
            ("минулого місяця", w, Some("2026-01-01"), Some("2026-01-31")),
            ("торік", w, Some("2025-01-01"), Some("2025-12-31")),
            ("минулого року", w, Some("2025-01-01"), Some("2025-12-31")),
            ("що писали про PURL у лютому?", w, Some("2026-02-01"), Some("2026-02-28")),
            ("в лютому", w, Some("2026-02-01"), Some("2026-02-28")),
            ("лютому", w, Some("2026-02-01"), Some("2026-02-28")),
            ("у лютому 2025 року", w, Some("2025-02-01"), Some("2025-02-28")),
            ("у лютому минулого року", w, Some("2025-02-01"), Some("2025-02-28")),
            ("лютий 2025", w, Some("2025-02-01"), Some("2025-02-28")),
            ("за лютий", w, Some("2026-02-01"), Some("2026-02-28")),
            ("у березні", w, Some("2025-03-01"), Some("2025-03-31")),
            ("з 1 березня", w, Some("2025-03-01"), None),
            ("з березня", w, Some("2025-03-01"), None),
            ("починаючи з 3 лютого", w, Some("2026-02-03"), None),
            ("до 5 лютого", w, None, Some("2026-02-05")),
            ("після 5 лютого", w, Some("2026-02-06"), None),
            ("з 1 по 15 березня", w, Some("2025-03-01"), Some("2025-03-15")),
            ("з 1 до 10 лютого", w, Some("2026-02-01"), Some("2026-02-10")),
            ("між 1 і 10 лютого", w, Some("2026-02-01"), Some("2026-02-10")),
            ("від грудня до лютого", w, Some("2025-12-01"), Some("2026-02-28")),
            ("за останні 3 дні", w, Some("2026-02-09"), Some("2026-02-11")),
            ("останні 3 дні", w, Some("2026-02-09"), Some("2026-02-11")),
            ("за останній тиждень", w, Some("2026-02-05"), Some("2026-02-11")),
            ("за останні два тижні", w, Some("2026-01-29"), Some("2026-02-11")),
            ("за останню добу", w, Some("2026-02-10"), Some("2026-02-11")),
            ("3 дні тому", w, Some("2026-02-08"), Some("2026-02-08")),
            ("3 лютого", w, Some("2026-02-03"), Some("2026-02-03")),
            ("3 лютого 2025 р.", w, Some("2025-02-03"), Some("2025-02-03")),
            ("у 2016 році", w, Some("2016-01-01"), Some("2016-12-31")),
            ("вибори 2016 року", w, Some("2016-01-01"), Some("2016-12-31")),
            ("з 2016 року", w, Some("2016-01-01"), None),
            ("у понеділок", w, Some("2026-02-09"), Some("2026-02-09")),
            ("минулої п'ятниці", w, Some("2026-02-06"), Some("2026-02-06")),
            // Words, not time.
            ("зустріч з Рютте", w, None, None),
            ("лютий мороз", w, None, None),
            ("поїздка до Києва", w, None, None),
        ],
        "Europe/Kyiv",
    );
}

#[test]
fn russian_phrases_become_windows() {
    let w = WEDNESDAY;
    check(
        &[
            ("что писали сегодня", w, Some("2026-02-11"), Some("2026-02-11")),
            ("вчера", w, Some("2026-02-10"), Some("2026-02-10")),
            ("позавчера", w, Some("2026-02-09"), Some("2026-02-09")),
            ("на этой неделе", w, Some("2026-02-09"), Some("2026-02-15")),
            ("на прошлой неделе", w, Some("2026-02-02"), Some("2026-02-08")),
            ("за прошлую неделю", w, Some("2026-02-02"), Some("2026-02-08")),
            ("в этом месяце", w, Some("2026-02-01"), Some("2026-02-28")),
            ("в прошлом месяце", w, Some("2026-01-01"), Some("2026-01-31")),
            ("в прошлом году", w, Some("2025-01-01"), Some("2025-12-31")),
            ("в феврале", w, Some("2026-02-01"), Some("2026-02-28")),
            ("в феврале 2025 года", w, Some("2025-02-01"), Some("2025-02-28")),
            ("в феврале прошлого года", w, Some("2025-02-01"), Some("2025-02-28")),
            ("февраль 2025", w, Some("2025-02-01"), Some("2025-02-28")),
            ("в марте", w, Some("2025-03-01"), Some("2025-03-31")),
            ("с 1 марта", w, Some("2025-03-01"), None),
            ("с марта", w, Some("2025-03-01"), None),
            ("начиная с 3 февраля", w, Some("2026-02-03"), None),
            ("до 5 февраля", w, None, Some("2026-02-05")),
            ("после 5 февраля", w, Some("2026-02-06"), None),
            ("с 1 февраля по 10 февраля", w, Some("2026-02-01"), Some("2026-02-10")),
            ("с 1 по 10 февраля", w, Some("2026-02-01"), Some("2026-02-10")),
            ("между 1 и 10 февраля", w, Some("2026-02-01"), Some("2026-02-10")),
            ("за последние 3 дня", w, Some("2026-02-09"), Some("2026-02-11")),
            ("за последнюю неделю", w, Some("2026-02-05"), Some("2026-02-11")),
            ("за последние сутки", w, Some("2026-02-10"), Some("2026-02-11")),
            ("5 дней назад", w, Some("2026-02-06"), Some("2026-02-06")),
            ("3 февраля", w, Some("2026-02-03"), Some("2026-02-03")),
            ("в 2016 году", w, Some("2016-01-01"), Some("2016-12-31")),
            ("с 2016 года", w, Some("2016-01-01"), None),
            ("в понедельник", w, Some("2026-02-09"), Some("2026-02-09")),
            ("встреча с Рютте", w, None, None),
        ],
        "Europe/Kyiv",
    );
}

#[test]
fn month_and_year_edges() {
    check(
        &[
            // New Year's Day, a Thursday.
            ("yesterday", "2026-01-01T10:00:00Z", Some("2025-12-31"), Some("2025-12-31")),
            ("since yesterday", "2026-01-01T10:00:00Z", Some("2025-12-31"), None),
            ("this week", "2026-01-01T10:00:00Z", Some("2025-12-29"), Some("2026-01-04")),
            ("last week", "2026-01-01T10:00:00Z", Some("2025-12-22"), Some("2025-12-28")),
            ("last month", "2026-01-01T10:00:00Z", Some("2025-12-01"), Some("2025-12-31")),
            ("минулого місяця", "2026-01-01T10:00:00Z", Some("2025-12-01"), Some("2025-12-31")),
            ("в прошлом месяце", "2026-01-01T10:00:00Z", Some("2025-12-01"), Some("2025-12-31")),
            ("this month", "2026-01-31T10:00:00Z", Some("2026-01-01"), Some("2026-01-31")),
            ("over the last 3 days", "2026-03-01T10:00:00Z", Some("2026-02-27"), Some("2026-03-01")),
            // Leap years.
            ("in February 2024", "2026-02-11T10:00:00Z", Some("2024-02-01"), Some("2024-02-29")),
            ("last month", "2024-03-15T10:00:00Z", Some("2024-02-01"), Some("2024-02-29")),
            ("the past month", "2026-03-31T10:00:00Z", Some("2026-03-01"), Some("2026-03-31")),
            // "In February" asked in January is last year's February …
            ("in February", "2026-01-15T10:00:00Z", Some("2025-02-01"), Some("2025-02-28")),
            ("у лютому", "2026-01-15T10:00:00Z", Some("2025-02-01"), Some("2025-02-28")),
            ("в феврале", "2026-01-15T10:00:00Z", Some("2025-02-01"), Some("2025-02-28")),
            // … and in February, this one, so far.
            ("in February", "2026-02-01T10:00:00Z", Some("2026-02-01"), Some("2026-02-28")),
            ("3 February", "2026-02-02T10:00:00Z", Some("2025-02-03"), Some("2025-02-03")),
            ("from December to February", "2026-03-10T10:00:00Z", Some("2025-12-01"), Some("2026-02-28")),
            ("between March 1 and March 15", "2026-03-10T10:00:00Z", Some("2026-03-01"), Some("2026-03-15")),
            ("between Dec 20 and Jan 5", "2026-01-10T10:00:00Z", Some("2025-12-20"), Some("2026-01-05")),
            // Not a day.
            ("on 30 February", "2026-03-10T10:00:00Z", None, None),
        ],
        "Europe/Kyiv",
    );
}

#[test]
fn today_is_the_askers_day_across_dst_changes() {
    check(
        &[
            // Spring forward in New York, 2026-03-08 at 02:00: 23:30 EST the day before …
            ("today", "2026-03-08T04:30:00Z", Some("2026-03-07"), Some("2026-03-07")),
            // … and 03:30 EDT the same day, an hour of wall clock skipped.
            ("today", "2026-03-08T07:30:00Z", Some("2026-03-08"), Some("2026-03-08")),
            ("yesterday", "2026-03-08T07:30:00Z", Some("2026-03-07"), Some("2026-03-07")),
            // Fall back, 2026-11-01: 01:30 happens twice; both are the 1st.
            ("today", "2026-11-01T05:30:00Z", Some("2026-11-01"), Some("2026-11-01")),
            ("today", "2026-11-01T06:30:00Z", Some("2026-11-01"), Some("2026-11-01")),
            ("today", "2026-11-02T04:30:00Z", Some("2026-11-01"), Some("2026-11-01")),
            ("this week", "2026-11-01T06:30:00Z", Some("2026-10-26"), Some("2026-11-01")),
        ],
        "America/New_York",
    );
    check(
        &[
            // Kyiv springs forward 2026-03-29 at 03:00: 00:30 is already the 29th.
            ("yesterday", "2026-03-28T22:30:00Z", Some("2026-03-28"), Some("2026-03-28")),
            ("вчора", "2026-03-29T01:30:00Z", Some("2026-03-28"), Some("2026-03-28")),
            // And falls back 2026-10-25 at 04:00.
            ("сьогодні", "2026-10-24T21:30:00Z", Some("2026-10-25"), Some("2026-10-25")),
            ("сегодня", "2026-10-25T21:30:00Z", Some("2026-10-25"), Some("2026-10-25")),
        ],
        "Europe/Kyiv",
    );
}

#[test]
fn the_same_moment_is_another_day_in_new_york() {
    // 03:00 UTC on February 1st: still January 31st in New York, February in Kyiv.
    let moment = "2026-02-01T03:00:00Z";
    let kyiv = at(moment, "Europe/Kyiv");
    let new_york = at(moment, "America/New_York");
    assert_eq!(window("today", &kyiv), (Some(d("2026-02-01")), Some(d("2026-02-01"))));
    assert_eq!(window("today", &new_york), (Some(d("2026-01-31")), Some(d("2026-01-31"))));
    assert_eq!(window("this month", &new_york), (Some(d("2026-01-01")), Some(d("2026-01-31"))));
    assert_eq!(window("in February", &kyiv), (Some(d("2026-02-01")), Some(d("2026-02-28"))));
    assert_eq!(window("in February", &new_york), (Some(d("2025-02-01")), Some(d("2025-02-28"))));
}

#[test]
fn the_words_that_set_a_window_are_not_searched() {
    let now = at(WEDNESDAY, "Europe/Kyiv");
    for (question, text) in [
        ("What did Rutte say last week?", "What did Rutte say ?"),
        ("що писали про PURL у лютому?", "що писали про PURL ?"),
        ("sanctions source:UNN since:2026-02-01", "sanctions"),
        ("на прошлой неделе Рютте", "Рютте"),
        ("Rutte between Feb 3 and 10 on tanks", "Rutte on tanks"),
        ("Euro 2016 final", "Euro 2016 final"),
        ("note:this stays", "note:this stays"),
    ] {
        assert_eq!(parse(question, &now).text, text, "{question:?}");
    }
}

#[test]
fn explicit_filters_anywhere() {
    let now = at(WEDNESDAY, "Europe/Kyiv");
    let p = parse("sanctions SOURCE:unn since:2026-02-01 until:2026-02-28 lang:uk", &now);
    assert_eq!(p.text, "sanctions");
    assert_eq!(p.filters.sources, ["unn"]);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("2026-02-01")), Some(d("2026-02-28"))));
    assert_eq!(p.filters.lang.as_deref(), Some("uk"));

    let p = parse("source:UNN source:BBC -source:RT budget", &now);
    assert_eq!(p.filters.sources, ["UNN", "BBC"]);
    assert_eq!(p.filters.not_sources, ["RT"]);
    assert_eq!(p.text, "budget");

    let p = parse("budget source:\"BBC News\"? on:2026-02-03", &now);
    assert_eq!(p.filters.sources, ["BBC News"]);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("2026-02-03")), Some(d("2026-02-03"))));
    assert_eq!(p.text, "budget");
    assert_eq!(parse("source:BBC_News", &now).filters.sources, ["BBC News"]);

    // Months and years as values.
    let p = parse("on:2026-02", &now);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("2026-02-01")), Some(d("2026-02-28"))));
    let p = parse("since:2016 until:2017", &now);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("2016-01-01")), Some(d("2017-12-31"))));

    // Explicit dates win over time in words, which then stays words.
    let p = parse("nasdaq short in march falls since:1987-03-01 until:1987-03-31", &now);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("1987-03-01")), Some(d("1987-03-31"))));
    assert_eq!(p.text, "nasdaq short in march falls");
    let p = parse("since:2026-03-01 until:2026-02-01", &now);
    assert!(p.filters.impossible());
    // Windows in words narrow each other; when they share no day, the last is read.
    let p = parse("Rutte in February since the 10th of February", &now);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("2026-02-10")), Some(d("2026-02-28"))));
    let p = parse("penobscot shoe 1st qtr feb 27 Mar 25 1987", &now);
    assert_eq!((p.filters.since, p.filters.until), (Some(d("1987-03-25")), Some(d("1987-03-25"))));
    assert_eq!(p.text, "penobscot shoe 1st qtr feb 27");

    // Unknown keys and unreadable values stay words.
    for question in ["note:this", "since:soon", "lang:de", "until:2026-13-01", "source:", "http://x.org"] {
        let p = parse(question, &now);
        assert!(p.filters.is_empty(), "{question:?}: {:?}", p.filters);
        assert_eq!(p.text, question);
    }
}

#[test]
fn asking_for_the_newest() {
    let now = at(WEDNESDAY, "Europe/Kyiv");
    for (question, text) in [
        ("latest on peacekeepers", "on peacekeepers"),
        ("What's new about PURL?", "PURL?"),
        ("newest articles about sanctions", "about sanctions"),
        ("most recent news on NATO", "on NATO"),
        ("останні новини про миротворців", "про миротворців"),
        ("що нового про PURL", "про PURL"),
        ("последние новости", ""),
        ("что нового о санкциях", "о санкциях"),
    ] {
        let p = parse(question, &now);
        assert!(p.newest_first, "{question:?}");
        assert!(!p.filters.dated(), "{question:?}");
        assert_eq!(p.text, text, "{question:?}");
    }
    for question in ["the last thing Rutte said", "за останні 3 дні", "news about NATO", "свіжі овочі"]
    {
        assert!(!parse(question, &now).newest_first, "{question:?}");
    }
}

#[test]
fn windows_in_words() {
    let label = |a: &str, b: &str, lang| window_label(Some(d(a)), Some(d(b)), lang).unwrap();
    assert_eq!(label("2026-02-01", "2026-02-28", "en"), "Feb 1-28, 2026");
    assert_eq!(label("2026-02-03", "2026-02-03", "en"), "Feb 3, 2026");
    assert_eq!(label("2026-02-23", "2026-03-01", "en"), "Feb 23 - Mar 1, 2026");
    assert_eq!(label("2025-12-29", "2026-01-04", "en"), "Dec 29, 2025 - Jan 4, 2026");
    assert_eq!(label("2016-01-01", "2016-12-31", "en"), "2016");
    assert_eq!(label("2026-02-01", "2026-02-28", "uk"), "1–28 лютого 2026");
    assert_eq!(label("2026-02-23", "2026-03-01", "uk"), "23 лютого – 1 березня 2026");
    assert_eq!(label("2026-02-01", "2026-02-28", "ru"), "1–28 февраля 2026");
    assert_eq!(window_label(Some(d("2026-03-01")), None, "en").unwrap(), "since Mar 1, 2026");
    assert_eq!(window_label(None, Some(d("2026-02-28")), "uk").unwrap(), "до 28 лютого 2026");
    assert_eq!(window_label(None, None, "en"), None);

    let filters = Filters {
        since: Some(d("2026-02-01")),
        until: Some(d("2026-02-28")),
        sources: vec!["unn".into()],
        ..Filters::default()
    };
    assert_eq!(nothing_matches(&filters, &["UNN".into()], "en"), "No articles from UNN in Feb 1-28, 2026.");
    assert_eq!(nothing_matches(&filters, &["UNN".into()], "uk"), "Немає статей від UNN за 1–28 лютого 2026.");
    assert_eq!(filter_description(&filters, &["UNN".into()], "en"), "Feb 1-28, 2026 · from UNN");
}

#[test]
fn days_as_the_index_stores_them() {
    assert_eq!(day_of("2026-02-03"), Some(20_260_203));
    assert_eq!(day_of("1987-10-20"), Some(19_871_020));
    assert_eq!(day_of("2026-02-30"), None);
    assert!(day_number(d("2025-12-31")) < day_number(d("2026-01-01")));
}
