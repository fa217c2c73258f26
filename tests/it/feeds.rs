//! Feeds end to end, all on 127.0.0.1: a local web server serves feeds of every
//! dialect, article pages and faults; the real poller writes the corpus files, the
//! real reader and index take them, and `feeds fetch`, `ask` and `serve` run as the
//! binary.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use newsdesk::ingest::feeds::{FEEDS_DIR, FeedResult, FeedSpec, FetchLimits, Fetcher, Origin, Poller};
use newsdesk::ingest::read_file;
use newsdesk::store::Store;
use serde_json::Value;

use crate::support::feed_server::{FeedServer, Resource, fixture};

/// The feeds of every dialect the fixtures have.
const DIALECTS: [&str; 7] =
    ["/rss2.xml", "/rss091.xml", "/rdf.xml", "/atom.xml", "/feed.json", "/teaser.xml", "/cp1251.xml"];

fn limits(allow_private: bool) -> FetchLimits {
    FetchLimits {
        connect_timeout: Duration::from_secs(2),
        // Short, so the slow server costs the test one second.
        total_timeout: Duration::from_secs(1),
        allow_private,
        ..FetchLimits::default()
    }
}

fn poller(corpus: &Path, allow_private: bool) -> Arc<Poller> {
    let store = Arc::new(Store::in_memory().unwrap());
    Arc::new(Poller::new(
        Fetcher::new(limits(allow_private)).unwrap(),
        corpus.to_owned(),
        store,
        Duration::from_secs(60),
    ))
}

fn specs(server: &FeedServer, paths: &[&str]) -> Vec<FeedSpec> {
    paths.iter().map(|p| FeedSpec { url: server.url(p).parse().unwrap(), origin: Origin::File }).collect()
}

/// Every article line written below `<corpus>/feeds`, as the corpus reader reads them.
fn feed_articles(corpus: &Path) -> Vec<newsdesk::ingest::Article> {
    let files = newsdesk::ingest::article_files(&corpus.join(FEEDS_DIR)).unwrap_or_default();
    let mut articles = Vec::new();
    for file in files {
        let contents = read_file(&file);
        assert!(contents.skipped.is_empty(), "{:?}", contents.skipped);
        articles.extend(contents.articles);
    }
    articles
}

fn article_with<'a>(articles: &'a [newsdesk::ingest::Article], url: &str) -> &'a newsdesk::ingest::Article {
    articles.iter().find(|a| a.url.as_deref() == Some(url)).unwrap_or_else(|| {
        panic!("no article from {url}: {:?}", articles.iter().map(|a| &a.url).collect::<Vec<_>>())
    })
}

fn result_of<'a>(report: &'a newsdesk::ingest::feeds::PollReport, url: &str) -> &'a FeedResult {
    &report.feeds.iter().find(|(u, _)| u == url).unwrap_or_else(|| panic!("{url} not in {report:?}")).1
}

