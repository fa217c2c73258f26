//! Rendered messages are always valid Telegram HTML under the length limit, whatever
//! the article text holds.

use proptest::prelude::*;

use newsdesk::answer::excerpt::PassageMatch;
use newsdesk::answer::{Answer, Hit};
use newsdesk::bot::render::{self, Lang};
use newsdesk::digest::{Digest, DigestItem, SourceRef};
use newsdesk::index::ArticleInfo;
use newsdesk::retrieve::QueryTerms;
use newsdesk::store::{NewSubscription, Subscription};

use crate::support::telegram_html::assert_valid_message;

/// Text with what breaks naive renderers: markup characters, emoji (surrogate pairs
/// in UTF-16), right-to-left and zero-width characters, combining marks, newlines.
fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<b>".to_owned()),
        Just("&amp;".to_owned()),
        Just("&".to_owned()),
        Just("\"".to_owned()),
        Just("<".to_owned()),
        Just("🇺🇦".to_owned()),
        Just("👍🏽".to_owned()),
        Just("\u{202e}שלום".to_owned()),
        Just("\u{200b}".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("\n".to_owned()),
        Just(". ".to_owned()),
        Just("НАТО ".to_owned()),
        "[a-zA-Z ]{1,12}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|pieces| pieces.concat())
}

fn hit_from(text: &str, title: &str, question: &str, rank: usize) -> Hit {
    let mut query = QueryTerms::default();
    for term in newsdesk::analysis::analyze(question) {
        query.weights.insert(term.text, 1.0);
    }
    let excerpt = PassageMatch::new(text, &query).excerpt(text, &query, None);
    Hit {
        rank,
        article_id: format!("id-{rank}"),
        title: title.to_owned(),
        source: Some("Outlet <&>".into()),
        date: Some("2026-02-12".into()),
        url: Some("https://example.org/?a=1&b=\"2\"".into()),
        lang: "en".into(),
        passage: 0,
        excerpt,
        score: 1.0,
        matched: newsdesk::answer::Match::Lexical,
        foreign: false,
        strong: true,
    }
}

fn digest_item(title: String, lead: String, outlets: Vec<String>) -> DigestItem {
    DigestItem {
        title,
        lead,
        date: Some("2026-02-12".into()),
        sources: outlets
            .into_iter()
            .enumerate()
            .map(|(n, outlet)| SourceRef {
                article_id: format!("a{n}"),
                outlet: Some(outlet),
                url: (n % 2 == 0).then(|| format!("https://example.org/{n}?x=\"<&>\"")),
                date: None,
            })
            .collect(),
    }
}

// Cases per property: 256, or PROPTEST_CASES (scripts/fuzz.sh runs many more).
proptest! {

    #[test]
    fn answers_are_valid_html_under_the_limit(
        texts in prop::collection::vec(nasty_text(400), 1..6),
        title in nasty_text(300),
        question in nasty_text(10),
    ) {
        let hits: Vec<Hit> = texts.iter().enumerate().map(|(i, t)| hit_from(t, &title, &question, i + 1)).collect();
        let answer = Answer { question, answered: true, hits, coverage: 1.0, ..Answer::default() };
        for lang in [Lang::En, Lang::Uk] {
            let messages = render::answer_messages(&answer, lang);
            prop_assert!(!messages.is_empty());
            for message in &messages {
                assert_valid_message(message);
            }
        }
    }

    #[test]
    fn digests_are_one_valid_message_whatever_the_stories(
        stories in prop::collection::vec(
            (nasty_text(60), nasty_text(80), prop::collection::vec(nasty_text(8), 1..4)),
            0..60,
        ),
        filter in nasty_text(8),
    ) {
        let items = stories.into_iter().map(|(t, l, o)| digest_item(t, l, o)).collect();
        let digest = Digest { items, cursor: 0 };
        for lang in [Lang::En, Lang::Uk] {
            assert_valid_message(&render::digest_message(&digest, &filter, lang));
        }
    }

    #[test]
    fn subscription_lists_are_valid_messages(
        words in prop::collection::vec((nasty_text(6), nasty_text(6), nasty_text(12)), 0..80),
    ) {
        let subs: Vec<Subscription> = words
            .into_iter()
            .enumerate()
            .map(|(n, (include, exclude, reason))| Subscription {
                id: n as i64,
                spec: NewSubscription {
                    chat_id: -1,
                    thread_id: (n % 3 == 0).then_some(5),
                    chat_title: (n % 2 == 0).then(|| format!("@c{include}")),
                    minute_of_day: (n * 37 % 1440) as u16,
                    tz: "Europe/Kyiv".into(),
                    include,
                    exclude,
                    created_by: None,
                    lang: None,
                    next_due: 0,
                },
                cursor: None,
                paused: (n % 4 == 0).then_some(reason),
            })
            .collect();
        for lang in [Lang::En, Lang::Uk] {
            for message in render::subscriptions(&subs, lang) {
                assert_valid_message(&message);
            }
        }
    }

    #[test]
    fn whole_articles_are_split_into_valid_messages(
        paragraphs in prop::collection::vec(nasty_text(2000), 1..4),
        title in nasty_text(300),
    ) {
        let info = ArticleInfo {
            id: "x".into(),
            title,
            source: Some("A&B".into()),
            date: None,
            url: Some("https://example.org/\"q\"".into()),
            lang: "en".into(),
            added: 0,
        };
        let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.trim().is_empty()).collect();
        for message in render::article_messages(&info, &paragraphs) {
            assert_valid_message(&message);
        }
    }
}

#[test]
fn a_ten_thousand_character_paragraph_is_split_without_losing_text() {
    let paragraph = "Слава Україні & <NATO> 🇺🇦 ".repeat(400);
    let info = ArticleInfo {
        id: "x".into(),
        title: "T".into(),
        source: None,
        date: None,
        url: None,
        lang: "uk".into(),
        added: 0,
    };
    let messages = render::article_messages(&info, std::slice::from_ref(&paragraph));
    assert!(messages.len() >= 3);
    let mut shown = String::new();
    for message in &messages {
        assert_valid_message(message);
        shown.push_str(&crate::support::telegram_html::parse(message).unwrap());
    }
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert!(squash(&shown).ends_with(&squash(&paragraph)));
}
