//! News digests, without Telegram: when they are due, which articles go in, and how
//! the same story from several outlets becomes one item.
//!
//! Time is always passed in (or read through a [`Clock`]), so schedules are tested
//! across DST changes without waiting, and the bot's scheduler runs on a clock tests
//! can move.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::analysis::analyze;
use crate::search::FreshArticle;

/// The daily time a subscription posts at, in its time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl TimeOfDay {
    /// Parses `HH:MM` (or `H:MM`), 24-hour clock.
    pub fn parse(text: &str) -> Option<TimeOfDay> {
        let (h, m) = text.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let hour: u8 = h.parse().ok()?;
        let minute: u8 = m.parse().ok()?;
        (hour < 24 && minute < 60).then_some(TimeOfDay { hour, minute })
    }

    pub fn minute_of_day(self) -> u16 {
        u16::from(self.hour) * 60 + u16::from(self.minute)
    }

    pub fn from_minute_of_day(minutes: u16) -> TimeOfDay {
        let minutes = minutes % (24 * 60);
        TimeOfDay { hour: (minutes / 60) as u8, minute: (minutes % 60) as u8 }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A time zone by its IANA name (`Europe/Kyiv`), or `None` for an unknown name.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    // Only real IANA names: jiff also accepts POSIX TZ strings, which a user should
    // not have to know about.
    if name.is_empty() || name.starts_with(['/', '.']) || name.contains("..") {
        return None;
    }
    TimeZone::get(name).ok()
}

/// The first moment strictly after `after` when the wall clock in `tz` shows `at`.
///
/// On the night clocks spring forward, a time that does not exist (03:30 in Kyiv on
/// the last Sunday of March) runs at the same distance past the gap (04:30); on the
/// night they fall back, a time that happens twice runs at the first.
pub fn next_run(after: Timestamp, at: TimeOfDay, tz: &TimeZone) -> Timestamp {
    let mut date = after.to_zoned(tz.clone()).date();
    // Two days always suffice: today's slot, or tomorrow's.
    for _ in 0..3 {
        let local = date.at(at.hour as i8, at.minute as i8, 0, 0);
        if let Ok(when) = local.to_zoned(tz.clone())
            && when.timestamp() > after
        {
            return when.timestamp();
        }
        date = date.tomorrow().expect("dates in the next days exist");
    }
    unreachable!("a daily time recurs within two days")
}

/// Which articles a digest takes: any of `include` (all when empty), none of `exclude`.
/// Words are matched as the search matches them (stems, any case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Filter {
    /// `nato ukraine -russia`: plain words are included, `-word` excluded.
    pub fn parse(words: &str) -> Filter {
        let mut filter = Filter::default();
        for word in words.split_whitespace() {
            match word.strip_prefix('-') {
                Some(excluded) if !excluded.is_empty() => filter.exclude.push(excluded.to_owned()),
                Some(_) => {}
                None => filter.include.push(word.to_owned()),
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> =
            self.include.iter().cloned().chain(self.exclude.iter().map(|w| format!("-{w}"))).collect();
        f.write_str(&words.join(" "))
    }
}

/// One outlet's report of a digest item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRef {
    pub article_id: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
}

/// A story in a digest: one title and lead, and every outlet that reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestItem {
    pub title: String,
    /// The opening sentence of the first report, verbatim.
    pub lead: String,
    pub date: Option<String>,
    pub sources: Vec<SourceRef>,
}

/// A digest: its stories, newest first, and the cursor to continue from next time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub items: Vec<DigestItem>,
    /// The newest `added` stamp among the articles considered; the next digest takes
    /// only articles added after it.
    pub cursor: u64,
}

/// Share of shared words above which two reports are the same story.
const SAME_STORY_SIMILARITY: f32 = 0.4;

/// Groups fresh articles (newest first) into stories: an article joins the first
/// earlier story whose title and lead share enough words with its own.
pub fn build(articles: Vec<FreshArticle>, since: u64) -> Digest {
    let cursor = articles.iter().map(|a| a.info.added).max().unwrap_or(since).max(since);
    let mut stories: Vec<(HashSet<String>, DigestItem)> = Vec::new();
    for article in articles {
        let words = story_words(&article);
        let source = SourceRef {
            article_id: article.info.id.clone(),
            outlet: article.info.source.clone(),
            url: article.info.url.clone(),
            date: article.info.date.clone(),
        };
        let same = stories.iter_mut().find(|(other, _)| similarity(&words, other) >= SAME_STORY_SIMILARITY);
        match same {
            Some((_, item)) => {
                if !item.sources.iter().any(|s| s.outlet.is_some() && s.outlet == source.outlet) {
                    item.sources.push(source);
                }
            }
            None => stories.push((
                words,
                DigestItem {
                    title: article.info.title,
                    lead: article.lead,
                    date: article.info.date,
                    sources: vec![source],
                },
            )),
        }
    }
    Digest { items: stories.into_iter().map(|(_, item)| item).collect(), cursor }
}

fn story_words(article: &FreshArticle) -> HashSet<String> {
    let mut text = article.info.title.clone();
    text.push(' ');
    text.push_str(&article.lead);
    analyze(&text).into_iter().filter(|t| !t.stopword).map(|t| t.text).collect()
}

