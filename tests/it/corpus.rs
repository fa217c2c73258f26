//! Ingestion as a reader would judge it: the right title, outlet, date and language
//! for every shipped seed, no page furniture in the text, and bad files skipped by
//! name while the rest are read.

use std::path::{Path, PathBuf};

use newsdesk::ingest::{Article, article_files, read_file};

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

fn seed(stem: &str) -> Article {
    let contents = read_file(&seeds().join(format!("{stem}.txt")));
    assert!(contents.skipped.is_empty(), "{:?}", contents.skipped);
    assert_eq!(contents.articles.len(), 1);
    contents.articles.into_iter().next().unwrap()
}

struct Expected {
    stem: &'static str,
    title: &'static str,
    source: Option<&'static str>,
    date: Option<&'static str>,
    lang: &'static str,
    first_words: &'static str,
    last_words: &'static str,
    /// Section headings, kept as paragraphs of their own (never quoted).
    headings: &'static [&'static str],
    /// Lines of the page that are not the story (teasers of other stories).
    dropped: &'static [&'static str],
}

#[test]
fn every_seed_is_read_like_a_reader_would() {
    let table = [
        Expected {
            stem: "000_e3a8ee8d0e082d69",
            title: "NATO Secretary General Mark Rutte visited Kyiv on 3 February and addressed Ukraine’s…",
            source: Some("Suspilne"),
            date: None,
            lang: "en",
            first_words: "NATO Secretary General Mark Rutte visited Kyiv",
            last_words: "\"Otherwise, they will become Putin's next victims,\" she warned.",
            headings: &[
                "Support for Ukraine remains NATO's central focus",
                "Coalition forces to deploy after peace deal",
                "No repeat of Budapest or Minsk",
                "Ukrainian MPs react: praise and skepticism",
            ],
            dropped: &["Trump praises Ukraine-Russia talks"],
        },
        Expected {
            stem: "001_6cd02a9f49007a16",
            title: "The US will pressure Russia and play a key role in supporting Ukraine - NATO Secretary General Rutte",
            source: Some("UNN"),
            date: Some("2026-02-12"),
            lang: "en",
            first_words: "NATO Secretary General Mark Rutte stated that the US remains a key player",
            last_words: "Europe has significantly strengthened its own responsibility for collective security over the past year.",
            headings: &[],
            dropped: &[],
        },
        Expected {
            stem: "002_9bf3a37e56b865ab",
            title: "Countries of the North Atlantic Alliance may offer Ukraine a guarantee of security in the…",
            source: None,
            date: None,
            lang: "en",
            first_words: "Countries of the North Atlantic Alliance may offer Ukraine",
            last_words: "and the only question is the timeframe.",
            headings: &[],
            dropped: &[],
        },
        Expected {
            stem: "003_d3c851319a9cef4d",
            title: "NATO committed to helping Ukraine stop Putin",
            source: Some("AFP"),
            date: None,
            lang: "en",
            first_words: "Russia's invasion of Ukraine was 'a big strategic mistake and defeat'",
            last_words: "\"It is our security interest that President Putin does not win this war.\"",
            headings: &["Putin's strategic defeat", "Ukraine's decision"],
            dropped: &[],
        },
        Expected {
            stem: "004_5bf96f1cfb37fb97",
            title: "НАТО може стати «тилом» для миротворців в Україні: підсумки зустрічі у Брюсселі",
            source: None,
            date: Some("2026-02-02"),
            lang: "uk",
            first_words: "Делегації України та країн НАТО в Брюсселі обговорили",
            last_words: "щодо подальших кроків і пріоритетів.",
            headings: &[],
            dropped: &[],
        },
    ];
    for e in table {
        let a = seed(e.stem);
        assert_eq!(a.id, e.stem);
        assert_eq!(a.title, e.title, "title of {}", e.stem);
        assert_eq!(a.source.as_deref(), e.source, "outlet of {}", e.stem);
        assert_eq!(a.date.as_deref(), e.date, "date of {}", e.stem);
        assert_eq!(a.lang, e.lang, "language of {}", e.stem);
        let text = a.text();
        assert!(text.starts_with(e.first_words), "{} starts with {:?}", e.stem, &text[..80]);
        assert!(text.ends_with(e.last_words), "{} ends with {:?}", e.stem, &text[text.len() - 120..]);
        for heading in e.headings {
            assert!(a.paragraphs.iter().any(|p| p == heading), "{}: heading {heading:?} kept", e.stem);
        }
        let headings: Vec<&String> = a
            .paragraphs
            .iter()
            .filter(|p| newsdesk::analysis::is_heading(p, newsdesk::analysis::HEADING_WORDS))
            .collect();
        assert_eq!(headings, e.headings, "{}: the headings found", e.stem);
        for line in e.dropped {
            assert!(!text.contains(line), "{}: {line:?} is not the story", e.stem);
        }
    }
}

#[test]
fn page_furniture_never_reaches_the_text() {
    let furniture = [
        "34 views",
        "Do you like this article?",
        "Captcha",
        "В Україні\n",
        "$43.030.06",
        "[Simon Wohlfahrt/AFP]",
        "\n1Assessing",
        "\n2According",
        "PoliticsNews of the World",
        "Kyiv • UNN",
        "By Kontur and AFP",
        "09:24, 2 лютого 2026",
        "НАТО Україна війна Бельгія",
        "date 2026",
    ];
    for file in article_files(&seeds()).unwrap() {
        for article in read_file(&file).articles {
            let text = format!("\n{}\n", article.text());
            for junk in furniture {
                assert!(!text.contains(junk), "{} contains {junk:?}", article.id);
            }
            // The headline is not repeated as body text.
            assert!(!article.paragraphs.contains(&article.title), "{}", article.id);
        }
    }
}