#[tokio::test]
async fn every_dialect_is_read_and_a_broken_feed_is_skipped_by_name() {
    let server = FeedServer::with_fixtures().await;
    let dir = tempfile::tempdir().unwrap();
    let poller = poller(dir.path(), true);
    let mut paths = DIALECTS.to_vec();
    paths.extend(["/broken.xml", "/500.xml"]);
    let report = poller.poll(&specs(&server, &paths), false).await;

    for path in DIALECTS {
        assert!(
            matches!(result_of(&report, &server.url(path)), FeedResult::Ok(c) if c.new_items >= 1),
            "{path}: {report:?}"
        );
    }
    match result_of(&report, &server.url("/broken.xml")) {
        FeedResult::Failed(why) => assert!(why.starts_with("not a valid feed"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(result_of(&report, &server.url("/500.xml")), &FeedResult::Failed("HTTP 500".into()));
    assert_eq!(report.new_items(), 9, "{report:?}");
    assert_eq!(report.pages(), 2, "the two teaser items' pages");
    let summary = report.summary();
    assert!(summary.starts_with("feeds: 7 ok, 2 failed: "), "{summary}");
    assert!(summary.contains("9 new items, 0 updated, 2 pages fetched"), "{summary}");

    let articles = feed_articles(dir.path());
    assert_eq!(articles.len(), 9);
    // RSS 2.0 with content:encoded: title, date, outlet, language, paragraphs.
    let bridge = article_with(&articles, &server.url("/news/2026/03/harbour-bridge-reopens"));
    assert_eq!(bridge.title, "Harbour bridge reopens after eight months of repairs");
    assert_eq!(bridge.date.as_deref(), Some("2026-03-09"));
    assert_eq!(bridge.source.as_deref(), Some("Riverside Gazette"));
    assert_eq!(bridge.lang, "en");
    assert_eq!(bridge.paragraphs.len(), 4, "{:?}", bridge.paragraphs);
    assert!(bridge.paragraphs[0].starts_with("The harbour bridge in Port Aldwin reopened on Monday"));
    // RSS 0.91 (no guid), RDF, Atom (HTML title), JSON Feed.
    let frost = article_with(&articles, &server.url("/courier/frost-damage.html"));
    assert!(
        frost.text().contains("growers’ coöperative") || frost.text().contains("growers' coöperative"),
        "{}",
        frost.text()
    );
    assert_eq!(
        article_with(&articles, &server.url("/ledger/wind-farm-approved")).date.as_deref(),
        Some("2026-03-04")
    );
    let museum = article_with(&articles, &server.url("/2026/03/08/lighthouse-museum"));
    assert_eq!(museum.title, "Lighthouse keeper’s cottage becomes a museum");
    assert_eq!(museum.source.as_deref(), Some("Coastal Times"));
    let ferry = article_with(&articles, &server.url("/lakeside/ferry-timetable"));
    assert!(ferry.text().contains("23:40 on Fridays"));
    // windows-1251, declared only in the XML.
    let tram = article_with(&articles, &server.url("/poltava/tramvai.html"));
    assert_eq!(tram.lang, "uk");
    assert!(tram.text().contains("Міська рада Полтави виділила 48 мільйонів гривень"), "{}", tram.text());
    assert_eq!(tram.source.as_deref(), Some("Полтавські новини"));
    // Teaser-only items: the page's body, without its furniture.
    let library = article_with(&articles, &server.url("/articles/library.html"));
    let text = library.text();
    assert!(text.contains("will extend its opening hours to 22:00 on weekdays from April"), "{text}");
    assert!(text.contains("on Sunday afternoons in the examination months"), "{text}");
    assert!(library.paragraphs.len() >= 5, "paragraphs kept: {:?}", library.paragraphs);
    for furniture in [
        "Sign up for our morning newsletter",
        "reader_1987",
        "Related stories",
        "Holiday cottages",
        "Cookie settings",
        "Politics",
    ] {
        assert!(!text.contains(furniture), "{furniture:?} in {text}");
    }
    let tram_page = article_with(&articles, &server.url("/articles/tram.html")).text();
    assert!(tram_page.contains("trams will run every six minutes"), "{tram_page}");
    for furniture in ["Win a weekend", "Most read", "We use cookies", "2029 is so far away"] {
        assert!(!tram_page.contains(furniture), "{furniture:?} in {tram_page}");
    }
    // Every request named newsdesk.
    for seen in server.all_seen() {
        let agent = seen.headers["user-agent"].to_str().unwrap();
        assert!(agent.starts_with("newsdesk/"), "{agent}");
        let encodings = seen.headers["accept-encoding"].to_str().unwrap();
        assert!(encodings.contains("gzip") && encodings.contains("br"), "{encodings}");
    }
}

#[tokio::test]
async fn a_second_poll_writes_nothing_new_and_an_edited_item_replaces_its_line() {
    let server = FeedServer::with_fixtures().await;
    server.file("/rss2.xml", fixture("rss2.xml", &server.base), "application/rss+xml", Some("\"v1\""));
    let dir = tempfile::tempdir().unwrap();
    let poller = poller(dir.path(), true);
    // The Atom feed comes gzip-compressed.
    server.put(
        "/atom.xml",
        Resource::Gzip {
            body: fixture("atom.xml", &server.base),
            content_type: "application/atom+xml".into(),
        },
    );
    let feeds = specs(&server, &["/rss2.xml", "/atom.xml", "/teaser.xml"]);
    let first = poller.poll(&feeds, false).await;
    assert_eq!(first.new_items(), 5, "{first:?}");
    let file = std::fs::read_dir(dir.path().join(FEEDS_DIR)).unwrap().count();
    assert_eq!(file, 4, "three feed folders and the lock file");
    let before = feed_articles(dir.path());

    // Again: a 304 for the feed with an ETag, dedupe for the others, no page fetched.
    let second = poller.poll(&feeds, false).await;
    assert_eq!((second.new_items(), second.replaced(), second.pages()), (0, 0, 0), "{second:?}");
    assert!(matches!(result_of(&second, &server.url("/rss2.xml")), FeedResult::Ok(c) if c.not_modified));
    let asked = server.seen("/rss2.xml");
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].headers["if-none-match"], "\"v1\"");
    assert_eq!(feed_articles(dir.path()), before);
    // A new poller (a new `feeds fetch`) reads what the files hold.
    let again = poller_with_store(dir.path(), Arc::clone(poller.store()));
    assert_eq!(again.poll(&feeds, false).await.new_items(), 0);

    // Upstream changes only its summary (not used: the item has full content):
    // nothing is rewritten.
    let touched = String::from_utf8(fixture("rss2.xml", &server.base))
        .unwrap()
        .replace("The harbour bridge is open again", "The harbour bridge has reopened");
    server.file("/rss2.xml", touched.into_bytes(), "application/rss+xml", Some("\"v1b\""));
    let unchanged = poller.poll(&feeds, false).await;
    assert_eq!((unchanged.new_items(), unchanged.replaced()), (0, 0), "{unchanged:?}");
    assert_eq!(feed_articles(dir.path()), before);

    // Upstream edits the first item: its line is replaced, nothing is added.
    let edited = String::from_utf8(fixture("rss2.xml", &server.base))
        .unwrap()
        .replace("replaced 212 corroded steel cables", "replaced 214 corroded steel cables");
    server.file("/rss2.xml", edited.into_bytes(), "application/rss+xml", Some("\"v2\""));
    let third = poller.poll(&feeds, false).await;
    assert_eq!((third.new_items(), third.replaced()), (0, 1), "{third:?}");
    let after = feed_articles(dir.path());
    assert_eq!(after.len(), before.len());
    let bridge = article_with(&after, &server.url("/news/2026/03/harbour-bridge-reopens"));
    assert!(bridge.text().contains("214 corroded"));
    assert!(!after.iter().any(|a| a.text().contains("212 corroded")));
    assert_eq!(bridge.id, article_with(&before, &server.url("/news/2026/03/harbour-bridge-reopens")).id);

    // Edited again after its file was deleted by hand: written anew, once.
    let mut deleted = 0;
    for entry in std::fs::read_dir(dir.path().join(FEEDS_DIR)).unwrap().flatten() {
        let folder = entry.path();
        if folder.is_dir() && folder.file_name().unwrap().to_string_lossy().starts_with("127-0-0-1-rss2-xml")
        {
            std::fs::remove_dir_all(&folder).unwrap();
            deleted += 1;
        }
    }
    assert_eq!(deleted, 1);
    let edited = String::from_utf8(fixture("rss2.xml", &server.base))
        .unwrap()
        .replace("replaced 212 corroded steel cables", "replaced 216 corroded steel cables");
    server.file("/rss2.xml", edited.into_bytes(), "application/rss+xml", Some("\"v3\""));
    let fourth = poller.poll(&feeds, false).await;
    assert!(
        matches!(result_of(&fourth, &server.url("/rss2.xml")), FeedResult::Ok(c) if c.replaced == 1),
        "{fourth:?}"
    );
    let bridge =
        feed_articles(dir.path()).into_iter().filter(|a| a.text().contains("corroded")).collect::<Vec<_>>();
    assert_eq!(bridge.len(), 1);
    assert!(bridge[0].text().contains("216 corroded"));
    // And edited once more, it is replaced where it now is (and the file's other
    // item, deleted with it and still in the feed, is back: the files are the truth).
    let edited = String::from_utf8(fixture("rss2.xml", &server.base))
        .unwrap()
        .replace("replaced 212 corroded steel cables", "replaced 218 corroded steel cables");
    server.file("/rss2.xml", edited.into_bytes(), "application/rss+xml", Some("\"v4\""));
    let fifth = poller.poll(&feeds, false).await;
    assert_eq!((fifth.new_items(), fifth.replaced()), (1, 1), "{fifth:?}");
    let bridge =
        feed_articles(dir.path()).into_iter().filter(|a| a.text().contains("corroded")).collect::<Vec<_>>();
    assert_eq!(bridge.len(), 1);
    assert!(bridge[0].text().contains("218 corroded"));
}

fn poller_with_store(corpus: &Path, store: Arc<Store>) -> Arc<Poller> {
    Arc::new(Poller::new(
        Fetcher::new(limits(true)).unwrap(),
        corpus.to_owned(),
        store,
        Duration::from_secs(60),
    ))
}

#[tokio::test]
async fn slow_looping_huge_and_busy_servers_fail_their_feed_only() {
    let server = FeedServer::with_fixtures().await;
    let dir = tempfile::tempdir().unwrap();
    let poller = poller(dir.path(), true);
    let feeds = specs(&server, &["/slow.xml", "/loop-a", "/huge.xml", "/busy.xml", "/atom.xml"]);
    let started = std::time::Instant::now();
    let report = poller.poll(&feeds, false).await;
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let failed = |path: &str| match result_of(&report, &server.url(path)) {
        FeedResult::Failed(why) => why.clone(),
        other => panic!("{path}: {other:?}"),
    };
    assert_eq!(failed("/slow.xml"), "timed out after 1 s");
    assert_eq!(failed("/loop-a"), "more than 5 redirects");
    assert_eq!(server.seen("/loop-a").len() + server.seen("/loop-b").len(), 6);
    assert_eq!(failed("/huge.xml"), "larger than 10 MB");
    assert_eq!(failed("/busy.xml"), "HTTP 503");
    assert!(matches!(result_of(&report, &server.url("/atom.xml")), FeedResult::Ok(c) if c.new_items == 1));

    // The busy server asked for an hour: it is left alone until then, and the
    // failures back off.
    let store = poller.store();
    let busy = store.feed_state(&server.url("/busy.xml")).unwrap();
    let now = jiff::Timestamp::now().as_second();
    assert!(busy.hold_until.unwrap() >= now + 3590, "{busy:?}");
    assert!(busy.next_poll >= now + 3590, "{busy:?}");
    let again = poller.poll(&specs(&server, &["/busy.xml"]), false).await;
    assert!(matches!(again.feeds[0].1, FeedResult::Held { .. }), "{again:?}");
    assert_eq!(server.seen("/busy.xml").len(), 1, "not asked again");
    let slow = store.feed_state(&server.url("/slow.xml")).unwrap();
    assert_eq!((slow.failures, slow.last_error.as_deref()), (1, Some("timed out after 1 s")));
    assert!(slow.next_poll > now + 50, "next poll after the interval, with jitter: {slow:?}");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_loopback_without_the_flag() {
    let server = FeedServer::with_fixtures().await;
    let dir = tempfile::tempdir().unwrap();
    let poller = poller(dir.path(), false);
    let localhost = server.base.replace("127.0.0.1", "localhost");
    let feeds = vec![
        FeedSpec { url: server.url("/rss2.xml").parse().unwrap(), origin: Origin::File },
        FeedSpec { url: format!("{localhost}/atom.xml").parse().unwrap(), origin: Origin::Added },
        FeedSpec {
            url: "http://[::ffff:169.254.169.254]/latest/meta-data/".parse().unwrap(),
            origin: Origin::Added,
        },
    ];
    let report = poller.poll(&feeds, false).await;
    let reasons: Vec<String> = report
        .feeds
        .iter()
        .map(|(_, r)| match r {
            FeedResult::Failed(why) => why.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(reasons[0].starts_with("refused: 127.0.0.1 is 127.0.0.1, a loopback address"), "{reasons:?}");
    assert!(reasons[0].contains("NEWSDESK_FEEDS_ALLOW_PRIVATE=true"), "{reasons:?}");
    assert!(reasons[1].starts_with("refused: localhost is "), "{reasons:?}");
    assert!(reasons[2].contains("link-local (metadata)"), "{reasons:?}");
    assert!(server.all_seen().is_empty(), "no request reached the server");
    assert!(feed_articles(dir.path()).is_empty());

    // Every redirect hop is checked: with only 127.0.0.1 let through, a feed there
    // that redirects to 127.0.0.2 (loopback too) is refused at that hop, and the
    // second server never hears of it.
    let inside = FeedServer::start_on("127.0.0.2").await;
    inside.file("/rss2.xml", fixture("rss2.xml", &inside.base), "application/rss+xml", None);
    server.put("/moved.xml", Resource::Redirect(inside.url("/rss2.xml")));
    let limits = FetchLimits { private_exceptions: vec!["127.0.0.1".parse().unwrap()], ..limits(false) };
    let store = Arc::new(Store::in_memory().unwrap());
    let narrow = Arc::new(Poller::new(
        Fetcher::new(limits).unwrap(),
        dir.path().to_owned(),
        store,
        Duration::from_secs(60),
    ));
    let report = narrow.poll(&specs(&server, &["/moved.xml", "/atom.xml"]), false).await;
    match result_of(&report, &server.url("/moved.xml")) {
        FeedResult::Failed(why) => {
            assert!(why.starts_with("refused: 127.0.0.2 is 127.0.0.2, a loopback address"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(result_of(&report, &server.url("/atom.xml")), FeedResult::Ok(c) if c.new_items == 1));
    assert_eq!(server.seen("/moved.xml").len(), 1);
    assert!(inside.all_seen().is_empty(), "the redirect was not followed");
}

// --- the binary -------------------------------------------------------------

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new(feeds: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("corpus")).unwrap();
        std::fs::write(dir.path().join("feeds.txt"), feeds).unwrap();
        Desk { dir }
    }

    fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"));
        cmd.args(args)
            .env("NEWSDESK_FEEDS", self.dir.path().join("feeds.txt"))
            .env("NEWSDESK_FEEDS_ALLOW_PRIVATE", "true")
            .env("NEWSDESK_CORPUS", self.corpus())
            .env("NEWSDESK_INDEX", self.dir.path().join("index"))
            .env("NEWSDESK_DATA", self.dir.path().join("data"))
            .env("NEWSDESK_HTTP_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .env_remove("NEWSDESK_RESULTS")
            .env_remove("NEWSDESK_MIN_COVERAGE")
            .kill_on_drop(true);
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn feeds_fetch_makes_items_answerable_with_their_url() {
    let server = FeedServer::with_fixtures().await;
    let list = format!(
        "# the desk's feeds\n{}\n{}\n{}  # Ukrainian, windows-1251\n{}\n",
        server.url("/rss2.xml"),
        server.url("/teaser.xml"),
        server.url("/cp1251.xml"),
        server.url("/broken.xml"),
    );
    let desk = Desk::new(&list);
    let out = desk.run(&["feeds", "fetch"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit 0 although a feed failed: {stderr}");
    let summary = stdout(&out);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(summary.starts_with("feeds: 3 ok, 1 failed: "), "{summary}");
    assert!(summary.contains(&format!("{} (not a valid feed", server.url("/broken.xml"))), "{summary}");
    assert!(summary.contains("5 new items, 0 updated, 2 pages fetched"), "{summary}");
    assert!(
        stderr.contains(&format!("feed {} skipped: not a valid feed", server.url("/broken.xml"))),
        "{stderr}"
    );

    // The item's sentence is answered, cited with the item's URL.
    let ask = |question: &'static str| {
        let desk = &desk;
        async move {
            let out = desk.run(&["ask", "--json", question]).await;
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_str::<Value>(stdout(&out).trim()).unwrap()
        }
    };
    let answer = ask("How many steel cables were replaced on the harbour bridge in Port Aldwin?").await;
    assert_eq!(answer["answered"], true, "{answer}");
    let first = &answer["results"][0];
    assert_eq!(first["url"], server.url("/news/2026/03/harbour-bridge-reopens"), "{answer}");
    assert!(first["excerpt"].as_str().unwrap().contains("212 corroded steel cables"), "{answer}");
    assert_eq!(first["source"], "Riverside Gazette");
    let answer = ask("Until what time will the Merton library open on weekdays?").await;
    assert_eq!(answer["results"][0]["url"], server.url("/articles/library.html"), "{answer}");
    let answer = ask("Скільки гривень виділила міська рада Полтави на ремонт трамвайних колій?").await;
    assert_eq!(answer["results"][0]["url"], server.url("/poltava/tramvai.html"), "{answer}");

    // A second fetch writes nothing new.
    let files: Vec<(PathBuf, Vec<u8>)> = newsdesk::ingest::article_files(&desk.corpus())
        .unwrap()
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect();
    let out = desk.run(&["feeds", "fetch"]).await;
    assert!(out.status.success());
    assert!(stdout(&out).contains("0 new items, 0 updated, 0 pages fetched"), "{}", stdout(&out));
    for (file, bytes) in files {
        assert_eq!(std::fs::read(&file).unwrap(), bytes, "{} changed", file.display());
    }

    // `feeds list` shows each feed's state.
    let out = desk.run(&["feeds", "list"]).await;
    let listing = stdout(&out);
    assert!(out.status.success());
    assert_eq!(listing.lines().count(), 4, "{listing}");
    assert!(listing.lines().next().unwrap().contains("(Riverside Gazette) [file]: ok "), "{listing}");
    assert!(listing.contains("2 items"), "{listing}");
    assert!(listing.lines().nth(3).unwrap().contains("failing for"), "{listing}");
}

#[tokio::test]
async fn feeds_fetch_without_feeds_says_how_to_add_them() {
    let desk = Desk::new("# nothing yet\n");
    let out = desk.run(&["feeds", "fetch"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set NEWSDESK_FEEDS"), "{out:?}");
}

/// `serve` polls on its own: an item put on the server is answerable and in a
/// `/digest` within one interval (plus indexing).
#[tokio::test]
async fn serve_picks_up_a_new_item_within_one_interval_and_digests_it() {
    use crate::support::fake_telegram::{self as fake, FakeTelegram};

    let server = FeedServer::with_fixtures().await;
    server.file("/live.xml", fixture("atom.xml", &server.base), "application/atom+xml", None);
    let desk = Desk::new(&format!("{}\n", server.url("/live.xml")));
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, desk.corpus().join(path.file_name().unwrap())).unwrap();
    }
    let telegram = FakeTelegram::start().await;
    let mut serve = desk.command(&["serve"]);
    serve
        .env("NEWSDESK_FEEDS_INTERVAL", "2s")
        .env("TELOXIDE_TOKEN", fake::TOKEN)
        .env("NEWSDESK_TELEGRAM_API_URL", telegram.url().as_str())
        .env("NEWSDESK_ADMINS", "42")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let _child = serve.spawn().unwrap();
    telegram.wait_for("getUpdates", 1, Duration::from_secs(30)).await;
    // The first poll writes the feed's one item.
    let wait_for_line = |needle: &'static str, within: Duration| {
        let corpus = desk.corpus();
        async move {
            let deadline = std::time::Instant::now() + within;
            loop {
                let found = newsdesk::ingest::article_files(&corpus.join(FEEDS_DIR))
                    .unwrap_or_default()
                    .iter()
                    .any(|f| std::fs::read_to_string(f).unwrap_or_default().contains(needle));
                if found {
                    return;
                }
                assert!(std::time::Instant::now() < deadline, "{needle:?} never written");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    wait_for_line("Gull Point", Duration::from_secs(10)).await;

    // A new item upstream.
    let with_new = String::from_utf8(fixture("atom.xml", &server.base)).unwrap().replace(
        "  <entry>",
        r#"  <entry>
    <title>Seal colony returns to Gull Point sandbank</title>
    <link href="{{BASE}}/2026/03/10/seals" rel="alternate"/>
    <id>tag:coastal-times.example,2026:entry-5530</id>
    <published>2026-03-10T08:00:00Z</published>
    <content type="html">&lt;p&gt;Grey seals have returned to the sandbank off Gull Point for the first time in nineteen years, wardens counted sixty-three animals on Tuesday morning.&lt;/p&gt;&lt;p&gt;The wardens asked boat owners to keep at least two hundred metres away during the pupping season, which lasts until late spring, and said the colony could double within five years if left undisturbed.&lt;/p&gt;&lt;p&gt;Fishermen in the harbour have been asked to report seals caught in nets to the wardens' office.&lt;/p&gt;</content>
  </entry>
  <entry>"#,
    ).replace("{{BASE}}", &server.base);
    let put_at = std::time::Instant::now();
    server.file("/live.xml", with_new.into_bytes(), "application/atom+xml", None);
    // Within one interval (2 s, +10% jitter) plus indexing.
    wait_for_line("sixty-three animals", Duration::from_secs(7)).await;

    // `/digest` from an admin's private chat includes it, and so does `/feeds`.
    let deadline = put_at + Duration::from_secs(2 + 5);
    loop {
        let before = telegram.delivered().len();
        telegram.push_update(fake::private_text(42, "/digest"));
        let sent = telegram.wait_for("sendMessage", before + 1, Duration::from_secs(10)).await;
        let text = sent.last().unwrap().params["text"].as_str().unwrap().to_owned();
        if text.contains("Seal colony returns to Gull Point sandbank") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not in the digest in time: {text}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let before = telegram.count("sendMessage");
    telegram.push_update(fake::private_text(42, "/feeds"));
    let sent = telegram.wait_for("sendMessage", before + 1, Duration::from_secs(10)).await;
    let text = sent.last().unwrap().params["text"].as_str().unwrap().to_owned();
    assert!(text.contains("Coastal Times") && text.contains("2 items"), "{text}");
}

/// `/feeds`, `/addfeed`, `/removefeed`: bot admins, in a private chat; the feeds
/// added are listed after the file's, and only they can be removed here.
#[tokio::test]
async fn admins_manage_feeds_in_a_private_chat() {
    use crate::support::fake_telegram::{self as fake, FakeTelegram};
    use newsdesk::bot::App;
    use newsdesk::config::Config;
    use teloxide::prelude::Requester;

    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("feeds.txt");
    std::fs::write(&list, "https://news.example/rss.xml\n").unwrap();
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.admins = vec![42];
    config.feeds = Some(list);
    let index = newsdesk::index::NewsIndex::in_memory().unwrap();
    let mut app = App::new(index, Store::in_memory().unwrap(), &config);
    let telegram = FakeTelegram::start().await;
    let bot = telegram.bot();
    let me = bot.get_me().await.unwrap();
    let send = |app: &Arc<App>, update: Value| {
        let (bot, me, app) = (bot.clone(), me.clone(), Arc::clone(app));
        async move {
            assert!(crate::support::dispatch(bot, &me, &app, &update).await);
        }
    };
    let last = |telegram: &FakeTelegram| telegram.sent_texts().last().cloned().unwrap_or_default();

    let shared = Arc::new(App::new(
        newsdesk::index::NewsIndex::in_memory().unwrap(),
        Store::in_memory().unwrap(),
        &config,
    ));
    send(&shared, fake::private_text(43, "/feeds")).await;
    assert_eq!(last(&telegram), "Only the bot's admins can manage feeds.");
    send(&shared, fake::group_text(-100_500, 42, "/addfeed https://x.example/rss")).await;
    assert_eq!(last(&telegram), "Feeds are managed in a private chat with me.");
    send(&shared, fake::private_text(42, "/addfeed http://127.0.0.1:9/rss.xml")).await;
    assert!(
        last(&telegram).starts_with("refused: 127.0.0.1 is 127.0.0.1, a loopback address"),
        "{}",
        last(&telegram)
    );
    send(&shared, fake::private_text(42, "/addfeed not a url")).await;
    assert!(last(&telegram).starts_with("Send the feed's address"), "{}", last(&telegram));

    // With private addresses allowed (as the tests run), it is added.
    app.feeds_allow_private = true;
    let app = Arc::new(app);
    send(&app, fake::private_text(42, "/addfeed http://127.0.0.1:9/rss.xml")).await;
    assert!(last(&telegram).starts_with("Added."), "{}", last(&telegram));
    send(&app, fake::private_text(42, "/addfeed http://127.0.0.1:9/rss.xml")).await;
    assert_eq!(last(&telegram), "That feed is already on the list.");
    send(&app, fake::private_text(42, "/feeds")).await;
    let listing = last(&telegram);
    assert!(listing.contains("1. <a href=\"https://news.example/rss.xml\">https://news.example/rss.xml</a> [file]\nnot polled yet, 0 items"), "{listing}");
    assert!(listing.contains("2. <a href=\"http://127.0.0.1:9/rss.xml\">"), "{listing}");
    crate::support::telegram_html::assert_valid_message(&listing);

    send(&app, fake::private_text(42, "/removefeed 1")).await;
    assert_eq!(last(&telegram), "That feed is listed in the NEWSDESK_FEEDS file; remove it there.");
    send(&app, fake::private_text(42, "/removefeed 7")).await;
    assert!(last(&telegram).starts_with("Send the feed's number"), "{}", last(&telegram));
    send(&app, fake::private_text(42, "/removefeed 2")).await;
    assert_eq!(last(&telegram), "Removed. Its articles stay in the archive.");
    assert!(app.store.added_feeds().unwrap().is_empty());
}

/// A feed's month file grows by a line at each poll: indexing it again keeps the
/// earlier articles' stamps, so a digest brings only the new one.
#[test]
fn a_grown_month_file_brings_only_its_new_item_to_digests() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let file = corpus.join(FEEDS_DIR).join("example-org-rss-0a1b2c3d").join("2026-03.jsonl");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let line = |id: &str, text: &str| {
        format!(
            "{}\n",
            serde_json::json!({"id": id, "title": format!("Story {id}"), "text": text, "feed": "x", "key": id})
        )
    };
    std::fs::write(&file, line("a", "The first story tells of the harbour bridge.")).unwrap();
    let index = newsdesk::index::NewsIndex::open_or_create(&dir.path().join("index")).unwrap();
    index.sync(&corpus, &mut |_, _| {}).unwrap();
    let first = index.articles().unwrap()[0].added;
    std::thread::sleep(Duration::from_millis(5));
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&line("b", "The second story tells of the tram line."));
    std::fs::write(&file, text).unwrap();
    let report = index.sync(&corpus, &mut |_, _| {}).unwrap();
    assert_eq!((report.files_indexed, report.articles), (1, 2));
    let fresh: Vec<String> = index
        .fresh_articles(first, &[], &[], &Default::default())
        .unwrap()
        .into_iter()
        .map(|a| a.info.id)
        .collect();
    assert_eq!(fresh, ["b"]);
    let stamps: Vec<(String, u64)> = index.articles().unwrap().into_iter().map(|a| (a.id, a.added)).collect();
    assert!(stamps.contains(&("a".to_owned(), first)), "{stamps:?}");
}
