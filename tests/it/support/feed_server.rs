//! A small web server on 127.0.0.1 for the feed tests: feed files of every dialect
//! and article pages (from `tests/fixtures/feeds`, with `{{BASE}}` replaced by the
//! server's address), ETags and 304s, 500s, a slow answer, a redirect loop, a 20 MB
//! body and a `Retry-After`. Paths can be changed while it runs (an item edited
//! upstream, a new item), and every request is recorded.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What the server answers on one path.
#[derive(Clone, Debug)]
pub enum Resource {
    /// 200 with this body and content type; with an ETag when `etag`, answered
    /// with 304 when the request carries it.
    File { body: Vec<u8>, content_type: String, etag: Option<String> },
    /// This status, with `Retry-After` when given.
    Status { status: u16, retry_after: Option<String> },
    /// Answers after this long.
    Slow(Duration),
    /// 302 to this path.
    Redirect(String),
    /// 200 with this many bytes of XML-looking filler, streamed.
    Huge(usize),
    /// 200 with this body gzip-compressed (`Content-Encoding: gzip`) when the
    /// request accepts gzip, else 406.
    Gzip { body: Vec<u8>, content_type: String },
}

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Shared {
    resources: Mutex<HashMap<String, Resource>>,
    seen: Mutex<Vec<Seen>>,
}

pub struct FeedServer {
    pub base: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The fixture `name`, as bytes, with `{{BASE}}` replaced by `base`.
pub fn fixture(name: &str, base: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    replace(&bytes, b"{{BASE}}", base.as_bytes())
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

impl FeedServer {
    /// A server on a free port of 127.0.0.1 with nothing on it.
    pub async fn start() -> FeedServer {
        Self::start_on("127.0.0.1").await
    }

    /// A server on a free port of `ip` (any address of 127.0.0.0/8).
    pub async fn start_on(ip: &str) -> FeedServer {
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let routes = Router::new().fallback(answer).with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        FeedServer { base, shared, task }
    }

    /// A server with every fixture at its usual path, plus the faults.
    pub async fn with_fixtures() -> FeedServer {
        let server = Self::start().await;
        for (path, name, content_type) in [
            ("/rss2.xml", "rss2.xml", "application/rss+xml"),
            ("/rss091.xml", "rss091.xml", "text/xml"),
            ("/rdf.xml", "rdf.xml", "application/rdf+xml"),
            ("/atom.xml", "atom.xml", "application/atom+xml; charset=utf-8"),
            ("/feed.json", "feed.json", "application/feed+json"),
            ("/teaser.xml", "teaser.xml", "application/rss+xml; charset=utf-8"),
            // The header names no charset: the declaration says windows-1251.
            ("/cp1251.xml", "cp1251.xml", "application/rss+xml"),
            ("/broken.xml", "broken.xml", "application/rss+xml"),
            ("/articles/library.html", "library.html", "text/html; charset=utf-8"),
            ("/articles/tram.html", "tram.html", "text/html; charset=utf-8"),
        ] {
            server.file(path, fixture(name, &server.base), content_type, None);
        }
        server.put("/500.xml", Resource::Status { status: 500, retry_after: None });
        server.put("/busy.xml", Resource::Status { status: 503, retry_after: Some("3600".into()) });
        server.put("/slow.xml", Resource::Slow(Duration::from_secs(20)));
        server.put("/loop-a", Resource::Redirect("/loop-b".into()));
        server.put("/loop-b", Resource::Redirect("/loop-a".into()));
        server.put("/huge.xml", Resource::Huge(20 * 1024 * 1024));
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn put(&self, path: &str, resource: Resource) {
        self.shared.resources.lock().unwrap().insert(path.to_owned(), resource);
    }

    pub fn file(&self, path: &str, body: Vec<u8>, content_type: &str, etag: Option<&str>) {
        self.put(
            path,
            Resource::File { body, content_type: content_type.to_owned(), etag: etag.map(str::to_owned) },
        );
    }

    /// Requests received so far for `path`.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
    }

    pub fn all_seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    shared.seen.lock().unwrap().push(Seen { path: path.clone(), headers: request.headers().clone() });
    let resource = shared.resources.lock().unwrap().get(&path).cloned();
    match resource {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Resource::File { body, content_type, etag }) => {
            if let Some(etag) = &etag
                && request.headers().get(header::IF_NONE_MATCH).is_some_and(|v| v == etag.as_str())
            {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response();
            }
            let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
            if let Some(etag) = etag {
                response.headers_mut().insert(header::ETAG, etag.parse().unwrap());
            }
            response
        }
        Some(Resource::Status { status, retry_after }) => {
            let mut response = StatusCode::from_u16(status).unwrap().into_response();
            if let Some(after) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, after.parse().unwrap());
            }
            response
        }
        Some(Resource::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "<rss version=\"2.0\"><channel><title>late</title></channel></rss>")
                .into_response()
        }
        Some(Resource::Gzip { body, content_type }) => {
            let accepts = request
                .headers()
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("gzip"));
            if !accepts {
                return StatusCode::NOT_ACCEPTABLE.into_response();
            }
            use std::io::Write;
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&body).unwrap();
            let compressed = encoder.finish().unwrap();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, content_type), (header::CONTENT_ENCODING, "gzip".to_owned())],
                compressed,
            )
                .into_response()
        }
        Some(Resource::Redirect(to)) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        Some(Resource::Huge(size)) => {
            let chunk = bytes_chunk();
            let chunks = size / chunk.len() + 1;
            let stream = futures_stream(chunk, chunks);
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/rss+xml")], Body::from_stream(stream))
                .into_response()
        }
    }
}

fn bytes_chunk() -> axum::body::Bytes {
    axum::body::Bytes::from(format!("<!-- {} -->\n", "x".repeat(64 * 1024 - 10)))
}

/// `count` copies of `chunk`, as a body stream (no Content-Length, so the cap has to
/// count what arrives).
fn futures_stream(
    chunk: axum::body::Bytes,
    count: usize,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    futures::stream::iter((0..count).map(move |_| Ok(chunk.clone())))
}
