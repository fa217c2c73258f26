//! Feed benchmarks (`scripts/bench-feeds.sh` runs both):
//!
//! - `bench_feeds poll NEWSDESK_BINARY [FEEDS] [ITEMS]`: serves FEEDS feeds (200) of
//!   ITEMS teaser-only items (50) each, spread over 20 hosts (127.0.0.1 to
//!   127.0.0.20, one request at a time per host as newsdesk keeps it), every item's
//!   page a generated news page with navigation, ads and comments; runs one
//!   `newsdesk feeds fetch` over them and prints its wall time, the items written
//!   and its peak memory, against a `feeds fetch` of one small feed (idle).
//! - `bench_feeds serve NEWSDESK_BINARY BOT_API_URL [FEEDS] [ITEMS]`: the same feeds
//!   polled by `newsdesk serve` (against a fake Bot API): its memory while idle, then
//!   its peak while polling and indexing them, and the time until all are written.
//! - `bench_feeds extract PAGES_DIR`: for every `NAME/source.html` with an
//!   `expected.html` (the layout of Mozilla readability's test pages), extracts the
//!   body as feeds do and compares it with the expected one: token recall, share of
//!   the expected paragraphs present, boilerplate share (extracted tokens that are
//!   not in the expected body).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const HOSTS: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("poll") => {
            let binary = PathBuf::from(args.get(1).expect("the newsdesk binary"));
            let feeds = args.get(2).map_or(200, |n| n.parse().unwrap());
            let items = args.get(3).map_or(50, |n| n.parse().unwrap());
            poll(&binary, feeds, items);
        }
        Some("serve") => {
            let binary = PathBuf::from(args.get(1).expect("the newsdesk binary"));
            let api = args.get(2).expect("a Bot API URL (scripts/fake_bot_api.py)").clone();
            let feeds = args.get(3).map_or(200, |n| n.parse().unwrap());
            let items = args.get(4).map_or(50, |n| n.parse().unwrap());
            serve(&binary, &api, feeds, items);
        }
        Some("extract") => extract(Path::new(args.get(1).expect("a folder of test pages"))),
        _ => {
            eprintln!(
                "usage: bench_feeds poll NEWSDESK_BINARY [FEEDS] [ITEMS] | bench_feeds extract PAGES_DIR"
            );
            std::process::exit(2);
        }
    }
}

// --- polling ---------------------------------------------------------------------

const WORDS: &[&str] = &[
    "council", "harbour", "budget", "railway", "school", "minister", "river", "election", "market",
    "hospital", "festival", "bridge", "tram", "library", "museum", "farmers", "weather", "airport", "court",
    "energy",
];

/// A sentence unique to (feed, item, n).
fn sentence(feed: usize, item: usize, n: usize) -> String {
    let w = |k: usize| WORDS[(feed * 7 + item * 13 + n * 3 + k) % WORDS.len()];
    format!(
        "Officials in district {feed} said on day {item} that the {} plan number {n} would change how the {} and the {} work, after {} residents wrote to the {} office.",
        w(0),
        w(1),
        w(2),
        100 + feed * 50 + item * 3 + n,
        w(3)
    )
}

fn feed_xml(base: &str, feed: usize, items: usize) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bench feed {feed}</title><link>{base}/</link><language>en</language>"
    );
    for item in 0..items {
        out.push_str(&format!(
            "<item><title>Story {item} of feed {feed}</title><link>{base}/page/{feed}/{item}.html</link><guid>bench-{feed}-{item}</guid><pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate><description>{} […]</description></item>",
            sentence(feed, item, 0)
        ));
    }
    out.push_str("</channel></rss>");
    out
}

fn page_html(feed: usize, item: usize) -> String {
    let paragraphs: String = (0..6)
        .map(|n| format!("<p>{} {}</p>", sentence(feed, item, n), sentence(feed, item, n + 10)))
        .collect();
    format!(
        r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story {item} of feed {feed}</title>
<meta property="og:site_name" content="Bench Feed {feed}"><script>var tracking = {{ id: {item} }};</script></head>
<body><header><a href="/">Bench Feed {feed}</a><nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<div class="ad ad-top"><a href="/ad">Advertisement: cheap flights to the coast</a></div>
<main><article><h1>Story {item} of feed {feed}</h1><p class="byline">By Staff Reporter</p>
<div class="share-buttons"><a href="#">Share</a> <a href="#">Tweet</a></div>
<div class="article-body">{paragraphs}</div>
<div class="newsletter"><p>Sign up for our newsletter.</p></div></article>
<aside class="related"><h2>Related</h2><ul><li><a href="/a">Another story</a></li><li><a href="/b">Yet another story</a></li></ul></aside>
<section class="comments"><div class="comment">First!</div><div class="comment">I disagree with this article entirely.</div></section></main>
<footer>© 2026 Bench Media · <a href="/privacy">Privacy</a></footer></body></html>"##
    )
}