#[test]
fn footnote_paragraphs_keep_their_words() {
    let a = seed("002_9bf3a37e56b865ab");
    assert!(a.paragraphs.iter().any(|p| p.starts_with("Assessing the realism")));
    assert!(a.paragraphs.iter().any(|p| p.starts_with("According to Igor Chalenko")));
}

#[test]
fn bad_files_are_skipped_by_name_and_the_rest_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("good.txt", b"A headline for the good file\n\nThe body of the good article says something useful.");
    write("empty.txt", b"");
    write("blank.md", b"   \n\n  \n");
    write("binary.txt", b"\x00\x01\x02PNG");
    write("latin1.txt", b"caf\xe9 au lait");
    write("ignored.pdf", b"%PDF");
    write(
        "feed.jsonl",
        concat!(
            "{\"id\": \"a1\", \"title\": \"First\", \"text\": \"Body one.\", \"date\": \"2026-01-02\", \"source\": \"X\"}\n",
            "{\"id\": \"a2\", \"text\": \"No title here. Second sentence.\"}\n",
            "{broken json\n",
            "{\"id\": \"a4\", \"text\": \"Bad date.\", \"date\": \"02.01.2026\"}\n",
            "{\"title\": \"no id\", \"text\": \"x\"}\n",
            "\n",
            "{\"id\": 5, \"text\": \"Numeric id.\", \"lang\": \"UK\", \"url\": \"https://example.org/a?q=\\\"x\\\"\"}\n",
        )
        .as_bytes(),
    );
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    write("nested/deep.txt", b"Nested headline for the article\n\nNested articles are found too.");

    let files = article_files(dir.path()).unwrap();
    let names: Vec<String> =
        files.iter().map(|f| f.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        ["binary.txt", "blank.md", "empty.txt", "feed.jsonl", "good.txt", "latin1.txt", "nested/deep.txt"]
    );

    let mut articles = Vec::new();
    let mut skipped = Vec::new();
    for file in &files {
        let contents = read_file(file);
        articles.extend(contents.articles);
        skipped.extend(contents.skipped.into_iter().map(|s| s.to_string()));
    }
    let ids: Vec<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "5", "good", "deep"]);
    assert_eq!(articles[1].title, "No title here");
    assert_eq!(articles[2].lang, "uk");
    assert_eq!(articles[2].url.as_deref(), Some("https://example.org/a?q=%22x%22"));
    assert_eq!(articles[0].date.as_deref(), Some("2026-01-02"));

    let expect = [
        "binary.txt: binary file",
        "blank.md: empty",
        "empty.txt: empty",
        "feed.jsonl:3: not a valid article",
        "feed.jsonl:4: `date` \"02.01.2026\" is not YYYY-MM-DD",
        "feed.jsonl:5: not a valid article",
        "latin1.txt: not valid UTF-8",
    ];
    assert_eq!(skipped.len(), expect.len(), "{skipped:#?}");
    for (line, want) in skipped.iter().zip(expect) {
        assert!(line.contains(want), "{line:?} should contain {want:?}");
    }
}

mod fuzz {
    //! The parser on arbitrary input: it never panics, and every article it returns
    //! is whole (an id, a title, text) while every rejected line is named.

    use proptest::prelude::*;

    use newsdesk::ingest::parse_file;

    /// Bytes that look like what scrapers produce, broken in every way.
    fn scraped() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b" date 2026-02-12 ".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"Kyiv \xe2\x80\xa2 UNN\n".to_vec()),
            Just(b" \xe2\x80\xa2 34 views\n".to_vec()),
            Just(b"Captcha\n".to_vec()),
            Just(b"{\"id\": \"a\", \"text\": \"".to_vec()),
            Just(b"\"}\n".to_vec()),
            Just(b"{\"id\": 7, \"title\": null, \"text\": \"x\", \"date\": \"2026-99-01\"}\n".to_vec()),
            Just("НАТО. ".as_bytes().to_vec()),
            Just("\u{202e}\u{200b}e\u{301}".as_bytes().to_vec()),
            "[a-zA-Z .,]{1,40}".prop_map(String::into_bytes),
            any::<u8>().prop_map(|b| vec![b]),
        ];
        prop::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
    }

    // Cases: 256, or PROPTEST_CASES (scripts/fuzz.sh runs many more).
    proptest! {
        #[test]
        fn any_file_parses_without_panic(bytes in scraped(), jsonl in any::<bool>()) {
            let path = std::path::Path::new(if jsonl { "feed.jsonl" } else { "article.txt" });
            let contents = parse_file(path, bytes);
            for article in &contents.articles {
                prop_assert!(!article.id.is_empty());
                prop_assert!(!article.title.trim().is_empty());
                prop_assert!(article.paragraphs.iter().any(|p| !p.trim().is_empty()));
            }
            for skipped in &contents.skipped {
                prop_assert!(skipped.path == path && !skipped.reason.is_empty());
            }
            prop_assert!(!contents.articles.is_empty() || !contents.skipped.is_empty());
        }
    }
}