/// Jaccard similarity of two word sets.
fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

/// Where the scheduler reads the time: the system clock in production, a
/// [`ManualClock`] in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that shows what it was last set to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_strictly() {
        assert_eq!(TimeOfDay::parse("08:00"), Some(TimeOfDay { hour: 8, minute: 0 }));
        assert_eq!(TimeOfDay::parse("7:05"), Some(TimeOfDay { hour: 7, minute: 5 }));
        for bad in ["24:00", "8:60", "8", "08:0", "ab:cd", "", "-1:00", "123:00"] {
            assert_eq!(TimeOfDay::parse(bad), None, "{bad}");
        }
        assert_eq!(
            TimeOfDay::from_minute_of_day(TimeOfDay::parse("23:59").unwrap().minute_of_day()).to_string(),
            "23:59"
        );
    }

    #[test]
    fn filters_split_included_and_excluded_words() {
        let filter = Filter::parse("NATO  ukraine -russia - -");
        assert_eq!(filter.include, ["NATO", "ukraine"]);
        assert_eq!(filter.exclude, ["russia"]);
        assert_eq!(filter.to_string(), "NATO ukraine -russia");
        assert!(Filter::parse("").is_empty());
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn daily_runs_keep_local_time_across_dst_changes() {
        let kyiv = time_zone("Europe/Kyiv").unwrap();
        let eight = TimeOfDay { hour: 8, minute: 0 };
        // Clocks spring forward on 29 March 2026 (03:00 EET -> 04:00 EEST).
        assert_eq!(next_run(at("2026-03-28T05:00:00Z"), eight, &kyiv), at("2026-03-28T06:00:00Z"));
        assert_eq!(
            next_run(at("2026-03-28T06:00:00Z"), eight, &kyiv),
            at("2026-03-29T05:00:00Z"),
            "23 h later"
        );
        // ... and fall back on 25 October 2026 (04:00 EEST -> 03:00 EET).
        assert_eq!(next_run(at("2026-10-25T05:00:00Z"), eight, &kyiv), at("2026-10-25T06:00:00Z"));
        assert_eq!(
            next_run(at("2026-10-24T05:00:00Z"), eight, &kyiv),
            at("2026-10-25T06:00:00Z"),
            "25 h later"
        );
        // A time inside the spring gap runs the same distance past it; a time that
        // happens twice in autumn runs at the first.
        let half_past_three = TimeOfDay { hour: 3, minute: 30 };
        assert_eq!(next_run(at("2026-03-28T12:00:00Z"), half_past_three, &kyiv), at("2026-03-29T01:30:00Z"));
        assert_eq!(next_run(at("2026-10-24T12:00:00Z"), half_past_three, &kyiv), at("2026-10-25T00:30:00Z"));
        // New York changes on another date (8 March 2026).
        let new_york = time_zone("America/New_York").unwrap();
        assert_eq!(next_run(at("2026-03-07T14:00:00Z"), eight, &new_york), at("2026-03-08T12:00:00Z"));
        assert_eq!(next_run(at("2026-03-08T12:00:00Z"), eight, &new_york), at("2026-03-09T12:00:00Z"));
    }

    fn fresh(id: &str, outlet: &str, title: &str, lead: &str, added: u64) -> FreshArticle {
        FreshArticle {
            info: crate::search::ArticleInfo {
                id: id.into(),
                title: title.into(),
                source: Some(outlet.into()),
                date: Some("2026-02-12".into()),
                url: Some(format!("https://{outlet}.example/{id}")),
                lang: "en".into(),
                added,
            },
            lead: lead.into(),
        }
    }

    #[test]
    fn one_story_from_several_outlets_is_one_item() {
        let articles = vec![
            fresh(
                "a",
                "UNN",
                "Rutte: the US will pressure Russia and support Ukraine",
                "NATO Secretary General Mark Rutte said the US remains key to supporting Ukraine and pressuring Russia.",
                10,
            ),
            fresh(
                "b",
                "Suspilne",
                "Power outages in Kyiv after overnight strikes",
                "Kyiv had power cuts after strikes on energy sites.",
                11,
            ),
            fresh(
                "c",
                "AFP",
                "US to keep pressuring Russia and backing Ukraine, NATO's Rutte says",
                "The United States will keep pressuring Russia and supporting Ukraine, NATO chief Mark Rutte said on Thursday.",
                12,
            ),
        ];
        let digest = build(articles, 5);
        assert_eq!(digest.cursor, 12);
        assert_eq!(digest.items.len(), 2, "{digest:#?}");
        let outlets: Vec<_> = digest.items[0].sources.iter().map(|s| s.outlet.clone().unwrap()).collect();
        assert_eq!(outlets, ["UNN", "AFP"]);
        assert_eq!(digest.items[1].sources.len(), 1);
        assert_eq!(build(Vec::new(), 5).cursor, 5, "an empty digest keeps the cursor");
    }

    #[test]
    fn unknown_time_zones_are_refused() {
        assert!(time_zone("Europe/Kyiv").is_some());
        assert!(time_zone("America/New_York").is_some());
        for bad in ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime"] {
            assert!(time_zone(bad).is_none(), "{bad}");
        }
    }
}