async fn answer(request: Request) -> Response {
    let base =
        format!("http://{}", request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or(""));
    let parts: Vec<&str> = request.uri().path().trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["feed", name] => {
            let (feed, items) = name.trim_end_matches(".xml").split_once('-').unwrap_or(("0", "0"));
            let body = feed_xml(&base, feed.parse().unwrap_or(0), items.parse().unwrap_or(0));
            ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
        }
        ["page", feed, item] => {
            let body =
                page_html(feed.parse().unwrap_or(0), item.trim_end_matches(".html").parse().unwrap_or(0));
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Runs `newsdesk feeds fetch` over `list`; returns (seconds, peak RSS in KiB, stdout).
fn fetch(binary: &Path, dir: &Path, list: &str) -> (f64, u64, String) {
    let feeds = dir.join("feeds.txt");
    std::fs::write(&feeds, list).unwrap();
    let started = Instant::now();
    let mut child = std::process::Command::new(binary)
        .args(["feeds", "fetch", "--corpus"])
        .arg(dir.join("corpus"))
        .arg("--index")
        .arg(dir.join("index"))
        .env("NEWSDESK_FEEDS", &feeds)
        .env("NEWSDESK_FEEDS_ALLOW_PRIVATE", "true")
        .env("NEWSDESK_DATA", dir.join("data"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            for line in text.lines() {
                if let Some(kb) = line.strip_prefix("VmHWM:") {
                    peak = peak.max(kb.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
                }
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut out = String::new();
    use std::io::Read;
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    (seconds, peak, out.trim().to_owned())
}

fn poll(binary: &Path, feeds: usize, items: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let bases = start_servers(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let idle_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(idle_dir.path().join("corpus")).unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let (idle_s, idle_kb, idle_out) =
        fetch(binary, idle_dir.path(), &format!("{}/feed/9999-2.xml\n", bases[0]));
    let list: String = (0..feeds).map(|f| format!("{}/feed/{f}-{items}.xml\n", bases[f % HOSTS])).collect();
    let (seconds, peak_kb, out) = fetch(binary, dir.path(), &list);
    println!("idle run (1 feed of 2 items): {idle_s:.2} s, peak RSS {} MB; {idle_out}", idle_kb / 1024);
    println!(
        "{feeds} feeds x {items} items on {HOSTS} hosts, every page fetched: {seconds:.2} s, peak RSS {} MB ({} MB above idle)",
        peak_kb / 1024,
        peak_kb.saturating_sub(idle_kb) / 1024
    );
    println!("{out}");
    drop(runtime);
}

/// The feed servers on 20 loopback hosts; returns their base URLs.
fn start_servers(runtime: &tokio::runtime::Runtime) -> Vec<String> {
    runtime.block_on(async {
        let mut bases = Vec::new();
        for host in 1..=HOSTS {
            let listener =
                tokio::net::TcpListener::bind((format!("127.0.0.{host}").as_str(), 0)).await.unwrap();
            bases.push(format!("http://{}", listener.local_addr().unwrap()));
            tokio::spawn(async move {
                let _ = axum::serve(listener, Router::new().fallback(answer)).await;
            });
        }
        bases
    })
}

fn rss_kb(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Lines written below `corpus/feeds`.
fn lines_written(corpus: &Path) -> usize {
    newsdesk::ingest::article_files(&corpus.join("feeds"))
        .unwrap_or_default()
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default().lines().count())
        .sum()
}

fn serve(binary: &Path, api: &str, feeds: usize, items: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let bases = start_servers(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let list = dir.path().join("feeds.txt");
    std::fs::write(&list, "").unwrap();
    let mut child = std::process::Command::new(binary)
        .args(["serve", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index"))
        .env("NEWSDESK_FEEDS", &list)
        .env("NEWSDESK_FEEDS_ALLOW_PRIVATE", "true")
        .env("NEWSDESK_FEEDS_INTERVAL", "1h")
        .env("NEWSDESK_DATA", dir.path().join("data"))
        .env("NEWSDESK_HTTP_ADDR", "off")
        .env("TELOXIDE_TOKEN", "123456:BENCH")
        .env("NEWSDESK_TELEGRAM_API_URL", api)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(Duration::from_secs(5));
    let idle = (0..20)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(50));
            rss_kb(pid)
        })
        .max()
        .unwrap_or(0);
    let feed_list: String =
        (0..feeds).map(|f| format!("{}/feed/{f}-{items}.xml\n", bases[f % HOSTS])).collect();
    let started = Instant::now();
    std::fs::write(&list, feed_list).unwrap();
    let mut peak = idle;
    let mut written_at = None;
    let mut last_check = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        peak = peak.max(rss_kb(pid));
        if last_check.elapsed() > Duration::from_millis(250) {
            last_check = Instant::now();
            if written_at.is_none() && lines_written(&corpus) >= feeds * items {
                written_at = Some(started.elapsed());
            }
        }
        // A few seconds more, for the watcher to index what was written.
        if written_at.is_some_and(|w| started.elapsed() > w + Duration::from_secs(5)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "serve: idle RSS {} MB; polling {feeds} feeds x {items} items (pages included) and indexing them: peak RSS {} MB, {} MB above idle; all written after {}",
        idle / 1024,
        peak / 1024,
        peak.saturating_sub(idle) / 1024,
        written_at.map_or("(not all written in 120 s)".to_owned(), |w| format!("{:.2} s", w.as_secs_f64()))
    );
    drop(runtime);
}

// --- extraction quality ---------------------------------------------------------

/// Lower-cased words.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn counts(tokens: &[String]) -> HashMap<&str, usize> {
    let mut map = HashMap::new();
    for t in tokens {
        *map.entry(t.as_str()).or_default() += 1;
    }
    map
}

/// How many of `a`'s tokens `b` has (as multisets).
fn overlap(a: &HashMap<&str, usize>, b: &HashMap<&str, usize>) -> usize {
    a.iter().map(|(t, n)| (*n).min(b.get(t).copied().unwrap_or(0))).sum()
}

fn extract(dir: &Path) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("source.html").is_file() && p.join("expected.html").is_file())
        .collect();
    names.sort();
    let (mut recall_sum, mut para_sum, mut boiler_sum) = (0.0, 0.0, 0.0);
    let (mut expected_all, mut found_all, mut extracted_all, mut extra_all) = (0, 0, 0, 0);
    let mut pages = 0;
    println!("{:<22} {:>7} {:>7} {:>7} {:>6}", "page", "recall", "paras", "boiler", "words");
    for page in &names {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(page.join("source.html")).unwrap_or_default();
        let expected_html = std::fs::read_to_string(page.join("expected.html")).unwrap_or_default();
        let url: url::Url = format!("http://fakehost/{name}/").parse().unwrap();
        let expected = newsdesk::ingest::feeds::html_to_paragraphs(&expected_html);
        let extracted =
            newsdesk::ingest::feeds::extract_article(&source, &url).map(|e| e.paragraphs).unwrap_or_default();
        let expected_tokens = tokens(&expected.join(" "));
        let extracted_tokens = tokens(&extracted.join(" "));
        if expected_tokens.len() < 50 {
            continue;
        }
        let (e, x) = (counts(&expected_tokens), counts(&extracted_tokens));
        let found = overlap(&e, &x);
        let kept = overlap(&x, &e);
        let recall = found as f64 / expected_tokens.len() as f64;
        let boiler =
            if extracted_tokens.is_empty() { 0.0 } else { 1.0 - kept as f64 / extracted_tokens.len() as f64 };
        // A paragraph is present when its words appear, in order, in the extracted text.
        let haystack = format!(" {} ", extracted_tokens.join(" "));
        let paragraphs: Vec<Vec<String>> =
            expected.iter().map(|p| tokens(p)).filter(|t| t.len() >= 5).collect();
        let present = paragraphs.iter().filter(|p| haystack.contains(&format!(" {} ", p.join(" ")))).count();
        let para = if paragraphs.is_empty() { 1.0 } else { present as f64 / paragraphs.len() as f64 };
        if std::env::var("BENCH_SHOW_MISSING").is_ok_and(|v| v == name) {
            for p in paragraphs.iter().filter(|p| !haystack.contains(&format!(" {} ", p.join(" ")))) {
                println!("  missing: {}", p.join(" "));
            }
        }
        println!("{name:<22} {recall:>7.3} {para:>7.3} {boiler:>7.3} {:>6}", expected_tokens.len());
        recall_sum += recall;
        para_sum += para;
        boiler_sum += boiler;
        expected_all += expected_tokens.len();
        found_all += found;
        extracted_all += extracted_tokens.len();
        extra_all += extracted_tokens.len() - kept;
        pages += 1;
    }
    let n = pages.max(1) as f64;
    println!(
        "{pages} pages: mean token recall {:.3}, mean paragraphs present {:.3}, mean boilerplate share {:.3}; over all words: recall {:.3}, boilerplate {:.3}",
        recall_sum / n,
        para_sum / n,
        boiler_sum / n,
        found_all as f64 / expected_all.max(1) as f64,
        extra_all as f64 / extracted_all.max(1) as f64
    );
}
